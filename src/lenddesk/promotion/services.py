"""Every write of the promotion app: forms, materials, business cards, material views
and share chains, and form submissions turning into leads."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from lenddesk.accounts.models import User, UserStatus
from lenddesk.acquisition.models import ChannelKind, ConsentSource
from lenddesk.acquisition.services import channel_for, current_notice
from lenddesk.audit.models import AuditAction
from lenddesk.audit.services import audit_record
from lenddesk.customers import leads
from lenddesk.customers.models import Customer, DuplicatePolicy
from lenddesk.customers.services import find_duplicate, pool_rules, timeline
from lenddesk.notifications.services import notify
from lenddesk.promotion import content
from lenddesk.promotion.fields import field_catalogue
from lenddesk.promotion.models import (
    ApplicationForm,
    Assignment,
    BusinessCard,
    Material,
    MaterialKind,
    MaterialView,
    Outcome,
    ShareNode,
    Submission,
    Visitor,
)

CONSENT_PURPOSES = ("loan_matching", "contact")


# --- forms --------------------------------------------------------------------------


def _clean_form_fields(raw) -> list[dict]:
    catalogue = field_catalogue()
    seen, fields = set(), []
    for entry in raw or []:
        name = str(entry.get("name", ""))
        if name not in catalogue or name in seen or name in ("name", "phone"):
            continue
        seen.add(name)
        fields.append({"name": name, "required": bool(entry.get("required"))})
    return fields


@transaction.atomic
def form_save(
    *, actor: User, form: ApplicationForm | None = None, values: dict
) -> ApplicationForm:
    """Create or change an application form. ``values["fields"]`` is the ordered list
    of ``{"name", "required"}`` the builder sends; unknown names are dropped."""
    title = (values.get("title") or "").strip()
    if not title:
        raise ValidationError({"title": _("Enter a title.")})
    assignment = values.get("assignment") or Assignment.POOL
    if assignment not in Assignment.values:
        raise ValidationError({"assignment": _("Choose where new leads go.")})
    assign_to = values.get("assign_to")
    if assignment == Assignment.USER:
        if assign_to is None or assign_to.status != UserStatus.ACTIVE:
            raise ValidationError({"assign_to": _("Choose an active colleague.")})
    else:
        assign_to = None
    limit = int(values.get("hourly_limit") or 300)
    if not 1 <= limit <= 100_000:
        raise ValidationError({"hourly_limit": _("Enter a number from 1 to 100000.")})
    creating = form is None
    if creating:
        form = ApplicationForm(created_by=actor, key=secrets.token_hex(5))
    form.title = title[:80]
    form.intro = (values.get("intro") or "").strip()[:2000]
    form.thanks = (values.get("thanks") or "").strip()[:300]
    form.fields = _clean_form_fields(values.get("fields"))
    form.assignment = assignment
    form.assign_to = assign_to
    form.hourly_limit = limit
    form.active = bool(values.get("active", True))
    channel_name = (values.get("channel_name") or "").strip()
    form.channel = (
        channel_for(name=channel_name, kind=ChannelKind.FORM) if channel_name else None
    )
    form.save()
    audit_record(
        actor=actor,
        action=AuditAction.PROMOTION_FORM_SAVED,
        target=form,
        changes={
            "created": creating,
            "fields": [f["name"] for f in form.fields],
            "assignment": form.assignment,
            "active": form.active,
        },
    )
    return form


# --- materials ----------------------------------------------------------------------


@transaction.atomic
def material_save(
    *,
    actor: User,
    material: Material | None = None,
    values: dict,
    image=None,
    video=None,
) -> Material:
    kind = values.get("kind") or (material.kind if material else "")
    if kind not in MaterialKind.values:
        raise ValidationError({"kind": _("Choose the kind of material.")})
    title = (values.get("title") or "").strip()
    if not title:
        raise ValidationError({"title": _("Enter a title.")})
    video_url = (values.get("video_url") or "").strip()
    if video_url and not video_url.startswith("https://"):
        raise ValidationError({"video_url": _("Use an https:// link.")})
    creating = material is None
    if creating:
        material = Material(created_by=actor, kind=kind)
    material.title = title[:80]
    material.summary = (values.get("summary") or "").strip()[:160]
    material.body_html = content.sanitize_html(values.get("body_html") or "")
    material.video_url = video_url[:300]
    material.form = values.get("form")
    material.published = bool(values.get("published", True))
    if image is not None:
        material.image_name, material.image_type = content.store_image(image)
    if video is not None:
        material.video_name, material.video_type = content.store_video(video)
    if kind == MaterialKind.POSTER and not material.image_name:
        raise ValidationError({"image": _("Upload the poster picture.")})
    if kind == MaterialKind.VIDEO and not (material.video_name or material.video_url):
        raise ValidationError({"video": _("Upload a video or give a link to one.")})
    material.save()
    audit_record(
        actor=actor,
        action=AuditAction.PROMOTION_MATERIAL_SAVED,
        target=material,
        changes={
            "created": creating,
            "kind": kind,
            "published": material.published,
            "image": bool(image),
            "video": bool(video),
        },
    )
    return material


@transaction.atomic
def card_save(*, actor: User, values: dict) -> BusinessCard:
    card = BusinessCard.objects.filter(user=actor).first() or BusinessCard(user=actor)
    card.job_title = (values.get("job_title") or "").strip()[:40]
    card.phone = (values.get("phone") or "").strip()[:20]
    card.wechat = (values.get("wechat") or "").strip()[:40]
    card.intro = (values.get("intro") or "").strip()[:300]
    card.save()
    audit_record(
        actor=actor,
        action=AuditAction.PROMOTION_CARD_SAVED,
        target=card,
        changes={"job_title": card.job_title},
    )
    return card


# --- visits and share chains --------------------------------------------------------


def visitor_get_or_create(*, key: str, device: str) -> Visitor:
    visitor = Visitor.objects.filter(key=key).first()
    if visitor is not None:
        return visitor
    try:
        with transaction.atomic():
            return Visitor.objects.create(key=key, device=device)
    except IntegrityError:
        return Visitor.objects.get(key=key)


@dataclass(frozen=True)
class Opened:
    visitor: Visitor
    node: ShareNode


@transaction.atomic
def material_open(
    *,
    material: Material,
    visitor_key: str,
    user_agent: str,
    sharer: User | None = None,
    parent: ShareNode | None = None,
) -> Opened:
    """Count one view. The visitor's first arrival at this material fixes their place
    in the share chain (first touch wins), so the original staff sharer is kept no
    matter whose link they open later."""
    device = content.device_of(user_agent)
    visitor = visitor_get_or_create(key=visitor_key, device=device)
    node = ShareNode.objects.filter(material=material, visitor=visitor).first()
    if node is None:
        origin = parent.sharer if parent is not None else sharer
        if origin is None:
            raise ValidationError(_("This link is not valid."))
        try:
            with transaction.atomic():
                node = ShareNode.objects.create(
                    material=material,
                    visitor=visitor,
                    sharer=origin,
                    parent=parent,
                    depth=parent.depth + 1 if parent is not None else 1,
                )
        except IntegrityError:
            node = ShareNode.objects.get(material=material, visitor=visitor)
    MaterialView.objects.create(
        material=material,
        visitor=visitor,
        node=node,
        sharer_id=node.sharer_id,
        device=device,
    )
    if visitor.customer_id:
        timeline(
            visitor.customer,
            None,
            "material_view",
            _("Viewed “%(title)s” (%(device)s)")
            % {"title": material.title, "device": device},
        )
    return Opened(visitor=visitor, node=node)


def chain_of(node: ShareNode | None) -> list[dict]:
    """The staff sharer, then each visitor who passed the material on, ending with
    the visitor of ``node``."""
    if node is None:
        return []
    visitors = []
    current, guard = node, 0
    while current is not None and guard < 50:
        visitors.append(current)
        current = current.parent
        guard += 1
    visitors.reverse()
    sharer = visitors[0].sharer
    chain = [{"kind": "staff", "id": sharer.pk, "name": sharer.display_name}]
    for hop in visitors:
        chain.append(
            {
                "kind": "visitor",
                "id": hop.visitor_id,
                "label": hop.visitor.label,
                "device": hop.visitor.device,
                "at": hop.created_at.isoformat(),
            }
        )
    return chain


# --- submissions --------------------------------------------------------------------


@dataclass(frozen=True)
class SubmitContext:
    """Where a submission came from, as the public view established it."""

    sharer: User | None = None
    node: ShareNode | None = None
    visitor: Visitor | None = None
    ip_address: str | None = None
    user_agent: str = ""


def _notify_new_lead(customer: Customer, form: ApplicationForm) -> None:
    """The owner a new lead lands with hears of it, as after any other assignment
    (rule-based allocation notifies through ``customer_assign``). In the firm's
    language, whatever the applicant's browser asks for."""
    with translation.override(settings.LANGUAGE_CODE):
        title = _("New lead from the form “%(form)s”: %(name)s") % {
            "form": form.title,
            "name": customer.name,
        }
    notify(
        recipients=[customer.owner],
        kind="customers.assigned",
        title=title,
        url=reverse("customers:detail", args=[customer.pk]),
        target=customer,
    )


