"""Payment anomalies on the staff console, through the test client with CSRF on: central staff
see the open ones (newest first, paged, the order linked) and mark them resolved with a note
(audited); provincial staff, sellers and shoppers are kept out."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from market.core.audit import AuditEntry
from market.core.clock import utcnow
from market.extensions import db
from market.payments import anomalies
from market.payments.models import PaymentAnomaly
from market.payments.stripe_checkout import handle_event
from tests import stripe_standin as fake_stripe
from tests.builders import EN, place, reload
from tests.conftest import csrf_token_from, post_form

LIST_URL = "/staff/payments/anomalies"
NOTE = "Đã hoàn tiền cho người mua trên Stripe ngày 2/12"


@pytest.fixture
def central(staff, client_for):
    return client_for(staff.email)


@pytest.fixture
def provincial(make_user, client_for):
    make_user("ld@example.vn", role="staff", province="Lâm Đồng")
    return client_for("ld@example.vn")


@pytest.fixture
def card_order(goods):
    """A card order whose Checkout Session id was kept (as `checkout_url` keeps it)."""
    order = place((goods.honey, 2), payment_method="card", methods=["cod", "bank_transfer", "card"])
    order.payment_reference = "cs_test_ours"
    db.session.commit()
    return order


def forged_payment(order, session_id="cs_test_ours", amount=1) -> str:
    """Apply a paid-session event that does not match `order`; returns the outcome."""
    session = {"id": session_id, "object": "checkout.session", "payment_status": "paid", "amount_total": amount,
               "currency": "vnd", "metadata": {"order_id": str(order.id), "order_number": order.number}}
    return handle_event(fake_stripe.event("checkout.session.completed", session))


def add_anomalies(order, how_many: int, **values) -> list[PaymentAnomaly]:
    """Anomalies stored as the webhook stores them, one minute apart (the last is the newest)."""
    start = utcnow() - timedelta(hours=1)
    rows = [
        PaymentAnomaly(provider="stripe", event_id=f"evt_{n}", event_type="charge.refunded", order=order,
                       kind="partial_refund", detail=f"detail {n}", amount=1_000 + n, currency="vnd",
                       created_at=start + timedelta(minutes=n), **values)
        for n in range(how_many)
    ]
    db.session.add_all(rows)
    db.session.commit()
    return rows


def text(response) -> str:
    return response.get_data(as_text=True)


def resolve_url(anomaly) -> str:
    return f"{LIST_URL}/{anomaly.id}/resolve"


def resolve(client, anomaly, note=NOTE):
    return post_form(client, resolve_url(anomaly), {"note": note}, form_url=LIST_URL, headers=EN)


def audit_rows(anomaly) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(
        AuditEntry.subject_type == "payment_anomaly", AuditEntry.subject_id == anomaly.id)))


# --- who may come in ---------------------------------------------------------------------------

def test_provincial_staff_sellers_and_shoppers_are_refused(app, card_order, goods, provincial, make_user, client_for,
                                                           central):
    [anomaly] = add_anomalies(card_order, 1)
    make_user("shopper@example.vn")
    token = csrf_token_from(central.get(LIST_URL))
    clients = {"provincial": provincial, "seller": client_for(goods.shop.owner.email),
               "shopper": client_for("shopper@example.vn")}
    for who, client in clients.items():
        assert client.get(LIST_URL).status_code == 403, who
        # Even with a valid token of their own session, the action is refused and changes nothing.
        own_token = csrf_token_from(client.get("/account/profile"))
        response = client.post(resolve_url(anomaly), data={"csrf_token": own_token, "note": NOTE})
        assert response.status_code == 403, who
    visitor = app.test_client()
    response = visitor.get(LIST_URL)
    assert response.status_code == 302 and "/account/sign-in" in response.headers["Location"]
    assert visitor.post(resolve_url(anomaly), data={"csrf_token": token, "note": NOTE}).status_code == 400
    assert reload_anomaly(anomaly).resolved_at is None and audit_rows(anomaly) == []


def reload_anomaly(anomaly) -> PaymentAnomaly:
    db.session.expire_all()
    return db.session.get(PaymentAnomaly, anomaly.id)


def test_provincial_staff_see_no_anomaly_link_on_the_orders_page(card_order, provincial):
    add_anomalies(card_order, 2)
    page = text(provincial.get("/staff/orders", headers=EN))
    assert LIST_URL not in page and "payment anomal" not in page


# --- what central staff see -------------------------------------------------------------------

def test_the_orders_page_shows_how_many_anomalies_wait(card_order, central):
    page = text(central.get("/staff/orders", headers=EN))
    assert f'href="{LIST_URL}"' in page and "none to check" in page
    add_anomalies(card_order, 2)
    add_anomalies(card_order, 1, resolved_at=utcnow())
    page = text(central.get("/staff/orders", headers=EN))
    assert "2 payment anomalies to check" in page and f'href="{LIST_URL}"' in page


def test_central_staff_see_open_anomalies_newest_first_with_their_order(card_order, central):
    old, new = add_anomalies(card_order, 2)
    [done] = add_anomalies(card_order, 1, resolved_at=utcnow())
    done.event_id = "evt_done"
    db.session.commit()
    page = text(central.get(LIST_URL, headers=EN))
    assert "2 open anomalies" in page and "Partial refund" in page
    assert page.index(new.event_id) < page.index(old.event_id)  # newest first
    assert "evt_done" not in page
    assert f'href="/staff/orders?number={card_order.number}"' in page
    assert "1,001" in page and "detail 1" in page  # the amount in đồng (English) and the detail


def test_an_anomaly_in_another_currency_shows_its_units(card_order, central):
    forged = PaymentAnomaly(provider="stripe", event_id="evt_usd", event_type="checkout.session.completed",
                            order=card_order, kind="currency_mismatch", detail="", amount=1, currency="usd")
    db.session.add(forged)
    db.session.commit()
    page = text(central.get(LIST_URL, headers=EN))
    assert "1 USD" in page and "Not paid in đồng" in page


def test_the_list_is_paged(card_order, central):
    rows = add_anomalies(card_order, anomalies.PAGE_SIZE + 1)
    first = text(central.get(LIST_URL, headers=EN))
    assert rows[-1].event_id in first and f">{rows[0].event_id}<" not in first  # the oldest is on page 2
    assert first.count('class="card"') == anomalies.PAGE_SIZE and "Page 1 of 2" in first
    second = text(central.get(f"{LIST_URL}?page=2", headers=EN))
    assert second.count('class="card"') == 1 and f">{rows[0].event_id}<" in second
    for page in ("abc", "0", "-1", "99999999"):  # never an error
        assert central.get(f"{LIST_URL}?page={page}").status_code == 200, page


def test_the_list_runs_the_same_queries_for_few_or_many_anomalies(card_order, goods, central):
    from tests.builders import counted_queries

    def queries_of_the_list() -> list[str]:
        db.session.expire_all()
        with counted_queries() as statements:
            central.get(LIST_URL, headers=EN)
        return statements

    add_anomalies(card_order, 1)
    few = queries_of_the_list()
    for _ in range(3):  # more anomalies, of more orders
        add_anomalies(place((goods.honey, 1), payment_method="card", methods=["cod", "card"]), 2)
    assert len(queries_of_the_list()) == len(few)


def test_what_an_event_carried_is_escaped(card_order, central):
    assert forged_payment(card_order, session_id="<img src=x onerror=alert(1)>") == "anomaly"
    page = text(central.get(LIST_URL, headers=EN))
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_the_page_renders_in_vietnamese(card_order, central):
    assert forged_payment(card_order) == "anomaly"
    response = central.get(LIST_URL, headers={"Accept-Language": "vi"})
    assert response.status_code == 200 and '<html lang="vi">' in text(response)


# --- resolving --------------------------------------------------------------------------------

def test_central_staff_resolve_an_anomaly_with_a_note(card_order, central, staff):
    assert forged_payment(card_order) == "anomaly"
    anomaly = db.session.scalar(select(PaymentAnomaly))
    assert "1 payment anomaly to check" in text(central.get("/staff/orders", headers=EN))

    response = resolve(central, anomaly)
    assert response.status_code == 302 and response.headers["Location"].endswith(LIST_URL)
    anomaly = reload_anomaly(anomaly)
    assert anomaly.resolved_at is not None and anomaly.resolved_by_id == staff.id
    [entry] = audit_rows(anomaly)
    assert (entry.actor_id, entry.action, entry.reason) == (staff.id, "anomaly_resolved", NOTE)
    page = text(central.get(LIST_URL, headers=EN))
    assert "The anomaly has been marked resolved." in page and "No payment anomaly is waiting." in page
    assert "none to check" in text(central.get("/staff/orders", headers=EN))
    assert reload(card_order).payment_status == "unpaid"  # resolving changes nothing on the order


@pytest.mark.parametrize("note", ["", "   ", "nul\x00byte", "x" * 501])
def test_a_missing_or_bad_note_is_a_message_and_changes_nothing(card_order, central, note):
    [anomaly] = add_anomalies(card_order, 1)
    response = resolve(central, anomaly, note)
    assert response.status_code == 200 and 'class="error"' in text(response)
    assert f'id="note-{anomaly.id}-error"' in text(response)
    assert reload_anomaly(anomaly).resolved_at is None and audit_rows(anomaly) == []


def test_resolving_keeps_csrf_on(card_order, central):
    [anomaly] = add_anomalies(card_order, 1)
    central.get(LIST_URL)
    assert central.post(resolve_url(anomaly), data={"note": NOTE}).status_code == 400
    assert central.post(resolve_url(anomaly), data={"note": NOTE, "csrf_token": "forged"}).status_code == 400
    assert reload_anomaly(anomaly).resolved_at is None and audit_rows(anomaly) == []


def test_an_anomaly_is_resolved_once(card_order, central, staff, client_for, make_user):
    [anomaly] = add_anomalies(card_order, 1)
    make_user("staff2@example.vn", role="staff")
    colleague = client_for("staff2@example.vn")
    token = csrf_token_from(colleague.get(LIST_URL))  # both have the page open
    assert resolve(central, anomaly).status_code == 302
    response = colleague.post(resolve_url(anomaly), data={"csrf_token": token, "note": "Tôi cũng xử lý"},
                              headers=EN)
    assert response.status_code == 200 and "This anomaly has already been resolved." in text(response)
    assert reload_anomaly(anomaly).resolved_by_id == staff.id and len(audit_rows(anomaly)) == 1


def test_an_unknown_anomaly_is_not_found(central):
    token = csrf_token_from(central.get(LIST_URL))
    assert central.post(f"{LIST_URL}/999999/resolve", data={"csrf_token": token, "note": NOTE}).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.subject_type == "payment_anomaly")) == 0
