"""The demo: an all-levels forum modelled on Stockholmstinget, some weeks ahead."""

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from conference.database import transaction, utcnow
from conference.events.calendar import STOCKHOLM
from conference.events.models import Event, EventStatus, Forum, Level
from conference.extensions import db
from conference.forums.demo import load_forums
from conference.programme.importer import import_programme
from conference.reference.seed import seed_reference_data

DEMO_SLUG = "stockholmstinget"

PROGRAMME_FILE = Path(__file__).with_name("demo_programme.yaml")

DESCRIPTION = """\
Stockholmstinget är mötesplatsen där alla nivåer möts: politiker och tjänstepersoner från \
regionen och länets 26 kommuner, civilsamhällets organisationer, folkbildningen, det fria \
kulturlivet, myndigheter och akademin.

Dagen inleds med ett gemensamt öppningspass och en huvudtalare. Därefter följer tre \
seminariepass med fem parallella seminarier inom de fyra kunskapsområdena kultur, idrott, \
folkbildning och föreningsliv.

Konferensen är kostnadsfri. Lunch och kaffe ingår."""

PRIVACY_NOTICE = """\
Region Stockholm behandlar dina uppgifter för att genomföra Stockholmstinget: anmälan, \
programval, namnbricka och incheckning. Med ditt samtycke delas namn, organisation och \
e-postadress med företrädarna för din sektor, och du får uppföljande utskick.

Uppgifterna sparas i tolv månader efter konferensen och raderas sedan. Du kan när som \
helst se, ändra eller ta bort dina uppgifter via din personliga länk."""


def load_demo(today=None):
    """Create the demo event and the model of dialogue forums around it once; a second call
    changes nothing. Returns (event, created)."""
    seed_reference_data()
    event, created = _stockholmstinget(today)
    load_forums(upcoming_stockholmstinget=event, today=today)
    return event, created


def _stockholmstinget(today):
    existing = db.session.scalars(db.select(Event).where(Event.slug == DEMO_SLUG)).one_or_none()
    if existing is not None:
        return existing, False
    day = _a_thursday_eight_weeks_after(today or utcnow().date())
    with transaction() as session:
        forum = Forum(
            name="Stockholmstinget",
            level=Level.ALL_LEVELS,
            purpose="Årlig mötesplats för dialog mellan alla nivåer inom kultur, idrott, folkbildning och föreningsliv.",
        )
        event = Event(
            forum=forum,
            slug=DEMO_SLUG,
            title=f"Stockholmstinget {day.year}",
            description=DESCRIPTION,
            venue="Folkets hus, Stockholm City Conference Centre",
            address="Barnhusgatan 12–14, 111 23 Stockholm",
            contact_email="stockholmstinget@example.se",
            privacy_notice=PRIVACY_NOTICE,
            starts_at=_utc(day, time(9, 0)),
            ends_at=_utc(day, time(16, 30)),
            status=EventStatus.PUBLISHED,
            capacity=400,
            waitlist_enabled=True,
            registration_opens_at=utcnow() - timedelta(days=1),
            registration_closes_at=_utc(day - timedelta(days=7), time(23, 59)),
        )
        session.add(event)
    import_programme(DEMO_SLUG, PROGRAMME_FILE.name, PROGRAMME_FILE.read_bytes())
    return event, True


def _a_thursday_eight_weeks_after(today):
    day = today + timedelta(weeks=8)
    return day + timedelta(days=(3 - day.weekday()) % 7)


def _utc(day, local):
    return datetime.combine(day, local, tzinfo=STOCKHOLM).astimezone(UTC).replace(tzinfo=None)
