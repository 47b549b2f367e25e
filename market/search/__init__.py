"""Catalog search: one interface, two engines (Whoosh by default, PostgreSQL full-text)."""
from flask import Blueprint

bp = Blueprint("search", __name__)
