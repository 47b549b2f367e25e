"""Accounts: users, roles, registration, sign-in, profile."""
from flask import Blueprint

bp = Blueprint("accounts", __name__)

from market.accounts import views  # noqa: E402,F401
