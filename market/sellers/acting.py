"""A staff member acting for a seller, request by request.

"Help this seller" (staff page) puts the seller in the staff member's signed session. On
every request after that, `_check` asks the grant again (`helping.check_help`): ended,
expired or no longer covering her, acting stops with the reason and she is sent back to the
seller's staff page. While it holds:
- in the seller area (/sell...) `core.on_behalf` counts her as a plain member of that seller
  for this request only, and marks the audit rows she writes with the seller;
- every page shows the banner "Acting for <seller>" with the way back (`stop`);
- what the union must never do for a seller is closed (`CLOSED`, `READ_ONLY`,
  `CLOSED_MOVES`): its members and invitations, money (the statement, a shopper's transfer
  receipt, "delivered, cash collected"), terms, its consent to help, the application, the
  figures it declares to the union, applications to the union's programs and answers to
  complaints the union decides; and the account pages (they would be hers, not the seller's
  users').
"""
from flask import Flask, abort, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from market.core import on_behalf
from market.core.clock import utcnow
from market.core.domain import DomainError
from market.sellers import helping

KEY = "acting_for"  # {"staff": user id, "seller": seller id}

# Closed whatever the method.
CLOSED = frozenset({
    "sellers.members", "sellers.revoke_invitation", "sellers.remove_member", "sellers.accept_invitation",
    "sellers.apply", "sellers.delete_document", "sellers.profile",
    "sellers.help_from_union", "sellers.end_help_from_union",
    "orders.seller_statement", "orders.seller_order_receipt",
    "pages.accept_terms",
    "programs.apply",
})
# Readable, but not sent: the seller's own declarations and answers.
READ_ONLY = frozenset({"sellers.figures", "complaints.seller_complaint"})
# Order moves that say money reached the seller (cash collected on delivery): hers to say.
CLOSED_MOVES = {"orders.seller_order_action": frozenset({"deliver"})}
# What stays open of the account area: signing out.
ACCOUNT_OPEN = frozenset({"accounts.logout"})


def init_acting(app: Flask) -> None:
    """Called by create_app: the per-request check, its cleanup, and the banner's data."""
    app.before_request(_check)
    app.teardown_request(_forget)
    app.context_processor(lambda: {"acting_for": g.get("acting_for")})


def start(staff_id: int, seller_id: int) -> None:
    session[KEY] = {"staff": staff_id, "seller": seller_id}


def stop() -> int | None:
    """Stop acting; the seller it was for, if any."""
    acting = session.pop(KEY, None)
    return acting.get("seller") if isinstance(acting, dict) else None


def _in_seller_area(path: str) -> bool:
    return path == "/sell" or path.startswith("/sell/")


def _closed(endpoint: str | None) -> bool:
    if endpoint in CLOSED:
        return True
    if endpoint in READ_ONLY and request.method not in ("GET", "HEAD"):
        return True
    if (request.view_args or {}).get("action") in CLOSED_MOVES.get(endpoint, ()):
        return True
    if request.path == "/account" or request.path.startswith("/account/"):
        return endpoint not in ACCOUNT_OPEN
    return False


def _check():
    acting = session.get(KEY)
    if not acting or request.endpoint == "static" or request.endpoint == "sellers.stop_acting":
        return None
    if not isinstance(acting, dict) or not current_user.is_authenticated or current_user.id != acting.get("staff"):
        session.pop(KEY, None)  # signed out, or someone else signed in on this browser
        return None
    seller_id = acting["seller"]
    now = utcnow()
    try:
        grant = helping.check_help(current_user, seller_id, now)
    except DomainError as error:
        session.pop(KEY, None)
        helping.settle_expired_help(now, seller_id)  # the owner hears of an ended period once
        flash(_("You no longer act for this seller: %(reason)s", reason=error.message), "error")
        if _in_seller_area(request.path):
            return redirect(url_for("sellers.staff_seller", seller_id=seller_id))
        return None
    g.acting_for = grant.seller
    if _closed(request.endpoint):
        if request.method not in ("GET", "HEAD"):
            abort(403)
        flash(_("While you act for %(seller)s, this page is closed: the union never sees or changes a seller's "
                "members, money, terms or accounts for it.", seller=grant.seller.name), "error")
        return redirect(url_for("sellers.dashboard"))
    if _in_seller_area(request.path):
        on_behalf.begin(current_user.id, seller_id)
    return None


def _forget(_error=None) -> None:
    on_behalf.end()
