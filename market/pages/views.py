"""Public pages: /pages/<slug> (operating rules, privacy, returns, contact, seller terms), and
/sell/terms where a member of a seller accepts a new version of the seller terms."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from market.core.domain import DomainError
from market.core.i18n import select_locale
from market.core.page_cache import cached_for_visitors
from market.core.security import safe_next
from market.pages import bp, services
from market.pages.formatting import render_body
from market.pages.forms import AcceptTermsForm
from market.pages.reminder import forget_terms_due


def _contact() -> dict:
    config = current_app.config
    return {"hotline": config["UNION_HOTLINE"], "email": config["UNION_EMAIL"], "address": config["UNION_ADDRESS"]}


def _text(page, locale: str):
    """The page's body as HTML: {hotline}, {email} and {address} replaced by the configured
    contact details (plain replacement, never str.format), then escaped and formatted."""
    body = page.body(locale)
    for name, value in _contact().items():
        body = body.replace("{" + name + "}", value)
    return render_body(body)


@bp.route("/pages/<slug>")
@cached_for_visitors
def show(slug: str):
    if slug not in services.SLUGS:
        abort(404)
    page = services.current_page(slug)
    locale = select_locale()
    return render_template(
        "pages/show.html", page=page, title=page.title(locale), body=_text(page, locale),
        contact=_contact() if slug == "contact" else None,
    )


@bp.route("/sell/terms", methods=["GET", "POST"])
@login_required
def accept_terms():
    """The seller terms in effect, and (for a member who has not accepted them) the button."""
    slug = services.SELLER_TERMS
    if not services.bound_by(current_user, slug):
        return redirect(url_for("sellers.apply"))
    form = AcceptTermsForm()
    next_url = request.args.get("next")
    if form.validate_on_submit():
        try:
            services.accept_terms(current_user, slug, form.version.data)
        except DomainError as error:
            flash(str(error.message), "error")
        else:
            forget_terms_due()
            flash(_("Thank you: you accepted the seller terms."), "success")
            return redirect(safe_next(next_url, "sellers.dashboard"))
    page = services.current_page(slug)
    form.version.data = page.version
    locale = select_locale()
    return render_template(
        "pages/accept_terms.html", page=page, title=page.title(locale), body=_text(page, locale), form=form,
        due=services.needs_acceptance(current_user, slug), accepted=services.latest_accepted(current_user, slug),
        next_url=next_url if next_url and safe_next(next_url) == next_url else None,
    )
