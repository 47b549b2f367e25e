"""The payment providers: cash on delivery, bank transfer (VietQR), card (Stripe Checkout).

Each decides what placing an order means for payment (cash on delivery goes to the sellers
at once; paying ahead waits for the money), where the shopper goes next and what the
order's page shows to pay. The app factory calls `register_providers()`, which offers them
through `market.orders.payment_methods`, the registry checkout consults.
"""
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from market.orders.models import Order, PaymentMethod, PaymentStatus
from market.orders.payment_methods import PaymentProvider, register_provider
from market.payments.vietqr import build_payload, qr_svg


class CashOnDelivery(PaymentProvider):
    code = PaymentMethod.COD
    description = _l("Pay the delivery person in cash when your order arrives.")


class BankTransfer(PaymentProvider):
    code = PaymentMethod.BANK_TRANSFER
    pays_ahead = True
    description = _l("Transfer from your banking app with a VietQR code; we start once the money arrives.")

    def instructions(self, order: Order) -> dict | None:
        """The VietQR code and the account to transfer to, while something is left to pay."""
        if order.payment_status != PaymentStatus.UNPAID or order.amount_due_vnd <= 0:
            return None
        config = current_app.config
        # What is due now: a part the shopper cancelled is not paid for.
        payload = build_payload(config["VIETQR_BANK_BIN"], config["VIETQR_ACCOUNT_NUMBER"], order.amount_due_vnd,
                                order.number)
        return {"svg": qr_svg(payload, _("VietQR code to pay order %(number)s", number=order.number)),
                "bank": config["VIETQR_BANK_NAME"], "account": config["VIETQR_ACCOUNT_NUMBER"],
                "name": config["VIETQR_ACCOUNT_NAME"], "payload": payload}


class Card(PaymentProvider):
    code = PaymentMethod.CARD
    pays_ahead = True
    description = _l("Pay by card on Stripe's secure page.")

    def is_enabled(self) -> bool:
        # Without the webhook secret a card payment would never be recorded.
        config = current_app.config
        return bool(config.get("STRIPE_SECRET_KEY") and config.get("STRIPE_WEBHOOK_SECRET"))

    def expiry_hours(self) -> int:
        # A Checkout Session lives between 30 minutes and 24 hours.
        return max(1, min(24, current_app.config["PAYMENT_EXPIRY_HOURS"]))

    def start_url(self, order: Order, return_url: str) -> str | None:
        # Stripe's library (with what it needs, some 10 MB per worker) loads at the first card payment.
        from market.payments.stripe_checkout import checkout_url

        return checkout_url(order, return_url)


def register_providers() -> None:
    """Offer every provider at checkout, cash on delivery first (called by the app factory;
    calling it again changes nothing)."""
    for provider in (CashOnDelivery(), BankTransfer(), Card()):
        register_provider(provider)
