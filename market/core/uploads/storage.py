"""Where uploads live: reading an upload within its size limit, writing it atomically under a
random name in its area, finding and deleting it. Nothing the client names is used as a path."""
import os
import re
import secrets
import tempfile
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import NotFound

from market.core.uploads.errors import EMPTY_FILE, UploadError

MAX_ORIGINAL_NAME = 200
PDF_TYPE = "application/pdf"

_AREA = re.compile(r"[a-z0-9_-]{1,32}")
_STORED_NAME = re.compile(r"[A-Za-z0-9_-]{16,64}\.(?:jpg|png|webp|pdf)")
_READ_CHUNK = 64 * 1024


@dataclass(frozen=True)
class StoredFile:
    """What to keep about a stored upload (the caller saves it on its own row)."""

    stored_name: str
    content_type: str
    size: int
    original_name: str  # sanitised, for display only: never a path


def stored_path(area: str, stored_name: str) -> Path:
    """Path of a stored file; NotFound for anything but an existing, plainly named file."""
    path = _path_of(area, stored_name)
    if not path.is_file():
        raise NotFound()
    return path


def delete_stored(area: str, stored_name: str) -> None:
    """Remove a stored file; a file already gone is fine."""
    _path_of(area, stored_name).unlink(missing_ok=True)


def delete_older_than(area: str, seconds: float) -> int:
    """Remove the area's stored files last written more than `seconds` ago (for short-lived
    areas whose rows may be gone: a deleted account's kept photos). Returns how many."""
    folder, removed = _area_folder(area), 0
    if not folder.is_dir():
        return 0
    limit = time.time() - seconds
    for path in folder.iterdir():
        if _STORED_NAME.fullmatch(path.name) and path.is_file() and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


# --- reading and writing ----------------------------------------------------------------


def read_upload(file, max_bytes: int) -> bytes:
    """The upload's bytes; never reads more than one byte past `max_bytes`."""
    stream = getattr(file, "stream", file)
    chunks, remaining = [], max_bytes + 1
    while remaining > 0:
        chunk = stream.read(min(remaining, _READ_CHUNK))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    data = b"".join(chunks)
    if len(data) > max_bytes:
        raise UploadError(_l("The file is larger than %(size)s MB.", size=f"{max_bytes / 2**20:g}"))
    if not data:
        raise UploadError(EMPTY_FILE)
    return data


def _upload_root() -> Path:
    return Path(current_app.config.get("UPLOAD_FOLDER") or Path(current_app.instance_path, "uploads"))


def _area_folder(area: str) -> Path:
    if not _AREA.fullmatch(area):
        raise ValueError(f"bad upload area {area!r}")
    return _upload_root() / area


def _path_of(area: str, stored_name: str) -> Path:
    if not isinstance(stored_name, str) or not _STORED_NAME.fullmatch(stored_name):
        raise NotFound()
    return _area_folder(area) / stored_name


def write_new(area: str, extension: str, data: bytes, stored_name: str | None = None) -> str:
    """Write `data` under a new random name (or `stored_name`) and return the name.

    The bytes go to a hidden temporary file first and are renamed into place, so a reader
    never sees a half-written file and a failure leaves nothing behind.
    """
    folder = _area_folder(area)
    folder.mkdir(parents=True, exist_ok=True)
    stored_name = stored_name or secrets.token_urlsafe(16) + extension
    descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=".upload-", suffix=".part")
    try:
        with os.fdopen(descriptor, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, folder / stored_name)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return stored_name


def display_name(filename: str | None) -> str:
    """The client's file name made safe to show: last path part, no control or bidi characters."""
    name = unicodedata.normalize("NFC", filename or "")
    name = re.split(r"[/\\]", name)[-1]
    # Category C holds control, format (bidi overrides that disguise ".exe"), private use.
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    return " ".join(name.split())[:MAX_ORIGINAL_NAME]

