"""民生监察: audit checks over the beneficiary registry and disbursements, and the watch list they use.

``audit_run`` is a read (selector): each check is one or a few grouped queries over the whole table, never one
query per row, and returns ``Finding`` rows that name people only by masked name, masked ID number and masked
bank account (张*三, 3703**********123X, ****5678) with the primary keys of the rows concerned. A finding is a
question for a person to answer (a guardian may rightly receive for two siblings), not a verdict.

Checks that read payments look at the year of the real payment date (``paid_on``; for a row not yet paid, its
planned date) when a year is given, else at every year; whether a payment fell inside its enrolment is judged by
the planned date, which is the period it pays for; the registry checks (shared bank accounts, the watch list)
always look at the whole registry.

``watch_list_import`` is the one write here: the watch list (监察名单) stores keyed hashes of ID numbers only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from ledger.models.accounts import AccountType
from projects import sensitive
from projects.models import (
    Beneficiary,
    Disbursement,
    DisbursementBatch,
    DisbursementStatus,
    Enrolment,
    Project,
    WatchListEntry,
)
from projects.selectors import project_funding_many

HIGH, MEDIUM = "high", "medium"
SEVERITY_LABELS = {HIGH: "高", MEDIUM: "中"}
# An approval round that ended in approval: the row was approved, then perhaps paid and later reversed.
SIGNED_OFF = (DisbursementStatus.APPROVED, DisbursementStatus.PAID, DisbursementStatus.REVERSED)


@dataclass(frozen=True)
class Finding:
    """One thing for an auditor to look at. ``detail`` is one Chinese line with masked personal data only."""

    check: str
    title: str
    detail: str
    severity: str
    beneficiaries: tuple[int, ...] = ()
    disbursements: tuple[int, ...] = ()
    batches: tuple[int, ...] = ()

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABELS[self.severity]

    def as_dict(self) -> dict:
        return {**asdict(self), "severity_label": self.severity_label}


@dataclass(frozen=True)
class Check:
    code: str
    title: str
    severity: str
    rule: str  # the rule in one Chinese sentence, for the admin report
    run: Callable[[int | None, date], list[Finding]]

    def finding(self, detail: str, **refs: Sequence[int]) -> Finding:
        return Finding(self.code, self.title, detail, self.severity, **{k: tuple(sorted(v)) for k, v in refs.items()})


def yuan(amount: Decimal) -> str:
    return f"¥{amount:,.2f}"


def person(beneficiary: Beneficiary) -> str:
    return f"{beneficiary.masked_name}(身份证 {beneficiary.id_number_masked})"


def _in_year(queryset: QuerySet, year: int | None) -> QuerySet:
    if year is None:
        return queryset
    return queryset.filter(Q(paid_on__year=year) | Q(paid_on__isnull=True, disbursed_on__year=year))


def _paid(year: int | None) -> QuerySet:
    return _in_year(Disbursement.objects.filter(status=DisbursementStatus.PAID), year)


def multi_project(year: int | None, today: date) -> list[Finding]:
    """同一人多项目受助: one person (by ID-number hash) received paid, not reversed, disbursements from two or more
    projects in one calendar year, totalling strictly more than ``settings.AUDIT_MULTI_PROJECT_YEARLY_TOTAL``."""
    limit = settings.AUDIT_MULTI_PROJECT_YEARLY_TOTAL
    groups = {
        (row["beneficiary__id_number_hash"], row["paid_on__year"]): row["total"]
        for row in _paid(year)
        .values("beneficiary__id_number_hash", "paid_on__year")
        .annotate(projects=Count("project_id", distinct=True), total=Sum("amount"))
        .filter(projects__gte=2, total__gt=limit)
    }
    rows = defaultdict(list)
    for d in (
        _paid(year)
        .filter(beneficiary__id_number_hash__in={h for h, _ in groups})
        .select_related("beneficiary", "project")
        .order_by("beneficiary_id", "paid_on", "pk")
    ):
        key = (d.beneficiary.id_number_hash, d.paid_on.year)
        if key in groups:
            rows[key].append(d)
    findings = []
    for key, items in sorted(rows.items(), key=lambda kv: (kv[0][1], kv[1][0].beneficiary_id)):
        names = "、".join(dict.fromkeys(d.project.name for d in items))
        findings.append(
            CHECKS["multi_project"].finding(
                f"{person(items[0].beneficiary)}{key[1]} 年从 {len(set(d.project_id for d in items))} 个项目"
                f"({names})获得已支付拨付 {len(items)} 笔,合计 {yuan(groups[key])},超过 {yuan(limit)}。",
                beneficiaries={d.beneficiary_id for d in items},
                disbursements=[d.pk for d in items],
            )
        )
    return findings


def shared_bank_account(year: int | None, today: date) -> list[Finding]:
    """多人共用银行账号: one bank account (same non-empty keyed hash) registered for two or more beneficiaries.
    A registry check: the year does not apply."""
    shared = (
        Beneficiary.objects.exclude(bank_account_hash="")
        .values("bank_account_hash")
        .annotate(people=Count("id"))
        .filter(people__gte=2)
        .values("bank_account_hash")
    )
    by_account = defaultdict(list)
    for b in Beneficiary.objects.filter(bank_account_hash__in=Subquery(shared)).order_by("bank_account_hash", "pk"):
        by_account[b.bank_account_hash].append(b)
    return [
        CHECKS["shared_bank_account"].finding(
            f"银行账号 {people[0].bank_account_masked} 登记在 {len(people)} 名受助人名下:"
            f"{'、'.join(person(b) for b in people)}。请核实是否为监护人代收。",
            beneficiaries=[b.pk for b in people],
        )
        for people in sorted(by_account.values(), key=lambda people: people[0].pk)
    ]


def watch_list(year: int | None, today: date) -> list[Finding]:
    """监察名单人员受助: a beneficiary whose ID-number hash is on the watch list (e.g. staff and their relatives),
    with the list's label, what they were paid (in the year, if given) and how many enrolments are active today.
    A registry check: every such beneficiary is reported, paid or not."""
    paid = Q(disbursements__status=DisbursementStatus.PAID)
    if year is not None:
        paid &= Q(disbursements__paid_on__year=year)
    labels = WatchListEntry.objects.filter(id_number_hash=OuterRef("id_number_hash")).values("label")[:1]
    listed = list(
        Beneficiary.objects.filter(id_number_hash__in=WatchListEntry.objects.values("id_number_hash"))
        .annotate(label=Subquery(labels), paid_count=Count("disbursements", filter=paid))
        .annotate(paid_total=Sum("disbursements__amount", filter=paid))
        .order_by("pk")
    )
    active = dict(
        Enrolment.objects.filter(beneficiary__in=listed, start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .values("beneficiary_id")
        .annotate(n=Count("id"))
        .values_list("beneficiary_id", "n")
    )
    period = f"{year} 年" if year is not None else "历年"
    return [
        CHECKS["watch_list"].finding(
            f"{person(b)}在监察名单「{b.label}」中;{period}已支付拨付 {b.paid_count} 笔,"
            f"合计 {yuan(b.paid_total or Decimal('0'))};截至 {today} 有 {active.get(b.pk, 0)} 个有效项目登记。",
            beneficiaries=[b.pk],
        )
        for b in listed
    ]


def outside_enrolment(year: int | None, today: date) -> list[Finding]:
    """登记期外支付: a paid disbursement dated after its enrolment's end date or before its start date."""
    outside = Q(disbursed_on__gt=F("enrolment__end_date")) | Q(disbursed_on__lt=F("enrolment__start_date"))
    findings = []
    for d in (
        _paid(year).filter(outside).select_related("beneficiary", "project", "enrolment").order_by("disbursed_on", "pk")
    ):
        enrolment = d.enrolment
        when = (
            f"早于项目登记开始日期 {enrolment.start_date}"
            if d.disbursed_on < enrolment.start_date
            else f"晚于项目登记结束日期 {enrolment.end_date}"
        )
        findings.append(
            CHECKS["outside_enrolment"].finding(
                f"{d.project.name}:{person(d.beneficiary)}的拨付 {yuan(d.amount)}(编号 {d.pk})"
                f"计划支付日期 {d.disbursed_on},{when}。",
                beneficiaries=[d.beneficiary_id],
                disbursements=[d.pk],
            )
        )
    return findings


