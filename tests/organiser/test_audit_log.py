"""Organisers page through the whole audit log, newest first, and filter it by action, staff
member, event, Stockholm days and subject; bad filter input is explained beside its field."""

import html
import re
from datetime import datetime, timedelta

import pytest

from conference.audit.models import AuditEntry
from conference.database import transaction
from conference.events.models import Event
from conference.extensions import db
from tests.support.factories import create_event
from tests.support.staff import staff_client

# Entries made here carry their number in their details, shown as "n: 17".
NUMBER = re.compile(r"<td>n: (\d+)</td>")
# Later than the entries of the test's own sign-in (made now), which come after them.
START = datetime(2030, 3, 10, 12, 0)


def add_entries(app, entries):
    """Store audit entries as given (each a dict of AuditEntry fields); their ids in order."""
    with app.app_context(), transaction() as session:
        rows = [AuditEntry(**({"action": "test.entry"} | entry)) for entry in entries]
        session.add_all(rows)
        session.flush()
        return [row.id for row in rows]


def numbered(count, **fields):
    """`count` entries numbered 0… with the newest the highest number, a minute apart."""
    return [dict(at=START + timedelta(minutes=n), details={"n": n}, **fields) for n in range(count)]


def shown(page):
    return [int(n) for n in NUMBER.findall(page)]


def link(page, rel):
    found = re.search(rf'<a href="([^"]+)" rel="{rel}">', page)
    return html.unescape(found.group(1)) if found else None


def event_ids(app):
    with app.app_context():
        return dict(db.session.execute(db.select(Event.slug, Event.id)).all())


def test_120_entries_page_newest_first_without_gaps_or_duplicates_and_back(app):
    add_entries(app, numbered(120))
    organiser = staff_client(app, "organiser")

    first = organiser.get("/staff/audit").get_data(as_text=True)
    assert shown(first) == list(range(119, 19, -1))
    assert link(first, "prev") is None and "account.login" not in first
    second = organiser.get(link(first, "next")).get_data(as_text=True)
    assert shown(second) == list(range(19, -1, -1))
    assert "account.login" in second and link(second, "next") is None
    back = organiser.get(link(second, "prev")).get_data(as_text=True)
    assert shown(back) == shown(first)


def test_paging_back_from_the_third_page_gives_the_second_as_it_was(app):
    add_entries(app, numbered(250))
    organiser = staff_client(app, "organiser")
    pages = [organiser.get("/staff/audit?action=test.").get_data(as_text=True)]
    while link(pages[-1], "next"):
        pages.append(organiser.get(link(pages[-1], "next")).get_data(as_text=True))
    assert [len(shown(page)) for page in pages] == [100, 100, 50]
    back = organiser.get(link(pages[2], "prev")).get_data(as_text=True)
    assert shown(back) == shown(pages[1]) == list(range(149, 49, -1))
    assert "action=test." in link(back, "prev") and "action=test." in link(back, "next")
    assert shown(organiser.get(link(back, "next")).get_data(as_text=True)) == list(range(49, -1, -1))
    assert shown(organiser.get(link(back, "prev")).get_data(as_text=True)) == list(range(249, 149, -1))


def test_order_is_by_time_then_id_even_where_times_tie_across_a_page_boundary(app):
    # 130 entries: those stored last are the oldest, and 20 around the boundary share one time.
    entries = numbered(130)
    for entry in entries[20:40]:
        entry["at"] = START + timedelta(minutes=30)
    ids = add_entries(app, entries[100:] + entries[:100])
    organiser = staff_client(app, "organiser")

    seen, url = [], "/staff/audit?action=test."
    while url:
        page = organiser.get(url).get_data(as_text=True)
        seen.append(shown(page))
        url = link(page, "next")
    assert [len(page) for page in seen] == [100, 30]
    everything = [n for page in seen for n in page]
    assert sorted(everything) == list(range(130))  # no duplicates, no gaps
    id_of = dict(zip([*range(100, 130), *range(100)], ids, strict=True))
    key = [(entries[n]["at"], id_of[n]) for n in everything]
    assert key == sorted(key, reverse=True)


