"""Error pages for 400, 403, 404, 405, 413, 429 and 500 in the visitor's language."""
from flask import Flask, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from market.extensions import db

# Title and explanation shown to the visitor for each status.
ERROR_TEXTS = {
    400: (_l("Bad request"), _l("The request could not be understood. Please go back and try again.")),
    403: (_l("Access denied"), _l("You do not have permission to open this page.")),
    404: (_l("Page not found"), _l("The page you are looking for does not exist or has been moved.")),
    405: (_l("Method not allowed"), _l("This page cannot be used that way.")),
    413: (_l("File too large"), _l("What you sent is larger than we accept. Please send a smaller file.")),
    429: (_l("Too many attempts"), _l("You have tried too many times. Please wait a few minutes and try again.")),
    500: (_l("Something went wrong"), _l("An error occurred on our side. Please try again in a moment.")),
}
CSRF_TEXT = _l("The form has expired or was sent without its security token. Please reload the page and try again.")


def render_error(status: int, detail=None):
    title, message = ERROR_TEXTS.get(status, ERROR_TEXTS[500])
    body = render_template("errors/error.html", status=status, title=title, message=detail or message)
    return body, status


def _handle_http_error(error: HTTPException):
    status = error.code if error.code in ERROR_TEXTS else 500
    response_body, status = render_error(status)
    if error.code == 405 and getattr(error, "valid_methods", None):
        return response_body, status, {"Allow": ", ".join(error.valid_methods)}
    return response_body, status


def _handle_untrusted_host(error: SecurityError):
    # A Host header outside TRUSTED_HOSTS: no URL can be built for it, so no page either.
    return "Bad request: unknown host.\n", 400, {"Content-Type": "text/plain; charset=utf-8"}


def _handle_csrf_error(error: CSRFError):
    return render_error(400, CSRF_TEXT)


def _handle_internal_error(error: InternalServerError):
    # A failed transaction must not leak into the error page's own queries.
    db.session.rollback()
    return render_error(500)


def register_error_pages(app: Flask) -> None:
    """Render our own page for every HTTP error; never a stack trace outside debug mode."""
    app.register_error_handler(CSRFError, _handle_csrf_error)
    app.register_error_handler(SecurityError, _handle_untrusted_host)
    app.register_error_handler(HTTPException, _handle_http_error)
    # Flask wraps any unhandled exception in InternalServerError (outside debug/testing).
    app.register_error_handler(InternalServerError, _handle_internal_error)
