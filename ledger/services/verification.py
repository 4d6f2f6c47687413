"""Full verification of the books and the log from the stored rows.

Rules checked, streaming (a million transactions never sit in memory at once, bar one 32-byte hash
per leaf for the interior-node check):
1. sequence numbers are gap-free from 0;
2. every transaction's public record equals the record rebuilt from its rows (legs, kind, times…);
3. every stored leaf hash is SHA-256(0x00 ‖ record) and every stored interior node is the hash of its
   children;
4. debits equal credits per currency in every transaction, with at least two legs;
5. the root of every published tree head matches, and its Ed25519 signature verifies;
6. every account's running totals and per-day totals equal the sums of its legs;
7. the chart holds together: an account's statement line belongs to its type (no income account feeding 货币资金),
   and a sub-account has its parent's type and statement line.
"""

from __future__ import annotations

import base64
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Sum

from ledger import merkle
from ledger.chart import RESTRICTED_NET_ASSETS, STANDARD_ACCOUNTS, UNRESTRICTED_NET_ASSETS, expected_fund_code
from ledger.models import Account, AccountDay, Leg, MerkleNode, Transaction, TreeHead
from ledger.records import build_record
from ledger.signing import public_key_bytes

CHUNK = 5000
ZERO = Decimal("0")


@dataclass
class VerificationReport:
    transactions: int = 0
    legs: int = 0
    tree_heads: int = 0
    interior_nodes: int = 0
    accounts: int = 0
    problems: list[str] = field(default_factory=list)
    first_bad: tuple[int, str] | None = None  # (leaf index, transaction id)

    @property
    def ok(self) -> bool:
        return not self.problems

    def fail(self, message: str, *, leaf: int | None = None, tx_id: str | None = None) -> None:
        if leaf is not None and self.first_bad is None:
            self.first_bad = (leaf, tx_id or "")
        if len(self.problems) < 1000:
            self.problems.append(message)