def _refused_as_duplicate(phone: str) -> bool:
    """Under the "reject" policy an applicant who is already a customer is not told
    so (nor whose customer they are); the submission is only logged."""
    if pool_rules().duplicate_policy != DuplicatePolicy.REJECT:
        return False
    probe = Customer()
    probe.set_secret("phone", phone)
    return find_duplicate(probe) is not None


@transaction.atomic
def form_submit(
    *, form: ApplicationForm, data: dict, context: SubmitContext
) -> Submission:
    """Turn a form into a lead through the one lead pipeline (``customers.leads``):
    the customer (duplicates per the firm's policy), the consent to the current
    privacy notice, the attribution to form, channel and sharer, and the share chain
    when it came from a material."""
    notice = _notice_agreed(data)
    arrival = _Arrival.of(context)
    channel, source = _channel_and_source(form, arrival.material)
    lead = None
    if not _refused_as_duplicate(data["phone"]):
        lead = leads.lead_take(
            _lead_of(form, data, context, arrival, notice, channel, source)
        )
    if lead is None or lead.outcome == leads.Outcome.REFUSED:
        # Reject policy: the applicant is already a customer. They are not told.
        return _submission(
            form,
            context,
            arrival,
            outcome=Outcome.DUPLICATE,
            note=_("Already a customer; the firm refuses duplicates."),
        )
    customer, created = lead.customer, lead.outcome == leads.Outcome.CREATED
    if created and customer.owner_id is not None:
        _notify_new_lead(customer, form)
    if context.visitor is not None and context.visitor.customer_id is None:
        Visitor.objects.filter(pk=context.visitor.pk).update(customer=customer)
    note, chain = _cap_note(lead), _chain(arrival)
    _timeline_notes(customer, note, chain)
    submission = _submission(
        form,
        context,
        arrival,
        outcome=Outcome.CREATED if created else Outcome.DUPLICATE,
        note=note,
        chain=chain,
        customer=customer,
    )
    audit_record(
        actor=None,
        action=AuditAction.PROMOTION_LEAD,
        target=customer,
        changes={
            "form": form.pk,
            "material": getattr(arrival.material, "pk", None),
            "sharer": getattr(arrival.sharer, "pk", None),
            "created": created,
            "owner": customer.owner_id,
        },
    )
    return submission


