"""SECURITY T47: kill -9 during an import. A real Celery worker (prefork, one child)
imports 5,000 rows from Redis; its pool child is SIGKILLed at a random row, later its
parent, and the worker is started again. Every row must end up imported exactly once
and the job completed, within three minutes."""

import os
import random
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Count

from lenddesk.audit.models import AuditAction, AuditEvent
from lenddesk.customers import import_start, imports
from lenddesk.customers.models import Customer, ImportJob, ImportRow, ImportStatus
from lenddesk.tenancy.context import tenant_context
from tests.conftest import IN_CI
from tests.customers.test_imports import xlsx_bytes

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROWS = 5_000
BATCH = 50  # rows per committed batch in the worker: many points to be killed at
VISIBILITY = 15  # seconds before Redis hands an unacknowledged task out again
BUDGET = 180  # the whole test, seconds (T47)
REDIS = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


def _redis_or_skip() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=2).ping()
    except (redis.RedisError, OSError) as exc:
        if IN_CI:
            pytest.fail("T47 needs Redis at %s in CI: %s" % (REDIS, exc))
        pytest.skip("Redis is not running at %s" % REDIS)


def _database_url() -> str:
    db = connection.settings_dict  # the test database while the test runs
    auth = db["USER"] + (":%s" % db["PASSWORD"] if db.get("PASSWORD") else "")
    return "postgres://%s@%s:%s/%s" % (
        auth,
        db.get("HOST") or "127.0.0.1",
        db.get("PORT") or 5432,
        db["NAME"],
    )


