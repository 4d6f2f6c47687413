"""银行对账 writes: import a statement (all lines or none), match and unmatch lines, record a gift from a line.

Rules:
- A statement belongs to one bank account: 1002 银行存款 or a sub-account of it.
- Every line has exactly one of 收入 and 支出; each line's 余额 is the previous line's 余额 + 收入 − 支出; dates do not
  go backwards and are not in the future; a 流水号 is imported once per account; a statement does not overlap one
  already imported for the account, and its opening balance continues the previous statement's closing balance
  (and its closing balance the next one's opening balance).
- 对方户名 and 对方账号 are stored encrypted with a keyed hash and a mask; nothing else keeps them.
- A match joins one line to one ledger transaction whose net amount on the line's account is the line's amount; the
  database refuses a second match of either (``BankLine.transaction`` is unique).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from finance.models_bank import BankLine, BankStatement, MatchKind
from ledger.chart import BANK
from ledger.models import Account, Leg, Transaction
from ledger.privacy import mask_name
from projects import sensitive

from .reconciliation import account_hash, match_lines, name_hash

ZERO = Decimal("0.00")
MATCH_BATCH = 5000


class BankError(ValidationError):
    pass


@dataclass(frozen=True)
class LineDraft:
    line: int  # the file's line number, for the messages
    booked_on: date
    income: Decimal | None
    expense: Decimal | None
    balance: Decimal
    reference: str
    summary: str = ""
    counterparty_name: str = ""
    counterparty_account: str = ""

    @property
    def amount(self) -> Decimal:
        return (self.income or ZERO) - (self.expense or ZERO)


def _account_lock(account_id: int) -> None:
    """Imports and matches of one bank account wait for each other (always the account first, then its lines)."""
    Account.objects.select_for_update().filter(pk=account_id).values_list("pk", flat=True).first()


def _line_locked(line: BankLine) -> BankLine:
    account_id = BankLine.objects.filter(pk=line.pk).values_list("account_id", flat=True).first()
    if account_id is None:
        raise BankError("该流水不存在。")
    _account_lock(account_id)
    return BankLine.objects.select_for_update().select_related("account").get(pk=line.pk)


def is_bank_account(account: Account) -> bool:
    return account.code == BANK or (account.parent_id is not None and account.parent.code == BANK)


def bank_account_for(code: str) -> Account | None:
    """The bank account named by ``code`` (1002 or one of its sub-accounts), or None."""
    account = Account.objects.select_related("parent").filter(code=code or BANK).first()
    return account if account is not None and is_bank_account(account) else None


def line_errors(draft: LineDraft) -> list[tuple[str, str]]:
    """(column, message) of one line on its own."""
    errors = []
    income, expense = draft.income or ZERO, draft.expense or ZERO
    if income < 0 or expense < 0:
        errors.append(("收入金额" if income < 0 else "支出金额", "金额不能为负数;支出请填在「支出金额」列。"))
    elif income > 0 and expense > 0:
        errors.append(("", "收入金额和支出金额只能填一个:一行是一笔收入或一笔支出。"))
    elif income == 0 and expense == 0:
        errors.append(("", "收入金额和支出金额都为空:请填写其中一个。"))
    if draft.booked_on > timezone.localdate():
        errors.append(("交易日期", "交易日期不能晚于今天。"))
    return errors


def statement_problems(account: Account, drafts: Sequence[LineDraft]) -> list[tuple[int, str, str]]:
    """Every problem of a statement as (file line, column, Chinese message): each line's own, the running balance,
    the order of dates, reused 流水号, and the fit with the statements already imported. A few queries."""
    from projects.selectors.lookups import in_chunks

    problems = [(d.line, column, message) for d in drafts for column, message in line_errors(d)]
    previous = None
    for draft in drafts:
        if previous is not None and previous.line == draft.line - 1:
            if draft.booked_on < previous.booked_on:
                problems.append(
                    (draft.line, "交易日期", f"交易日期早于上一行(第 {previous.line} 行),请按交易先后顺序排列。")
                )
            expected = previous.balance + draft.amount
            if expected != draft.balance:
                problems.append(
                    (
                        draft.line,
                        "余额",
                        f"余额不衔接:上一行(第 {previous.line} 行)余额 {previous.balance} + 收入"
                        f" {draft.income or ZERO} − 支出 {draft.expense or ZERO} = {expected},本行余额为"
                        f" {draft.balance}。请核对是否漏行或金额有误。",
                    )
                )
        previous = draft
    if not drafts:
        return problems
    reused = in_chunks(
        BankLine.objects.filter(account=account).select_related("statement"), "reference", (d.reference for d in drafts)
    )
    for draft in drafts:
        if (done := reused.get(draft.reference)) is not None:
            problems.append(
                (
                    draft.line,
                    "流水号",
                    f"流水号 {draft.reference} 已在 {done.statement} 的对账单中导入过(交易日期"
                    f" {done.booked_on:%Y-%m-%d}),同一笔银行流水不能重复导入。",
                )
            )
    first, last = drafts[0], drafts[-1]
    start, end = min(d.booked_on for d in drafts), max(d.booked_on for d in drafts)
    opening = first.balance - first.amount
    statements = BankStatement.objects.filter(account=account)
    overlap = statements.filter(period_start__lte=end, period_end__gte=start).order_by("period_start").first()
    if overlap is not None:
        problems.append(
            (
                first.line,
                "交易日期",
                f"本文件的交易日期 {start:%Y-%m-%d} ~ {end:%Y-%m-%d} 与已导入的对账单"
                f"({overlap.period_start:%Y-%m-%d} ~ {overlap.period_end:%Y-%m-%d})重叠。"
                "请只导入尚未导入的日期。",
            )
        )
        return problems
    before = statements.filter(period_end__lt=start).order_by("-period_end", "-id").first()
    if before is not None and before.closing_balance != opening:
        problems.append(
            (
                first.line,
                "余额",
                f"期初余额不衔接:上一份对账单({before.period_start:%Y-%m-%d} ~ {before.period_end:%Y-%m-%d})"
                f"期末余额为 {before.closing_balance},本文件第一行推算的期初余额为 {opening}。"
                "请核对是否缺少中间日期的流水。",
            )
        )
    after = statements.filter(period_start__gt=end).order_by("period_start", "id").first()
    if after is not None and after.opening_balance != last.balance:
        problems.append(
            (
                last.line,
                "余额",
                f"期末余额不衔接:下一份对账单({after.period_start:%Y-%m-%d} ~ {after.period_end:%Y-%m-%d})"
                f"期初余额为 {after.opening_balance},本文件最后一行余额为 {last.balance}。",
            )
        )
    return problems


def _line(statement: BankStatement, position: int, draft: LineDraft) -> BankLine:
    name = draft.counterparty_name.strip()
    number = sensitive.normalise("bank_account", draft.counterparty_account)
    return BankLine(
        statement=statement,
        account_id=statement.account_id,
        position=position,
        booked_on=draft.booked_on,
        summary=draft.summary.strip()[:200],
        income=draft.income or ZERO,
        expense=draft.expense or ZERO,
        balance=draft.balance,
        reference=draft.reference.strip(),
        counterparty_name_encrypted=sensitive.encrypt(name),
        counterparty_name_hash=name_hash(name),
        counterparty_name_masked=mask_name(name)[:40],
        counterparty_account_encrypted=sensitive.encrypt(number),
        counterparty_account_hash=account_hash(number),
        counterparty_account_masked=sensitive.mask("bank_account", number)[:40],
    )


def statement_import(
    *, account: Account, drafts: Sequence[LineDraft], user=None, file_name: str = "", auto_match: bool = True
) -> BankStatement:
    """Record a statement and its lines (and match them to the books) in one transaction, or raise ``BankError``
    with every problem and record nothing."""
    if not is_bank_account(account):
        raise BankError(f"科目 {account.code} 不是银行存款科目(1002 或其明细科目)。")
    if not drafts:
        raise BankError("对账单没有流水。")
    with transaction.atomic():
        _account_lock(account.pk)  # one import or matching of an account at a time
        problems = statement_problems(account, drafts)
        if problems:
            raise BankError([f"第 {ln} 行" + (f"「{col}」" if col else "") + f":{msg}" for ln, col, msg in problems])
        first, last = drafts[0], drafts[-1]
        statement = BankStatement.objects.create(
            account=account,
            period_start=min(d.booked_on for d in drafts),
            period_end=max(d.booked_on for d in drafts),
            opening_balance=first.balance - first.amount,
            closing_balance=last.balance,
            line_count=len(drafts),
            file_name=file_name[:200],
            imported_by=user,
        )
        lines = [_line(statement, position, draft) for position, draft in enumerate(drafts, start=1)]
        if auto_match:
            now = timezone.now()
            for line, txn, kind in match_lines(account, lines):
                line.transaction_id, line.match_kind, line.matched_at = txn, kind, now
        BankLine.objects.bulk_create(lines, batch_size=2000)
    return statement


def lines_auto_match(*, account: Account, lines: Sequence[BankLine] | None = None) -> int:
    """自动匹配 the account's unmatched lines (or those given); returns how many were matched."""
    with transaction.atomic():
        _account_lock(account.pk)
        if lines is None:
            lines = list(BankLine.objects.filter(account=account, transaction__isnull=True))
        found = match_lines(account, list(lines))
        now = timezone.now()
        changed = []
        for line, txn, kind in found:
            line.transaction_id, line.match_kind, line.matched_at, line.matched_by = txn, kind, now, None
            changed.append(line)
        _matches_write(changed)
    return len(changed)


