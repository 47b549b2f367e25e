"""The 2025 ward list of one province as JSON, for the checkout's as-you-type suggestions.

The list only changes with a new data file (a deploy), so browsers and proxies may keep it a
day, and revalidate by ETag after that.
"""
from flask import Blueprint, abort, jsonify, request

from market.geo.provinces import get_by_code
from market.geo.wards import wards_of

bp = Blueprint("geo", __name__)

MAX_AGE = 86400


@bp.route("/geo/provinces/<code>/wards.json")
def province_wards(code: str):
    province = get_by_code(code) if len(code) == 2 and code.isascii() and code.isdigit() else None
    if province is None:
        abort(404)
    response = jsonify(province=province.code, wards=[ward.name for ward in wards_of(province.code)])
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE
    response.add_etag()
    return response.make_conditional(request)

