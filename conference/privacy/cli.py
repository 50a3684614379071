import click
from flask.cli import AppGroup

from conference.privacy.services import purge

privacy_cli = AppGroup("privacy", help="Personal data: retention and erasure.")


@privacy_cli.command("purge")
def purge_command():
    """Anonymise the registrations of events whose retention date has passed."""
    report = purge()
    click.echo(f"anonymised {report.registrations} registrations in {report.events} events")
