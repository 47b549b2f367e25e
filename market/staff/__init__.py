"""The staff console: seller review, programs and their figures."""
from flask import Blueprint

bp = Blueprint("staff", __name__)
