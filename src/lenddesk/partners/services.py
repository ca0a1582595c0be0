"""Every write to partners, by subject (other modules import the public names from
here; inside the app each module imports from the module itself):

- ``rules``: the firm's partner settings and the depth rule; ``PartnerActor``;
- ``invitations``: invitation links, the staff's and a partner's own;
- ``accounts``: sign-up through an invitation, log-in with lockout, log-out;
- ``management``: approval and status, moves in the upline tree, account managers;
- ``referrals``: a partner's referral through the one lead pipeline.

Joining is free and nothing here pays for recruiting: commissions (finance module) are
only ever earned on funded loans (禁止传销条例 art. 2).
"""

from lenddesk.partners.accounts import (
    partner_authenticate,
    partner_logout,
    partner_signup,
)
from lenddesk.partners.invitations import (
    INVITATION_DAYS,
    invitation_create,
    invitation_problem,
    invitation_revoke,
    partner_own_invitation,
)
from lenddesk.partners.management import (
    TRANSITIONS,
    descendant_layers,
    partner_approve,
    partner_change_status,
    partner_disable,
    partner_enable,
    partner_move,
    partner_set_manager,
)
from lenddesk.partners.referrals import (
    PARTNER_CHANNEL,
    REFERRALS_PER_HOUR,
    referral_create,
    referral_quota_left,
)
from lenddesk.partners.rules import (
    PartnerActor,
    clean_depth,
    deeper_than_limit,
    depth_error,
    partner_settings,
    partner_settings_update,
)

__all__ = [
    "INVITATION_DAYS",
    "PARTNER_CHANNEL",
    "REFERRALS_PER_HOUR",
    "TRANSITIONS",
    "PartnerActor",
    "clean_depth",
    "deeper_than_limit",
    "depth_error",
    "descendant_layers",
    "invitation_create",
    "invitation_problem",
    "invitation_revoke",
    "partner_approve",
    "partner_authenticate",
    "partner_change_status",
    "partner_disable",
    "partner_enable",
    "partner_logout",
    "partner_move",
    "partner_own_invitation",
    "partner_set_manager",
    "partner_settings",
    "partner_settings_update",
    "partner_signup",
    "referral_create",
    "referral_quota_left",
]
