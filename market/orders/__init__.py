"""Orders: the cart, checkout, orders split per seller, their states and seller fulfilment."""
from flask import Blueprint

bp = Blueprint("orders", __name__)
