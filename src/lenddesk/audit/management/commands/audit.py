from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lenddesk.audit.services import chain_anchor, check_anchor, verify_chain
from lenddesk.tenancy.context import tenant_context
from lenddesk.tenancy.models import Tenant

HELP = """Check and anchor the per-firm audit chains.

  verify [--tenant SLUG] [--anchors FILE]
      Walk every firm's chain (or one firm's) and print one line per firm:
      "ok SLUG: N rows" or "BROKEN SLUG: first bad row K (problem)". Exits with
      status 1 when any chain is broken, so it can run from cron or monitoring.
      Row hashes are keyed with AUDIT_CHAIN_KEY, so an edit re-hashed without
      the key is named here. With --anchors, also compare the chain with
      anchors printed earlier by "audit anchor" (or logged hourly by the
      scheduler): this catches a chain that was edited and then re-hashed from
      the edit onwards by someone who holds the key as well as the database.

  anchor [--tenant SLUG]
      Print "SLUG SEQ HASH" for the head of every firm's chain. Run it on a
      schedule and ship the output to a store outside this database that cannot
      be rewritten (a WORM/object-lock bucket, a remote syslog, a signed e-mail
      to the compliance officer). Keep the lines: any later "verify --anchors"
      against them proves the rows up to each anchor are unchanged.
"""


class Command(BaseCommand):
    help = HELP

    def create_parser(self, prog_name, subcommand, **kwargs):
        from argparse import RawDescriptionHelpFormatter

        kwargs.setdefault("formatter_class", RawDescriptionHelpFormatter)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        verify = actions.add_parser("verify", help="Verify the hash chains.")
        verify.add_argument("--tenant", default="", help="only this firm (slug)")
        verify.add_argument(
            "--anchors",
            default="",
            help='a file of "SLUG SEQ HASH" lines printed earlier by "audit anchor"',
        )
        anchor = actions.add_parser(
            "anchor", help="Print each chain head to ship to an external store."
        )
        anchor.add_argument("--tenant", default="", help="only this firm (slug)")

    def handle(self, *args, **options):
        tenants = _tenants(options["tenant"])
        if options["action"] == "anchor":
            for tenant in tenants:
                with tenant_context(tenant):
                    seq, row_hash = chain_anchor()
                self.stdout.write("%s %d %s" % (tenant.slug, seq, row_hash))
            return
        anchors = _read_anchors(options["anchors"]) if options["anchors"] else {}
        broken = False
        for tenant in tenants:
            with tenant_context(tenant):
                report = verify_chain()
                line = None
                if not report.ok:
                    line = "BROKEN %s: first bad row %d (%s)" % (
                        tenant.slug,
                        report.first_bad_seq,
                        report.problem,
                    )
                else:
                    for seq, row_hash in anchors.get(tenant.slug, []):
                        problem = check_anchor(seq=seq, row_hash=row_hash)
                        if problem:
                            line = "BROKEN %s: anchor at row %d (%s)" % (
                                tenant.slug,
                                seq,
                                problem,
                            )
                            break
            if line:
                broken = True
                self.stdout.write(self.style.ERROR(line))
            else:
                self.stdout.write("ok %s: %d rows" % (tenant.slug, report.checked))
        if broken:
            self.stdout.flush()
            raise SystemExit(1)


def _tenants(slug: str) -> list[Tenant]:
    tenants = Tenant.objects.order_by("slug")
    if slug:
        tenants = tenants.filter(slug=slug)
        if not tenants.exists():
            raise CommandError("--tenant: no firm has the slug %r" % slug)
    return list(tenants)


def _read_anchors(path: str) -> dict[str, list[tuple[int, str]]]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CommandError("--anchors: cannot read %s (%s)" % (path, exc)) from exc
    anchors: dict[str, list[tuple[int, str]]] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) != 3 or not parts[1].isdigit() or len(parts[2]) != 64:
            raise CommandError(
                '--anchors: line %d is not "SLUG SEQ HASH": %r' % (number, raw)
            )
        anchors.setdefault(parts[0], []).append((int(parts[1]), parts[2]))
    return anchors
