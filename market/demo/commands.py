"""Shell command `flask --app wsgi seed-demo` (registered by market.create_app)."""
import click
from flask import current_app

from market.demo import seed_demo


@click.command("seed-demo")
def seed_demo_command() -> None:
    """Create the demo data `make run` shows; running it again changes nothing."""
    if not current_app.config["DEMO_SEED_ALLOWED"]:
        raise click.ClickException("seed-demo is disabled in production (set DEMO_SEED_ALLOWED=1 to force)")
    accounts = seed_demo()
    click.echo("Demo accounts (email / password / role):")
    for account in accounts:
        click.echo(f"  {account.email:32} {account.password:20} {account.description}")
