"""From database rows to `ProductDocument`s, and which products a change affects."""
from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from market.catalog.models import Category, OcopStatus, Product, ProductStatus
from market.programs.models import Enrolment, Program
from market.search.backend import ProductDocument
from market.sellers.models import Seller, SellerStatus


def _documents(session: Session, products: list[Product]) -> list[ProductDocument]:
    seller_ids = sorted({product.seller_id for product in products})
    programs: dict[int, list[Program]] = {}
    if seller_ids:
        rows = session.execute(
            select(Enrolment.seller_id, Program)
            .join(Program, Program.id == Enrolment.program_id)
            .where(Enrolment.seller_id.in_(seller_ids), Enrolment.status == "approved")
            .order_by(Program.id)
        )
        for seller_id, program in rows:
            programs.setdefault(seller_id, []).append(program)
    documents = []
    for product in products:
        category = product.category
        seller_programs = programs.get(product.seller_id, [])
        documents.append(
            ProductDocument(
                id=product.id,
                slug=product.slug,
                name=product.name,
                description=product.description or "",
                seller_name=product.seller.name,
                seller_slug=product.seller.slug,
                category_id=category.id,
                category_ids=tuple(i for i in (category.id, category.parent_id) if i is not None),
                category_name=category.name_vi,
                province_code=product.origin_province_code,
                program_ids=tuple(p.id for p in seller_programs),
                program_badges=tuple(p.badge_vi for p in seller_programs),
                ocop_stars=product.ocop_stars if product.ocop_status == OcopStatus.VERIFIED else None,
                price_vnd=product.price_vnd,
                in_stock=product.stock > 0,
                stock=product.stock,
                listed_at=product.published_at or product.created_at,
                image_token=product.images[0].token if product.images else None,
            )
        )
    return documents


def _visible_query():
    return (
        select(Product)
        .join(Seller, Seller.id == Product.seller_id)
        .where(Product.status == ProductStatus.ACTIVE, Seller.status == SellerStatus.APPROVED)
        .options(joinedload(Product.seller), joinedload(Product.category), selectinload(Product.images))
    )


def documents_for(session: Session, product_ids: set[int]) -> tuple[list[ProductDocument], list[int]]:
    """Documents of the visible products among `product_ids`, and the ids to remove."""
    if not product_ids:
        return [], []
    products = list(session.scalars(_visible_query().where(Product.id.in_(sorted(product_ids)))).unique())
    visible = {product.id for product in products}
    return _documents(session, products), sorted(set(product_ids) - visible)


def all_documents(session: Session, batch_size: int = 500) -> Iterator[list[ProductDocument]]:
    """Every visible product, in batches (for a rebuild)."""
    last_id = 0
    while True:
        query = _visible_query().where(Product.id > last_id).order_by(Product.id).limit(batch_size)
        products = list(session.scalars(query).unique())
        if not products:
            return
        yield _documents(session, products)
        last_id = products[-1].id


def product_ids_of_sellers(session: Session, seller_ids: set[int]) -> set[int]:
    if not seller_ids:
        return set()
    return set(session.scalars(select(Product.id).where(Product.seller_id.in_(sorted(seller_ids)))))


def category_names(session: Session) -> dict[int, str]:
    return {category.id: category.name for category in session.scalars(select(Category))}
