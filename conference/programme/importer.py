"""Import a programme from CSV (one row per session) or YAML. Every row is checked first;
one bad row means nothing is imported. Importing the same file again updates in place."""

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, time

import yaml

from conference.database import lock, transaction
from conference.events.calendar import STOCKHOLM, local_time
from conference.events.models import Event
from conference.extensions import db
from conference.programme.choices import programme_changed, promote_session_waiting
from conference.programme.models import Room, Session, SessionFormat, Slot, Track
from conference.registration.notifications import queue_session_promotion

TRACK_PALETTE = ["#8a1c5b", "#1d6b35", "#0b5394", "#8a4b08", "#5b2a86", "#00695c", "#9e2a2b", "#37474f"]
TRUE_WORDS = {"1", "true", "yes", "ja", "x"}
FALSE_WORDS = {"", "0", "false", "no", "nej"}
LIMITS = {"title": 200, "slot": 100, "room": 100, "track": 100, "name": 200, "organisation": 200, "url": 500}


class ImportFailed(Exception):
    def __init__(self, errors):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class SessionRow:
    where: str
    title: str
    slot: str
    room: str | None
    format: SessionFormat
    tracks: list[str]
    capacity: int | None
    language: str
    interpretation: bool
    sign_language: bool
    hearing_loop: bool
    description: str
    speakers: list[tuple[str, str]]
    moderators: list[tuple[str, str]]
    material_url: str
    recording_url: str


@dataclass
class ProgrammeFile:
    tracks: dict[str, str] = field(default_factory=dict)  # name → colour
    rooms: dict[str, tuple[int | None, str]] = field(default_factory=dict)  # name → (capacity, accessibility)
    slots: dict[str, tuple[datetime, datetime]] = field(default_factory=dict)  # label → (start, end), naive UTC
    sessions: list[SessionRow] = field(default_factory=list)


def import_programme(event_slug, filename, content):
    """Check and import; returns a summary (counts). Raises ImportFailed with every problem."""
    event = db.session.scalars(db.select(Event).where(Event.slug == event_slug)).one_or_none()
    if event is None:
        raise ImportFailed([f"no event with the slug '{event_slug}'"])
    day = local_time(event.starts_at).date()
    if filename.lower().endswith((".yaml", ".yml")):
        programme = _read_yaml(content, day)
    elif filename.lower().endswith(".csv"):
        programme = _read_csv(content, day)
    else:
        raise ImportFailed([f"{filename}: use a .csv or a .yaml file"])
    clashes = [
        f"slot '{label}' starts at the same time as the slot '{slot.label}' already in the programme"
        for label, (start, _end) in programme.slots.items()
        for slot in event.slots
        if slot.starts_at == start and slot.label != label
    ]
    if clashes:
        raise ImportFailed(clashes)
    with transaction():
        event = lock(Event, event.id)
        _save(event, programme)
    return {
        "tracks": len(programme.tracks),
        "rooms": len(programme.rooms),
        "slots": len(programme.slots),
        "sessions": len(programme.sessions),
    }


def _read_csv(content, day):
    try:
        text = content.decode("utf-8-sig") if isinstance(content, bytes) else content
    except UnicodeDecodeError as error:
        raise ImportFailed(["the file is not UTF-8: in Excel, save it as 'CSV UTF-8'"]) from error
    try:
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    missing = {"slot", "start", "end", "title"} - set(reader.fieldnames or [])
    if missing:
        raise ImportFailed([f"the header row lacks the column(s): {', '.join(sorted(missing))}"])
    programme, errors = ProgrammeFile(), []
    for number, row in enumerate(reader, start=2):
        row = {key: (value or "").strip() for key, value in row.items() if key}
        check = _Checker(f"row {number}", errors)
        label = check.text(row, "slot", LIMITS["slot"], required=True)
        start, end = check.time(row.get("start"), "start", day), check.time(row.get("end"), "end", day)
        if label and start and end:
            check.slot(programme, label, start, end)
        room = check.text(row, "room", LIMITS["room"])
        if room:
            capacity = check.number(row.get("room_capacity"), "room_capacity")
            programme.rooms[room] = (capacity, row.get("room_accessibility", ""))
        tracks = [name.strip() for name in row.get("tracks", "").split(";") if name.strip()]
        for name in tracks:
            check.length(name, "tracks", LIMITS["track"])
            programme.tracks.setdefault(name, TRACK_PALETTE[len(programme.tracks) % len(TRACK_PALETTE)])
        check.session(
            programme,
            row,
            label=label,
            room=room,
            tracks=tracks,
            speakers=parse_people(row.get("speakers", "")),
            moderators=parse_people(row.get("moderator", "")),
        )
    if errors:
        raise ImportFailed(errors)
    return programme


