"""The demo organisation's own books for one year (the demo year): what a county 慈善总会 pays and receives besides
gifts and grants, so the statements of the annual report have real numbers in them.

Everything goes through the services staff use: sub-accounts through ``ledger.services.accounts.subaccount_create``;
every entry is a voucher (记账凭证) drafted and submitted by 财务 (caiwu) and approved by a different person of
审核人 (shenhe; above ``VOUCHER_DUAL_APPROVAL_AMOUNT`` also shenhe2), so the vouchers are numbered 记-YYYY-MM-NNNN
in posting order; the unrestricted 慈善一日捐 is an offline gift recorded by 财务 and confirmed (复核) by 审核人.

The demo year is today's calendar year, using only the months that have ended (the ledger refuses future dates);
in January, when none has, it is the whole of last year. Per month (figures from a fixed seed, so a month's
figures never change between runs):

- 工资: accrued in total on the month's last day (Dr 5201.01 工资福利 / Cr 2204 应付工资, ¥38,000 plus a small
  performance part, 5 staff, never per person) and paid on the 10th of the next month (Dr 2204 / Cr 1002) when
  that month has ended too — the last month's salaries stay in 应付工资, as on a real balance sheet;
- 房租 ¥6,000 on the 5th (5201.03), 办公费 about ¥1,200–2,800 on the 18th (5201.02);
- a 固定资产 purchase in February (1501, ¥36,000 of computers and printers) and straight-line 折旧 over three
  years from the next month (Dr 5201.04 折旧费 / Cr 1502 累计折旧, ¥1,000 a month);
- 会费 ¥30,000 in March (4201), 政府补助 ¥200,000 in April (4401), bank interest on each quarter's 21st (4901);
- 宣传推广费 (5301.02 under 筹资费用, whose own legs stay the processor fees) in May and September;
- the 慈善一日捐 of the county's offices in June: ¥420,000 to the general fund (4101.U, 非限定性), so salaries and
  rent are paid from unrestricted money and 非限定性净资产 stays positive.

Idempotent: each voucher carries a ``演示账套:`` key in its internal notes (内部备注, never public) and the gift a
fixed submission key; what exists is skipped. Local use only, like the demo staff it needs (``demo_staff_allowed``).

The parts of the issue other work delivers have hooks below (``load_bank_statement``, ``close_demo_project``,
``close_demo_month``); each returns without doing anything until its service exists and is wired in.
"""

from __future__ import annotations

import random
import uuid
from calendar import monthrange
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from donations.models import Channel, Donation, DonationStatus
from donations.services.offline import OfflineGift, donation_confirm_offline, donation_record_offline
from finance.models import BankStatement, Voucher
from finance.services import VoucherDraft, VoucherLineDraft, voucher_approve, voucher_create, voucher_submit
from finance.services.bank import LineDraft, statement_import
from finance.services.reconciliation import local_bounds
from ledger.chart import chart_ensure
from ledger.models import Account, Leg
from ledger.selectors import account_balance
from ledger.selectors.periods import next_to_close
from ledger.services.accounts import subaccount_create
from ledger.services.periods import period_approve, period_close_request
from projects.models import ClosureDecision, ClosureStatus, Project, ProjectClosure
from projects.models import Status as ProjectStatus
from projects.services.closure import closure_approve, closure_propose

KEY_PREFIX = "演示账套:"
SUBACCOUNTS = [  # (parent, suffix, name)
    ("5201", "01", "工资福利"),
    ("5201", "02", "办公费"),
    ("5201", "03", "房租"),
    ("5201", "04", "折旧费"),
    ("5301", "02", "宣传推广费"),
]
SALARIES, RENT, OFFICE = "5201.01", "5201.03", "5201.02"
DEPRECIATION_COST, PUBLICITY = "5201.04", "5301.02"
BANK, WAGES_PAYABLE, FIXED_ASSETS, ACCUMULATED_DEPRECIATION = "1002", "2204", "1501", "1502"
DUES, SUBSIDY, OTHER_INCOME = "4201", "4401", "4901"

