"""A local stand-in for Alibaba Cloud's Dyplsapi: it checks the RPC signature
(HMAC-SHA1 over the canonical query, key = secret + "&") and answers BindAxb and
UnbindSubscription as the API documents; it also serves a recording file."""

from __future__ import annotations

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from lenddesk.telephony.providers.aliyun import rpc_signature
from lenddesk.telephony.providers.simulated import tone_wav


class Stub:
    def __init__(self, access_key_id: str, secret: str):
        self.access_key_id, self.secret = access_key_id, secret
        self.requests: list[dict] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                return

            def do_GET(self):
                data = tone_wav(0.5)
                self.send_response(200)
                self.send_header("Content-Type", "audio/wav")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                query = dict(
                    urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query)
                )
                status, body = stub.answer(query)
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, query: dict) -> tuple[int, dict]:
        self.requests.append(query)
        given = query.pop("Signature", "")
        if query.get("AccessKeyId") != self.access_key_id:
            return 404, {"Code": "InvalidAccessKeyId.NotFound", "Message": "no key"}
        if given != rpc_signature(query, self.secret):
            return 400, {"Code": "SignatureDoesNotMatch", "Message": "bad signature"}
        if query.get("Action") == "BindAxb":
            for name in ("PoolKey", "PhoneNoA", "PhoneNoB", "Expiration"):
                if not query.get(name):
                    return 400, {"Code": "MissingParameter", "Message": name}
            return 200, {
                "Code": "OK",
                "Message": "OK",
                "RequestId": "req-1",
                "SecretBindDTO": {
                    "SubsId": "1000012345",
                    "SecretNo": "17000001111",
                    "Extension": "",
                },
            }
        if query.get("Action") == "UnbindSubscription":
            return 200, {"Code": "OK", "Message": "OK", "RequestId": "req-2"}
        return 400, {"Code": "InvalidAction", "Message": "unknown action"}

    def close(self):
        self.server.shutdown()
        self.server.server_close()
