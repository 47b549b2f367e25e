"""The payment methods an order can be paid by: what a provider must answer, and the registry
checkout and the order pages consult.

The providers themselves (cash on delivery, bank transfer with VietQR, Stripe) live in
`market.payments`, above orders: they need Order, orders never need them. Each registers
here when the app is built (`market.payments.providers.register_providers`), so orders
calls a provider without importing payments.
"""
from datetime import timedelta

from flask import current_app

from market.core.clock import utcnow
from market.orders.models import PAYMENT_METHOD_LABELS, Order, SellerOrderStatus


class PaymentProvider:
    """One way to pay; subclasses set `code` (a PaymentMethod) and change what differs."""

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

    def instructions(self, order: Order) -> dict | None:
        """What the order's page shows the shopper to pay now (e.g. a transfer's QR code), or None."""
        return None


# In the order they registered: checkout offers them in that order, cash on delivery first.
_PROVIDERS: dict[str, PaymentProvider] = {}


def register_provider(provider: PaymentProvider) -> None:
    """Offer `provider` under its code (registering the same code again replaces it)."""
    _PROVIDERS[provider.code] = provider


def get_provider(code: str) -> PaymentProvider:
    """The provider of a payment method; KeyError for a method nobody registered."""
    return _PROVIDERS[code]


def enabled_providers() -> list[PaymentProvider]:
    """The methods offered at checkout, in the order they registered."""
    return [provider for provider in _PROVIDERS.values() if provider.is_enabled()]


def enabled_methods() -> list[str]:
    """The codes of the methods offered at checkout."""
    return [provider.code for provider in enabled_providers()]
