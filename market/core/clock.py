"""The one clock every model and service reads: timezone-aware UTC."""
from datetime import datetime, timezone


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def aware(moment: datetime | None) -> datetime | None:
    """A datetime read back from the database, as aware UTC: SQLite gives naive UTC values
    back, PostgreSQL aware ones. None stays None."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment
