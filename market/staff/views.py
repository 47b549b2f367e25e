"""The staff home (/staff/): the work waiting in the staff member's scope across domains,
this month against last month, and the sellers owing last quarter's figures, with the
buttons that remind them (`home.py` reads, `reminders.py` reminds). The staff pages of each
domain live in that domain's `staff_views.py`, on its own blueprint; what they share is the
nav, `staff/_nav.html`."""
from babel.dates import format_interval, format_skeleton
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_percent, format_timedelta, get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from market.core.clock import utcnow
from market.core.domain import DomainError, get_in_scope_or_404
from market.core.forms import ActionForm
from market.core.numbers import parse_int
from market.core.paging import page_number
from market.core.security import roles_required
from market.sellers.models import Seller
from market.staff import bp, home, reminders


def _span(delta) -> str:
    """A stretch of time in words ("3 days"), as the `waiting` filter says it."""
    return format_timedelta(delta, threshold=1.0) if delta is not None else ""


def _days(start, end) -> str:
    """A stretch of days of one month: "1–14 June"."""
    if start == end:
        return format_skeleton("MMMMd", start, locale=get_locale())
    return format_interval(start, end, "MMMMd", locale=get_locale())


def _month(day) -> str:
    return format_skeleton("yMMMM", day, locale=get_locale())


def _percent(value: int) -> str:
    """A change in percent with its sign: "+20 %", "−5 %"."""
    sign = "+" if value > 0 else ("−" if value < 0 else "±")
    return sign + format_percent(abs(value) / 100)


@bp.route("/")
@roles_required("staff")
def index():
    return render_template(
        "staff/index.html",
        home=home.overview(current_user, utcnow(), page_number()),
        span=_span, days=_days, month=_month, percent=_percent,
    )


@bp.route("/figures/reminders", methods=["POST"])
@roles_required("staff")
def remind_figures():
    """Remind one seller (`seller_id`) or every seller in scope (`all`) to send last
    quarter's figures; CSRF is checked by the form (a missing token is a 400 page)."""
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    seller_id = None
    if request.form.get("all") != "1":
        seller_id = parse_int(request.form.get("seller_id"), minimum=1, maximum=2**31 - 1)
        if seller_id is None:
            abort(400)
        get_in_scope_or_404(Seller, seller_id, current_user)
    try:
        done = reminders.remind_missing_figures(current_user, utcnow(), seller_id)
    except DomainError as error:
        flash(str(error.message), "error")
        return redirect(url_for("staff.index"))  # the message is at the top
    _tell_what_was_done(done)
    # Back to the list, where each row now says "Reminded today".
    return redirect(url_for("staff.index", _anchor="figures"))


def _tell_what_was_done(done: reminders.Reminded) -> None:
    if done.sent:
        flash(ngettext("Reminder sent to %(num)d seller.", "Reminders sent to %(num)d sellers.", done.sent), "success")
    if done.already:
        flash(ngettext("%(num)d seller had already been reminded today.",
                       "%(num)d sellers had already been reminded today.", done.already))
    if done.no_owner:
        flash(ngettext("%(num)d seller has no owner to remind.", "%(num)d sellers have no owner to remind.",
                       done.no_owner), "error")
    if not (done.sent or done.already or done.no_owner):
        flash(_("No seller owes last quarter's figures."))
