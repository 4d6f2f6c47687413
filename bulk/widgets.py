"""Columns and their cell parsers (django-import-export ``Field`` and ``Widget``), with Chinese errors.

A widget's ``clean`` turns one cell into a Python value or raises ``ValueError`` whose message staff read next to
the row and the column. The stock widgets guess locale formats, query the database per row (ForeignKeyWidget) and
speak English; these are strict, cheap (a 100,000-row import calls them a million times) and never query.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from functools import cached_property

from django.core.exceptions import ValidationError
from django.utils import timezone
from import_export import fields, widgets

BLANK = ("", None)
INF = float("inf")


class Column(fields.Field):
    """A spreadsheet column: its Chinese header, whether it must be filled, and a hint for the template."""

    def __init__(
        self, attribute: str, header: str, widget: widgets.Widget, *, required=False, hint="", example="", aliases=()
    ):
        super().__init__(attribute=attribute, column_name=header, widget=widget)
        self.required = required
        self.aliases = tuple(aliases)
        self.hint = hint
        self.example = example

    def parse(self, raw: object) -> object:
        """The cell's value (``None`` when blank), or ``ValueError`` with a Chinese message."""
        if raw in BLANK or (isinstance(raw, str) and not raw.strip()):
            if self.required:
                raise ValueError("必填,不能为空。")
            return None
        return self.widget.clean(raw)


class TextWidget(widgets.Widget):
    def __init__(self, max_length: int = 200):
        super().__init__()
        self.max_length = max_length

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # an account or serial number Excel stored as a number
        if isinstance(value, (datetime, date, time)):
            raise ValueError("应为文字,不是日期。")
        text = str(value).strip()
        if len(text) > self.max_length:
            raise ValueError(f"太长(最多 {self.max_length} 个字符)。")
        return text

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class AmountWidget(widgets.Widget):
    """A positive amount in 元 with at most two decimals. Excel's float 100.1 becomes Decimal('100.1') via its
    shortest repr, never via the binary fraction; "1,000.00", "¥100" and "100元" are accepted."""

    def __init__(self, *, positive=True, places=2, digits=15):
        super().__init__()
        self.positive = positive
        self.quantum = Decimal(1).scaleb(-places)
        self.places = places
        self.digits = digits  # whole-number digits the database column holds
        self.ceiling = Decimal(10) ** digits

    def clean(self, value, row=None, **kwargs):
        kind = type(value)
        if kind is float:
            if value != value or value in (INF, -INF):
                raise ValueError("应为数字。")
            return self._checked(Decimal(repr(value)), value)
        if kind is int:
            return self._checked(Decimal(value), value)
        if kind is bool or isinstance(value, (datetime, date)):
            raise ValueError("应为数字。")
        text = str(value).strip().replace(",", "").replace(",", "").removeprefix("¥").removeprefix("¥")
        text = text.removesuffix("元").strip()
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"「{_show(value)}」不是数字。") from None
        if not amount.is_finite():
            raise ValueError(f"「{_show(value)}」不是数字。")
        return self._checked(amount, value)

    def _checked(self, amount: Decimal, value: object) -> Decimal:
        if self.positive and amount <= 0:
            raise ValueError("必须大于 0。")
        # copy_abs, not abs(): abs() rounds in the context and raises Overflow for "1e999999999"
        if amount.copy_abs() >= self.ceiling or amount != amount.quantize(self.quantum):
            raise ValueError(f"最多 {self.places} 位小数,且不超过 {self.digits} 位整数。")
        return amount.quantize(self.quantum)


class DateWidget(widgets.Widget):
    """A date: an Excel date cell, or text 2025-01-31, 2025/1/31, 2025.1.31, 20250131 or 2025年1月31日."""

    PATTERN = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$|^(\d{4})(\d{2})(\d{2})$")

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        text = str(value).strip().split(" ")[0].split("T")[0]
        if isinstance(value, float) and value.is_integer():
            text = str(int(value))
        match = self.PATTERN.match(text)
        if not match:
            raise ValueError(f"「{_show(value)}」不是日期,请写成 2025-01-31。")
        year, month, day = (int(g) for g in (match.group(1, 2, 3) if match.group(1) else match.group(4, 5, 6)))
        try:
            return date(year, month, day)
        except ValueError:
            raise ValueError(f"「{_show(value)}」不是有效日期。") from None


