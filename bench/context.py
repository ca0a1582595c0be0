"""What a workload function receives (see ``bench.registry`` for how to write one)."""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.db import connection

from bench.middleware import HEADER
from bench.registry import Result

SCALES = {
    # customers, timed runs, warm-up, import rows, export rows, claims per claimer
    "1k": dict(
        customers=1_000,
        runs=3,
        warmup=1,
        import_rows=500,
        export_rows=700,
        claims=3,
    ),
    "10k": dict(
        customers=10_000,
        runs=25,
        warmup=5,
        import_rows=10_000,
        export_rows=7_000,
        claims=10,
    ),
    "100k": dict(
        customers=100_000,
        runs=40,
        warmup=5,
        import_rows=100_000,
        export_rows=70_000,
        claims=10,
    ),
    "1m": dict(
        customers=1_000_000,
        runs=50,
        warmup=10,
        import_rows=100_000,
        export_rows=100_000,
        claims=10,
    ),
}


@dataclass
class Scale:
    name: str
    customers: int
    runs: int
    warmup: int
    import_rows: int
    export_rows: int
    claims: int

    @classmethod
    def named(cls, name: str) -> Scale:
        if name not in SCALES:
            raise SystemExit("unknown scale %r (one of %s)" % (name, ", ".join(SCALES)))
        return cls(name=name, **SCALES[name])


def app_database_url() -> str:
    """The same database as the application role (not the table owner)."""
    explicit = os.environ.get("BENCH_APP_DATABASE_URL")
    if explicit:
        return explicit
    url = urlsplit(os.environ["DATABASE_URL"])
    host = url.hostname or "127.0.0.1"
    netloc = "%s@%s%s" % (
        settings.DB_APP_ROLE,
        host,
        ":%d" % url.port if url.port else "",
    )
    return urlunsplit(url._replace(netloc=netloc))


@dataclass
class Response:
    status: int
    body: bytes
    ms: float
    server_ms: float | None

    def json(self):
        return json.loads(self.body)


class _JsonRequests:
    def request(self, method: str, path: str, data=None) -> Response:
        body = None if data is None else json.dumps(data).encode()
        extra = {} if body is None else {"Content-Type": "application/json"}
        return self.send(method, path, body, extra)


class HttpClient(_JsonRequests):
    """One keep-alive connection; headers carry the bearer token or session cookie."""

    def __init__(self, host: str, port: int, headers: dict[str, str]):
        self.host, self.port, self.headers = host, port, headers
        self.conn: http.client.HTTPConnection | None = None

    def send(
        self, method: str, path: str, body: bytes | None, extra: dict[str, str]
    ) -> Response:
        """A raw body (signed requests sign these very bytes) with extra headers."""
        headers = {**self.headers, **extra}
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(
                    self.host, self.port, timeout=120
                )
            started = time.perf_counter()
            try:
                self.conn.request(method, path, body=body, headers=headers)
                reply = self.conn.getresponse()
                content = reply.read()
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
                continue
            ms = (time.perf_counter() - started) * 1000
            server = reply.getheader(HEADER)
            if reply.getheader("Connection", "").lower() == "close":
                self.conn.close()
                self.conn = None
            return Response(
                reply.status, content, ms, float(server) if server else None
            )
        raise RuntimeError("not reached")


