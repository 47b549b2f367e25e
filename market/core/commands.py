"""Shell commands: `flask --app wsgi create-user ...` and `flask --app wsgi seed-demo`."""
import click
from flask import current_app

from market.accounts.models import Role
from market.accounts.services import AccountError, create_user


@click.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice([role.value for role in Role]), default=Role.SHOPPER.value, show_default=True)
@click.option("--province", help="For staff: the province they serve (old names accepted). Leave out for central staff.")
@click.option("--name", "full_name", help="Full name (defaults to the part of the email before @).")
@click.password_option("--password", help="Prompted for (twice, hidden) when left out.")
def create_user_command(email: str, role: str, province: str | None, full_name: str | None, password: str) -> None:
    """Create an account with a role."""
    try:
        user = create_user(email, role, password, full_name=full_name, province=province)
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    scope = ""
    if user.is_staff:
        scope = f" (provincial: {user.staff_province_code})" if user.staff_province_code else " (central)"
    click.echo(f"Created {user.role}{scope} {user.email}")


@click.command("seed-demo")
def seed_demo_command() -> None:
    """Create the demo data `make run` shows; running it again changes nothing."""
    from market.demo import seed_demo

    if not current_app.config["DEMO_SEED_ALLOWED"]:
        raise click.ClickException("seed-demo is disabled in production (set DEMO_SEED_ALLOWED=1 to force)")
    accounts = seed_demo()
    click.echo("Demo accounts (email / password / role):")
    for account in accounts:
        click.echo(f"  {account.email:32} {account.password:20} {account.description}")
