"""The staff home (/staff/): what waits for a decision, across domains (seller applications
and program enrolments). The staff pages of each domain live in that domain's
`staff_views.py`, on its own blueprint; what they share is the nav, `staff/_nav.html`."""
from flask import render_template
from flask_login import current_user

from market.core.security import roles_required
from market.programs import services as program_services
from market.sellers import services as seller_services
from market.staff import bp


@bp.route("/")
@roles_required("staff")
def index():
    return render_template(
        "staff/index.html",
        queue=seller_services.review_queue(current_user),
        enrolments=program_services.enrolment_queue(current_user),
    )
