"""`flask --app wsgi orders expire`: for cron, every minute, on any number of machines."""
import click
from flask.cli import AppGroup

from market.orders.services import expire_overdue

orders_cli = AppGroup("orders", help="Orders: expire unpaid ones.")


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
