"""Sending a stored file: images inline, anything else as a download, never run by the browser."""
from flask import Response, send_file

from market.core.uploads.images import TYPE_FOR_EXTENSION
from market.core.uploads.storage import stored_path

INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})


def send_stored(
    area: str,
    stored_name: str,
    content_type: str | None = None,
    download_name: str | None = None,
    max_age: int = 0,
    public: bool = False,
) -> Response:
    """Send a stored file: images inline, anything else as a download.

    `content_type` defaults to the type the stored name's (server-chosen) extension stands
    for. Documents are for their owners, so the answer is private unless `public` (logos
    shown on public pages). Callers check access first.
    """
    path = stored_path(area, stored_name)
    content_type = content_type or TYPE_FOR_EXTENSION[path.suffix]
    response = send_file(
        path,
        mimetype=content_type,
        as_attachment=content_type not in INLINE_TYPES,
        download_name=download_name or stored_name,
        max_age=max_age,
    )
    response.headers["Cache-Control"] = f"{'public' if public else 'private'}, max-age={max_age}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Should a browser ever render it anyway, the file may run nothing and load nothing.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response

