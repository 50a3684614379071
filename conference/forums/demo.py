"""The demo's model of dialogue forums: the forums of the reference table, each with a past
and an upcoming edition and plausible registrations. Some municipalities never take part,
so that the coverage view has gaps to show. Loading twice adds nothing."""

import random
from datetime import UTC, datetime, time, timedelta

from conference.database import transaction, utcnow
from conference.events.calendar import STOCKHOLM
from conference.events.models import Event, EventStatus, Forum, ForumOrigin, Level
from conference.extensions import db
from conference.reference.models import Municipality, Sector
from conference.registration.models import Registration, RegistrationStatus

# Never reached in the demo: the gaps the coverage view shows.
LEFT_OUT = {"Värmdö", "Nykvarn", "Vaxholm", "Salem"}

# The four geographic groups of the municipal dialogues.
GROUPS = {
    "norr": ["Norrtälje", "Vallentuna", "Österåker", "Täby", "Danderyd", "Sigtuna", "Upplands Väsby", "Vaxholm"],
    "vast": ["Sollentuna", "Järfälla", "Upplands-Bro", "Ekerö", "Sundbyberg", "Solna", "Stockholm"],
    "syd": ["Södertälje", "Nykvarn", "Botkyrka", "Salem", "Huddinge", "Haninge", "Nynäshamn"],
    "ost": ["Nacka", "Värmdö", "Tyresö", "Lidingö"],
}
GROUP_NAMES = {"norr": "Norr", "vast": "Väst", "syd": "Syd", "ost": "Ost"}
REGIONAL_SECTORS = {"regional_politician", "regional_official"}

FORUMS = [
    {
        "key": "kommundialog",
        "name": "Regionens kommundialoger",
        "level": Level.SUB_REGIONAL,
        "parties": "Regionens kulturförvaltning och länets kommuner/kultur- och fritidschefer.",
        "purpose": "Att gemensamt inom kultur- och fritidssektorn identifiera utvecklingstendenser, dela "
        "perspektiv, kunskaper och lärande exempel, främja handling och ökad samverkan. Alla 26 kommuner, "
        "geografiskt indelade i fyra dialoger.",
        "invited_by": "Region Stockholms kulturförvaltning",
        "frequency": "Varje år",
        "origin": ForumOrigin.EXISTING,
        "sectors": {"municipal_official": 6, "regional_official": 1, "municipal_politician": 1},
        "size": (10, 16),
    },
    {
        "key": "trepartssamtal",
        "name": "Trepartssamtal för folkbildningsstrategins genomförande",
        "level": Level.REGIONAL,
        "parties": "Regionens kulturförvaltning, avdelningen för Utveckling och regionplanering på "
        "Regionledningskontoret, folkbildningsföreträdare utsedda via Stockholms läns bildningsförbund.",
        "purpose": "Den regionala folkbildningsstrategin utgör en utgångspunkt; en överenskommelse om arbetet "
        "framåt arbetas fram utifrån strategin.",
        "invited_by": "Region Stockholms kulturförvaltning och avdelningen för Utveckling och regionplanering",
        "frequency": "2 gånger per år",
        "origin": ForumOrigin.NEW,
        "sectors": {"regional_official": 3, "adult_education": 3},
        "size": (8, 12),
    },
    {
        "key": "bazaren",
        "name": "Folkbildningen i regionens samverkansforum (Bazaren)",
        "level": Level.REGIONAL,
        "parties": "Lämpliga forum, till exempel jobbmässan Bazaren.",
        "purpose": "Att stärka människors möjlighet att etablera sig och utvecklas inom både utbildning och arbete.",
        "invited_by": "Avdelningen för Utveckling och regionplanering på Regionledningskontoret",
        "frequency": "Varje år",
        "origin": ForumOrigin.EXISTING,
        "sectors": {"adult_education": 4, "regional_official": 2, "civil_society": 2, "other": 1},
        "size": (20, 35),
    },
    {
        "key": "folkbildningsforum",
        "name": "Regionen i folkbildningens samverkansforum",
        "level": Level.REGIONAL,
        "parties": "Lämpliga forum inom folkbildningen.",
        "purpose": "Kunskapshöjande, nätverkande, relationsbyggande.",
        "invited_by": "Folkbildningen via Stockholms läns bildningsförbund",
        "frequency": "Varje år",
        "origin": ForumOrigin.EXISTING,
        "sectors": {"adult_education": 5, "regional_official": 2, "civil_society": 1},
        "size": (15, 25),
    },
    {
        "key": "folkbildning-politiker",
        "name": "Dialog mellan folkbildningen och regionens politiker",
        "level": Level.REGIONAL,
        "parties": "Folkbildningen regionalt via Stockholms läns bildningsförbund, samt presidierna i regionens "
        "kulturnämnd och tillväxt- och regionplanenämnd.",
        "purpose": "Kunskapshöjande; den regionala folkbildningsstrategin utgör en utgångspunkt.",
        "invited_by": "Folkbildningen via Stockholms läns bildningsförbund",
        "frequency": "Varje år",
        "origin": ForumOrigin.NEW,
        "sectors": {"adult_education": 3, "regional_politician": 2},
        "size": (8, 14),
    },
    {
        "key": "folkbildning-kommuner",
        "name": "Dialoger mellan folkbildningen och länets kommuner",
        "level": Level.LOCAL,
        "parties": "Folkbildningen lokalt och regionalt, samt kommunerna i regionen.",
        "purpose": "Kunskapshöjande; den regionala folkbildningsstrategin utgör en utgångspunkt. Befintliga "
        "dialoger utvecklas till att bli heltäckande.",
        "invited_by": "Stockholms läns bildningsförbund och lokala folkbildningsföreträdare",
        "frequency": "Vartannat år eller enligt behov",
        "origin": ForumOrigin.EXISTING,
        "sectors": {"adult_education": 3, "municipal_official": 2, "municipal_politician": 1},
        "size": (12, 20),
    },
    {
        "key": "politikerdialog",
        "name": "Dialogmöte mellan regionala och lokala politiker",
        "level": Level.LOCAL_REGIONAL,
        "parties": "Ordföranden i regionens kulturnämnd och ordförandena i länets kommuners nämnder med ansvar "
        "för folkbildningsfrågor.",
        "purpose": "Dialog, diskussion och erfarenhetsutbyte samt hur man bäst kan möjliggöra samverkan.",
        "invited_by": "Ordföranden i regionens kulturnämnd",
        "frequency": "Varje år",
        "origin": ForumOrigin.EXISTING,
        "sectors": {"municipal_politician": 5, "regional_politician": 1},
        "size": (10, 18),
    },
    {
        "key": "stockholmstinget",
        "name": "Stockholmstinget",
        "level": Level.ALL_LEVELS,
        "parties": "Regionala och kommunala politiker och tjänstepersoner, civilsamhällets organisationer, "
        "folkbildningen, det fria kulturlivet samt verksamma inom berörda myndigheter, akademier och forskning.",
        "purpose": "En mötesplats för alla som arbetar med att stärka kulturens, idrottens, folkbildningens och "
        "föreningslivets roll i det regionala utvecklingsarbetet. Att mötas över kunskapsområden, lyfta "
        "gemensamma frågeställningar och lära av varandra.",
        "invited_by": "Region Stockholms kulturförvaltning",
        "frequency": "Varje år eller vartannat år",
        "origin": ForumOrigin.EXISTING,
        "sectors": {
            "regional_politician": 1,
            "municipal_politician": 2,
            "regional_official": 2,
            "municipal_official": 3,
            "civil_society": 3,
            "adult_education": 3,
            "independent_culture": 2,
            "sport": 2,
            "authority": 1,
            "academia": 1,
        },
        "size": (120, 160),
    },
]

