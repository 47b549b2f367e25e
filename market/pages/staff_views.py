"""The staff's side of the public pages (/staff/pages/...): every page at its version in
effect, one page's history, and the form that saves a new version. Central staff only:
provincial staff get 403."""
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from market.core.domain import DomainError
from market.core.forms import show_errors
from market.core.i18n import format_day
from market.core.security import roles_required
from market.pages import bp, services
from market.pages.formatting import render_body
from market.pages.forms import PageVersionForm
from market.pages.guides import HOW_TO_BUY, guide_for_slug
from market.pages.pictures import PICTURES, picture


def _central_only() -> None:
    if not current_user.is_central_staff:
        abort(403)


def public_url(slug: str) -> str:
    """Where visitors read the page: a guide at /sell/help/<topic>, "How to buy" at
    /how-to-buy, the rules and policies at /pages/<slug>."""
    guide = guide_for_slug(slug)
    if guide is not None:
        return url_for("pages.help_topic", topic=guide.topic)
    if slug == HOW_TO_BUY:
        return url_for("pages.how_to_buy")
    return url_for("pages.show", slug=slug)


def _preview(text: str):
    return render_body(text, picture)


@bp.route("/staff/pages")
@roles_required("staff")
def staff_pages():
    _central_only()
    today = services.local_today()
    current = services.current_pages(today)
    coming = services.scheduled_by_slug(current, today)
    pages = [(page, coming[page.slug]) for page in current]
    return render_template("pages/staff/pages.html", pages=pages, labels=services.PAGE_LABELS, public_url=public_url)


@bp.route("/staff/pages/<slug>", methods=["GET", "POST"])
@roles_required("staff")
def staff_page(slug: str):
    _central_only()
    if slug not in services.SLUGS:
        abort(404)
    today = services.local_today()
    current = services.current_page(slug, today)
    form = PageVersionForm()
    if not form.is_submitted():
        # Start from the newest version (a scheduled one if any), so an edit is a small change.
        newest = services.page_history(slug)[0]
        form.title_vi.data, form.title_en.data = newest.title_vi, newest.title_en
        form.body_vi.data, form.body_en.data = newest.body_vi, newest.body_en
        form.effective_on.data = today
    if form.validate_on_submit():
        data = services.PageData(
            title_vi=form.title_vi.data, title_en=form.title_en.data, body_vi=form.body_vi.data,
            body_en=form.body_en.data, effective_on=form.effective_on.data, change_note=form.change_note.data or "",
        )
        try:
            saved = services.save_version(current_user, slug, data, today)
        except DomainError as error:
            show_errors(form, error)
        else:
            if saved.effective_on > today:
                flash(_("Version %(version)d is saved. It takes effect on %(date)s; until then the page keeps version %(current)d.",
                        version=saved.version, date=format_day(saved.effective_on), current=current.version), "success")
            else:
                flash(_("Version %(version)d is saved and in effect.", version=saved.version), "success")
            return redirect(url_for("pages.staff_page", slug=slug))
    return render_template(
        "pages/staff/page.html", slug=slug, label=services.PAGE_LABELS[slug], current=current, form=form,
        history=services.page_history(slug), today=today, render_body=_preview, public_url=public_url(slug),
        pictures=PICTURES,
    )
