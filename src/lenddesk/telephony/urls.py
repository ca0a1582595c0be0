"""Pages of the telephony app."""

app_name = "telephony"
urlpatterns: list = []