FIRST_NAMES = [
    "Anna",
    "Erik",
    "Maria",
    "Lars",
    "Karin",
    "Johan",
    "Sara",
    "Ahmed",
    "Fatima",
    "Per",
    "Lena",
    "Mikael",
    "Eva",
    "Omar",
    "Ingrid",
    "Jonas",
    "Sofia",
    "Ali",
    "Elin",
    "Peter",
    "Nadia",
    "Gustav",
]
LAST_NAMES = [
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Olsson",
    "Persson",
    "Svensson",
    "Gustafsson",
    "Hassan",
    "Lindberg",
    "Yusuf",
    "Berg",
    "Holm",
    "Ek",
    "Lund",
    "Nordin",
]
ORGANISATIONS = {
    "regional_politician": "Region Stockholm, kulturnämnden",
    "regional_official": "Region Stockholm, kulturförvaltningen",
    "municipal_politician": "{municipality} kommun, kultur- och fritidsnämnden",
    "municipal_official": "{municipality} kommun, kultur och fritid",
    "civil_society": "Föreningsalliansen {municipality}",
    "adult_education": "Studieförbundet Vuxenskolan {municipality}",
    "independent_culture": "Konstnärscentrum Öst",
    "sport": "RF-SISU Stockholm",
    "authority": "Länsstyrelsen i Stockholms län",
    "academia": "Stockholms universitet",
    "other": "Arbetsförmedlingen",
}


