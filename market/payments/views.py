"""Payment provider callbacks: Stripe's webhook."""
import logging

import stripe
from flask import abort, current_app, jsonify, request

from market.extensions import csrf, limiter
from market.payments import bp
from market.payments import models  # noqa: F401
from market.payments.stripe_checkout import handle_event

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
