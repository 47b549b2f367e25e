"""Fill a migrated, demo-seeded database with a storefront catalog for bench/pages.py.

Run by bench/pages.py in a subprocess, with the same environment as the app it will
serve (MARKET_INSTANCE_PATH, DATABASE_URL, MARKET_ENV...). Uses the team's
`market.demo.catalog.seed_demo_catalog` when it exists; otherwise lists
`--products` products itself through `market.catalog.services.create_product`, as the
demo sellers would (one generated JPEG photo each, put on sale at once).

Prints one JSON line: {"source", "products", "category", "product", "seller"} where
category, product and seller are slugs to benchmark (the top category with the most
visible products, a visible product of it, and the approved seller with the most visible
products).
"""
import argparse
import colorsys
import importlib
import inspect
import io
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Owners of the approved demo sellers (market/demo/sellers.py); products rotate over those that can list.
OWNER_EMAILS = (
    "seller@demo.cho-phu-nu.vn",
    "thocam@demo.cho-phu-nu.vn",
    "maytre@demo.cho-phu-nu.vn",
    "mutgung@demo.cho-phu-nu.vn",
    "thaomoc@demo.cho-phu-nu.vn",
)
QUALITIES = ("truyền thống", "hữu cơ", "đặc biệt", "loại 1", "làm tay", "quà biếu", "gia đình", "cao cấp")
DESCRIPTION = (
    "Sản phẩm do chị em hợp tác xã làm ra theo cách truyền thống, chọn lọc kỹ từng mẻ.\n"
    "Đóng gói cẩn thận, giao tận nơi trên toàn quốc. Bảo quản nơi khô ráo, thoáng mát."
)


def _photo(index: int):
    """A small JPEG: a coloured gradient with a number, as a phone photo would be (smaller)."""
    from PIL import Image, ImageDraw
    from werkzeug.datastructures import FileStorage

    red, green, blue = colorsys.hsv_to_rgb((index * 0.137) % 1.0, 0.55, 0.85)
    base = (int(red * 255), int(green * 255), int(blue * 255))
    image = Image.new("RGB", (640, 480), base)
    draw = ImageDraw.Draw(image)
    for y in range(0, 480, 8):
        shade = tuple(max(0, channel - y // 6) for channel in base)
        draw.rectangle((0, y, 640, y + 8), fill=shade)
    draw.ellipse((220, 140, 420, 340), fill="white")
    draw.text((320, 240), str(index + 1), fill="black", anchor="mm", font_size=80)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    buffer.seek(0)
    return FileStorage(stream=buffer, filename=f"san-pham-{index + 1}.jpg", content_type="image/jpeg")


def _demo_catalog_seeder():
    """The team's demo catalog seeder, when it is there and callable without arguments."""
    try:
        module = importlib.import_module("market.demo.catalog")
    except ImportError:
        return None
    seeder = getattr(module, "seed_demo_catalog", None)
    if not callable(seeder):
        return None
    required = [
        parameter for parameter in inspect.signature(seeder).parameters.values()
        if parameter.default is parameter.empty and parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD)
    ]
    return None if required else seeder


def _own_catalog(count: int) -> int:
    from market.accounts.services import find_user_by_email
    from market.catalog import services
    from market.core.domain import DomainError

    services.seed_categories()
    choices = services.category_choices()
    owners = []
    for email in OWNER_EMAILS:
        user = find_user_by_email(email)
        if user is None:
            continue
        try:
            services.acting_seller(user)
        except DomainError:
            continue
        owners.append(user)
    if not owners:
        raise SystemExit("no approved demo seller: did `flask --app wsgi seed-demo` run?")
    units = ("kg", "box", "bag", "jar", "bottle")
    for index in range(count):
        category_id, label = choices[index % len(choices)]
        leaf = label.split(" › ")[-1]
        data = services.ProductData(
            name=f"{leaf} {QUALITIES[index % len(QUALITIES)]} số {index + 1}",
            category_id=category_id,
            price_vnd=45_000 + (index * 7_919) % 400_000,
            compare_at_price_vnd=None,
            stock=5 + index % 40,
            unit=units[index % len(units)],
            description=DESCRIPTION,
            weight_grams=250 + 50 * (index % 10),
        )
        services.create_product(owners[index % len(owners)], data, photos=[_photo(index)], publish=True)
    return count


def _busiest_seller() -> str:
    """The slug of the approved seller with the most visible products (its page lists the most)."""
    from sqlalchemy import func, select

    from market.catalog.models import Product
    from market.extensions import db
    from market.sellers.models import Seller

    return db.session.scalar(
        select(Seller.slug).join(Product, Product.seller_id == Seller.id).where(Product.visible())
        .group_by(Seller.id, Seller.slug).order_by(func.count(Product.id).desc(), Seller.id).limit(1)
    )


def _pick_urls() -> tuple[int, str, str]:
    from sqlalchemy import func, select

    from market.catalog.models import Category, Product
    from market.extensions import db

    visible = db.session.scalar(select(func.count()).select_from(Product).where(Product.visible())) or 0
    if not visible:
        raise SystemExit("no visible product to benchmark")
    top = func.coalesce(Category.parent_id, Category.id)
    row = db.session.execute(
        select(top.label("top_id"), func.count(Product.id).label("n"))
        .join(Product, Product.category_id == Category.id)
        .where(Product.visible())
        .group_by(top)
        .order_by(func.count(Product.id).desc(), top)
        .limit(1)
    ).one()
    category = db.session.get(Category, row.top_id)
    ids = [category.id] + [child.id for child in category.children]
    product_slug = db.session.scalar(
        select(Product.slug).where(Product.visible(), Product.category_id.in_(ids)).order_by(Product.id).limit(1)
    )
    return visible, category.slug, product_slug


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=60, help="how many products to list when seeding ourselves")
    args = parser.parse_args()
    os.chdir(ROOT)

    from market import create_app

    app = create_app()
    with app.app_context(), app.test_request_context("/"):
        seeder = _demo_catalog_seeder()
        if seeder is not None:
            seeder()
            source = "market.demo.catalog.seed_demo_catalog"
        else:
            _own_catalog(args.products)
            source = f"bench/seed_catalog.py ({args.products} products via services.create_product)"
        visible, category_slug, product_slug = _pick_urls()
        seller_slug = _busiest_seller()
    print(json.dumps({"source": source, "products": visible, "category": category_slug, "product": product_slug,
                      "seller": seller_slug}))


if __name__ == "__main__":
    main()
