"""The staff console's home (/staff/). Each domain's staff pages are in its `staff_views.py`."""
from flask import Blueprint

bp = Blueprint("staff", __name__)
