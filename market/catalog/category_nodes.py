"""The category tree as storefront pages read it: plain nodes kept per worker (core/kept_data.py).

Every storefront page needs the tree (home tiles, a category page's parent and children,
search facets' names), and it changes a few times a year; reading it through the ORM on
every request cost a statement and some thirty objects each time.
"""
from dataclasses import dataclass, field

from sqlalchemy import select

from market.catalog.models import Category
from market.core.i18n import localised
from market.core.kept_data import forget_entry, kept
from market.extensions import db


KEPT_NAME = "category_tree"


@dataclass(eq=False, slots=True)
class CategoryNode:
    """A category with its parent and children, as templates use `Category`."""

    id: int
    slug: str
    name_vi: str
    name_en: str
    parent: "CategoryNode | None" = None
    children: list["CategoryNode"] = field(default_factory=list)

    @property
    def name(self) -> str:
        return localised(self.name_vi, self.name_en)


@dataclass(slots=True)
class _Tree:
    tops: list[CategoryNode]
    by_slug: dict[str, CategoryNode]
    by_id: dict[int, CategoryNode]


def _read_tree() -> _Tree:
    rows = db.session.execute(
        select(Category.id, Category.parent_id, Category.slug, Category.name_vi, Category.name_en)
        .order_by(Category.position, Category.id)
    ).all()
    by_id = {row.id: CategoryNode(row.id, row.slug, row.name_vi, row.name_en) for row in rows}
    tops = []
    for row in rows:
        node = by_id[row.id]
        if row.parent_id is None:
            tops.append(node)
        elif row.parent_id in by_id:
            node.parent = by_id[row.parent_id]
            node.parent.children.append(node)
    return _Tree(tops, {node.slug: node for node in by_id.values()}, by_id)


def _tree() -> _Tree:
    return kept(KEPT_NAME, (Category.__tablename__,), _read_tree)


def _fresh_tree() -> _Tree:
    """The tree read again: a category another worker added lately is not in the kept one."""
    forget_entry(KEPT_NAME)
    return _tree()


def category_tree() -> list[CategoryNode]:
    """Top categories with their sub-categories, in display order."""
    return _tree().tops


def category_by_slug(slug: str) -> CategoryNode | None:
    """The category with this slug (None when there is none, even after reading again)."""
    found = _tree().by_slug.get(slug)
    return found if found is not None else _fresh_tree().by_slug.get(slug)


def category_by_id(category_id: int) -> CategoryNode | None:
    found = _tree().by_id.get(category_id)
    return found if found is not None else _fresh_tree().by_id.get(category_id)


def categories_by_id() -> dict[int, CategoryNode]:
    """Every category (top and sub) by id, as kept."""
    return _tree().by_id
