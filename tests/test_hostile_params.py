"""Every route of the app, as four kinds of visitor, with hostile values in every parameter
it reads: never a 5xx.

How it works, for one visitor (anonymous, a shopper, a seller's owner, central staff), on a
world built through the services (two sellers, products, orders, a program, an enrolment, an
address, a document, an invitation, a CSV import waiting to be confirmed):

1. Crawl: GET every GET route with real ids and slugs in its URL; read the forms on each
   page (their fields and the values a browser would send) and the query keys of its links.
2. For every route and method, the parameters are: what the code reads (KNOWN_* below,
   gathered with `grep request.args request.form`), what the crawl found for that endpoint,
   and generic names (page, q, id, product_id...). Then:
   - "rotation": len(HOSTILE) requests where parameter i gets HOSTILE[(i + k) % n], so every
     hostile value lands once on every parameter;
   - "one at a time": for the parameters the route really reads, each DEEP value alone, the
     other fields as the page's form had them, so a bug behind form validation is reached
     (`seen_stock=²` only crashed when stock and price were valid).
   POSTs carry a valid CSRF token, so the view itself runs. Query string for GET, form
   fields for POST.
3. The ids in the URL themselves get a few hostile values too (a huge id, a NUL in a slug).

To stay fast: a route that turns the visitor away before reading anything (sign-in redirect,
403, the seller application page) is not probed for that visitor; a route probed in full for
an earlier visitor gets one request from later ones; a route that reads no parameter we know
of gets three hostile values, not ten.
Routes that change what later routes need (applying to sell, deletes, checkout) run last, the
sign-outs after them, and the walk checks it was still signed in with a good CSRF token before
those. The Stripe webhook only answers signed requests: unsigned hostile bodies must get a 400,
and a signed event with hostile metadata a 200.
"""
import hashlib
import hmac
import json
import time
from html.parser import HTMLParser
from types import SimpleNamespace
from urllib.parse import parse_qsl, urlsplit

import pytest
from flask import got_request_exception
from sqlalchemy import select
from werkzeug.routing import AnyConverter, IntegerConverter

from market.api.openapi import SEARCH_PARAMETERS
from market.catalog import csv_import
from market.catalog import services as catalog
from market.extensions import db, limiter
from market.orders import addresses
from market.sellers import invitations as seller_invitations
from market.sellers.models import SellerDocument, SellerMember
from tests.builders import (
    EN,
    add_member,
    enrol_in_program,
    fresh,
    image_bytes,
    make_program,
    photo,
    place,
    product_data,
    upload,
)
from tests.conftest import AuthActions, csrf_token_from

HUGE = "99999999999999999999"
LONG = "x" * 5000
HOSTILE = ["²", "①", "٣", "-1", "1e9", "0x10", LONG, "", "\x00", HUGE]
# The values sent one at a time, the page's other fields left valid: what breaks parsing ("²"),
# PostgreSQL text ("\x00"), 64-bit columns (HUGE) and text columns (LONG). What a field's own
# validator refuses the rotation has already shown it; one at a time matters for what gets past
# it, so a box people type numbers in gets the number breakers, a text box the text breakers
# (and HUGE: amounts are typed in text boxes), what the page chose itself (hidden fields,
# options) or the code reads unasked gets all, a button or a file field a "²" where it was.
DEEP = ["²", "\x00", HUGE, LONG]
DEEP_BY_KIND = {"number": [HUGE, "²"], "text": ["\x00", LONG, HUGE], "choice": DEEP, "file": ["²"], "button": ["²"]}
TEXT_TYPES = {"text", "email", "tel", "password", "search", "url", "date"}
# Hostile field NAMES (the cart reads the product id from `qty-<id>`).
NAME_PROBES = {"qty-²": "1", "qty-٣": "1", f"qty-{HUGE}": "1", "qty-\x00": "1"}

WEBHOOK_SECRET = "whsec_hostile"
# The seller's owner comes last: some of their routes delete what others' URLs name.
ROLES = ["anonymous", "shopper", "staff", "seller"]

