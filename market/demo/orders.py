"""A few demo orders, so the seller's order desk, the shopper's history and the staff's
balances have something to show (`flask seed-demo`), with a review of the delivered one and
a visitor's report of a listing, so reviews and complaints show too. Made through the services, as real
orders are; skipped when any order exists, so running it again adds nothing."""
from sqlalchemy import exists, select

from market.accounts.services import find_user_by_email
from market.catalog.models import Product
from market.complaints import services as complaints
from market.extensions import db
from market.orders import cart as carts
from market.orders import services
from market.orders.checkout import CheckoutDetails, place_order
from market.orders.models import Order
from market.reviews import services as reviews
from market.sellers.models import Seller, SellerStatus
from market.sellers.services import seller_of

HANOI = {"province": "01", "commune": "Phường Ba Đình", "street_address": "25 Phan Đình Phùng"}
METHODS = ["cod", "bank_transfer"]


def _products(seller: Seller, count: int) -> list[Product]:
    return list(db.session.scalars(
        select(Product).where(Product.seller_id == seller.id, Product.visible(), Product.stock >= 5)
        .order_by(Product.id).limit(count)
    ))


def _place(shopper, lines, method="cod", **contact) -> Order:
    store = carts.UserCart(shopper.id) if shopper is not None else carts.SessionCart({})
    for product, quantity in lines:
        carts.add_to_cart(store, product.id, quantity)
    details = CheckoutDetails(contact.get("full_name", "Nguyễn Thị Mai"), contact.get("phone", "0912 345 678"),
                              contact.get("email"), payment_method=method, locale="vi", **HANOI)
    return place_order(store, details, shopper.id if shopper else None, METHODS)


def seed_demo_orders(shopper_email: str, seller_email: str, staff_email: str) -> int:
    """Orders in each interesting state; returns how many were placed."""
    if db.session.scalar(select(exists().where(Order.id > 0))):
        return 0
    shopper, owner, staff = (find_user_by_email(email) for email in (shopper_email, seller_email, staff_email))
    seller = seller_of(owner) if owner is not None else None
    other = db.session.scalar(select(Seller).where(Seller.status == SellerStatus.APPROVED, Seller.id != seller.id)
                              .order_by(Seller.id)) if seller else None
    if shopper is None or staff is None or seller is None or other is None:
        return 0
    mine, theirs = _products(seller, 3), _products(other, 1)
    if len(mine) < 3 or not theirs:
        return 0
    seller.free_shipping_over_vnd = 500_000  # shows "free from 500.000 ₫" on the cart
    db.session.commit()

    # New, from two sellers, waiting for the demo seller's confirmation.
    _place(shopper, [(mine[0], 2), (theirs[0], 1)])
    # Delivered for cash: the seller owes the commission.
    delivered = _place(shopper, [(mine[1], 1)])
    part = delivered.seller_orders[0]
    services.fulfil(owner, part, "confirm")
    services.fulfil(owner, part, "ship", carrier="Viettel Post", tracking_number="VTP2026112701")
    services.fulfil(owner, part, "deliver", cash_collected=True)
    review = reviews.submit_review(shopper, delivered, part.lines[0].id, 5,
                                   "Cà phê thơm, rang vừa, gói kỹ. Giao hàng nhanh, sẽ mua tiếp.")
    reviews.reply(owner, review.id, "Cảm ơn chị đã tin dùng cà phê của chị em Cầu Đất!")
    # A visitor's report against another seller's listing, waiting for that seller's answer.
    complaints.report_product(None, theirs[0].id, "misleading",
                              "Ảnh sản phẩm khác với mô tả về khối lượng.", "khach.vanglai@example.vn", "vi")
    # A guest's bank transfer, paid (seen by staff) and confirmed: the union will owe the net.
    paid = _place(None, [(mine[2], 1)], "bank_transfer", full_name="Phạm Thị Lan", phone="0987 654 321",
                  email="lan.pham@example.vn")
    services.mark_transfer_paid(staff, paid)
    services.fulfil(owner, paid.seller_orders[0], "confirm")
    # A transfer still waiting for the money (its page shows the VietQR code).
    _place(shopper, [(mine[0], 1)], "bank_transfer")
    return 4