class Worker:
    """``celery worker`` as the deployment runs it, on a queue of its own, with task
    execution not eager and the pytest database as its database."""

    def __init__(self, queue: str, log: Path):
        self.queue = queue
        self.log = log
        self.process: subprocess.Popen | None = None
        self.env = {
            k: v
            for k, v in os.environ.items()
            if k not in {"DJANGO_SETTINGS_MODULE", "TEST_DATABASE_NAME"}
        }
        self.env.update(
            LENDDESK_ENV="development",
            DJANGO_SETTINGS_MODULE="lenddesk.settings",
            LENDDESK_HOME=str(settings.HOME),
            DATABASE_URL=_database_url(),
            REDIS_URL=REDIS,
            CELERY_BROKER_URL=REDIS,
            CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY),
            LENDDESK_IMPORT_BATCH=str(BATCH),
            FIELD_ENCRYPTION_KEYS=_text(settings.FIELD_ENCRYPTION_KEYS),
            BLIND_INDEX_KEY=settings.BLIND_INDEX_KEY,
            PYTHONPATH=os.pathsep.join(p for p in sys.path if p),
        )

    def start(self) -> None:
        with open(self.log, "a") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "lenddesk",
                    "worker",
                    "--pool=prefork",
                    "--concurrency=1",
                    "--prefetch-multiplier=1",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "--loglevel=INFO",
                    "-Q",
                    self.queue,
                    "-n",
                    "t47-%s@%%h" % uuid.uuid4().hex[:6],
                ],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def child(self, timeout: float = 60) -> int:
        """The pool process (the one running the task)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.assert_alive()
            pid = self.process.pid
            children = Path("/proc/%d/task/%d/children" % (pid, pid))
            found = children.read_text().split() if children.exists() else []
            if found:
                return int(found[0])
            time.sleep(0.05)
        raise AssertionError("the worker started no pool process\n" + self.tail())

    def kill_child(self) -> None:
        """SIGKILL the pool process running the task, read just before the kill (the
        first pid seen at start-up may already have been replaced)."""
        for _attempt in range(5):
            try:
                os.kill(self.child(), signal.SIGKILL)
                return
            except ProcessLookupError:
                time.sleep(0.1)
        raise AssertionError("no pool process to kill\n" + self.tail())

    def assert_alive(self) -> None:
        if self.process.poll() is not None:
            raise AssertionError("the worker exited by itself\n" + self.tail())

    def kill_parent(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def _text(value) -> str:
    return ",".join(value) if isinstance(value, list | tuple) else value


def _phone(n: int) -> str:
    return "139%08d" % (10_000_000 + n * 7)


def _progress(tenant, job_id: int) -> tuple[int, str]:
    with tenant_context(tenant):
        done = ImportRow.objects.filter(job_id=job_id).count()
        status = ImportJob.objects.values_list("status", flat=True).get(pk=job_id)
    return done, status


def _wait_for(tenant, job_id: int, worker: Worker, rows: int, deadline: float) -> int:
    while time.monotonic() < deadline:
        done, status = _progress(tenant, job_id)
        if done >= rows or status == ImportStatus.COMPLETED:
            return done
        worker.assert_alive()
        time.sleep(0.02)
    raise AssertionError(
        "no progress to row %d in time (at %d)\n%s" % (rows, done, worker.tail())
    )


def test_kill9_mid_import_loses_and_doubles_nothing(
    tenant_a, admin_a, tmp_path, monkeypatch
):
    _redis_or_skip()
    started = time.monotonic()
    deadline = started + BUDGET - 10
    seed = random.SystemRandom().randrange(2**32)
    chance = random.Random(seed)
    from celery import Celery

    queue = "t47-%s" % uuid.uuid4().hex
    producer = Celery("t47", broker=REDIS)
    producer.conf.broker_transport_options = {"visibility_timeout": VISIBILITY}
    monkeypatch.setattr(
        import_start,
        "_enqueue",
        lambda tenant_id, job_id: producer.send_task(
            "customers.import_run",
            kwargs={"tenant_id": tenant_id, "job_id": job_id},
            queue=queue,
        ),
    )
    sheet = [["姓名", "手机号", "城市"]] + [
        ["客户%d" % n, _phone(n), "成都"] for n in range(ROWS)
    ]
    with tenant_context(tenant_a):
        job = imports.import_upload(
            actor=admin_a, upload=SimpleUploadedFile("t47.xlsx", xlsx_bytes(sheet))
        )
        assert job.total_rows == ROWS
    with tenant_context(tenant_a):
        import_start.import_configure(
            actor=admin_a,
            job=job,
            mapping={"0": "name", "1": "phone", "2": "city"},
            duplicate_policy="reject",
            assignment="pool",
        )

    worker = Worker(queue, tmp_path / "worker.log")
    kills = []
    try:
        worker.start()
        # 1. The pool child dies at a random row; the parent replaces it and the
        #    task, rejected on the lost worker, is delivered again.
        at = chance.randrange(ROWS // 10, ROWS * 2 // 5)
        done = _wait_for(tenant_a, job.pk, worker, at, deadline)
        worker.kill_child()
        kills.append(("child", done))
        # 2. Later the parent dies (its pool child with it); a new worker is started
        #    once Redis would hand the unacknowledged task out again.
        at = chance.randrange(max(done, ROWS // 2) + BATCH, ROWS * 9 // 10)
        done = _wait_for(tenant_a, job.pk, worker, at, deadline)
        worker.kill_parent()
        kills.append(("parent", done))
        time.sleep(VISIBILITY + 1)
        worker.start()
        while _progress(tenant_a, job.pk)[1] != ImportStatus.COMPLETED:
            assert time.monotonic() < deadline, "not completed in time\n" + (
                worker.tail()
            )
            worker.assert_alive()
            time.sleep(0.2)
    finally:
        worker.stop()

    note = "seed %d, kills %s\n%s" % (seed, kills, worker.tail())
    assert all(done < ROWS for _who, done in kills), note  # both were mid-import
    with tenant_context(tenant_a):
        job.refresh_from_db()
        outcomes = ImportRow.objects.filter(job=job)
        assert job.status == ImportStatus.COMPLETED, note
        assert outcomes.count() == ROWS, note
        assert set(outcomes.values_list("row_no", flat=True)) == set(
            range(2, ROWS + 2)
        ), note
        assert not outcomes.values("row_no").annotate(n=Count("pk")).filter(n__gt=1)
        assert outcomes.filter(outcome="created").count() == ROWS, note
        assert (job.processed_rows, job.created_count, job.error_count) == (
            ROWS,
            ROWS,
            0,
        ), note
        # No customer written twice: one per row, each phone once, each linked.
        customers = Customer.objects.all()
        assert customers.count() == ROWS, note
        assert customers.values("phone_index").distinct().count() == ROWS, note
        assert set(outcomes.values_list("customer_id", flat=True)) == set(
            customers.values_list("pk", flat=True)
        ), note
        # The batch audit entries name every created customer exactly once.
        audited = [
            pk
            for changes in AuditEvent.objects.filter(
                action=AuditAction.CUSTOMERS_IMPORTED, object_id=str(job.pk)
            ).values_list("changes", flat=True)
            for pk in changes["created"]
        ]
        assert sorted(audited) == sorted(customers.values_list("pk", flat=True))
        assert (
            AuditEvent.objects.filter(
                action=AuditAction.IMPORT_FINISHED, object_id=str(job.pk)
            ).count()
            == 1
        )
    assert time.monotonic() - started < BUDGET
