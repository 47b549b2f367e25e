"""A year of generated marketplace activity for bench/reports.py, loaded into PostgreSQL with COPY.

`generate(sizes, refs, seed)` returns a `World`: rows (tuples, in each table's column order)
for users, sellers, seller_members, enrolments, seller_figures, products, orders,
seller_orders, order_lines, ledger_entries and audit_entries; `load(conn, world)` COPYs them
and moves each table's id sequence past them. Everything comes from one `random.Random(seed)`:
the same sizes and seed give the same rows.

The year is the union's year-end period of `year`: 1 Dec (year - 1) to 30 Nov (year) in
Vietnam's time. The world is seen as of 1 Dec (year) 00:00 there ("the end"): parts placed in
the last days are still pending, confirmed or shipped; older ones are delivered or cancelled.

What is generated, and the rules it keeps (those of the app, so `orders verify` passes):
- sellers: `sellers` approved (two thirds before the year, the rest during it; each of the
  34 provinces has some, the big cities more), plus `extra_sellers` pending, asking for
  changes, rejected, suspended or drafts; legal forms, women-led flags, members and workers
  (women within the totals); an owner account each; audit rows created/submit/decision;
- enrolments in the demo's two programs (passed in `refs`) of eligible sellers (legal form,
  women-led): mostly approved, some pending or rejected; from its approval an enrolled seller's
  new orders carry the program's commission rate, before (or without) the default rate;
- seller figures: one row per quarter reported (most sellers report each quarter, during the
  quarter, as `report_figures` does), growing slowly;
- products: `products`, at least one per approved seller, the rest skewed (a few sellers list
  many); on sale, hidden, draft or blocked; listed after the seller's approval;
- orders: `orders` placed over the year (more towards its end, more in the evening), each with
  one seller's part (80 %) or two, 1-3 lines, quantities mostly 1; cash on delivery, bank
  transfer or card; shipping from the seller's fee and free-shipping threshold; commission
  = the part's rate on its goods, rounded as `market.orders.pricing.commission`; net =
  subtotal - commission; order totals = sums of parts. Statuses follow the transition tables:
  cash-on-delivery parts start pending, online ones await payment and are released when paid
  (a few expire unpaid); parts are confirmed, shipped and delivered with delays, or cancelled
  (by the shopper, the seller with a reason, or staff) - about 5 % in all; a cash-on-delivery
  order is paid when its last live part is delivered; a paid online order whose parts were
  all cancelled is refunded. One audit row per move, as the services write them;
- ledger: commission owed (cash on delivery) or net owed (paid online) per delivered part, and
  a settlement per seller after each quarter that brings its balance back to zero.
Not generated: photos, search rows, notices and emails, carts, addresses, reviews, complaints.
"""
from __future__ import annotations

import random
import sys
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from search_catalog import PRODUCTS, SELLER_TRADES, WOMEN_NAMES, slugify  # bench/search_catalog.py

from market.geo.provinces import all_provinces
from market.geo.wards import wards_of
from market.orders.pricing import commission, shipping_fee

VN = timezone(timedelta(hours=7))  # Asia/Ho_Chi_Minh: no daylight saving
HOUR = 3600
DAY = 86400
PROVINCE_CODES = tuple(p.code for p in all_provinces())
PROVINCE_NAMES = {p.code: p.name for p in all_provinces()}
# More sellers and shoppers in the big cities and the provinces known for their cooperatives.
PROVINCE_WEIGHTS = {"01": 6, "79": 6, "31": 3, "48": 3, "92": 3, "33": 2, "66": 2, "68": 2, "15": 2, "08": 2,
                    "38": 2, "40": 2, "24": 2, "86": 2}
LEGAL_FORMS = (("cooperative", 40), ("cooperative_group", 20), ("household", 25), ("enterprise", 15))
FORM_PREFIX = {"cooperative": "HTX", "cooperative_group": "Tổ hợp tác", "household": "Hộ kinh doanh",
               "enterprise": "Công ty TNHH"}
LEADER_ROLE = {"cooperative": "chair", "cooperative_group": "chair", "household": "majority_owner",
               "enterprise": "director"}
# (members, workers) ranges per legal form
SIZES = {"cooperative": ((7, 150), (3, 80)), "cooperative_group": ((3, 25), (2, 20)), "household": ((1, 6), (1, 8)),
         "enterprise": ((1, 40), (2, 60))}
SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
            "Dương", "Lý")
GIVEN = WOMEN_NAMES[:17] + ("Trang", "Linh", "Nhung", "Oanh", "Quyên", "Châu", "Diệp", "Bích")
MEN = ("Minh", "Tuấn", "Hùng", "Dũng", "Nam", "Sơn", "Long", "Quang")
CANCEL_REASONS = ("Hết hàng", "Không liên lạc được với người mua", "Người mua đổi ý, gọi điện xin hủy",
                  "Sai địa chỉ giao hàng", "Sản phẩm bị hỏng khi đóng gói")
