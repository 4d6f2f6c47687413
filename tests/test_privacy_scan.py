"""Privacy by default: no public page, export or ledger record carries personal data.

Scans everything the public can fetch for things that look like a mobile number, an ID number, a bank
card, or an e-mail address other than the organisation's own published contact; after a donor has given
through the sandbox checkout, for that donor's own phone, email, message and the name they chose not to show,
wherever the gift is shown: project pages and their donor wall, the receipt, the ledger check and the open data;
and, after two beneficiaries with every private detail on file have been paid, for their full names, ID numbers,
phones, bank accounts, villages, guardian, diagnosis and school (and the 镇街 of the one paid medical aid),
wherever the payments are shown: the project pages' 公示, the donors' 善款去向 (look-up result and verification
page), the transparency pages and the data dictionary, the ledger API and the open data.
"""

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from wagtail.models import Page

from cms.models import OrganisationSettings
from donations.models import Donation, DonationStatus
from donations.tokens import receipt_token
from ledger.models import Transaction
from ledger.privacy import PERSONAL_PATTERNS
from ledger.services import tree_head_publish
from projects.models import BeneficiaryCategory, Payee, Project, Status
from projects.sensitive import id_number_with_check
from projects.services import (
    BeneficiaryData,
    DisbursementDraft,
    beneficiary_register,
    consent_record,
    disbursement_approve,
    disbursement_create,
    disbursement_pay,
    disbursement_submit,
)
from tests.factories import staff_user

pytestmark = pytest.mark.django_db

OPEN_DATA = ["/api/ledger/v1/open-data/ledger.jsonl", "/api/ledger/v1/open-data/ledger.csv"]
DONOR_PHONE = "13912345678"
DONOR_EMAIL = "donor-secret@example.com"
DONOR_MESSAGE = "请替我保密:这是给孩子们的一点心意"
HIDDEN_NAME = "王不公开"


# Two beneficiaries with everything on file. The diagnosis is one the demo's own texts do not use: the 血透100 page
# describes its programme (尿毒症患者…), which is no one's personal data.
ADULT = BeneficiaryData(
    name="欧阳秀英",
    category=BeneficiaryCategory.SERIOUSLY_ILL,
    district="张店区",
    town="车站街道",
    village="石笋村",
    id_number=id_number_with_check("37030319580315771"),
    phone="13712345678",
    bank_name="淄博农商银行",
    bank_account="6223123456789012345",
    notes="诊断:尿毒症(慢性肾脏病5期),每周透析三次",
)
MINOR = BeneficiaryData(
    name="钱小宝",
    category=BeneficiaryCategory.CHILD_IN_DIFFICULTY,
    district="合川区",
    town="南津街道",
    village="杨柳村",
    id_number=id_number_with_check("50011720120605772"),
    phone="",
    guardian_name="钱大富",
    guardian_relation="父亲",
    guardian_phone="13687654321",
    bank_name="重庆农商银行",
    bank_account="6214987654321098",
    notes="就读于广安市第一中学,父亲患慢性肾脏病5期",
)
SCHOOL = "广安市第一中学"
DIAGNOSIS = "慢性肾脏病5期"


def _beneficiary_secrets() -> list[str]:
    # The adult is paid medical aid (血透100, through the hospital): public pages stop at the 区县 (issue 18).
    secrets = [SCHOOL, DIAGNOSIS, ADULT.town]
    for person in (ADULT, MINOR):
        values = (
            person.name,
            person.id_number,
            person.phone,
            person.bank_account,
            person.village,
            person.guardian_name,
            person.guardian_phone,
        )
        secrets += [value for value in values if value]
    return secrets


@dataclass(frozen=True)
class PaidBeneficiaries:
    masked: dict[str, str]  # project code → the masked name its 公示 shows
    receipts: list[str]  # tokens of the first demo gift to each fund: FIFO puts the payments there


@pytest.fixture
def paid_beneficiaries(demo_site) -> PaidBeneficiaries:
    """The adult (consent given: 欧**英) paid through the hospital from 血透100, the minor (no consent: 钱*) paid
    through the school from 临时救助; maker, approver and payer are three people. A tree head signs it all."""
    officer, approver, finance = (
        staff_user(f"scan-{n}", g) for n, g in (("o", "项目官员"), ("a", "审核人"), ("f", "财务"))
    )
    payments = [
        ("XT100", ADULT, Payee.HOSPITAL, "淄博市中心医院", "2026年3月医疗救助金"),
        ("LSJZ", MINOR, Payee.SCHOOL, SCHOOL, "2026年春季学杂费救助"),
    ]
    receipts = []
    for code, data, payee, payee_name, purpose in payments:
        project = Project.objects.get(code=code)
        beneficiary = beneficiary_register(data=data, created_by=officer)
        if data is ADULT:
            consent_record(beneficiary=beneficiary, given_by="self", giver_name=data.name, given_on=date(2026, 1, 2))
        draft = DisbursementDraft(
            project=project,
            beneficiary=beneficiary,
            amount=Decimal("2345.00"),
            purpose=purpose,
            disbursed_on=date(2026, 3, 20),
            payee=payee,
            payee_name=payee_name,
            notes=data.notes,
        )
        disbursement = disbursement_create(draft=draft, user=officer)
        disbursement_submit(disbursement=disbursement, user=officer)
        disbursement_approve(disbursement=disbursement, user=approver)
        disbursement_pay(disbursement=disbursement, user=finance)
        first_gift = Donation.objects.filter(project=project).order_by("received_at", "pk").first()
        receipts.append(receipt_token(first_gift))
    tree_head_publish()
    return PaidBeneficiaries(masked={"XT100": "欧**英", "LSJZ": "钱*"}, receipts=receipts)


