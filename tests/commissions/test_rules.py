"""Plan arithmetic without the database: tier tables, splits, line pricing."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from lenddesk.commissions import rules

D = Decimal
TIERS = rules.parse_tiers(
    [
        {"up_to": "10000", "rate": "10"},
        {"up_to": "30000", "rate": "15"},
        {"up_to": None, "rate": "20"},
    ]
)
bases = st.lists(
    st.decimals(min_value=D("0.01"), max_value=D("20000"), places=2), max_size=30
)


def test_splits_must_add_up_to_100_and_name_every_share():
    with pytest.raises(ValidationError) as refused:
        rules.parse_splits({"owner": "60", "telemarketer": "30", "processor": "20"})
    assert refused.value.code == "splits_not_100"
    assert set(refused.value.message_dict) == {
        "share_owner",
        "share_telemarketer",
        "share_processor",
    }
    assert rules.parse_splits({"owner": "100"})["owner"] == D("100")


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ([], "tiers"),
        ([{"up_to": "100", "rate": "10"}], "tiers.0.up_to"),  # last must be open
        (
            [{"up_to": None, "rate": "10"}, {"up_to": None, "rate": "5"}],
            "tiers.0.up_to",
        ),
        (
            [
                {"up_to": "100", "rate": "10"},
                {"up_to": "50", "rate": "5"},
                {"up_to": None, "rate": "1"},
            ],
            "tiers.1.up_to",
        ),
        ([{"up_to": None, "rate": "101"}], "tiers.0.rate"),
        ([{"up_to": None, "rate": "abc"}], "tiers.0.rate"),
        ([{"up_to": None, "rate": "NaN"}], "tiers.0.rate"),
    ],
)
def test_bad_tier_tables_name_the_field(raw, field):
    with pytest.raises(ValidationError) as refused:
        rules.parse_tiers(raw)
    assert field in refused.value.message_dict


def test_marginal_line_crossing_two_caps():
    # 5,000 then 30,000: the second line spans 5,000 @10 %, 20,000 @15 %, 5,000 @20 %
    assert rules.price_lines(TIERS, "marginal", [D("5000"), D("30000")]) == [
        D("500.00"),
        D("500.00") + D("3000.00") + D("1000.00"),
    ]


def test_whole_uses_the_tier_reached_by_the_month():
    assert rules.price_lines(TIERS, "whole", [D("5000"), D("30000")]) == [
        D("1000.00"),
        D("6000.00"),
    ]
    assert rules.tier_rate(TIERS, D("10000")) == D("10")  # a cap belongs to its tier
    assert rules.tier_rate(TIERS, D("10000.01")) == D("15")


@given(bases)
def test_lines_add_up_to_the_month_within_a_cent_a_line(values):
    for mode in ("marginal", "whole"):
        lines = rules.price_lines(TIERS, mode, values)
        month = rules.month_commission(TIERS, mode, sum(values, D(0)))
        assert abs(sum(lines, D(0)) - month) <= D("0.005") * len(values)


@given(bases)
def test_marginal_never_pays_more_than_whole(values):
    marginal = sum(rules.price_lines(TIERS, "marginal", values), D(0))
    whole = sum(rules.price_lines(TIERS, "whole", values), D(0))
    assert marginal <= whole + D("0.01") * len(values)


def test_clawback_takes_back_the_refunded_part():
    assert rules.clawback(D("600.00"), D("6000.00"), D("3000.00")) == D("-300.00")
    assert rules.clawback(D("600.00"), D("6000.00"), D("9000.00")) == D("-600.00")
    assert rules.clawback(D("0.01"), D("3.00"), D("1.00")) == D("0.00")
