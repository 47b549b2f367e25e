"""The seller's side of programs (/sell/programs...): the programs a seller may join, with
what it lacks for each, and the application to one."""
from datetime import date

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from market.core.domain import DomainError
from market.core.forms import show_errors
from market.programs import bp, services
from market.programs.forms import EnrolForm
from market.sellers.access import member_required


@bp.route("/sell/programs")
@member_required
def for_seller(membership):
    seller = membership.seller
    today = date.today()
    programs = services.all_programs()
    return render_template(
        "programs/seller/list.html",
        seller=seller,
        programs=programs,
        enrolments=services.enrolments_of(seller),
        failures={p.id: services.eligibility_failures(p, seller, today) for p in programs},
    )


@bp.route("/sell/programs/<slug>/apply", methods=["GET", "POST"])
@member_required
def apply(membership, slug: str):
    program = services.program_by_slug(slug)
    if program is None:
        abort(404)
    seller = membership.seller
    failures = services.eligibility_failures(program, seller, date.today())
    form = EnrolForm()
    if form.validate_on_submit():
        try:
            services.apply_to_program(
                current_user, program.id, form.statement.data, form.women_members.data, form.jobs_for_women.data, date.today()
            )
        except DomainError as error:
            show_errors(form, error)
        else:
            flash(_("Your application to the program has been sent."), "success")
            return redirect(url_for("programs.for_seller"))
    return render_template("programs/seller/apply.html", program=program, seller=seller, form=form, failures=failures)
