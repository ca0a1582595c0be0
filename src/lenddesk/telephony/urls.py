"""Pages of the telephony app."""

from django.urls import path

from lenddesk.telephony.views import calls, setup, stats

app_name = "telephony"
urlpatterns = [
    path(
        "customers/<int:customer_id>/call/",
        calls.CallStartView.as_view(),
        name="call_start",
    ),
    path(
        "customers/<int:customer_id>/do-not-call/",
        setup.CustomerDoNotCallView.as_view(),
        name="customer_dnc",
    ),
    path("calls/", calls.CallListView.as_view(), name="calls"),
    path("calls/<int:call_id>/", calls.CallDetailView.as_view(), name="call_detail"),
    path(
        "calls/<int:call_id>/recording/",
        calls.RecordingView.as_view(),
        name="recording",
    ),
    path("stats/", stats.StatsView.as_view(), name="stats"),
    path("settings/", setup.SettingsView.as_view(), name="settings"),
    path("numbers/", setup.NumbersView.as_view(), name="numbers"),
    path(
        "numbers/<int:number_id>/status/",
        setup.NumberStatusView.as_view(),
        name="number_status",
    ),
    path("do-not-call/", setup.DoNotCallListView.as_view(), name="dnc"),
]
