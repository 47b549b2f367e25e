"""The payment providers, by code. Each decides what placing an order means for payment
(cash on delivery goes to the sellers at once; paying ahead waits for the money) and where
the shopper goes next."""
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l

from market.core.clock import utcnow
from market.orders.models import PAYMENT_METHOD_LABELS, Order, PaymentMethod, SellerOrderStatus


class PaymentProvider:
    code: str
    # True: sellers see the order only once it is paid, and it expires if no money comes.
    pays_ahead = False
    description = ""

    @property
    def label(self) -> str:
        return str(PAYMENT_METHOD_LABELS[self.code])

    def is_enabled(self) -> bool:
        return True

    def expiry_hours(self) -> int:
        return current_app.config["PAYMENT_EXPIRY_HOURS"]

    def on_placed(self, order: Order) -> None:
        """Set the new order's payment state (inside the placing transaction)."""
        if self.pays_ahead:
            order.payment_expires_at = utcnow() + timedelta(hours=self.expiry_hours())
            for seller_order in order.seller_orders:
                seller_order.status = SellerOrderStatus.AWAITING_PAYMENT

    def start_url(self, order: Order, return_url: str) -> str | None:
        """Where to send the shopper right after placing (None: the order's own page)."""
        return None


class CashOnDelivery(PaymentProvider):
    code = PaymentMethod.COD
    description = _l("Pay the delivery person in cash when your order arrives.")


class BankTransfer(PaymentProvider):
    code = PaymentMethod.BANK_TRANSFER
    pays_ahead = True
    description = _l("Transfer from your banking app with a VietQR code; we start once the money arrives.")


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
        from market.payments.stripe_checkout import checkout_url

        return checkout_url(order, return_url)


PROVIDERS: dict[str, PaymentProvider] = {
    provider.code: provider for provider in (CashOnDelivery(), BankTransfer(), Card())
}


def get_provider(code: str) -> PaymentProvider:
    return PROVIDERS[code]


def enabled_providers() -> list[PaymentProvider]:
    """The methods offered at checkout, cash on delivery first."""
    return [provider for provider in PROVIDERS.values() if provider.is_enabled()]


def enabled_methods() -> list[str]:
    return [provider.code for provider in enabled_providers()]
