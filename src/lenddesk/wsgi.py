import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lenddesk.settings")
_full = get_wsgi_application()

from lenddesk.web.machine import MachineHandler, Router  # noqa: E402 (needs setup)

application = Router(_full, MachineHandler())