# What the code reads beyond the fields of the forms it renders (grep request.args/form).
GENERIC_ARGS = ["page", "q", "category", "id", "product_id", "address", "next", "status", "sort"]
GENERIC_FORM = ["id", "product_id", "seen_stock", "quantity", "page", "next", "action", "amount"]
KNOWN_ARGS = {
    "catalog.category": ["sort", "page"],
    "search.results": ["q", "category", "province", "program", "ocop", "price", "in_stock", "sort", "page"],
    "search.suggest": ["q"],
    "api.products": [parameter["name"] for parameter in SEARCH_PARAMETERS],
    "catalog.seller_products": ["status"],
    "orders.seller_orders": ["status", "page"],
    "orders.staff_orders": ["status", "payment", "number", "from", "to", "page"],
    "orders.staff_orders_csv": ["status", "payment", "number", "from", "to"],
    "orders.staff_balances": ["from", "to"],
    "orders.staff_balances_csv": ["from", "to"],
    "staff.audit": ["person", "action", "object", "id", "from", "to", "page"],
    "staff.audit_csv": ["person", "action", "object", "id", "from", "to"],
    "payments.staff_payment_anomalies": ["page"],
    "sellers.staff_sellers": ["q", "status", "province", "legal_form", "program", "sort", "page"],
    "sellers.staff_sellers_csv": ["q", "status", "province", "legal_form", "program", "sort"],
    "catalog.staff_products": ["status", "q", "category", "seller", "seller_id", "province", "ocop", "page"],
    "orders.checkout": ["address"],
    "accounts.register": ["next"],
    "accounts.login": ["next"],
    "core.switch_language": ["next"],
    "catalog.seller_page": ["page"],
}
KNOWN_FORM = {
    "catalog.new_product": ["publish"],
    "catalog.edit_product": ["remove_image", "main_image", "publish"],
    "catalog.quick_edit": ["stock", "price_vnd", "seen_stock"],
    "catalog.product_status": ["back"],
    "orders.add_to_cart": ["product_id", "quantity", "next"],
    "catalog.staff_ocop": ["product_id", "stars", "action", "reason"],
    "sellers.staff_seller": ["action", "reason", "confirm", "cancel"],
    "catalog.staff_product": ["action", "reason"],
    "programs.staff_enrolment_decision": ["action", "reason"],
    "orders.staff_order": ["action", "reason", "reference"],
    "orders.staff_seller_balance": ["action", "amount", "memo"],
    "sellers.apply": ["submit"],
    "accounts.login": ["email", "password", "remember", "next"],
    "orders.find": ["number", "contact"],
}
# Run last, in this order: they remove what other routes are given in their URLs.
DESTRUCTIVE = ["sellers.apply",  # a shopper who applies becomes a member: the seller area then opens
               "sellers.remove_member", "sellers.delete_document", "orders.delete_address", "catalog.delete_product",
               "catalog.import_cancel", "catalog.import_confirm", "orders.cancel_part", "orders.update_cart",
               "orders.checkout", "orders.remove_from_cart"]
# Last of all: they end the visit.
SIGNS_OUT = ["accounts.end_session", "accounts.logout"]
# The pages that mean "not for you" (the view read nothing).
TURNED_AWAY = ("/account/sign-in", "/sell/apply")


# --- the world ---------------------------------------------------------------------------------

