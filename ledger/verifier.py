"""Standalone verifier for the public ledger: ``python -m ledger.verifier <base URL or open-data file>``.

Needs neither Django nor our database — only the standard library, ``cryptography`` for Ed25519 and
:mod:`ledger.merkle`. Copy those two files anywhere and it runs.

Against a live ledger (the RFC 6962 §4-style JSON API under ``/api/ledger/v1/``) it checks:

- the signed tree head's Ed25519 signature (pin the key you got out of band with ``--public-key``);
- every entry: its ``record`` re-serialised canonically is exactly the ``leaf_input`` bytes that were
  hashed, and the root recomputed from all leaves equals the signed root (skip with ``--skip-audit``);
- ``--entry N``: an inclusion proof (audit path) for entry N up to the signed root;
- ``--previous-sth FILE``: a consistency proof from a tree head saved earlier (``--save-sth FILE``) to
  the current one, i.e. the log only grew and nothing already published was changed;
- ``--donor-name NAME --donor-salt HEX`` with one ``--entry N``: that the gift's record commits to that
  public name (``details.donor_commitment`` = SHA-256(prefix ‖ salt ‖ name), :func:`merkle.donor_commitment`),
  with the name and salt from the donor's receipt.

Against an open-data JSONL download (one canonical record per line, line i = leaf i) with ``--sth FILE``
and ``--public-key``: the signature, every line's canonical form, and the root over the first
``tree_size`` lines.

Exit status: 0 if every check passed, 1 if any failed, 2 on usage or network errors.

It stays one module (longer than our usual 400 lines) on purpose: a reader should be able to audit, copy and
run the verifier as two plain files, without our package layout.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import gzip
import json
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger import merkle

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
PAGE_SIZE = 1000  # the API's documented maximum; it may return fewer and we keep paging
TIMEOUT_SECONDS = 30
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
MAX_LISTED_PROBLEMS = 10
SIGNATURE_SIZE = 64

FetchJson = Callable[[str], Any]


class UsageError(Exception):
    """Bad arguments or an unreadable input file (exit 2)."""


class FetchError(Exception):
    """The log could not be reached, or answered with an HTTP error or with something not JSON (exit 2)."""


# -- encoding ----------------------------------------------------------------------------------------


def canonical_json(record: Any) -> bytes:
    """The ledger's canonical record bytes: UTF-8 JSON, keys sorted, no insignificant whitespace."""
    return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def b64decode(value: Any, what: str, size: int | None = None) -> bytes:
    """Strict base64 (of ``size`` bytes if given), raising ValueError that names the field."""
    if not isinstance(value, str):
        raise ValueError(f"{what} is missing or not a base64 string")
    try:
        decoded = base64.b64decode(value, validate=True)
    except binascii.Error as exc:
        raise ValueError(f"{what} is not valid base64") from exc
    if size is not None and len(decoded) != size:
        raise ValueError(f"{what} is {len(decoded)} bytes, expected {size}")
    return decoded


