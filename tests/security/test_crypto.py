"""T26: encryption at rest, AAD binding, key ring configuration (ASVS 11.3.2-11.3.4)."""

import base64
import contextlib
import datetime as dt

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import connection, transaction
from django.utils import translation

from lenddesk.accounts.models import User
from lenddesk.security import crypto
from lenddesk.security.crypto import (
    DecryptionError,
    blob_key_id,
    decrypt,
    encrypt,
    national_id_facts,
    normalize_phone,
    validate_national_id,
)
from lenddesk.security.errors import SecurityError
from lenddesk.security.models import DataKeyStatus, TenantDataKey
from lenddesk.tenancy.context import tenant_context
from tests.factories import make_user
from tests.security.helpers import reload, save_secret

PHONE = "13800138000"
E164 = "+8613800138000"
NATIONAL_ID = "110101199001011237"
GOOD_KEY = base64.b64encode(b"k" * 32).decode()


def _raw_ciphers(user: User) -> tuple[bytes, bytes | None]:
    with tenant_context(user.tenant), connection.cursor() as cursor:
        cursor.execute(
            "SELECT phone_cipher, id_number_cipher FROM accounts_user WHERE id = %s",
            [user.pk],
        )
        phone, id_number = cursor.fetchone()
    return bytes(phone), bytes(id_number) if id_number is not None else None


def test_values_round_trip_through_the_database(salesperson_a):
    save_secret(salesperson_a, "phone", "138 0013 8000")
    save_secret(salesperson_a, "id_number", "11010119900101123 7")

    user = reload(salesperson_a)
    with tenant_context(user.tenant):
        assert user.get_secret("phone") == E164
        assert user.get_secret("id_number") == NATIONAL_ID
        assert user.masked("phone") == "138****8000"
        assert user.masked("id_number") == "110101********1237"


def test_raw_column_is_not_the_plaintext_and_equal_phones_differ(tenant_a):
    first = save_secret(make_user(tenant_a, "first"), "phone", PHONE)
    second = save_secret(make_user(tenant_a, "second"), "phone", "+86 138-0013-8000")
    save_secret(first, "id_number", NATIONAL_ID)

    first_phone, first_id = _raw_ciphers(first)
    second_phone, _ = _raw_ciphers(second)

    for plain in (PHONE, E164, "0013", NATIONAL_ID, "19900101"):
        assert plain.encode() not in first_phone + first_id + second_phone
    assert first_phone != second_phone
    assert first_phone[:5] == b"\x01" + (1).to_bytes(4, "big")
    assert reload(first).phone_index == reload(second).phone_index


def test_ciphertext_copied_to_another_row_fails_to_decrypt(tenant_a):
    source = save_secret(make_user(tenant_a, "source"), "phone", PHONE)
    target = save_secret(make_user(tenant_a, "target"), "phone", "13900000001")
    blob, _ = _raw_ciphers(source)

    with tenant_context(tenant_a):
        User.objects.filter(pk=target.pk).update(phone_cipher=blob)
    target = reload(target)
    with tenant_context(tenant_a), pytest.raises(DecryptionError, match="belong"):
        target.get_secret("phone")


def test_ciphertext_copied_to_another_field_fails_to_decrypt(tenant_a):
    user = save_secret(make_user(tenant_a, "user"), "phone", PHONE)
    blob, _ = _raw_ciphers(user)

    with tenant_context(tenant_a):
        User.objects.filter(pk=user.pk).update(id_number_cipher=blob)
    with tenant_context(tenant_a), pytest.raises(DecryptionError):
        reload(user).get_secret("id_number")


def test_ciphertext_copied_to_another_firm_fails_to_decrypt(tenant_a, tenant_b):
    source = save_secret(make_user(tenant_a, "source"), "phone", PHONE)
    target = save_secret(make_user(tenant_b, "target"), "phone", "13900000001")
    blob, _ = _raw_ciphers(source)

    with tenant_context(tenant_b):
        # Same row key too: only the firm (its key and the AAD) differs.
        User.objects.filter(pk=target.pk).update(
            phone_cipher=blob, row_key=source.row_key
        )
    with tenant_context(tenant_b), pytest.raises(DecryptionError):
        reload(target).get_secret("phone")


