"""Machine endpoints (health, the icons browsers ask for at the root) and the language switch."""
from flask import abort, current_app, jsonify, redirect, request, send_from_directory, session
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


ICON_MAX_AGE = 7 * 24 * 3600  # icons keep their name when redrawn: a week, not a year


@bp.route("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page says; the file lives in static/icons."""
    return send_from_directory(current_app.static_folder, "icons/favicon.ico", mimetype="image/vnd.microsoft.icon",
                               max_age=ICON_MAX_AGE)


@bp.route("/apple-touch-icon.png")
@bp.route("/apple-touch-icon-precomposed.png")
def apple_touch_icon():
    """iOS asks for these at the root when a page is added to the home screen."""
    return send_from_directory(current_app.static_folder, "icons/apple-touch-icon.png", mimetype="image/png",
                               max_age=ICON_MAX_AGE)


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
