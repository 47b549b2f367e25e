"""The visitors of bench/load.py: one process runs some of them, each in a thread.

    .venv/bin/python bench/load_clients.py PLAN.json OUT.json --first 0 --count 25

bench/load.py writes the plan (where the server is, when to start and stop, the accounts,
the catalog's slugs, the search words) and starts one or two of these processes; each
writes what it saw to OUT.json. A visitor behaves like a browser: it keeps its cookies
(a `requests.Session`), reads the CSRF token from the form it is about to send, follows
redirects itself (so that every HTTP exchange is timed and counted on its own) and clicks
links it found on the pages it read. There is no think time: each visitor sends its next
request as soon as the previous one is answered.

- a **shopper** (a guest, or signed in with an account of its own) browses (home, category
  pages with a sort and a page, product pages, seller pages), searches (`/search?q=`, with
  and without diacritics, and the as-you-type `/search/suggest?q=`), and now and then buys:
  adds one or two products to the cart from the product page's form, opens the cart and the
  checkout form, places the order (cash on delivery or bank transfer, a real 2025 address),
  reads the order's page and sometimes cancels one part of it. Its steps are drawn so that
  the shoppers' requests come near 60 % browsing, 20 % search and 15 % cart and checkout. A
  guest becomes a new visitor (fresh cookies) from time to time.
- a **seller** (a member of a demo seller, signed in) uses the quick edit form of
  `/sell/products`: new stock and price for one product (half the time the one running
  lowest, which is also what shoppers are buying), then reads the page it is sent back
  to and notes whether the change was saved (its flash message) with the stock it saw and
  the stock it set, which is what lets bench/load.py check stock exactly afterwards.

Load goes only to the plan's base URL (127.0.0.1), and nothing is sent after the deadline.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import signal
import sys
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

import requests

TIMEOUT = 60  # seconds for one HTTP exchange: what nginx waits (proxy_read_timeout) before a 504
MAX_REDIRECTS = 4
SAMPLES = 8  # bodies kept per process for 5xx, and again for other errors
HEADERS = {
    "User-Agent": "Mozilla/5.0 (market-load-bench/1)",
    "Accept": "text/html,application/xhtml+xml,application/json;q=0.9,*/*;q=0.8",
    "Accept-Language": "vi-VN,vi;q=0.9,en;q=0.5",
}
# Shares of a shopper's requests (the sellers' 5 % comes from the number of seller visitors).
SHOPPER_MIX = {"browse": 0.60, "search": 0.20, "buy": 0.15}
# Requests one step sends, about: a search is sometimes 2-3 suggestions, a purchase 7 requests of
# cart, checkout and order (and one or two product pages, counted as browsing).
STEP_REQUESTS = {"browse": 1.0, "search": 1.4, "buy": 7.0}
STEP_WEIGHTS = [SHOPPER_MIX[step] / STEP_REQUESTS[step] for step in SHOPPER_MIX]
FLASH = re.compile(r'<p class="flash flash-(\w+)">(.*?)</p>', re.S)
PRODUCT_LINK = re.compile(r'href="/products/([^"/?#]+)"')
SELLER_LINK = re.compile(r'href="/sellers/([^"/?#]+)"')
QUICK_EDIT = re.compile(r"/sell/products/(\d+)/quick$")
ORDER_PAGE = re.compile(r"^/orders/([A-Za-z0-9_-]+)$")


class Deadline(Exception):
    """The run is over: the visitor stops where it is."""


# --- what the visitors saw ---------------------------------------------------------------------

class Recorder:
    """Everything one process's visitors saw; shared by its threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests: list[tuple[str, str, int, float, float]] = []  # kind, method, status, ms, started (epoch)
        self.server_errors: list[dict] = []  # first 5xx bodies
        self.other_errors: list[dict] = []  # first 4xx / connection errors
        self.orders: list[dict] = []
        self.cancels: list[dict] = []
        self.edits: list[dict] = []
        self.notes: Counter = Counter()

    def request(self, kind: str, method: str, path: str, status: int, ms: float, started: float,
                body: str = "") -> None:
        with self.lock:
            self.requests.append((kind, method, status, round(ms, 2), round(started, 4)))
            sample = {"kind": kind, "method": method, "path": path, "status": status, "started": started,
                      "body": body[:4000]}
            if status >= 500 and len(self.server_errors) < SAMPLES:
                self.server_errors.append(sample)
            elif (status == 0 or 400 <= status < 500) and len(self.other_errors) < SAMPLES:
                self.other_errors.append(sample)

    def add(self, name: str, item: dict) -> None:
        with self.lock:
            getattr(self, name).append(item)

    def note(self, what: str) -> None:
        with self.lock:
            self.notes[what] += 1

    def as_json(self) -> dict:
        return {"requests": self.requests, "server_errors": self.server_errors, "other_errors": self.other_errors,
                "orders": self.orders, "cancels": self.cancels, "edits": self.edits, "notes": dict(self.notes)}