class DateTimeWidget(DateWidget):
    """A moment in local time (Asia/Shanghai): a date alone means noon of that day, so the local day is right
    whatever the time zone; text "2025-01-31 14:05" is read too."""

    TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")

    def clean(self, value, row=None, **kwargs):
        day_only = False
        if isinstance(value, datetime):
            moment = value
        else:
            day = super().clean(value)
            moment = datetime.combine(day, time(12))
            day_only = True
            parts = str(value).strip().replace("T", " ").split(" ")
            if not isinstance(value, date) and len(parts) > 1 and parts[1]:
                day_only = False
                match = self.TIME.match(parts[1])
                if not match:
                    raise ValueError(f"「{_show(value)}」的时间部分无法识别,请写成 2025-01-31 14:05。")
                hour, minute, second = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
                if hour > 23 or minute > 59 or second > 59:
                    raise ValueError(f"「{_show(value)}」的时间无效。")
                moment = datetime.combine(day, time(hour, minute, second))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.zone)  # zoneinfo: replace() is correct, fold included
        if day_only:
            now = timezone.now()
            if moment > now and moment.date() == now.astimezone(self.zone).date():
                moment = now  # today's statement read before noon: received by now, not "in the future"
        return moment

    @cached_property
    def zone(self):
        return timezone.get_default_timezone()


class ChoiceWidget(widgets.Widget):
    """One of a set of Chinese labels (or the stored value itself); the error lists what is allowed."""

    def __init__(self, choices, aliases: dict[str, str] | None = None):
        super().__init__()
        self.by_label = {str(label): value for value, label in choices}
        self.by_label.update({value: value for value, _label in choices})
        self.by_label.update(aliases or {})
        self.labels = [str(label) for _value, label in choices]

    def clean(self, value, row=None, **kwargs):
        text = "".join(str(value).split())
        try:
            return self.by_label[text]
        except KeyError:
            raise ValueError(f"「{_show(value)}」不是可选值,应为:{'、'.join(self.labels)}。") from None

    def render(self, value, obj=None, **kwargs):
        labels = {v: label for label, v in self.by_label.items() if label in self.labels}
        return labels.get(value, value or "")


class YesNoWidget(widgets.Widget):
    TRUE = {"是", "y", "yes", "true", "1", "同意", "公开", "√"}
    FALSE = {"否", "n", "no", "false", "0", "不同意", "不公开", "×"}

    def clean(self, value, row=None, **kwargs):
        text = str(value).strip().lower()
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            text = str(int(value)) if float(value).is_integer() else text
        if isinstance(value, bool):
            return value
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValueError(f"「{_show(value)}」应填「是」或「否」。")

    def render(self, value, obj=None, **kwargs):
        return "是" if value else "否"


class ValidatorWidget(TextWidget):
    """Text checked by one of the project's Django validators (credit code, mobile number), whose Chinese message
    becomes the cell's error; ``clean`` normalises the text first (e.g. "+86 138-0000-0000" → "13800000000")."""

    def __init__(self, validator, max_length: int, *, upper=False, clean=None):
        super().__init__(max_length)
        self.validator, self.upper, self.normalise = validator, upper, clean

    def clean(self, value, row=None, **kwargs):
        text = super().clean(value)
        text = text.upper() if self.upper else text
        if self.normalise:
            text = self.normalise(text)
        try:
            self.validator(text)
        except ValidationError as error:
            raise ValueError(error.messages[0]) from None
        return text


class CodeWidget(TextWidget):
    """An identifier (project code, receipt serial, bank reference): letters, digits and - _ / . only."""

    PATTERN = re.compile(r"^[0-9A-Za-z][0-9A-Za-z\-_/.]*$")

    def __init__(self, max_length: int = 64, upper=False):
        super().__init__(max_length)
        self.upper = upper

    def clean(self, value, row=None, **kwargs):
        text = super().clean(value)
        text = text.upper() if self.upper else text
        if not self.PATTERN.match(text):
            raise ValueError(f"「{_show(value)}」含有不允许的字符(只能是字母、数字和 - _ / .)。")
        return text


def mobile_digits(value: str) -> str:
    """"+86 138-0000-0000" → "13800000000": the form a donor's phone is hashed and searched in."""
    digits = value.replace(" ", "").replace("-", "")
    return digits[3:] if digits.startswith("+86") else digits


def _show(value: object, limit: int = 30) -> str:
    text = str(value).replace("\n", " ").replace("\r", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"