class RawClient(_JsonRequests):
    """A lean keep-alive HTTP/1.1 connection for load generation (``send`` as in
    ``HttpClient``): the request is written as bytes and the answer read by its
    Content-Length. ``http.client`` parses every answer's headers with the email
    package, about a quarter of a millisecond of the machine's two cores per request
    that the server under test then lacks. Answers without a Content-Length (streamed,
    chunked) are refused: use ``HttpClient`` for those."""

    def __init__(self, host: str, port: int, headers: dict[str, str]):
        self.host, self.port, self.headers = host, port, headers
        self.sock: socket.socket | None = None
        self.pending = b""

    def send(
        self, method: str, path: str, body: bytes | None, extra: dict[str, str]
    ) -> Response:
        return self.send_prepared(self.prepare(method, path, body, extra))

    def prepare(
        self, method: str, path: str, body: bytes | None, extra: dict[str, str]
    ) -> bytes:
        """The request's bytes, to build before a timed burst."""
        body = body or b""
        lines = [
            "%s %s HTTP/1.1" % (method, path),
            "Host: %s:%d" % (self.host, self.port),
        ]
        lines += ["%s: %s" % item for item in {**self.headers, **extra}.items()]
        lines.append("Content-Length: %d" % len(body))
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body

    def send_prepared(self, request: bytes) -> Response:
        for attempt in (1, 2):
            if self.sock is None:
                self.sock = socket.create_connection(
                    (self.host, self.port), timeout=120
                )
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self.pending = b""
            started = time.perf_counter()
            try:
                self.sock.sendall(request)
                status, headers, content = self._answer()
            except OSError:
                self.close()
                if attempt == 2:
                    raise
                continue
            ms = (time.perf_counter() - started) * 1000
            if headers.get("connection", "").lower() == "close":
                self.close()
            server = headers.get(HEADER.lower())
            return Response(status, content, ms, float(server) if server else None)
        raise RuntimeError("not reached")

    def _answer(self) -> tuple[int, dict[str, str], bytes]:
        while b"\r\n\r\n" not in self.pending:
            self._read()
        head, _sep, self.pending = self.pending.partition(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in header_lines:
            name, _colon, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if "content-length" not in headers:
            raise RuntimeError("RawClient: an answer without Content-Length")
        length = int(headers["content-length"])
        while len(self.pending) < length:
            self._read()
        content, self.pending = self.pending[:length], self.pending[length:]
        return int(status_line.split(" ", 2)[1]), headers, content

    def _read(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionResetError("the server closed the connection")
        self.pending += chunk

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock = None


class Context:
    def __init__(self, *, scale: Scale, server, tenant, users, sample, log):
        self.scale = scale
        self.server = server
        self.tenant = tenant
        self.users = users
        self.sample = sample
        self.log = log
        self._headers: dict[tuple[int, bool], dict[str, str]] = {}
        self._clients: dict[tuple[int, bool], HttpClient] = {}
        self.minimal_ms: float | None = None
        self._replay = None

    # --- identities ----------------------------------------------------------------
    def headers_for(self, user, *, session: bool = False) -> dict[str, str]:
        """A bearer token (API) or a logged-in session cookie (pages) for ``user``,
        made through the product's own token and session code."""
        key = (user.pk, session)
        if key not in self._headers:
            from lenddesk.tenancy.context import tenant_context

            if session:
                from django.test import Client

                from lenddesk.tenancy.session import SESSION_TENANT

                client = Client()
                with tenant_context(self.tenant):
                    client.force_login(
                        user, backend="lenddesk.accounts.backends.TenantUserBackend"
                    )
                store = client.session
                store[SESSION_TENANT] = self.tenant.pk
                store.save()
                cookie = "%s=%s" % (settings.SESSION_COOKIE_NAME, store.session_key)
                self._headers[key] = {"Cookie": cookie}
            else:
                from lenddesk.accounts.services import token_issue

                with tenant_context(self.tenant):
                    _token, raw = token_issue(user=user)
                self._headers[key] = {"Authorization": "Bearer %s" % raw}
        return self._headers[key]

    def client(self, user=None, *, session: bool = False) -> HttpClient:
        """A keep-alive client; ``user=None`` is anonymous. One per thread: make your
        own with ``HttpClient(ctx.server.host, ctx.server.port, ctx.headers_for(u))``
        for concurrent workloads."""
        key = (user.pk if user else 0, session)
        if key not in self._clients:
            headers = self.headers_for(user, session=session) if user else {}
            self._clients[key] = HttpClient(self.server.host, self.server.port, headers)
        return self._clients[key]

    # --- measuring -------------------------------------------------------------------
    def minimal_view(self) -> Result:
        client = self.client()
        for _ in range(10):  # the first requests of a fresh worker are slow
            client.request("GET", "/__bench/minimal")
        samples, server = self._timed(
            client, "GET", "/__bench/minimal", None, 200, runs=max(30, self.scale.runs)
        )
        self.minimal_ms = statistics.median(samples)
        return Result(
            group="baseline",
            label="minimal Django view (same server, anonymous)",
            samples_ms=samples,
            server_ms=server,
        )

    def _timed(self, client, method, path, data, expect, runs=None):
        for _ in range(self.scale.warmup):
            reply = client.request(method, path, data)
            if expect and reply.status != expect:
                raise RuntimeError(
                    "%s %s answered %d: %s"
                    % (method, path, reply.status, reply.body[:300])
                )
        samples, server = [], []
        for _ in range(runs or self.scale.runs):
            reply = client.request(method, path, data)
            samples.append(reply.ms)
            if reply.server_ms is not None:
                server.append(reply.server_ms)
        return samples, server

    def http(
        self,
        label: str,
        method: str,
        path: str,
        *,
        user,
        data=None,
        session: bool = False,
        sql: bool = True,
        expect: int = 200,
        group: str = "",
    ) -> Result:
        """Warm-up and timed requests through gunicorn, plus the baselines."""
        client = self.client(user, session=session)
        self.server.reset_peak()
        samples, server = self._timed(client, method, path, data, expect)
        result = Result(
            group=group,
            label=label,
            samples_ms=samples,
            server_ms=server,
            peak_rss_mb=self.server.peak_rss_mb(),
        )
        result.extra["request"] = "%s %s%s" % (
            method,
            path,
            " (session)" if session else "",
        )
        if sql:
            statements = self.capture(method, path, user=user, session=session)
            sql_ms = self.replay(statements)
            result.extra.update(
                queries=len(statements),
                raw_sql_ms=round(sql_ms, 3),
                server_to_sql=round(statistics.median(server) / sql_ms, 1)
                if server and sql_ms
                else None,
            )
            if self.minimal_ms is not None:
                result.extra["minimal_view_ms"] = round(self.minimal_ms, 3)
                result.baseline = "minimal view + raw SQL"
                result.baseline_ms = self.minimal_ms + sql_ms
        return result

    def capture(self, method: str, path: str, *, user, session: bool = False):
        """The SELECTs the product runs for this request (in-process, same settings),
        as (sql, params) pairs."""
        from django.test import Client

        headers = self.headers_for(user, session=session)
        extra = {}
        client = Client()
        if "Authorization" in headers:
            extra["HTTP_AUTHORIZATION"] = headers["Authorization"]
        else:
            name, _sep, value = headers["Cookie"].partition("=")
            client.cookies[name] = value
        seen: list[tuple[str, tuple]] = []

        def wrapper(execute, sql, params, many, context):
            if not many:
                seen.append((sql, tuple(params or ())))
            return execute(sql, params, many, context)

        with connection.execute_wrapper(wrapper):
            reply = client.generic(method, path, **extra)
        if reply.status_code >= 400:
            raise RuntimeError(
                "capture of %s %s: %d" % (method, path, reply.status_code)
            )
        return [
            (sql, params)
            for sql, params in seen
            if sql.lstrip().upper().startswith(("SELECT", "WITH"))
            and "set_config(" not in sql
            and "current_setting(" not in sql
        ]

    def replay(self, statements, runs: int | None = None) -> float:
        """Median time of running ``statements`` through psycopg (no ORM) as the
        application role, in a transaction with the same tenant setting."""
        import psycopg

        if self._replay is None:
            self._replay = psycopg.connect(app_database_url(), autocommit=False)
        conn = self._replay
        samples = []
        for n in range(self.scale.warmup + (runs or self.scale.runs)):
            with conn.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('app.tenant_id', %s, true)",
                    [str(self.tenant.pk)],
                )
                started = time.perf_counter()
                for sql, params in statements:
                    cursor.execute(sql, params)
                    cursor.fetchall()
                elapsed = (time.perf_counter() - started) * 1000
            conn.rollback()
            if n >= self.scale.warmup:
                samples.append(elapsed)
        return statistics.median(samples)

    def sql(self, label: str, statements, *, group: str = "") -> Result:
        import psycopg

        conn = psycopg.connect(app_database_url(), autocommit=False)
        samples = []
        try:
            for n in range(self.scale.warmup + self.scale.runs):
                with conn.cursor() as cursor:
                    cursor.execute(
                        "SELECT set_config('app.tenant_id', %s, true)",
                        [str(self.tenant.pk)],
                    )
                    started = time.perf_counter()
                    for sql, params in statements:
                        cursor.execute(sql, params)
                        cursor.fetchall()
                    elapsed = (time.perf_counter() - started) * 1000
                conn.rollback()
                if n >= self.scale.warmup:
                    samples.append(elapsed)
        finally:
            conn.close()
        return Result(group=group, label=label, samples_ms=samples)

    def in_process(self, label: str, fn, *, runs: int | None = None, group: str = ""):
        for _ in range(self.scale.warmup):
            fn()
        samples = []
        for _ in range(runs or self.scale.runs):
            started = time.perf_counter()
            fn()
            samples.append((time.perf_counter() - started) * 1000)
        return Result(group=group, label=label, samples_ms=samples)

    def job(self, label: str, target: str, *, group: str = "", **kwargs) -> Result:
        """Run ``target(**kwargs)`` (dotted path) in a fresh process as the application
        role, with the product's background jobs run in that process; wall time and
        peak RSS of the process."""
        env = dict(
            os.environ,
            DATABASE_URL=app_database_url(),
            DJANGO_SETTINGS_MODULE="bench.settings",
            BENCH_EAGER="1",
        )
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "bench", "job", target, json.dumps(kwargs)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - started
        payload = None
        for line in done.stdout.splitlines():
            if line.startswith("BENCH-RESULT "):
                payload = json.loads(line[len("BENCH-RESULT ") :])
        if done.returncode != 0 or payload is None:
            raise RuntimeError(
                "job %s failed (%d):\n%s\n%s"
                % (target, done.returncode, done.stdout[-2000:], done.stderr[-4000:])
            )
        result = Result(
            group=group,
            label=label,
            seconds=payload.pop("seconds", seconds),
            peak_rss_mb=payload.pop("peak_rss_mb", None),
        )
        result.extra.update(payload)
        result.extra["process_seconds"] = round(seconds, 2)
        return result

    @staticmethod
    def threads(target, args_list) -> float:
        """Start one thread per argument tuple at once; the wall time in seconds."""
        barrier = threading.Barrier(len(args_list) + 1)

        def run(*args):
            barrier.wait()
            target(*args)

        threads = [threading.Thread(target=run, args=a) for a in args_list]
        for t in threads:
            t.start()
        barrier.wait()
        started = time.perf_counter()
        for t in threads:
            t.join()
        return time.perf_counter() - started