def test_wrong_aad_or_tampering_is_a_clear_decryption_error(tenant_a):
    with tenant_context(tenant_a):
        blob = encrypt("张三 13800138000", aad="1|t|c|r")
        assert decrypt(blob, aad="1|t|c|r") == "张三 13800138000"
        assert len(blob) == 1 + 4 + 12 + len("张三 13800138000".encode()) + 16
        assert blob_key_id(blob) == 1

        with pytest.raises(DecryptionError, match="does not belong here"):
            decrypt(blob, aad="1|t|c|other")
        tampered = blob[:-1] + bytes([blob[-1] ^ 1])
        with pytest.raises(DecryptionError):
            decrypt(tampered, aad="1|t|c|r")
        with pytest.raises(DecryptionError, match="Not a LendDesk ciphertext"):
            decrypt(blob[:20], aad="1|t|c|r")
        with pytest.raises(DecryptionError, match="no data key 7"):
            decrypt(b"\x01" + (7).to_bytes(4, "big") + blob[5:], aad="1|t|c|r")


def test_first_data_key_is_created_lazily_and_wrapped(tenant_a):
    with tenant_context(tenant_a):
        assert not TenantDataKey.objects.exists()
        encrypt("one", aad="a")
        encrypt("two", aad="a")
        key = TenantDataKey.objects.get()

    assert (key.key_id, key.kek_id, key.status) == (1, "k1", DataKeyStatus.ACTIVE)
    assert len(bytes(key.wrapped)) == 12 + 32 + 16


def test_first_key_race_uses_the_winners_key(tenant_a, monkeypatch):
    real = crypto._active_row
    calls = []

    def another_process_wins():
        calls.append(1)
        if len(calls) == 1:
            crypto.data_key_create(key_id=1)
            return None
        return real()

    monkeypatch.setattr(crypto, "_active_row", another_process_wins)
    with tenant_context(tenant_a):
        blob = encrypt("value", aad="a")
        assert blob_key_id(blob) == 1
        assert TenantDataKey.objects.count() == 1
        assert decrypt(blob, aad="a") == "value"


def test_key_made_in_a_rolled_back_transaction_is_never_reused(tenant_a):
    class Boom(Exception):
        pass

    with tenant_context(tenant_a):
        with contextlib.suppress(Boom), transaction.atomic():
            encrypt("first", aad="a")
            encrypt("second", aad="a")  # loads the uncommitted key from the table
            raise Boom
        assert not TenantDataKey.objects.exists()

        blob = encrypt("third", aad="a")
        stored = crypto.unwrap_data_key(TenantDataKey.objects.get())
    assert AESGCM(stored).decrypt(blob[5:17], blob[17:], b"a") == b"third"


def test_data_keys_are_cached_once_committed(
    tenant_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), tenant_context(tenant_a):
        encrypt("value", aad="a")
    assert crypto._cached(tenant_a.pk, 1) is not None


@pytest.mark.parametrize(
    "ring",
    [
        "",
        "k1",
        "k1:not base64!",
        "k1:" + base64.b64encode(b"short").decode(),
        "k1:%s,k1:%s" % (GOOD_KEY, GOOD_KEY),
        "bad id!:" + GOOD_KEY,
        "k2:%s,," % GOOD_KEY,
    ],
)
def test_malformed_key_ring_names_the_setting(tenant_a, settings, ring):
    settings.FIELD_ENCRYPTION_KEYS = ring
    with tenant_context(tenant_a), pytest.raises(ImproperlyConfigured) as caught:
        encrypt("value", aad="a")
    assert "FIELD_ENCRYPTION_KEYS" in str(caught.value)
    assert GOOD_KEY not in str(caught.value)


