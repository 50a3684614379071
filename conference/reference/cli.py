import click
from flask.cli import AppGroup

from conference.reference.demo import load_demo
from conference.reference.seed import seed_reference_data

reference_cli = AppGroup("reference", help="Reference lists: sectors and municipalities.")


@reference_cli.command("seed")
def seed_command():
    """Add the default sectors and the 26 municipalities of Stockholm County (idempotent)."""
    seed_reference_data()
    click.echo("Sectors and municipalities are in place.")


@click.command("demo")
def demo_command():
    """Load the demo event and the model of dialogue forums around it, each forum with a past
    and an upcoming edition (once; running it again keeps what is there)."""
    event, created = load_demo()
    state = "loaded" if created else "already there, kept as it is"
    click.echo(f"Demo event '{event.title}' {state}: /events/{event.slug}")
