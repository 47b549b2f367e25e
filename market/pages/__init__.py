"""The marketplace's public pages (operating rules, privacy, returns, contact, seller
terms): versioned text that central staff edit, and who accepted which terms."""
from flask import Blueprint

bp = Blueprint("pages", __name__)
