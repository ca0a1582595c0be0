from django.db.models import TextChoices


class PartnerError(TextChoices):
    DEPTH_EXCEEDED = "partner_depth_exceeded"
    CYCLE = "partner_cycle"
    INVITATION_INVALID = "invitation_invalid"
    UPLINE_INACTIVE = "upline_inactive"
    PHONE_TAKEN = "partner_phone_taken"
    BAD_STATUS = "partner_bad_status"
    LOCKED_OUT = "partner_locked_out"
    NO_NOTICE = "privacy_notice_missing"
    NOTICE_CHANGED = "privacy_notice_changed"
    CONSENT_REQUIRED = "consent_required"
    THROTTLED = "partner_throttled"
