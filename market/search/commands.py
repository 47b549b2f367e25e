"""`flask --app wsgi search reindex|drain|verify`."""
import click
from flask.cli import AppGroup

from market.search import services, sync
from market.search.verify import RepairFailed, verify_index

search_cli = AppGroup("search", help="The catalog's search index.")

EXIT_MISMATCH = 1  # differences found (with --repair: found and repaired)
EXIT_NOT_REPAIRED = 3  # --repair left some (2 is click's usage error)


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


@search_cli.command("verify")
@click.option("--repair", is_flag=True, help="Rewrite the entries that differ (from the database).")
@click.option("--grace", type=click.FloatRange(min=0), default=None,
              help="Seconds to wait before looking again at what differs (Whoosh; default: lock timeout + 1).")
def verify_command(repair: bool, grace: float | None) -> None:
    """Compare every entry of the search index with the database: name, description,
    price, in stock, seller, category, province, programs, OCOP stars, listing date, and
    the products that should (not) be there. Prints each mismatch.

    Read-only unless --repair, in batches, and safe on a live site (from cron too): writes
    on their way are not taken for drift, and a repair writes like any product change does.

    Exit status: 0 when the index agrees with the database; 1 when it did not (with
    --repair: the differing entries were rewritten and now agree); 3 when --repair could
    not make them agree.
    """
    try:
        mismatches = verify_index(repair=repair, grace=grace)
    except RepairFailed as failure:
        for mismatch in failure.found:
            click.echo(f"MISMATCH {mismatch}", err=True)
        for mismatch in failure.remaining:
            click.echo(f"NOT REPAIRED {mismatch}", err=True)
        click.echo(f"{len(failure.remaining)} product(s) still differ after the repair; is the index writable?", err=True)
        raise SystemExit(EXIT_NOT_REPAIRED) from None
    for mismatch in mismatches:
        click.echo(f"MISMATCH {mismatch}", err=True)
    if not mismatches:
        click.echo("The search index agrees with the database.")
        return
    if repair:
        click.echo(f"{len(mismatches)} product(s) differed; rewritten, and they now agree.", err=True)
    else:
        click.echo(f"{len(mismatches)} product(s) differ; `flask search verify --repair` rewrites them.", err=True)
    raise SystemExit(EXIT_MISMATCH)
