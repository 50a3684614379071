import time

import click
from flask import current_app
from flask.cli import AppGroup

from conference.mailings.outbox import deliver_due

mail_cli = AppGroup("mail", help="The outbox of outgoing mail.")


@mail_cli.command("deliver")
@click.option("--loop", is_flag=True, help="Keep running, polling the outbox (a production worker).")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between polls with --loop.")
@click.option("--retry-now", is_flag=True, help="Also retry messages still waiting out their backoff.")
def deliver_command(loop, interval, retry_now):
    """Deliver the queued messages over SMTP (MAIL_SERVER)."""
    if not current_app.config["MAIL_SERVER"]:
        raise click.ClickException("MAIL_SERVER is not set: the messages stay in the outbox.")
    while True:
        report = deliver_due(ignore_backoff=retry_now)
        if not loop or report.sent or report.retrying or report.failed:
            click.echo(f"sent {report.sent}, waiting for retry {report.retrying}, failed {report.failed}")
        if not loop:
            return
        time.sleep(interval)
