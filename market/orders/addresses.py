"""A signed-in shopper's address book, checked exactly as the checkout checks an address."""
from flask_babel import gettext as _
from sqlalchemy import delete, select, update

from market.accounts.models import User
from market.core.domain import DomainError
from market.extensions import db
from market.orders.checkout import CheckoutDetails, Destination, check_details
from market.orders.models import Address, CartItem, Order, PaymentMethod

MAX_ADDRESSES = 10


def addresses_of(user: User) -> list[Address]:
    """The shopper's addresses, the default first."""
    return list(db.session.scalars(
        select(Address).where(Address.user_id == user.id).order_by(Address.is_default.desc(), Address.id)
    ))


def default_address(user: User) -> Address | None:
    found = addresses_of(user)
    return found[0] if found else None


def last_address(user: User) -> Address | Order | None:
    """Where to prefill the checkout: the book's default, else where the shopper's latest order
    went (an order placed without "save this address" still says where they live). Both have
    the fields the form needs (full_name, phone, province_code, commune_name, street_address)."""
    known = default_address(user)
    if known is not None:
        return known
    return db.session.scalar(select(Order).where(Order.user_id == user.id).order_by(Order.id.desc()).limit(1))


def check_address(full_name: str, phone: str, province: str, commune: str, street_address: str) -> Destination:
    """The cleaned address; CheckoutError naming each wrong field."""
    details = CheckoutDetails(full_name, phone, None, province, commune, street_address,
                              payment_method=PaymentMethod.COD)
    return check_details(details, signed_in=True, enabled_methods=[PaymentMethod.COD])


def save_address(user: User, destination: Destination, is_default: bool, address: Address | None = None) -> Address:
    """Add (or, given `address`, change) an entry; the first one is the default."""
    if address is None:
        known = addresses_of(user)
        if len(known) >= MAX_ADDRESSES:
            raise DomainError(_("Your address book is full: remove an address first."))
        is_default = is_default or not known
        address = Address(user_id=user.id)
    for name in ("full_name", "phone", "province_code", "commune_code", "commune_name", "street_address"):
        setattr(address, name, getattr(destination, name))
    db.session.add(address)
    if is_default:
        db.session.execute(update(Address).where(Address.user_id == user.id).values(is_default=False))
        address.is_default = True
    db.session.commit()
    return address


def remember_checkout_address(user_id: int, destination: Destination) -> None:
    """After an order, keep its address unless the book already has it."""
    user = db.session.get(User, user_id)
    for known in addresses_of(user):
        if (known.commune_code, known.street_address.lower(), known.phone) == (
                destination.commune_code, destination.street_address.lower(), destination.phone):
            return
    if len(addresses_of(user)) < MAX_ADDRESSES:
        save_address(user, destination, is_default=False)


def delete_address(address: Address) -> None:
    db.session.delete(address)
    db.session.commit()


def forget_shopper(user: User, **extra) -> None:
    """Receiver of `market.accounts.deletion.account_deleting` (connected in create_app): a
    deleted account's saved addresses and cart go with it, in the deletion's transaction.
    Its orders stay, with their shipping snapshot: the record of each sale."""
    db.session.execute(delete(Address).where(Address.user_id == user.id))
    db.session.execute(delete(CartItem).where(CartItem.user_id == user.id))
