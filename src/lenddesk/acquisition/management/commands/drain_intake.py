"""``lenddesk drain-intake``: turn queued traffic-platform deliveries into leads now,
as the worker does (for example after the worker was down)."""

from django.core.management.base import BaseCommand, CommandError

from lenddesk.acquisition.services import process_queued_deliveries
from lenddesk.tenancy.models import Tenant


class Command(BaseCommand):
    help = (
        "Process queued intake deliveries: one firm's (--tenant) or every active "
        "firm's. Safe while workers run."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--tenant", default="", help="slug of one firm (default: all)"
        )
        parser.add_argument(
            "--limit", type=int, default=None, help="stop after this many deliveries"
        )

    def handle(self, *args, **options):
        slug = options["tenant"].strip()
        tenant = None
        if slug:
            tenant = Tenant.objects.filter(slug=slug).first()
            if tenant is None:
                raise CommandError("--tenant: no firm has the slug %r" % slug)
        done = process_queued_deliveries(tenant=tenant, limit=options["limit"])
        self.stdout.write("%d queued deliveries processed" % done)
