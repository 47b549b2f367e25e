"""Money rules of an order, as plain functions of integers (đồng): shipping and commission."""


def shipping_fee(items_subtotal_vnd: int, flat_fee_vnd: int, free_over_vnd: int | None) -> int:
    """The seller's flat fee, or nothing once the seller's part reaches its free-shipping threshold."""
    if free_over_vnd is not None and items_subtotal_vnd >= free_over_vnd:
        return 0
    return flat_fee_vnd


def commission(items_subtotal_vnd: int, rate_bp: int) -> int:
    """Commission on the goods (not on shipping), rounded half up to the đồng; never above the goods."""
    return (items_subtotal_vnd * rate_bp + 5_000) // 10_000


def split(items_subtotal_vnd: int, shipping_vnd: int, rate_bp: int) -> tuple[int, int, int]:
    """(subtotal, commission, net) of a seller's part, where commission + net = subtotal."""
    subtotal = items_subtotal_vnd + shipping_vnd
    fee = commission(items_subtotal_vnd, rate_bp)
    return subtotal, fee, subtotal - fee
