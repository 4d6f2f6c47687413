"""The standalone verifier checks a donor's name against the commitment in a gift's record (--donor-name)."""

from __future__ import annotations

import hashlib
import os

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger import merkle
from tests.ledger.test_verifier_unit import SEED, FakeLog, make_record, run

SALT = bytes(range(16))


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(SEED)


def gift_log(key, details: dict) -> FakeLog:
    records = [make_record(i) for i in range(5)]
    records[3] = {**records[3], "details": details}
    return FakeLog(records, key)


def test_the_name_and_salt_match_the_commitment(key):
    log = gift_log(key, {"fund": "XT100", "donor_commitment": merkle.donor_commitment("小王", SALT)})
    code, report = run(log, "--skip-audit", "--entry", "3", "--donor-name", " 小王 ", "--donor-salt", SALT.hex())
    assert code == 0, report
    assert "[ OK ] donor name of entry 3: the record commits to this name" in report


def test_another_name_or_salt_does_not_match(key):
    log = gift_log(key, {"fund": "XT100", "donor_commitment": merkle.donor_commitment("小王", SALT)})
    code, report = run(log, "--skip-audit", "--entry", "3", "--donor-name", "小李", "--donor-salt", SALT.hex())
    assert code == 1
    assert "[FAIL] donor name of entry 3: the record does NOT commit to this name" in report
    code, report = run(
        log, "--skip-audit", "--entry", "3", "--donor-name", "小王", "--donor-salt", os.urandom(16).hex()
    )
    assert code == 1, report


def test_an_old_record_is_compared_in_clear(key):
    log = gift_log(key, {"fund": "XT100", "donor": "老张"})
    code, report = run(log, "--skip-audit", "--entry", "3", "--donor-name", "老张", "--donor-salt", SALT.hex())
    assert code == 0, report
    assert "the record holds the name in clear: '老张'" in report


def test_bad_arguments_are_usage_errors(key):
    log = gift_log(key, {"donor_commitment": merkle.donor_commitment("小王", SALT)})
    assert run(log, "--entry", "3", "--donor-name", "小王")[0] == 2  # no salt
    assert run(log, "--donor-name", "小王", "--donor-salt", SALT.hex())[0] == 2  # no --entry
    assert run(log, "--entry", "3", "--donor-name", "小王", "--donor-salt", "not hex")[0] == 2
    assert run(log, "--entry", "3", "--donor-name", "小王", "--donor-salt", "abcd")[0] == 2  # too short


def test_the_commitment_is_domain_separated_salted_and_grouped():
    commitment = merkle.donor_commitment("小王", SALT)
    expected = hashlib.sha256(b"charity-ledger/donor-name/v1\x00" + SALT + "小王".encode()).hexdigest()
    assert commitment.replace("-", "") == expected  # what a verifier in any language computes
    assert [len(group) for group in commitment.split("-")] == [8] * 8  # no digit run a privacy guard would refuse
    assert commitment != merkle.donor_commitment("小王", bytes(16))
    assert expected != hashlib.sha256(SALT + "小王".encode()).hexdigest()
