"""The seller area of a cooperative (/sell/...): application, dashboard, profile, documents,
members and invitations, figures for the union, history. The other domains' /sell pages
(products, orders, programs) live in their own `seller_views.py`."""
from datetime import date

from babel.dates import format_interval, format_skeleton
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from market.core import uploads
from market.core.audit import history, subject_names
from market.core.clock import utcnow
from market.core.domain import DomainError, get_owned_or_404
from market.core.forms import ActionForm, show_errors
from market.core.numbers import int_arg
from market.core.phones import display_phone
from market.sellers import bp, first_steps, home, invitations, services
from market.sellers.access import member_required
from market.sellers.forms import FIXED_AFTER_APPROVAL, ApplicationForm, FiguresForm, InviteForm
from market.sellers.models import DocumentKind, MemberRole, SellerDocument, SellerStatus

EDITABLE_STATUSES = (SellerStatus.DRAFT, SellerStatus.CHANGES_REQUESTED)


def _application_data(form: ApplicationForm, fixed_from=None) -> services.ApplicationData:
    def value(name, default=None):
        return form[name].data if name in form else default

    return services.ApplicationData(
        legal_form=value("legal_form", fixed_from.legal_form if fixed_from else ""),
        name=value("name", fixed_from.name if fixed_from else ""),
        province=value("province", fixed_from.province_code if fixed_from else ""),
        commune=value("commune") or "",
        registration_number=value("registration_number"),
        street_address=value("street_address") or "",
        phone=value("phone"),
        story=value("story") or "",
        members_count=value("members_count"),
        women_members_count=value("women_members_count"),
        workers_count=value("workers_count"),
        women_workers_count=value("women_workers_count"),
        women_led=bool(value("women_led", fixed_from.women_led if fixed_from else False)),
        leader_name=value("leader_name") or "",
        leader_role=value("leader_role") or None,
        leadership_statement=value("leadership_statement") or "",
        accepts_terms=bool(value("accept_terms")),
    )


def _uploaded(field):
    """The file of a FileField, or None when nothing was chosen."""
    file = field.data if field is not None else None
    return file if file and getattr(file, "filename", "") else None


def _fill_from_seller(form: ApplicationForm, seller) -> None:
    for name in ("legal_form", "name", "registration_number", "street_address", "story", "members_count",
                 "women_members_count", "workers_count", "women_workers_count", "women_led", "leader_name",
                 "leader_role", "leadership_statement"):
        if name in form:
            form[name].data = getattr(seller, name)
    if "province" in form:
        form.province.data = seller.province_code
    form.commune.data = seller.commune_name
    form.phone.data = display_phone(seller.phone)


@bp.route("/sell/apply", methods=["GET", "POST"])
@login_required
def apply():
    if current_user.is_staff:
        abort(403)
    seller = services.seller_of(current_user)
    if seller is not None and seller.status not in EDITABLE_STATUSES:
        return redirect(url_for("sellers.dashboard"))
    if seller is not None and services.membership_of(current_user).role != MemberRole.OWNER:
        abort(403)
    form = ApplicationForm()
    if request.method == "GET" and seller is not None:
        _fill_from_seller(form, seller)
    if form.validate_on_submit():
        submit = "submit" in request.form
        documents = [(DocumentKind.REGISTRATION_CERTIFICATE, file) for file in [_uploaded(form.certificate)] if file]
        documents += [(DocumentKind.PHOTO, file) for file in (form.documents.data or []) if getattr(file, "filename", "")]
        try:
            seller = services.save_application(
                current_user, _application_data(form), submit=submit, logo=_uploaded(form.logo), documents=documents
            )
        except DomainError as error:
            show_errors(form, error)
        else:
            if submit:
                flash(_("Your application has been sent to the Women's Union. We will tell you of the decision."), "success")
                return redirect(url_for("sellers.dashboard"))
            flash(_("Your draft has been saved. Submit it when it is complete."), "success")
            return redirect(url_for("sellers.apply"))
    return render_template("sellers/seller/apply.html", form=form, seller=seller, delete_form=ActionForm())