STAFF = 5
MONTHLY_SALARIES = Decimal("38000.00")
MONTHLY_RENT = Decimal("6000.00")
ASSET_MONTH, ASSET_COST, ASSET_LIFE_MONTHS = 2, Decimal("36000.00"), 36
DUES_MONTH, DUES_AMOUNT = 3, Decimal("30000.00")
SUBSIDY_MONTH, SUBSIDY_AMOUNT = 4, Decimal("200000.00")
INTEREST_MONTHS = (3, 6, 9, 12)
CLOSED_PROJECT, LEFTOVER_TARGET = "AXFM", "LSJZ"  # 爱心复明 closes into 临时救助
BANK_CHARGE = Decimal("30.00")  # the bank's 账户管理费 on the demo statement, not yet in the books
PUBLICITY_SPEND = {5: ("慈善一日捐宣传册印制", Decimal("3200.00")), 9: ("99公益日宣传物料制作", Decimal("8600.00"))}
ONE_DAY_GIFT_MONTH, ONE_DAY_GIFT_DAY, ONE_DAY_GIFT = 6, 28, Decimal("420000.00")


@dataclass(frozen=True)
class Entry:
    key: str  # 演示账套:<year>-<month>:<what>, the voucher's internal note (内部备注)
    day: date
    template: str
    summary: str
    lines: tuple[VoucherLineDraft, ...]


def demo_year(today: date | None = None) -> tuple[int, list[int]]:
    """The demo year and its months that have ended: this year's until last month, or in January all of last year."""
    today = today or timezone.localdate()
    if today.month == 1:
        return today.year - 1, list(range(1, 13))
    return today.year, list(range(1, today.month))


def _line(account: str, side: str, amount: Decimal, summary: str) -> VoucherLineDraft:
    return VoucherLineDraft(account=account, side=side, amount=amount, summary=summary)


def _pair(debit: str, credit: str, amount: Decimal, debit_summary: str, credit_summary: str):
    return (_line(debit, "D", amount, debit_summary), _line(credit, "C", amount, credit_summary))


def _cents(value: float) -> Decimal:
    return Decimal(str(round(value, 2))).quantize(Decimal("0.01"))


def demo_entries(year: int, months: list[int]) -> list[Entry]:
    """Every entry of the demo year's ended months, in date order (the order they post and are numbered in)."""
    rng = random.Random(f"charity-demo-organisation-books-{year}")  # noqa: S311 - demo figures, not secrets
    performance = {m: Decimal(rng.choice([0, 0, 600, 1200, 1800])) for m in range(1, 13)}
    office = {m: _cents(rng.uniform(1200, 2800)) for m in range(1, 13)}
    interest = {m: _cents(rng.uniform(1800, 3600)) for m in INTEREST_MONTHS}
    ended = set(months)
    entries: list[Entry] = []

    def add(month: int, day: int, what: str, template: str, summary: str, lines) -> None:
        entries.append(Entry(f"{KEY_PREFIX}{year}-{month:02d}:{what}", date(year, month, day), template, summary,
                             tuple(lines)))  # fmt: skip

    for month in months:
        last = monthrange(year, month)[1]
        add(month, 5, "房租", "rent", f"支付{month}月办公场所房租",
            _pair(RENT, BANK, MONTHLY_RENT, "办公场所房租", "银行支付房租"))  # fmt: skip
        if month - 1 in ended:
            paid = MONTHLY_SALARIES + performance[month - 1]
            add(month, 10, "发放工资", "", f"发放{month - 1}月工资(合计)",
                _pair(WAGES_PAYABLE, BANK, paid, "发放上月工资合计", "银行代发工资"))  # fmt: skip
        if month == ASSET_MONTH:
            add(month, 12, "购置资产", "asset", "购置办公电脑及打印设备",
                _pair(FIXED_ASSETS, BANK, ASSET_COST, "办公电脑及打印设备", "银行支付购置款"))  # fmt: skip
        if month == DUES_MONTH:
            add(month, 16, "会费", "dues", f"收到{year}年度会员单位会费",
                _pair(BANK, DUES, DUES_AMOUNT, "会费到账", "会费收入"))  # fmt: skip
        if month == SUBSIDY_MONTH:
            add(month, 16, "政府补助", "subsidy", "收到县民政局慈善事业发展补助资金",
                _pair(BANK, SUBSIDY, SUBSIDY_AMOUNT, "政府补助到账", "政府补助收入"))  # fmt: skip
        if month in PUBLICITY_SPEND:
            what, amount = PUBLICITY_SPEND[month]
            add(month, 8, "宣传费", "", what, _pair(PUBLICITY, BANK, amount, what, "银行支付宣传费"))
        add(month, 18, "办公费", "", f"{month}月办公用品及水电费",
            _pair(OFFICE, BANK, office[month], "办公用品及水电费", "银行支付办公费"))  # fmt: skip
        if month in INTEREST_MONTHS:
            add(month, 21, "利息", "interest", f"第{(month + 2) // 3}季度银行存款利息",
                _pair(BANK, OTHER_INCOME, interest[month], "银行存款利息", "利息收入"))  # fmt: skip
        if month > ASSET_MONTH:
            amount = (ASSET_COST / ASSET_LIFE_MONTHS).quantize(Decimal("0.01"))
            add(month, last, "折旧", "depreciation", f"计提{month}月固定资产折旧",
                _pair(DEPRECIATION_COST, ACCUMULATED_DEPRECIATION, amount, "本月折旧", "累计折旧"))  # fmt: skip
        add(month, last, "计提工资", "salary", f"计提{month}月工资({STAFF}人合计)",
            _pair(SALARIES, WAGES_PAYABLE, MONTHLY_SALARIES + performance[month], "本月工资合计",
                  "应付本月工资合计"))  # fmt: skip
    return sorted(entries, key=lambda e: e.day)  # stable: same-day entries keep the order above


