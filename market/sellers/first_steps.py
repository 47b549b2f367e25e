"""A new seller's first steps, from profile to first quarterly figures, each with its state and
the date it was reached, read from what happened (never ticked by hand):

- profile: a story and a logo (the profile save that completed it says so in its audit row;
  a profile complete in the approved application counts from its submission);
- shipping: the seller set its shipping fee at least once (audit "shipping_updated");
- photo: a product with a photo (from catalog), on_sale: a product on sale now (catalog);
- confirmed: an order confirmed and not cancelled since, delivered: an order delivered (orders);
- figures: quarterly figures sent (the first "figures_reported" row, or the figures' own date).

A state can be lost: hiding the only product on sale undoes "on sale", cancelling the only
confirmed order undoes "confirmed". Steps may be reached in any order.

Sellers sit below catalog and orders, so those domains register providers here (as
`market.sellers.home` has them do). A provider takes a query of seller ids and answers, in a
fixed number of aggregate queries, the moment each seller reached each of its facts; the seller
home asks for one seller, the union's counts (market.staff.first_steps) for many.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, func, select

from market.core.audit import AuditEntry
from market.core.clock import aware
from market.extensions import db
from market.sellers.models import Seller, SellerFigures
from market.sellers.services import PROFILE_COMPLETED

GUIDE_ENDPOINT = "pages.help_topic"
# How long the home says "all steps done" once the last was reached.
ALL_DONE_NOTE = timedelta(days=14)


@dataclass(frozen=True)
class StepKind:
    """A step as every seller has it: where it is done (an endpoint and its arguments) and its
    guide's topic (market.pages' /sell/help/<topic>)."""

    key: str
    label: str  # a lazy string
    endpoint: str
    args: tuple[tuple[str, str], ...] = ()
    topic: str = ""
    owner_only: bool = False  # only the owner reaches the page where it is done


STEP_KINDS = (
    StepKind("profile", _l("Profile and logo"), "sellers.profile", topic="profile", owner_only=True),
    StepKind("shipping", _l("Shipping fee set"), "orders.seller_shipping", topic="shipping"),
    StepKind("photo", _l("First product with a photo"), "catalog.new_product", topic="first-product"),
    StepKind("on_sale", _l("First product on sale"), "catalog.seller_products", topic="on-sale"),
    StepKind("confirmed", _l("First order confirmed"), "orders.seller_orders", (("status", "pending"),),
             topic="confirm-order"),
    # Shipping comes before delivering: the whole list, where each order shows its next move.
    StepKind("delivered", _l("First order delivered"), "orders.seller_orders", topic="deliver-order"),
    StepKind("figures", _l("First quarterly figures sent"), "sellers.figures", topic="figures"),
)
STEP_KEYS = tuple(kind.key for kind in STEP_KINDS)


@dataclass(frozen=True)
class Step:
    """One step of one seller: done or not, and since when (None when not done)."""

    key: str
    label: str
    done: bool
    done_on: datetime | None
    endpoint: str
    args: tuple[tuple[str, str], ...]
    topic: str
    owner_only: bool

    @property
    def do_url(self) -> str:
        return url_for(self.endpoint, **dict(self.args))


# seller id -> {fact key: the moment the seller reached it}; a fact not reached is absent.
Facts = dict[int, dict[str, datetime]]
# A provider takes a query of seller ids and returns the facts it knows of those sellers.
Provider = Callable[[Select], Facts]
_providers: list[Provider] = []


def register(provider: Provider) -> Provider:
    """Let another domain answer some of the steps (used as a decorator)."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def guide_url(topic: str) -> str | None:
    """The guide of a step (market.pages' /sell/help/<topic>), or None for a step without one."""
    return url_for(GUIDE_ENDPOINT, topic=topic) if topic else None


def _first(action: str, column=AuditEntry.created_at, condition=None):
    test = AuditEntry.action == action if condition is None else (AuditEntry.action == action) & condition
    return func.min(case((test, column)))


