"""大写金额 by the People's Bank of China's rules: worked examples, refusals, and a
property test that reads every amount back from its words."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lenddesk.contracts.amount_words import DIGITS, MAX_AMOUNT, amount_in_words

EXAMPLES = [
    ("120000", "壹拾贰万元整"),
    ("1234.56", "壹仟贰佰叁拾肆元伍角陆分"),
    ("100.05", "壹佰元零伍分"),
    ("10010", "壹万零壹拾元整"),
    ("0", "零元整"),
    ("0.00", "零元整"),
    ("10", "壹拾元整"),
    ("1409.50", "壹仟肆佰零玖元伍角"),
    ("6007.14", "陆仟零柒元壹角肆分"),
    ("16409.02", "壹万陆仟肆佰零玖元零贰分"),
    ("325.04", "叁佰贰拾伍元零肆分"),
    ("10005.50", "壹万零伍元伍角"),
    ("107000.53", "壹拾万柒仟元伍角叁分"),
    ("1680.32", "壹仟陆佰捌拾元叁角贰分"),
    ("100000005", "壹亿零伍元整"),
    ("100010000", "壹亿零壹万元整"),
    ("2000000000", "贰拾亿元整"),
    ("0.05", "伍分"),
    ("0.50", "伍角"),
    ("999999999999.99", "玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
]


@pytest.mark.parametrize(("amount", "words"), EXAMPLES)
def test_worked_examples(amount, words):
    assert amount_in_words(Decimal(amount)) == words


def test_an_int_is_accepted():
    assert amount_in_words(300000) == "叁拾万元整"


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (Decimal("-1"), ValueError),
        (Decimal("0.001"), ValueError),
        (Decimal("1000000000000"), ValueError),
        (Decimal("NaN"), ValueError),
        (1.5, TypeError),
        ("abc", ValueError),
    ],
)
def test_refuses_what_it_cannot_print(value, error):
    with pytest.raises(error):
        amount_in_words(value)


UNITS = {"拾": 10, "佰": 100, "仟": 1000}


def read_back(words: str) -> Decimal:
    """The amount a bank clerk reads from the words."""
    total = group = digit = 0
    yuan = jiao = fen = 0
    for char in words:
        if char in DIGITS:
            digit = DIGITS.index(char)
        elif char in UNITS:
            group += digit * UNITS[char]
            digit = 0
        elif char in "万亿":
            total += (group + digit) * (10_000 if char == "万" else 100_000_000)
            group = digit = 0
        elif char == "元":
            yuan, total, group, digit = total + group + digit, 0, 0, 0
        elif char == "角":
            jiao, digit = digit, 0
        elif char == "分":
            fen, digit = digit, 0
        else:
            assert char == "整", words
    return Decimal(yuan) + Decimal(jiao) / 10 + Decimal(fen) / 100


amounts = st.integers(min_value=0, max_value=int(MAX_AMOUNT * 100)).map(
    lambda cents: Decimal(cents) / 100
)


@given(amounts)
def test_every_amount_reads_back_and_follows_the_zero_rules(amount):
    words = amount_in_words(amount)
    assert read_back(words) == amount
    assert "零零" not in words
    assert not words.endswith("零")
    for unit in "拾佰仟万亿角分":
        assert "零" + unit not in words, words
    cents = int(amount * 100)
    assert words.endswith("整") == (cents % 100 == 0)
    if cents % 100 and cents % 100 < 10 and cents >= 100:
        assert "元零" in words  # a zero 角 before the 分 is written
