"""The staff's side of programs (/staff/programs/..., /staff/enrolments/...): the programs,
one program's figures and enrolments, the program form (central staff only), and the
decision on an enrolment. Every view is for union staff only; enrolments are fetched and
listed within the staff member's provinces."""
from datetime import date
from decimal import Decimal

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from market.core.domain import DomainError, get_in_scope_or_404
from market.core.forms import show_errors
from market.core.security import roles_required
from market.extensions import db
from market.programs import bp, services
from market.programs.forms import ProgramForm
from market.programs.models import Enrolment, Metric, Program
from market.sellers.staff_forms import DECISION_LABELS, DecisionForm, allowed_decisions


@bp.route("/staff/programs")
@roles_required("staff")
def staff_programs():
    return render_template("programs/staff/programs.html", programs=services.all_programs())


def _program_data(form: ProgramForm) -> services.ProgramData:
    targets = {
        metric.value: getattr(form, f"target_{metric.value}").data
        for metric in Metric
        if getattr(form, f"target_{metric.value}").data is not None
    }
    return services.ProgramData(
        name_vi=form.name_vi.data,
        name_en=form.name_en.data,
        badge_vi=form.badge_vi.data,
        badge_en=form.badge_en.data,
        starts_on=form.starts_on.data,
        ends_on=form.ends_on.data,
        description_vi=form.description_vi.data or "",
        description_en=form.description_en.data or "",
        legal_forms=form.legal_forms.data or [],
        province_codes=form.province_codes.data or [],
        women_led_required=form.women_led_required.data,
        commission_rate_bp=int((form.commission_rate.data or Decimal(0)) * 100),
        featured=form.featured.data,
        targets=targets,
        targets_due_on=form.targets_due_on.data,
    )


def _edit_program(program: Program | None):
    if not current_user.is_central_staff:
        abort(403)
    form = ProgramForm(obj=program)
    if request.method == "GET":
        if program is not None:
            form.commission_rate.data = Decimal(program.commission_rate_bp) / 100
            for target in program.targets:
                getattr(form, f"target_{target.metric}").data = target.target_value
                form.targets_due_on.data = target.due_on
        else:
            form.starts_on.data = date.today()
            form.commission_rate.data = Decimal(0)
    if form.validate_on_submit():
        try:
            saved = services.save_program(current_user, _program_data(form), program.id if program else None)
        except DomainError as error:
            show_errors(form, error)
        else:
            flash(_("The program has been saved."), "success")
            return redirect(url_for("programs.staff_program", program_id=saved.id))
    return render_template("programs/staff/program_form.html", form=form, program=program, metrics=list(Metric))


@bp.route("/staff/programs/new", methods=["GET", "POST"])
@roles_required("staff")
def staff_new_program():
    return _edit_program(None)


@bp.route("/staff/programs/<int:program_id>/edit", methods=["GET", "POST"])
@roles_required("staff")
def staff_edit_program(program_id: int):
    program = db.session.get(Program, program_id) or abort(404)
    return _edit_program(program)


@bp.route("/staff/programs/<int:program_id>")
@roles_required("staff")
def staff_program(program_id: int):
    program = db.session.get(Program, program_id) or abort(404)
    return render_template(
        "programs/staff/program.html",
        program=program,
        figures=services.program_figures(program, current_user),
        enrolments=services.enrolments_in_scope(current_user, program),
        decision_form=DecisionForm(),
        decisions_for=allowed_decisions,
    )


@bp.route("/staff/enrolments/<int:enrolment_id>", methods=["POST"])
@roles_required("staff")
def staff_enrolment_decision(enrolment_id: int):
    enrolment = get_in_scope_or_404(Enrolment, enrolment_id, current_user)
    form = DecisionForm()
    if form.validate_on_submit():
        action = request.form.get("action", "")
        try:
            services.decide_enrolment(current_user, enrolment_id, action, form.reason.data)
        except DomainError as error:
            flash(str(error.message), "error")
        else:
            flash(_("Decision recorded: %(action)s.", action=DECISION_LABELS.get(action, action)), "success")
    else:
        flash(_("The reason is too long or contains characters that are not allowed."), "error")
    return redirect(url_for("programs.staff_program", program_id=enrolment.program_id))