STAFF_CANCEL_REASONS = ("Đơn trùng, người mua nhờ hủy", "Người bán báo tạm nghỉ")
CARRIERS = ("Viettel Post", "Giao Hàng Nhanh", "VNPost", "J&T Express", "Giao Hàng Tiết Kiệm")
EXPIRY_S = 24 * HOUR  # PAYMENT_EXPIRY_HOURS


@dataclass
class Sizes:
    sellers: int = 2_000
    extra_sellers: int = 200
    products: int = 30_000
    orders: int = 200_000
    shoppers: int = 60_000


@dataclass
class Refs:
    """What already exists in the migrated database (made through the services)."""
    year: int
    staff_id: int
    password_hash: str
    default_rate_bp: int
    categories: dict[str, int]  # sub-category slug -> id
    programs: list[tuple[int, int, frozenset[str]]]  # (id, commission rate bp, legal forms)
    first_ids: dict[str, int]  # table -> the first id to use


COLUMNS = {
    "users": ("id", "email", "full_name", "phone", "password_hash", "role", "locale", "created_at"),
    "sellers": ("id", "slug", "name", "legal_form", "registration_number", "province_code", "commune_code",
                "commune_name", "street_address", "phone", "story", "members_count", "women_members_count",
                "workers_count", "women_workers_count", "women_led", "leader_name", "leader_role",
                "leadership_statement", "shipping_fee_vnd", "free_shipping_over_vnd", "status", "status_reason",
                "created_at", "updated_at", "submitted_at", "decided_at"),
    "seller_members": ("id", "seller_id", "user_id", "role", "joined_at"),
    "enrolments": ("id", "program_id", "seller_id", "status", "status_reason", "statement",
                   "women_members_at_enrolment", "jobs_for_women_at_enrolment", "applied_by_id", "created_at",
                   "decided_at"),
    "seller_figures": ("id", "seller_id", "period_start", "women_members", "jobs_for_women", "reported_at",
                       "reported_by_id"),
    "products": ("id", "seller_id", "category_id", "slug", "name", "description", "price_vnd", "compare_at_price_vnd",
                 "stock", "unit", "weight_grams", "origin_province_code", "ocop_stars", "ocop_status", "status",
                 "status_reason", "created_at", "updated_at", "published_at", "created_by_id", "updated_by_id"),
    "orders": ("id", "number", "token", "user_id", "full_name", "phone", "email", "province_code", "commune_code",
               "commune_name", "street_address", "note", "locale", "payment_method", "payment_status",
               "payment_expires_at", "paid_at", "paid_amount_vnd", "payment_reference", "items_total_vnd",
               "shipping_total_vnd", "total_vnd", "created_at"),
    "seller_orders": ("id", "order_id", "seller_id", "status", "items_subtotal_vnd", "shipping_vnd", "subtotal_vnd",
                      "commission_rate_bp", "commission_vnd", "net_vnd", "carrier", "tracking_number",
                      "cancel_reason", "cash_collected", "created_at", "updated_at", "delivered_at"),
    "order_lines": ("id", "seller_order_id", "product_id", "product_name", "unit", "unit_price_vnd", "quantity",
                    "line_total_vnd"),
    "ledger_entries": ("id", "seller_id", "seller_order_id", "kind", "amount_vnd", "memo", "created_at",
                       "created_by_id"),
    "audit_entries": ("id", "created_at", "actor_id", "subject_type", "subject_id", "action", "from_status",
                      "to_status", "reason", "detail"),
}
# In foreign-key order.
TABLES = tuple(COLUMNS)


@dataclass
class World:
    rows: dict[str, list[tuple]] = field(default_factory=lambda: {t: [] for t in TABLES})


@dataclass
class _Seller:
    id: int
    owner_id: int
    province: str
    form: str
    women_led: bool
    approved_ts: float | None  # when it may sell
    fee: int
    free_over: int | None
    women_members: int
    women_workers: int
    until_ts: float | None = None  # suspended at: sells no more
    rate_from: tuple[float, int] | None = None  # (enrolment approved at, program rate)
    products: list[int] = field(default_factory=list)  # product indexes, by listing time


@dataclass
class _Product:
    id: int
    seller: _Seller
    name: str
    unit: str
    price: int
    listed_ts: float
    weight: float


def cumulative(weights: list[float]) -> list[float]:
    total, sums = 0.0, []
    for weight in weights:
        total += weight
        sums.append(total)
    return sums


def ts(dt: datetime) -> float:
    return dt.timestamp()


def at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def person(rng: random.Random, woman: bool = True) -> str:
    middle = "Thị" if woman else "Văn"
    return f"{rng.choice(SURNAMES)} {middle} {rng.choice(GIVEN if woman else MEN)}"


def mobile(rng: random.Random) -> str:
    return f"+849{rng.randrange(10**8):08d}"


