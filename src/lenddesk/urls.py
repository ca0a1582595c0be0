from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from lenddesk.accounts import api_org, api_tokens
from lenddesk.accounts.api import MeView, TokenView
from lenddesk.acquisition import api as acquisition_api
from lenddesk.customers import api as customer_api
from lenddesk.notifications import api as notification_api
from lenddesk.products import api as product_api
from lenddesk.telephony.api_urls import CALLBACK as TELEPHONY_CALLBACK
from lenddesk.web.views import HealthView

INTAKE = path(
    "intake/<str:integration_key>/",
    acquisition_api.IntakeAPI.as_view(),
    name="intake",
)
# What the lean handler for machine endpoints resolves (lenddesk/web/machine.py).
machine_patterns = [
    path("api/v1/", include(([INTAKE, TELEPHONY_CALLBACK], "api"))),
]

api_v1 = [
    path("auth/token", TokenView.as_view(), name="auth_token"),
    path("auth/token/", TokenView.as_view()),
    path("auth/logout/", api_tokens.LogoutAPI.as_view(), name="auth_logout"),
    path("auth/tokens/", api_tokens.TokenListAPI.as_view(), name="token_list"),
    path(
        "auth/tokens/<int:pk>/",
        api_tokens.TokenDetailAPI.as_view(),
        name="token_detail",
    ),
    path("me/", MeView.as_view(), name="me"),
    path("departments/", api_org.DepartmentListAPI.as_view(), name="department_list"),
    path(
        "departments/<int:pk>/",
        api_org.DepartmentDetailAPI.as_view(),
        name="department_detail",
    ),
    path("roles/", api_org.RoleListAPI.as_view(), name="role_list"),
    path("roles/<int:pk>/", api_org.RoleDetailAPI.as_view(), name="role_detail"),
    path("users/", api_org.UserListAPI.as_view(), name="user_list"),
    path("users/<int:pk>/", api_org.UserDetailAPI.as_view(), name="user_detail"),
    path("users/<int:pk>/reveal/", api_org.UserRevealAPI.as_view(), name="user_reveal"),
    path(
        "users/<int:pk>/tokens/",
        api_tokens.UserTokenListAPI.as_view(),
        name="user_tokens",
    ),
    path("customers/", customer_api.CustomerListAPI.as_view(), name="customer_list"),
    path(
        "customers/exports/",
        customer_api.ExportAPI.as_view(),
        name="customer_export",
    ),
    path(
        "customers/exports/<int:job_id>/",
        customer_api.ExportJobAPI.as_view(),
        name="customer_export_job",
    ),
    path(
        "customers/exports/<int:job_id>/file/",
        customer_api.ExportFileAPI.as_view(),
        name="customer_export_file",
    ),
    path(
        "customers/<int:pk>/",
        customer_api.CustomerDetailAPI.as_view(),
        name="customer_detail",
    ),
    path(
        "customers/<int:pk>/claim/",
        customer_api.ClaimAPI.as_view(),
        name="customer_claim",
    ),
    path(
        "customers/<int:pk>/release/",
        customer_api.ReleaseAPI.as_view(),
        name="customer_release",
    ),
    path(
        "customers/<int:pk>/assign/",
        customer_api.AssignAPI.as_view(),
        name="customer_assign",
    ),
    path(
        "customers/<int:pk>/reveal/",
        customer_api.RevealAPI.as_view(),
        name="customer_reveal",
    ),
    path(
        "customers/<int:pk>/follow-ups/",
        customer_api.FollowUpAPI.as_view(),
        name="customer_followups",
    ),
    path(
        "notifications/",
        notification_api.NotificationListAPI.as_view(),
        name="notification_list",
    ),
    path(
        "notifications/<int:pk>/read/",
        notification_api.NotificationReadAPI.as_view(),
        name="notification_read",
    ),
    INTAKE,
    path("funders/", product_api.FunderListAPI.as_view(), name="funder_list"),
    path(
        "funders/<int:pk>/", product_api.FunderDetailAPI.as_view(), name="funder_detail"
    ),
    path("products/", product_api.ProductListAPI.as_view(), name="product_list"),
    path(
        "products/<int:pk>/",
        product_api.ProductDetailAPI.as_view(),
        name="product_detail",
    ),
    path(
        "products/<int:pk>/rules/",
        product_api.ProductRulesAPI.as_view(),
        name="product_rules",
    ),
    path("products/<int:pk>/cost/", product_api.CostAPI.as_view(), name="product_cost"),
    path(
        "products/<int:pk>/reverse-match/",
        product_api.ReverseMatchStartAPI.as_view(),
        name="product_reverse_match",
    ),
    path(
        "reverse-matches/<int:pk>/",
        product_api.ReverseMatchAPI.as_view(),
        name="reverse_match_detail",
    ),
    path(
        "customers/<int:pk>/matches/",
        product_api.CustomerMatchAPI.as_view(),
        name="customer_matches",
    ),
    path(
        "matches/<int:pk>/", product_api.MatchDetailAPI.as_view(), name="match_detail"
    ),
    path(
        "customers/<int:pk>/prescreen/",
        product_api.PreScreenRunAPI.as_view(),
        name="customer_prescreen",
    ),
    path(
        "prescreens/<int:pk>/",
        product_api.PreScreenAPI.as_view(),
        name="prescreen_detail",
    ),
    path(
        "prescreens/<int:pk>/review/",
        product_api.ReviewRequestAPI.as_view(),
        name="prescreen_review",
    ),
    path("", include("lenddesk.customers.credit_api_urls")),
    path("", include("lenddesk.orders.api_urls")),
    path("", include("lenddesk.warrants.api_urls")),
    path("", include("lenddesk.contracts.api_urls")),
    path("", include("lenddesk.finance.api_urls")),
    path("", include("lenddesk.commissions.api_urls")),
    path("", include("lenddesk.telephony.api_urls")),
    path("", include("lenddesk.acquisition.conversion_api_urls")),
    path("", include("lenddesk.analytics.api_urls")),
    path("", include("lenddesk.performance.api_urls")),
    path("schema/", SpectacularAPIView.as_view(api_version="1.0.0"), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]

urlpatterns = [
    path("", include("lenddesk.web.urls")),
    path("accounts/", include("lenddesk.accounts.urls")),
    path("platform/", include("lenddesk.platform.urls")),
    path("audit/", include("lenddesk.audit.urls")),
    path("customers/", include("lenddesk.customers.urls")),
    path("acquisition/", include("lenddesk.acquisition.urls")),
    path("promotion/", include("lenddesk.promotion.urls")),
    path("partners/", include("lenddesk.partners.urls")),
    path("products/", include("lenddesk.products.urls")),
    path("notifications/", include("lenddesk.notifications.urls")),
    path("orders/", include("lenddesk.orders.urls")),
    path("warrants/", include("lenddesk.warrants.urls")),
    path("contracts/", include("lenddesk.contracts.urls")),
    path("finance/", include("lenddesk.finance.urls")),
    path("commissions/", include("lenddesk.commissions.urls")),
    path("telephony/", include("lenddesk.telephony.urls")),
    path("analytics/", include("lenddesk.analytics.urls")),
    path("performance/", include("lenddesk.performance.urls")),
    path("api/v1/", include((api_v1, "api"))),
    path("i18n/setlang/", set_language, name="set_language"),
    path("healthz", HealthView.as_view(), name="healthz"),
]

handler400 = "lenddesk.web.views.error_400"
handler403 = "lenddesk.web.views.error_403"
handler404 = "lenddesk.web.views.error_404"
handler500 = "lenddesk.web.views.error_500"
