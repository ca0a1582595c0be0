"""Staff departure (离职交接): a leaver's work goes somewhere before the account closes.

Each domain registers one step that moves its own records (customers, orders, tasks …);
``user_depart`` runs every step and closes the account in one transaction, so either
all of it happens or none. The accounts step hands over subordinates and department
leadership.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import cycle

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from lenddesk.accounts.models import Department, User, UserStatus
from lenddesk.accounts.services.users import user_disable
from lenddesk.audit.models import AuditAction
from lenddesk.audit.services import audit_record


class TargetKind:
    COLLEAGUE = "colleague"
    POOL = "pool"
    ROUND_ROBIN = "round_robin"


@dataclass
class HandoverTarget:
    kind: str
    colleague: User | None = None
    team: list[User] = field(default_factory=list)
    _turns: cycle | None = None

    def next_owner(self) -> User | None:
        """Who receives the next item: the colleague, the pool (None), or the next
        team member in a fixed order (by id), so the spread is even and provable."""
        if self.kind == TargetKind.COLLEAGUE:
            return self.colleague
        if self.kind == TargetKind.ROUND_ROBIN:
            if self._turns is None:
                self._turns = cycle(sorted(self.team, key=lambda u: u.pk))
            return next(self._turns)
        return None

    def describe(self) -> dict:
        return {
            "kind": self.kind,
            "colleague": self.colleague.pk if self.colleague else None,
            "team": sorted(u.pk for u in self.team),
        }


Step = Callable[..., int]
_STEPS: dict[str, Step] = {}


def register_handover_step(name: str, step: Step) -> None:
    """``step(actor=…, leaver=…, target=…) -> number of records moved``."""
    _STEPS[name] = step


def build_target(
    *, leaver: User, kind: str, colleague_id=None, department_id=None
) -> HandoverTarget:
    if kind == TargetKind.COLLEAGUE:
        colleague = User.objects.filter(
            pk=colleague_id, status=UserStatus.ACTIVE
        ).first()
        if colleague is None or colleague.pk == leaver.pk:
            raise ValidationError({"colleague": _("Choose an active colleague.")})
        return HandoverTarget(kind=kind, colleague=colleague)
    if kind == TargetKind.ROUND_ROBIN:
        department = Department.objects.filter(pk=department_id).first()
        if department is None:
            raise ValidationError({"department": _("Choose a team.")})
        team = list(
            User.objects.filter(
                department__path__startswith=department.path, status=UserStatus.ACTIVE
            ).exclude(pk=leaver.pk)
        )
        if not team:
            raise ValidationError(
                {"department": _("This team has no other active staff.")}
            )
        return HandoverTarget(kind=kind, team=team)
    if kind == TargetKind.POOL:
        return HandoverTarget(kind=kind)
    raise ValidationError({"kind": _("Choose where the work goes.")})


def _hand_over_people(*, actor: User, leaver: User, target: HandoverTarget) -> int:
    moved = 0
    for subordinate in User.objects.filter(superior=leaver).order_by("pk"):
        User.objects.filter(pk=subordinate.pk).update(superior=target.next_owner())
        moved += 1
    for department in Department.objects.filter(leader=leaver).order_by("pk"):
        Department.objects.filter(pk=department.pk).update(leader=target.next_owner())
        moved += 1
    return moved


register_handover_step("accounts.people", _hand_over_people)


@transaction.atomic
def user_depart(
    *,
    actor: User,
    leaver: User,
    target: HandoverTarget,
    status: str = UserStatus.DEPARTED,
) -> dict[str, int]:
    moved = {
        name: step(actor=actor, leaver=leaver, target=target)
        for name, step in _STEPS.items()
    }
    user_disable(actor=actor, user=leaver, status=status)
    audit_record(
        actor=actor,
        action=AuditAction.USER_DEPARTED,
        target=leaver,
        changes={"target": target.describe(), "moved": moved, "status": status},
    )
    return moved
