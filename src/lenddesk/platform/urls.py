from django.urls import path

from lenddesk.platform import views

app_name = "platform"
urlpatterns = [
    path("login/", views.OperatorLoginView.as_view(), name="login"),
    path("login/otp/", views.OperatorOtpVerifyView.as_view(), name="otp_verify"),
    path("login/otp/setup/", views.OperatorOtpEnrolView.as_view(), name="otp_enrol"),
    path("logout/", views.OperatorLogoutView.as_view(), name="logout"),
    path("", views.TenantListView.as_view(), name="tenant_list"),
    path("tenants/new/", views.TenantCreateView.as_view(), name="tenant_create"),
    path(
        "tenants/<int:tenant_id>/", views.TenantEditView.as_view(), name="tenant_edit"
    ),
    path(
        "tenants/<int:tenant_id>/status/",
        views.TenantStatusView.as_view(),
        name="tenant_status",
    ),
]
