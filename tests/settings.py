"""Settings for the test suite: the test profile of lenddesk.settings."""

import os

os.environ["LENDDESK_ENV"] = "test"
os.environ.setdefault("LENDDESK_DEMO_CUSTOMERS", "40")
os.environ.setdefault("LENDDESK_HOME", "/tmp/lenddesk-test-home")  # noqa: S108

from lenddesk.settings import *  # noqa: F403
