"""`flask --app wsgi reviews ask` (cron, e.g. hourly): one email per delivered order part,
a few days after delivery, asking its shopper to review what she received."""
import click
from flask.cli import AppGroup

from market.reviews.asking import ask_for_reviews

reviews_cli = AppGroup("reviews", help="Reviews: ask shoppers to review what was delivered.")


@reviews_cli.command("ask")
def ask_command() -> None:
    """Email shoppers whose order part was delivered REVIEW_ASK_AFTER_DAYS ago (once each)."""
    click.echo(f"{ask_for_reviews()} review request(s) queued.")
