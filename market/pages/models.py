"""Versioned public pages and the acceptances of versioned terms."""
from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.accounts.models import User
from market.core.clock import utcnow
from market.extensions import db


class PageVersion(db.Model):
    """One version of a public page, in both languages. A page is shown at its newest
    version whose effective date has come; older versions stay for the record."""

    __tablename__ = "page_versions"
    __table_args__ = (UniqueConstraint("slug", "version", name="uq_page_versions_slug_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(30))  # rules, privacy, returns, contact, seller-terms
    version: Mapped[int]
    title_vi: Mapped[str] = mapped_column(String(150))
    title_en: Mapped[str] = mapped_column(String(150))
    body_vi: Mapped[str] = mapped_column(Text)
    body_en: Mapped[str] = mapped_column(Text)
    effective_on: Mapped[date] = mapped_column(Date)
    # What changed, in the editor's words (shown in the page's history).
    change_note: Mapped[str] = mapped_column(String(300), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    created_by: Mapped[User | None] = relationship()


class TermsAcceptance(db.Model):
    """A user accepted a version of versioned terms (the seller terms)."""

    __tablename__ = "terms_acceptances"
    __table_args__ = (Index("ix_terms_acceptances_user_slug", "user_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(30))
    version: Mapped[int]
    accepted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
