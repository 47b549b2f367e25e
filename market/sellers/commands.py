"""`flask --app wsgi sellers end-expired-help` (cron, e.g. every 15 minutes): end the union's
help on a seller's behalf whose period ran out, and tell each owner once."""
import click
from flask.cli import AppGroup

from market.core.clock import utcnow
from market.sellers.helping import settle_expired_help

sellers_cli = AppGroup("sellers", help="Sellers: end the union's help whose period ran out.")


@sellers_cli.command("end-expired-help")
def end_expired_help_command() -> None:
    """End every grant of help whose period ran out, with a message to the seller's owner."""
    click.echo(f"{settle_expired_help(utcnow())} help period(s) ended.")
