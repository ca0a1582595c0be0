from django.db.models import TextChoices


class ProductError(TextChoices):
    INVALID_RULE = "invalid_rule"
    INVALID_RANGE = "invalid_range"
    INVALID_SCORECARD = "invalid_scorecard"
    NO_REVIEW_ROLE = "no_review_role"
    REVIEW_OPEN = "review_open"
    ALREADY_RESOLVED = "already_resolved"
    TERM_NOT_OFFERED = "term_not_offered"
    AMOUNT_NOT_OFFERED = "amount_not_offered"
    METHOD_NOT_OFFERED = "method_not_offered"
    NOT_IN_RESULTS = "not_in_results"