def subaccounts_ensure() -> list[str]:
    """The sub-accounts the demo's vouchers use, added as staff add them; returns the codes added now."""
    chart_ensure()
    added = []
    for parent_code, suffix, name in SUBACCOUNTS:
        if not Account.objects.filter(code=f"{parent_code}.{suffix}").exists():
            subaccount_create(parent=Account.objects.get(code=parent_code), suffix=suffix, name=name)
            added.append(f"{parent_code}.{suffix}")
    return added


def post_organisation_books(users: dict, add: Callable[[str], None], today: date | None = None) -> int:
    """Post the demo year's entries that are missing; returns how many vouchers were posted by this call."""
    year, months = demo_year(today)
    if added := subaccounts_ensure():
        add(f"sub-accounts {', '.join(added)}")
    maker, checkers = users["caiwu"], [users["shenhe"], users["shenhe2"]]
    entries = demo_entries(year, months)
    done = set(Voucher.objects.filter(notes__startswith=KEY_PREFIX).values_list("notes", flat=True))
    posted, gift_day = 0, date(year, ONE_DAY_GIFT_MONTH, ONE_DAY_GIFT_DAY)
    for entry in entries:
        if entry.day > gift_day and ONE_DAY_GIFT_MONTH in months:
            _one_day_gift(year, users, add)  # in date order with the vouchers; once (its submission key)
        if entry.key in done:
            continue
        draft = VoucherDraft(entry.day, entry.summary, entry.lines, notes=entry.key, template=entry.template)
        voucher = voucher_submit(voucher=voucher_create(draft=draft, user=maker), user=maker)
        for checker in checkers[: voucher.required_approvals]:
            voucher_approve(voucher=voucher, user=checker)
        posted += 1
    if ONE_DAY_GIFT_MONTH in months:
        _one_day_gift(year, users, add)
    if posted:
        add(f"{posted} vouchers of the demo organisation's {year} books")
    return posted


def one_day_gift_key(year: int) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"charity-demo/organisation-books/{year}/one-day-gift")


def _one_day_gift(year: int, users: dict, add: Callable[[str], None]) -> None:
    """慈善一日捐 of the county's offices, unrestricted (the general fund): recorded by 财务, confirmed by 审核人."""
    key = one_day_gift_key(year)
    if Donation.objects.filter(idempotency_key=key).exists():
        return
    received = timezone.make_aware(datetime.combine(date(year, ONE_DAY_GIFT_MONTH, ONE_DAY_GIFT_DAY), time(10)))
    gift = OfflineGift(
        project=None,
        channel=Channel.BANK,
        amount=ONE_DAY_GIFT,
        received_at=received,
        display_name="县直机关单位慈善一日捐(演示)",
        bank_reference=f"DEMO{year}YRJ0001",
        submission_key=key,
    )
    donation = donation_record_offline(gift=gift, recorded_by=users["caiwu"])
    if donation.status == DonationStatus.AWAITING_CONFIRMATION:
        donation_confirm_offline(donation=donation, user=users["shenhe"])
    add(f"慈善一日捐 ¥{ONE_DAY_GIFT:,} to the general fund")


# -- hooks for the parts of issue 12 that other work delivers ---------------------------------------------------


