"""Masks (JR/T 0171 style) never show the middle of a number and never raise."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lenddesk.security.masking import (
    FIELD_POLICY,
    Sensitivity,
    mask,
    mask_bank_card,
    mask_name,
    mask_national_id,
    mask_phone,
)


@pytest.mark.parametrize(
    ("function", "value", "expected"),
    [
        (mask_phone, "+8613812345678", "138****5678"),
        (mask_phone, "13812345678", "138****5678"),
        (mask_phone, "138 1234 5678", "138****5678"),
        (mask_national_id, "510104199001011234", "510104********1234"),
        (mask_national_id, "11010119900101100x", "110101********100X"),
        (mask_name, "张", "*"),
        (mask_name, "张三", "张*"),
        (mask_name, "张三丰", "张*丰"),
        (mask_name, "欧阳娜娜", "欧**娜"),
        (mask_bank_card, "6222 0212 3456 7890", "6222********7890"),
        (mask_bank_card, "6222021234567890123", "6222***********0123"),
    ],
)
def test_examples(function, value, expected):
    assert function(value) == expected


@pytest.mark.parametrize("function", [mask_phone, mask_national_id, mask_bank_card])
@pytest.mark.parametrize("value", [None, "", "   ", "1", "12", "1234"])
def test_short_numbers_are_hidden_completely(function, value):
    masked = function(value)
    assert set(masked) <= {"*"}
    assert len(masked) == len((value or "").strip())


def test_odd_names_and_objects_do_not_raise():
    assert mask_name(None) == ""
    assert mask_name("  ") == ""
    assert mask_name("A") == "*"
    assert mask_phone(object()).count("*") > 0


def test_policy_and_dispatcher():
    assert FIELD_POLICY["name"].sensitivity == Sensitivity.INTERNAL
    for kind in ("phone", "national_id", "bank_card"):
        sensitivity, _mask = FIELD_POLICY[kind]
        assert sensitivity == Sensitivity.SENSITIVE
    assert mask("phone", "+8613812345678") == "138****5678"
    assert mask("name", "张三") == "张*"
    assert mask("text", "any secret") == "******"
    assert mask("unknown kind", "13812345678") == "******"
    assert mask("phone", None) == ""


mobiles = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)
ids = st.from_regex(r"[1-9][0-9]{16}[0-9X]", fullmatch=True)


@settings(max_examples=300, deadline=None)
@given(number=mobiles)
def test_masked_phone_hides_the_middle_and_keeps_the_length(number):
    for form in (number, "+86" + number):
        masked = mask_phone(form)
        assert len(masked) == len(number)
        assert masked[3:7] == "****"
        assert masked[:3] == number[:3] and masked[7:] == number[7:]
        assert not any(ch.isdigit() for ch in masked[3:7])


@settings(max_examples=300, deadline=None)
@given(number=ids)
def test_masked_id_hides_birth_date_and_sequence(number):
    masked = mask_national_id(number)
    assert len(masked) == len(number)
    assert masked[6:14] == "********"
    assert number[6:14] not in masked


@settings(max_examples=300, deadline=None)
@given(value=st.one_of(st.none(), st.text(), st.integers(), st.binary()))
def test_masks_never_raise_and_hide_a_third(value):
    for kind in (*FIELD_POLICY, "unknown"):
        masked = mask(kind, value)
        assert isinstance(masked, str)
        if kind in ("phone", "national_id", "bank_card") and masked:
            assert masked.count("*") * 3 >= len(masked)