# --- HTML, read as a browser would -------------------------------------------------------------

@dataclass
class Form:
    action: str | None
    method: str
    fields: dict[str, str] = field(default_factory=dict)


class _FormParser(HTMLParser):
    """The page's forms with the values of their inputs (what a browser would send)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._open: Form | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._open = Form(attrs.get("action"), (attrs.get("method") or "get").lower())
            self.forms.append(self._open)
        elif tag == "input" and self._open is not None and attrs.get("name") and "form" not in attrs:
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self._open.fields[attrs["name"]] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._open = None


def forms_of(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def form_to(html: str, action_part: str) -> Form | None:
    """The first POST form whose action contains `action_part`."""
    return next((form for form in forms_of(html) if form.method == "post" and action_part in (form.action or "")), None)


def flashes(html: str) -> list[tuple[str, str]]:
    return [(category, re.sub(r"\s+", " ", text).strip()) for category, text in FLASH.findall(html)]


# --- one visitor's HTTP ------------------------------------------------------------------------

class Browser:
    """A visitor's cookies and its requests, one at a time, each timed and recorded."""

    def __init__(self, base_url: str, recorder: Recorder, deadline: float):
        self.base_url, self.recorder, self.deadline = base_url, recorder, deadline
        self.session = self._new_session()

    @staticmethod
    def _new_session() -> requests.Session:
        session = requests.Session()
        session.headers.update(HEADERS)
        return session

    def forget(self) -> None:
        """A new visitor: no cookies, no cart, no session."""
        self.session.close()
        self.session = self._new_session()

    def send(self, kind: str, method: str, path: str, data: dict | None = None,
             follow_up: bool = False) -> requests.Response | None:
        """One HTTP exchange. After the deadline only a redirect of an action already sent goes out
        (so that the visitor still learns what became of it)."""
        if time.time() >= self.deadline and not follow_up:
            raise Deadline()
        started, began = time.time(), time.perf_counter()
        try:
            response = self.session.request(method, self.base_url + path, data=data, allow_redirects=False,
                                            timeout=TIMEOUT)
            body = response.text
        except requests.RequestException as error:
            self.recorder.request(kind, method, path, 0, (time.perf_counter() - began) * 1000, started,
                                  f"{type(error).__name__}: {error}")
            return None
        ms = (time.perf_counter() - began) * 1000
        self.recorder.request(kind, method, path, response.status_code, ms, started,
                              body if response.status_code >= 400 else "")
        return response

    def follow(self, response: requests.Response | None, kind: str) -> requests.Response | None:
        """Follow redirects with GET, as a browser does after a form."""
        for _ in range(MAX_REDIRECTS):
            if response is None or response.status_code not in (301, 302, 303, 307, 308):
                return response
            response = self.send(kind, "GET", local_path(response.headers.get("Location", "/")), follow_up=True)
        return response

    def get(self, kind: str, path: str) -> requests.Response | None:
        return self.follow(self.send(kind, "GET", path), kind)

    def post(self, kind: str, path: str, data: dict) -> requests.Response | None:
        return self.send(kind, "POST", path, data)


def local_path(location: str) -> str:
    """A Location header as a path on our server (it may be absolute)."""
    parts = urlsplit(location)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def page_path(response: requests.Response) -> str:
    return urlsplit(response.url).path


def ok_html(response: requests.Response | None) -> str | None:
    return response.text if response is not None and response.status_code == 200 else None


