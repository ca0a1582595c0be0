"""Every read of the promotion app: materials, forms, share links, statistics and the
source of a lead."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.http import Http404

from lenddesk.accounts.models import User
from lenddesk.customers.models import Customer
from lenddesk.promotion import links
from lenddesk.promotion.models import (
    ApplicationForm,
    BusinessCard,
    Material,
    MaterialView,
    ShareNode,
    Submission,
    Visitor,
)
from lenddesk.tenancy.models import Tenant, TenantStatus


def public_tenant(slug: str) -> Tenant:
    """The firm of a public link: active and with the acquisition module, else 404."""
    tenant = Tenant.objects.filter(slug=slug, status=TenantStatus.ACTIVE).first()
    if tenant is None or not tenant.has_module("acquisition"):
        raise Http404
    return tenant


def material_list(*, published_only: bool = False) -> QuerySet[Material]:
    rows = Material.objects.select_related("form", "created_by")
    return rows.filter(published=True) if published_only else rows


def material_get(*, material_id: int, published_only: bool = False) -> Material:
    material = (
        material_list(published_only=published_only).filter(pk=material_id).first()
    )
    if material is None:
        raise Http404
    return material


def form_list() -> QuerySet[ApplicationForm]:
    return ApplicationForm.objects.select_related("channel", "assign_to").annotate(
        submission_count=Count("submissions")
    )


def form_get(*, form_id: int) -> ApplicationForm:
    form = ApplicationForm.objects.filter(pk=form_id).first()
    if form is None:
        raise Http404
    return form


def public_form(*, key: str, active_only: bool = True) -> ApplicationForm:
    rows = ApplicationForm.objects.filter(key=key)
    form = (rows.filter(active=True) if active_only else rows).first()
    if form is None:
        raise Http404
    return form


def card_of(user: User) -> BusinessCard | None:
    return BusinessCard.objects.filter(user=user).first()


@dataclass
class StatsRow:
    key: object
    label: str
    views: int = 0
    visitors: int = 0
    forwards: int = 0
    leads: int = 0

    @property
    def conversion(self) -> float | None:
        return round(100 * self.leads / self.visitors, 1) if self.visitors else None


def material_stats(*, actor: User) -> list[StatsRow]:
    """Views, unique visitors, onward forwards (visitors who arrived through another
    visitor) and leads per material, inside the actor's data scope
    (a salesperson sees what their own links brought)."""
    rows = {m.pk: StatsRow(m.pk, m.title) for m in Material.objects.all()}
    for entry in (
        MaterialView.objects.visible_to(actor)
        .values("material")
        .annotate(views=Count("pk"), visitors=Count("visitor", distinct=True))
    ):
        row = rows.get(entry["material"])
        if row:
            row.views, row.visitors = entry["views"], entry["visitors"]
    for entry in (
        ShareNode.objects.visible_to(actor)
        .filter(parent__isnull=False)
        .values("material")
        .annotate(forwards=Count("pk"))
    ):
        row = rows.get(entry["material"])
        if row:
            row.forwards = entry["forwards"]
    for entry in (
        Submission.objects.visible_to(actor)
        .filter(material__isnull=False, customer__isnull=False)
        .values("material")
        .annotate(leads=Count("customer", distinct=True))
    ):
        row = rows.get(entry["material"])
        if row:
            row.leads = entry["leads"]
    return sorted(rows.values(), key=lambda r: (-r.views, -r.leads, r.label))


def staff_stats(*, actor: User) -> list[StatsRow]:
    """The same figures per staff sharer (material views plus every lead they brought,
    from materials and from their form links)."""
    rows: dict[int, StatsRow] = {}
    people = dict(User.objects.values_list("pk", "display_name"))
    for entry in (
        MaterialView.objects.visible_to(actor)
        .values("sharer")
        .annotate(views=Count("pk"), visitors=Count("visitor", distinct=True))
    ):
        row = rows.setdefault(
            entry["sharer"], StatsRow(entry["sharer"], people.get(entry["sharer"], ""))
        )
        row.views, row.visitors = entry["views"], entry["visitors"]
    for entry in (
        ShareNode.objects.visible_to(actor)
        .filter(parent__isnull=False)
        .values("sharer")
        .annotate(forwards=Count("pk"))
    ):
        row = rows.setdefault(
            entry["sharer"], StatsRow(entry["sharer"], people.get(entry["sharer"], ""))
        )
        row.forwards = entry["forwards"]
    for entry in (
        Submission.objects.visible_to(actor)
        .filter(sharer__isnull=False, customer__isnull=False)
        .values("sharer")
        .annotate(leads=Count("customer", distinct=True))
    ):
        row = rows.setdefault(
            entry["sharer"], StatsRow(entry["sharer"], people.get(entry["sharer"], ""))
        )
        row.leads = entry["leads"]
    return sorted(rows.values(), key=lambda r: (-r.leads, -r.views, r.label))


def lead_source(*, actor: User, customer_id: int) -> tuple[Customer, list[Submission]]:
    """A customer the actor may see, with every promotion submission that brought
    them in (form, material, sharer and the share chain)."""
    customer = (
        Customer.objects.visible_to(actor)
        .filter(pk=customer_id, owner__isnull=False)
        .first()
    )
    if customer is None:
        raise Http404
    submissions = list(
        Submission.objects.filter(customer=customer).select_related(
            "form", "material", "sharer"
        )
    )
    return customer, submissions


def link_resolve(
    *, token: str, tenant_id: int
) -> tuple[Material, User | None, ShareNode | None]:
    """(material, staff sharer, parent share node) of a public material link; 404
    when forged, of another firm, or the material is not published. A departed
    sharer's links keep working; their leads go to the public pool."""
    target = links.read_material_token(token, tenant_id=tenant_id)
    if target is None:
        raise Http404
    material = material_get(material_id=target.material_id, published_only=True)
    if target.node_id is not None:
        parent = (
            ShareNode.objects.select_related("sharer", "material")
            .filter(pk=target.node_id, material=material)
            .first()
        )
        if parent is None:
            raise Http404
        return material, None, parent
    sharer = User.objects.filter(pk=target.user_id).first()
    if sharer is None:
        raise Http404
    return material, sharer, None


def visitor_by_key(key: str) -> Visitor | None:
    return Visitor.objects.filter(key=key).first()


def submission_origin(
    *, via: str, sharer_token: str, tenant_id: int, visitor: Visitor | None
) -> tuple[ShareNode | None, User | None]:
    """Who brought an applicant: the share node behind ``?via=`` (the visitor's own
    node for that material when they have one: first arrival wins), else the staff
    member of ``?s=`` or of a staff material link. Invalid tokens count as none."""
    target = links.read_material_token(via, tenant_id=tenant_id) if via else None
    if target is not None:
        node = None
        if visitor is not None:
            node = ShareNode.objects.filter(
                material_id=target.material_id, visitor=visitor
            ).first()
        if node is None and target.node_id is not None:
            node = ShareNode.objects.filter(pk=target.node_id).first()
        if node is not None:
            return node, None
    user_id = links.read_sharer_token(sharer_token, tenant_id=tenant_id)
    if user_id is None and target is not None:
        user_id = target.user_id
    sharer = User.objects.filter(pk=user_id).first() if user_id else None
    return None, sharer
