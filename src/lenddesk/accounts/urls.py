from django.urls import path

from lenddesk.accounts.views import departments, login, roles, security, users

app_name = "accounts"
urlpatterns = [
    path("login/", login.LoginView.as_view(), name="login"),
    path("logout/", login.LogoutView.as_view(), name="logout"),
    path("login/otp/", login.OtpVerifyView.as_view(), name="otp_verify"),
    path("login/otp/setup/", login.OtpEnrolView.as_view(), name="otp_enrol"),
    path("password/", security.PasswordChangeView.as_view(), name="password_change"),
    path("staff/", users.UserListView.as_view(), name="user_list"),
    path("staff/new/", users.UserCreateView.as_view(), name="user_create"),
    path("staff/<int:user_id>/", users.UserEditView.as_view(), name="user_edit"),
    path(
        "staff/<int:user_id>/departure/",
        users.UserDepartureView.as_view(),
        name="user_departure",
    ),
    path("staff/<int:user_id>/reveal/", users.RevealView.as_view(), name="user_reveal"),
    path(
        "staff/<int:user_id>/totp-reset/",
        users.TotpResetView.as_view(),
        name="user_totp_reset",
    ),
    path(
        "departments/",
        departments.DepartmentListView.as_view(),
        name="department_list",
    ),
    path(
        "departments/new/",
        departments.DepartmentFormView.as_view(),
        name="department_create",
    ),
    path(
        "departments/<int:department_id>/",
        departments.DepartmentFormView.as_view(),
        name="department_edit",
    ),
    path(
        "departments/<int:department_id>/delete/",
        departments.DepartmentDeleteView.as_view(),
        name="department_delete",
    ),
    path("roles/", roles.RoleListView.as_view(), name="role_list"),
    path("roles/new/", roles.RoleCreateView.as_view(), name="role_create"),
    path("roles/<int:role_id>/", roles.RoleFormView.as_view(), name="role_edit"),
    path(
        "roles/<int:role_id>/delete/",
        roles.RoleDeleteView.as_view(),
        name="role_delete",
    ),
    path(
        "security/",
        security.SecuritySettingsView.as_view(),
        name="security_settings",
    ),
    path("tokens/", security.TokenListView.as_view(), name="token_list"),
    path(
        "tokens/<int:token_id>/revoke/",
        security.TokenRevokeView.as_view(),
        name="token_revoke",
    ),
    path(
        "staff/<int:user_id>/tokens/",
        security.UserTokenListView.as_view(),
        name="user_tokens",
    ),
    path(
        "staff/<int:user_id>/status/",
        users.UserStatusView.as_view(),
        name="user_status",
    ),
]