def test_key_ring_without_the_wrapping_key_is_explained(tenant_a, settings):
    with tenant_context(tenant_a):
        blob = encrypt("value", aad="a")
    crypto.forget_data_keys()
    settings.FIELD_ENCRYPTION_KEYS = "k9:" + GOOD_KEY
    with tenant_context(tenant_a), pytest.raises(ImproperlyConfigured) as caught:
        decrypt(blob, aad="a")
    assert "'k1'" in str(caught.value) and "FIELD_ENCRYPTION_KEYS" in str(caught.value)


def test_wrong_wrapping_key_is_a_decryption_error(tenant_a, settings):
    with tenant_context(tenant_a):
        blob = encrypt("value", aad="a")
    crypto.forget_data_keys()
    settings.FIELD_ENCRYPTION_KEYS = "k1:" + GOOD_KEY
    with tenant_context(tenant_a), pytest.raises(DecryptionError, match="key ring"):
        decrypt(blob, aad="a")


def test_data_key_repr_hides_the_secret(tenant_a):
    with tenant_context(tenant_a):
        key = crypto.active_data_key()
    assert key.secret.hex() not in repr(key) and repr(key.secret) not in repr(key)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("010-1234 5678", "+861012345678"),
        ("(+86) 138 0013 8000", E164),
        ("+852 6123 4567", "+85261234567"),
    ],
)
def test_normalize_phone_accepts_usual_forms(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        None,
        "12345",
        "1380013800",
        "138001380001",
        "abc",
        "1-800-FLOWERS",
        13800138000,
    ],
)
def test_normalize_phone_refuses_invalid_numbers(raw):
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        normalize_phone(raw)
    assert caught.value.code == SecurityError.INVALID_PHONE
    assert "phone number" in caught.value.messages[0]


def test_national_id_is_canonical_and_yields_birth_date_and_gender():
    assert validate_national_id(" 110101 19900101 100x ") == "11010119900101100X"
    assert validate_national_id("１１０１０１１９９００１０１１２３７") == NATIONAL_ID
    assert national_id_facts(NATIONAL_ID) == (dt.date(1990, 1, 1), "M")
    assert national_id_facts("440305198512310026") == (dt.date(1985, 12, 31), "F")


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("110101199001011238", "check digit"),
        ("110101199002301236", "birth date"),
        ("110101209901011239", "birth date"),
        ("999999199001011238", "region"),
        ("11010119900101123", "18-character"),
        ("", "18-character"),
    ],
)
def test_national_id_errors_say_what_is_wrong(raw, fragment):
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        validate_national_id(raw)
    assert caught.value.code == SecurityError.INVALID_NATIONAL_ID
    assert fragment in caught.value.messages[0]


def test_set_secret_reports_invalid_input_under_the_field_name(salesperson_a):
    with tenant_context(salesperson_a.tenant):
        with pytest.raises(ValidationError) as caught:
            salesperson_a.set_secret("phone", "12345")
        assert list(caught.value.message_dict) == ["phone"]
        with pytest.raises(ValidationError) as caught:
            salesperson_a.set_secret("id_number", "110101199001011238")
        assert list(caught.value.message_dict) == ["id_number"]


def test_blank_value_clears_cipher_and_indexes(salesperson_a):
    save_secret(salesperson_a, "phone", PHONE)
    save_secret(salesperson_a, "phone", "  ")

    user = reload(salesperson_a)
    assert user.phone_cipher is None
    assert user.phone_index == "" and user.phone_last4_index == ""
    with tenant_context(user.tenant):
        assert user.get_secret("phone") is None
        assert user.masked("phone") == ""


@pytest.mark.postgres
def test_data_keys_are_behind_row_level_security(tenant_a, tenant_b):
    from lenddesk.tenancy.rls import rls_status

    assert rls_status()["security_tenantdatakey"] == (True, True)
    with tenant_context(tenant_a):
        encrypt("value", aad="a")
        assert TenantDataKey.all_tenants.count() == 1
    with tenant_context(tenant_b):
        # Even the unfiltered manager sees no other firm's wrapped keys.
        assert TenantDataKey.all_tenants.count() == 0
