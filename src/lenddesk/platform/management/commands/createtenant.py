import datetime as dt
import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from lenddesk.platform.services import tenant_provision
from lenddesk.tenancy.modules import parse_module_list


class Command(BaseCommand):
    help = "Create a firm (tenant) with its default roles and first administrator."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--slug", required=True)
        parser.add_argument("--admin-username", required=True)
        parser.add_argument("--admin-password", required=True)
        parser.add_argument("--admin-name", default="")
        parser.add_argument("--seats", type=int, default=10)
        parser.add_argument("--modules", default="all", help="all, or a comma list")
        parser.add_argument("--expires", default="", help="YYYY-MM-DD")

    def handle(self, *args, **options):
        try:
            modules = parse_module_list(options["modules"])
        except ValueError as exc:
            raise CommandError("--modules: %s" % exc) from exc
        expires = None
        if options["expires"]:
            try:
                expires = dt.date.fromisoformat(options["expires"])
            except ValueError as exc:
                raise CommandError("--expires: use YYYY-MM-DD") from exc
        if options["seats"] < 1:
            raise CommandError("--seats: must be at least 1")
        try:
            tenant = tenant_provision(
                operator=None,
                name=options["name"],
                slug=options["slug"],
                admin_username=options["admin_username"],
                admin_password=options["admin_password"],
                admin_display_name=options["admin_name"],
                seats=options["seats"],
                modules=modules,
                expires_on=expires,
            )
        except ValidationError as exc:
            raise CommandError(_describe(exc)) from exc
        self.stdout.write(json.dumps({"id": tenant.pk, "slug": tenant.slug}))


def _describe(exc: ValidationError) -> str:
    option = {
        "name": "--name",
        "slug": "--slug",
        "seats": "--seats",
        "modules": "--modules",
        "admin_username": "--admin-username",
        "admin_password": "--admin-password",
        "admin_display_name": "--admin-name",
    }
    if hasattr(exc, "error_dict"):
        return "; ".join(
            "%s: %s" % (option.get(field, field), " ".join(messages))
            for field, messages in exc.message_dict.items()
        )
    return " ".join(exc.messages)