def _with_round_approvals(queryset: QuerySet) -> QuerySet:
    """Annotate the sign-offs of the round that was approved: distinct approvers, and approvals by the row's maker
    or submitter (as recorded on the row, or as copied onto the approval)."""
    in_round = Q(approvals__round=F("submission_round"))
    own = in_round & (
        Q(approvals__approver=F("created_by"))
        | Q(approvals__approver=F("submitted_by"))
        | Q(approvals__approver=F("approvals__maker"))
        | Q(approvals__approver=F("approvals__submitter"))
    )
    return (
        queryset.filter(status__in=SIGNED_OFF)
        .annotate(approvers=Count("approvals__approver", distinct=True, filter=in_round))
        .annotate(own_approvals=Count("approvals", filter=own))
        .filter(Q(own_approvals__gt=0) | Q(approvers__lt=F("required_approvals")))
        .select_related("project")
        .order_by("disbursed_on", "pk")
    )


def _maker_checker_problem(row) -> str:
    problems = []
    if row.own_approvals:
        problems.append("审批人包含经办人或提交人")
    if row.approvers < row.required_approvals:
        problems.append(f"审批人 {row.approvers} 人,少于所需 {row.required_approvals} 人")
    return f"第 {row.submission_round} 轮审批" + "、".join(problems) + "。"