def ledger_verify() -> VerificationReport:
    report = VerificationReport()
    codes = dict(Account.objects.values_list("pk", "code"))
    heads = {}
    for head in TreeHead.objects.order_by("tree_size", "timestamp_ms"):
        heads.setdefault(head.tree_size, []).append(head)
    sums: dict[int, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    leaf_hashes = _check_transactions(report, codes, heads, sums)
    _check_interior_nodes(report, leaf_hashes)
    _check_tree_heads_signatures(report, heads)
    _check_totals(report, sums)
    _check_chart(report)
    return report


def _legs_by_transaction() -> Iterator[tuple[int, list[tuple]]]:
    rows = Leg.objects.order_by("transaction_id", "pk").values_list(
        "transaction_id", "account_id", "side", "amount", "currency"
    )
    current, legs = None, []
    for row in rows.iterator(chunk_size=CHUNK * 2):
        if row[0] != current and legs:
            yield current, legs
            legs = []
        current = row[0]
        legs.append(row[1:])
    if legs:
        yield current, legs


def _check_transactions(report, codes, heads, sums) -> list[bytes]:
    stored_leaves = MerkleNode.objects.filter(level=0).order_by("index").values_list("index", "hash")
    legs_iter, leaves_iter = _legs_by_transaction(), stored_leaves.iterator(chunk_size=CHUNK)
    next_legs, builder, leaf_hashes = next(legs_iter, None), merkle.TreeBuilder(), []
    for expected, (seq, uid, kind, occurred, recorded, reverses, text) in enumerate(_transaction_rows()):
        tx_id = uid
        if seq != expected:
            report.fail(f"sequence gap: expected leaf {expected}, found {seq}", leaf=expected, tx_id=tx_id)
            break
        legs = []
        while next_legs is not None and next_legs[0] < seq:
            report.fail(f"legs point at missing transaction {next_legs[0]}", leaf=seq, tx_id=tx_id)
            next_legs = next(legs_iter, None)
        if next_legs is not None and next_legs[0] == seq:
            legs, next_legs = next_legs[1], next(legs_iter, None)
        _check_balance(report, seq, tx_id, legs, sums)
        if not _record_matches_rows(report, seq, uid, kind, occurred, recorded, reverses, text, legs, codes):
            report.fail(f"leaf {seq} ({tx_id}): the rows differ from the public record", leaf=seq, tx_id=tx_id)
        digest = merkle.leaf_hash(text.encode("utf-8"))
        stored = next(leaves_iter, None)
        if stored is None or stored[0] != seq or bytes(stored[1]) != digest:
            report.fail(f"leaf {seq} ({tx_id}): stored leaf hash does not match the record", leaf=seq, tx_id=tx_id)
        builder.append(digest)
        leaf_hashes.append(digest)
        report.transactions += 1
        report.legs += len(legs)
        _check_roots_at(report, heads.get(builder.size, []), builder.root, seq, tx_id)
    if next(leaves_iter, None) is not None:
        report.fail("stored leaf hashes exist beyond the last transaction")
    for size in heads:
        if size > report.transactions:
            report.fail(f"tree head for size {size} exceeds the {report.transactions} transactions stored")
    if 0 in heads:
        _check_roots_at(report, heads[0], lambda: merkle.EMPTY_ROOT, None, None)
    return leaf_hashes


def _transaction_rows() -> Iterator[tuple]:
    """Every transaction in sequence order, timestamps already in the record's ISO-8601 UTC form and the
    id as text: formatting them in the database instead of loading datetimes and UUIDs into Python halves
    the per-row cost. Keyset pages keep memory flat on both databases."""
    table = connection.ops.quote_name(Transaction._meta.db_table)
    if connection.vendor == "postgresql":
        fmt = "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'"
        columns = (
            f"sequence, uuid::text, kind, to_char(occurred_at AT TIME ZONE 'UTC', {fmt}), "
            f"to_char(recorded_at AT TIME ZONE 'UTC', {fmt}), reverses_id, record"
        )
    else:
        columns = (
            "sequence, uuid, kind, strftime('%%Y-%%m-%%dT%%H:%%M:%%SZ', occurred_at), "
            "strftime('%%Y-%%m-%%dT%%H:%%M:%%SZ', recorded_at), reverses_id, record"
        )
    sql = f"SELECT {columns} FROM {table} WHERE sequence >= %s ORDER BY sequence LIMIT {CHUNK}"  # noqa: S608
    after = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(sql, [after])
            rows = cursor.fetchall()
        for seq, uid, *rest in rows:
            yield (seq, _dashed(uid), *rest)
        if len(rows) < CHUNK:
            return
        after = rows[-1][0] + 1


def _dashed(uid: str) -> str:
    """SQLite stores a UUID as 32 hex digits; the record shows the dashed form."""
    if len(uid) == 32:
        return f"{uid[:8]}-{uid[8:12]}-{uid[12:16]}-{uid[16:20]}-{uid[20:]}"
    return uid


def _check_roots_at(report, heads_here, root_fn, seq, tx_id) -> None:
    if not heads_here:
        return
    root = root_fn()
    for head in heads_here:
        report.tree_heads += 1
        if bytes(head.root_hash) != root:
            report.fail(
                f"tree head size {head.tree_size} (timestamp {head.timestamp_ms}): root does not match the leaves",
                leaf=seq,
                tx_id=tx_id,
            )


def _record_matches_rows(report, seq, uid, kind, occurred, recorded, reverses, text, legs, codes) -> bool:
    """Does the stored public record say what the rows say? Compared as parsed JSON: re-serialising a
    million records canonically cost a third of the run, and the leaf-hash check already binds the bytes."""
    try:
        stored = json.loads(text)
        details = stored["details"]
    except (ValueError, KeyError, TypeError):
        report.fail(f"leaf {seq} ({uid}): public record is not valid JSON", leaf=seq, tx_id=str(uid))
        return True
    record = build_record(
        sequence=seq,
        uuid=str(uid),
        kind=kind,
        occurred_at=occurred,
        recorded_at=recorded,
        legs=[(codes.get(account, "?"), side, amount, currency) for account, side, amount, currency in legs],
        details=details,
        reverses=reverses,
    )
    return record == stored


def _check_balance(report, seq, tx_id, legs, sums) -> None:
    per_currency: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for account, side, amount, currency in legs:
        signed = amount if side == "D" else -amount
        per_currency[currency] += signed
        sums[account][0 if side == "D" else 1] += amount
    if len(legs) < 2:
        report.fail(f"leaf {seq} ({tx_id}): fewer than two legs", leaf=seq, tx_id=tx_id)
    for currency, net in per_currency.items():
        if net != 0:
            report.fail(f"leaf {seq} ({tx_id}): debits and credits differ by {net} {currency}", leaf=seq, tx_id=tx_id)


def _check_interior_nodes(report, leaf_hashes: list[bytes]) -> None:
    """Rebuild every complete subtree level by level and compare with the stored nodes."""
    level_hashes, level = leaf_hashes, 0
    while len(level_hashes) >= 2:
        level += 1
        computed = [merkle.node_hash(level_hashes[i], level_hashes[i + 1]) for i in range(0, len(level_hashes) - 1, 2)]
        stored = MerkleNode.objects.filter(level=level).order_by("index").values_list("index", "hash")
        count = 0
        for index, digest in stored.iterator(chunk_size=CHUNK):
            count += 1
            if index >= len(computed) or bytes(digest) != computed[index]:
                first_leaf = index << level
                report.fail(
                    f"interior node (level {level}, index {index}) does not match its children",
                    leaf=first_leaf,
                    tx_id=None,
                )
        if count != len(computed):
            report.fail(f"level {level}: {count} stored nodes, {len(computed)} expected")
        report.interior_nodes += count
        level_hashes = computed


def _check_tree_heads_signatures(report, heads) -> None:
    """Each signature must verify, and with a key we trust: the configured signing key or one listed in
    LEDGER_TRUSTED_PUBLIC_KEYS (earlier keys, after a rotation). A head re-signed with a stranger's key and
    that key written beside it would otherwise pass."""
    trusted = trusted_public_keys()
    for size_heads in heads.values():
        for head in size_heads:
            where = f"tree head size {head.tree_size} (timestamp {head.timestamp_ms})"
            if bytes(head.public_key) not in trusted:
                report.fail(f"{where}: signed with a key that is not trusted")
            message = merkle.tree_head_signature_input(head.timestamp_ms, head.tree_size, bytes(head.root_hash))
            try:
                Ed25519PublicKey.from_public_bytes(bytes(head.public_key)).verify(bytes(head.signature), message)
            except (InvalidSignature, ValueError):
                report.fail(f"{where}: bad signature")


def trusted_public_keys() -> set[bytes]:
    keys = {base64.b64decode(key) for key in settings.LEDGER_TRUSTED_PUBLIC_KEYS}
    try:
        keys.add(public_key_bytes())
    except ImproperlyConfigured:
        pass  # no signing key on this machine: only the listed keys are trusted
    return keys


def _check_totals(report, sums) -> None:
    days = {
        row["account"]: (row["d"] or ZERO, row["c"] or ZERO)
        for row in AccountDay.objects.values("account").annotate(d=Sum("debit"), c=Sum("credit"))
    }
    for account_id, code, fund_code, debit_total, credit_total in Account.objects.values_list(
        "pk", "code", "fund_code", "debit_total", "credit_total"
    ):
        report.accounts += 1
        if fund_code != expected_fund_code(code) and not (fund_code == "" and code[:4] in NET_ASSET_PARENTS):
            # a 3101.xx / 3102.xx added by hand before funds had net-asset accounts is not a fund's
            report.fail(f"account {code}: fund code {fund_code!r} does not match the chart of accounts")
        debit, credit = sums.get(account_id, [ZERO, ZERO])
        if (debit, credit) != (debit_total, credit_total):
            report.fail(f"account {code}: running totals {debit_total}/{credit_total} ≠ legs {debit}/{credit}")
        day_d, day_c = days.get(account_id, (ZERO, ZERO))
        if (Decimal(day_d).quantize(Decimal("0.01")), Decimal(day_c).quantize(Decimal("0.01"))) != (debit, credit):
            report.fail(f"account {code}: per-day totals {day_d}/{day_c} ≠ legs {debit}/{credit}")


NET_ASSET_PARENTS = (UNRESTRICTED_NET_ASSETS, RESTRICTED_NET_ASSETS)
LINE_TYPES = {spec.line: spec.type for spec in STANDARD_ACCOUNTS}


def _check_chart(report) -> None:
    accounts = {row[0]: row for row in Account.objects.values_list("pk", "code", "type", "statement_line", "parent_id")}
    for _pk, code, type_, line, parent_id in accounts.values():
        if line and LINE_TYPES.get(line) != type_:
            report.fail(f"account {code}: statement line {line!r} is not a line for {type_} accounts")
        parent = accounts.get(parent_id)
        if parent is not None and (parent[2], parent[3]) != (type_, line):
            report.fail(f"account {code}: type or statement line differs from its parent {parent[1]}")