def _matches_write(lines: list[BankLine]) -> None:
    """One ``executemany`` of a plain UPDATE by primary key (``bulk_update`` compiles a CASE per field and row, which
    cost seconds at 10,000 lines: docs/BENCHMARKS.md, "Bank reconciliation")."""
    if not lines:
        return
    table = connection.ops.quote_name(BankLine._meta.db_table)
    matched_at = BankLine._meta.get_field("matched_at")
    sql = (
        f"UPDATE {table} SET transaction_id = %s, match_kind = %s, matched_at = %s, matched_by_id = NULL"  # noqa: S608
        " WHERE id = %s"
    )
    rows = [
        (line.transaction_id, line.match_kind, matched_at.get_db_prep_save(line.matched_at, connection), line.pk)
        for line in lines
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), MATCH_BATCH):
            cursor.executemany(sql, rows[start : start + MATCH_BATCH])


def transaction_net(account: Account, txn: Transaction) -> Decimal:
    """The transaction's net on the account: + debit (money in), − credit (money out)."""
    net = ZERO
    for side, amount in Leg.objects.filter(transaction=txn, account=account).values_list("side", "amount"):
        net += amount if side == "D" else -amount
    return net


def line_match(*, line: BankLine, txn: Transaction, user=None) -> BankLine:
    """手工匹配: the line and the transaction must both be unmatched and agree in amount and direction."""
    with transaction.atomic():
        line = _line_locked(line)
        if line.transaction_id is not None:
            raise BankError(f"流水 {line.reference} 已匹配账本交易 #{line.transaction_id},请先取消匹配。")
        taken = BankLine.objects.filter(transaction=txn).first()
        if taken is not None:
            raise BankError(f"账本交易 #{txn.pk} 已匹配流水 {taken.reference},一笔交易只能匹配一条流水。")
        net = transaction_net(line.account, txn)
        if net == 0:
            raise BankError(f"账本交易 #{txn.pk} 没有记入科目 {line.account.code},不能与该流水匹配。")
        if net != line.amount:
            direction = "收入" if line.amount > 0 else "支出"
            raise BankError(
                f"金额不一致:流水为{direction} {abs(line.amount)} 元,账本交易 #{txn.pk} 在 {line.account.code}"
                f" 上为{'借方' if net > 0 else '贷方'} {abs(net)} 元。"
            )
        line.transaction, line.match_kind = txn, MatchKind.MANUAL
        line.matched_by, line.matched_at = user, timezone.now()
        line.save(update_fields=["transaction", "match_kind", "matched_by", "matched_at"])
    return line


