"""An event's dashboard: every figure counted by the service functions and shown in the page's tables."""

import json
import threading
from datetime import date, datetime
from html.parser import HTMLParser

import pytest
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import update

from conference.database import transaction
from conference.events.models import Event
from conference.extensions import db
from conference.organiser import stats
from conference.programme.models import Session
from conference.reference.models import Municipality, Sector
from conference.registration.models import Registration
from conference.registration.services import cancel
from tests.support.factories import create_event, reference_ids, registration_data
from tests.support.forms import submit
from tests.support.programme import import_small_programme, session_ids
from tests.support.staff import staff_client

OTHER = "Annan, eller utanför Stockholms län"

# email → (sector code, municipality code or "other", sessions chosen, created at in UTC)
PEOPLE = {
    "a@example.se": ("adult_education", "0180", ("Kultur i hela länet", "Föreningar i rörelse"), "2026-03-01 10:00"),
    "b@example.se": ("adult_education", "0180", ("Kultur i hela länet",), "2026-03-01 11:00"),
    # 23:30 UTC is already the next day in Stockholm.
    "c@example.se": ("sport", "0127", ("Kultur i hela länet", "Folkbildning och kultur"), "2026-03-01 23:30"),
    "d@example.se": ("sport", "other", ("Idrott för alla",), "2026-03-03 08:00"),
    "e@example.se": ("municipal_politician", "0186", ("Kultur i hela länet",), "2026-03-03 09:00"),
    # The event holds five: from here on the waiting list.
    "f@example.se": ("civil_society", "0180", ("Idrott för alla",), "2026-03-04 07:00"),
    "g@example.se": ("academia", "0117", ("Idrott för alla",), "2026-03-04 12:00"),
    "h@example.se": ("authority", "0114", (), "2026-03-04 13:00"),
}
CANCELLED_AT = {"b@example.se": "2026-03-04 09:00", "h@example.se": "2026-03-04 14:00"}
CHECKED_IN = ("a@example.se", "c@example.se")


def at(text):
    return datetime.strptime(text, "%Y-%m-%d %H:%M")


def register(app, client, email, sector, municipality, titles):
    ids = session_ids(app)
    sector_id, municipality_id = reference_ids(app, sector=sector, municipality=municipality)
    if municipality == "other":
        municipality_id = "other"
    choices = {f"slot_{ids[title][1]}": str(ids[title][0]) for title in titles}
    data = registration_data(app, email=email, sector=sector_id, municipality=municipality_id) | choices
    response = submit(client, "/events/tinget/register", data)
    assert response.status_code == 303, response.get_data(as_text=True)


def seed(app):
    """Eight registrations through the public form: five confirmed, three on the waiting
    list; then b cancels (f gets the place, c the seat in "Kultur i hela länet") and h cancels."""
    create_event(app, capacity=5)
    import_small_programme(app)
    client = app.test_client()
    for email, (sector, municipality, titles, _) in PEOPLE.items():
        register(app, client, email, sector, municipality, titles)
    with app.app_context():
        ids = dict(db.session.execute(db.select(Registration.email, Registration.id)).all())
    for email in CANCELLED_AT:
        with app.app_context():
            cancel(registration_id=ids[email])
    with app.app_context(), transaction() as session:
        for email, (*_, created) in PEOPLE.items():
            values = {"created_at": at(created)}
            if email in CANCELLED_AT:
                values["cancelled_at"] = at(CANCELLED_AT[email])
            if email in CHECKED_IN:
                values["checked_in_at"] = at("2026-03-25 08:30")
            session.execute(update(Registration).where(Registration.id == ids[email]).values(**values))
    with app.app_context():
        return db.session.scalar(db.select(Event.id).where(Event.slug == "tinget"))


class Tables(HTMLParser):
    """The page's tables by id: {id: {"body": [[cell, …], …], "foot": [...]}}, cells as text."""

    def __init__(self, html):
        super().__init__()
        self.tables, self.current, self.part, self.row, self.cell = {}, None, None, None, None
        self.data_json = None
        self._in_json = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.current = self.tables.setdefault(attrs.get("id"), {"head": [], "body": [], "foot": []})
        elif tag in ("thead", "tbody", "tfoot") and self.current is not None:
            self.part = {"thead": "head", "tbody": "body", "tfoot": "foot"}[tag]
        elif tag == "tr" and self.current is not None:
            self.row = []
            self.current[self.part].append(self.row)
        elif tag in ("td", "th") and self.row is not None:
            self.cell = []
        elif tag == "script" and attrs.get("id") == "dashboard-data":
            self._in_json = True

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.row.append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "tr":
            self.row = None
        elif tag == "table":
            self.current = None
        elif tag == "script":
            self._in_json = False

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)
        if self._in_json:
            self.data_json = json.loads(data)


def rows_by_label(table):
    return {row[0]: row[1:] for row in table["body"]}


