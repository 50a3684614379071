import click
from flask.cli import AppGroup

from conference.accounts import services
from conference.accounts.models import Role
from conference.errors import DomainError
from conference.extensions import db
from conference.reference.models import Sector

users_cli = AppGroup("users", help="Staff accounts.")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice([role.value for role in Role]), default=Role.ADMIN.value, show_default=True)
@click.option("--name", default="")
@click.option("--sector", "sector_codes", multiple=True, help="A sector code, for sector representatives (repeatable).")
@click.password_option(help="Asked for when not given.")
def create_command(email, role, name, sector_codes, password):
    """Create a staff account, such as the first administrator."""
    sectors = db.session.scalars(db.select(Sector).where(Sector.code.in_(sector_codes))).all()
    unknown = set(sector_codes) - {sector.code for sector in sectors}
    if unknown:
        raise click.ClickException(f"unknown sector code(s): {', '.join(sorted(unknown))}")
    try:
        user = services.create_user(email=email, role=role, name=name, sectors=sectors, password=password)
    except DomainError as error:
        raise click.ClickException(str(error.message)) from error
    click.echo(f"Created {user.role.value} {user.email}.")
