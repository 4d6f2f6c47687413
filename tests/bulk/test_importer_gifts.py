"""The offline-gift importer (线下捐赠): each row one gift, posted to the ledger exactly once, idempotent across
re-imports and against gifts typed in by hand, donors found or created once, the payer's name kept private, bulk
queries only, and all-or-nothing even when the database refuses at the last moment."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from bulk.engine import Action, import_run
from bulk.files import table_read
from bulk.importers.gifts import GiftImporter
from donations.models import Channel, Donation, Donor, DonorKind, NameReview
from donations.services import OfflineGift, donation_record_offline
from ledger.merkle import donor_commitment
from ledger.models import Leg, Transaction
from tests.bulk.conftest import gift_row, gift_sheet

pytestmark = pytest.mark.django_db

CREDIT_CODE = "91350100M000100Y43"


def legs(transaction: Transaction) -> dict[tuple[str, str], Decimal]:
    return {(leg.account.code, leg.side): leg.amount for leg in Leg.objects.filter(transaction=transaction)}


def imported(run_import, path, **kwargs):
    result = run_import("gifts", path, **kwargs)
    assert result.imported, result.error_messages()
    return result


def three_channels():
    return gift_sheet(
        gift_row(**{"银行流水号": "BK-0001", "金额(元)": "1000.00", "付款人": "厦门某某公司", "公开署名": "某公司"}),
        gift_row(**{"捐赠方式": "现金", "银行流水号": "", "金额(元)": "200", "凭证号": "XJ-7", "项目编号": ""}),
        gift_row(
            **{
                "捐赠方式": "物资捐赠",
                "银行流水号": "",
                "金额(元)": "3000.5",
                "物资名称": "大米",
                "数量": "100",
                "单位": "袋",
                "估值依据": "发票",
                "到账日期": "2025-03-02 09:30",
            }
        ),
    )


# --- each channel, its ledger posting -----------------------------------------------------------------------


def test_bank_cash_and_in_kind_rows_each_post_one_ledger_transaction(project, write_xlsx, run_import, finance):
    result = imported(run_import, write_xlsx(three_channels()), user=finance)
    assert result.counts == {"new": 3, "update": 0, "skip": 0, "error": 0}
    bank = Donation.objects.get(channel=Channel.BANK)
    cash = Donation.objects.get(channel=Channel.CASH)
    goods = Donation.objects.get(channel=Channel.IN_KIND)
    assert Transaction.objects.count() == 3
    for gift in (bank, cash, goods):
        assert gift.status == "succeeded" and gift.recorded_by == finance
        assert gift.transaction.source == f"donation:{gift.public_id}"
        assert Transaction.objects.filter(source=f"donation:{gift.public_id}").count() == 1
    assert legs(bank.transaction) == {("1002", "D"): Decimal("1000.00"), ("4101.XT100", "C"): Decimal("1000.00")}
    assert legs(cash.transaction) == {("1001", "D"): Decimal("200.00"), ("4101.U", "C"): Decimal("200.00")}
    assert legs(goods.transaction) == {("1201", "D"): Decimal("3000.50"), ("4101.XT100", "C"): Decimal("3000.50")}
    assert (bank.bank_reference, bank.project, cash.project) == ("BK-0001", project, None)
    assert (goods.in_kind_description, goods.in_kind_quantity, goods.in_kind_unit) == ("大米", Decimal("100"), "袋")
    assert goods.valuation_basis == "invoice"
    assert goods.received_at == datetime(2025, 3, 2, 1, 30, tzinfo=UTC)  # 09:30 in Shanghai
    assert [row.note for row in result.rows] == [f"已入账:回执 {g.receipt_serial}" for g in (bank, cash, goods)]


def test_the_unrestricted_fund_is_general_income(project, write_csv, run_import):
    imported(run_import, write_csv(gift_sheet(gift_row(**{"项目编号": ""}))))
    gift = Donation.objects.get()
    assert legs(gift.transaction) == {("1002", "D"): Decimal("100.00"), ("4101.U", "C"): Decimal("100.00")}


def test_receipt_serials_follow_the_date_received_not_the_file_order(project, write_csv, run_import):
    rows = [
        gift_row(**{"银行流水号": "BK-C", "到账日期": "2025-03-05"}),
        gift_row(**{"银行流水号": "BK-A", "到账日期": "2025-03-01"}),
        gift_row(**{"银行流水号": "BK-P", "到账日期": "2024-12-31"}),
        gift_row(**{"银行流水号": "BK-B", "到账日期": "2025-03-03"}),
    ]
    imported(run_import, write_csv(gift_sheet(*rows)))
    serials = dict(Donation.objects.values_list("bank_reference", "receipt_serial"))
    assert serials == {
        "BK-P": "JZ2024-000001",
        "BK-A": "JZ2025-000001",
        "BK-B": "JZ2025-000002",
        "BK-C": "JZ2025-000003",
    }


def test_serials_continue_after_gifts_recorded_by_hand(project, write_csv, run_import):
    by_hand = _record_by_hand(project, "BK-HAND", "50.00")
    assert by_hand.receipt_serial == "JZ2025-000001"
    imported(run_import, write_csv(gift_sheet(gift_row(**{"银行流水号": "BK-NEW"}))))
    assert Donation.objects.get(bank_reference="BK-NEW").receipt_serial == "JZ2025-000002"


# --- idempotency --------------------------------------------------------------------------------------------


def test_the_same_file_again_skips_every_row(project, write_xlsx, run_import):
    path = write_xlsx(three_channels())
    first = imported(run_import, path)
    gifts = {g.pk: g.receipt_serial for g in Donation.objects.all()}
    by_line = {
        2: Donation.objects.get(channel=Channel.BANK).pk,
        3: Donation.objects.get(channel=Channel.CASH).pk,
        4: Donation.objects.get(channel=Channel.IN_KIND).pk,
    }
    transactions = Transaction.objects.count()
    donors = Donor.objects.count()
    for dry_run in (True, False):
        again = run_import("gifts", path, dry_run=dry_run)
        assert not again.has_errors
        assert again.counts == {"new": 0, "update": 0, "skip": 3, "error": 0}
        assert [row.target.pk for row in again.rows] == [by_line[row.line] for row in first.rows]
        assert all(row.note.startswith("已登记:回执 JZ2025-") for row in again.rows)
    assert {g.pk: g.receipt_serial for g in Donation.objects.all()} == gifts
    assert Transaction.objects.count() == transactions and Donor.objects.count() == donors


def test_a_file_with_new_rows_added_imports_only_those(project, write_csv, run_import):
    rows = [gift_row(**{"银行流水号": f"BK{i}"}) for i in range(3)]
    imported(run_import, write_csv(gift_sheet(*rows)))
    more = imported(run_import, write_csv(gift_sheet(*rows, gift_row(**{"银行流水号": "BK9"})), "more.csv"))
    assert [row.action for row in more.rows] == [Action.SKIP] * 3 + [Action.NEW]
    assert Donation.objects.count() == 4 and Transaction.objects.count() == 4


def test_a_cash_row_without_voucher_is_recognised_by_its_content(project, write_csv, run_import):
    row = gift_row(**{"捐赠方式": "现金", "银行流水号": "", "付款人": "王五"})
    path = write_csv(gift_sheet(row))
    imported(run_import, path)
    assert run_import("gifts", path).counts["skip"] == 1
    changed = write_csv(gift_sheet(gift_row(**{"捐赠方式": "现金", "银行流水号": "", "付款人": "王六"})), "b.csv")
    assert run_import("gifts", changed).counts["new"] == 1  # another row: another gift


def _record_by_hand(project, reference: str, amount: str) -> Donation:
    return donation_record_offline(
        gift=OfflineGift(
            project=project,
            channel=Channel.BANK,
            amount=Decimal(amount),
            received_at=datetime(2025, 3, 1, 4, tzinfo=UTC),
            bank_reference=reference,
        )
    )


def test_a_reference_recorded_by_hand_with_the_same_amount_is_skipped(project, write_csv, run_import):
    by_hand = _record_by_hand(project, "BK-HAND", "100.00")
    result = imported(run_import, write_csv(gift_sheet(gift_row(**{"银行流水号": "BK-HAND", "金额(元)": "100"}))))
    (row,) = result.rows
    assert row.action == Action.SKIP and row.target.pk == by_hand.pk
    assert row.note == f"已登记:回执 {by_hand.receipt_serial}"
    assert Donation.objects.count() == 1 and Transaction.objects.count() == 1


def test_a_reference_recorded_by_hand_with_another_amount_is_an_error(
    project, write_csv, run_import, db_counts, assert_unchanged
):
    by_hand = _record_by_hand(project, "BK-HAND", "100.00")
    rows = [gift_row(**{"银行流水号": "BK-OK"}), gift_row(**{"银行流水号": "BK-HAND", "金额(元)": "1000"})]
    before = db_counts()
    result = run_import("gifts", write_csv(gift_sheet(*rows)))
    assert not result.imported
    assert result.error_messages() == [
        f"第 3 行「银行流水号」:已登记为回执 {by_hand.receipt_serial}(金额 100.00 元),与本行金额 1000.00 元不一致。"
        "请核对;如需更正,请先冲正原记录。"
    ]
    assert_unchanged(before)


# --- donors -------------------------------------------------------------------------------------------------


def test_donors_are_linked_or_created_once_by_credit_code_or_phone(project, write_csv, run_import):
    known = Donor(kind=DonorKind.INDIVIDUAL, name="老李", phone="13900000002")
    known.hashes_refresh()
    known.save()
    rows = [
        gift_row(**{"银行流水号": "BK1", "付款人": "厦门某某公司", "统一社会信用代码": CREDIT_CODE}),
        gift_row(**{"银行流水号": "BK2", "付款人": "某某公司(简称)", "统一社会信用代码": CREDIT_CODE.lower()}),
        gift_row(**{"银行流水号": "BK3", "付款人": "张三", "手机号": "13800000001"}),
        gift_row(**{"银行流水号": "BK4", "付款人": "张三", "手机号": "+86 138-0000-0001"}),
        gift_row(**{"银行流水号": "BK5", "付款人": "李四", "手机号": "139 0000 0002"}),
        gift_row(**{"银行流水号": "BK6", "付款人": "无名氏"}),
    ]
    path = write_csv(gift_sheet(*rows))
    imported(run_import, path)
    assert Donor.objects.count() == 3  # the company and 张三 created once each; 李四 is 老李, already on record
    company = Donor.objects.get(credit_code=CREDIT_CODE)
    assert (company.kind, company.name) == (DonorKind.ORGANISATION, "厦门某某公司")  # named by its first row
    by_reference = {g.bank_reference: g for g in Donation.objects.select_related("donor")}
    assert by_reference["BK1"].donor == by_reference["BK2"].donor == company
    assert by_reference["BK3"].donor == by_reference["BK4"].donor
    assert by_reference["BK3"].donor.phone == "13800000001" and by_reference["BK3"].donor.name == "张三"
    assert by_reference["BK5"].donor == known
    assert by_reference["BK6"].donor is None and by_reference["BK6"].payer_name == "无名氏"
    imported(run_import, path)
    assert Donor.objects.count() == 3


def test_the_payer_name_and_contacts_never_reach_the_public_ledger(project, write_csv, run_import):
    rows = [
        gift_row(**{"银行流水号": "BK1", "付款人": "秘密付款人", "手机号": "13800000001", "公开署名": ""}),
        gift_row(
            **{"银行流水号": "BK2", "付款人": "保密公司", "统一社会信用代码": CREDIT_CODE, "公开署名": "爱心企业"}
        ),
        gift_row(**{"银行流水号": "BK3", "付款人": "电话署名人", "公开署名": "13900000009"}),
    ]
    imported(run_import, write_csv(gift_sheet(*rows)))
    records = {
        g.bank_reference: json.loads(g.transaction.record) for g in Donation.objects.select_related("transaction")
    }
    public = json.dumps(records, ensure_ascii=False)
    for secret in ("秘密付款人", "保密公司", "电话署名人", "13800000001", "13900000009", CREDIT_CODE, "爱心企业"):
        assert secret not in public
        assert not Transaction.objects.filter(memo__contains=secret).exists()
    gifts = {g.bank_reference: g for g in Donation.objects.all()}
    assert gifts["BK1"].payer_name == "秘密付款人"  # kept, privately
    # The records commit to the public names (匿名 when none is given) without holding them.
    for reference, name in (("BK1", "匿名"), ("BK2", "爱心企业"), ("BK3", "13900000009")):
        salt = bytes.fromhex(gifts[reference].name_salt)
        assert records[reference]["details"]["donor_commitment"] == donor_commitment(name, salt)
    assert gifts["BK3"].name_review == NameReview.HELD  # a phone as display name never reaches the wall


# --- all or nothing -----------------------------------------------------------------------------------------


def test_one_bad_row_among_100_good_writes_nothing(project, write_xlsx, run_import, db_counts, assert_unchanged):
    rows = [
        gift_row(**{"银行流水号": f"BK{i:03d}", "金额(元)": 10 + i, "手机号": f"138{i:08d}", "付款人": f"捐{i}"})
        for i in range(100)
    ]
    rows.insert(40, gift_row(**{"银行流水号": "BK-BAD", "项目编号": "NOPE"}))
    path = write_xlsx(gift_sheet(*rows))
    before = db_counts()
    for dry_run in (True, False):
        result = run_import("gifts", path, dry_run=dry_run)
        assert result.counts == {"new": 100, "update": 0, "skip": 0, "error": 1}
        assert result.error_messages() == ["第 42 行「项目编号」:项目编号 NOPE 不存在。"]
        assert not result.imported
        assert_unchanged(before)


def _sheet(count: int, first: int = 0) -> list[list[object]]:
    rows = []
    for i in range(first, first + count):
        channel = ("银行转账", "现金", "物资捐赠")[i % 3]
        rows.append(
            gift_row(
                **{
                    "捐赠方式": channel,
                    "银行流水号": f"BK{i:05d}" if channel == "银行转账" else "",
                    "凭证号": f"V{i}" if channel != "银行转账" else "",
                    "金额(元)": 100 + i,
                    "项目编号": ("XT100", "", "XT200")[i % 3],
                    "手机号": f"138{i % 50:08d}" if i % 2 else "",
                    "统一社会信用代码": CREDIT_CODE if i % 7 == 0 else "",
                    "物资名称": "大米" if channel == "物资捐赠" else "",
                    "数量": "10" if channel == "物资捐赠" else "",
                    "单位": "袋" if channel == "物资捐赠" else "",
                    "估值依据": "发票" if channel == "物资捐赠" else "",
                }
            )
        )
    return gift_sheet(*rows)


def _queries(path, *, dry_run: bool) -> int:
    table = table_read(path)
    with CaptureQueriesContext(connection) as queries:
        result = import_run(GiftImporter(), table, dry_run=dry_run)
    assert not result.has_errors, result.error_messages()
    return len(queries)


def test_queries_do_not_grow_with_rows(project, write_xlsx):
    from tests.factories import ProjectFactory

    ProjectFactory(code="XT200")
    small, large = write_xlsx(_sheet(10, first=1000), "small.xlsx"), write_xlsx(_sheet(200), "large.xlsx")
    planning = (_queries(small, dry_run=True), _queries(large, dry_run=True))
    assert planning[0] == planning[1], planning
    assert planning[1] <= 10
    _queries(write_xlsx(_sheet(3, first=5000), "warm.xlsx"), dry_run=False)  # the chart and fund accounts
    writing = (_queries(small, dry_run=False), _queries(large, dry_run=False))
    assert Donation.objects.count() == 213
    assert writing[0] == writing[1], writing


# --- the database's last word -------------------------------------------------------------------------------


def _conflicting(reference: str):
    """Wraps the receipt-serial step (after the service's look-ups, before the gifts are inserted) to record a gift
    with ``reference`` first, in this connection, as a concurrent import would have: the unique index refuses."""
    from donations.services import offline

    real = offline.receipt_serials_assign_bulk

    def assign(donations):
        Donation.objects.create(channel=Channel.BANK, requested_amount=Decimal(1), bank_reference=reference)
        return real(donations)

    return mock.patch.object(offline, "receipt_serials_assign_bulk", assign)


def test_a_unique_index_refusing_at_the_last_moment_rolls_everything_back(
    project, write_csv, run_import, db_counts, assert_unchanged
):
    path = write_csv(gift_sheet(gift_row(**{"银行流水号": "BK1"}), gift_row(**{"银行流水号": "BK2"})))
    before = db_counts()
    with _conflicting("BK2"):
        result = run_import("gifts", path)
    assert not result.imported
    (message,) = result.error_messages()
    assert message.startswith("导入失败,已全部撤销,没有写入任何数据:导入期间有人同时登记了相同的记录")
    assert_unchanged(before)  # the ledger postings made before the refusal are gone too


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_concurrent_import_committing_the_same_reference_rolls_everything_back(project, write_csv, run_import):
    """Another connection commits BK2 after this import planned (so the preview said 新增) and after the service
    looked it up: PostgreSQL's unique index refuses this import's BK2 and everything this import did is undone."""
    from donations.services import offline

    path = write_csv(gift_sheet(gift_row(**{"银行流水号": "BK1"}), gift_row(**{"银行流水号": "BK2"})))
    real = offline.receipt_serials_assign_bulk

    def other_connection():
        try:
            Donation.objects.create(channel=Channel.BANK, requested_amount=Decimal(1), bank_reference="BK2")
        finally:
            connections.close_all()

    def assign(donations):
        worker = threading.Thread(target=other_connection)
        worker.start()
        worker.join()
        return real(donations)

    transactions = Transaction.objects.count()
    with mock.patch.object(offline, "receipt_serials_assign_bulk", assign):
        result = run_import("gifts", path)
    assert not result.imported
    assert "导入期间有人同时登记了相同的记录" in result.error_messages()[0]
    (other,) = Donation.objects.all()
    assert other.bank_reference == "BK2" and other.transaction is None  # the other writer's row, only
    assert Transaction.objects.count() == transactions
    assert run_import("gifts", path, dry_run=True).has_errors  # the preview now shows the clash


def test_an_in_kind_name_that_would_publish_a_phone_is_a_row_error(
    project, write_csv, run_import, db_counts, assert_unchanged
):
    """物资名称 and 单位 go into the public ledger record: the plan refuses personal data there, row by row,
    instead of the ledger refusing the whole write at the end."""
    in_kind = {"捐赠方式": "物资捐赠", "银行流水号": "", "数量": "1", "估值依据": "市场价格", "凭证号": "WZ-1"}
    path = write_csv(gift_sheet(gift_row(**in_kind, **{"物资名称": "轮椅(联系13800138000)", "单位": "台"})))
    before = db_counts()
    result = run_import("gifts", path, dry_run=False)
    assert result.error_messages() == [
        "第 2 行「物资名称」:物资名称会在公开账本中显示,不能包含手机号、身份证号、银行卡号或邮箱。"
    ]
    assert_unchanged(before)


def test_a_posting_the_ledger_refuses_rolls_the_import_back_with_a_message(
    project, write_csv, run_import, db_counts, assert_unchanged
):
    from ledger.services import PostingError

    path = write_csv(gift_sheet(gift_row(**{"银行流水号": "BK-L1"}), gift_row(**{"银行流水号": "BK-L2"})))
    before = db_counts()
    with mock.patch("donations.services.ledger_postings.transactions_post_bulk", side_effect=PostingError("测试拒绝")):
        result = run_import("gifts", path, dry_run=False)
    assert not result.imported
    assert result.file_errors == ["导入失败,已全部撤销,没有写入任何数据:账本拒绝记账(测试拒绝)。"]
    assert_unchanged(before)
