"""Pending uploads (待确认的上传): the file a preview was made from, kept until it is confirmed or a day old.

Rules:
- The file is saved under ``settings.IMPORT_UPLOAD_DIR`` (private: never under MEDIA_ROOT, so no URL serves it),
  named by a random token, readable by the server's user only. The name the user gave it is never a path.
- Who uploaded what is recorded in the uploader's session (token → kind, original name, sha256, user, time): a
  token is only good in the session that uploaded it, for the same user and the same kind of import.
- Confirming first *claims* the file by renaming it (atomic), so two confirm clicks cannot both import it; the
  claimed file is checked against the sha256 recorded at upload, then deleted once the import has run.
- Each upload deletes files older than a day: previews nobody confirmed do not pile up.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings

SESSION_KEY = "bulk_pending_uploads"
MAX_AGE_SECONDS = 24 * 60 * 60
UPLOAD_ID_PATTERN = r"[A-Za-z0-9_-]{32}"
PENDING_SUFFIX = ".upload"
CLAIMED_SUFFIX = ".claimed"
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class PendingUpload:
    token: str
    kind: str
    name: str  # as the user's computer called it: shown to staff and used for its extension, never as a path
    sha256: str
    user_id: int
    created: float  # Unix time
    done: str = ""  # once confirmed: what came of it (a second confirm shows it and imports nothing)

    @property
    def path(self) -> Path:
        return upload_dir() / f"{self.token}{PENDING_SUFFIX}"

    @property
    def claimed_path(self) -> Path:
        return upload_dir() / f"{self.token}{CLAIMED_SUFFIX}"


def upload_dir() -> Path:
    folder = Path(settings.IMPORT_UPLOAD_DIR)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def upload_store(request, uploaded, *, kind: str) -> PendingUpload:
    """Save ``uploaded`` (a Django UploadedFile) under a fresh token and remember it in the session."""
    uploads_purge()
    token = secrets.token_urlsafe(24)
    path = upload_dir() / f"{token}{PENDING_SUFFIX}"
    digest = hashlib.sha256()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        for chunk in uploaded.chunks():
            digest.update(chunk)
            handle.write(chunk)
    pending = PendingUpload(
        token=token,
        kind=kind,
        name=Path(uploaded.name or "").name[:200],
        sha256=digest.hexdigest(),
        user_id=request.user.pk,
        created=time.time(),
    )
    records = _records(request)
    records[token] = asdict(pending)
    _save(request, records)
    return pending


def upload_get(request, token: str) -> PendingUpload | None:
    """The upload this session made under ``token`` (any user, any kind: the caller checks both), or None."""
    record = _records(request).get(token)
    return PendingUpload(**record) if record else None


def upload_forget(request, pending: PendingUpload) -> None:
    """Drop the session's record and the file (pending or claimed): a preview that cannot be confirmed."""
    records = _records(request)
    if records.pop(pending.token, None) is not None:
        _save(request, records)
    _delete(pending)


def upload_finish(request, pending: PendingUpload, *, outcome: str) -> None:
    """Delete the file after its confirm ran; the session keeps ``outcome`` so a second confirm can say what
    the first one did."""
    records = _records(request)
    records[pending.token] = {**asdict(pending), "done": outcome}
    _save(request, records)
    _delete(pending)


def _delete(pending: PendingUpload) -> None:
    pending.path.unlink(missing_ok=True)
    pending.claimed_path.unlink(missing_ok=True)


def upload_claim(pending: PendingUpload) -> Path | None:
    """Take the file for one confirm (an atomic rename): its new path, or None when it is gone — already
    confirmed, being confirmed by another click, or deleted as too old."""
    try:
        os.rename(pending.path, pending.claimed_path)
    except FileNotFoundError:
        return None
    return pending.claimed_path


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def uploads_purge(*, now: float | None = None) -> int:
    """Delete pending and claimed files older than a day; the number deleted."""
    cutoff = (time.time() if now is None else now) - MAX_AGE_SECONDS
    deleted = 0
    for path in upload_dir().iterdir():
        if path.suffix not in (PENDING_SUFFIX, CLAIMED_SUFFIX):
            continue
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                deleted += 1
        except FileNotFoundError:  # another request deleted it first
            continue
    return deleted


def _records(request) -> dict[str, dict]:
    cutoff = time.time() - MAX_AGE_SECONDS
    records = request.session.get(SESSION_KEY, {})
    return {token: record for token, record in records.items() if record.get("created", 0) >= cutoff}


def _save(request, records: dict[str, dict]) -> None:
    request.session[SESSION_KEY] = records