@dataclass(frozen=True)
class SandboxGift:
    token: str
    serial: str
    project_code: str


@pytest.fixture
def sandbox_gift(client, demo_site, django_capture_on_commit_callbacks) -> SandboxGift:
    """An anonymous gift with every private detail filled in, paid through the sandbox checkout: the same
    signed events and webhook handler as Stripe's deliveries, run here as the on-commit task would."""
    project = Project.objects.filter(status=Status.FUNDRAISING).values_list("code", flat=True).first()
    form = {
        "amount_choice": "other",
        "custom_amount": "77.70",
        "frequency": "once",
        "is_anonymous": "on",
        "display_name": HIDDEN_NAME,
        "message": DONOR_MESSAGE,
        "phone": DONOR_PHONE,
        "email": DONOR_EMAIL,
    }
    checkout = client.post(f"/donations/give/{project}/", form)
    assert checkout.status_code == 302, checkout.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        paid = client.post(checkout["Location"], {"action": "pay", "method": "alipay"})
    token = re.fullmatch(r"/donations/thanks/([^/]+)/", paid["Location"]).group(1)

    session = checkout["Location"].rstrip("/").rsplit("/", 1)[-1]
    donation = Donation.objects.select_related("donor").get(stripe_checkout_session_id=session)
    assert donation.status == DonationStatus.SUCCEEDED and donation.receipt_serial
    # The private details are on file, so the scan below has something it could leak.
    assert (donation.donor.phone, donation.donor.email, donation.message) == (DONOR_PHONE, DONOR_EMAIL, DONOR_MESSAGE)
    return SandboxGift(token=token, serial=donation.receipt_serial, project_code=project)