@bp.route("/sell")
def dashboard():
    """A member's dashboard; to everyone else (signed out, shoppers, staff) the page that
    tells who may sell here, what the union checks, what it costs and how to start."""
    membership = services.membership_of(current_user) if current_user.is_authenticated else None
    if membership is None:
        return render_template("sellers/visitor.html", default_commission_bp=current_app.config["DEFAULT_COMMISSION_BP"],
                               review_days=current_app.config["SELLER_REVIEW_DAYS"])
    return _member_dashboard(membership)


def _member_dashboard(membership):
    seller = membership.seller
    # What needs doing is the approved seller's home; the others keep the page of their status.
    approved = seller.status == SellerStatus.APPROVED
    now = utcnow()
    board = home.seller_home(seller, now, current_app.config["LOW_STOCK_THRESHOLD"]) if approved else None
    return render_template("sellers/seller/dashboard.html", seller=seller, membership=membership, home=board,
                           days_before=_days(board.span.last_month, board.span.same_until) if board else None,
                           first_steps=first_steps.first_steps(seller, now) if approved else None,
                           guide_url=first_steps.guide_url)


def _days(start: date, end: date) -> str:
    """A stretch of days of one month: "1–14 June"."""
    if start == end:
        return format_skeleton("MMMMd", start, locale=get_locale())
    return format_interval(start, end, "MMMMd", locale=get_locale())


@bp.route("/sell/profile", methods=["GET", "POST"])
@member_required
def profile(membership):
    seller = membership.seller
    if membership.role != MemberRole.OWNER:
        abort(403)
    if seller.status in EDITABLE_STATUSES or seller.status == SellerStatus.PENDING:
        return redirect(url_for("sellers.apply"))
    if seller.status == SellerStatus.REJECTED:
        return redirect(url_for("sellers.dashboard"))
    form = ApplicationForm()
    for name in FIXED_AFTER_APPROVAL:
        delattr(form, name)
    if request.method == "GET":
        _fill_from_seller(form, seller)
    if form.validate_on_submit():
        try:
            services.update_profile(current_user, _application_data(form, fixed_from=seller), logo=_uploaded(form.logo))
        except DomainError as error:
            show_errors(form, error)
        else:
            flash(_("Your seller profile has been saved."), "success")
            return redirect(url_for("sellers.profile"))
    return render_template("sellers/seller/profile.html", form=form, seller=seller)


@bp.route("/sell/documents/<int:document_id>")
@login_required
def document(document_id: int):
    document = get_owned_or_404(SellerDocument, document_id, current_user)
    return uploads.send_stored(services.DOCUMENT_AREA, document.stored_name, document.content_type, document.original_name)


@bp.route("/sell/documents/<int:document_id>/delete", methods=["POST"])
@login_required
def delete_document(document_id: int):
    get_owned_or_404(SellerDocument, document_id, current_user)
    if ActionForm().validate_on_submit():
        try:
            services.delete_document(current_user, document_id)
        except DomainError as error:
            flash(str(error.message), "error")
        else:
            flash(_("The document has been removed."), "success")
    return redirect(url_for("sellers.apply"))


