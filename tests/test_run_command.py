"""``lenddesk run``, the README's command, as a new user meets it: a taken port is
refused at once, and the running server answers with its own pages, not Django's
debug pages."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from lenddesk.settings import DEFAULT_SECRET_KEY

# Configuration a new user does not have: the embedded default must need none of it.
UNSET = {
    "DATABASE_URL",
    "REDIS_URL",
    "DJANGO_SETTINGS_MODULE",
    "LENDDESK_ENV",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
}


def _env(home, port: int) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in UNSET}
    env.update(
        LENDDESK_HOME=str(home),
        BIND="127.0.0.1:%d" % port,
        WEB_WORKERS="1",
        WEB_THREADS="4",
        WORKER_CONCURRENCY="1",
        LENDDESK_DEMO_CUSTOMERS="10",
    )
    return env


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _group_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


def test_a_taken_port_is_refused_at_once_naming_bind(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        started = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, "-m", "lenddesk", "run"],
            env=_env(tmp_path, port),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            stdout, stderr = process.communicate(timeout=60)
        finally:
            if not _group_gone(process.pid):
                os.killpg(process.pid, signal.SIGKILL)
    assert time.monotonic() - started < 10
    assert process.returncode != 0
    assert "port %d is in use; set BIND=" % port in stderr
    assert "running" not in stdout
    assert "Traceback" not in stderr
    # Nothing was started: no web server, worker or scheduler is left behind.
    assert _group_gone(process.pid)


@pytest.fixture(scope="module")
def embedded(tmp_path_factory):
    """``lenddesk run`` with no configuration at all, as ``scripts/run`` starts it."""
    home = tmp_path_factory.mktemp("embedded-home")
    port = _free_port()
    log = open(home / "server.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "lenddesk", "run"],
        env=_env(home, port),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = "http://127.0.0.1:%d" % port
    try:
        _wait_ready(url, process, home)
        yield url, home
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()


def _wait_ready(url: str, process: subprocess.Popen, home, timeout: float = 240):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail((home / "server.log").read_text()[-3000:])
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2):  # noqa: S310
                return
        except OSError:
            time.sleep(0.5)
    pytest.fail("lenddesk run did not answer within %ss" % timeout)


def _get(url: str, language: str = "") -> tuple[int, str]:
    request = urllib.request.Request(url)  # noqa: S310 - our own test server
    if language:
        request.add_header("Cookie", "django_language=%s" % language)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_an_unknown_address_gets_the_products_own_404_in_chinese(embedded):
    url, _home = embedded
    status, body = _get(url + "/no-such-page/")
    assert status == 404
    assert "页面不存在" in body
    assert "URLconf" not in body and "DEBUG = True" not in body
    assert "accounts/login/" not in body  # no list of the site's addresses


def test_the_404_is_in_english_for_a_user_who_chose_english(embedded):
    url, _home = embedded
    status, body = _get(url + "/no-such-page/", language="en")
    assert status == 404
    assert "Page not found" in body
    assert "URLconf" not in body


def test_static_files_are_served_with_debug_off(embedded):
    url, _home = embedded
    status, body = _get(url + "/static/lenddesk/app.css")
    assert status == 200 and body


def test_the_installation_has_its_own_secret_key(embedded):
    _url, home = embedded
    key = (home / "secret_key").read_text().strip()
    assert len(key) >= 50 and key != DEFAULT_SECRET_KEY
    assert (home / "secret_key").stat().st_mode & 0o077 == 0