def load_forums(*, upcoming_stockholmstinget, today=None):
    """Add what is missing of the demo's forums, editions and their registrations.
    `upcoming_stockholmstinget` is the demo's main event: the series' upcoming edition."""
    today = today or utcnow().date()
    with transaction() as session:
        municipalities = {m.name: m for m in session.scalars(db.select(Municipality))}
        sectors = {s.code: s for s in session.scalars(db.select(Sector))}
        existing = set(session.scalars(db.select(Event.slug)))
        for position, spec in enumerate(FORUMS):
            forum = _forum(session, spec)
            for slug, title, day, past, places in _editions(spec, today, position):
                if slug in existing:
                    continue
                event = _event(forum, slug, title, day, past)
                session.add(event)
                _registrations(session, event, spec, places, past, municipalities, sectors)
        stockholmstinget = session.get(Event, upcoming_stockholmstinget.id)
        stockholmstinget.forum = stockholmstinget.forum or _forum(session, FORUMS[-1])
        if not _has_registrations(session, stockholmstinget):
            spec = FORUMS[-1] | {"size": (60, 80)}
            _registrations(session, stockholmstinget, spec, None, False, municipalities, sectors)


def _forum(session, spec):
    forum = session.scalars(db.select(Forum).where(Forum.name == spec["name"])).one_or_none()
    if forum is None:
        forum = Forum(name=spec["name"], level=spec["level"])
        session.add(forum)
    if not forum.parties:
        for name in ("level", "parties", "purpose", "invited_by", "frequency", "origin"):
            setattr(forum, name, spec[name])
    return forum


def _editions(spec, today, position):
    """(slug, title, day, past, municipalities) of the past and the upcoming edition; the
    municipal dialogues have one edition per geographic group. The slugs do not depend on
    the date, so that loading again another day adds nothing."""
    past_day = today - timedelta(days=120 + 9 * position)
    upcoming_day = today + timedelta(days=30 + 6 * position)
    if spec["key"] == "stockholmstinget":
        day = today - timedelta(days=300)
        return [("stockholmstinget-tidigare", f"Stockholmstinget {day.year}", day, True, None)]
    if spec["key"] == "kommundialog":
        editions = []
        for number, (group, places) in enumerate(GROUPS.items()):
            label = GROUP_NAMES[group]
            for past, day in ((True, past_day), (False, upcoming_day)):
                slug = f"kommundialog-{group}-{'tidigare' if past else 'kommande'}"
                title = f"Kommundialog {label} {day.year}"
                editions.append((slug, title, day + timedelta(days=number), past, places))
        return editions
    name = spec["name"].split(" (")[0]
    return [
        (f"{spec['key']}-tidigare", f"{name} {past_day.year}", past_day, True, None),
        (f"{spec['key']}-kommande", f"{name} {upcoming_day.year}", upcoming_day, False, None),
    ]


def _event(forum, slug, title, day, past):
    starts_at = _utc(day, time(9, 0))
    return Event(
        forum=forum,
        slug=slug,
        title=title,
        description=forum.purpose,
        venue="Region Stockholm, Hantverkargatan 45" if forum.level != Level.ALL_LEVELS else "Folkets hus",
        address="Stockholm",
        contact_email="dialog@example.se",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=3 if forum.level != Level.ALL_LEVELS else 7),
        status=EventStatus.ARCHIVED if past else EventStatus.PUBLISHED,
        capacity=None,
        registration_opens_at=starts_at - timedelta(days=60),
        registration_closes_at=starts_at - timedelta(days=2),
    )


def _registrations(session, event, spec, places, past, municipalities, sectors):
    chance = random.Random(event.slug)
    low, high = spec["size"]
    count = chance.randint(low, high) // (1 if past else 2)
    reachable = [name for name in (places or municipalities) if name not in LEFT_OUT]
    codes = [code for code, weight in spec["sectors"].items() for _ in range(weight)]
    taken = set()
    for number in range(count):
        code = chance.choice(codes)
        place = None if code in REGIONAL_SECTORS else chance.choice(reachable)
        first, last = chance.choice(FIRST_NAMES), chance.choice(LAST_NAMES)
        email = f"{first}.{last}.{number}@example.se".lower()
        if email in taken:
            continue
        taken.add(email)
        created_at = event.starts_at - timedelta(days=chance.randint(3, 50))
        session.add(
            Registration(
                event=event,
                email=email,
                first_name=first,
                last_name=last,
                organisation=ORGANISATIONS[code].format(municipality=place or "Stockholm"),
                sector=sectors[code],
                municipality=municipalities[place] if place else None,
                status=RegistrationStatus.CONFIRMED,
                language="sv",
                created_at=created_at,
                checked_in_at=event.starts_at if past and chance.random() < 0.85 else None,
            )
        )


def _has_registrations(session, event):
    return session.scalar(db.select(Registration.id).where(Registration.event_id == event.id).limit(1)) is not None


def _utc(day, local):
    return datetime.combine(day, local, tzinfo=STOCKHOLM).astimezone(UTC).replace(tzinfo=None)
