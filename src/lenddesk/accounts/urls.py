from django.urls import path

from lenddesk.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("staff/", views.UserListView.as_view(), name="user_list"),
    path("staff/new/", views.UserCreateView.as_view(), name="user_create"),
    path("staff/<int:user_id>/", views.UserEditView.as_view(), name="user_edit"),
    path(
        "staff/<int:user_id>/status/",
        views.UserStatusView.as_view(),
        name="user_status",
    ),
]
