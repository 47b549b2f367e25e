"""Changes made with UPDATE statements (not through ORM objects), noted on the session so
that listeners acting after the commit (the search index) hear of them too."""
from market.extensions import db


def note_changed(model, object_id: int) -> None:
    """Record that row `object_id` of `model` changed in the current transaction."""
    db.session.info.setdefault("changed_rows", set()).add((model.__name__, object_id))