def load_bank_statement(users: dict, add: Callable[[str], None], today: date | None = None) -> None:
    """The bank's statement of 1002 for the demo year's last ended month, imported and matched (银行对账).

    Built from the month's postings on 1002 as the bank would list them, except two reconciling items the 银行存款余额
    调节表 must show and balance out: the month's last payment, a transfer the bank books on the 1st of the next
    month (企业已付银行未付), and a bank charge the books do not have yet (银行已付企业未付). Gifts carry their 银行
    流水号, so they match by reference; the rest match by amount and date. Once per account and month."""
    year, months = demo_year(today)
    if not months:
        return
    month = months[-1]
    bank = Account.objects.get(code=BANK)
    first, last = date(year, month, 1), date(year, month, monthrange(year, month)[1])
    if BankStatement.objects.filter(account=bank, period_start__lte=last, period_end__gte=first).exists():
        return
    start, end = local_bounds(first, last)
    legs = list(
        Leg.objects.filter(account=bank, transaction__occurred_at__gte=start, transaction__occurred_at__lt=end)
        .select_related("transaction")
        .order_by("transaction__occurred_at", "transaction__sequence")
    )
    if not legs:
        return
    references = dict(
        Donation.objects.filter(transaction__in=[leg.transaction_id for leg in legs], bank_reference__isnull=False)
        .values_list("transaction_id", "bank_reference")
    )
    payments = [leg for leg in legs if leg.side == "C"]
    in_transit = payments[-1].transaction_id if payments else None
    balance = account_balance(bank, at=first - timedelta(days=1))
    drafts: list[LineDraft] = []

    def line(day: date, amount: Decimal, reference: str, summary: str) -> None:
        nonlocal balance
        balance += amount
        income, expense = (amount, None) if amount > 0 else (None, -amount)
        drafts.append(LineDraft(len(drafts) + 2, day, income, expense, balance, reference, summary))

    for leg in legs:
        if leg.transaction_id == in_transit:
            continue
        amount = leg.amount if leg.side == "D" else -leg.amount
        day = timezone.localtime(leg.transaction.occurred_at).date()
        reference = references.get(leg.transaction_id) or f"DEMO{day:%Y%m%d}{leg.transaction_id:06d}"
        line(day, amount, reference, "转账收入" if amount > 0 else "转账支出")
    line(last, -BANK_CHARGE, f"DEMO{last:%Y%m%d}FEE01", "账户管理费")
    statement = statement_import(account=bank, drafts=drafts, user=users["caiwu"], file_name="演示对账单.xlsx")
    add(f"bank statement {year}-{month:02d}: {statement.line_count} lines")


def close_demo_project(users: dict, add: Callable[[str], None]) -> None:
    """爱心复明 (AXFM) ended in April 2023 with money left: 财务 proposes 结项 with the leftover transferred to 临时救助
    (LSJZ), as its fundraising plan names, and a 审核人 approves, which posts the transfer. Once."""
    project = Project.objects.filter(code=CLOSED_PROJECT).first()
    target = Project.objects.filter(code=LEFTOVER_TARGET).first()
    if project is None or target is None or project.status == ProjectStatus.CLOSED:
        return
    closure = ProjectClosure.objects.filter(project=project, status=ClosureStatus.PROPOSED).first()
    if closure is None:
        closure = closure_propose(
            project=project,
            user=users["caiwu"],
            decision=ClosureDecision.TRANSFER,
            target=target,
            reason="项目执行期已满,受助对象均已完成手术",
            basis="依据募捐方案第 5 条",
        )
    if closure.status == ClosureStatus.PROPOSED:
        closure_approve(closure=closure, user=users["shenhe"])
    add(f"结项 {project.code}: leftover to {target.code}")


def close_demo_month(users: dict, add: Callable[[str], None], today: date | None = None) -> None:
    """The books closed (结账) through December of the year before the demo year, month by month as the rules
    require: each month's restriction releases, each December's year-end closing (结转), requested by 财务 and
    approved by a 审核人. Runs last, after every demo posting dated in those months; the demo year stays open."""
    year, _months = demo_year(today)
    last = date(year - 1, 12, 1)
    closed = 0
    while (month := next_to_close()) is not None and month <= last:
        period_close_request(month=month, user=users["caiwu"])
        period_approve(month=month, user=users["shenhe"])
        closed += 1
    if closed:
        add(f"{closed} months closed, through {last:%Y-%m}")


def load_organisation_books(users: dict, add: Callable[[str], None], today: date | None = None) -> None:
    """The demo year's books, then the hooks, in the order they depend on each other."""
    post_organisation_books(users, add, today)
    load_bank_statement(users, add, today)
    close_demo_project(users, add)
    close_demo_month(users, add, today)
