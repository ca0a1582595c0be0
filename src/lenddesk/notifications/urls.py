from django.urls import path

from lenddesk.notifications import channel_views, views

app_name = "notifications"
urlpatterns = [
    path("", views.InboxView.as_view(), name="inbox"),
    path("<int:pk>/open/", views.OpenView.as_view(), name="open"),
    path("read-all/", views.MarkAllReadView.as_view(), name="read_all"),
    path("channels/", channel_views.ChannelSettingsView.as_view(), name="channels"),
    path(
        "channels/<str:channel>/save/",
        channel_views.ChannelSaveView.as_view(),
        name="channel_save",
    ),
    path(
        "channels/<str:channel>/test/",
        channel_views.ChannelTestView.as_view(),
        name="channel_test",
    ),
    path(
        "sms-templates/",
        channel_views.SmsTemplateSaveView.as_view(),
        name="sms_template_save",
    ),
    path(
        "sms-templates/<int:pk>/delete/",
        channel_views.SmsTemplateDeleteView.as_view(),
        name="sms_template_delete",
    ),
    path("preferences/", channel_views.PreferencesView.as_view(), name="preferences"),
    path("outbox/", channel_views.OutboxView.as_view(), name="outbox"),
    path(
        "outbox/<int:pk>/retry/",
        channel_views.OutboxRetryView.as_view(),
        name="outbox_retry",
    ),
]
