"""Seller programs: the union's support projects, enrolment and their figures."""
from flask import Blueprint

bp = Blueprint("programs", __name__)