def b64encode(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def _non_negative_int(data: dict[str, Any], key: str) -> int:
    value = data.get(key)
    if type(value) is not int or value < 0:
        raise ValueError(f"{key} is missing or not a non-negative integer")
    return value


# -- tree heads and signatures (RFC 6962 §3.5) ----------------------------------------------------------


@dataclass(frozen=True)
class TreeHead:
    """A signed tree head as served by ``get-sth``."""

    tree_size: int
    timestamp: int
    root: bytes
    signature: bytes

    @classmethod
    def from_json(cls, data: Any) -> TreeHead:
        if not isinstance(data, dict):
            raise ValueError("a tree head must be a JSON object")
        return cls(
            tree_size=_non_negative_int(data, "tree_size"),
            timestamp=_non_negative_int(data, "timestamp"),
            root=b64decode(data.get("sha256_root_hash"), "sha256_root_hash", merkle.HASH_SIZE),
            signature=b64decode(data.get("tree_head_signature"), "tree_head_signature", SIGNATURE_SIZE),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "tree_size": self.tree_size,
            "timestamp": self.timestamp,
            "sha256_root_hash": b64encode(self.root),
            "tree_head_signature": b64encode(self.signature),
        }

    def describe(self) -> str:
        return f"size {self.tree_size}, signed {_format_ms(self.timestamp)}, root {self.root.hex()}"


def _format_ms(timestamp_ms: int) -> str:
    try:
        moment = datetime.fromtimestamp(timestamp_ms / 1000, tz=UTC)
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    except (OverflowError, OSError, ValueError):
        return f"{timestamp_ms} ms"


def parse_public_key(value: str) -> bytes:
    """A raw 32-byte Ed25519 public key from base64; UsageError if it is not one."""
    try:
        key = b64decode(value, "--public-key")
        Ed25519PublicKey.from_public_bytes(key)
    except ValueError as exc:
        raise UsageError(f"--public-key is not a base64 raw Ed25519 public key: {exc}") from exc
    return key


def signature_ok(head: TreeHead, public_key: bytes) -> bool:
    """Whether the Ed25519 signature covers this tree head's TreeHeadSignature bytes."""
    message = merkle.tree_head_signature_input(head.timestamp, head.tree_size, head.root)
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(head.signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def load_tree_head(path: str) -> TreeHead:
    """A tree head saved from ``get-sth`` (or by ``--save-sth``)."""
    try:
        return TreeHead.from_json(json.loads(Path(path).read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read a tree head from {path}: {exc}") from exc


def save_tree_head(path: str, head: TreeHead) -> None:
    Path(path).write_text(json.dumps(head.to_json(), indent=2) + "\n", encoding="utf-8")


# -- the report ------------------------------------------------------------------------------------------


class Report:
    """Prints each check as it is made and counts failures."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.checks = 0
        self.failures = 0

    def check(self, name: str, ok: bool, detail: str) -> bool:
        self.checks += 1
        self.failures += not ok
        self._line("OK" if ok else "FAIL", f"{name}: {detail}")
        return ok

    def warn(self, text: str) -> None:
        self._line("WARN", text)

    def info(self, text: str) -> None:
        self._line("", text)

    def detail(self, text: str) -> None:
        print(f"         - {text}", file=self.out)

    def _line(self, tag: str, text: str) -> None:
        print(f"[{tag:^4}] {text}" if tag else f"       {text}", file=self.out)

    @property
    def passed(self) -> bool:
        return self.checks > 0 and self.failures == 0

    def summary(self) -> None:
        if self.passed:
            print(f"\nVERIFIED: all {self.checks} checks passed.", file=self.out)
        else:
            print(f"\nNOT VERIFIED: {self.failures} of {self.checks} checks failed.", file=self.out)


# -- recomputing the root from streamed leaves --------------------------------------------------------------


class LeafAudit:
    """Recomputes the root over leaves as they stream past and collects what is wrong with them."""

    def __init__(self, tree_size: int) -> None:
        self.tree_size = tree_size
        self.builder = merkle.TreeBuilder()
        self.count = 0
        self.problems: list[str] = []
        self.problem_count = 0
        self.undecodable: int | None = None
        self.root = merkle.EMPTY_ROOT if tree_size == 0 else None

    def add(self, leaf: bytes | None, problem: str | None) -> None:
        """One leaf in order: its hash (None if it cannot be computed) and what is wrong with it, if anything."""
        if problem:
            self.problem_count += 1
            if len(self.problems) < MAX_LISTED_PROBLEMS:
                self.problems.append(problem)
        if leaf is None and self.undecodable is None:
            self.undecodable = self.count
        elif self.undecodable is None and self.count < self.tree_size:
            self.builder.append(leaf)
            if self.builder.size == self.tree_size:
                self.root = self.builder.root()
        self.count += 1

    def stop(self, problem: str) -> None:
        """The leaves could not all be read; the root stays unknown unless it was already reached."""
        self.problem_count += 1
        self.problems.append(problem)

    def report_leaves(self, report: Report, name: str, ok_detail: str) -> None:
        if not self.problem_count:
            report.check(name, True, f"{self.count} {ok_detail}")
            return
        report.check(name, False, f"{self.problem_count} of {self.count} are wrong")
        for problem in self.problems:
            report.detail(problem)
        if self.problem_count > len(self.problems):
            report.detail(f"... and {self.problem_count - len(self.problems)} more")

    def report_root(self, report: Report, head: TreeHead) -> None:
        name = "root hash"
        if self.undecodable is not None and self.undecodable < head.tree_size:
            report.check(name, False, f"cannot be recomputed: leaf {self.undecodable} could not be decoded")
        elif self.root is None:
            report.check(name, False, f"only {self.count} leaves were found; the tree head covers {head.tree_size}")
        elif self.root != head.root:
            report.check(name, False, f"recomputed {self.root.hex()}, but the tree head signs {head.root.hex()}")
        else:
            report.check(name, True, f"recomputed from {head.tree_size} leaves: {self.root.hex()} = the signed root")


# -- the log's JSON API ------------------------------------------------------------------------------------


def _check_http_url(url: str) -> None:
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise UsageError(f"only http and https URLs can be fetched, not {url!r}")


def fetch_json(url: str) -> Any:
    """GET ``url`` and decode its JSON body; FetchError on any transport or HTTP error."""
    _check_http_url(url)
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310 - http(s) only
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - http(s) only
            body = response.read(MAX_RESPONSE_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise FetchError(f"{url}: HTTP {exc.code}: {_http_error_message(exc)}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise FetchError(f"{url}: {exc}") from exc
    if len(body) > MAX_RESPONSE_BYTES:
        raise FetchError(f"{url}: the answer is larger than {MAX_RESPONSE_BYTES} bytes")
    try:
        return json.loads(body)
    except ValueError as exc:
        raise FetchError(f"{url}: the answer is not JSON") from exc


def _http_error_message(exc: urllib.error.HTTPError) -> str:
    try:
        return str(json.loads(exc.read())["error"])
    except (ValueError, KeyError, TypeError, OSError):
        return str(exc.reason)


class LogClient:
    """The ledger's public API, its answers decoded; a malformed answer raises ValueError."""

    def __init__(self, base_url: str, fetch: FetchJson = fetch_json) -> None:
        _check_http_url(base_url)
        self.base_url = base_url.rstrip("/") + "/"
        self.fetch = fetch

    def _get(self, endpoint: str, **params: Any) -> dict[str, Any]:
        url = self.base_url + endpoint + (f"?{urllib.parse.urlencode(params)}" if params else "")
        data = self.fetch(url)
        if not isinstance(data, dict):
            raise ValueError(f"{endpoint} did not answer with a JSON object")
        return data

    def tree_head(self) -> TreeHead:
        return TreeHead.from_json(self._get("get-sth"))

    def public_key(self) -> bytes:
        return b64decode(self._get("public-key").get("key"), "public-key key")

    def entries(self, start: int, end: int) -> list[dict[str, Any]]:
        """One page of entries ``start..end`` inclusive; the log may return fewer."""
        entries = self._get("get-entries", start=start, end=end).get("entries")
        if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
            raise ValueError("get-entries did not answer with a list of entries")
        return entries

    def proof_by_hash(self, leaf: bytes, tree_size: int) -> tuple[int, list[bytes]]:
        data = self._get("get-proof-by-hash", hash=b64encode(leaf), tree_size=tree_size)
        return _non_negative_int(data, "leaf_index"), _hash_list(data.get("audit_path"), "audit_path")

    def consistency(self, first: int, second: int) -> list[bytes]:
        data = self._get("get-sth-consistency", first=first, second=second)
        return _hash_list(data.get("consistency"), "consistency")


def _hash_list(values: Any, what: str) -> list[bytes]:
    if not isinstance(values, list):
        raise ValueError(f"{what} is missing or not a list")
    return [b64decode(value, f"{what}[{i}]") for i, value in enumerate(values)]


def iter_entries(client: LogClient, tree_size: int) -> Iterator[dict[str, Any]]:
    """Entries 0..tree_size-1 in order, page by page, never holding more than one page."""
    start = 0
    while start < tree_size:
        page = client.entries(start, min(start + PAGE_SIZE, tree_size) - 1)
        if not page:
            raise ValueError(f"the log returned no entries from index {start}")
        page = page[: tree_size - start]
        yield from page
        start += len(page)


def check_entry(entry: dict[str, Any], index: int) -> tuple[bytes | None, str | None]:
    """The leaf hash of a ``get-entries`` item and what is wrong with it, if anything."""
    try:
        data = b64decode(entry.get("leaf_input"), "leaf_input")
    except ValueError as exc:
        return None, f"entry {index}: {exc}"
    if entry.get("leaf_index") != index:
        return merkle.leaf_hash(data), f"entry {index}: the log labels it leaf_index {entry.get('leaf_index')!r}"
    if canonical_json(entry.get("record")) != data:
        return merkle.leaf_hash(data), f"entry {index}: record is not the canonical JSON of leaf_input"
    return merkle.leaf_hash(data), None


# -- the checks against a live log ---------------------------------------------------------------------------


def audit_entries(client: LogClient, head: TreeHead, report: Report) -> None:
    """Every entry matches its record, and all the leaves hash up to the signed root."""
    audit = LeafAudit(head.tree_size)
    try:
        for index, entry in enumerate(iter_entries(client, head.tree_size)):
            audit.add(*check_entry(entry, index))
    except ValueError as exc:
        audit.stop(str(exc))
    audit.report_leaves(report, "entries", "entries fetched; each leaf_input is the canonical JSON of its record")
    audit.report_root(report, head)


def check_inclusion(client: LogClient, head: TreeHead, index: int, report: Report) -> None:
    """Entry ``index`` is in the signed tree: an audit path from its leaf hash to the signed root."""
    name = f"inclusion of entry {index}"
    if index >= head.tree_size:
        report.check(name, False, f"not covered by the signed tree head (size {head.tree_size}); not published yet?")
        return
    try:
        leaf, record = _fetch_leaf(client, index)
        leaf_index, path = client.proof_by_hash(leaf, head.tree_size)
        if leaf_index != index:
            raise merkle.ProofError(f"the log places this record at index {leaf_index}, not {index}")
        merkle.verify_inclusion(leaf, index, head.tree_size, path, head.root)
    except ValueError as exc:
        report.check(name, False, str(exc))
        return
    report.check(name, True, f"an audit path of {len(path)} hashes leads from leaf {leaf.hex()} to the signed root")
    report.detail(f"record: {record if len(record) <= 300 else record[:300] + '…'}")


def _fetch_leaf(client: LogClient, index: int) -> tuple[bytes, str]:
    page = client.entries(index, index)
    if not page:
        raise ValueError(f"the log returned no entry {index}")
    leaf, problem = check_entry(page[0], index)
    if problem or leaf is None:
        raise ValueError(problem)
    return leaf, canonical_json(page[0]["record"]).decode("utf-8")


def check_consistency(client: LogClient, previous: TreeHead, current: TreeHead, key: bytes, report: Report) -> None:
    """The previous tree head is signed, and its tree is a prefix of the current one."""
    report.check("previous tree head signature", signature_ok(previous, key), previous.describe())
    name = f"consistency from size {previous.tree_size} to size {current.tree_size}"
    try:
        proof = _consistency_proof(client, previous.tree_size, current.tree_size)
        merkle.verify_consistency(previous.tree_size, current.tree_size, previous.root, current.root, proof)
    except ValueError as exc:
        report.check(name, False, str(exc))
        return
    report.check(name, True, f"a proof of {len(proof)} hashes shows the log only grew since the previous tree head")


def _consistency_proof(client: LogClient, first: int, second: int) -> list[bytes]:
    if first > second:
        raise merkle.ProofError(f"the log shrank from {first} to {second} entries")
    if first in (0, second):
        return []  # nothing to prove; verify_consistency still compares the roots
    return client.consistency(first, second)


def resolve_public_key(client: LogClient, pinned: bytes | None, report: Report) -> bytes:
    """The pinned key, or else the server's own key with a warning that it proves little."""
    if pinned:
        report.info("public key: pinned with --public-key")
        return pinned
    report.warn("public key fetched from the server being checked: a dishonest server could sign with its own")
    report.warn("key. Get the key out of band (annual report, another site) and pass it with --public-key.")
    key = client.public_key()
    report.info(f"public key: {b64encode(key)}")
    return key


def verify_log(args: argparse.Namespace, fetch: FetchJson, report: Report) -> None:
    """Every check against a live log, in order; the verified tree head is saved if all passed."""
    client = LogClient(args.source, fetch)
    pinned = parse_public_key(args.public_key) if args.public_key else None
    previous = load_tree_head(args.previous_sth) if args.previous_sth else None
    report.info(f"ledger: {client.base_url}")
    try:
        key = resolve_public_key(client, pinned, report)
        head = client.tree_head()
    except ValueError as exc:
        report.check("tree head", False, str(exc))
        return
    report.check("tree head signature", signature_ok(head, key), head.describe())
    if not args.skip_audit:
        audit_entries(client, head, report)
    for index in args.entry:
        check_inclusion(client, head, index, report)
    if args.donor_name is not None:
        check_donor_name(client, args.entry[0], args.donor_name, args.donor_salt, report)
    if previous is not None:
        check_consistency(client, previous, head, key, report)
    _maybe_save(args.save_sth, head, report)


def check_donor_name(client: LogClient, index: int, name: str, salt_hex: str, report: Report) -> None:
    """Entry ``index`` commits to the donor's public name ``name`` with this salt. A record written before
    commitments holds the name in clear under ``donor``; it is compared as it is."""
    check = f"donor name of entry {index}"
    try:
        page = client.entries(index, index)
        if not page:
            raise ValueError(f"the log returned no entry {index}")
        details = page[0]["record"]["details"]
        problem = check_entry(page[0], index)[1]
        if problem:
            raise ValueError(problem)
    except (ValueError, KeyError, TypeError) as exc:
        report.check(check, False, str(exc))
        return
    name = name.strip()
    if "donor_commitment" not in details:
        shown = details.get("donor")
        detail = f"the record holds the name in clear: {shown!r}" if shown is not None else "the record has no donor"
        report.check(check, shown == name, detail)
        return
    computed = merkle.donor_commitment(name, _salt_bytes(salt_hex))
    ok = computed == details["donor_commitment"]
    detail = "the record commits to this name" if ok else "the record does NOT commit to this name with this salt"
    report.check(check, ok, f"{detail} (commitment {details['donor_commitment']})")


def _salt_bytes(salt_hex: str) -> bytes:
    try:
        salt = bytes.fromhex(salt_hex.strip())
    except ValueError as exc:
        raise UsageError("--donor-salt must be the hexadecimal salt printed on the receipt") from exc
    if len(salt) < merkle.SALT_SIZE:
        raise UsageError(f"--donor-salt must be at least {merkle.SALT_SIZE} bytes ({2 * merkle.SALT_SIZE} hex digits)")
    return salt


def _maybe_save(path: str | None, head: TreeHead, report: Report) -> None:
    if not path:
        return
    if report.failures:
        report.info(f"tree head NOT saved to {path}: a check failed")
        return
    save_tree_head(path, head)
    report.info(f"verified tree head saved to {path}; pass it as --previous-sth next time")


# -- open-data files --------------------------------------------------------------------------------------------


def read_record_lines(path: Path) -> Iterator[bytes]:
    """The exact bytes of each record line (``.jsonl`` or ``.jsonl.gz``), without the newline."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        for line in handle:
            yield line[:-1] if line.endswith(b"\n") else line


def record_line_problem(line: bytes, index: int) -> str | None:
    try:
        record = json.loads(line)
    except ValueError:
        return f"line {index + 1} (leaf {index}) is not UTF-8 JSON"
    if canonical_json(record) != line:
        return f"line {index + 1} (leaf {index}) is not in canonical form"
    return None


def verify_open_data(args: argparse.Namespace, report: Report) -> None:
    """The open-data records hash up to the root of a tree head signed by the pinned key."""
    if not (args.sth and args.public_key):
        raise UsageError("an open-data file needs --sth FILE (a saved get-sth answer) and --public-key B64")
    if args.entry or args.previous_sth or args.save_sth or args.skip_audit:
        raise UsageError("--entry, --previous-sth, --save-sth and --skip-audit need a ledger URL")
    head, key, path = load_tree_head(args.sth), parse_public_key(args.public_key), Path(args.source)
    report.info(f"open data: {path}")
    report.check("tree head signature", signature_ok(head, key), head.describe())
    audit = LeafAudit(head.tree_size)
    try:
        for index, line in enumerate(read_record_lines(path)):
            audit.add(merkle.leaf_hash(line), record_line_problem(line, index))
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc}") from exc
    audit.report_leaves(report, "records", "lines, each the canonical JSON of one record")
    audit.report_root(report, head)
    if audit.count > head.tree_size:
        report.info(f"{audit.count - head.tree_size} later records are not covered by this tree head")


# -- command line -------------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m ledger.verifier",
        description="Verify the charity's public ledger: signed tree heads, entries, inclusion and consistency.",
    )
    parser.add_argument("source", help="ledger API base URL (https://…/api/ledger/v1/) or an open-data .jsonl file")
    parser.add_argument("--public-key", metavar="B64", help="the Ed25519 public key (base64, raw 32 bytes) to trust")
    parser.add_argument("--entry", metavar="N", type=int, action="append", default=[], help="check inclusion of N")
    parser.add_argument("--previous-sth", metavar="FILE", help="a tree head saved earlier: check consistency")
    parser.add_argument("--save-sth", metavar="FILE", help="save the tree head here if everything verified")
    parser.add_argument("--sth", metavar="FILE", help="open-data mode: the tree head the file is checked against")
    parser.add_argument("--skip-audit", action="store_true", help="don't download every entry (proofs only)")
    parser.add_argument("--donor-name", metavar="NAME", help="with one --entry: the public name the gift commits to")
    parser.add_argument("--donor-salt", metavar="HEX", help="with --donor-name: the salt printed on the receipt")
    return parser


def _is_url(source: str) -> bool:
    return "://" in source


def run(args: argparse.Namespace, fetch: FetchJson, report: Report) -> None:
    if any(index < 0 for index in args.entry):
        raise UsageError("--entry must be a leaf index ≥ 0")
    if (args.donor_name is None) != (args.donor_salt is None):
        raise UsageError("--donor-name and --donor-salt go together")
    if args.donor_name is not None and len(args.entry) != 1:
        raise UsageError("--donor-name needs exactly one --entry N (the gift's leaf index)")
    if args.donor_salt is not None:
        _salt_bytes(args.donor_salt)  # a malformed salt is a usage error before anything is fetched
    if _is_url(args.source):
        verify_log(args, fetch, report)
    elif Path(args.source).is_file():
        verify_open_data(args, report)
    else:
        raise UsageError(f"{args.source} is neither an http(s) URL nor a file")


def main(argv: Sequence[str] | None = None, *, fetch: FetchJson = fetch_json, out: TextIO | None = None) -> int:
    """Run the verifier; the exit status: 0 verified, 1 a check failed, 2 usage or network error."""
    args = build_parser().parse_args(argv)
    report = Report(out or sys.stdout)
    try:
        run(args, fetch, report)
    except UsageError as exc:
        report.info(f"error: {exc}")
        return EXIT_USAGE
    except FetchError as exc:
        report.info(f"error: could not finish: {exc}")
        report.summary()
        return EXIT_FAILED if report.failures else EXIT_USAGE
    report.summary()
    return EXIT_OK if report.passed else EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
