"""Photos kept while a product form is sent back with an error.

A member on a slow phone who chose three photos must not choose them again because the
price was mistyped. When the form comes back, the photos chosen are checked and re-encoded
as any product photo is (`uploads.store_image_variants`) and kept in their own area under
a random token, on a row naming the member: only that member's requests can show or use
them, and they are removed after `STASH_LIFETIME` (swept whenever someone stashes) or once
the product is saved with them.
"""
import io
import re
from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import NotFound

from market.catalog.models import MAX_PHOTOS, StashedPhoto
from market.core import uploads
from market.core.clock import utcnow
from market.extensions import db

STASH_AREA = "photo-stash"
STASH_LIFETIME = timedelta(hours=6)
# A member's stash from forms left behind (another tab, a form given up) is bounded: past
# this many photos the ones no form sent back go, so repeated posts cannot fill the disk.
MAX_STASHED_PER_MEMBER = 2 * MAX_PHOTOS
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,40}")


def _tokens(values) -> list[str]:
    return list(dict.fromkeys(value for value in values if isinstance(value, str) and _TOKEN.fullmatch(value)))


def _live(user_id: int, tokens) -> list[StashedPhoto]:
    tokens = _tokens(tokens)
    if not tokens:
        return []
    rows = db.session.scalars(select(StashedPhoto).where(
        StashedPhoto.user_id == user_id, StashedPhoto.token.in_(tokens),
        StashedPhoto.created_at > utcnow() - STASH_LIFETIME,
    ))
    by_token = {row.token: row for row in rows}
    return [by_token[token] for token in tokens if token in by_token]


def _remove(rows) -> None:
    for row in rows:
        uploads.delete_image_variants(STASH_AREA, row.token)
        db.session.delete(row)


def _sweep() -> None:
    """Forget every stash older than its lifetime (any member's: nobody can use it any more)."""
    expired = list(db.session.scalars(select(StashedPhoto).where(StashedPhoto.created_at <= utcnow() - STASH_LIFETIME)))
    _remove(expired)
    # Files whose row went with a deleted account: nothing else names them.
    uploads.delete_older_than(STASH_AREA, STASH_LIFETIME.total_seconds() * 2)


def restash(user_id: int, kept_tokens, dropped_tokens, files, room: int = MAX_PHOTOS) -> tuple[list[StashedPhoto], str | None]:
    """The form came back with an error: keep the member's stashed photos still wanted, forget
    the ones they removed, and stash the newly chosen `files` (at most `room` photos in all).

    Returns the photos to show again, in order, and the message of the first photo refused
    (not an image, too large...), if any. Tokens of other members or expired ones are ignored.
    """
    dropped = set(_tokens(dropped_tokens))
    kept = [row for row in _live(user_id, kept_tokens) if row.token not in dropped]
    _remove(row for row in _live(user_id, dropped))
    _sweep()
    kept_tokens = {row.token for row in kept}
    others = [row for row in db.session.scalars(select(StashedPhoto).where(StashedPhoto.user_id == user_id))
              if row.token not in kept_tokens and row.token not in dropped]
    if len(others) + len(kept) + len(files) > MAX_STASHED_PER_MEMBER:
        _remove(others)
    refused = None
    for file in files:
        if len(kept) >= room:
            break
        file.stream.seek(0)  # the failed save may have read it already
        try:
            image = uploads.store_image_variants(file, STASH_AREA, max_bytes=current_app.config["PHOTO_MAX_BYTES"],
                                                 budget=uploads.PRODUCT_PHOTO)
        except uploads.UploadError as error:
            refused = refused or str(error)
            continue
        row = StashedPhoto(token=image.token, user_id=user_id, width=image.width, height=image.height)
        db.session.add(row)
        kept.append(row)
    db.session.commit()
    return kept, refused


def stashed(user_id: int, tokens) -> list[StashedPhoto]:
    """The member's live stashed photos among `tokens`, in order (a read: nothing changes)."""
    return _live(user_id, tokens)


def as_uploads(rows) -> list[FileStorage]:
    """The stashed photos as uploads, for the product services to check and store as any other."""
    files = []
    for row in rows:
        path = uploads.stored_path(STASH_AREA, uploads.variant_name(row.token, "large"))
        files.append(FileStorage(io.BytesIO(path.read_bytes()), filename=f"{row.token}.webp", content_type="image/webp"))
    return files


def discard(user_id: int, tokens) -> None:
    """Forget the member's stashed photos among `tokens` (used by a saved product, or removed)."""
    _remove(_live(user_id, tokens))
    db.session.commit()


def thumbnail(user_id: int, token: str):
    """The thumbnail of one of the member's stashed photos; NotFound for anyone else's."""
    if not _live(user_id, [token]):
        raise NotFound()
    return uploads.send_stored(STASH_AREA, uploads.variant_name(token, "thumb"))
