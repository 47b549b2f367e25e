"""Verified-buyer reviews: a shopper rates what was delivered to her, the seller replies
once, staff hide what breaks the rules."""
from flask import Blueprint

bp = Blueprint("reviews", __name__)
