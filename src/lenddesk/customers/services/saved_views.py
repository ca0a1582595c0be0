"""A person's saved list filters (我的视图)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from lenddesk.accounts.models import User
from lenddesk.customers.models import SavedView


@transaction.atomic
def saved_view_save(*, actor: User, name: str, query: str) -> SavedView:
    name = (name or "").strip()[:40]
    if not name:
        raise ValidationError({"name": _("Give the view a name.")})
    view, _created = SavedView.objects.update_or_create(
        user=actor, name=name, defaults={"query": query[:500]}
    )
    return view
