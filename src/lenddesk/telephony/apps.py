from django.apps import AppConfig


class TelephonyConfig(AppConfig):
    name = "lenddesk.telephony"
    label = "telephony"
    verbose_name = "Telephony"
