"""``lenddesk rotate_keys``: re-wrap data keys under the newest key-encryption key,
activate new data keys and re-encrypt every encrypted value, firm by firm."""

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from lenddesk.security import crypto
from lenddesk.security.services import RotationProgress, data_keys_rotate
from lenddesk.tenancy.context import bind_tenant
from lenddesk.tenancy.models import Tenant


class Command(BaseCommand):
    help = (
        "Rotate field-encryption keys: re-wrap every firm's data keys with the first "
        "key of FIELD_ENCRYPTION_KEYS, activate a new data key and re-encrypt stored "
        "values in batches. Resumable: run it again after an interruption."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--tenant", default="", help="slug of one firm (default: all)"
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=500,
            help="rows re-encrypted per committed batch (default 500)",
        )

    def handle(self, *args, **options):
        batch_size = options["batch_size"]
        if batch_size < 1:
            raise CommandError("--batch-size: must be at least 1")
        try:
            kek_id = crypto.newest_kek_id()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        tenants = Tenant.objects.order_by("slug")
        slug = options["tenant"].strip()
        if slug:
            tenants = tenants.filter(slug=slug)
            if not tenants.exists():
                raise CommandError("--tenant: no firm has the slug %r" % slug)
        totals = {"firms": 0, "reencrypted": 0, "failed": 0, "retired": 0, "pending": 0}
        for tenant in tenants:
            self.stdout.write("%s: rotating (wrapping key %s)" % (tenant.slug, kek_id))
            with bind_tenant(tenant):
                report = data_keys_rotate(
                    batch_size=batch_size, progress=self._progress(tenant.slug)
                )
            if report.active_key_id is None:
                self.stdout.write(
                    "%s: no encrypted data yet, nothing to do" % tenant.slug
                )
            else:
                self.stdout.write(
                    "%s: active key %d, %d keys re-wrapped, %d rows re-encrypted, "
                    "retired %s, still in use %s"
                    % (
                        tenant.slug,
                        report.active_key_id,
                        report.rewrapped,
                        report.reencrypted,
                        ", ".join(str(k) for k in report.retired) or "none",
                        ", ".join(
                            "key %d (%d rows)" % item for item in report.in_use.items()
                        )
                        or "none",
                    )
                )
            if report.failed:
                self.stderr.write(
                    "%s: %d values could not be decrypted and were left as they are; "
                    "see the log" % (tenant.slug, report.failed)
                )
            totals["firms"] += 1
            totals["reencrypted"] += report.reencrypted
            totals["failed"] += report.failed
            totals["retired"] += len(report.retired)
            totals["pending"] += len(report.in_use)
        self.stdout.write(
            "Done: %(firms)d firms, %(reencrypted)d rows re-encrypted, %(retired)d keys "
            "retired, %(pending)d keys still in use, %(failed)d values unreadable."
            % totals
        )
        if totals["failed"]:
            raise CommandError("Some values could not be re-encrypted; see above.")

    def _progress(self, slug: str):
        def report(step: RotationProgress) -> None:
            self.stdout.write(
                "%s: %s batch %d, %d rows (%d so far)"
                % (slug, step.model, step.batch, step.rows, step.total)
            )

        return report
