"""The staff console's home (/staff/). Each domain's staff pages are in its `staff_views.py`."""
from flask import Blueprint

bp = Blueprint("staff", __name__)

from market.staff import audit_views  # noqa: E402,F401  (/staff/audit: routes on this blueprint)
from market.staff import report_views  # noqa: E402,F401  (/staff/reports and its downloads)