@pytest.fixture
def hostile_app(app, monkeypatch):
    """The app answering as in production: an exception is a 500 page (recorded here), and no
    rate limit stands between a hostile value and the view."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.config["STRIPE_WEBHOOK_SECRET"] = WEBHOOK_SECRET
    monkeypatch.setattr(limiter, "enabled", False)
    app.crashes = []

    def record(sender, exception, **extra):
        app.crashes.append(repr(exception)[:300])

    got_request_exception.connect(record, app)
    yield app
    got_request_exception.disconnect(record, app)


@pytest.fixture
def world(hostile_app, goods, staff, make_user):
    """Objects of every kind a URL names, made through the services."""
    shop, owner = goods.shop, goods.shop.owner
    shopper = make_user("mai@example.vn")
    member = add_member(owner, "thu@example.vn")
    certified = catalog.create_product(owner, product_data(name="Chè shan tuyết", ocop_stars=4), photos=[photo()],
                                       ocop_certificate=upload(image_bytes(), "ocop.png"), publish=True)
    program = make_program(staff)
    enrolment = enrol_in_program(staff, owner, program)
    other_program = make_program(staff, name_vi="Khởi nghiệp", name_en="Start-ups")
    address = addresses.save_address(shopper, addresses.check_address(
        "Nguyễn Thị Mai", "0912 345 678", "01", "Xã Phú Nghĩa", "12 Hàng Bạc"), True)
    mine = place((goods.honey, 1), (goods.tea, 1), user=shopper)
    guest = place((goods.honey, 1), payment_method="bank_transfer")
    spare = place((goods.comb, 1), user=shopper)  # the shopper's own order to cancel
    part = next(p for p in mine.seller_orders if p.seller_id == shop.seller.id)
    guest_part = next(p for p in guest.seller_orders if p.seller_id == shop.seller.id)
    document = db.session.scalar(select(SellerDocument).where(SellerDocument.seller_id == shop.seller.id))
    membership = db.session.scalar(select(SellerMember).where(SellerMember.user_id == member.id))
    with hostile_app.test_request_context("/"):
        _invitation, invitation_token = seller_invitations.invite_member(owner, "hang@example.vn")
    _preview, import_token = csv_import.preview_upload(owner, csv_import.template_csv())
    return SimpleNamespace(
        goods=goods, shop=shop, shopper=shopper, staff=staff, owner=owner, product=goods.honey,
        certified=certified, program=program, other_program=other_program, enrolment=enrolment,
        address=address, mine=mine, guest=guest, part=part, guest_part=guest_part, document=document,
        membership=membership, invitation_token=invitation_token, import_token=import_token or "none",
        spare=spare,
    )


def url_values(world, role: str) -> dict:
    """The value of each URL argument, by name (and by endpoint where a name is ambiguous)."""
    product = world.product
    token = world.mine.token if role == "shopper" else world.guest.token
    own_order = {"token": world.spare.token, "seller_order_id": world.spare.seller_orders[0].id}
    return {
        "orders.cancel_part": own_order if role == "shopper" else {},
        "product_id": product.id, "seller_id": world.shop.seller.id, "category_id": product.category_id,
        "program_id": world.program.id, "enrolment_id": world.enrolment.id, "address_id": world.address.id,
        "document_id": world.document.id, "member_id": world.membership.id,
        "seller_order_id": world.part.id if role != "anonymous" else world.guest_part.id,
        "code": "vi", "filename": "css/market.css", "token": token,
        "name": f"{product.images[0].token}-thumb.webp",
        # by endpoint
        "catalog.category": {"slug": "mat-ong"},
        "catalog.product": {"slug": product.slug},
        "programs.detail": {"slug": world.program.slug},
        "programs.apply": {"slug": world.other_program.slug},
        "catalog.seller_page": {"slug": world.shop.seller.slug},
        "api.seller": {"slug": world.shop.seller.slug},
        "sellers.accept_invitation": {"token": world.invitation_token},
        "catalog.import_confirm": {"token": world.import_token},
        "catalog.import_cancel": {"token": world.import_token},
        "sellers.logo": {"name": world.shop.seller.logo_name or "none.webp"},
    }


def valid_values(world) -> dict:
    """What a person would type in the empty boxes of the creation forms (address, product,
    program, application, category)."""
    return {
        "full_name": "Nguyễn Thị Mai", "phone": "0912 345 678", "province": "01", "commune": "Xã Phú Nghĩa",
        "street_address": "12 Hàng Bạc", "name": "Mật ong rừng", "category_id": str(world.product.category_id),
        "price_vnd": "120000", "stock": "7", "unit": "jar", "name_vi": "Hỗ trợ HTX", "name_en": "Co-op support",
        "badge_vi": "HTX", "badge_en": "Co-op", "starts_on": "2026-01-01", "commission_rate": "2,5",
        "legal_form": "household", "women_members": "3", "jobs_for_women": "4", "reason": "Hết hàng",
        "carrier": "GHN", "tracking_number": "GHN123", "memo": "CK 123", "amount": "10.000", "reference": "CK 456",
        "statement": "Tạo việc làm cho chị em", "shipping_fee_vnd": "30000", "number": world.mine.number,
        "contact": "0912 345 678", "email": "mai@example.vn",
    }


def rule_values(rule, values: dict) -> dict:
    own = values.get(rule.endpoint, {})
    chosen = {}
    for name in rule.arguments:
        converter = rule._converters[name]
        if name in own:
            chosen[name] = own[name]
        elif isinstance(converter, AnyConverter):
            chosen[name] = sorted(converter.items)[0]
        else:
            # A route added since this list was written still gets a well-formed URL.
            chosen[name] = values.get(name, 1 if isinstance(converter, IntegerConverter) else "unknown")
    return chosen


# --- reading pages like a browser ----------------------------------------------------------------

class FormReader(HTMLParser):
    """The forms of a page (action, method, what a browser would send) and its links."""

    SKIPPED_TYPES = {"submit", "button", "image", "reset", "file"}

    def __init__(self):
        super().__init__()
        self.forms, self.links, self._form, self._select, self._textarea = [], [], None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "form":
            self._form = {"action": attrs.get("action") or "", "method": (attrs.get("method") or "get").upper(),
                          "fields": {}, "names": set(), "kinds": {}}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "option" and self._select is not None:
            # A select sends its selected option, else its first one.
            if self._select not in self._form["fields"] or "selected" in attrs:
                self._form["fields"][self._select] = attrs.get("value", "")
        elif not attrs.get("name"):
            return
        elif tag in ("input", "button"):
            self._input(tag, attrs)
        elif tag == "select":
            self._select = attrs["name"]
            self._form["names"].add(self._select)
            self._form["kinds"].setdefault(self._select, "choice")
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self._form["names"].add(self._textarea)
            self._form["kinds"].setdefault(self._textarea, "text")
            self._form["fields"][self._textarea] = ""

    def _input(self, tag, attrs):
        name, kind = attrs["name"], (attrs.get("type") or ("submit" if tag == "button" else "text")).lower()
        self._form["names"].add(name)
        if kind == "number" or (kind in TEXT_TYPES and attrs.get("inputmode") == "numeric"):
            self._form["kinds"].setdefault(name, "number")
        elif kind == "file":
            self._form["kinds"].setdefault(name, "file")  # text where a file is expected
        elif kind in ("submit", "button", "image"):
            self._form["kinds"].setdefault(name, "button")  # the view reads whether it was pressed
        else:
            self._form["kinds"].setdefault(name, "text" if kind in TEXT_TYPES else "choice")
        if kind in self.SKIPPED_TYPES:
            return
        if kind in ("checkbox", "radio"):
            if "checked" in attrs:
                self._form["fields"][name] = attrs.get("value") or "on"
            return
        self._form["fields"][name] = attrs.get("value") or ""

    def handle_data(self, data):
        if self._textarea is not None and self._form is not None:
            self._form["fields"][self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


class Crawl:
    """What the crawl learnt: form fields by path and names by endpoint."""

    def __init__(self, app):
        self.adapter = app.url_map.bind("localhost")
        self.fields_by_path: dict[tuple[str, str], dict] = {}
        self.names: dict[tuple[str, str], set] = {}
        self.kinds: dict[tuple[str, str], dict] = {}
        self.turned_away: set[str] = set()  # endpoints whose page sent this visitor away

    def _endpoint(self, path: str, method: str) -> str | None:
        try:
            return self.adapter.match(path, method=method)[0]
        except Exception:  # another site, a 404, a redirect: not one of our forms
            return None

    def read(self, page_path: str, html: str) -> None:
        reader = FormReader()
        reader.feed(html)
        for form in reader.forms:
            action = urlsplit(form["action"]).path or page_path
            method = "POST" if form["method"] == "POST" else "GET"
            endpoint = self._endpoint(action, method)
            if endpoint is None:
                continue
            self.fields_by_path.setdefault((method, action), form["fields"])
            self.fields_by_path.setdefault((method, endpoint), form["fields"])
            self.names.setdefault((method, endpoint), set()).update(form["names"] - {"csrf_token"})
            for name, kind in form["kinds"].items():
                self.kinds.setdefault((method, endpoint), {}).setdefault(name, kind)
        for href in reader.links:
            parts = urlsplit(href)
            endpoint = self._endpoint(parts.path, "GET") if parts.path and not parts.netloc else None
            if endpoint and parts.query:
                self.names.setdefault(("GET", endpoint), set()).update(k for k, _v in parse_qsl(parts.query))

    def kind(self, method: str, endpoint: str, name: str) -> str:
        """number, text or choice (a name no page showed counts as a choice: all DEEP values)."""
        return self.kinds.get((method, endpoint), {}).get(name, "choice")

    def baseline(self, method: str, path: str, endpoint: str, valid: dict) -> dict:
        """What the page's form sends, its empty boxes filled with `valid` values, so that one
        hostile field at a time reaches what runs after validation."""
        fields = self.fields_by_path.get((method, path)) or self.fields_by_path.get((method, endpoint)) or {}
        return {name: value or valid.get(name, "") for name, value in fields.items() if name != "csrf_token"}


# --- sending -------------------------------------------------------------------------------------

class Prober:
    def __init__(self, app, client, role, valid):
        self.app, self.client, self.role, self.valid = app, client, role, valid
        self.failures: list[str] = []
        self.sent = 0
        self.token = None

    def send(self, method: str, path: str, params: dict, note: str = ""):
        self.app.crashes.clear()
        self.sent += 1
        if method == "GET":
            response = self.client.get(path, query_string=params)
        else:
            response = self.client.post(path, data={**params, "csrf_token": self.token})
        if response.status_code >= 500:
            shown = {name: (value[:12] + "…" if len(value) > 12 else value) for name, value in params.items()}
            self.failures.append(f"{self.role} {method} {path} {note} {shown!r} -> {response.status_code} "
                                 f"{'; '.join(self.app.crashes)}")
            db.session.rollback()
        return response


def turned_away(response) -> bool:
    if response.status_code == 403:
        return True
    location = urlsplit(response.headers.get("Location", "")).path
    return response.status_code in (301, 302, 303) and location in TURNED_AWAY


def ordered_rules(app):
    rules = [rule for rule in app.url_map.iter_rules()]
    rank = {endpoint: i for i, endpoint in enumerate(DESTRUCTIVE + SIGNS_OUT)}
    return sorted(rules, key=lambda rule: (rank.get(rule.endpoint, -1), rule.rule))


def sign_in(client, role, world):
    emails = {"shopper": world.shopper.email, "seller": world.owner.email, "staff": world.staff.email}
    if role in emails:
        response = AuthActions(client).login(email=emails[role])
        assert response.status_code == 302, f"{role} could not sign in"


def fill_cart(prober, world):
    """Something in the cart, so the cart and the checkout read their parameters."""
    page = prober.client.get(f"/products/{world.product.slug}")
    prober.token = csrf_token_from(page)
    prober.client.post("/cart/add", data={"csrf_token": prober.token, "product_id": world.product.id,
                                          "quantity": 1})


class Coverage:
    """What earlier visitors already probed in full, so later ones do not pay for it again."""

    def __init__(self, app):
        self.app = app
        self.routes: set[tuple[str, str]] = set()  # (endpoint, method)
        self.typed: set[tuple[str, str, str]] = set()  # (view module, method, field name)

    def first_typed(self, endpoint: str, method: str, name: str, kind: str) -> bool:
        """True the first time a typed box of this name is seen in this view module: one
        module's "stock" or "description" is one field definition (new and edit forms), so one
        deep probe is enough. Hidden fields, options and buttons are always probed: their
        meaning is the view's own."""
        if kind == "choice":
            return True
        key = (self.app.view_functions[endpoint].__module__, method, name)
        if key in self.typed:
            return False
        self.typed.add(key)
        return True


