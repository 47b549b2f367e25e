"""Cross-cutting pieces every domain uses: languages, money and dates, safety helpers,
error pages, health check and the CLI commands."""
from flask import Blueprint

bp = Blueprint("core", __name__)
