from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from lenddesk.tenancy.services import operator_create


class Command(BaseCommand):
    help = "Create a platform operator (logs in at /platform/)."

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--name", default="")

    def handle(self, *args, **options):
        try:
            operator = operator_create(
                username=options["username"],
                password=options["password"],
                display_name=options["name"],
            )
        except ValidationError as exc:
            raise CommandError(
                "; ".join(
                    "--%s: %s" % (k, " ".join(v)) for k, v in exc.message_dict.items()
                )
            ) from exc
        self.stdout.write("Operator %s created." % operator.username)