def sellers_own_facts(seller_ids: Select) -> Facts:
    """What sellers know of themselves: approval, profile, shipping fee, figures; one query."""
    trail = (
        select(AuditEntry.subject_id.label("seller_id"),
               _first("approve").label("approved"),
               _first("shipping_updated").label("shipping"),
               _first("profile_updated", condition=AuditEntry.detail == PROFILE_COMPLETED).label("profile"),
               _first("figures_reported").label("figures"))
        .where(AuditEntry.subject_type == "seller", AuditEntry.subject_id.in_(seller_ids),
               AuditEntry.action.in_(("approve", "shipping_updated", "profile_updated", "figures_reported")))
        .group_by(AuditEntry.subject_id)
        .subquery()
    )
    # Not a step of hers: the union's own count of the sellers its staff helped (with consent,
    # market.sellers.helping), from the first thing done on her behalf.
    helped = (
        select(AuditEntry.on_behalf_of_seller_id.label("seller_id"), func.min(AuditEntry.created_at).label("helped"))
        .where(AuditEntry.on_behalf_of_seller_id.in_(seller_ids))
        .group_by(AuditEntry.on_behalf_of_seller_id)
        .subquery()
    )
    figures = (
        select(SellerFigures.seller_id.label("seller_id"), func.min(SellerFigures.reported_at).label("reported"))
        .where(SellerFigures.seller_id.in_(seller_ids))
        .group_by(SellerFigures.seller_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Seller.id, Seller.story, Seller.logo_name, Seller.submitted_at, Seller.decided_at, Seller.created_at,
               trail.c.approved, trail.c.shipping, trail.c.profile, trail.c.figures, figures.c.reported, helped.c.helped)
        .outerjoin(trail, trail.c.seller_id == Seller.id)
        .outerjoin(helped, helped.c.seller_id == Seller.id)
        .outerjoin(figures, figures.c.seller_id == Seller.id)
        .where(Seller.id.in_(seller_ids))
    )
    facts: Facts = {}
    for (seller_id, story, logo, submitted, decided, created, approved, shipping, profile, reported, figures_on,
         helped_on) in rows:
        found = facts.setdefault(seller_id, {})
        if approved or decided:
            found["approved"] = approved or decided
        if (story or "").strip() and logo:
            # Complete in the application (no save completed it since): since it was sent.
            found["profile"] = profile or submitted or created
        if shipping:
            found["shipping"] = shipping
        if reported or figures_on:
            found["figures"] = min(moment for moment in (reported, figures_on) if moment)
        if helped_on:
            found["helped"] = helped_on
    return facts


def facts_of(seller_ids: Select) -> Facts:
    """Every fact known of the sellers whose ids `seller_ids` selects (a fixed number of
    queries: one of the sellers' own, and each provider's)."""
    facts = sellers_own_facts(seller_ids)
    for provider in _providers:
        for seller_id, found in provider(seller_ids).items():
            facts.setdefault(seller_id, {}).update(found)
    # SQLite gives naive UTC back, PostgreSQL aware: one kind, to compare and subtract them.
    return {seller_id: {key: aware(moment) for key, moment in found.items()} for seller_id, found in facts.items()}


def steps_from(facts: dict[str, datetime]) -> list[Step]:
    """The seven steps, in order, from one seller's facts."""
    return [Step(kind.key, kind.label, kind.key in facts, facts.get(kind.key), kind.endpoint, kind.args, kind.topic,
                 kind.owner_only) for kind in STEP_KINDS]


@dataclass(frozen=True)
class Progress:
    """A seller's first steps as its home shows them: the list while one is missing, then a
    short note for ALL_DONE_NOTE after the last was reached, then nothing."""

    steps: list[Step]
    now: datetime

    @property
    def done(self) -> int:
        return sum(step.done for step in self.steps)

    @property
    def all_done(self) -> bool:
        return self.done == len(self.steps)

    @property
    def shown(self) -> bool:
        return not self.all_done

    @property
    def note_shown(self) -> bool:
        return self.all_done and self.now - max(step.done_on for step in self.steps) < ALL_DONE_NOTE


def first_steps(seller: Seller, now: datetime) -> Progress:
    """The first steps of one seller at `now` (a fixed number of queries)."""
    facts = facts_of(select(Seller.id).where(Seller.id == seller.id)).get(seller.id, {})
    return Progress(steps_from(facts), now)
