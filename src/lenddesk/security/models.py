from django.db import models
from django.utils.translation import gettext_lazy as _

from lenddesk.tenancy.models import TenantModel


class DataKeyStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    RETIRING = "retiring", _("Retiring")
    RETIRED = "retired", _("Retired")


class TenantDataKey(TenantModel):
    """One data-encryption key (DEK) of a firm, stored only wrapped by a key-encryption
    key (KEK) from the environment, so a database dump alone decrypts nothing.

    Ciphertexts name their key by ``key_id``. New values use the one ``active`` key;
    ``retiring`` keys still decrypt while rows are re-encrypted; a key is ``retired``
    once no ciphertext uses it. Destroying a firm's keys crypto-shreds its data.
    """

    key_id = models.PositiveIntegerField(_("key number"))
    kek_id = models.CharField(_("wrapping key"), max_length=16)
    wrapped = models.BinaryField(editable=False)
    status = models.CharField(
        _("status"), max_length=16, choices=DataKeyStatus, default=DataKeyStatus.ACTIVE
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        ordering = ["key_id"]
        verbose_name = _("data encryption key")
        verbose_name_plural = _("data encryption keys")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "key_id"], name="datakey_tenant_key_uniq"
            ),
            models.UniqueConstraint(
                fields=["tenant"],
                condition=models.Q(status="active"),
                name="datakey_tenant_one_active",
            ),
        ]

    def __str__(self) -> str:
        return "data key %s (%s)" % (self.key_id, self.status)
