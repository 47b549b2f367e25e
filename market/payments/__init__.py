"""Payments: a registry of providers (cash on delivery, bank transfer with VietQR, Stripe)."""
from flask import Blueprint

bp = Blueprint("payments", __name__)
