"""Keeping an uploaded file between its preview and the confirmation of its import."""
import os
import re
import secrets
import time
from collections.abc import Callable
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from market.accounts.models import User
from market.catalog.csv_import.importing import import_rows
from market.catalog.csv_import.parsing import parse
from market.catalog.csv_import.preview import ImportFailed, ImportNotFound, Preview
from market.catalog.services import acting_seller

# How long an uploaded file waits for its confirmation before it is swept away.
STORED_FOR_SECONDS = 24 * 3600
IMPORT_AREA = "imports"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")


def _import_folder() -> Path:
    root = current_app.config.get("UPLOAD_FOLDER") or Path(current_app.instance_path, "uploads")
    return Path(root) / IMPORT_AREA


def _stored_path(seller_id: int, token: str) -> Path | None:
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        return None
    return _import_folder() / f"{int(seller_id)}-{token}.csv"


def _sweep_old_uploads(folder: Path) -> None:
    limit = time.time() - STORED_FOR_SECONDS
    for path in folder.glob("*.csv"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
        except OSError:
            pass


def _store(seller_id: int, data: bytes) -> str:
    folder = _import_folder()
    folder.mkdir(parents=True, exist_ok=True)
    _sweep_old_uploads(folder)
    token = secrets.token_urlsafe(24)
    path = _stored_path(seller_id, token)
    temporary = folder / f".{token}.part"
    with open(temporary, "wb") as out:
        out.write(data)
    os.replace(temporary, path)
    return token


def preview_upload(member: User, file) -> tuple[Preview, str | None]:
    """Check an uploaded CSV for `member`'s seller; when it can be imported, keep its bytes
    and return the token that confirms the import (bound to the seller), else None."""
    seller = acting_seller(member)
    preview = parse(file, seller)
    token = None
    if preview.ok:
        data = file.encode("utf-8") if isinstance(file, str) else bytes(file)
        token = _store(seller.id, data)
    return preview, token


def import_stored(member: User, token: str, progress: Callable[[int], None] | None = None) -> int:
    """Import the upload kept under `token`, all or nothing, then forget it.

    ImportNotFound when the token is unknown, expired, or another seller's.
    """
    seller = acting_seller(member)
    path = _stored_path(seller.id, token)
    if path is None or not path.is_file():
        raise ImportNotFound(_("This import is no longer available. Upload the file again."))
    try:
        count = import_rows(member, parse(path.read_bytes(), seller), progress)
    except ImportFailed:
        path.unlink(missing_ok=True)  # the file is out of date: it must be fixed and uploaded again
        raise
    path.unlink(missing_ok=True)
    return count


def discard_stored(member: User, token: str) -> None:
    """Forget a kept upload without importing it (the member cancelled)."""
    seller = acting_seller(member)
    path = _stored_path(seller.id, token)
    if path is None or not path.is_file():
        raise ImportNotFound(_("This import is no longer available. Upload the file again."))
    path.unlink(missing_ok=True)