def test_each_filter_and_their_combination_kept_across_pages(app):
    create_event(app, slug="tinget")
    create_event(app, slug="dialog")
    events = event_ids(app)
    add_entries(
        app,
        [
            *numbered(110, action="registration.viewed", user_email="anna@example.se", event_id=events["tinget"]),
            dict(
                action="registration.viewed", user_email="bo@example.se", event_id=events["tinget"], details={"n": 900}
            ),
            dict(
                action="registration.viewed",
                user_email="anna@example.se",
                event_id=events["dialog"],
                details={"n": 901},
            ),
            dict(action="mailing.send", user_email="anna@example.se", event_id=events["tinget"], details={"n": 902}),
            dict(action="registration.changed", subject_type="registration", subject_id=7, details={"n": 903}),
            dict(action="registration.viewed", subject_type="registration", subject_id=7, details={"n": 904}),
            dict(action="account.changed", subject_type="user", subject_id=7, details={"n": 905}),
            dict(action="registration.viewed", subject_type="registration", subject_id=77, details={"n": 906}),
        ],
    )
    organiser = staff_client(app, "organiser")

    def numbers(**args):
        return set(shown(organiser.get("/staff/audit", query_string=args).get_data(as_text=True)))

    assert numbers(action="mailing.") == {902}
    assert numbers(who="BO@example") == {900}
    assert numbers(event=events["dialog"]) == {901}
    assert numbers(subject="registration", subject_id="7") == {903, 904}
    assert numbers(subject="user") == {905}
    assert numbers(subject_id="7") == {903, 904, 905}
    assert numbers(action="registration.view", subject_id="7") == {904}

    combined = {"action": "registration.", "who": "anna", "event": events["tinget"]}
    first = organiser.get("/staff/audit", query_string=combined).get_data(as_text=True)
    assert "110 poster" in first
    second = organiser.get(link(first, "next")).get_data(as_text=True)
    assert f"event={events['tinget']}" in link(first, "next") and "who=anna" in link(first, "next")
    assert shown(first) + shown(second) == list(range(109, -1, -1))
    assert link(second, "next") is None
    # The form shows the filters in force.
    assert 'value="anna"' in second and f'<option value="{events["tinget"]}" selected>' in second


def test_an_entrys_subject_links_to_the_entries_about_it(app):
    add_entries(
        app,
        [
            dict(action="registration.viewed", subject_type="registration", subject_id=5, details={"n": 1}),
            dict(action="registration.changed", subject_type="registration", subject_id=5, details={"n": 2}),
            dict(action="registration.viewed", subject_type="registration", subject_id=6, details={"n": 3}),
        ],
    )
    organiser = staff_client(app, "organiser")
    page = organiser.get("/staff/audit").get_data(as_text=True)
    href = html.unescape(re.search(r'<a href="([^"]+)">Anmälan #5</a>', page).group(1))
    assert sorted(shown(organiser.get(href).get_data(as_text=True))) == [1, 2]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        # Winter (UTC+1): a Stockholm day runs from 23:00 UTC the day before.
        ({"from": "2026-01-15", "to": "2026-01-15"}, {2, 3}),
        ({"from": "2026-01-15"}, {2, 3, 4, 5, 6}),
        ({"to": "2026-01-15"}, {1, 2, 3}),
        ({"from": "2026-01-16", "to": "2026-07-01"}, {4, 5}),
        # Summer (UTC+2): from 22:00 UTC the day before.
        ({"from": "2026-07-02"}, {6}),
        ({"to": "2026-07-01"}, {1, 2, 3, 4, 5}),
    ],
)
def test_the_date_range_takes_whole_stockholm_days_at_both_ends(app, args, expected):
    add_entries(
        app,
        [
            dict(at=datetime(2026, 1, 14, 22, 59, 59), details={"n": 1}),  # 14 Jan 23:59:59 in Stockholm
            dict(at=datetime(2026, 1, 14, 23, 0, 0), details={"n": 2}),  # 15 Jan 00:00
            dict(at=datetime(2026, 1, 15, 22, 59, 59), details={"n": 3}),  # 15 Jan 23:59:59
            dict(at=datetime(2026, 1, 15, 23, 0, 0), details={"n": 4}),  # 16 Jan 00:00
            dict(at=datetime(2026, 7, 1, 21, 59, 59), details={"n": 5}),  # 1 Jul 23:59:59
            dict(at=datetime(2026, 7, 1, 22, 0, 0), details={"n": 6}),  # 2 Jul 00:00
        ],
    )
    organiser = staff_client(app, "organiser")
    page = organiser.get("/staff/audit", query_string=args).get_data(as_text=True)
    assert set(shown(page)) == expected
    assert 'class="error"' not in page


