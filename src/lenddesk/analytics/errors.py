"""Error codes of the analytics app (the API's ``error``; a page shows the message on
the field it names). All answer 400."""

from django.db.models import TextChoices


class AnalyticsError(TextChoices):
    INVALID_DATE = "invalid_date"  # not a YYYY-MM-DD date
    INVALID_RANGE = "invalid_range"  # the end before the start, or too long
    INVALID_ID = "invalid_id"  # not an id, or no such row in the firm
    INVALID_METRIC = "invalid_metric"
    TOO_MANY_ROWS = "too_many_rows"  # an export past its limit: narrow the filters
    INVALID_ARGUMENT = "invalid_argument"  # a command's argument
