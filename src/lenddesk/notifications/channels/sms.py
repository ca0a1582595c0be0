"""SMS adapters: a simulated one (demo, tests) and Alibaba Cloud SMS ``SendSms``.

Alibaba Cloud's RPC style (API version 2017-05-25): the parameters, sorted and
percent-encoded, are signed with HMAC-SHA1 under ``AccessKeySecret + "&"`` over
``METHOD&%2F&<encoded canonical query>``; the answer is JSON whose ``Code`` is
``OK`` with a ``BizId``, or an error code.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import uuid
from urllib.parse import quote, urlencode

from django.conf import settings

from lenddesk.notifications.channels.base import (
    Adapter,
    Delivery,
    SendFailed,
    http_json,
)

SIMULATED_OUTBOX: list[dict] = []  # what the simulated adapter "sent", newest last
SIMULATED_KEEP = 200


class SimulatedSms(Adapter):
    """Sends nothing: records the message, answers a made-up id. Same key, same id."""

    name = "simulated"

    def send(self, delivery: Delivery) -> str:
        message_id = "sim-%s" % delivery.key
        if any(m["id"] == message_id for m in SIMULATED_OUTBOX):
            return message_id  # idempotent: a retry of a sent message sends nothing
        SIMULATED_OUTBOX.append(
            {"id": message_id, "to": delivery.to, "text": delivery.body}
        )
        del SIMULATED_OUTBOX[:-SIMULATED_KEEP]
        return message_id


def percent_encode(value: str) -> str:
    """RFC 3986 encoding as Alibaba Cloud's signature wants it (space %20, ~ kept)."""
    return quote(str(value), safe="~")


def canonical_query(params: dict) -> str:
    return "&".join(
        "%s=%s" % (percent_encode(k), percent_encode(params[k])) for k in sorted(params)
    )


def rpc_signature(params: dict, secret: str, method: str = "POST") -> str:
    to_sign = "%s&%s&%s" % (
        method,
        percent_encode("/"),
        percent_encode(canonical_query(params)),
    )
    digest = hmac.new(
        (secret + "&").encode(), to_sign.encode("utf-8"), hashlib.sha1
    ).digest()
    return base64.b64encode(digest).decode()


# Codes that will not change by trying again.
ALIYUN_PERMANENT = {
    "isv.MOBILE_NUMBER_ILLEGAL",
    "isv.SMS_TEMPLATE_ILLEGAL",
    "isv.SMS_SIGNATURE_ILLEGAL",
    "isv.TEMPLATE_MISSING_PARAMETERS",
    "isv.BLACK_KEY_CONTROL_LIMIT",
}


class AliyunSms(Adapter):
    """Alibaba Cloud SMS. Credentials: ``access_key_id``, ``access_key_secret``;
    the sign name is the firm template's 【签名】, the template code its provider code.
    ``OutId`` carries the outbox key, so the delivery receipt names our message."""

    name = "aliyun"

    def send(self, delivery: Delivery) -> str:
        key_id = self.credentials.get("access_key_id", "")
        secret = self.credentials.get("access_key_secret", "")
        if not key_id or not secret:
            raise SendFailed("credentials_missing")
        if not delivery.provider_code:
            raise SendFailed("no_provider_code", permanent=True)
        params = self._params(delivery, key_id)
        params["Signature"] = rpc_signature(params, secret)
        endpoint = getattr(
            settings, "NOTIFY_ALIYUN_SMS_ENDPOINT", "https://dysmsapi.aliyuncs.com/"
        )
        answer = http_json(
            endpoint,
            data=urlencode(params).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        code = str(answer.get("Code", ""))
        if code == "OK":
            return str(answer.get("BizId", ""))[:80]
        raise SendFailed("refused", code[:80], permanent=code in ALIYUN_PERMANENT)

    @staticmethod
    def _params(delivery: Delivery, key_id: str) -> dict:
        return {
            "AccessKeyId": key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "OutId": delivery.key,
            # Mainland numbers go without the country code.
            "PhoneNumbers": delivery.to.removeprefix("+86"),
            "RegionId": "cn-hangzhou",
            "SignName": delivery.variables.get("sign_name", ""),
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": str(uuid.uuid4()),
            "SignatureVersion": "1.0",
            "TemplateCode": delivery.provider_code,
            "TemplateParam": json.dumps(
                delivery.variables.get("params", {}), ensure_ascii=False
            ),
            "Timestamp": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }
