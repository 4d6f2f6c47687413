"""自动匹配: which ledger transaction on a bank account records the same movement as each bank line.

Set-based: a handful of queries for any number of lines (the candidates of the lines' date window, the gifts named by
the lines' references, the disbursements among the candidates), then matching in memory. A transaction matches at most
one line and a line at most one transaction; a match always has the line's amount, signed (money in ↔ the
transaction's net debit on the account).

Passes, in order:
1. 线下捐赠 by reference: a received bank gift whose 银行流水号 is the line's 流水号, or a word of its 摘要.
2. Everything else by amount and date (± ``BANK_MATCH_DAYS``, default 3), the nearest day first: a disbursement paid
   by bank (its payee compared by keyed hash with the line's 对方户名 / 对方账号: a payee that agrees wins, one that
   disagrees is never matched), a Stripe payout (``stripe-payout:<id>``), a posted voucher (``voucher:<id>``).
Reversed transactions and reversals are left to staff (they cancel in the books, the bank never saw them).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from finance.models_bank import BankLine, MatchKind
from ledger.models import Account, Leg
from projects import sensitive

TOKEN = re.compile(r"[A-Za-z0-9]{6,64}")


def match_days() -> int:
    return int(getattr(settings, "BANK_MATCH_DAYS", 3))


def name_hash(name: str) -> str:
    return sensitive.keyed_hash("name", name)


def account_hash(number: str) -> str:
    return sensitive.keyed_hash("bank_account", number)


@dataclass(slots=True)
class Candidate:
    transaction_id: int
    day: date
    amount: Decimal  # net on the account: + debit (money in), − credit (money out)
    kind: str
    names: frozenset[str] = field(default_factory=frozenset)  # the payee's keyed name hashes
    accounts: frozenset[str] = field(default_factory=frozenset)  # the payee's keyed account hashes
    used: bool = False


def local_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    zone = timezone.get_default_timezone()
    return (
        datetime.combine(first, time.min, tzinfo=zone),
        datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone),
    )


def _kind_of(source: str) -> str | None:
    if source.startswith("stripe-payout:") and not source.endswith(":failed"):
        return MatchKind.PAYOUT
    if source.startswith("voucher:"):
        return MatchKind.VOUCHER
    if source.startswith("disbursement:") and not source.endswith(":reversal"):
        return MatchKind.DISBURSEMENT
    return None


def candidates(account: Account, first: date, last: date) -> list[Candidate]:
    """Unmatched, unreversed transactions on ``account`` dated ``first``…``last`` (local days) that the amount pass
    may match: disbursements, payouts and vouchers. Two queries."""
    from projects.models import Disbursement, DisbursementStatus, Payee, PaymentMethod

    lo, hi = local_bounds(first, last)
    legs = Leg.objects.filter(
        account=account,
        transaction__occurred_at__gte=lo,
        transaction__occurred_at__lt=hi,
        transaction__bank_line__isnull=True,
        transaction__reverses__isnull=True,
        transaction__reversal__isnull=True,
    ).values_list("transaction_id", "side", "amount", "transaction__occurred_at", "transaction__source")
    net: dict[int, Decimal] = defaultdict(Decimal)
    info: dict[int, tuple[date, str]] = {}
    zone = timezone.get_default_timezone()
    for txn, side, amount, occurred, source in legs.iterator(chunk_size=5000):
        kind = _kind_of(source)
        if kind is None:
            continue
        net[txn] += amount if side == "D" else -amount
        info[txn] = (timezone.localtime(occurred, zone).date(), kind)
    payees: dict[int, tuple[frozenset, frozenset]] = {}
    if any(kind == MatchKind.DISBURSEMENT for _, kind in info.values()):
        rows = Disbursement.objects.filter(
            method=PaymentMethod.BANK,
            status=DisbursementStatus.PAID,
            transaction__legs__account=account,
            transaction__occurred_at__gte=lo,
            transaction__occurred_at__lt=hi,
            transaction__bank_line__isnull=True,
        ).values_list("transaction_id", "payee", "payee_name", "beneficiary__name", "beneficiary__bank_account_hash")
        for txn, payee, payee_name, person, person_account in rows.iterator(chunk_size=5000):
            if payee == Payee.BENEFICIARY:
                names = {name_hash(person)}
                accounts = {person_account} if person_account else set()
            elif payee == Payee.GUARDIAN:
                names, accounts = set(), set()
            else:
                names, accounts = {name_hash(payee_name)} if payee_name else set(), set()
            payees[txn] = (frozenset(n for n in names if n), frozenset(accounts))
    found = []
    for txn, amount in net.items():
        if amount == 0:
            continue
        day, kind = info[txn]
        if kind == MatchKind.DISBURSEMENT and txn not in payees:
            continue  # not a paid bank disbursement (a cash one, a reversed one): left to staff
        names, accounts = payees.get(txn, (frozenset(), frozenset()))
        found.append(Candidate(txn, day, amount, kind, names, accounts))
    return found


def gifts_by_reference(account: Account, lines: list[BankLine]) -> dict[str, tuple[int, Decimal]]:
    """{bank reference: (transaction id, amount)} of the received, unmatched bank gifts named by the lines' 流水号 or
    a word of their 摘要. One query (the references travel as one parameter). Gifts post to 1002 itself."""
    from donations.models import Channel, Donation, DonationStatus
    from ledger.chart import BANK
    from projects.selectors.lookups import in_chunks

    if account.code != BANK:
        return {}
    words = set()
    for line in lines:
        if line.income > 0:
            words.add(line.reference)
            words.update(TOKEN.findall(line.summary))
    gifts = Donation.objects.filter(
        channel=Channel.BANK,
        status=DonationStatus.SUCCEEDED,
        transaction__isnull=False,
        transaction__bank_line__isnull=True,
    ).only("bank_reference", "transaction_id", "amount")
    return {ref: (g.transaction_id, g.amount) for ref, g in in_chunks(gifts, "bank_reference", words).items()}


def _payee_rank(line: BankLine, candidate: Candidate) -> int | None:
    """0: the payee agrees; 1: nothing to compare; None: it disagrees."""
    names = {line.counterparty_name_hash} - {""}
    accounts = {line.counterparty_account_hash} - {""}
    if (names & candidate.names) or (accounts & candidate.accounts):
        return 0
    if (names and candidate.names) or (accounts and candidate.accounts):
        return None
    return 1


def match_lines(account: Account, lines: list[BankLine]) -> list[tuple[BankLine, int, str]]:
    """(line, transaction id, match kind) for the lines that can be matched; lines already matched are skipped."""
    lines = sorted((ln for ln in lines if ln.transaction_id is None), key=lambda ln: (ln.booked_on, ln.position))
    if not lines:
        return []
    found: list[tuple[BankLine, int, str]] = []
    taken: set[int] = set()
    rest = []
    gifts = gifts_by_reference(account, lines)
    for line in lines:
        hit = None
        if line.income > 0:
            for word in (line.reference, *TOKEN.findall(line.summary)):
                gift = gifts.get(word)
                if gift and gift[1] == line.income and gift[0] not in taken:
                    hit = gift[0]
                    break
        if hit is not None:
            taken.add(hit)
            found.append((line, hit, MatchKind.GIFT))
        else:
            rest.append(line)
    if not rest:
        return found
    days = match_days()
    pool = candidates(account, rest[0].booked_on - timedelta(days=days), rest[-1].booked_on + timedelta(days=days))
    by_amount: dict[Decimal, list[Candidate]] = defaultdict(list)
    for candidate in pool:
        if candidate.transaction_id not in taken:
            by_amount[candidate.amount].append(candidate)
    for line in rest:
        best, best_key = None, None
        for candidate in by_amount.get(line.amount, ()):
            if candidate.used:
                continue
            gap = abs((candidate.day - line.booked_on).days)
            if gap > days:
                continue
            rank = _payee_rank(line, candidate) if candidate.kind == MatchKind.DISBURSEMENT else 1
            if rank is None:
                continue
            key = (rank, gap, candidate.transaction_id)
            if best_key is None or key < best_key:
                best, best_key = candidate, key
        if best is not None:
            best.used = True
            found.append((line, best.transaction_id, best.kind))
    return found