def sign_in(browser: Browser, email: str, password: str) -> bool:
    html = ok_html(browser.get("sign-in", "/account/sign-in"))
    form = next((f for f in forms_of(html or "") if f.method == "post" and "csrf_token" in f.fields), None)
    if form is None:
        return False
    data = {**form.fields, "email": email, "password": password}
    answer = browser.post("sign-in", form.action or "/account/sign-in", data)
    signed_in = answer is not None and answer.status_code in (302, 303)
    browser.follow(answer, "sign-in")
    return signed_in


# --- shoppers -----------------------------------------------------------------------------------

class Shopper:
    """Browses, searches and buys like a person on the storefront (see the module's docstring)."""

    def __init__(self, plan: dict, browser: Browser, rng: random.Random, account: dict | None):
        self.plan, self.browser, self.rng, self.account = plan, browser, rng, account
        self.recorder = browser.recorder
        self.seen_products: deque[str] = deque(maxlen=48)  # links on the pages read lately
        self.seen_sellers: deque[str] = deque(maxlen=16)
        self.requests_as_guest = 0

    def prepare(self) -> bool:
        """Sign in (before the load starts) when the visitor has an account."""
        if self.account and not sign_in(self.browser, self.account["email"], self.account["password"]):
            self.recorder.note("shopper sign-in failed (went on as a guest)")
            self.account = None
        return True

    def run(self) -> None:
        steps = {"browse": self.browse, "search": self.search, "buy": self.buy}
        while True:
            steps[self.next_step()]()
            self.maybe_become_someone_else()

    def next_step(self) -> str:
        """A step drawn so that, over all shoppers, requests come near SHOPPER_MIX (however few
        requests each one gets to send)."""
        return self.rng.choices(list(SHOPPER_MIX), STEP_WEIGHTS)[0]

    def maybe_become_someone_else(self) -> None:
        if self.account is None:
            self.requests_as_guest += 1
            if self.requests_as_guest > self.rng.randint(20, 80):
                self.browser.forget()
                self.requests_as_guest = 0

    def read(self, kind: str, path: str) -> str | None:
        html = ok_html(self.browser.get(kind, path))
        if html:
            self.seen_products.extend(PRODUCT_LINK.findall(html)[:24])
            self.seen_sellers.extend(SELLER_LINK.findall(html)[:4])
        return html

    # -- browsing ----------------------------------------------------------------------------

    def browse(self) -> None:
        roll = self.rng.random()
        if roll < 0.20:
            self.read("browse", "/")
        elif roll < 0.55:
            self.read("browse", self.category_url())
        elif roll < 0.90:
            self.read("browse", f"/products/{self.some_product()}")
        else:
            sellers = list(self.seen_sellers) or self.plan["sellers"]
            self.read("browse", f"/sellers/{self.rng.choice(sellers)}")

    def category_url(self) -> str:
        params = {}
        sort = self.rng.choice(("", "", "newest", "price_asc", "price_desc"))
        if sort:
            params["sort"] = sort
        page = self.rng.choices((1, 2, 3, 4), (70, 18, 8, 4))[0]
        if page > 1:
            params["page"] = page
        query = f"?{urlencode(params)}" if params else ""
        return f"/c/{self.rng.choice(self.plan['categories'])}{query}"

    def some_product(self) -> str:
        """A product linked from a page read lately (as a click would), else any."""
        if self.seen_products and self.rng.random() < 0.75:
            return self.rng.choice(self.seen_products)
        return self.rng.choice(self.plan["products"])

    # -- search ------------------------------------------------------------------------------

    def search(self) -> None:
        words = self.rng.choice(self.plan["queries"])
        if self.rng.random() < 0.7:
            params = {"q": words}
            extra = self.rng.random()
            if extra < 0.15:
                params["sort"] = self.rng.choice(("price_asc", "price_desc", "newest"))
            elif extra < 0.25:
                params["page"] = 2
            elif extra < 0.30:
                params["in_stock"] = 1
            self.read("search", f"/search?{urlencode(params)}")
        else:
            # Typing: a few letters, then more, as the search box asks for suggestions.
            for length in sorted({min(len(words), n) for n in (3, 6, len(words))}):
                self.browser.get("suggest", f"/search/suggest?{urlencode({'q': words[:length]})}")

    # -- buying ------------------------------------------------------------------------------

    def buy(self) -> None:
        added = sum(self.add_to_cart() for _ in range(1 if self.rng.random() < 0.7 else 2))
        if not added:
            return
        self.browser.get("cart", "/cart")
        self.checkout(retry=True)

    def add_to_cart(self) -> bool:
        for _ in range(3):  # a sold-out product has no form: look at another one
            html = self.read("browse", f"/products/{self.some_product()}")
            form = form_to(html or "", "/cart/add")
            if form is None:
                if html:
                    self.recorder.note("product page without an add-to-cart form (sold out)")
                continue
            data = {**form.fields, "quantity": str(self.rng.choices((1, 2, 3), (70, 20, 10))[0])}
            page = self.browser.follow(self.browser.post("cart", form.action, data), "cart")
            kinds = [category for category, _ in flashes(ok_html(page) or "")]
            if "error" in kinds:
                self.recorder.note("add to cart refused (flash error)")
                return False
            return True
        return False

    def checkout(self, retry: bool) -> None:
        page = self.browser.get("checkout", "/checkout")
        if page is None or page.status_code != 200 or page_path(page) != "/checkout":
            self.recorder.note("checkout sent back to the cart before the form (cart empty)")
            return
        form = form_to(page.text, "/checkout")
        if form is None:
            self.recorder.note("checkout page without its form")
            return
        method = self.rng.choices(("cod", "bank_transfer"), (60, 40))[0]
        address = self.plan["address"]
        data = {"csrf_token": form.fields.get("csrf_token", ""), "full_name": "Nguyễn Thị Mai",
                "phone": "0912 345 678", "email": self.account["email"] if self.account else "khach@example.vn",
                "province": address["province"], "commune": address["commune"],
                "street_address": address["street_address"], "note": "Giao giờ hành chính",
                "payment_method": method}
        answer = self.browser.post("checkout", "/checkout", data)
        if answer is None:
            self.recorder.note("checkout sent, no answer (outcome unknown)")
            return
        where = local_path(answer.headers.get("Location", ""))
        if answer.status_code == 303 and ORDER_PAGE.match(where):
            self.placed(answer, method, where)
        elif answer.status_code in (302, 303) and where.startswith("/cart"):
            self.cart_changed(answer, retry)
        elif answer.status_code == 400:
            errors = re.findall(r'class="error"[^>]*>(.*?)<', answer.text)
            self.recorder.note(f"checkout form refused: {'; '.join(errors)[:200] or 'no message found'}")
        elif answer.status_code == 429:
            self.recorder.note("checkout rate-limited (429)")

    def placed(self, answer: requests.Response, method: str, where: str) -> None:
        token = ORDER_PAGE.match(where).group(1)
        self.recorder.add("orders", {"token": token, "method": method, "signed_in": self.account is not None,
                                     "at": time.time()})
        html = ok_html(self.browser.follow(answer, "order"))
        if html and self.rng.random() < 0.2:
            self.cancel_a_part(html, token)

    def cancel_a_part(self, html: str, token: str) -> None:
        forms = [form for form in forms_of(html) if form.method == "post" and "/cancel/" in (form.action or "")]
        if not forms:
            self.recorder.note("order page without a cancel form")
            return
        form = self.rng.choice(forms)
        page = self.browser.follow(self.browser.post("order", form.action, form.fields), "order")
        kinds = [category for category, _ in flashes(ok_html(page) or "")]
        self.recorder.add("cancels", {"token": token, "action": form.action, "saved": "success" in kinds})

    def cart_changed(self, answer: requests.Response, retry: bool) -> None:
        """Stock or price moved since the cart was filled: accept the cart's news once and try again."""
        self.recorder.note("checkout sent back to the cart (cart changed)")
        html = ok_html(self.browser.follow(answer, "cart"))
        form = form_to(html or "", "/cart/accept")
        if form is not None:
            self.browser.follow(self.browser.post("cart", form.action, form.fields), "cart")
        if retry:
            self.checkout(retry=False)


