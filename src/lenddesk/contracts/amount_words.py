"""Amounts in words (人民币大写金额) as contracts and receipts print them.

The zeros follow the People's Bank of China rules for filling in bills
(《正确填写票据和结算凭证的基本规定》):

- a zero between digits is written 零, several zeros in a row once
  (1409.50 → 壹仟肆佰零玖元伍角, 6007.14 → 陆仟零柒元壹角肆分);
- a zero 万 or 元 place before a non-zero 仟 or 角 place may go without 零; this module
  leaves it out (107000.53 → 壹拾万柒仟元伍角叁分, 1680.32 → 壹仟陆佰捌拾元叁角贰分);
- a zero 角 before a non-zero 分 is always written (100.05 → 壹佰元零伍分);
- 整 follows 元 when there are no 角 and 分; after 角 it is left out
  (10005.50 → 壹万零伍元伍角);
- a leading ten is 壹拾 (10 → 壹拾元整), zero is 零元整, and an amount under one yuan
  starts at its first non-zero place (0.05 → 伍分).

Finance prints receipts with the same function.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

DIGITS = "零壹贰叁肆伍陆柒捌玖"
PLACE_UNITS = ("仟", "佰", "拾", "")  # within a group of four digits
GROUP_UNITS = ("", "万", "亿")  # groups of four, from the lowest
CENT = Decimal("0.01")
# What the money columns hold (14 digits, 2 decimal places).
MAX_AMOUNT = Decimal("999999999999.99")


def amount_in_words(amount: Decimal | int) -> str:
    """``amount`` (yuan, at most two decimal places, 0 to ``MAX_AMOUNT``) in words.

    Raises ``TypeError`` for a float and ``ValueError`` for a negative, too large or
    sub-cent amount: an amount in words is printed on a contract, so it is never
    rounded silently."""
    cents = _cents(amount)
    yuan, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    if cents == 0:
        return "零元整"
    words = ""
    if yuan:
        words = _integer_words(yuan) + "元"
        if not jiao and not fen:
            return words + "整"
    if jiao:
        words += DIGITS[jiao] + "角"
    elif yuan:  # a zero 角 between 元 and 分
        words += "零"
    if fen:
        words += DIGITS[fen] + "分"
    return words


def _cents(amount) -> int:
    if isinstance(amount, float | bool):
        raise TypeError(
            "amount_in_words() takes a Decimal or an int, not %s."
            % type(amount).__name__
        )
    try:
        value = Decimal(amount)
    except (InvalidOperation, TypeError, ValueError):
        raise ValueError("Not an amount: %r" % (amount,)) from None
    if not value.is_finite():
        raise ValueError("Not an amount: %r" % (amount,))
    if value < 0:
        raise ValueError("A negative amount has no words: %s" % value)
    if value > MAX_AMOUNT:
        raise ValueError("The amount is too large: %s" % value)
    if value != value.quantize(CENT):
        raise ValueError(
            "An amount in words has at most two decimal places: %s" % value
        )
    return int(value.quantize(CENT) * 100)


def _integer_words(number: int) -> str:
    """1 … 999,999,999,999 in words, in groups of four digits (万, 亿)."""
    groups = []
    while number:
        groups.append(number % 10000)
        number //= 10000
    words = ""
    zero_pending = False
    for index in reversed(range(len(groups))):
        group = groups[index]
        if group == 0:
            zero_pending = bool(words)
            continue
        # A group after a higher one needs 零 when its thousands place is empty or a
        # whole group of zeros lies between them.
        if words and (zero_pending or group < 1000):
            words += "零"
        words += _group_words(group) + GROUP_UNITS[index]
        zero_pending = False
    return words


def _group_words(group: int) -> str:
    """1 … 9999 without leading 零; zeros inside become one 零."""
    digits = (group // 1000, group // 100 % 10, group // 10 % 10, group % 10)
    words, zero_pending = "", False
    for digit, unit in zip(digits, PLACE_UNITS, strict=True):
        if digit == 0:
            zero_pending = bool(words)
            continue
        if zero_pending:
            words += "零"
            zero_pending = False
        words += DIGITS[digit] + unit
    return words
