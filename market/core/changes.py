"""Changes made with UPDATE statements (not through ORM objects), noted on the session so
that listeners acting after the commit (the search index) hear of them too."""
from sqlalchemy.orm.util import identity_key

from market.extensions import db


def note_changed(model, object_id: int) -> None:
    """Record that row `object_id` of `model` changed in the current transaction."""
    db.session.info.setdefault("changed_rows", set()).add((model.__name__, object_id))


def forget_loaded(model, object_id: int, *attributes: str) -> None:
    """Make a row's object already loaded in this session read `attributes` afresh.

    An UPDATE computing a value in SQL (`stock = stock - 2`) leaves the loaded object with
    its old value (or a value worked out in Python from it, which is no better when another
    transaction changed the row meanwhile); readers after it (the search index) need the
    database's.
    """
    loaded = db.session.identity_map.get(identity_key(model, object_id))
    if loaded is not None:
        db.session.expire(loaded, list(attributes) or None)


def note_stock_changed(model, object_id: int, before: int, after: int) -> None:
    """Record that an UPDATE changed only the stock of row `object_id` of `model`, from
    `before` to `after` (first and last value when it moves twice in one transaction).

    Kept apart from `note_changed`: the search index holds only whether a product is in
    stock, so it rewrites a product's document only when the stock crosses zero.
    """
    moves = db.session.info.setdefault("stock_moves", {})
    first = moves.get((model.__name__, object_id), (before, after))[0]
    moves[(model.__name__, object_id)] = (first, after)
