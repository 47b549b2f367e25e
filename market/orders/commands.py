"""`flask --app wsgi orders expire` (cron, every minute, on any number of machines) and
`flask --app wsgi orders verify` (cron or by hand: every order's money adds up)."""
import click
from flask.cli import AppGroup

from market.orders.invariants import verify_orders
from market.orders.services import expire_overdue

orders_cli = AppGroup("orders", help="Orders: expire unpaid ones, verify their money.")


@orders_cli.command("expire")
def expire_command() -> None:
    """Expire unpaid bank-transfer and card orders past their deadline; their stock comes back."""
    total = 0
    while True:
        # In batches, so a long backlog neither holds one huge transaction nor stops early.
        expired = expire_overdue()
        total += expired
        if not expired:
            break
    click.echo(f"{total} order(s) expired.")


@orders_cli.command("verify")
def verify_command() -> None:
    """Check that every order's money adds up (lines, parts, commission, totals).

    Read-only, in batches: safe from cron on a live database. Prints each mismatch and
    exits with status 1 when there is any.
    """
    mismatches = 0
    orders_named = set()
    for mismatch in verify_orders():
        mismatches += 1
        orders_named.add(mismatch.order_number)
        click.echo(f"MISMATCH {mismatch}", err=True)
    if mismatches:
        click.echo(f"{mismatches} mismatch(es) in {len(orders_named)} order(s).", err=True)
        raise SystemExit(1)
    click.echo("Every order adds up.")
