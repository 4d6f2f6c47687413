"""The public ledger API under /api/ledger/v1/, with RFC 6962 §4 semantics.

Hashes and signatures are base64; ranges are inclusive; a bad or out-of-range parameter is a 400
with a JSON message. Only published tree heads are served, and proofs are answered for any
published tree size.
"""

from __future__ import annotations

import base64
import binascii
import json

from django.conf import settings
from django.http import HttpRequest, JsonResponse, StreamingHttpResponse
from django.views.decorators.http import require_GET

from ledger import selectors
from ledger.exports import csv_rows, jsonl_lines
from ledger.labels import data_dictionary
from ledger.models import TreeHead
from ledger.signing import public_key_bytes

MAX_DIGITS = 19  # tree sizes and indexes are signed 64-bit in the database


class BadRequest(Exception):
    pass


def b64(data: bytes) -> str:
    return base64.b64encode(bytes(data)).decode("ascii")


def _json(payload: dict, status: int = 200) -> JsonResponse:
    response = JsonResponse(payload, status=status, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"  # public data: any verifier may read it
    return response


def api_view(func):
    @require_GET
    def wrapper(request: HttpRequest):
        try:
            return _json(func(request))
        except BadRequest as error:
            return _json({"error": str(error)}, status=400)

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper


def _int_param(request: HttpRequest, name: str, *, minimum: int = 0) -> int:
    raw = request.GET.get(name)
    if raw is None or raw == "":
        raise BadRequest(f"missing parameter '{name}'")
    if not (raw.isascii() and raw.isdigit()):  # str.isdigit() alone admits "²", which int() refuses
        raise BadRequest(f"parameter '{name}' must be a non-negative integer")
    if len(raw) > MAX_DIGITS:  # beyond any tree size, and int() refuses over 4300 digits
        raise BadRequest(f"parameter '{name}' is out of range")
    value = int(raw)
    if value < minimum:
        raise BadRequest(f"parameter '{name}' must be >= {minimum}")
    return value


def _published(size: int) -> TreeHead:
    head = selectors.published_tree_head_for_size(size)
    if head is None:
        raise BadRequest(f"no published tree head has tree_size {size}")
    return head


def sth_json(head: TreeHead) -> dict:
    return {
        "tree_size": head.tree_size,
        "timestamp": head.timestamp_ms,
        "sha256_root_hash": b64(head.root_hash),
        "tree_head_signature": b64(head.signature),
    }


@api_view
def get_sth(request):
    """The latest signed tree head."""
    head = selectors.latest_tree_head()
    if head is None:
        raise BadRequest("no tree head has been published yet")
    return sth_json(head)


@api_view
def get_sth_consistency(request):
    first = _int_param(request, "first")
    second = _int_param(request, "second")
    if first > second:
        raise BadRequest("'first' must not exceed 'second'")
    _published(first)
    _published(second)
    return {"consistency": [b64(h) for h in selectors.consistency_proof(first, second)] if first else []}


@api_view
def get_proof_by_hash(request):
    raw = request.GET.get("hash", "")
    try:
        leaf = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError) as error:
        raise BadRequest("'hash' must be base64") from error
    if len(leaf) != 32:
        raise BadRequest("'hash' must be a 32-byte SHA-256 leaf hash")
    size = _int_param(request, "tree_size", minimum=1)
    _published(size)
    index = selectors.leaf_index_for_hash(leaf)
    if index is None or index >= size:
        raise BadRequest(f"no leaf with this hash in the tree of size {size}")
    return {"leaf_index": index, "audit_path": [b64(h) for h in selectors.inclusion_proof(index, size)]}


@api_view
def get_entries(request):
    """Entries start..end inclusive, at most LEDGER_PAGE_SIZE per response (fewer may be returned), and only
    entries covered by the latest published tree head (RFC 6962 §4.6): the rest are not signed yet."""
    start = _int_param(request, "start")
    end = _int_param(request, "end")
    if end < start:
        raise BadRequest("'end' must not be before 'start'")
    head = selectors.latest_tree_head()
    signed = head.tree_size if head else 0
    if start >= signed:
        raise BadRequest(f"no signed entries from {start}: the latest tree head covers {signed}")
    end = min(end, start + settings.LEDGER_PAGE_SIZE - 1, signed - 1)
    rows = selectors.entries(start, end)
    if not rows:
        raise BadRequest(f"no entries from {start}")
    return {
        "entries": [
            {"leaf_index": index, "leaf_input": b64(text.encode("utf-8")), "record": json.loads(text)}
            for index, text in rows
        ]
    }


@api_view
def public_key(request):
    return {"key": b64(public_key_bytes()), "algorithm": "Ed25519"}


def _stream(lines, content_type: str, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def open_data_jsonl(request):
    """Every public record, one per line: line i is exactly the bytes hashed as leaf i."""
    return _stream(jsonl_lines(), "application/x-ndjson; charset=utf-8", "ledger.jsonl")


@require_GET
def open_data_csv(request):
    """Every leg of every public record, flattened for spreadsheets (UTF-8 with BOM for Excel)."""
    return _stream(csv_rows(), "text/csv; charset=utf-8", "ledger.csv")


@require_GET
def open_data_dictionary(request):
    """The data dictionary of the open data: every key and value a record can hold, labelled in both languages."""
    return _json(data_dictionary())