def probe_rule(prober, crawl, rule, method, path, coverage: Coverage):
    """The rotation, then one deep value at a time on each parameter the view is known to read.

    A route already probed in full for an earlier visitor gets one request, its parameters
    sharing out the DEEP values (its code for this visitor may differ, its parsing does not),
    or none when it reads no parameter we know of (the crawl has already opened it)."""
    known = KNOWN_ARGS if method == "GET" else KNOWN_FORM
    generic = GENERIC_ARGS if method == "GET" else GENERIC_FORM
    baseline = crawl.baseline(method, path, rule.endpoint, prober.valid)
    specific = sorted(set(known.get(rule.endpoint, [])) | crawl.names.get((method, rule.endpoint), set())
                      | set(baseline))
    names = specific + [name for name in generic if name not in specific]
    probes = NAME_PROBES if method == "POST" else {}
    repeat = (rule.endpoint, method) in coverage.routes
    if repeat and not specific:
        return
    # Every hostile value on every parameter where the view is known to read some; where it
    # reads none we know of, the generic names get the three worst values only.
    values = HOSTILE if specific and not repeat else DEEP[:3]
    for k in range(1 if repeat else len(values)):
        params = {**probes, **{name: values[(i + k) % len(values)] for i, name in enumerate(names)}}
        response = prober.send(method, path, params, "rotation")
        if k == 0 and turned_away(response):
            return
    if repeat:
        return
    coverage.routes.add((rule.endpoint, method))
    for name in specific:
        kind = crawl.kind(method, rule.endpoint, name)
        if coverage.first_typed(rule.endpoint, method, name, kind):
            for value in DEEP_BY_KIND[kind]:
                prober.send(method, path, {**baseline, name: value}, f"deep:{name}")


