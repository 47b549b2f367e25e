"""`flask --app wsgi search reindex|drain`."""
import click
from flask.cli import AppGroup

from market.search import services, sync

search_cli = AppGroup("search", help="The catalog's search index.")


@search_cli.command("reindex")
def reindex_command() -> None:
    """Rebuild the index from the database; searches keep working meanwhile."""
    count = services.reindex(show_progress=True)
    click.echo(f"{count} products indexed.")


@search_cli.command("drain")
def drain_command() -> None:
    """Write the index entries queued while the index was busy or failing."""
    try:
        count = sync.drain_queue()
    except RuntimeError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{count} queued products written.")
