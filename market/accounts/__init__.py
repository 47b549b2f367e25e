"""Accounts: users, roles, registration, sign-in, profile."""
from flask import Blueprint

bp = Blueprint("accounts", __name__)
