from pathlib import Path

import click
from flask.cli import AppGroup

from conference.programme.importer import ImportFailed, import_programme

programme_cli = AppGroup("programme", help="The programme: knowledge areas, slots, rooms, sessions.")


@programme_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--event", "event_slug", required=True, help="The slug of the event to import into.")
def import_command(file, event_slug):
    """Import a programme from a CSV (one row per session) or YAML FILE.

    Every row is checked first; if any is wrong, nothing is imported. Importing again
    updates knowledge areas, rooms and slots by name and sessions by slot and title.
    """
    try:
        counts = import_programme(event_slug, file.name, file.read_bytes())
    except ImportFailed as failure:
        for error in failure.errors:
            click.echo(f"{file.name}: {error}", err=True)
        raise click.ClickException(f"nothing was imported: {len(failure.errors)} problem(s)") from failure
    click.echo(
        f"Imported {counts['sessions']} sessions in {counts['slots']} slots, "
        f"{counts['rooms']} rooms and {counts['tracks']} knowledge areas into '{event_slug}'."
    )
