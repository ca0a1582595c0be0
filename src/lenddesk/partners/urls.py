from django.urls import path, re_path

from lenddesk.partners import portal, views

app_name = "partners"
portal_prefix = "portal/<slug:tenant_slug>/"
urlpatterns = [
    path("", views.PartnerListView.as_view(), name="list"),
    path("settings/", views.PartnerSettingsView.as_view(), name="settings"),
    path("invitations/", views.InvitationListView.as_view(), name="invitations"),
    path(
        "invitations/<int:invitation_id>/",
        views.InvitationDetailView.as_view(),
        name="invitation",
    ),
    path(
        "invitations/<int:invitation_id>/qr.svg",
        views.InvitationQRView.as_view(),
        name="invitation_qr",
    ),
    path(
        "invitations/<int:invitation_id>/revoke/",
        views.InvitationRevokeView.as_view(),
        name="invitation_revoke",
    ),
    path("<int:partner_id>/", views.PartnerDetailView.as_view(), name="detail"),
    path("<int:partner_id>/upline/", views.PartnerMoveView.as_view(), name="move"),
    path(
        "<int:partner_id>/manager/",
        views.PartnerManagerView.as_view(),
        name="manager",
    ),
    path(
        "<int:partner_id>/reveal/",
        views.PartnerRevealView.as_view(),
        name="reveal",
    ),
    re_path(
        r"^(?P<partner_id>[0-9]+)/(?P<action>approve|disable|enable)/$",
        views.PartnerActionView.as_view(),
        name="action",
    ),
    # The partner portal: its own log-in, the firm from the slug.
    path(portal_prefix, portal.PortalHomeView.as_view(), name="portal_home"),
    path(
        portal_prefix + "login/",
        portal.PortalLoginView.as_view(),
        name="portal_login",
    ),
    path(
        portal_prefix + "logout/",
        portal.PortalLogoutView.as_view(),
        name="portal_logout",
    ),
    path(
        portal_prefix + "join/<slug:code>/",
        portal.PortalJoinView.as_view(),
        name="portal_join",
    ),
    path(
        portal_prefix + "refer/",
        portal.PortalReferView.as_view(),
        name="portal_refer",
    ),
    path(
        portal_prefix + "referrals/",
        portal.PortalReferralsView.as_view(),
        name="portal_referrals",
    ),
    path(portal_prefix + "team/", portal.PortalTeamView.as_view(), name="portal_team"),
    path(
        portal_prefix + "invite/",
        portal.PortalInviteView.as_view(),
        name="portal_invite",
    ),
    path(
        portal_prefix + "invite/qr.svg",
        portal.PortalInviteQRView.as_view(),
        name="portal_invite_qr",
    ),
]
