"""The standalone verifier against an in-memory log that speaks the public JSON API."""

import base64
import io
import json
import subprocess
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger import merkle, verifier

BASE_URL = "https://ledger.example.org/api/ledger/v1/"
REPO_ROOT = Path(__file__).resolve().parents[2]
SEED = bytes(range(32))


def b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def make_record(index: int, memo: str = "血透100 定向捐赠") -> dict:
    return {"leaf_index": index, "kind": "donation", "amount": f"{100 + index}.00", "currency": "CNY", "memo": memo}


class FakeLog:
    """A dict-backed ledger API: ``fetch_json`` answers the same URLs the real server does."""

    def __init__(self, records: list[dict], key: Ed25519PrivateKey) -> None:
        self.key = key
        self.records = list(records)
        self.leaf_inputs = [verifier.canonical_json(record) for record in records]
        self.nodes: dict[tuple[int, int], bytes] = {}
        for index, data in enumerate(self.leaf_inputs):
            self._store(index, merkle.leaf_hash(data))
        self.sth = self.signed_head(len(records))
        self.audit_path_override: list[str] | None = None
        self.requests: list[str] = []

    def _store(self, index: int, leaf: bytes) -> None:
        self.nodes[(0, index)] = leaf
        for level, i in merkle.completed_nodes(index):
            self.nodes[(level, i)] = merkle.node_hash(
                self.nodes[(level - 1, 2 * i)], self.nodes[(level - 1, 2 * i + 1)]
            )

    def lookup(self, level: int, index: int) -> bytes:
        return self.nodes[(level, index)]

    def root(self, size: int) -> bytes:
        return merkle.range_hash(0, size, self.lookup) if size else merkle.EMPTY_ROOT

    def signed_head(self, size: int, root: bytes | None = None, timestamp: int = 1_767_225_600_000) -> dict:
        root = self.root(size) if root is None else root
        signature = self.key.sign(merkle.tree_head_signature_input(timestamp, size, root))
        return {
            "tree_size": size,
            "timestamp": timestamp,
            "sha256_root_hash": b64(root),
            "tree_head_signature": b64(signature),
        }

    def public_key(self) -> bytes:
        return self.key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    def fetch_json(self, url: str) -> dict:
        self.requests.append(url)
        assert url.startswith(BASE_URL)
        parts = urllib.parse.urlsplit(url)
        params = {name: int(v) if v.isdigit() else v for name, v in urllib.parse.parse_qsl(parts.query)}
        return getattr(self, "api_" + parts.path.rsplit("/", 1)[-1].replace("-", "_"))(**params)

    def api_get_sth(self) -> dict:
        return self.sth

    def api_public_key(self) -> dict:
        return {"key": b64(self.public_key())}

    def api_get_entries(self, start: int, end: int) -> dict:
        end = min(end, start + 6, len(self.records) - 1)  # a small page size forces the client to page
        return {
            "entries": [
                {"leaf_index": i, "leaf_input": b64(self.leaf_inputs[i]), "record": self.records[i]}
                for i in range(start, end + 1)
            ]
        }

    def api_get_proof_by_hash(self, hash: str, tree_size: int) -> dict:
        index = next(i for i in range(tree_size) if self.nodes[(0, i)] == base64.b64decode(hash))
        path = [b64(h) for h in merkle.inclusion_proof(index, tree_size, self.lookup)]
        return {"leaf_index": index, "audit_path": self.audit_path_override or path}

    def api_get_sth_consistency(self, first: int, second: int) -> dict:
        return {"consistency": [b64(h) for h in merkle.consistency_proof(first, second, self.lookup)]}


@pytest.fixture
def signing_key():
    return Ed25519PrivateKey.from_private_bytes(SEED)


@pytest.fixture
def log(signing_key):
    return FakeLog([make_record(i) for i in range(23)], signing_key)