@dataclass(frozen=True)
class _Arrival:
    """Where in a share chain a submission came from."""

    node: ShareNode | None
    sharer: User | None
    material: Material | None

    @classmethod
    def of(cls, context: SubmitContext) -> _Arrival:
        node = context.node
        if node is None:
            return cls(None, context.sharer, None)
        return cls(node, node.sharer, node.material)

    @property
    def ref(self) -> str:
        if self.node is None:
            return ""
        return "/material:%d/node:%d" % (self.material.pk, self.node.pk)


def _notice_agreed(data: dict):
    """The current privacy notice, when the applicant agreed to that version."""
    notice = current_notice()
    if notice is None:
        raise ValidationError(
            _("Applications are closed until the firm publishes its privacy notice.")
        )
    if data.get("consent_version") != notice.version:
        raise ValidationError(
            {"consent": _("The privacy notice has changed; please read it again.")}
        )
    return notice


def _channel_and_source(form: ApplicationForm, material: Material | None):
    """The lead's channel (names in the firm's language, whatever the applicant's
    browser asks for) and how it came, for the timeline."""
    with translation.override(settings.LANGUAGE_CODE):
        if material is not None:
            channel = channel_for(
                name=_("Promotion materials"), kind=ChannelKind.PROMOTION
            )
        else:
            channel = form.channel or channel_for(
                name=_("Application forms"), kind=ChannelKind.FORM
            )
    if material is not None:
        return channel, _("promotion material “%s”") % material.title
    return channel, _("application form “%s”") % form.title


