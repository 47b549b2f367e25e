"""Shell command `flask --app wsgi create-user ...`: an account with any role."""
import click

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