def maker_checker(year: int | None, today: date) -> list[Finding]:
    """审批不合规: a disbursement (not in a batch: a batch is approved as one) or a batch that was approved, paid
    or reversed, whose approvals in the round that approved it include its maker or submitter, or come from
    fewer distinct approvers than its ``required_approvals``. The database refuses the first on insert, but
    imported data or a dropped constraint would not."""
    check = CHECKS["maker_checker"]
    single = _in_year(Disbursement.objects.filter(batch__isnull=True), year).select_related("beneficiary")
    findings = [
        check.finding(
            f"{d.project.name}:拨付(编号 {d.pk},{person(d.beneficiary)},{yuan(d.amount)})" + _maker_checker_problem(d),
            beneficiaries=[d.beneficiary_id],
            disbursements=[d.pk],
        )
        for d in _with_round_approvals(single)
    ]
    findings += [
        check.finding(f"{b.project.name}:批次「{b.title}」(编号 {b.pk})" + _maker_checker_problem(b), batches=[b.pk])
        for b in _with_round_approvals(_in_year(DisbursementBatch.objects.all(), year))
    ]
    return findings


def ledger_mismatch(year: int | None, today: date) -> list[Finding]:
    """拨付与账本不符: a paid disbursement with no ledger transaction, or whose transaction's debit to its own
    project's expense account (业务活动成本) does not equal its amount (a leg on another fund counts as missing)."""
    expense = Q(
        transaction__legs__side="D",
        transaction__legs__account__type=AccountType.EXPENSE,
        transaction__legs__account__fund_code=F("project__code"),
    )
    rows = (
        _paid(year)
        .annotate(ledger_amount=Sum("transaction__legs__amount", filter=expense))
        .filter(Q(transaction__isnull=True) | Q(ledger_amount__isnull=True) | ~Q(ledger_amount=F("amount")))
        .select_related("beneficiary", "project")
        .order_by("disbursed_on", "pk")
    )
    findings = []
    for d in rows:
        if d.transaction_id is None:
            problem = "已支付但没有账本交易"
        elif d.ledger_amount is None:
            problem = f"账本交易 #{d.transaction_id} 中没有本项目的支出分录"
        else:
            problem = f"账本交易 #{d.transaction_id} 的支出分录为 {yuan(Decimal(d.ledger_amount))},与拨付金额不符"
        findings.append(
            CHECKS["ledger_mismatch"].finding(
                f"{d.project.name}:拨付(编号 {d.pk},{person(d.beneficiary)},{yuan(d.amount)},"
                f"{d.disbursed_on}){problem}。",
                beneficiaries=[d.beneficiary_id],
                disbursements=[d.pk],
            )
        )
    return findings


