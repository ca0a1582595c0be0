"""A traffic platform's conversion endpoint on 127.0.0.1, for the conversion tests:
it checks each callback's signature as a platform would (its own HMAC over
"timestamp.body" with the secret it was given, a timestamp within five minutes) and
keeps what arrived; it can be told to answer errors. Also the tests' shared steps:
a lead delivered by a platform and turned into a customer, conversion feedback
switched on."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from lenddesk.acquisition.conversion_delivery import conversions_deliver_due
from lenddesk.acquisition.conversions import conversion_settings_save
from lenddesk.acquisition.models import Delivery
from lenddesk.customers.models import Customer
from lenddesk.tenancy.context import bind_tenant, tenant_context
from tests.acquisition.conftest import drain, lead, post_lead


class Receiver:
    def __init__(self):
        self.secret = ""
        self.received: list[dict] = []
        self.answers: list[int] = []  # statuses to answer first, in order
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                return

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                status = receiver.take(
                    self.path, dict(self.headers), self.rfile.read(length)
                )
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/conversions" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def reset(self, secret: str = "") -> None:
        with self.lock:
            self.secret, self.received, self.answers = secret, [], []

    def verified(self, headers: dict, body: bytes) -> bool:
        stamp = headers.get("X-LendDesk-Timestamp", "")
        given = headers.get("X-LendDesk-Signature", "")
        if not stamp.isdigit() or abs(time.time() - int(stamp)) > 300:
            return False
        expected = hmac.new(
            self.secret.encode(), stamp.encode() + b"." + body, hashlib.sha256
        ).hexdigest()
        return hmac.compare_digest(expected, given)

    def take(self, path: str, headers: dict, body: bytes) -> int:
        with self.lock:
            ok = self.verified(headers, body)
            self.received.append(
                {"path": path, "headers": headers, "raw": body, "verified": ok}
            )
            if not ok:
                return 401
            return self.answers.pop(0) if self.answers else 200

    def bodies(self) -> list[dict]:
        """The JSON of every callback whose signature held, in order."""
        with self.lock:
            return [json.loads(r["raw"]) for r in self.received if r["verified"]]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def customer_from_platform(client, tenant, integration, secret, *, key, **extra):
    """A lead posted by the platform under Idempotency-Key ``key`` and drained into
    a customer; the customer."""
    response = post_lead(client, integration, secret, lead(**extra), key=key)
    assert response.status_code == 202, response.content
    drain(tenant)
    with tenant_context(tenant):
        delivery = Delivery.objects.get(integration=integration, idempotency_key=key)
        return Customer.objects.get(pk=delivery.customer_id)


def switch_on(tenant, actor, integration, url, **values):
    """Conversion feedback on for ``integration``; the secret issued."""
    settings = {"enabled": True, "url": url, **values}
    with tenant_context(tenant):
        saved = conversion_settings_save(
            actor=actor, integration=integration, values=settings
        )
    return saved.secret


def send_due(tenant) -> dict[str, int]:
    """The worker's part: the firm's due callbacks go out (as the task does)."""
    with bind_tenant(tenant):
        return conversions_deliver_due()
