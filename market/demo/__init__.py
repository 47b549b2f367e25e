"""Demo data for `flask --app wsgi seed-demo`: idempotent, grows with each domain.

Everything goes through the services, as a person would do it: sellers apply with a logo
and a certificate, staff decide, sellers enrol in programs and staff approve them.

Modules, from the bottom: `accounts`, `programs`, `files` (logos and certificates), `sellers`,
`photos` (placeholder product photos), `catalog` (the products in `products.csv`, read
by the sellers' CSV import), `orders`, and `commands` (the `seed-demo` command). The demo
sits above every domain: it may import any of them, and none imports it.
"""
from flask import current_app

from market.accounts.services import find_user_by_email
from market.demo.accounts import DEMO_ACCOUNTS, STAFF, DemoAccount, account
from market.demo.catalog import seed_demo_catalog
from market.demo.orders import seed_demo_orders
from market.demo.programs import COOPERATIVES_PROGRAM, START_UPS_PROGRAM, program
from market.demo.sellers import DEMO_SELLERS, seed_help, seed_seller, seller_accounts


def seed_demo() -> tuple[DemoAccount, ...]:
    """Create whatever demo data is missing and return the demo accounts."""
    for person in DEMO_ACCOUNTS:
        account(person.email, person.full_name, person.role, person.province)
    staff = find_user_by_email(STAFF.email)
    program_ids = {data.name_vi: program(data, staff).id for data in (COOPERATIVES_PROGRAM, START_UPS_PROGRAM)}
    # Links in queued emails need a request context outside a request.
    with current_app.test_request_context("/"):
        for demo in DEMO_SELLERS:
            seed_seller(demo, staff, program_ids)
        seed_demo_catalog()
        seed_demo_orders(DEMO_ACCOUNTS[0].email, DEMO_ACCOUNTS[1].email, STAFF.email)
        seed_help(DEMO_ACCOUNTS[1].email)
    return DEMO_ACCOUNTS + tuple(seller_accounts())

