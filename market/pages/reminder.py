"""Asking members of sellers again when the seller terms change.

At sign-in (Flask-Login's `user_logged_in`, which also fires for a "remember me" cookie) a
member who must accept a newer version gets a flag in her session and a notice; while the
flag is up, every page of the seller area (/sell, /sell/...) sends her to /sell/terms first.
The flag is dropped once she accepts, or when the check finds nothing to accept. Shopping
pages are never held up, and a visitor without the flag costs no query.
"""
from collections.abc import Callable

from flask import Flask, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, user_logged_in

from market.pages import services

FLAG = "terms_due"


def init_terms_reminder(app: Flask, seller_terms_baseline: Callable) -> None:
    """Called by create_app with sellers' answer to "which seller-terms version does this
    user hold through her seller (None: not a member of an approved seller)"."""
    services.register_terms_party(services.SELLER_TERMS, seller_terms_baseline)
    user_logged_in.connect(_on_sign_in)  # one receiver, however many apps connect it
    app.before_request(_hold_seller_area)


def _on_sign_in(sender, user, **extra) -> None:
    if services.needs_acceptance(user):
        session[FLAG] = True
        flash(_("The seller terms have changed. Please read and accept them before you continue selling."), "info")
    else:
        session.pop(FLAG, None)


def _in_seller_area(path: str) -> bool:
    # The guides are read, never held up: a member with new terms to accept may still read them.
    return path == "/sell" or (path.startswith("/sell/") and path != "/sell/terms" and not _is_help(path))


def _is_help(path: str) -> bool:
    return path == "/sell/help" or path.startswith("/sell/help/")


def _hold_seller_area():
    if not session.get(FLAG) or not _in_seller_area(request.path):
        return None
    if current_user.is_authenticated and services.needs_acceptance(current_user):
        # Back to the page she asked for; after a form (POST), to the seller dashboard.
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("pages.accept_terms", next=target))
    session.pop(FLAG, None)
    return None


def forget_terms_due() -> None:
    session.pop(FLAG, None)
