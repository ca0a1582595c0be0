"""Application forms (进件表单), promotion materials (推广素材), the visitors who open
them, the share chains between visitors, and the leads they turn into (SPEC M4)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lenddesk.accounts.scope import ScopedManager
from lenddesk.tenancy.models import TenantModel


class Assignment(models.TextChoices):
    POOL = "pool", _("Public pool")
    USER = "user", _("A fixed colleague")
    RULES = "rules", _("Automatic allocation rules")


class ApplicationForm(TenantModel):
    """A public H5 form. ``fields`` is the ordered list the builder saved:
    ``[{"name": "city", "required": true}, {"name": "custom_income_src", ...}]``;
    name and phone are always asked."""

    key = models.SlugField(_("link key"), max_length=24)
    title = models.CharField(_("title"), max_length=80)
    intro = models.TextField(_("introduction"), blank=True)
    thanks = models.CharField(_("thank-you message"), max_length=300, blank=True)
    fields = models.JSONField(_("fields"), default=list, blank=True)
    channel = models.ForeignKey(
        "acquisition.Channel",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("channel"),
    )
    assignment = models.CharField(
        _("leads without a sharer go to"),
        max_length=10,
        choices=Assignment,
        default=Assignment.POOL,
    )
    assign_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("colleague"),
    )
    hourly_limit = models.PositiveIntegerField(
        _("submissions per hour (whole form)"), default=300
    )
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "key"], name="promotion_form_key_unique"
            )
        ]

    def __str__(self) -> str:
        return self.title


class MaterialKind(models.TextChoices):
    ARTICLE = "article", _("Article")
    POSTER = "poster", _("Poster")
    VIDEO = "video", _("Video")
    CARD = "card", _("Business card")


class Material(TenantModel):
    """Something staff share. Each staff member's link to it is signed (sharer +
    material), see ``promotion.links``."""

    kind = models.CharField(_("kind"), max_length=10, choices=MaterialKind)
    title = models.CharField(_("title"), max_length=80)
    summary = models.CharField(
        _("summary (shown in the WeChat card)"), max_length=160, blank=True
    )
    body_html = models.TextField(_("text"), blank=True)
    image_name = models.CharField(max_length=60, blank=True, editable=False)
    image_type = models.CharField(max_length=30, blank=True, editable=False)
    video_name = models.CharField(max_length=60, blank=True, editable=False)
    video_type = models.CharField(max_length=30, blank=True, editable=False)
    video_url = models.URLField(_("video link"), max_length=300, blank=True)
    form = models.ForeignKey(
        ApplicationForm,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("application form"),
    )
    published = models.BooleanField(_("published"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.title


class BusinessCard(TenantModel):
    """A staff member's electronic business card (电子名片)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    job_title = models.CharField(_("job title"), max_length=40, blank=True)
    phone = models.CharField(
        _("contact phone (shown publicly)"), max_length=20, blank=True
    )
    wechat = models.CharField(_("WeChat ID"), max_length=40, blank=True)
    intro = models.CharField(_("about me"), max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "user"], name="promotion_card_user_unique"
            )
        ]

    def __str__(self) -> str:
        return str(self.user)


class Visitor(TenantModel):
    """An anonymous browser, known by a random id in a first-party cookie. It gets an
    identity (``customer``) only when the person submits a form with consent."""

    key = models.CharField(max_length=32)
    device = models.CharField(_("device"), max_length=40, blank=True)
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    first_seen = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "key"], name="promotion_visitor_key_unique"
            )
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return "#%s" % self.key[:6]


class ShareNode(TenantModel):
    """How one visitor first reached one material: from a staff member's link
    (``parent`` empty) or from another visitor's onward share. The first arrival wins,
    so the chain back to the original staff sharer never changes or loops."""

    SCOPE_OWNER = "sharer"
    objects = ScopedManager()

    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="+")
    visitor = models.ForeignKey(Visitor, on_delete=models.CASCADE, related_name="+")
    sharer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    depth = models.PositiveSmallIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "material", "visitor"],
                name="promotion_node_unique",
            )
        ]

    def __str__(self) -> str:
        return "%s/%s" % (self.material_id, self.visitor_id)


class MaterialView(TenantModel):
    """One page view of a material (time, device), credited to the original sharer."""

    SCOPE_OWNER = "sharer"
    objects = ScopedManager()

    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="+")
    visitor = models.ForeignKey(Visitor, on_delete=models.CASCADE, related_name="+")
    node = models.ForeignKey(ShareNode, on_delete=models.CASCADE, related_name="+")
    sharer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    device = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["tenant", "material", "created_at"], name="promo_view_material"
            ),
            models.Index(
                fields=["tenant", "sharer", "created_at"], name="promo_view_sharer"
            ),
        ]


class Outcome(models.TextChoices):
    CREATED = "created", _("New customer")
    DUPLICATE = "duplicate", _("Existing customer")


class Submission(TenantModel):
    """A form sent by a visitor: the lead it made and the chain of people who brought
    them (``chain``: staff sharer first, then each visitor who passed it on)."""

    SCOPE_OWNER = "sharer"
    objects = ScopedManager()

    form = models.ForeignKey(
        ApplicationForm, on_delete=models.CASCADE, related_name="submissions"
    )
    material = models.ForeignKey(
        Material, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    node = models.ForeignKey(
        ShareNode, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    visitor = models.ForeignKey(
        Visitor, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sharer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        null=True,
        related_name="+",
    )
    outcome = models.CharField(max_length=10, choices=Outcome)
    chain = models.JSONField(default=list, blank=True)
    note = models.CharField(max_length=300, blank=True)
    device = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["tenant", "customer"], name="promo_sub_customer"),
            models.Index(fields=["tenant", "sharer"], name="promo_sub_sharer"),
        ]

    def __str__(self) -> str:
        return "%s→%s" % (self.form_id, self.customer_id)