def run(log: FakeLog, *args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = verifier.main([BASE_URL, "--public-key", b64(log.public_key()), *args], fetch=log.fetch_json, out=out)
    return code, out.getvalue()


def write_json(path: Path, data: dict) -> str:
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


# -- a good log --------------------------------------------------------------------------------------------


def test_a_good_log_verifies(log):
    code, report = run(log, "--entry", "0", "--entry", "22", "--entry", "9")
    assert code == 0, report
    assert "[ OK ] tree head signature: size 23" in report
    assert "[ OK ] entries: 23 entries fetched" in report
    assert f"[ OK ] root hash: recomputed from 23 leaves: {log.root(23).hex()}" in report
    assert "[ OK ] inclusion of entry 22" in report
    assert "VERIFIED: all 6 checks passed." in report
    assert sum("get-entries" in url for url in log.requests) == 4 + 3  # paged audit, then one per --entry


def test_the_key_fetched_from_the_server_works_with_a_warning(log):
    out = io.StringIO()
    code = verifier.main([BASE_URL], fetch=log.fetch_json, out=out)
    assert code == 0, out.getvalue()
    assert "[WARN] public key fetched from the server being checked" in out.getvalue()


def test_an_empty_log_verifies(signing_key):
    code, report = run(FakeLog([], signing_key))
    assert code == 0, report
    assert merkle.EMPTY_ROOT.hex() in report


def test_skip_audit_checks_only_the_signature_and_proofs(log):
    code, report = run(log, "--skip-audit", "--entry", "3")
    assert code == 0, report
    assert "entries:" not in report
    assert sum("get-entries" in url for url in log.requests) == 1


def test_save_then_check_consistency_as_the_log_grows(log, tmp_path, signing_key):
    saved = tmp_path / "sth.json"
    assert run(log, "--save-sth", str(saved))[0] == 0
    assert json.loads(saved.read_text())["tree_size"] == 23
    for i in range(23, 40):
        log.records.append(make_record(i))
        log.leaf_inputs.append(verifier.canonical_json(log.records[i]))
        log._store(i, merkle.leaf_hash(log.leaf_inputs[i]))
    log.sth = log.signed_head(40, timestamp=1_767_312_000_000)
    code, report = run(log, "--previous-sth", str(saved))
    assert code == 0, report
    assert "[ OK ] consistency from size 23 to size 40" in report


# -- tampering is detected ---------------------------------------------------------------------------------------


def test_a_tampered_leaf_input_fails(log):
    log.leaf_inputs[5] = log.leaf_inputs[5].replace(b"105.00", b"1050.00")
    code, report = run(log)
    assert code == 1
    assert "[FAIL] entries: 1 of 23 are wrong" in report
    assert "entry 5: record is not the canonical JSON of leaf_input" in report
    assert "[FAIL] root hash: recomputed" in report


def test_a_tampered_record_fails(log):
    log.records[7] = {**log.records[7], "amount": "9999.00"}
    code, report = run(log)
    assert code == 1
    assert "entry 7: record is not the canonical JSON of leaf_input" in report
    assert "[ OK ] root hash" in report  # the hashed bytes are intact; only the shown record lies


def test_a_non_canonical_leaf_input_fails(log):
    log.leaf_inputs[2] = json.dumps(log.records[2], ensure_ascii=True).encode()
    code, report = run(log)
    assert code == 1
    assert "entry 2: record is not the canonical JSON of leaf_input" in report


def test_undecodable_leaf_input_fails(log, monkeypatch):
    real = log.api_get_entries

    def broken(start, end):
        page = real(start, end)
        for entry in page["entries"]:
            if entry["leaf_index"] == 4:
                entry["leaf_input"] = "not base64!"
        return page

    monkeypatch.setattr(log, "api_get_entries", broken)
    code, report = run(log)
    assert code == 1
    assert "entry 4: leaf_input is not valid base64" in report
    assert "[FAIL] root hash: cannot be recomputed: leaf 4 could not be decoded" in report


def test_a_bad_signature_fails(log):
    signature = bytearray(base64.b64decode(log.sth["tree_head_signature"]))
    signature[0] ^= 1
    log.sth = {**log.sth, "tree_head_signature": b64(bytes(signature))}
    code, report = run(log)
    assert code == 1
    assert "[FAIL] tree head signature" in report


def test_a_head_signed_by_another_key_fails(log):
    other = FakeLog([make_record(i) for i in range(23)], Ed25519PrivateKey.generate())
    log.sth = other.sth
    code, report = run(log)
    assert code == 1
    assert "[FAIL] tree head signature" in report


def test_a_signed_but_wrong_root_fails(log):
    log.sth = log.signed_head(23, root=log.root(22))
    code, report = run(log)
    assert code == 1
    assert "[ OK ] tree head signature" in report
    assert f"[FAIL] root hash: recomputed {log.root(23).hex()}, but the tree head signs {log.root(22).hex()}" in report


def test_a_head_covering_more_entries_than_the_log_serves_fails(log):
    log.sth = log.signed_head(23)
    log.sth = {**log.signed_head(30, root=log.root(23))}
    code, report = run(log)
    assert code == 1
    assert "[FAIL] root hash: only 23 leaves were found; the tree head covers 30" in report


def test_a_bad_inclusion_proof_fails(log):
    path = [b64(h) for h in merkle.inclusion_proof(9, 23, log.lookup)]
    path[1] = b64(b"\x00" * 32)
    log.audit_path_override = path
    code, report = run(log, "--entry", "9")
    assert code == 1
    assert "[FAIL] inclusion of entry 9: inclusion proof for leaf 9 does not lead to the root of size 23" in report


def test_a_truncated_inclusion_proof_fails(log):
    log.audit_path_override = [b64(h) for h in merkle.inclusion_proof(9, 23, log.lookup)][:-1]
    code, report = run(log, "--skip-audit", "--entry", "9")
    assert code == 1
    assert "inclusion proof has 4 hashes, expected 5" in report


def test_an_entry_not_yet_published_fails(log):
    code, report = run(log, "--skip-audit", "--entry", "23")
    assert code == 1
    assert "[FAIL] inclusion of entry 23: not covered by the signed tree head (size 23)" in report


def test_an_inconsistent_previous_head_fails(log, tmp_path, signing_key):
    forked = FakeLog(
        [make_record(i, memo="改写过的历史" if i == 1 else "血透100 定向捐赠") for i in range(10)], signing_key
    )
    previous = write_json(tmp_path / "prev.json", forked.sth)
    code, report = run(log, "--previous-sth", previous)
    assert code == 1
    assert "[ OK ] previous tree head signature" in report
    assert (
        "[FAIL] consistency from size 10 to size 23: consistency proof does not lead to the root of size 10" in report
    )


def test_a_log_that_shrank_fails(log, tmp_path):
    bigger = FakeLog([make_record(i) for i in range(30)], log.key)
    code, report = run(log, "--previous-sth", write_json(tmp_path / "prev.json", bigger.sth))
    assert code == 1
    assert "the log shrank from 30 to 23 entries" in report


def test_two_roots_for_one_size_fail(log, tmp_path):
    previous = write_json(tmp_path / "prev.json", log.signed_head(23, root=log.root(22)))
    code, report = run(log, "--previous-sth", previous, "--skip-audit")
    assert code == 1
    assert "two different roots for the same tree size 23" in report


def test_a_failed_run_does_not_save_the_tree_head(log, tmp_path):
    log.records[0] = {"forged": True}
    saved = tmp_path / "sth.json"
    code, report = run(log, "--save-sth", str(saved))
    assert code == 1
    assert not saved.exists()
    assert "NOT saved" in report


# -- usage and network errors ------------------------------------------------------------------------------------------


def test_a_network_error_exits_2(log):
    def unreachable(url):
        raise verifier.FetchError(f"{url}: connection refused")

    out = io.StringIO()
    code = verifier.main([BASE_URL, "--public-key", b64(log.public_key())], fetch=unreachable, out=out)
    assert code == 2
    assert "connection refused" in out.getvalue()


@pytest.mark.parametrize(
    "argv",
    [
        ["ftp://ledger.example.org/"],
        ["no/such/file.jsonl"],
        [BASE_URL, "--public-key", "not-a-key"],
        [BASE_URL, "--entry", "-1"],
        [BASE_URL, "--previous-sth", "no/such/sth.json"],
    ],
)
def test_usage_errors_exit_2(log, argv):
    assert verifier.main(argv, fetch=log.fetch_json, out=io.StringIO()) == 2


def test_fetch_json_refuses_other_schemes():
    with pytest.raises(verifier.UsageError):
        verifier.fetch_json("file:///etc/passwd")


def serve(log: FakeLog) -> ThreadingHTTPServer:
    """The fake log behind a real HTTP server on the loopback interface, to exercise ``fetch_json``."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server API
            try:
                status, body = 200, log.fetch_json(BASE_URL.rstrip("/") + self.path.removeprefix("/api/ledger/v1"))
            except Exception as exc:  # the fake's way of refusing a request
                status, body = 400, {"error": f"bad request: {exc!r}"}
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_over_http_on_the_loopback_interface(log):
    server = serve(log)
    try:
        url = f"http://127.0.0.1:{server.server_port}/api/ledger/v1"
        out = io.StringIO()
        assert verifier.main([url, "--public-key", b64(log.public_key()), "--entry", "3"], out=out) == 0, out.getvalue()
        with pytest.raises(verifier.FetchError, match="HTTP 400: bad request"):
            verifier.fetch_json(f"{url}/get-nothing")
    finally:
        server.shutdown()
        server.server_close()


# -- open-data files ---------------------------------------------------------------------------------------------------


@pytest.fixture
def open_data(log, tmp_path):
    path = tmp_path / "ledger.jsonl"
    path.write_bytes(b"".join(data + b"\n" for data in log.leaf_inputs))
    return path, write_json(tmp_path / "sth.json", log.sth)


def run_file(log: FakeLog, path: Path, sth: str) -> tuple[int, str]:
    out = io.StringIO()
    code = verifier.main([str(path), "--sth", sth, "--public-key", b64(log.public_key())], out=out)
    return code, out.getvalue()


def test_open_data_verifies(log, open_data):
    code, report = run_file(log, *open_data)
    assert code == 0, report
    assert "[ OK ] records: 23 lines" in report
    assert "= the signed root" in report


def test_open_data_with_later_records_verifies_the_covered_prefix(log, open_data, tmp_path):
    path, _ = open_data
    sth = write_json(tmp_path / "older.json", log.signed_head(20))
    code, report = run_file(log, path, sth)
    assert code == 0, report
    assert "3 later records are not covered by this tree head" in report


def test_open_data_detects_a_changed_line(log, open_data):
    path, sth = open_data
    lines = path.read_bytes().split(b"\n")
    lines[11] = lines[11].replace(b"111.00", b"11.00")
    path.write_bytes(b"\n".join(lines))
    code, report = run_file(log, path, sth)
    assert code == 1
    assert "[FAIL] root hash: recomputed" in report


def test_open_data_detects_a_non_canonical_line(log, open_data):
    path, sth = open_data
    lines = path.read_bytes().split(b"\n")
    lines[3] = lines[3].replace(b",", b", ")
    path.write_bytes(b"\n".join(lines))
    code, report = run_file(log, path, sth)
    assert code == 1
    assert "line 4 (leaf 3) is not in canonical form" in report


def test_open_data_needs_a_tree_head_and_a_key(open_data):
    path, _ = open_data
    assert verifier.main([str(path)], out=io.StringIO()) == 2


# -- runs without Django -----------------------------------------------------------------------------------------------


def test_the_verifier_imports_no_django():
    check = "import ledger.verifier, sys; assert not any(m == 'django' or m.startswith('django.') for m in sys.modules)"
    subprocess.run([sys.executable, "-c", check], cwd=REPO_ROOT, check=True)


def test_help_runs_as_a_module():
    result = subprocess.run(
        [sys.executable, "-m", "ledger.verifier", "--help"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    assert "--previous-sth" in result.stdout