def line_unmatch(*, line: BankLine, user=None) -> BankLine:
    """取消匹配."""
    with transaction.atomic():
        line = _line_locked(line)
        if line.transaction_id is None:
            raise BankError(f"流水 {line.reference} 尚未匹配,无需取消。")
        line.transaction, line.match_kind, line.matched_by, line.matched_at = None, "", user, timezone.now()
        line.save(update_fields=["transaction", "match_kind", "matched_by", "matched_at"])
    return line


def line_counterparty(line: BankLine) -> tuple[str, str]:
    """(对方户名, 对方账号) in clear — for the prefilled gift only, never for display."""
    return sensitive.decrypt(line.counterparty_name_encrypted), sensitive.decrypt(line.counterparty_account_encrypted)


def line_gift_received_at(line: BankLine) -> datetime:
    """Noon of the line's day, local time (as the importers read a date alone)."""
    return datetime.combine(line.booked_on, time(12), tzinfo=timezone.get_default_timezone())


def line_record_gift(
    *,
    line: BankLine,
    project=None,
    donor=None,
    display_name: str = "",
    is_anonymous: bool = False,
    received_at: datetime | None = None,
    submission_key: uuid.UUID | None = None,
    user=None,
):
    """登记为线下捐赠: an unmatched incoming line becomes a bank gift (amount, reference = 流水号, payer = 对方户名)
    through ``donations.services.offline``, matched to the line when it posts. A gift that waits for a second
    approval is matched by 自动匹配 once it posts (its 银行流水号 is the line's)."""
    from donations.models import Channel
    from donations.services.offline import OfflineGift, donation_record_offline

    with transaction.atomic():
        line = _line_locked(line)
        if line.transaction_id is not None:
            raise BankError(f"流水 {line.reference} 已匹配账本交易 #{line.transaction_id},不能再登记为捐赠。")
        if line.income <= 0:
            raise BankError("只有收入流水才能登记为线下捐赠。")
        if line.account.code != BANK:
            raise BankError(f"线下捐赠记入 {BANK} 银行存款;科目 {line.account.code} 的流水请用记账凭证登记。")
        payer, _number = line_counterparty(line)
        gift = OfflineGift(
            project=project,
            channel=Channel.BANK,
            amount=line.income,
            received_at=received_at or line_gift_received_at(line),
            donor=donor,
            display_name=display_name,
            is_anonymous=is_anonymous,
            bank_reference=line.reference,
            payer_name=payer[:100],
            submission_key=submission_key,
        )
        donation = donation_record_offline(gift=gift, recorded_by=user)
        if (
            donation.transaction_id is not None
            and not BankLine.objects.filter(transaction_id=donation.transaction_id).exists()
        ):
            line.transaction_id, line.match_kind = donation.transaction_id, MatchKind.GIFT
            line.matched_by, line.matched_at = user, timezone.now()
            line.save(update_fields=["transaction", "match_kind", "matched_by", "matched_at"])
    return donation
