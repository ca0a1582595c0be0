from django.urls import path

from lenddesk.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.EventListView.as_view(), name="event_list"),
    path("<int:seq>/", views.EventDetailView.as_view(), name="event_detail"),
    path("export.csv", views.EventExportView.as_view(), name="export"),
    path("verify/", views.ChainVerifyView.as_view(), name="verify"),
]
