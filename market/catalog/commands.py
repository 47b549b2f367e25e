"""`flask --app wsgi catalog ...`: category seeding and CSV import of products."""
import sys

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale
from sqlalchemy import select

from market.accounts.services import find_user_by_email
from market.catalog import csv_import, services
from market.core.domain import DomainError
from market.extensions import db
from market.sellers.models import Seller

catalog_cli = AppGroup("catalog", help="Catalog maintenance.")


@catalog_cli.command("seed-categories")
def seed_categories_command() -> None:
    """Create the starting category tree (idempotent)."""
    added = services.seed_categories()
    click.echo(f"{added} categories added.")


@catalog_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True))
@click.option("--seller", "seller_slug", required=True, help="The seller's slug (as in /sellers/<slug>).")
@click.option("--as", "email", help="The member who imports (default: the seller's owner).")
@click.option("--lang", type=click.Choice(["vi", "en"]), help="Language of the messages (default: the site's).")
def import_command(file: str, seller_slug: str, email: str | None, lang: str | None) -> None:
    """Import products from a CSV FILE as drafts: all rows, or none if any row is wrong.

    Exits 1 after listing every error by line and column.
    """
    with force_locale(lang or current_app.config["BABEL_DEFAULT_LOCALE"]):
        seller = db.session.scalar(select(Seller).where(Seller.slug == seller_slug))
        if seller is None:
            raise click.ClickException(f"No seller with the slug {seller_slug!r}.")
        member = find_user_by_email(email) if email else seller.owner
        if member is None or all(m.user_id != member.id for m in seller.memberships):
            raise click.ClickException(f"{email or 'The owner'} is not a member of {seller_slug}.")
        with open(file, "rb") as source:
            data = source.read(csv_import.MAX_BYTES + 1)

        preview = csv_import.parse(data, seller)
        for problem in preview.problems:
            click.echo(f"{file}: {problem}", err=True)
        for warning in preview.warnings:
            click.echo(f"{file}: {warning}", err=True)
        errors = preview.errors()
        for error in errors:
            click.echo(_describe(file, error), err=True)
        if preview.problems or errors:
            click.echo(f"{len(errors)} errors in {len(preview.error_rows)} of {preview.row_count} rows; "
                       "nothing was imported.", err=True)
            click.get_current_context().exit(1)

        try:
            with click.progressbar(length=preview.row_count, label="Importing", file=sys.stderr) as bar:
                count = csv_import.import_rows(member, preview, progress=bar.update)
        except csv_import.ImportFailed as failed:
            for error in failed.errors:
                click.echo(_describe(file, error), err=True)
            click.echo(f"{failed.message}", err=True)
            click.get_current_context().exit(1)
        except DomainError as error:
            raise click.ClickException(str(error.message)) from None
    click.echo(f"{count} products imported as drafts for {seller.name} ({seller.slug}) by {member.email}.")


def _describe(file: str, error) -> str:
    column = f"{error.letter} “{error.header}”" if error.letter else (f"“{error.header}”" if error.header else "-")
    value = f" [{error.value[:40]}]" if error.value else ""
    return f"{file}:{error.line}: {column}{value}: {error.message}"
