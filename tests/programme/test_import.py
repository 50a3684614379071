"""`flask programme import`: a good file imports; a bad one is reported row by row and imports nothing."""

from conference.extensions import db
from conference.programme.models import Room, Session, Slot, Speaker, Track
from tests.support.factories import create_event

GOOD_CSV = (
    "\ufeffslot;start;end;room;room_capacity;title;format;tracks;capacity;language;sign_language;speakers;moderator\n"
    "Öppning;09:00;09:30;Kongresshallen;400;Välkommen;keynote;Kultur;;sv;ja;Karin Ahlström (Region Stockholm);\n"
    'Pass 1;10:45;11:45;Sal A;80;Kultur i länet;seminar;Kultur;;sv;nej;"Maria Eklund (Region Stockholm); Jonas Berg";Lena Holm (Region Stockholm)\n'
    "Pass 1;10:45;11:45;Sal B;60;Idrott för alla;panel;Idrott;40;en;;;\n"
)

BAD_CSV = (
    "slot,start,end,room,title,format,capacity,sign_language,material_url\n"
    "Pass 1,10:45,11:45,Sal A,Kultur i länet,seminar,,,\n"
    "Pass 1,10:45,11:45,Sal B,,seminar,,,\n"
    "Pass 2,25:00,14:00,Sal A,Sent pass,seminar,,,\n"
    "Pass 3,15:00,14:00,Sal A,Baklänges,seminar,,,\n"
    "Pass 1,10:45,11:45,Sal C,Fel form,talk,många,kanske,ftp://x\n"
)


def counts(app):
    with app.app_context():
        return {
            model.__name__: db.session.scalar(db.select(db.func.count()).select_from(model))
            for model in (Track, Room, Slot, Session, Speaker)
        }


def run_import(app, tmp_path, name, content, event="tinget"):
    path = tmp_path / name
    path.write_bytes(content.encode())
    return app.test_cli_runner().invoke(args=["programme", "import", str(path), "--event", event])


def test_a_csv_programme_imports_and_importing_it_again_changes_nothing(app, tmp_path):
    create_event(app)
    result = run_import(app, tmp_path, "program.csv", GOOD_CSV)
    assert result.exit_code == 0, result.output
    assert "Imported 3 sessions in 2 slots, 3 rooms and 2 knowledge areas" in result.output
    expected = {"Track": 2, "Room": 3, "Slot": 2, "Session": 3, "Speaker": 4}
    assert counts(app) == expected
    with app.app_context():
        session = db.session.scalars(db.select(Session).where(Session.title == "Kultur i länet")).one()
        assert [(s.name, s.organisation, s.role) for s in session.speakers] == [
            ("Maria Eklund", "Region Stockholm", "speaker"),
            ("Jonas Berg", "", "speaker"),
            ("Lena Holm", "Region Stockholm", "moderator"),
        ]
        assert session.effective_capacity == 80
        panel = db.session.scalars(db.select(Session).where(Session.title == "Idrott för alla")).one()
        assert (panel.format, panel.capacity, panel.language) == ("panel", 40, "en")
        opening = db.session.scalars(db.select(Session).where(Session.title == "Välkommen")).one()
        assert opening.sign_language is True

    assert run_import(app, tmp_path, "program.csv", GOOD_CSV).exit_code == 0
    assert counts(app) == expected


def test_a_bad_csv_is_reported_row_by_row_and_nothing_is_imported(app, tmp_path):
    create_event(app)
    result = run_import(app, tmp_path, "program.csv", BAD_CSV)
    assert result.exit_code != 0
    output = result.output
    assert "row 3: 'title' is empty" in output
    assert "row 4: start '25:00' is not a time" in output
    assert "row 5: slot 'Pass 3' ends before it starts" in output
    assert "row 6: format 'talk' is not one of" in output
    assert "row 6: capacity 'många' is not a whole number" in output
    assert "row 6: sign_language 'kanske' is not yes or no" in output
    assert "row 6: material_url 'ftp://x' is not a web address" in output
    assert "row 2" not in output
    assert "nothing was imported: 7 problem(s)" in output
    assert set(counts(app).values()) == {0}


def test_a_yaml_file_with_unknown_references_imports_nothing(app, tmp_path):
    create_event(app)
    text = (
        "rooms: [{name: Sal A}]\n"
        "slots: [{label: Pass 1, start: '10:00', end: '11:00'}]\n"
        "sessions:\n"
        "  - {title: Ett, slot: Pass 9, room: Sal A}\n"
        "  - {title: Två, slot: Pass 1, room: Sal Z, tracks: [Okänt]}\n"
    )
    result = run_import(app, tmp_path, "program.yaml", text)
    assert result.exit_code != 0
    assert "sessions[1]: slot 'Pass 9' is not among the slots" in result.output
    assert "sessions[2]: room 'Sal Z' is not among the rooms" in result.output
    assert "sessions[2]: knowledge area 'Okänt' is not among the tracks" in result.output
    assert set(counts(app).values()) == {0}


def test_unreadable_files_and_unknown_events_are_refused(app, tmp_path):
    create_event(app)
    assert "not valid YAML" in run_import(app, tmp_path, "program.yaml", "sessions: [unclosed").output
    assert "use a .csv or a .yaml file" in run_import(app, tmp_path, "program.txt", GOOD_CSV).output
    assert "lacks the column(s): end, start" in run_import(app, tmp_path, "p.csv", "slot,title\nPass,X\n").output
    assert "no event with the slug 'nope'" in run_import(app, tmp_path, "p.csv", GOOD_CSV, event="nope").output
    assert set(counts(app).values()) == {0}
