from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from lenddesk.platform.operator_login import operator_totp_reset
from lenddesk.platform.services import operator_create
from lenddesk.tenancy.models import PlatformOperator


class Command(BaseCommand):
    help = (
        "Create a platform operator (logs in at /platform/ and sets up an "
        "authenticator app at the first log-in), or with --reset-totp clear an "
        "operator's authenticator (lost phone)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--password")
        parser.add_argument("--name", default="")
        parser.add_argument(
            "--reset-totp",
            action="store_true",
            help="Clear the operator's authenticator; the next log-in enrols anew.",
        )

    def handle(self, *args, **options):
        if options["reset_totp"]:
            self._reset(options["username"])
            return
        if not options["password"]:
            raise CommandError("--password is required to create an operator.")
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
        self.stdout.write(
            "Operator %s created. At the first log-in at /platform/ they set up "
            "an authenticator app." % operator.username
        )

    def _reset(self, username: str) -> None:
        operator = PlatformOperator.objects.filter(username=username).first()
        if operator is None:
            raise CommandError("--username: no operator %s." % username)
        operator_totp_reset(operator=operator)
        self.stdout.write(
            "The authenticator of %s is cleared; the next log-in sets up a new one."
            % operator.username
        )
