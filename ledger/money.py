"""Money conventions shared by every app: ``Decimal`` with two places plus an ISO-4217 currency.

Lives in ``ledger`` because the ledger is the source of truth for amounts and imports nothing of
ours; other apps import these helpers from here. Floats never touch money.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.core.validators import MinValueValidator
from django.db import models

MAX_DIGITS = 18
DECIMAL_PLACES = 2
CENT = Decimal("0.01")
DEFAULT_CURRENCY = "CNY"
CURRENCY_CHOICES = [("CNY", "人民币 CNY")]


def quantize(value: Decimal | int | str) -> Decimal:
    """Round to whole fen (分), half up, as Chinese accounting does."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def amount_field(verbose_name: str, *, non_negative: bool = True, **kwargs) -> models.DecimalField:
    """A money amount column with the project-wide precision."""
    validators = [MinValueValidator(Decimal("0"))] if non_negative else []
    return models.DecimalField(
        verbose_name,
        max_digits=MAX_DIGITS,
        decimal_places=DECIMAL_PLACES,
        validators=validators,
        **kwargs,
    )


def currency_field() -> models.CharField:
    return models.CharField("币种", max_length=3, choices=CURRENCY_CHOICES, default=DEFAULT_CURRENCY)


def yuan(amount: Decimal | int | str | None) -> str:
    """¥1,234.00 as the admin reads amounts (the ledger's own screens; ``projects.formatting.yuan`` elsewhere);
    blank for zero, so a 科目余额表 shows only the figures that are there."""
    if amount is None or amount == "" or Decimal(amount) == 0:
        return ""
    return f"¥{Decimal(amount):,.2f}"
