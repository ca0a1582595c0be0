"""The withholding engine against the official tables: worked examples, every band
boundary, and random incomes checked against the tables written out again."""

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lenddesk.commissions import tax

D = Decimal
cents = st.decimals(min_value=D("0"), max_value=D("5000000"), places=2, allow_nan=False)


def r(x):
    return D(x).quantize(D("0.01"), rounding=ROUND_HALF_UP)


@pytest.mark.parametrize(
    ("income", "taxable", "withheld"),
    [
        ("800", "0", "0"),  # DOMAIN.md table
        ("3000", "2200", "440"),
        ("10000", "8000", "1600"),
        ("30000", "24000", "5200"),
        ("100000", "80000", "25000"),
    ],
)
def test_per_payment_worked_examples(income, taxable, withheld):
    result = tax.per_payment(D(income))
    assert result.taxable == D(taxable)
    assert result.tax == D(withheld)


@pytest.mark.parametrize(
    ("income", "withheld"),
    [
        ("0", "0"),
        ("800.00", "0"),
        ("800.01", "0.00"),  # 0.01 × 20 % = 0.002 → 0.00
        ("800.03", "0.01"),  # 0.006 → 0.01 (half-up)
        ("4000.00", "640.00"),  # (4000 − 800) × 20 %
        ("4000.01", "640.00"),  # 3200.008 → 3200.01 × 20 % = 640.002
        ("25000", "4000"),  # taxable 20,000: the top of the 20 % band
        ("25000.01", "4000.00"),  # 20000.01 × 30 % − 2000 = 4000.003
        ("62500", "13000"),  # taxable 50,000: 30 % − 2,000
        ("62500.02", "13000.01"),  # 50000.02 (rounded) × 40 % − 7000
    ],
)
def test_per_payment_band_boundaries(income, withheld):
    assert tax.per_payment_tax(D(income)) == D(withheld)


def test_the_two_formulas_meet_at_4000():
    """Just above 4,000 the 80 % rule gives less than the 800 rule at 4,000: the
    official table, not a bug (3,200.01 × 20 % vs 3,200 × 20 %)."""
    assert tax.per_payment_taxable(D("4000")) == D("3200.00")
    assert tax.per_payment_taxable(D("4000.01")) == D("3200.01")


def _per_payment_from_table(x: Decimal) -> Decimal:
    """Table 二, written out again band by band."""
    if x <= 800:
        return D("0.00")
    if x <= 4000:
        return r((x - 800) * D("0.2"))
    taxable = r(x * D("0.8"))
    if taxable <= 20000:
        return r(taxable * D("0.2"))
    if taxable <= 50000:
        return r(taxable * D("0.3") - 2000)
    return r(taxable * D("0.4") - 7000)


@given(cents)
def test_per_payment_matches_the_table_on_random_incomes(x):
    assert tax.per_payment_tax(x) == _per_payment_from_table(x)


@given(cents)
def test_per_payment_never_more_than_40_percent_and_never_negative(x):
    withheld = tax.per_payment_tax(x)
    assert D("0") <= withheld <= x * D("0.4")


ANNUAL = [  # (cap, rate, quick deduction): the 3–45 % table of DOMAIN.md
    (36000, "0.03", 0),
    (144000, "0.10", 2520),
    (300000, "0.20", 16920),
    (420000, "0.25", 31920),
    (660000, "0.30", 52920),
    (960000, "0.35", 85920),
    (None, "0.45", 181920),
]


def _annual_tax(taxable: Decimal) -> Decimal:
    """The same table computed as a progressive sum (no quick deductions), which the
    quick deductions must reproduce."""
    total, low = D("0"), D("0")
    for cap, rate, _deduction in ANNUAL:
        high = taxable if cap is None else min(taxable, D(cap))
        if high > low:
            total += (high - low) * D(rate)
        if cap is None or taxable <= cap:
            break
        low = D(cap)
    return r(total)


@pytest.mark.parametrize(
    "taxable",
    ["36000", "36000.01", "144000", "300000", "420000", "660000", "960000", "1e6"],
)
def test_quick_deductions_match_the_progressive_table(taxable):
    months = 1
    income = (D(taxable) + 5000 * months) / D("0.8")
    assert tax.cumulative_taxable(income, months) == r(D(taxable))
    assert tax.cumulative_tax(income, months) == _annual_tax(r(D(taxable)))


@given(cents, st.integers(min_value=1, max_value=12))
def test_cumulative_matches_the_table_on_random_incomes(income, months):
    taxable = max(r(income * D("0.8")) - 5000 * months, D("0"))
    assert tax.cumulative_tax(income, months) == _annual_tax(taxable)


def test_cumulative_no_tax_up_to_6250_a_month():
    assert tax.cumulative_tax(D("6250"), 1) == 0
    assert tax.cumulative_tax(D("6250.01"), 1) == D("0.00")
    assert tax.cumulative_tax(D("10000"), 1) == D("90.00")  # (8000 − 5000) × 3 %


def test_cumulative_period_tax_is_cumulative_minus_withheld():
    """January 20,000 then February 20,000 from one platform."""
    january = tax.cumulative(D("20000"), 1, D("0"))
    assert january.taxable == D("11000.00") and january.tax == D("330.00")
    february = tax.cumulative(D("40000"), 2, january.tax)
    assert february.taxable == D("22000.00")
    assert february.tax == D("660.00") - D("330.00")


def test_cumulative_never_refunds_in_the_period():
    assert tax.cumulative(D("10000"), 2, D("500")).tax == D("0.00")


def test_cumulative_months_start_at_one():
    with pytest.raises(ValueError):
        tax.cumulative_tax(D("1"), 0)
