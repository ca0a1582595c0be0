"""The product's settings, plus what only the benchmark needs: a root URLconf with one
extra view (``/__bench/minimal``, the minimal-Django-view baseline) and a first
middleware that reports the server's own time in a response header. Nothing is added
to the product."""

import os

from lenddesk.settings import *  # noqa: F403
from lenddesk.settings import MACHINE_MIDDLEWARE, MIDDLEWARE

ROOT_URLCONF = "bench.urls"
MIDDLEWARE = ["bench.middleware.ServerTiming", *MIDDLEWARE]
MACHINE_MIDDLEWARE = ["bench.middleware.ServerTiming", *MACHINE_MIDDLEWARE]

# Jobs the product hands to its worker (import, export) run in the calling process, so
# a benchmark job process measures upload → worker task end to end.
if os.environ.get("BENCH_EAGER") == "1":
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
