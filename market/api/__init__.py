"""The public read-only JSON catalog API (/api/v1) and its OpenAPI document."""
from flask import Blueprint

bp = Blueprint("api", __name__)
