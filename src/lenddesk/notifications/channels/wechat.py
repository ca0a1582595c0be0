"""WeChat official-account template messages (模板消息): simulated, and the real API.

The real one fetches an ``access_token`` with the AppID and AppSecret
(``GET /cgi-bin/token?grant_type=client_credential``), keeps it until shortly before
``expires_in``, and posts ``/cgi-bin/message/template/send``. ``client_msg_id`` is
the outbox key: WeChat refuses a second message with the same id.
"""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

from django.conf import settings

from lenddesk.notifications.channels.base import (
    Adapter,
    Delivery,
    SendFailed,
    http_json,
)

SIMULATED_OUTBOX: list[dict] = []
SIMULATED_KEEP = 200
_TOKENS: dict[str, tuple[str, float]] = {}  # appid -> (token, good until)
TOKEN_MARGIN_SECONDS = 300
TOKEN_ERRORS = {40001, 40014, 42001}  # token invalid or expired: fetch a new one


class SimulatedWechat(Adapter):
    name = "simulated"

    def send(self, delivery: Delivery) -> str:
        message_id = "sim-%s" % delivery.key
        if not any(m["id"] == message_id for m in SIMULATED_OUTBOX):
            SIMULATED_OUTBOX.append(
                {"id": message_id, "to": delivery.to, "title": delivery.subject}
            )
            del SIMULATED_OUTBOX[:-SIMULATED_KEEP]
        return message_id


def _base() -> str:
    return getattr(settings, "NOTIFY_WECHAT_API", "https://api.weixin.qq.com").rstrip(
        "/"
    )


class WechatOfficial(Adapter):
    """Credentials: ``app_id``, ``app_secret``, ``template_id``."""

    name = "wechat_mp"

    def send(self, delivery: Delivery) -> str:
        app_id = self.credentials.get("app_id", "")
        if not app_id or not self.credentials.get("app_secret"):
            raise SendFailed("credentials_missing")
        if not self.credentials.get("template_id"):
            raise SendFailed("credentials_missing", "template_id", permanent=True)
        answer = self._post(delivery, self._token(app_id))
        if answer.get("errcode") in TOKEN_ERRORS:
            _TOKENS.pop(app_id, None)
            answer = self._post(delivery, self._token(app_id))
        if answer.get("errcode", 0) == 0:
            return str(answer.get("msgid", ""))[:80]
        raise SendFailed(
            "refused",
            str(answer.get("errcode")),
            permanent=answer.get("errcode") in (40003, 40037, 43004),
        )

    def _token(self, app_id: str) -> str:
        cached = _TOKENS.get(app_id)
        if cached and cached[1] > time.monotonic():
            return cached[0]
        query = urlencode(
            {
                "grant_type": "client_credential",
                "appid": app_id,
                "secret": self.credentials["app_secret"],
            }
        )
        answer = http_json("%s/cgi-bin/token?%s" % (_base(), query))
        token = answer.get("access_token")
        if not token:
            raise SendFailed("refused", str(answer.get("errcode", "no token")))
        life = int(answer.get("expires_in", 7200))
        _TOKENS[app_id] = (token, time.monotonic() + life - TOKEN_MARGIN_SECONDS)
        return token

    def _post(self, delivery: Delivery, token: str) -> dict:
        payload = {
            "touser": delivery.to,
            "template_id": self.credentials["template_id"],
            "client_msg_id": delivery.key,
            "data": {
                "first": {"value": delivery.subject[:100]},
                "keyword1": {"value": delivery.body[:100]},
                "remark": {"value": delivery.variables.get("firm", "")},
            },
        }
        if delivery.url:
            payload["url"] = delivery.url
        return http_json(
            "%s/cgi-bin/message/template/send?%s"
            % (_base(), urlencode({"access_token": token})),
            data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
            headers={"Content-Type": "application/json"},
        )
