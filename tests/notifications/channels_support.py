"""Local stand-ins for the providers the channel tests talk to: an SMTP server
(aiosmtpd), Alibaba Cloud SMS ``SendSms`` and the WeChat official-account API. Each
speaks the provider's protocol and checks what it is sent as the provider would."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, urlparse

from aiosmtpd.controller import Controller

from lenddesk.accounts.models import User
from lenddesk.tenancy.context import tenant_context


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Inbox:
    def __init__(self):
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


@contextmanager
def smtp_server(settings):
    """An SMTP server on 127.0.0.1 and Django's SMTP backend pointed at it."""
    inbox = _Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.DEFAULT_FROM_EMAIL = "noreply@lenddesk.test"
    try:
        yield inbox.messages
    finally:
        controller.stop()


def aliyun_encode(value: str) -> str:
    # As Alibaba Cloud's documentation spells it (Java's URLEncoder, then fixed up).
    return (
        quote(value, safe="")
        .replace("+", "%20")
        .replace("*", "%2A")
        .replace("%7E", "~")
    )


def aliyun_expected_signature(params: dict, secret: str) -> str:
    pairs = sorted((k, v) for k, v in params.items() if k != "Signature")
    canonical = "&".join(aliyun_encode(k) + "=" + aliyun_encode(v) for k, v in pairs)
    to_sign = "POST&%2F&" + aliyun_encode(canonical)
    mac = hmac.new((secret + "&").encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(mac).decode()


class _Stub(BaseHTTPRequestHandler):
    def log_message(self, *args):  # keep test output quiet
        pass

    def _answer(self, body: dict, status: int = 200):
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


@contextmanager
def http_stub(handler_cls):
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_cls)
    server.received = []
    server.tokens = 0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def aliyun_sms_stub(keys: dict[str, str]):
    """A ``SendSms`` endpoint knowing ``keys`` (AccessKeyId → secret); the server's
    ``received`` lists the accepted requests' parameters."""

    class Handler(_Stub):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            form = parse_qs(self.rfile.read(length).decode(), keep_blank_values=True)
            params = {k: v[0] for k, v in form.items()}
            secret = keys.get(params.get("AccessKeyId", ""))
            if secret is None:
                return self._answer({"Code": "InvalidAccessKeyId.NotFound"}, 404)
            if params.get("Signature") != aliyun_expected_signature(params, secret):
                return self._answer({"Code": "SignatureDoesNotMatch"}, 400)
            for name in ("PhoneNumbers", "SignName", "TemplateCode", "SignatureNonce"):
                if not params.get(name):
                    return self._answer({"Code": "MissingParameter." + name}, 400)
            self.server.received.append(params)
            biz = "biz-%d" % len(self.server.received)
            return self._answer({"Code": "OK", "Message": "OK", "BizId": biz})

    return Handler


def wechat_stub(app_id: str, app_secret: str):
    class Handler(_Stub):
        def do_GET(self):
            query = {k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()}
            if query.get("appid") != app_id or query.get("secret") != app_secret:
                return self._answer({"errcode": 40125, "errmsg": "invalid appsecret"})
            self.server.tokens += 1
            return self._answer({"access_token": "TOKEN", "expires_in": 7200})

        def do_POST(self):
            query = {k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()}
            if query.get("access_token") != "TOKEN":
                return self._answer({"errcode": 40001, "errmsg": "invalid credential"})
            length = int(self.headers.get("Content-Length", 0))
            payload = json.loads(self.rfile.read(length))
            seen = {p["client_msg_id"] for p in self.server.received}
            if payload.get("client_msg_id") in seen:
                return self._answer({"errcode": 0, "errmsg": "ok", "msgid": 1})
            self.server.received.append(payload)
            return self._answer(
                {"errcode": 0, "errmsg": "ok", "msgid": 1000 + len(seen)}
            )

    return Handler


def set_contact(tenant, user: User, *, email: str = "", mobile: str = ""):
    """The staff member's email and mobile, as the user admin page would store them."""
    with tenant_context(tenant):
        user = User.objects.get(pk=user.pk)
        user.email = email
        user.set_secret("phone", mobile or None)
        user.save()
        return user