def _read_yaml(content, day):
    try:
        data = yaml.safe_load(content)
    except yaml.YAMLError as error:
        raise ImportFailed([f"not valid YAML: {error}"]) from error
    if not isinstance(data, dict):
        raise ImportFailed(["the file must be a mapping with tracks, rooms, slots and sessions"])
    programme, errors = ProgrammeFile(), []
    for number, item in enumerate(_items(data, "tracks", errors), start=1):
        check = _Checker(f"tracks[{number}]", errors)
        name = check.text(item, "name", LIMITS["track"], required=True)
        colour = str(item.get("colour", TRACK_PALETTE[(number - 1) % len(TRACK_PALETTE)]))
        if not re.fullmatch(r"#[0-9a-fA-F]{6}", colour):
            check.fail(f"colour '{colour}' is not a colour like #8a1c5b")
        if name:
            programme.tracks[name] = colour
    for number, item in enumerate(_items(data, "rooms", errors), start=1):
        check = _Checker(f"rooms[{number}]", errors)
        name = check.text(item, "name", LIMITS["room"], required=True)
        if name:
            capacity = check.number(item.get("capacity"), "capacity")
            programme.rooms[name] = (capacity, str(item.get("accessibility") or ""))
    for number, item in enumerate(_items(data, "slots", errors), start=1):
        check = _Checker(f"slots[{number}]", errors)
        label = check.text(item, "label", LIMITS["slot"], required=True)
        start, end = check.time(item.get("start"), "start", day), check.time(item.get("end"), "end", day)
        if label and start and end:
            check.slot(programme, label, start, end)
    for number, item in enumerate(_items(data, "sessions", errors), start=1):
        check = _Checker(f"sessions[{number}]", errors)
        label = check.text(item, "slot", LIMITS["slot"], required=True)
        if label and label not in programme.slots:
            check.fail(f"slot '{label}' is not among the slots")
        room = check.text(item, "room", LIMITS["room"])
        if room and room not in programme.rooms:
            check.fail(f"room '{room}' is not among the rooms")
        tracks = item.get("tracks") or []
        if not isinstance(tracks, list):
            check.fail("tracks must be a list of knowledge areas")
            tracks = []
        tracks = [str(name) for name in tracks]
        for name in tracks:
            if name not in programme.tracks:
                check.fail(f"knowledge area '{name}' is not among the tracks")
        moderator = item.get("moderator")
        check.session(
            programme,
            item,
            label=label,
            room=room,
            tracks=tracks,
            speakers=_yaml_people(item.get("speakers") or [], check),
            moderators=_yaml_people([moderator] if moderator else [], check),
        )
    if errors:
        raise ImportFailed(errors)
    return programme