# --- sellers ------------------------------------------------------------------------------------

class Seller:
    """A seller member changing stock and price with the quick edit form of /sell/products."""

    def __init__(self, plan: dict, browser: Browser, rng: random.Random, account: dict):
        self.plan, self.browser, self.rng, self.account = plan, browser, rng, account
        self.recorder = browser.recorder

    def prepare(self) -> bool:
        if sign_in(self.browser, self.account["email"], self.account["password"]):
            return True
        self.recorder.note("seller sign-in failed (the seller visitor stopped)")
        return False

    def run(self) -> None:
        html = ok_html(self.browser.get("seller edit", "/sell/products"))
        while True:
            html = self.edit_one(html) or ok_html(self.browser.get("seller edit", "/sell/products"))

    def edit_one(self, html: str | None) -> str | None:
        """Send one quick edit from the list page; returns the page it leads back to."""
        if html is None:
            return None  # the list did not come (an error, counted): ask for it again
        forms = [f for f in forms_of(html) if f.method == "post" and QUICK_EDIT.search(f.action or "")]
        if not forms:
            self.recorder.note("seller page without quick edit forms")
            time.sleep(0.5)
            return None
        # Half the time the product running lowest: that is what a seller restocks, and what sells.
        if self.rng.random() < 0.5:
            form = min(forms, key=lambda f: int(f.fields["seen_stock"]))
        else:
            form = self.rng.choice(forms)
        seen, price = int(form.fields["seen_stock"]), int(form.fields["price_vnd"])
        stock = self.new_stock(seen)
        price = max(1_000, int(round(price * self.rng.uniform(0.96, 1.04), -3)))
        sent_at = time.time()
        answer = self.browser.post("seller edit", form.action, {**form.fields, "stock": str(stock),
                                                                "price_vnd": str(price)})
        page = self.browser.follow(answer, "seller edit")
        html = ok_html(page)
        kinds = [category for category, _ in flashes(html or "")]
        if answer is None or answer.status_code != 302 or html is None:
            outcome = "unknown"
        elif "error" in kinds:
            outcome = "refused"
        else:
            outcome = "saved" if "success" in kinds else "unknown"
        product_id = int(QUICK_EDIT.search(form.action).group(1))
        self.recorder.add("edits", {"product_id": product_id, "seen": seen, "stock": stock, "price": price,
                                    "outcome": outcome, "at": sent_at,
                                    "message": " | ".join(text for _, text in flashes(html or ""))[:200]})
        return html

    def new_stock(self, seen: int) -> int:
        """Restock now and then, count a few units fewer sometimes (damaged), or keep it."""
        roll = self.rng.random()
        if roll < 0.45:
            return seen + self.rng.randint(1, 8)
        if roll < 0.75:
            return max(0, seen - self.rng.randint(1, 3))
        return seen