def dashboard_page(app, event_id):
    client = staff_client(app, "organiser")
    response = client.get(f"/staff/events/{event_id}/dashboard")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_every_figure_counts_the_seeded_registrations(app):
    event_id = seed(app)
    with app.test_request_context():
        assert stats.totals(event_id) == stats.Totals(confirmed=5, waitlisted=1, cancelled=2, checked_in=2)

        sectors = {row.label: (row.confirmed, row.waitlisted) for row in stats.by_sector(event_id)}
        assert len(sectors) == db.session.scalar(db.select(db.func.count()).select_from(Sector)) == 11
        assert {label: counts for label, counts in sectors.items() if counts != (0, 0)} == {
            "Folkbildning (studieförbund, folkhögskola)": (1, 0),
            "Idrott": (2, 0),
            "Kommunpolitiker": (1, 0),
            "Civilsamhällesorganisation": (1, 0),
            "Akademi och forskning": (0, 1),
        }
        assert sectors["Myndighet"] == (0, 0)  # h cancelled

        municipalities = stats.by_municipality(event_id, OTHER)
        assert len(municipalities) == 27
        assert [row.label for row in municipalities][:3] == ["Botkyrka", "Danderyd", "Ekerö"]
        assert [row.label for row in municipalities][-3:] == ["Värmdö", "Österåker", OTHER]
        counts = {row.label: (row.confirmed, row.waitlisted) for row in municipalities}
        assert {label: c for label, c in counts.items() if c != (0, 0)} == {
            "Stockholm": (2, 0),
            "Botkyrka": (1, 0),
            "Lidingö": (1, 0),
            "Österåker": (0, 1),
            OTHER: (1, 0),
        }
        assert counts["Upplands Väsby"] == (0, 0)  # h cancelled

        tracks = {row.name: (row.sessions, row.confirmed_places, row.registrations) for row in stats.by_track(event_id)}
        # Kultur: KiHL (a, c; e waits) and FoK (c). Idrott: IfA (d, f; g pending) and FiR (a).
        assert tracks == {"Kultur": (3, 3, 3), "Idrott": (3, 3, 4)}
        assert [row.colour for row in stats.by_track(event_id)] == ["#8a1c5b", "#1d6b35"]

        fill = {row.title: row for row in stats.session_fill(event_id)}
        assert [(row.confirmed, row.capacity, row.waitlisted, row.plenary) for row in fill.values()] == [
            (0, 300, 0, True),  # Öppning av dagen
            (2, 2, 1, False),  # Kultur i hela länet
            (2, 50, 0, False),  # Idrott för alla
            (1, 50, 0, False),  # Folkbildning och kultur
            (1, 10, 0, False),  # Föreningar i rörelse: the session's own capacity over the room's
        ]
        assert fill["Kultur i hela länet"].fill_rate == 1 and fill["Kultur i hela länet"].free == 0
        sessions = db.session.scalars(db.select(Session)).all()
        assert {s.title: s.effective_capacity for s in sessions} == {t: row.capacity for t, row in fill.items()}

        assert stats.by_day(event_id) == [
            stats.Day(date(2026, 3, 1), 2, 0, 2),
            stats.Day(date(2026, 3, 2), 1, 0, 3),
            stats.Day(date(2026, 3, 3), 2, 0, 5),
            stats.Day(date(2026, 3, 4), 3, 2, 6),
        ]


