"""T28: key rotation, interrupted and resumed; every value readable throughout
(ASVS 11.1.1, 13.3.4)."""

import base64
from collections import Counter
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from lenddesk.accounts.models import User
from lenddesk.audit.models import AuditAction, AuditEvent
from lenddesk.security.crypto import blob_key_id, forget_data_keys
from lenddesk.security.errors import SecurityError
from lenddesk.security.models import DataKeyStatus, TenantDataKey
from lenddesk.security.services import data_key_retire, data_keys_rotate
from lenddesk.tenancy.context import bind_tenant, tenant_context
from tests.factories import make_tenant, make_user
from tests.security.helpers import save_secret

NEW_KEK = base64.b64encode(b"n" * 32).decode()
USERS = 30
WITH_ID = ("110101199001011237", "440305198512310026", "11010119900101100X")


class Interrupted(Exception):
    pass


@pytest.fixture
def firm(db):
    return make_tenant(slug="firm-rot", seats=USERS + 5)


def _seed(firm, count=USERS) -> dict[int, dict[str, str]]:
    expected = {}
    for i in range(count):
        user = save_secret(make_user(firm, "u%02d" % i), "phone", "1380013%04d" % i)
        expected[user.pk] = {"phone": "+861380013%04d" % i}
        if i < len(WITH_ID):
            save_secret(user, "id_number", WITH_ID[i])
            expected[user.pk]["id_number"] = WITH_ID[i]
    return expected


def _assert_all_readable(firm, expected) -> None:
    with tenant_context(firm):
        for user in User.objects.filter(pk__in=expected):
            for name, value in expected[user.pk].items():
                assert user.get_secret(name) == value


def _key_use(firm) -> Counter:
    with tenant_context(firm):
        blobs = User.objects.values_list("phone_cipher", "id_number_cipher")
        return Counter(blob_key_id(b) for row in blobs for b in row if b)


def _keys(firm) -> dict[int, tuple[str, str]]:
    with tenant_context(firm):
        return {k.key_id: (k.status, k.kek_id) for k in TenantDataKey.objects.all()}


def _rotate(firm, **kwargs):
    with bind_tenant(firm):
        return data_keys_rotate(**kwargs)


def test_interrupted_rotation_resumes_and_retires_the_old_key(firm, settings):
    expected = _seed(firm)
    assert _key_use(firm) == {1: USERS + len(WITH_ID)}
    settings.FIELD_ENCRYPTION_KEYS = "k2:%s,%s" % (
        NEW_KEK,
        settings.FIELD_ENCRYPTION_KEYS,
    )

    batches = []

    def read_everything_then_stop_after_two(step):
        batches.append(step)
        _assert_all_readable(firm, expected)
        if len(batches) == 2:
            raise Interrupted

    with pytest.raises(Interrupted):
        _rotate(firm, batch_size=7, progress=read_everything_then_stop_after_two)

    assert [(b.batch, b.rows, b.total) for b in batches] == [(1, 7, 7), (2, 7, 14)]
    _assert_all_readable(firm, expected)
    assert _keys(firm) == {
        1: (DataKeyStatus.RETIRING, "k2"),
        2: (DataKeyStatus.ACTIVE, "k2"),
    }
    use = _key_use(firm)
    assert use[2] >= 14 and use[1] > 0
    with tenant_context(firm), pytest.raises(ValidationError) as refused:
        data_key_retire(key_id=1)
    assert refused.value.code == SecurityError.KEY_IN_USE
    with tenant_context(firm), pytest.raises(ValidationError) as refused:
        data_key_retire(key_id=2)
    assert refused.value.code == SecurityError.KEY_ACTIVE

    report = _rotate(firm, batch_size=7, progress=lambda step: batches.append(step))

    assert not report.started and report.active_key_id == 2
    assert report.reencrypted == USERS - 14 and report.failed == 0
    assert report.retired == [1] and report.in_use == {}
    assert len(batches) == 2 + 3
    assert _key_use(firm) == {2: USERS + len(WITH_ID)}
    assert _keys(firm)[1][0] == DataKeyStatus.RETIRED
    _assert_all_readable(firm, expected)

    # Every data key is now wrapped by k2, so k1 can leave the ring.
    settings.FIELD_ENCRYPTION_KEYS = "k2:" + NEW_KEK
    forget_data_keys()
    _assert_all_readable(firm, expected)

    again = _rotate(firm, batch_size=50)
    assert again.started and again.active_key_id == 3 and again.retired == [2]
    assert _key_use(firm) == {3: USERS + len(WITH_ID)}
    _assert_all_readable(firm, expected)
    with tenant_context(firm):
        steps = [
            e.changes["step"]
            for e in AuditEvent.objects.filter(
                action=AuditAction.KEYS_ROTATED
            ).order_by("seq")
        ]
    assert steps == ["started", "finished", "started", "finished"]


def test_rotation_of_a_firm_without_encrypted_data_does_nothing(firm):
    report = _rotate(firm)
    assert report.active_key_id is None
    assert _keys(firm) == {}


def test_values_written_during_rotation_use_the_new_key(firm):
    expected = _seed(firm, count=4)

    def write_a_new_value(step):
        if step.batch == 1:
            user = save_secret(make_user(firm, "late"), "phone", "13900000009")
            expected[user.pk] = {"phone": "+8613900000009"}

    report = _rotate(firm, batch_size=2, progress=write_a_new_value)
    assert report.retired == [1]
    assert _key_use(firm) == {2: 4 + 3 + 1}
    _assert_all_readable(firm, expected)


def test_an_unreadable_value_keeps_its_key_retiring(firm):
    _seed(firm, count=3)
    with tenant_context(firm):
        first, second, _third = User.objects.exclude(phone_cipher=None).order_by("pk")
        User.objects.filter(pk=second.pk).update(phone_cipher=first.phone_cipher)

    report = _rotate(firm, batch_size=2)

    assert report.failed == 1 and report.retired == [] and report.in_use == {1: 1}
    assert _keys(firm)[1][0] == DataKeyStatus.RETIRING
    # A later run continues the same rotation instead of starting another one.
    assert _rotate(firm).active_key_id == 2


def test_command_rotates_one_firm_and_reports(firm, tenant_b):
    _seed(firm, count=3)
    out = StringIO()

    call_command("rotate_keys", "--tenant", firm.slug, "--batch-size", "2", stdout=out)

    text = out.getvalue()
    assert "firm-rot: accounts.user batch 1, 2 rows (2 so far)" in text
    assert "firm-rot: active key 2" in text and "retired 1" in text
    assert "Done: 1 firms, 3 rows re-encrypted, 1 keys retired" in text
    assert "firm-b" not in text


def test_command_refuses_an_unknown_firm_and_a_bad_batch_size(db):
    with pytest.raises(CommandError, match="--tenant"):
        call_command("rotate_keys", "--tenant", "no-such-firm")
    with pytest.raises(CommandError, match="--batch-size"):
        call_command("rotate_keys", "--batch-size", "0")


def test_command_fails_when_values_cannot_be_reencrypted(firm):
    _seed(firm, count=2)
    with tenant_context(firm):
        first, second = User.objects.exclude(phone_cipher=None).order_by("pk")
        User.objects.filter(pk=second.pk).update(phone_cipher=first.phone_cipher)
    err = StringIO()
    with pytest.raises(CommandError, match="could not be re-encrypted"):
        call_command(
            "rotate_keys", "--tenant", firm.slug, stdout=StringIO(), stderr=err
        )
    assert "1 values could not be decrypted" in err.getvalue()
