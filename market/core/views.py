"""Machine endpoints and the language switch."""
from flask import abort, current_app, jsonify, redirect, request, session
from flask_login import current_user
from sqlalchemy import text

from market.core import bp
from market.core.i18n import language_chosen
from market.core.security import safe_next
from market.extensions import db


@bp.route("/healthz")
def healthz():
    """200 with `"database": "ok"` when the database answers, 503 when it does not."""
    try:
        db.session.execute(text("SELECT 1"))
        database_ok = True
    except Exception:  # any driver error means the database is not answering
        db.session.rollback()
        current_app.logger.exception("health check: database did not answer")
        database_ok = False
    body = {"status": "ok" if database_ok else "degraded", "database": "ok" if database_ok else "error"}
    return jsonify(body), 200 if database_ok else 503


@bp.route("/lang/<code>")
def switch_language(code: str):
    """Switch the interface language and go back to the page the visitor was on.

    A plain link (no form) so it works without JavaScript and keeps pages cacheable for
    visitors who have no session yet; choosing a language changes nothing of value.
    """
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    session["lang"] = code
    if current_user.is_authenticated:
        # accounts remembers it in the profile (see market.accounts.services.remember_language).
        language_chosen.send(current_app._get_current_object(), user=current_user._get_current_object(), code=code)
    return redirect(safe_next(request.args.get("next")))
