"""Every read of partners: staff lists and trees inside the data scope, and the
partner's own portal views (masked)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from lenddesk.accounts.models import User
from lenddesk.partners.models import (
    MAX_DEPTH,
    Partner,
    PartnerInvitation,
    PartnerReferral,
    PartnerStatus,
)
from lenddesk.security.masking import mask_name
from lenddesk.web.params import int_or_none


@dataclass(frozen=True)
class PartnerFilters:
    status: str = ""
    level: int | None = None
    upline: int | None = None
    q: str = ""


def filters_from(params) -> PartnerFilters:
    status = params.get("status", "")
    return PartnerFilters(
        status=status if status in PartnerStatus.values else "",
        level=int_or_none(params.get("level")),
        upline=int_or_none(params.get("upline")),
        q=(params.get("q") or "").strip()[:80],
    )


def partner_list(*, actor: User, filters: PartnerFilters) -> QuerySet[Partner]:
    rows = (
        Partner.objects.visible_to(actor)
        .select_related("upline", "manager")
        .annotate(downline_count=Count("downlines"))
        .order_by("-id")
    )
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.level:
        rows = rows.filter(level=filters.level)
    if filters.upline:
        rows = rows.filter(upline_id=filters.upline)
    if filters.q:
        rows = rows.filter(Q(name__icontains=filters.q) | Q(city__icontains=filters.q))
    return rows


def partner_get(*, actor: User, partner_id: int) -> Partner:
    partner = (
        Partner.objects.visible_to(actor)
        .select_related("upline", "manager", "approved_by", "invitation")
        .filter(pk=partner_id)
        .first()
    )
    if partner is None:
        raise Http404
    return partner


def pending_count(*, actor: User) -> int:
    return (
        Partner.objects.visible_to(actor).filter(status=PartnerStatus.PENDING).count()
    )


def upline_chain(partner: Partner) -> list[Partner]:
    """The partner's uplines, top first (at most MAX_DEPTH reads)."""
    chain: list[Partner] = []
    seen = {partner.pk}
    current = partner.upline
    while current is not None and current.pk not in seen and len(chain) < 10:
        chain.append(current)
        seen.add(current.pk)
        current = current.upline
    return list(reversed(chain))


@dataclass(frozen=True)
class TreeRow:
    partner: Partner
    depth: int  # 1 = a direct sub-partner


def downline_tree(partner: Partner) -> list[TreeRow]:
    """The whole downline in tree order (one query per level)."""
    by_upline: dict[int, list[Partner]] = {}
    frontier = [partner.pk]
    seen = {partner.pk}
    for _level in range(MAX_DEPTH + 3):
        children = [
            p
            for p in Partner.objects.filter(upline_id__in=frontier).order_by(
                "name", "pk"
            )
            if p.pk not in seen
        ]
        if not children:
            break
        for child in children:
            seen.add(child.pk)
            by_upline.setdefault(child.upline_id, []).append(child)
        frontier = [c.pk for c in children]
    rows: list[TreeRow] = []

    def walk(pk: int, depth: int) -> None:
        for child in by_upline.get(pk, []):
            rows.append(TreeRow(partner=child, depth=depth))
            walk(child.pk, depth + 1)

    walk(partner.pk, 1)
    return rows


def move_candidates(*, actor: User, partner: Partner, limit: int) -> list[Partner]:
    """Partners the actor may choose as the new upline (the service checks again)."""
    below = {row.partner.pk for row in downline_tree(partner)}
    return list(
        Partner.objects.visible_to(actor)
        .exclude(pk__in=below | {partner.pk})
        .exclude(status=PartnerStatus.DISABLED)
        .filter(level__lt=limit)
        .order_by("level", "name")[:500]
    )


def invitation_list(*, actor: User) -> QuerySet[PartnerInvitation]:
    """Invitations made by staff that the actor may see: their own, and those whose
    account manager is in the actor's data scope."""
    visible_managers = User.objects.visible_to(actor).values("pk")
    return (
        PartnerInvitation.objects.filter(created_by__isnull=False)
        .filter(Q(created_by=actor) | Q(manager__in=visible_managers))
        .select_related("upline", "manager", "created_by")
        .order_by("-id")
    )


def invitation_get(*, actor: User, invitation_id: int) -> PartnerInvitation:
    invitation = invitation_list(actor=actor).filter(pk=invitation_id).first()
    if invitation is None:
        raise Http404
    return invitation


def invitation_by_code(code: str) -> PartnerInvitation | None:
    if not code or len(code) > 40:
        return None
    return (
        PartnerInvitation.objects.select_related("upline", "manager")
        .filter(code=code)
        .first()
    )


@dataclass(frozen=True)
class ReferralRow:
    created_at: object
    name: str
    phone: str
    city: str
    stage: str
    won: bool
    lost: bool
    credited: bool


def referral_rows(*, partner: Partner, limit: int = 100) -> list[ReferralRow]:
    """The partner's referrals with masked name and phone and the funnel stage."""
    referrals = (
        PartnerReferral.objects.filter(partner=partner)
        .select_related("customer", "customer__stage")
        .order_by("-id")[:limit]
    )
    rows = []
    for referral in referrals:
        customer = referral.customer
        stage = customer.stage if customer is not None else None
        rows.append(
            ReferralRow(
                created_at=referral.created_at,
                name=mask_name(customer.name)
                if customer is not None and referral.credited
                else "—",
                phone=customer.masked("phone") if customer is not None else "—",
                city=customer.city
                if customer is not None and referral.credited
                else "",
                stage=stage.name if stage is not None and referral.credited else "",
                won=bool(stage and stage.is_won),
                lost=bool(stage and stage.is_lost),
                credited=referral.credited,
            )
        )
    return rows


def referral_counts(*, partner: Partner) -> dict[str, int]:
    referrals = PartnerReferral.objects.filter(partner=partner)
    return {
        "total": referrals.count(),
        "credited": referrals.filter(credited=True).count(),
        "won": referrals.filter(credited=True, customer__stage__is_won=True).count(),
    }


def staff_referrals(*, partner: Partner, limit: int = 50):
    return (
        PartnerReferral.objects.filter(partner=partner)
        .select_related("customer", "customer__stage", "customer__owner")
        .order_by("-id")[:limit]
    )
