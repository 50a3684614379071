"""An event's dashboard: its registrations counted by status, sector, municipality,
knowledge area, session and day. Each figure is a table (the numbers) and a chart drawn
from the same numbers by static/js/dashboard.js."""

from flask import Blueprint, render_template
from flask_babel import format_date
from flask_babel import gettext as _

from conference.accounts.access import requires
from conference.accounts.models import Role
from conference.events.models import Event
from conference.extensions import db
from conference.organiser import stats

blueprint = Blueprint("dashboard", __name__, url_prefix="/staff")

# Colours for charts, each at least 3:1 against white (WCAG 2.1, non-text contrast).
CONFIRMED, WAITING, CANCELLED, CHECKED_IN, FREE = "#00487a", "#b35900", "#6b6b6b", "#1d6b35", "#c8c8c8"


@blueprint.get("/events/<int:event_id>/dashboard")
@requires(Role.ORGANISER)
def show(event_id):
    event = db.get_or_404(Event, event_id)
    figures = {
        "totals": stats.totals(event.id),
        "sectors": stats.by_sector(event.id),
        "municipalities": stats.by_municipality(event.id, _("Other, or outside Stockholm County")),
        "tracks": stats.by_track(event.id),
        "sessions": stats.session_fill(event.id),
        "days": stats.by_day(event.id),
    }
    return render_template("organiser/dashboard.html", event=event, charts=_charts(**figures), **figures)


def _charts(*, totals, sectors, municipalities, tracks, sessions, days):
    """What dashboard.js draws: per canvas id, labels and datasets, all text translated."""
    confirmed, waiting = _("Confirmed"), _("Waiting list")

    def groups(rows):
        return {
            "labels": [row.label for row in rows],
            "datasets": [
                {"label": confirmed, "data": [row.confirmed for row in rows], "colour": CONFIRMED},
                {"label": waiting, "data": [row.waitlisted for row in rows], "colour": WAITING},
            ],
            "stacked": True,
            "horizontal": True,
            "value_title": _("Registrations"),
        }

    chosen = [row for row in sessions if not row.plenary]
    return {
        "chart-totals": {
            "labels": [confirmed, waiting, _("Cancelled"), _("Checked in")],
            "datasets": [
                {
                    "label": _("Registrations"),
                    "data": [totals.confirmed, totals.waitlisted, totals.cancelled, totals.checked_in],
                    "colours": [CONFIRMED, WAITING, CANCELLED, CHECKED_IN],
                }
            ],
            "horizontal": True,
            "legend": False,
            "value_title": _("Registrations"),
        },
        "chart-sectors": groups(sectors),
        "chart-municipalities": groups(municipalities),
        "chart-tracks": {
            "labels": [row.name for row in tracks],
            "datasets": [
                {
                    "label": _("Confirmed session places"),
                    "data": [row.confirmed_places for row in tracks],
                    "colours": [row.colour for row in tracks],
                },
            ],
            "horizontal": True,
            "legend": False,
            "value_title": _("Confirmed session places"),
        },
        "chart-sessions": {
            "labels": [f"{row.slot}: {row.title}" for row in chosen],
            "datasets": [
                {"label": confirmed, "data": [row.confirmed for row in chosen], "colour": CONFIRMED},
                {"label": _("Free places"), "data": [row.free for row in chosen], "colour": FREE, "border": CANCELLED},
                {"label": waiting, "data": [row.waitlisted for row in chosen], "colour": WAITING},
            ],
            "stacked": True,
            "horizontal": True,
            "value_title": _("Places"),
        },
        "chart-days": {
            "labels": [format_date(day.date, "d MMM") for day in days],
            "datasets": [
                {"label": _("Registered that day"), "data": [day.registered for day in days], "colour": CONFIRMED},
                {"label": _("Cancelled that day"), "data": [day.cancelled for day in days], "colour": CANCELLED},
                {
                    "label": _("Registered in all, not cancelled"),
                    "data": [day.cumulative for day in days],
                    "colour": CHECKED_IN,
                    "type": "line",
                    "axis": "total",
                },
            ],
            "value_title": _("Per day"),
            "total_title": _("In all"),
        },
    }
