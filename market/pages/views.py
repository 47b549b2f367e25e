"""Public pages: /pages/<slug> (operating rules, privacy, returns, contact, seller terms),
/sell/terms where a member of a seller accepts a new version of the seller terms, the
sellers' guides (/sell/help, /sell/help/<topic>) and the shoppers' /how-to-buy."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user, login_required

from market.core.domain import DomainError
from market.core.i18n import select_locale
from market.core.page_cache import cached_for_visitors
from market.core.security import safe_next
from market.pages import bp, services
from market.pages.formatting import render_body
from market.pages.forms import AcceptTermsForm
from market.pages.guides import GROUP_LABELS, GUIDES, HOW_TO_BUY, QUESTIONS, STEPS, TOPICS, is_member, pricing_example
from market.pages.pictures import picture
from market.pages.reminder import forget_terms_due


def _contact() -> dict:
    config = current_app.config
    return {"hotline": config["UNION_HOTLINE"], "email": config["UNION_EMAIL"], "address": config["UNION_ADDRESS"]}


def _text(page, locale: str, pictures=None):
    """The page's body as HTML: {hotline}, {email} and {address} replaced by the configured
    contact details, {commission} by the standard commission rate in per cent (plain
    replacement, never str.format), then escaped and formatted (with `pictures`, if given)."""
    body = page.body(locale)
    values = {**_contact(), "commission": format_decimal(current_app.config["DEFAULT_COMMISSION_BP"] / 100)}
    for name, value in values.items():
        body = body.replace("{" + name + "}", value)
    return render_body(body, pictures)


@bp.route("/pages/<slug>")
@cached_for_visitors
def show(slug: str):
    # The guides and "How to buy" have addresses of their own (help_views.py).
    if slug not in services.LEGAL_SLUGS:
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


# --- the sellers' guides and "How to buy" ----------------------------------------------------

@bp.route("/sell/help")
@cached_for_visitors
def help_index():
    """Every guide, by group: readable by anyone, a would-be seller too."""
    pages = dict(zip((guide.topic for guide in GUIDES), services.current_pages(slugs=tuple(g.slug for g in GUIDES))))
    locale = select_locale()
    groups = [
        (GROUP_LABELS[group], [(guide, pages[guide.topic].title(locale)) for guide in GUIDES if guide.group == group])
        for group in (STEPS, QUESTIONS)
    ]
    return render_template("pages/help_index.html", groups=groups, member=is_member(current_user))


@bp.route("/sell/help/<topic>")
@cached_for_visitors
def help_topic(topic: str):
    guide = TOPICS.get(topic)
    if guide is None:
        abort(404)
    page = services.current_page(guide.slug)
    locale = select_locale()
    # The pricing guide works an example with the reader's own shipping fee and commission.
    example = pricing_example(current_user) if topic == "pricing" else None
    following = GUIDES[GUIDES.index(guide) + 1] if guide is not GUIDES[-1] else None
    next_title = services.current_page(following.slug).title(locale) if following else None
    return render_template(
        "pages/help_topic.html", guide=guide, page=page, title=page.title(locale),
        body=_text(page, locale, picture), example=example, following=following, next_title=next_title,
        member=is_member(current_user),
    )


@bp.route("/how-to-buy")
@cached_for_visitors
def how_to_buy():
    page = services.current_page(HOW_TO_BUY)
    locale = select_locale()
    return render_template("pages/how_to_buy.html", page=page, title=page.title(locale),
                           body=_text(page, locale, picture))
