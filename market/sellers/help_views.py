"""Help on a seller's behalf, the seller's side and the way back (`sellers.helping`,
`sellers.acting`): the owner's page /sell/help-from-union (her consent, its end, the past
ones), and the banner's "back to the staff page". The staff's "Help this seller" is in
`staff_views.py`. Kept apart from `seller_views.py`, which holds the seller's own pages."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from market.core.clock import utcnow
from market.core.domain import DomainError
from market.core.forms import ActionForm, show_errors
from market.sellers import acting, bp, helping
from market.sellers.access import member_required
from market.sellers.help_forms import PROVINCE, HelpGrantForm
from market.sellers.models import MemberRole


def _choices(seller) -> list[tuple[str, str]]:
    choices = [(PROVINCE, _("The staff of the Women's Union of my province"))]
    for user in helping.staff_who_may_help(seller):
        name = user.full_name or user.email
        label = (_("%(name)s (central staff)", name=name) if user.staff_province_code is None
                 else _("%(name)s (staff of my province)", name=name))
        choices.append((str(user.id), label))
    return choices


@bp.route("/sell/help-from-union", methods=["GET", "POST"])
@member_required
def help_from_union(membership):
    """The owner's consent page. A plain member reads it (whether the union may help, until
    when, and before) without the forms: only the owner decides."""
    is_owner = membership.role == MemberRole.OWNER
    if not is_owner and request.method != "GET":
        abort(403)
    seller = membership.seller
    now = utcnow()
    helping.settle_expired_help(now, seller.id)  # a period that ran out is ended (and told) first
    form = HelpGrantForm() if is_owner else None
    if form is not None:
        form.helper.choices = _choices(seller)
    if form is not None and form.validate_on_submit():
        try:
            helping.grant_help(current_user, form.staff_id(), form.days.data, now)
        except DomainError as error:
            show_errors(form, error)
        else:
            flash(_("The union may now help you. You can end it at any time on this page."), "success")
            return redirect(url_for("sellers.help_from_union"))
    return render_template(
        "sellers/seller/help_from_union.html", seller=seller, form=form, end_form=ActionForm(),
        grant=helping.grant_in_force(seller.id, now), past=helping.past_grants(seller.id, now),
        helper_label=helping.helper_label,
    ), 400 if form is not None and form.errors else 200


@bp.route("/sell/help-from-union/end", methods=["POST"])
@member_required
def end_help_from_union(membership):
    if membership.role != MemberRole.OWNER:
        abort(403)
    if ActionForm().validate_on_submit():
        try:
            helping.end_help(current_user, utcnow())
        except DomainError as error:
            flash(str(error.message), "error")
        else:
            flash(_("The union's help has ended. Staff can no longer work on your behalf."), "success")
    return redirect(url_for("sellers.help_from_union"))


@bp.route("/sell/acting/stop", methods=["POST"])
@login_required
def stop_acting():
    """The banner's way back: stop acting for the seller, back to its staff page."""
    if not ActionForm().validate_on_submit():
        abort(400)
    seller_id = acting.stop()
    if seller_id is None or not current_user.is_staff:
        return redirect(url_for("sellers.dashboard"))
    flash(_("You no longer act for this seller."), "success")
    return redirect(url_for("sellers.staff_seller", seller_id=seller_id))