@pytest.mark.parametrize(
    ("args", "field", "message"),
    [
        ({"from": "2026-13-01"}, "from", "Ange datumet som år-månad-dag, till exempel 2027-03-04."),
        ({"to": "15/01/2026"}, "to", "Ange datumet som år-månad-dag, till exempel 2027-03-04."),
        ({"from": "2026-W03-4"}, "from", "Ange datumet som år-månad-dag, till exempel 2027-03-04."),
        ({"to": "1899-12-31"}, "to", "Ange ett datum mellan år 2000 och 2100."),
        ({"from": "2026-03-02", "to": "2026-03-01"}, "to", "Slutdatumet ligger före startdatumet."),
        ({"subject_id": "12a"}, "subject_id", "Ange ett heltal, till exempel 42."),
        ({"subject_id": "٣"}, "subject_id", "Ange ett heltal, till exempel 42."),
        ({"subject_id": "99999999999"}, "subject_id", "Ange ett heltal, till exempel 42."),
        ({"subject": "<script>"}, "subject", "Välj en typ i listan."),
        ({"event": "första"}, "event", "Välj ett evenemang i listan."),
        ({"action": "a" * 61}, "action", "Högst 60 tecken."),
        ({"who": "x" * 255 + "@example.se"}, "who", "Högst 254 tecken."),
    ],
)
def test_bad_filter_input_is_explained_beside_its_field_and_the_newest_entries_shown_unfiltered(
    app, args, field, message
):
    add_entries(app, numbered(105, action="other.entry", subject_type="registration", subject_id=3))
    organiser = staff_client(app, "organiser")
    # Filters that alone would leave none of those entries, and a page further on.
    response = organiser.get("/staff/audit", query_string={"action": "none.", "before": "50"} | args)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    error = f'<p class="error" id="filter-{field}-error">{html.escape(message, quote=False)}</p>'
    assert error in page
    assert f'aria-describedby="filter-{field}-error"' in page and 'aria-invalid="true"' in page
    assert "Tills de markerade filtren är rättade visas de senaste posterna utan filter." in page
    assert page.count('class="error"') == 1
    assert shown(page) == list(range(104, 4, -1))


def test_bad_filter_input_is_explained_in_english_too(app):
    organiser = staff_client(app, "organiser")
    organiser.get("/language/en")
    page = organiser.get("/staff/audit", query_string={"from": "2026-03-02", "to": "2026-03-01"}).get_data(as_text=True)
    assert "The end date is before the start date." in page
    assert "account.login" in page


def test_an_id_to_page_from_that_is_no_entry_gives_the_newest_page(app):
    add_entries(app, numbered(3))
    organiser = staff_client(app, "organiser")
    for args in ({"before": "999999"}, {"after": "999999"}, {"before": "x"}, {"after": "-1"}):
        page = organiser.get("/staff/audit", query_string=args | {"action": "test."}).get_data(as_text=True)
        assert shown(page) == [2, 1, 0]
        assert link(page, "next") is None and link(page, "prev") is None