class _Ids:
    def __init__(self, first: dict[str, int]):
        self.next = {table: first.get(table, 1) for table in TABLES}

    def __call__(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value


class Generator:
    def __init__(self, sizes: Sizes, refs: Refs, seed: int):
        self.sizes, self.refs = sizes, refs
        self.rng = random.Random(seed)
        self.world = World()
        self.ids = _Ids(refs.first_ids)
        self.start = ts(datetime(refs.year - 1, 12, 1, tzinfo=VN))
        self.end = ts(datetime(refs.year, 12, 1, tzinfo=VN))
        self.wards = {code: [(w.code, w.name) for w in wards_of(code)] for code in PROVINCE_CODES}
        self.province_weights = [PROVINCE_WEIGHTS.get(code, 1) for code in PROVINCE_CODES]
        self.sellers: list[_Seller] = []
        self.products: list[_Product] = []

    def add(self, table: str, row: tuple) -> None:
        self.world.rows[table].append(row)

    def audit(self, when: float, actor: int | None, subject: str, subject_id: int, action: str,
              old: str | None = None, new: str | None = None, reason: str | None = None,
              detail: str | None = None) -> None:
        # The id (0 here) is given at the end, in time order.
        self.add("audit_entries", (0, at(when), actor, subject, subject_id, action, old, new,
                                   reason, detail))

    def ward(self, province: str) -> tuple[str, str]:
        return self.rng.choice(self.wards[province])

    # -- sellers ----------------------------------------------------------------------------

    def make_sellers(self) -> None:
        rng, refs = self.rng, self.refs
        before = self.start - 3 * 365 * DAY
        forms = [f for f, _ in LEGAL_FORMS]
        form_weights = [w for _, w in LEGAL_FORMS]
        total = self.sizes.sellers + self.sizes.extra_sellers
        # The extras, by fate: pending, changes_requested, rejected, suspended, draft.
        extra = ["pending"] * 6 + ["changes_requested"] * 3 + ["rejected"] * 6 + ["suspended"] * 3 + ["draft"] * 2
        for index in range(total):
            # Every province gets sellers: the first 34 go one to each.
            province = PROVINCE_CODES[index] if index < len(PROVINCE_CODES) else rng.choices(
                PROVINCE_CODES, self.province_weights)[0]
            form = rng.choices(forms, form_weights)[0]
            fate = "approved" if index < self.sizes.sellers else extra[index % len(extra)]
            self._seller(index, province, form, fate, before, refs)

    def _seller(self, index: int, province: str, form: str, fate: str, before: float, refs: Refs) -> None:
        rng = self.rng
        seller_id, owner_id = self.ids("sellers"), self.ids("users")
        (m_lo, m_hi), (w_lo, w_hi) = SIZES[form]
        members = int(rng.triangular(m_lo, m_hi, m_lo + (m_hi - m_lo) * 0.2))
        workers = int(rng.triangular(w_lo, w_hi, w_lo + (w_hi - w_lo) * 0.2))
        women_members = round(members * rng.uniform(0.5, 1.0))
        women_workers = round(workers * rng.uniform(0.4, 1.0))
        women_led = rng.random() < 0.88
        # When it was approved: two in three before the year, the rest in its first ten months.
        if fate in ("approved", "suspended"):
            decided = (rng.uniform(before, self.start) if rng.random() < 0.66
                       else rng.uniform(self.start, self.end - 60 * DAY))
        else:
            decided = rng.uniform(self.start, self.end - 2 * DAY)
        created = decided - rng.uniform(2, 40) * DAY
        submitted = created + rng.uniform(0.1, 1.5) * DAY
        leader = person(rng)
        trade = rng.choice(SELLER_TRADES)
        name = (f"{FORM_PREFIX[form]} {leader.split()[-1]} {PROVINCE_NAMES[province]}" if form == "household"
                else f"{FORM_PREFIX[form]} {trade} {self.ward(province)[1].split(' ', 1)[1]}")
        commune_code, commune_name = self.ward(province)
        registration = f"{3_600_000_000 + seller_id:010d}" if form in ("cooperative", "enterprise") else None
        fee = rng.choice((15_000, 20_000, 25_000, 30_000, 30_000, 35_000, 40_000))
        free_over = rng.choice((None, None, 300_000, 500_000, 1_000_000))
        status = {"approved": "approved", "suspended": "suspended", "pending": "pending", "draft": "draft",
                  "rejected": "rejected", "changes_requested": "changes_requested"}[fate]
        decided_at = None if fate in ("pending", "draft") else decided
        suspended_at = rng.uniform(decided + 30 * DAY, self.end - DAY) if fate == "suspended" else None
        last = suspended_at or decided_at or (submitted if fate != "draft" else created)
        reason = {"rejected": "Hồ sơ thiếu giấy chứng nhận đăng ký", "changes_requested": "Bổ sung ảnh cơ sở sản xuất",
                  "suspended": "Nhiều đơn bị hủy vì hết hàng"}.get(fate)
        self.add("users", (owner_id, f"chu{seller_id}@bench.example.vn", leader, mobile(rng), self.refs.password_hash,
                           "seller", "vi", at(created - DAY)))
        self.add("sellers", (
            seller_id, f"{slugify(name)[:70]}-{seller_id}", name, form, registration, province, commune_code,
            commune_name, f"Thôn {rng.randint(1, 12)}", mobile(rng), f"{name}: sản phẩm của chị em {trade.lower()}.",
            members, women_members, workers, women_workers, women_led, leader, LEADER_ROLE[form],
            "Chị em phụ nữ nắm giữ đa số vốn góp." if women_led else "", fee, free_over, status, reason, at(created),
            at(last), None if fate == "draft" else at(submitted), None if decided_at is None else at(decided_at)))
        self.add("seller_members", (self.ids("seller_members"), seller_id, owner_id, "owner", at(created)))
        self.audit(created, owner_id, "seller", seller_id, "created", None, "draft")
        if fate != "draft":
            self.audit(submitted, owner_id, "seller", seller_id, "submit", "draft", "pending")
        action = {"approved": "approve", "suspended": "approve", "rejected": "reject",
                  "changes_requested": "request_changes"}.get(fate)
        if action:
            self.audit(decided, refs.staff_id, "seller", seller_id, action, "pending",
                       "approved" if action == "approve" else fate, reason if action != "approve" else None)
        if suspended_at:
            self.audit(suspended_at, refs.staff_id, "seller", seller_id, "suspend", "approved", "suspended", reason)
        seller = _Seller(seller_id, owner_id, province, form, women_led,
                         decided if fate in ("approved", "suspended") else None, fee, free_over, women_members,
                         women_workers, until_ts=suspended_at)
        self.sellers.append(seller)
        if seller.approved_ts is not None:
            self._enrol(seller)
            self._figures(seller)

    def _enrol(self, seller: _Seller) -> None:
        rng = self.rng
        for program_id, rate, forms in self.refs.programs:
            if seller.form not in forms or not seller.women_led or rng.random() >= 0.5:
                continue
            applied = min(seller.approved_ts + rng.uniform(1, 150) * DAY, self.end - 3 * DAY)
            roll = rng.random()
            status = "approved" if roll < 0.85 else ("pending" if roll < 0.95 else "rejected")
            decided = applied + rng.uniform(1, 14) * DAY if status != "pending" else None
            if decided is not None and decided >= self.end:
                status, decided = "pending", None
            enrolment_id = self.ids("enrolments")
            women, jobs = round(seller.women_members * 0.8), round(seller.women_workers * 0.8)
            self.add("enrolments", (enrolment_id, program_id, seller.id, status,
                                    "Chưa đủ số lao động nữ" if status == "rejected" else None,
                                    "Hợp tác xã do chị em quản lý, mong được hỗ trợ bán hàng trực tuyến.",
                                    women, jobs, seller.owner_id, at(applied),
                                    None if decided is None else at(decided)))
            self.audit(applied, seller.owner_id, "enrolment", enrolment_id, "applied", None, "pending")
            if decided is not None:
                self.audit(decided, self.refs.staff_id, "enrolment", enrolment_id,
                           "approve" if status == "approved" else "reject", "pending", status)
            if status == "approved":
                seller.rate_from = (decided, rate)

    def _figures(self, seller: _Seller) -> None:
        """One report per quarter from the seller's first full quarter on, during the quarter."""
        rng = self.rng
        year = self.refs.year
        quarters = [date(year - 1, 7, 1), date(year - 1, 10, 1), date(year, 1, 1), date(year, 4, 1),
                    date(year, 7, 1), date(year, 10, 1)]
        for step, start in enumerate(quarters):
            q_start = ts(datetime(start.year, start.month, 1, tzinfo=VN))
            q_end = ts(datetime(start.year + (start.month == 10), 1 if start.month == 10 else start.month + 3, 1,
                                tzinfo=VN))
            q_end = min(q_end, self.end)
            if seller.approved_ts >= q_end - 7 * DAY:
                continue
            # The current quarter (Q4 of the year) is half reported by the end.
            if rng.random() >= (0.45 if start.month == 10 and start.year == year else 0.85):
                continue
            when = rng.uniform(max(q_start, seller.approved_ts), q_end - HOUR)
            growth = 0.85 + 0.03 * step
            self.add("seller_figures", (self.ids("seller_figures"), seller.id, start,
                                        round(seller.women_members * growth), round(seller.women_workers * growth),
                                        at(when), seller.owner_id))
            self.audit(when, seller.owner_id, "seller", seller.id, "figures_reported",
                       detail=f"{start.isoformat()}: women members {round(seller.women_members * growth)}, "
                              f"jobs for women {round(seller.women_workers * growth)}")

    # -- products ---------------------------------------------------------------------------

    def make_products(self) -> None:
        rng = self.rng
        selling = [s for s in self.sellers if s.approved_ts is not None]
        pull = cumulative([rng.paretovariate(1.3) for _ in selling])
        subs = list(PRODUCTS)
        pending: list[tuple[float, _Seller, str, str, int, str]] = []
        for index in range(self.sizes.products):
            seller = selling[index] if index < len(selling) else rng.choices(selling, cum_weights=pull)[0]
            sub = rng.choice(subs)
            spec = PRODUCTS[sub]
            base = rng.choice(spec["types"]).partition("|")[0]
            quality = rng.choice(spec["qualities"])
            size = rng.choice(spec["sizes"]) if spec["sizes"] and rng.random() < 0.5 else ""
            name = " ".join(part for part in (base, quality, size) if part)[:150]
            low, high = spec["price"]
            price = int(rng.triangular(low, high, low + (high - low) * 0.3)) * 1000
            # Most listings soon after approval, the rest any time until two weeks before the end.
            latest = self.end - 14 * DAY
            listed = (seller.approved_ts + rng.uniform(0.5, 90) * DAY if rng.random() < 0.6
                      else rng.uniform(seller.approved_ts, max(seller.approved_ts + DAY, latest)))
            listed = min(listed, latest)
            pending.append((listed, seller, sub, name, price, spec["unit"]))
        pending.sort(key=lambda item: item[0])  # product ids in listing order, as they would be
        for listed, seller, sub, name, price, unit in pending:
            self._product(listed, seller, sub, name, price, unit)

    def _product(self, listed: float, seller: _Seller, sub: str, name: str, price: int, unit: str) -> None:
        rng = self.rng
        product_id = self.ids("products")
        roll = rng.random()
        status = "active" if roll < 0.88 else "hidden" if roll < 0.94 else "draft" if roll < 0.98 else "blocked"
        ocop = rng.choice((3, 3, 3, 4, 4, 5)) if rng.random() < 0.15 else None
        ocop_status = "none" if ocop is None else rng.choice(("verified", "verified", "verified", "claimed", "refused"))
        created = listed - rng.uniform(0.01, 2) * DAY
        published = None if status == "draft" else listed
        compare = price * 6 // 5 // 1000 * 1000 + 1000 if rng.random() < 0.1 else None
        self.add("products", (
            product_id, seller.id, self.refs.categories[sub], f"{slugify(name)[:90]}-{product_id}", name,
            f"{name}. Sản phẩm của {FORM_PREFIX[seller.form]} ở {PROVINCE_NAMES[seller.province]}.", price,
            compare, rng.randint(0, 400), unit, rng.choice((250, 500, 1000)), seller.province, ocop, ocop_status,
            status, "Sai thông tin sản phẩm" if status == "blocked" else None, at(created), at(published or created),
            None if published is None else at(published), seller.owner_id, seller.owner_id))
        if published is None:
            return  # a draft was never on sale: nobody ordered it
        self.products.append(_Product(product_id, seller, name, unit, price, listed,
                                      min(rng.paretovariate(1.2), 200.0)))
        seller.products.append(len(self.products) - 1)

    # -- orders -----------------------------------------------------------------------------

    def make_orders(self) -> None:
        rng = self.rng
        listed = [p.listed_ts for p in self.products]
        pull = cumulative([p.weight for p in self.products])
        by_seller = {s.id: [self.products[i].listed_ts for i in s.products] for s in self.sellers}
        shoppers = self._shoppers()
        shopper_pull = cumulative([rng.paretovariate(1.6) for _ in shoppers])
        shopper_indexes = range(len(shoppers))

        def pick(prefix: int) -> _Product:
            """A product listed by then (the first `prefix`), the popular ones more often."""
            for _ in range(5):
                product = self.products[bisect_right(pull, rng.random() * pull[prefix - 1], 0, prefix - 1)]
                if product.seller.until_ts is None or when < product.seller.until_ts:
                    break
            return product

        times = self._order_times()
        first_order: dict[int, float] = {}
        guests: list[tuple[str, str, str | None, str]] = []
        self.balances: dict[int, list[tuple[float, int]]] = {}
        for when in times:
            prefix = bisect_right(listed, when)
            if prefix == 0:
                continue
            first = pick(prefix)
            chosen = {first.seller.id: self._lines_of(first, when, by_seller)}
            if rng.random() < 0.2:
                for _ in range(5):
                    other = pick(prefix)
                    if other.seller.id not in chosen:
                        chosen[other.seller.id] = self._lines_of(other, when, by_seller)
                        break
            if rng.random() < 0.75:
                index = rng.choices(shopper_indexes, cum_weights=shopper_pull)[0]
                user_id, name, phone, email, province = shoppers[index]
                first_order[index] = min(first_order.get(index, when), when)
            else:
                user_id = None
                if guests and rng.random() < 0.1:  # a guest buying again
                    name, phone, email, province = rng.choice(guests)
                else:
                    name, phone = person(rng, rng.random() < 0.8), mobile(rng)
                    email = f"khach.{len(guests)}@mail.example.vn" if rng.random() < 0.6 else None
                    province = rng.choices(PROVINCE_CODES, self.province_weights)[0]
                    guests.append((name, phone, email, province))
            self._order(when, user_id, name, phone, email, province, chosen)
        for index, (user_id, name, phone, email, _province) in enumerate(shoppers):
            joined = first_order.get(index, self.end - rng.uniform(1, 400) * DAY) - rng.uniform(0, 60) * DAY
            self.add("users", (user_id, email, name, phone, self.refs.password_hash, "shopper", "vi", at(joined)))
        self._settlements()

    def _shoppers(self) -> list[tuple[int, str, str, str, str]]:
        rng = self.rng
        shoppers = []
        for n in range(self.sizes.shoppers):
            user_id = self.ids("users")
            shoppers.append((user_id, person(rng, rng.random() < 0.8), mobile(rng), f"nguoimua{n}@mail.example.vn",
                             rng.choices(PROVINCE_CODES, self.province_weights)[0]))
        return shoppers

    def _order_times(self) -> list[float]:
        """Order times over the year: growing month by month, busiest in the evening (Vietnam's time)."""
        rng = self.rng
        days = int((self.end - self.start) // DAY)
        day_weights = [1.0 + 0.7 * d / days + (0.4 if d % 7 in (5, 6) else 0.0) for d in range(days)]
        hour_weights = [0.2, 0.1, 0.05, 0.05, 0.1, 0.3, 0.6, 0.9, 1.0, 1.1, 1.1, 1.2, 1.3, 1.0, 0.9, 0.9, 1.0, 1.1,
                        1.3, 1.6, 1.9, 2.0, 1.6, 0.8]
        day_picks = rng.choices(range(days), day_weights, k=self.sizes.orders)
        hour_picks = rng.choices(range(24), hour_weights, k=self.sizes.orders)
        return sorted(self.start + d * DAY + h * HOUR + rng.random() * HOUR for d, h in zip(day_picks, hour_picks))

    def _lines_of(self, product: _Product, when: float, by_seller: dict[int, list[float]]) -> list[tuple]:
        rng = self.rng
        seller = product.seller
        count = rng.choices((1, 2, 3), (0.6, 0.3, 0.1))[0]
        picked = [product]
        available = bisect_right(by_seller[seller.id], when)
        for _ in range(count - 1):
            candidate = self.products[seller.products[rng.randrange(available)]]
            if candidate not in picked:
                picked.append(candidate)
        return [(p, rng.choices((1, 2, 3, 4, 5), (70, 18, 7, 3, 2))[0]) for p in picked]

    def _rate(self, seller: _Seller, when: float) -> int:
        if seller.rate_from is not None and when >= seller.rate_from[0]:
            return seller.rate_from[1]
        return self.refs.default_rate_bp

    def _order(self, when: float, user_id, name, phone, email, province, chosen) -> None:
        rng = self.rng
        order_id = self.ids("orders")
        method = rng.choices(("cod", "bank_transfer", "card"), (60, 25, 15))[0]
        parts = []
        for seller_id, lines in chosen.items():
            seller = lines[0][0].seller
            items = sum(p.price * quantity for p, quantity in lines)
            shipping = shipping_fee(items, seller.fee, seller.free_over)
            rate = self._rate(seller, when)
            fee = commission(items, rate)
            parts.append((self.ids("seller_orders"), seller, lines, items, shipping, rate, fee))
        items_total = sum(p[3] for p in parts)
        shipping_total = sum(p[4] for p in parts)
        number = f"CPN-{at(when).astimezone(VN).year}-{order_id:06d}"
        payment = self._payment(order_id, method, when)
        outcomes = [self._part_life(part_id, seller, method, payment, when, user_id, order_id)
                    for part_id, seller, *_ in parts]
        payment_status, paid_at = self._settle_payment(order_id, method, payment, outcomes,
                                                       [items + shipping for _, _, _, items, shipping, *_ in parts])
        commune_code, commune_name = self.ward(province)
        self.add("orders", (
            order_id, number, f"{rng.getrandbits(192):048x}", user_id, name, phone, email, province, commune_code,
            commune_name, f"Số {rng.randint(1, 300)} đường {rng.choice(GIVEN)}",
            "Gọi trước khi giao" if rng.random() < 0.1 else "", "en" if rng.random() < 0.03 else "vi", method,
            payment_status, None if method == "cod" else at(when + EXPIRY_S), None if paid_at is None else at(paid_at),
            items_total + shipping_total if method == "card" and paid_at else None,
            f"cs_test_{rng.getrandbits(64):016x}" if method == "card" else None,
            items_total, shipping_total, items_total + shipping_total, at(when)))
        for (part_id, seller, lines, items, shipping, rate, fee), outcome in zip(parts, outcomes):
            status, updated, delivered, carrier, tracking, reason = outcome
            subtotal = items + shipping
            self.add("seller_orders", (part_id, order_id, seller.id, status, items, shipping, subtotal, rate, fee,
                                       subtotal - fee, carrier, tracking, reason,
                                       method == "cod" and status == "delivered", at(when), at(updated),
                                       None if delivered is None else at(delivered)))
            for product, quantity in lines:
                self.add("order_lines", (self.ids("order_lines"), part_id, product.id, product.name, product.unit,
                                         product.price, quantity, product.price * quantity))
            if status == "delivered":
                if method == "cod":
                    self._ledger(seller.id, part_id, "commission_owed", -fee, number, delivered)
                elif payment_status in ("paid", "refunded"):
                    self._ledger(seller.id, part_id, "net_owed", subtotal - fee, number, delivered)

    def _payment(self, order_id: int, method: str, when: float) -> tuple[str, float | None]:
        """An online order's payment: ("awaiting", None), ("expired", at) or ("paid", at)."""
        rng = self.rng
        if method == "cod":
            return "cod", None
        if self.end - when < EXPIRY_S and rng.random() < 0.6:
            return "awaiting", None
        if rng.random() < 0.03:
            expired = when + EXPIRY_S
            return ("expired", expired) if expired < self.end else ("awaiting", None)
        paid = when + (rng.uniform(60, 600) if method == "card" else rng.uniform(600, 20 * HOUR))
        if paid >= self.end:
            return "awaiting", None
        actor = None if method == "card" else self.refs.staff_id  # a transfer is marked paid by central staff
        self.audit(paid, actor, "order", order_id, "payment_pay", "unpaid", "paid",
                   detail=None if method == "card" else "Chuyển khoản đã về tài khoản Hội")
        return "paid", paid

    def _part_life(self, part_id: int, seller: _Seller, method: str, payment: tuple[str, float | None], when: float,
                   user_id: int | None, order_id: int) -> tuple:
        """(status, updated_at, delivered_at, carrier, tracking, cancel_reason) of one part, with its audit rows."""
        rng, end = self.rng, self.end
        kind, paid = payment
        first = "pending" if method == "cod" else "awaiting_payment"
        self.audit(when, user_id, "seller_order", part_id, "placed", None, first)
        if kind == "awaiting":
            return "awaiting_payment", when, None, None, None, None
        if kind == "expired":
            self.audit(paid, None, "seller_order", part_id, "expire", "awaiting_payment", "cancelled")
            return "cancelled", paid, None, None, None, None
        now = when
        if kind == "paid":
            now = paid
            self.audit(now, None if method == "card" else self.refs.staff_id, "seller_order", part_id, "release",
                       "awaiting_payment", "pending")
        owner = seller.owner_id
        if rng.random() < 0.037:  # cancelled on the way
            cancelled = now + rng.uniform(0.2, 36) * HOUR
            if cancelled < end:
                roll = rng.random()
                if roll < 0.35:  # the shopper, before the seller confirmed
                    self.audit(cancelled, user_id, "seller_order", part_id, "cancel_by_shopper", "pending", "cancelled")
                    return "cancelled", cancelled, None, None, None, None
                staff = roll >= 0.9
                reason = rng.choice(STAFF_CANCEL_REASONS if staff else CANCEL_REASONS)
                old = "confirmed" if rng.random() < 0.4 else "pending"
                if old == "confirmed":
                    self.audit(now + (cancelled - now) / 2, owner, "seller_order", part_id, "confirm", "pending",
                               "confirmed")
                self.audit(cancelled, self.refs.staff_id if staff else owner, "seller_order", part_id, "cancel", old,
                           "cancelled", reason)
                return "cancelled", cancelled, None, None, None, reason
        confirmed = now + rng.uniform(0.5, 30) * HOUR
        if confirmed >= end:
            return "pending", now, None, None, None, None
        self.audit(confirmed, owner, "seller_order", part_id, "confirm", "pending", "confirmed")
        shipped = confirmed + rng.uniform(2, 48) * HOUR
        if shipped >= end:
            return "confirmed", confirmed, None, None, None, None
        carrier, tracking = rng.choice(CARRIERS), f"VN{rng.randrange(10**10):010d}"
        self.audit(shipped, owner, "seller_order", part_id, "ship", "confirmed", "shipped",
                   detail=f"{carrier} {tracking}")
        delivered = shipped + rng.uniform(20, 120) * HOUR
        if delivered >= end:
            return "shipped", shipped, None, carrier, tracking, None
        self.audit(delivered, owner, "seller_order", part_id, "deliver", "shipped", "delivered")
        return "delivered", delivered, delivered, carrier, tracking, None

    def _settle_payment(self, order_id: int, method: str, payment: tuple[str, float | None], outcomes: list,
                        subtotals: list[int]) -> tuple[str, float | None]:
        """The order's payment status once its parts moved, with the audit rows that moved it."""
        kind, paid = payment
        statuses = [outcome[0] for outcome in outcomes]
        if method == "cod":
            live = [o for o in outcomes if o[0] != "cancelled"]
            if live and all(o[0] == "delivered" for o in live):
                paid = max(o[2] for o in live)
                self.audit(paid, None, "order", order_id, "payment_pay", "unpaid", "paid")
                return "paid", paid
            return "unpaid", None
        if kind == "expired":
            self.audit(paid, None, "order", order_id, "payment_expire", "unpaid", "expired")
            return "expired", None
        if kind == "awaiting":
            return "unpaid", None
        cancelled = [o for o in outcomes if o[0] == "cancelled"]
        for outcome, subtotal in zip(outcomes, subtotals):
            if outcome[0] == "cancelled":  # paid online, then cancelled: staff are told to refund it
                self.audit(outcome[1], None, "order", order_id, "refund_due", detail=f"{subtotal} ₫")
        if cancelled and len(cancelled) == len(statuses):
            refunded = max(o[1] for o in cancelled) + 2 * DAY
            if refunded < self.end:
                self.audit(refunded, self.refs.staff_id, "order", order_id, "payment_refund", "paid", "refunded",
                           detail=f"{sum(subtotals)} ₫")
                return "refunded", paid
        return "paid", paid

    # -- ledger -----------------------------------------------------------------------------

    def _ledger(self, seller_id: int, part_id: int | None, kind: str, amount: int, memo: str, when: float,
                actor: int | None = None) -> None:
        self.add("ledger_entries",
                 (0, seller_id, part_id, kind, amount, memo, at(when), actor))  # id given at the end
        self.balances.setdefault(seller_id, []).append((when, amount))

    def _settlements(self) -> None:
        """After each quarter, staff settle every seller's balance of that quarter (10 days later)."""
        year = self.refs.year
        cuts = [ts(datetime(y, m, 1, tzinfo=VN)) for y, m in ((year, 1), (year, 4), (year, 7), (year, 10))]
        for seller_id, entries in sorted(self.balances.items()):
            entries.sort()
            done = 0
            for cut in cuts:
                balance = sum(amount for when, amount in entries if done <= when < cut)
                done = cut
                if balance:
                    when = cut + 10 * DAY
                    quarter = f"{(datetime.fromtimestamp(cut - DAY, VN).month - 1) // 3 + 1}/" \
                              f"{datetime.fromtimestamp(cut - DAY, VN).year}"
                    self._ledger(seller_id, None, "settlement", -balance, f"Đối soát quý {quarter}", when,
                                 self.refs.staff_id)
                    self.audit(when, self.refs.staff_id, "seller", seller_id, "settlement_recorded",
                               detail=f"{-balance} ₫ Đối soát quý {quarter}")


def generate(sizes: Sizes, refs: Refs, seed: int = 2026) -> World:
    """Every row of the year, in memory (a few hundred MB for the default sizes)."""
    generator = Generator(sizes, refs, seed)
    generator.make_sellers()
    generator.make_products()
    generator.make_orders()
    world = generator.world
    # Audit and ledger ids in time order, as the app would have written them.
    for table, when in (("audit_entries", 1), ("ledger_entries", 6)):
        rows = sorted(world.rows[table], key=lambda row: row[when])
        world.rows[table] = [(i,) + row[1:] for i, row in enumerate(rows, start=refs.first_ids.get(table, 1))]
    return world


def load(conn, world: World) -> dict[str, float]:
    """COPY every table in one transaction; seconds per step.

    As PostgreSQL's "Populating a Database" advises: the loaded tables' foreign keys and
    secondary indexes are dropped first and made again after the COPY, so each is checked or
    built once over the whole table rather than row by row (primary keys, unique and check
    constraints stay). The id sequences are moved past the rows.
    """
    import time

    seconds: dict[str, float] = {}
    names = list(TABLES)
    with conn.cursor() as cur:
        began = time.perf_counter()
        foreign_keys = cur.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE contype = 'f' AND conrelid = ANY(%s::regclass[])", (names,)).fetchall()
        indexes = cur.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i"
            " WHERE i.indrelid = ANY(%s::regclass[]) AND NOT EXISTS"
            " (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)", (names,)).fetchall()
        for table, name, _definition in foreign_keys:
            cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            cur.execute(f"DROP INDEX {name}")
        seconds["drop keys and indexes"] = time.perf_counter() - began
        for table in TABLES:
            began = time.perf_counter()
            with cur.copy(f"COPY {table} ({', '.join(COLUMNS[table])}) FROM STDIN") as copy:
                for row in world.rows[table]:
                    copy.write_row(row)
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"GREATEST((SELECT max(id) FROM {table}), 1))")
            seconds[table] = time.perf_counter() - began
        began = time.perf_counter()
        for _name, definition in indexes:
            cur.execute(definition)
        seconds["indexes"] = time.perf_counter() - began
        began = time.perf_counter()
        for table, name, definition in foreign_keys:
            cur.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        seconds["foreign keys checked"] = time.perf_counter() - began
    conn.commit()
    return seconds
