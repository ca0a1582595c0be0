from django.urls import path

from lenddesk.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("login/otp/", views.OtpVerifyView.as_view(), name="otp_verify"),
    path("login/otp/setup/", views.OtpEnrolView.as_view(), name="otp_enrol"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("staff/", views.UserListView.as_view(), name="user_list"),
    path("staff/new/", views.UserCreateView.as_view(), name="user_create"),
    path("staff/<int:user_id>/", views.UserEditView.as_view(), name="user_edit"),
    path(
        "staff/<int:user_id>/departure/",
        views.UserDepartureView.as_view(),
        name="user_departure",
    ),
    path("staff/<int:user_id>/reveal/", views.RevealView.as_view(), name="user_reveal"),
    path(
        "staff/<int:user_id>/totp-reset/",
        views.TotpResetView.as_view(),
        name="user_totp_reset",
    ),
    path("departments/", views.DepartmentListView.as_view(), name="department_list"),
    path(
        "departments/new/", views.DepartmentFormView.as_view(), name="department_create"
    ),
    path(
        "departments/<int:department_id>/",
        views.DepartmentFormView.as_view(),
        name="department_edit",
    ),
    path(
        "departments/<int:department_id>/delete/",
        views.DepartmentDeleteView.as_view(),
        name="department_delete",
    ),
    path("roles/", views.RoleListView.as_view(), name="role_list"),
    path("roles/new/", views.RoleCreateView.as_view(), name="role_create"),
    path("roles/<int:role_id>/", views.RoleFormView.as_view(), name="role_edit"),
    path(
        "roles/<int:role_id>/delete/",
        views.RoleDeleteView.as_view(),
        name="role_delete",
    ),
    path("security/", views.SecuritySettingsView.as_view(), name="security_settings"),
    path("tokens/", views.TokenListView.as_view(), name="token_list"),
    path(
        "tokens/<int:token_id>/revoke/",
        views.TokenRevokeView.as_view(),
        name="token_revoke",
    ),
    path(
        "staff/<int:user_id>/tokens/",
        views.UserTokenListView.as_view(),
        name="user_tokens",
    ),
    path(
        "staff/<int:user_id>/status/",
        views.UserStatusView.as_view(),
        name="user_status",
    ),
]
