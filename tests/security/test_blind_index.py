"""T27: blind indexes find a number however it was typed, within one firm only."""

import phonenumbers
import pytest
from django.core.exceptions import ImproperlyConfigured
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lenddesk.accounts.models import User
from lenddesk.security.crypto import blind_index, normalize_phone
from lenddesk.security.fields import exact_lookup, last4_lookup
from lenddesk.tenancy.context import bind_tenant, tenant_context
from tests.factories import make_user
from tests.security.helpers import save_secret

VARIANTS = [
    "138 0013 8000",
    "+86 138-0013-8000",
    "8613800138000",
    "１３８００１３８０００",
]
FULL_WIDTH = str.maketrans("0123456789+", "０１２３４５６７８９＋")


def _phone_index(raw: str) -> str:
    return blind_index(normalize_phone(raw), purpose="phone")


def test_formatting_variants_give_one_index(tenant_a):
    with bind_tenant(tenant_a):
        assert len({_phone_index(raw) for raw in VARIANTS}) == 1


def test_firms_get_different_indexes_for_the_same_number(tenant_a, tenant_b):
    with bind_tenant(tenant_a):
        index_a = _phone_index("13800138000")
    with bind_tenant(tenant_b):
        index_b = _phone_index("13800138000")
    assert index_a != index_b


def test_purposes_get_different_indexes(tenant_a):
    with bind_tenant(tenant_a):
        assert blind_index("8000", purpose="phone") != blind_index(
            "8000", purpose="phone_last4"
        )


valid_mobiles = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True).filter(
    lambda n: phonenumbers.is_valid_number(phonenumbers.parse(n, "CN"))
)


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(number=valid_mobiles)
def test_every_formatting_of_a_valid_mobile_has_the_same_index(tenant_a, number):
    spaced = "%s %s %s" % (number[:3], number[3:7], number[7:])
    forms = [
        number,
        spaced,
        "+86 " + spaced.replace(" ", "-"),
        "86" + number,
        "0086" + number,
        ("+86" + number).translate(FULL_WIDTH),
    ]
    with bind_tenant(tenant_a):
        assert len({_phone_index(form) for form in forms}) == 1


def test_exact_and_last4_lookups_find_the_user_in_their_firm_only(tenant_a, tenant_b):
    wanted = save_secret(make_user(tenant_a, "wanted"), "phone", "13800138000")
    save_secret(make_user(tenant_a, "other"), "phone", "13900139001")
    save_secret(make_user(tenant_b, "elsewhere"), "phone", "13800138000")

    with tenant_context(tenant_a):
        by_phone = User.objects.filter(exact_lookup(User, "phone", "+86 138-0013-8000"))
        by_last4 = User.objects.filter(last4_lookup(User, "phone", "８０００"))
        assert list(by_phone) == [wanted]
        assert list(by_last4) == [wanted]
        assert not User.objects.filter(exact_lookup(User, "phone", "not a phone"))
        assert not User.objects.filter(exact_lookup(User, "phone", ""))
        assert not User.objects.filter(last4_lookup(User, "phone", "800"))


def test_id_number_lookup_ignores_case_and_spaces(tenant_a):
    wanted = save_secret(
        make_user(tenant_a, "wanted"), "id_number", "11010119900101100X"
    )
    with tenant_context(tenant_a):
        query = exact_lookup(User, "id_number", "110101 19900101 100x")
        assert list(User.objects.filter(query)) == [wanted]


def test_lookups_on_unknown_fields_are_programming_errors():
    with pytest.raises(ValueError, match="no encrypted field"):
        exact_lookup(User, "email", "a@example.com")
    with pytest.raises(ValueError, match="last-4"):
        last4_lookup(User, "id_number", "1234")


@pytest.mark.parametrize("value", ["", "not base64!", "c2hvcnQ="])
def test_malformed_blind_index_key_names_the_setting(tenant_a, settings, value):
    settings.BLIND_INDEX_KEY = value
    with (
        bind_tenant(tenant_a),
        pytest.raises(ImproperlyConfigured, match="BLIND_INDEX_KEY"),
    ):
        blind_index("13800138000", purpose="phone")