def probe_url_arguments(prober, rule, method, values):
    """A huge id, and hostile text in slugs and tokens."""
    for name in rule.arguments:
        converter = rule._converters[name]
        if isinstance(converter, AnyConverter):
            continue
        hostile = [HUGE] if isinstance(converter, IntegerConverter) else ["²", "\x00"]
        for value in hostile:
            path = rule.build({**values, name: value}, append_unknown=False)[1]
            prober.send(method, path, {}, f"url:{name}")


def signed(payload: bytes) -> dict:
    stamp = int(time.time())
    signature = hmac.new(WEBHOOK_SECRET.encode(), f"{stamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return {"Stripe-Signature": f"t={stamp},v1={signature}", "Content-Type": "application/json"}


def probe_webhook(prober, world):
    """Unsigned hostile requests are refused (400); signed events with hostile metadata are
    answered 200 (applied to nothing)."""
    for k in range(len(HOSTILE)):
        response = prober.client.post("/webhooks/stripe", data={"id": HOSTILE[k], "type": HOSTILE[-k]})
        if response.status_code != 400:
            prober.failures.append(f"unsigned webhook with {HOSTILE[k][:12]!r} -> {response.status_code}")
    for value in HOSTILE:
        event = {"id": f"evt_{len(prober.failures)}_{prober.sent}", "type": "checkout.session.completed",
                 "object": "event", "data": {"object": {
                     "id": "cs_test", "object": "checkout.session", "payment_status": "paid",
                     "amount_total": 1, "currency": "vnd",
                     "metadata": {"order_id": value, "order_number": world.mine.number}}}}
        payload = json.dumps(event).encode()
        prober.sent += 1
        response = prober.client.post("/webhooks/stripe", data=payload, headers=signed(payload))
        if response.status_code >= 500:
            prober.failures.append(f"signed webhook with order_id {value[:12]!r} -> {response.status_code}")
            db.session.rollback()


def check_still_signed_in(prober, world) -> None:
    """Every route but the sign-outs has been probed: the visitor must still be who they were
    and their CSRF token still good, else the POSTs since the session was lost proved nothing."""
    if prober.role != "anonymous":
        account = prober.client.get("/account/profile")
        assert account.status_code == 200, f"{prober.role} was signed out before the end of the walk"
    response = prober.client.post("/cart/add", data={"csrf_token": prober.token, "product_id": world.product.id,
                                                     "quantity": 1})
    assert response.status_code == 302, f"{prober.role}'s CSRF token was refused before the end of the walk"


def walk(app, world, role: str, coverage: Coverage) -> Prober:
    """Every route as `role`: crawl, hostile parameters, hostile URL arguments."""
    client = app.test_client()
    sign_in(client, role, world)
    prober = Prober(app, client, role, valid_values(world))
    fill_cart(prober, world)
    values = url_values(world, role)
    crawl = Crawl(app)
    rules = ordered_rules(app)
    for rule in rules:
        if "GET" in rule.methods:
            path = rule.build(rule_values(rule, values), append_unknown=False)[1]
            response = prober.send("GET", path, {}, "crawl")
            if turned_away(response):
                crawl.turned_away.add(rule.endpoint)  # the view reads nothing for this visitor
            elif response.mimetype == "text/html":
                crawl.read(path, response.get_data(as_text=True))
    still_there = False
    for rule in rules:
        if rule.endpoint == "payments.stripe_webhook":
            if role == "anonymous":
                probe_webhook(prober, world)
            continue
        if rule.endpoint in SIGNS_OUT and not still_there:
            check_still_signed_in(prober, world)
            still_there = True
        chosen = rule_values(rule, values)
        path = rule.build(chosen, append_unknown=False)[1]
        for method in sorted(rule.methods & {"GET", "POST"}):
            if rule.endpoint in crawl.turned_away:
                continue  # the same gate stands before every method of a route
            if (rule.endpoint, method) not in coverage.routes:  # the URL is read alike for everyone
                probe_url_arguments(prober, rule, method, chosen)
            probe_rule(prober, crawl, rule, method, path, coverage)
    if not still_there:
        check_still_signed_in(prober, world)
    return prober


def test_no_route_answers_a_hostile_parameter_with_a_server_error(hostile_app, world):
    coverage = Coverage(hostile_app)
    failures, sent = [], 0
    for role in ROLES:
        prober = walk(hostile_app, world, role, coverage)
        failures += prober.failures
        sent += prober.sent
    assert sent > 1000  # a walk cut short (signed out, every POST refused) proves little
    assert not failures, f"{len(failures)} server errors:\n" + "\n".join(failures[:150])


# --- what a person sees: each of these was a 500, or read a number from another script ----------

def _signed_in(app, email: str):
    client = app.test_client()
    assert AuthActions(client).login(email=email).status_code == 302
    return client


def _token(client, url: str) -> str:
    return csrf_token_from(client.get(url))


def test_a_number_that_is_not_one_in_the_query_is_ignored(client, goods):
    client.post("/cart/add", data={"csrf_token": _token(client, f"/products/{goods.honey.slug}"),
                                   "product_id": goods.honey.id, "quantity": 1})
    for url in ["/c/mat-ong?page=²", "/search?page=²&category=²&ocop=①&program=²",
                f"/sellers/{goods.shop.seller.slug}?page=①", "/checkout?address=²"]:
        assert client.get(url).status_code == 200, url


def test_order_desks_show_their_first_page_for_a_page_that_is_not_a_number(app, goods, staff):
    assert _signed_in(app, goods.shop.owner.email).get("/sell/orders?page=²").status_code == 200
    assert _signed_in(app, staff.email).get("/staff/orders?page=²").status_code == 200


def test_quick_edit_with_a_seen_stock_that_is_not_a_number_changes_nothing(app, goods):
    client = _signed_in(app, goods.shop.owner.email)
    response = client.post(f"/sell/products/{goods.honey.id}/quick", headers=EN, data={
        "csrf_token": _token(client, "/sell/products"), "stock": "4", "price_vnd": "99000", "seen_stock": "²"})
    assert response.status_code == 302
    assert (fresh(goods.honey.id).stock, fresh(goods.honey.id).price_vnd) == (10, 150_000)
    assert "Check the figures." in client.get("/sell/products", headers=EN).get_data(as_text=True)


def test_a_price_in_arabic_indic_digits_is_refused_not_read_as_a_number(app, goods):
    """WTForms' IntegerField calls int(), which reads "٩٩٠٠٠" as 99000."""
    client = _signed_in(app, goods.shop.owner.email)
    client.post(f"/sell/products/{goods.honey.id}/quick", headers=EN, data={
        "csrf_token": _token(client, "/sell/products"), "stock": "4", "price_vnd": "٩٩٠٠٠", "seen_stock": "10"})
    assert (fresh(goods.honey.id).stock, fresh(goods.honey.id).price_vnd) == (10, 150_000)
    assert "Write the price in đồng" in client.get("/sell/products", headers=EN).get_data(as_text=True)


def test_adding_a_product_id_that_is_not_one_changes_nothing(client, goods):
    token = _token(client, f"/products/{goods.honey.slug}")
    for product_id in ["²", "٣", "١", HUGE]:
        response = client.post("/cart/add", data={"csrf_token": token, "product_id": product_id, "quantity": 1})
        assert response.status_code == 302
        page = client.get("/cart").get_data(as_text=True)
        assert not any(product.name in page for product in (goods.honey, goods.comb, goods.tea)), product_id


def test_a_cart_quantity_or_line_that_is_not_a_plain_number_changes_nothing(client, goods):
    token = _token(client, f"/products/{goods.honey.slug}")
    client.post("/cart/add", data={"csrf_token": token, "product_id": goods.honey.id, "quantity": 1})
    for value in ["٣", "²", "1_0"]:
        response = client.post("/cart/update", headers=EN, data={"csrf_token": token, f"qty-{goods.honey.id}": value})
        assert response.status_code == 302
        page = client.get("/cart", headers=EN).get_data(as_text=True)
        assert "Choose a quantity between 1 and 99." in page, value
        assert f'name="qty-{goods.honey.id}"' in page and 'value="1"' in page, value
    for name in ["qty-²", "qty-٣", f"qty-{HUGE}"]:  # a line named by something that is not an id
        assert client.post("/cart/update", data={"csrf_token": token, name: "1"}).status_code == 302, name


def test_staff_ocop_decision_on_a_product_id_that_is_not_one_is_not_found(app, staff):
    client = _signed_in(app, staff.email)
    response = client.post("/staff/ocop", data={"csrf_token": _token(client, "/staff/ocop"), "product_id": "²",
                                                "stars": "①", "action": "verify", "reason": ""})
    assert response.status_code == 404


def test_a_commission_rate_out_of_range_or_not_a_number_is_a_form_error(app, staff):
    """NumberRange %-formats its message, and "… 100 %." made that a 500 for any rate out of
    range; DecimalField let "sNaN" reach math.isnan, another 500."""
    from market.programs.models import Program

    client = _signed_in(app, staff.email)
    token = _token(client, "/staff/programs/new")
    for rate in ["150", "-1", "sNaN", "1e2", "٣"]:
        response = client.post("/staff/programs/new", headers=EN, data={
            "csrf_token": token, "name_vi": "Hỗ trợ", "name_en": "Support", "badge_vi": "HTX", "badge_en": "Co-op",
            "starts_on": "2026-01-01", "commission_rate": rate})
        assert response.status_code == 200, rate
        assert "The commission rate must be between 0 and 100 %." in response.get_data(as_text=True), rate
    assert db.session.scalar(select(Program.id)) is None


def test_finding_an_order_with_a_nul_in_the_number_is_a_form_error(client):
    """PostgreSQL refuses a NUL in a text parameter: the query must never see one."""
    response = client.post("/orders/find", headers=EN, data={
        "csrf_token": _token(client, "/orders/find"), "number": "CPN-2026\x00", "contact": "0912\x00"})
    assert response.status_code == 400
    assert "characters that are not allowed" in response.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/c/%00", "/products/%00", "/sellers/%00", "/programs/%00", "/api/v1/sellers/%00",
                                 "/orders/%00", f"/api/v1/products/{HUGE}"])
def test_urls_with_a_nul_or_an_id_that_does_not_fit_are_not_found(client, url):
    assert client.get(url).status_code == 404


def test_an_id_written_in_another_script_is_not_found(app, goods):
    """Werkzeug's <int:> converter matched "١" and int() read it as 1."""
    arabic = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
    assert app.test_client().get(f"/api/v1/products/{str(goods.honey.id).translate(arabic)}").status_code == 404
    owner = _signed_in(app, goods.shop.owner.email)
    assert owner.get(f"/sell/products/{str(goods.honey.id).translate(arabic)}/edit").status_code == 404
