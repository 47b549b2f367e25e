"""The user account and its role."""
from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.core.clock import utcnow
from market.extensions import db


class Role(StrEnum):
    SHOPPER = "shopper"
    SELLER = "seller"  # a member of a seller (cooperative or start-up)
    STAFF = "staff"  # union staff: central when staff_province_code is empty, else provincial


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('shopper', 'seller', 'staff')", name="role_known"),
        CheckConstraint("role = 'staff' OR staff_province_code IS NULL", name="province_only_for_staff"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased so that uniqueness ignores case.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(20))  # E.164, e.g. +84912345678
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default=Role.SHOPPER)
    staff_province_code: Mapped[str | None] = mapped_column(String(2))
    locale: Mapped[str | None] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set by central staff: the account cannot sign in until reactivated.
    deactivated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set when the user deleted the account: the row stays (orders, reviews and audit rows
    # point at it) but its personal fields are emptied; it can never sign in again.
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    # The key of the server session (UserSession) this object was signed in or loaded
    # with, for this request only: never stored, set by the sign-in view and the user loader.
    session_key = None

    def get_id(self) -> str:
        """What the session and remember-me cookies hold: `<user id>:<server session key>`.

        Binding both cookies to a server session is what lets sign-out end a copied cookie
        (see market.accounts.auth).
        """
        return f"{self.id}:{self.session_key or ''}"

    @property
    def is_active(self) -> bool:
        """Flask-Login refuses to sign in an inactive user (deactivated or deleted)."""
        return self.deactivated_at is None and self.deleted_at is None

    @property
    def is_staff(self) -> bool:
        return self.role == Role.STAFF

    @property
    def is_central_staff(self) -> bool:
        return self.is_staff and self.staff_province_code is None

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"


class Notification(db.Model):
    """A message in the user's account (always written, whether or not email works)."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(300))  # a same-site path
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class UserSession(db.Model):
    """One signed-in browser of a user, known on the server so that signing out (or staff
    deactivating the account) ends it even if its cookie was copied."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # SHA-256 of the random key kept in the session cookie (the key itself is never stored).
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_agent: Mapped[str] = mapped_column(String(255), default="")
    ip_address: Mapped[str | None] = mapped_column(String(45))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship(lazy="raise")

    @classmethod
    def owned_by(cls, user):
        """SQL condition: the session is one of `user`'s (for get_owned_or_404)."""
        return cls.user_id == user.id