def _lead_of(form, data, context, arrival: _Arrival, notice, channel, source):
    """The submission as the pipeline takes it: to the sharer (else the form's
    colleague) while under the cap, else the public pool, where the firm's rules may
    assign a lead nobody shared."""
    owner = arrival.sharer
    if owner is None and form.assignment == Assignment.USER:
        owner = form.assign_to
    ref = "form:%d%s" % (form.pk, arrival.ref)
    return leads.Lead(
        values={**data["customer"], "channel": channel.name},
        source=source,
        phone=data["phone"],
        custom_fields=data.get("custom_fields") or {},
        sharer=arrival.sharer,
        owner=owner
        if owner is not None and owner.status == UserStatus.ACTIVE
        else None,
        by_rules=arrival.sharer is None and form.assignment == Assignment.RULES,
        consent=leads.Consent(
            notice_version=notice.version,
            source=ConsentSource.FORM,
            source_ref=ref,
            purposes=CONSENT_PURPOSES,
            evidence={"form": form.pk, "checkbox": True},
            ip_address=context.ip_address,
            user_agent=context.user_agent,
        ),
        touch=leads.Touch(
            source_kind=ChannelKind.PROMOTION if arrival.node else ChannelKind.FORM,
            channel=channel,
            sharer=arrival.sharer,
            source_ref=ref,
            known_too=True,
        ),
    )


def _cap_note(lead: leads.Lead) -> str:
    if not lead.owner_full:
        return ""
    return _(
        "%(owner)s was at the private-pool cap, so the lead went to the public pool."
    ) % {"owner": lead.owner.display_name}


def _timeline_notes(customer: Customer, note: str, chain: list[dict]) -> None:
    """Why the lead is in the pool, and the share chain that brought it."""
    if note:
        timeline(customer, None, "promotion", note)
    if len(chain) > 1:
        timeline(
            customer,
            None,
            "promotion",
            _("Share chain: %s")
            % " → ".join(h.get("name") or h.get("label", "") for h in chain),
        )


def _chain(arrival: _Arrival) -> list[dict]:
    chain = chain_of(arrival.node)
    if not chain and arrival.sharer is not None:
        sharer = arrival.sharer
        chain = [{"kind": "staff", "id": sharer.pk, "name": sharer.display_name}]
    return chain


def _submission(form, context, arrival, *, outcome, note, chain=None, customer=None):
    extra = {} if chain is None else {"chain": chain}
    return Submission.objects.create(
        form=form,
        material=arrival.material,
        node=arrival.node,
        visitor=context.visitor,
        sharer=arrival.sharer,
        customer=customer,
        outcome=outcome,
        note=note,
        device=content.device_of(context.user_agent),
        **extra,
    )