def test_the_page_shows_every_figure_as_a_table_and_as_chart_data(app):
    event_id = seed(app)
    page = dashboard_page(app, event_id)
    tables = Tables(page)

    assert rows_by_label(tables.tables["totals"]) == {
        "Bekräftad": ["5"],
        "Reservlista": ["1"],
        "Avbokad": ["2"],
        "Incheckad": ["2"],
    }

    sectors = rows_by_label(tables.tables["sectors"])
    assert len(sectors) == 11
    assert sectors["Idrott"] == ["2", "0", "2"]
    assert sectors["Akademi och forskning"] == ["0", "1", "1"]
    assert sectors["Myndighet"] == ["0", "0", "0"]
    assert tables.tables["sectors"]["foot"] == [[tables.tables["sectors"]["foot"][0][0], "5", "1", "6"]]

    municipalities = rows_by_label(tables.tables["municipalities"])
    with app.app_context():
        names = set(db.session.scalars(db.select(Municipality.name)))
    assert len(names) == 26
    assert set(municipalities) == names | {OTHER}
    assert municipalities["Stockholm"] == ["2", "0", "2"]
    assert municipalities["Österåker"] == ["0", "1", "1"]
    assert municipalities[OTHER] == ["1", "0", "1"]
    assert sum(row == ["0", "0", "0"] for row in municipalities.values()) == 22
    assert tables.tables["municipalities"]["foot"][0][1:] == ["5", "1", "6"]

    assert rows_by_label(tables.tables["tracks"]) == {"Kultur": ["3", "3", "3"], "Idrott": ["3", "3", "4"]}

    sessions = {row[0]: row[1:] for row in tables.tables["sessions"]["body"]}
    assert sessions["Pass 1 Kultur i hela länet"] == ["Sal A", "2", "2", "0", "1", "100 %"]
    assert sessions["Pass 2 Föreningar i rörelse"] == ["Sal A", "1", "10", "9", "0", "10 %"]
    # A plenary session is attended by every confirmed registration.
    (plenary,) = [row for label, row in sessions.items() if "Öppning av dagen" in label]
    assert plenary == ["Stora salen", "5", "300", "295", "–", "2 %"]

    days = [[row[0], *row[1:]] for row in tables.tables["days"]["body"]]
    assert [row[1:] for row in days] == [["2", "0", "2"], ["1", "0", "3"], ["2", "0", "5"], ["3", "2", "6"]]
    assert "2 mars 2026" in days[1][0]

    charts = tables.data_json
    assert charts["chart-municipalities"]["labels"] == [row[0] for row in tables.tables["municipalities"]["body"]]
    assert charts["chart-municipalities"]["datasets"][0]["data"] == [
        int(row[1]) for row in tables.tables["municipalities"]["body"]
    ]
    assert charts["chart-totals"]["datasets"][0]["data"] == [5, 1, 2, 2]
    assert charts["chart-tracks"]["datasets"][0]["colours"] == ["#8a1c5b", "#1d6b35"]
    assert len(charts["chart-sessions"]["labels"]) == 4  # the plenary session has no chart bar
    assert charts["chart-days"]["datasets"][2]["data"] == [2, 3, 5, 6]
    # The chart data is inert JSON; the scripts come from this site only (CSP script-src 'self').
    assert '<script type="application/json" id="dashboard-data">' in page
    assert "/static/vendor/chartjs/chart.umd.min.js" in page and "/static/js/dashboard.js" in page


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_page_speaks_english_when_asked(app):
    event_id = seed(app)
    client = staff_client(app, "organiser")
    client.get("/language/en")
    tables = Tables(client.get(f"/staff/events/{event_id}/dashboard").get_data(as_text=True))
    assert rows_by_label(tables.tables["sectors"])["Sport"] == ["2", "0", "2"]
    assert "Other, or outside Stockholm County" in rows_by_label(tables.tables["municipalities"])


def test_an_event_without_registrations_or_programme_shows_zeros(app):
    create_event(app)
    with app.app_context():
        event_id = db.session.scalar(db.select(Event.id))
    page = dashboard_page(app, event_id)
    tables = Tables(page)
    assert rows_by_label(tables.tables["totals"]) == {
        "Bekräftad": ["0"],
        "Reservlista": ["0"],
        "Avbokad": ["0"],
        "Incheckad": ["0"],
    }
    municipalities = rows_by_label(tables.tables["municipalities"])
    assert len(municipalities) == 27 and set(map(tuple, municipalities.values())) == {("0", "0", "0")}
    assert "tracks" not in tables.tables and "sessions" not in tables.tables and "days" not in tables.tables
    assert "Inga anmälningar ännu." in page


def test_an_unknown_event_is_not_found(app):
    client = staff_client(app, "organiser")
    assert client.get("/staff/events/9999/dashboard").status_code == 404


def test_the_dashboard_costs_the_same_queries_for_5_and_50_registrations(app):
    create_event(app)
    import_small_programme(app)
    client = app.test_client()
    staff = staff_client(app, "organiser")
    sectors = ("adult_education", "sport", "civil_society", "academia")
    municipalities = ("0180", "0127", "0186", "other")
    titles = (("Kultur i hela länet",), ("Idrott för alla", "Folkbildning och kultur"), ())
    with app.app_context():
        event_id = db.session.scalar(db.select(Event.id))

    def register_up_to(count, start):
        for number in range(start, count):
            register(
                app,
                client,
                f"person{number}@example.se",
                sectors[number % 4],
                municipalities[number % 4],
                titles[number % 3],
            )

    def queries():
        statements, this_thread = [], threading.get_ident()

        def record(conn, cursor, statement, parameters, context, executemany):
            # The request runs in this thread; the mail delivery thread's queries do not count.
            if threading.get_ident() == this_thread:
                statements.append(statement)

        with app.app_context():
            engine = db.engine
        sqlalchemy_event.listen(engine, "before_cursor_execute", record)
        try:
            assert staff.get(f"/staff/events/{event_id}/dashboard").status_code == 200
        finally:
            sqlalchemy_event.remove(engine, "before_cursor_execute", record)
        return statements

    register_up_to(5, 0)
    few = queries()
    register_up_to(50, 5)
    many = queries()
    assert len(many) == len(few) <= 12, "\n".join(many)
    with app.app_context():
        assert stats.totals(event_id).active == 50


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_only_organisers_and_administrators_see_the_dashboard(app):
    create_event(app)
    with app.app_context():
        event_id = db.session.scalar(db.select(Event.id))
    url = f"/staff/events/{event_id}/dashboard"
    anonymous = app.test_client().get(url)
    assert anonymous.status_code == 302 and "/staff/login" in anonymous.headers["Location"]
    assert staff_client(app, "sector_representative").get(url).status_code == 403
    assert staff_client(app, "admin").get(url).status_code == 200
