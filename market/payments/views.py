"""Payment provider callbacks: Stripe's webhook; a bank transfer's VietQR code as a PNG (shown in the
confirmation email, or saved from the order page)."""
import io
import logging

import segno
from flask import Response, abort, current_app, jsonify, request

from market.extensions import csrf, limiter
from market.orders.payment_methods import get_provider
from market.orders.services import order_by_token
from market.payments import bp
from market.payments import models  # noqa: F401

log = logging.getLogger(__name__)


@bp.post("/webhooks/stripe")
@csrf.exempt  # Stripe cannot hold a CSRF token; the signature proves where the request came from.
@limiter.exempt  # Stripe retries from many addresses: a default limit must never refuse it.
def stripe_webhook():
    """Receive one Stripe event: check its signature and age, apply it once, answer 200.

    400 when the signature is missing, wrong or older than 5 minutes (a replay) or the body
    is not an event; 404 when no webhook secret is configured (the endpoint does not exist).
    Anything else, including events we ignore, gets 200 so Stripe stops retrying.
    """
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret:
        abort(404)
    # Stripe's library (some 10 MB per worker) loads when a webhook first arrives.
    import stripe

    from market.payments.stripe_checkout import handle_event

    payload = request.get_data()  # the raw bytes: the signature covers them exactly
    try:
        event = stripe.Webhook.construct_event(payload, request.headers.get("Stripe-Signature"), secret)
    except stripe.SignatureVerificationError:
        return jsonify(error="invalid signature"), 400
    except (ValueError, AttributeError):  # not UTF-8, not JSON, or JSON but not an object
        return jsonify(error="invalid payload"), 400
    data = event.to_dict()
    if not isinstance(data.get("id"), str) or not isinstance(data.get("type"), str):
        return jsonify(error="invalid payload"), 400
    outcome = handle_event(data)
    log.info("Stripe event %s (%s): %s", data["id"], data["type"], outcome)
    return jsonify(received=True, outcome=outcome)


@bp.route("/orders/<token>/vietqr.png")
def vietqr_png(token: str):
    """The VietQR code of an order still to be paid by bank transfer, as a PNG: what the
    order confirmation email shows (mail clients block inline SVG and data: URIs). The
    order's unguessable token is the key, as for the order's page; 404 for an unknown
    token or when there is nothing to transfer (another method, paid, expired)."""
    order = order_by_token(token)
    instructions = get_provider(order.payment_method).instructions(order) if order is not None else None
    if instructions is None:
        abort(404)
    buffer = io.BytesIO()
    # Black on white with the 4-module quiet zone, 5 px a module (about 260 px; the email shows it at 220).
    segno.make_qr(instructions["payload"], error="m").save(buffer, kind="png", scale=5, border=4)
    headers = {"Cache-Control": "private, max-age=300", "X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer"}
    if request.args.get("download") == "1":
        # "Save QR image" on the order page: a shopper paying from the same phone saves it and opens it in
        # the banking app's scanner (a phone cannot scan its own screen).
        headers["Content-Disposition"] = f'attachment; filename="VietQR-{order.number}.png"'
    return Response(buffer.getvalue(), mimetype="image/png", headers=headers)
