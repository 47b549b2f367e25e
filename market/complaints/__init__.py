"""Complaints: reports of a product (anyone) and problems with an order part (its shopper),
the seller's answer within two days, and staff's decision (dismiss, refund owed, product
taken down, seller warned or suspended)."""
from flask import Blueprint

bp = Blueprint("complaints", __name__)
