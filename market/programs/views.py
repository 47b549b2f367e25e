"""Public program pages (/programs, /programs/<slug>). The seller's side of enrolment
(/sell/programs...) is in `seller_views.py`."""
from flask import abort, render_template

from market.core.clock import utcnow
from market.programs import bp, services


def program_commissions():
    """The programs open today with their commission rates (lowest first). A template global,
    so that pages of lower packages (the sellers' /sell page for visitors) can list them."""
    return services.open_programs(utcnow().date())


@bp.record_once
def register_template_globals(state) -> None:
    state.app.jinja_env.globals["program_commissions"] = program_commissions


@bp.route("/programs")
def index():
    return render_template("programs/index.html", programs=services.all_programs())


@bp.route("/programs/<slug>")
def detail(slug: str):
    program = services.program_by_slug(slug)
    if program is None:
        abort(404)
    sellers = services.enrolled_sellers(program)
    orders, sales = services.program_sales(program, [seller.id for seller in sellers])
    return render_template("programs/detail.html", program=program, sellers=sellers, orders=orders, sales=sales)