@bp.route("/sell/members", methods=["GET", "POST"])
@member_required
def members(membership):
    seller = membership.seller
    is_owner = membership.role == MemberRole.OWNER
    if request.method == "POST" and not is_owner:
        abort(403)
    form = InviteForm()
    if form.validate_on_submit():
        by_link = "share" in request.form  # a link to share in Zalo or by SMS, no email
        try:
            invitation, _token = invitations.invite_member(current_user, form.email.data, send_email=not by_link)
        except DomainError as error:
            show_errors(form, error)
        else:
            if by_link:
                flash(_("Your invitation link for %(email)s is ready: copy it or send it by SMS.", email=form.email.data),
                      "success")
                return redirect(url_for("sellers.members", shared=invitation.id, _anchor=f"invitation-{invitation.id}"))
            flash(_("An invitation has been sent to %(email)s.", email=form.email.data), "success")
            return redirect(url_for("sellers.members"))
    pending = invitations.pending_invitations(seller) if is_owner else []
    return render_template(
        "sellers/seller/members.html",
        seller=seller,
        form=form,
        is_owner=is_owner,
        remove_form=ActionForm(),
        invitations=pending,
        links={invitation.id: invitations.invitation_link(invitation) for invitation in pending},
        expires={invitation.id: invitations.invitation_expires_at(invitation) for invitation in pending},
        now=utcnow(),
        shared=int_arg("shared", minimum=1),
    )


@bp.route("/sell/invitations/<int:invitation_id>/revoke", methods=["POST"])
@member_required
def revoke_invitation(membership, invitation_id: int):
    if membership.role != MemberRole.OWNER:
        abort(403)
    if ActionForm().validate_on_submit():
        try:
            invitations.revoke_invitation(current_user, invitation_id)
        except DomainError as error:
            flash(str(error.message), "error")
        else:
            flash(_("The invitation has been withdrawn: its link no longer works."), "success")
    return redirect(url_for("sellers.members"))


@bp.route("/sell/members/<int:member_id>/remove", methods=["POST"])
@member_required
def remove_member(membership, member_id: int):
    if membership.role != MemberRole.OWNER:
        abort(403)
    if ActionForm().validate_on_submit():
        try:
            services.remove_member(current_user, member_id)
        except DomainError as error:
            flash(str(error.message), "error")
        else:
            flash(_("The member has been removed."), "success")
    return redirect(url_for("sellers.members"))


@bp.route("/sell/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """The page a link of an invitation opens: which cooperative, who invites; signed out, the
    way to sign in or register first (and come back here)."""
    form = ActionForm()
    problem = None
    if request.method == "POST" and not current_user.is_authenticated:
        return redirect(url_for("accounts.login", next=request.path))
    if form.validate_on_submit():
        try:
            invitations.accept_invitation(current_user, token)
        except DomainError as error:
            problem = str(error.message)
        else:
            flash(_("You have joined the seller. Welcome!"), "success")
            return redirect(url_for("sellers.dashboard"))
    try:
        invitation = invitations.read_invitation(token)
    except DomainError as error:
        invitation, problem = None, problem or str(error.message)
    wrong_person = (invitation is not None and current_user.is_authenticated
                    and not invitations.is_for(invitation, current_user))
    return render_template("sellers/seller/invitation.html", form=form, invitation=invitation, problem=problem,
                           wrong_person=wrong_person,
                           invited_email=invitations.masked_email(invitation.email) if invitation else None), 200 if problem is None else 400 if invitation else 410


@bp.route("/sell/figures", methods=["GET", "POST"])
@member_required
def figures(membership):
    form = FiguresForm()
    if form.validate_on_submit():
        try:
            services.report_figures(current_user, form.women_members.data, form.jobs_for_women.data, date.today())
        except DomainError as error:
            show_errors(form, error)
        else:
            flash(_("Your figures for this quarter have been saved."), "success")
            return redirect(url_for("sellers.figures"))
    return render_template(
        "sellers/seller/figures.html", form=form, seller=membership.seller,
        reports=services.figures_history(membership.seller_id),
        period=services.quarter_start(date.today()),
    )


@bp.route("/sell/history")
@member_required
def seller_history(membership):
    # What the union did on the seller's behalf is hers too, whatever it was done to.
    entries = history("seller", membership.seller_id, on_behalf_of=membership.seller_id)
    others = [entry for entry in entries if entry.subject_type != "seller"]
    return render_template("sellers/seller/history.html", seller=membership.seller, entries=entries,
                           subject_names=subject_names(others))