class _Checker:
    """Collects the problems of one row or item, each prefixed with where it is."""

    def __init__(self, where, errors):
        self.where, self.errors = where, errors

    def fail(self, message):
        self.errors.append(f"{self.where}: {message}")

    def text(self, item, name, limit, required=False):
        value = str(item.get(name) or "").strip()
        if required and not value:
            self.fail(f"'{name}' is empty")
        self.length(value, name, limit)
        return value or None

    def length(self, value, name, limit):
        if len(value) > limit:
            self.fail(f"'{name}' is longer than {limit} characters")

    def number(self, value, name):
        if value is None or str(value).strip() == "":
            return None
        if not re.fullmatch(r"\d{1,6}", str(value).strip()):
            self.fail(f"{name} '{value}' is not a whole number of places")
            return None
        return int(value)

    def flag(self, value, name):
        word = str(value if value is not None else "").strip().lower()
        if word in TRUE_WORDS:
            return True
        if word not in FALSE_WORDS:
            self.fail(f"{name} '{value}' is not yes or no")
        return False

    def url(self, value, name):
        value = str(value or "").strip()
        if value and not re.fullmatch(r"https?://\S+", value):
            self.fail(f"{name} '{value}' is not a web address (https://…)")
        self.length(value, name, LIMITS["url"])
        return value

    def time(self, value, name, day):
        """'HH:MM' on the event's day, or 'YYYY-MM-DD HH:MM', Stockholm time → naive UTC."""
        if isinstance(value, datetime):
            local = value
        elif isinstance(value, int):
            # YAML 1.1 reads an unquoted 10:45 as the base-60 number 645.
            local = datetime.combine(day, time(value // 60 % 24, value % 60))
        else:
            text = str(value or "").strip()
            try:
                if re.fullmatch(r"\d{1,2}[:.]\d{2}", text):
                    local = datetime.combine(day, time.fromisoformat(text.replace(".", ":").zfill(5)))
                else:
                    local = datetime.fromisoformat(text)
            except ValueError:
                self.fail(f"{name} '{text}' is not a time (HH:MM or YYYY-MM-DD HH:MM)")
                return None
        if not 2000 <= local.year <= 2100:
            self.fail(f"{name} '{value}' is not a date this side of the year 2100")
            return None
        return local.replace(tzinfo=STOCKHOLM).astimezone(UTC).replace(tzinfo=None)

    def slot(self, programme, label, start, end):
        if end <= start:
            self.fail(f"slot '{label}' ends before it starts")
        known = programme.slots.setdefault(label, (start, end))
        if known != (start, end):
            self.fail(f"slot '{label}' has other times than in an earlier row")
        elif any(times[0] == start and other != label for other, times in programme.slots.items()):
            self.fail(f"slot '{label}' starts at the same time as another slot")

    def session(self, programme, item, *, label, room, tracks, speakers, moderators):
        title = self.text(item, "title", LIMITS["title"], required=True)
        fmt = str(item.get("format") or "seminar").strip().lower()
        if fmt not in set(SessionFormat):
            self.fail(f"format '{fmt}' is not one of {', '.join(SessionFormat)}")
            fmt = SessionFormat.OTHER
        language = str(item.get("language") or "sv").strip().lower()
        if not re.fullmatch(r"[a-z]{2}", language):
            self.fail(f"language '{language}' is not a two-letter code such as sv or en")
        for name, organisation in speakers + moderators:
            self.length(name, "speaker name", LIMITS["name"])
            self.length(organisation, "speaker organisation", LIMITS["organisation"])
        if title and label and any(s.title == title and s.slot == label for s in programme.sessions):
            self.fail(f"the session '{title}' is in slot '{label}' twice")
        programme.sessions.append(
            SessionRow(
                where=self.where,
                title=title or "",
                slot=label or "",
                room=room,
                format=SessionFormat(fmt),
                tracks=tracks,
                capacity=self.number(item.get("capacity"), "capacity"),
                language=language,
                interpretation=self.flag(item.get("interpretation"), "interpretation"),
                sign_language=self.flag(item.get("sign_language"), "sign_language"),
                hearing_loop=self.flag(item.get("hearing_loop"), "hearing_loop"),
                description=str(item.get("description") or "").strip(),
                speakers=speakers,
                moderators=moderators,
                material_url=self.url(item.get("material_url"), "material_url"),
                recording_url=self.url(item.get("recording_url"), "recording_url"),
            )
        )


def _items(data, key, errors):
    items = data.get(key) or []
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        errors.append(f"{key}: must be a list of mappings")
        return []
    return items


def parse_people(text):
    """'Name (Organisation); Name' → [(name, organisation), …]"""
    people = []
    for part in text.split(";"):
        match = re.fullmatch(r"\s*(.*?)\s*(?:\((.*)\))?\s*", part)
        if match and match.group(1):
            people.append((match.group(1), (match.group(2) or "").strip()))
    return people


def _yaml_people(items, check):
    if not isinstance(items, list):
        check.fail("speakers must be a list of people with name and organisation")
        return []
    people = []
    for item in items:
        if not isinstance(item, dict) or not str(item.get("name") or "").strip():
            check.fail("every speaker and moderator needs a name")
            continue
        people.append((str(item["name"]).strip(), str(item.get("organisation") or "").strip()))
    return people


def _save(event, programme):
    tracks = {track.name: track for track in event.tracks}
    # Past the last place, not the count: a removed knowledge area leaves a gap.
    after = max((track.sort_order for track in event.tracks), default=-1) + 1
    for position, (name, colour) in enumerate(programme.tracks.items(), start=after):
        if name not in tracks:
            tracks[name] = Track(name=name, colour=colour, sort_order=position)
            event.tracks.append(tracks[name])
    rooms = {room.name: room for room in event.rooms}
    for name, (capacity, accessibility) in programme.rooms.items():
        if name not in rooms:
            rooms[name] = Room(name=name)
            event.rooms.append(rooms[name])
        rooms[name].capacity, rooms[name].accessibility_notes = capacity, accessibility
    slots = {slot.label: slot for slot in event.slots}
    for label, (start, end) in programme.slots.items():
        if label not in slots:
            slots[label] = Slot(label=label)
            event.slots.append(slots[label])
        slots[label].starts_at, slots[label].ends_at = start, end
    db.session.flush()
    existing = {
        (s.slot.label, s.title): s for s in db.session.scalars(db.select(Session).where(Session.event_id == event.id))
    }
    for row in programme.sessions:
        session = existing.get((row.slot, row.title)) or Session(event=event, title=row.title)
        session.slot = slots[row.slot]
        session.room = rooms[row.room] if row.room else None
        session.format = row.format
        session.capacity = row.capacity
        session.language = row.language
        session.interpretation, session.sign_language, session.hearing_loop = (
            row.interpretation,
            row.sign_language,
            row.hearing_loop,
        )
        session.description = row.description
        session.material_url, session.recording_url = row.material_url, row.recording_url
        session.tracks = [tracks[name] for name in row.tracks]
        session.set_speakers(row.speakers, row.moderators)
        db.session.add(session)
    db.session.flush()
    # A place given is never taken back: fewer places than attendees hold refuse the import.
    overbooked = [
        f"session '{session.title}' would have room for {session.effective_capacity},"
        f" but {session.confirmed_count} attendees already have a place"
        for session in existing.values()
        if session.effective_capacity is not None and session.confirmed_count > session.effective_capacity
    ]
    if overbooked:
        raise ImportFailed(overbooked)
    for session in existing.values():
        promote_session_waiting(session, on_promotion=queue_session_promotion)  # capacities may have grown
    programme_changed(event.id)