def fund_overdrawn(year: int | None, today: date) -> list[Finding]:
    """定向基金透支: a restricted project whose available (raised − paid − approved but unpaid) is below zero —
    approvals and payments cannot cause it (they are guarded), but a refund or a reversed gift after an approval
    can. Two grouped queries for every restricted project (``project_funding_many``); the year does not apply."""
    projects = list(Project.objects.filter(is_restricted=True).order_by("code"))
    funding = project_funding_many(projects)
    return [
        CHECKS["fund_overdrawn"].finding(
            f"{p.name}({p.code}):可用余额 {yuan(funding[p.pk].available)}(已筹 {yuan(funding[p.pk].raised)},"
            f"已支出 {yuan(funding[p.pk].spent)},已审批待支付 {yuan(funding[p.pk].committed)})。"
        )
        for p in projects
        if funding[p.pk].available < 0
    ]


CHECKS: dict[str, Check] = {
    check.code: check
    for check in (
        Check(
            "multi_project",
            "同一人多项目受助超额",
            MEDIUM,
            "同一人(按身份证号)同一年度从两个及以上项目获得已支付拨付,合计超过监察金额。",
            multi_project,
        ),
        Check(
            "shared_bank_account",
            "多人共用银行账号",
            MEDIUM,
            "同一银行账号登记在两名及以上受助人名下。",
            shared_bank_account,
        ),
        Check("watch_list", "监察名单人员受助", HIGH, "受助人在监察名单中(如工作人员及其亲属)。", watch_list),
        Check(
            "outside_enrolment",
            "登记期外支付",
            HIGH,
            "已支付拨付的支付日期早于项目登记开始日期或晚于结束日期。",
            outside_enrolment,
        ),
        Check(
            "maker_checker",
            "审批不合规(经办与审批未分离)",
            HIGH,
            "已审批的拨付或批次,审批人包含经办人或提交人,或审批人数少于所需人数。",
            maker_checker,
        ),
        Check(
            "ledger_mismatch",
            "拨付与账本不符",
            HIGH,
            "已支付拨付没有账本交易,或账本中本项目支出分录金额与拨付金额不符。",
            ledger_mismatch,
        ),
        Check(
            "fund_overdrawn",
            "定向基金透支",
            HIGH,
            "定向项目的可用余额(已筹 − 已支出 − 已审批待支付)低于零,通常因审批后发生退款或捐赠冲正。",
            fund_overdrawn,
        ),
    )
}


def audit_run(*, year: int | None = None, today: date | None = None) -> list[Finding]:
    """Every check, in the order of ``CHECKS``; ``year`` limits the payment checks to that calendar year."""
    today = today or timezone.localdate()
    return [finding for check in CHECKS.values() for finding in check.run(year, today)]


def audit_years() -> list[int]:
    """The years that have disbursements, newest first (for the report's year selector)."""
    years = {d.year for field in ("paid_on", "disbursed_on") for d in Disbursement.objects.dates(field, "year")}
    return sorted(years, reverse=True)


@dataclass(frozen=True)
class WatchListImport:
    added: int
    already_listed: int


@transaction.atomic
def watch_list_import(*, id_numbers: Sequence[tuple[int, str]], label: str) -> WatchListImport:
    """导入监察名单: ``id_numbers`` are (line number, ID number) pairs. Every number must pass the 居民身份证号
    checksum, else nothing is stored and ``ValidationError`` lists the bad lines (by number, never the value).
    Only the keyed hash is stored; a number already on the list is left as it is, so importing twice adds
    nothing."""
    label = label.strip()
    errors = [] if label else ["请填写名单类别(--label)。"]
    errors += [f"第 {line} 行:{error}" for line, value in id_numbers if (error := sensitive.id_number_errors(value))]
    if errors:
        raise ValidationError(errors)
    hashes = {sensitive.keyed_hash("id_number", value) for _, value in id_numbers}
    existing = set(WatchListEntry.objects.filter(id_number_hash__in=hashes).values_list("id_number_hash", flat=True))
    WatchListEntry.objects.bulk_create(
        [WatchListEntry(id_number_hash=h, label=label) for h in sorted(hashes - existing)], ignore_conflicts=True
    )
    return WatchListImport(added=len(hashes - existing), already_listed=len(existing))