def _public_urls():
    urls = ["/", "/en/"]
    urls += [page.url for page in Page.objects.live().public().specific() if page.url]
    urls += [f"/en{page.url}" for page in Page.objects.live().public().specific() if page.url]
    entries = Transaction.objects.count()
    for query in [f"?page={n}" for n in range(1, entries // 50 + 2)] + ["?kind=disbursement", "?project=LSJZ"]:
        urls += [f"/transparency/{query}", f"/en/transparency/{query}"]
    urls += ["/transparency/dictionary/", "/en/transparency/dictionary/", "/api/ledger/v1/open-data/dictionary.json"]
    step = settings.LEDGER_PAGE_SIZE
    urls += [f"/api/ledger/v1/get-entries?start={n}&end={n + step - 1}" for n in range(0, entries - 1, step)]
    return urls


def _tracing_urls(paid: PaidBeneficiaries):
    """The donors' 善款去向 for the gifts that paid the two beneficiaries: look-up result and verification page."""
    pages = [f"{kind}/{token}/" for token in paid.receipts for kind in ("receipt", "verify")]
    return [f"{prefix}/donations/{page}" for prefix in ("", "/en") for page in pages]


def _gift_urls(gift: SandboxGift):
    """What a donor (or anyone they share a link with) can open about the gift, in both languages."""
    pages = [f"thanks/{gift.token}/", f"receipt/{gift.token}/", f"verify/{gift.token}/", f"give/{gift.project_code}/"]
    return [f"{prefix}/donations/{page}" for prefix in ("", "/en") for page in pages]


# Hashes, signatures and ids are public by design and may contain long runs of digits by chance.
CRYPTO_TOKENS = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\b[0-9a-f]{64}\b|[A-Za-z0-9+/%]{40,}={0,2}"
)


def _body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8")
    return response.content.decode("utf-8")


def _lookup_result(client, gift: SandboxGift) -> str:
    """The donor's own look-up (receipt number + last 4 digits of the phone) lands on the receipt page."""
    found = client.post("/donations/lookup/", {"serial": gift.serial, "contact": DONOR_PHONE[-4:]})
    assert found.status_code == 302
    return found["Location"]


def test_no_personal_data_on_public_pages_exports_or_records(client, sandbox_gift, paid_beneficiaries):
    org_email = OrganisationSettings.objects.get().email
    urls = _public_urls() + _gift_urls(sandbox_gift) + _tracing_urls(paid_beneficiaries) + OPEN_DATA
    urls.append(_lookup_result(client, sandbox_gift))
    assert len(urls) >= 40
    donor_secrets = (DONOR_PHONE, DONOR_EMAIL, DONOR_MESSAGE, HIDDEN_NAME)
    beneficiary_secrets = _beneficiary_secrets()
    seen_gift, seen_payment = set(), set()
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        body = _body(response)
        for secret in donor_secrets:
            assert secret not in body, f"{url}: shows the donor's private {secret!r}"
        for secret in beneficiary_secrets:
            assert secret not in body, f"{url}: shows a beneficiary's private {secret!r}"
        text = CRYPTO_TOKENS.sub("", body.replace(org_email, ""))
        for label, pattern in PERSONAL_PATTERNS:
            match = pattern.search(text)
            assert match is None, f"{url}: looks like a {label}: {match.group(0)!r}"
        if "77.70" in body:
            seen_gift.add(url)
        if "2,345.00" in body or "2345.00" in body:
            seen_payment.add(url)
    # The scan looked where the gift is shown: its receipt, its project's donor wall and the open data.
    assert {f"/donations/receipt/{sandbox_gift.token}/", *OPEN_DATA} <= seen_gift, seen_gift
    assert any(url.startswith("/projects/") for url in seen_gift), seen_gift
    # … and where the payments are shown: both projects' 公示, both donors' 善款去向, the ledger and the open data.
    assert {"/projects/xuetou-100/", "/projects/emergency-relief/", *_tracing_urls(paid_beneficiaries)} <= seen_payment
    assert {*OPEN_DATA, "/transparency/?kind=disbursement"} <= seen_payment
    assert any(url.startswith("/api/ledger/v1/get-entries") for url in seen_payment)


def test_the_scanned_pages_show_the_payments_masked(client, paid_beneficiaries):
    """The scan is not vacuous: the pages it crawls show each payment, under the masked name only."""
    for slug, code in (("xuetou-100", "XT100"), ("emergency-relief", "LSJZ")):
        assert paid_beneficiaries.masked[code] in client.get(f"/projects/{slug}/").content.decode()
    for token, code in zip(paid_beneficiaries.receipts, ("XT100", "LSJZ"), strict=True):
        assert paid_beneficiaries.masked[code] in client.get(f"/donations/receipt/{token}/").content.decode()
    assert "钱*宝" not in client.get("/projects/emergency-relief/").content.decode()  # no consent: 钱* only


def test_the_scan_would_catch_a_leak(client, demo_site):
    """The patterns are not toothless: a phone number, an ID number and an email in a page are found."""
    leaky = f"联系人电话 13812345678,身份证 370303199001011234,{DONOR_EMAIL}"
    found = {label for label, pattern in PERSONAL_PATTERNS if pattern.search(CRYPTO_TOKENS.sub("", leaky))}
    assert {"手机号", "身份证号", "电子邮箱"} <= found


def test_no_personal_data_where_a_closed_funds_leftover_is_shown(client, paid_beneficiaries):
    """结项: 临时救助 (which paid the minor) closes and its leftover goes to 血透100 (which paid the adult). The closed
    project's sentence, the receiving project's 收到…结项结余, the donors' 善款去向 across the transfer, the
    transparency pages and the open data carry the funds, the reason and the plan clause, and nothing personal."""
    from projects.services.closure import closure_approve, closure_propose

    proposer, checker = staff_user("scan-close-f", "财务"), staff_user("scan-close-a", "审核人")
    closure = closure_propose(
        project=Project.objects.get(code="LSJZ"),
        user=proposer,
        decision="transfer",
        target=Project.objects.get(code="XT100"),
        reason="临时救助项目期满,结余用于同类医疗救助",
        basis="依据募捐方案第 5 条",
    )
    closure_approve(closure=closure, user=checker)
    tree_head_publish()
    urls = _public_urls() + _tracing_urls(paid_beneficiaries) + OPEN_DATA
    secrets = _beneficiary_secrets() + [proposer.username, checker.username]
    seen = set()
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        body = _body(response)
        for secret in secrets:
            assert secret not in body, f"{url}: shows {secret!r}"
        text = CRYPTO_TOKENS.sub("", body.replace(OrganisationSettings.objects.get().email, ""))
        for label, pattern in PERSONAL_PATTERNS:
            match = pattern.search(text)
            assert match is None, f"{url}: looks like a {label}: {match.group(0)!r}"
        if "依据募捐方案第 5 条" in body:
            seen.add(url)
    # The scan read the new text: both project pages, the donor's 善款去向 of the closed fund, the open data.
    assert {"/projects/emergency-relief/", "/projects/xuetou-100/", *OPEN_DATA} <= seen, seen
    lsjz = paid_beneficiaries.receipts[1]  # 临时救助's first gift: FIFO puts its leftover part into the transfer
    assert {f"/donations/receipt/{lsjz}/", f"/donations/verify/{lsjz}/"} <= seen, seen
