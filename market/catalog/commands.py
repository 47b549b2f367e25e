"""`flask --app wsgi catalog ...`: category seeding (CSV import joins it)."""
import click
from flask.cli import AppGroup

from market.catalog import services

catalog_cli = AppGroup("catalog", help="Catalog maintenance.")


@catalog_cli.command("seed-categories")
def seed_categories_command() -> None:
    """Create the starting category tree (idempotent)."""
    added = services.seed_categories()
    click.echo(f"{added} categories added.")