# --- the process --------------------------------------------------------------------------------

def visitor(plan: dict, client: dict, recorder: Recorder) -> None:
    rng = random.Random(plan["seed"] * 1000 + client["id"])
    browser = Browser(plan["base_url"], recorder, plan["deadline"])
    account = client.get("account")
    person = Seller(plan, browser, rng, account) if client["role"] == "seller" else Shopper(plan, browser, rng, account)
    try:
        # Sign-ins come before the start (the load is timed from plan["start_at"]), then all go at once.
        if not person.prepare():
            return
        time.sleep(max(0.0, plan["start_at"] - time.time()) + rng.random() * 0.2)
        person.run()
    except Deadline:
        pass
    except Exception as error:  # noqa: BLE001  (a bench bug must not hide the figures of the others)
        recorder.note(f"visitor {client['id']} crashed: {type(error).__name__}: {error}"[:300])
    finally:
        browser.session.close()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Visitors for bench/load.py (started by it).")
    parser.add_argument("plan")
    parser.add_argument("out")
    parser.add_argument("--first", type=int, required=True, help="index of this process's first client in the plan")
    parser.add_argument("--count", type=int, required=True)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with open(args.plan, encoding="utf-8") as handle:
        plan = json.load(handle)
    clients = plan["clients"][args.first:args.first + args.count]
    recorder = Recorder()
    threads = [threading.Thread(target=visitor, args=(plan, client, recorder), daemon=True) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.1, plan["deadline"] + TIMEOUT * MAX_REDIRECTS + 5 - time.time()))
    with recorder.lock:
        result = recorder.as_json()
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump(result, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
