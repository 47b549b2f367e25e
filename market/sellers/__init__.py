"""Sellers: cooperatives and start-ups, their members, applications and staff review."""
from flask import Blueprint

bp = Blueprint("sellers", __name__)
