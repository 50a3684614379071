"""Seed data: the default sectors and the 26 municipalities of Stockholm county."""

from conference.database import transaction
from conference.extensions import db
from conference.reference.models import Municipality, Sector

DEFAULT_SECTORS = [
    ("regional_politician", "Regionpolitiker", "Regional politician"),
    ("municipal_politician", "Kommunpolitiker", "Municipal politician"),
    ("regional_official", "Tjänsteperson i regionen", "Regional official"),
    ("municipal_official", "Tjänsteperson i kommun", "Municipal official"),
    ("civil_society", "Civilsamhällesorganisation", "Civil-society organisation"),
    (
        "adult_education",
        "Folkbildning (studieförbund, folkhögskola)",
        "Adult education (study association, folk high school)",
    ),
    (
        "independent_culture",
        "Fria kulturlivet (konstnärer, regionala resurscentrum)",
        "Independent cultural sector (artists, regional centres)",
    ),
    ("sport", "Idrott", "Sport"),
    ("authority", "Myndighet", "Authority"),
    ("academia", "Akademi och forskning", "Academia and research"),
    ("other", "Övrigt", "Other"),
]

STOCKHOLM_COUNTY_MUNICIPALITIES = [
    ("0114", "Upplands Väsby"),
    ("0115", "Vallentuna"),
    ("0117", "Österåker"),
    ("0120", "Värmdö"),
    ("0123", "Järfälla"),
    ("0125", "Ekerö"),
    ("0126", "Huddinge"),
    ("0127", "Botkyrka"),
    ("0128", "Salem"),
    ("0136", "Haninge"),
    ("0138", "Tyresö"),
    ("0139", "Upplands-Bro"),
    ("0140", "Nykvarn"),
    ("0160", "Täby"),
    ("0162", "Danderyd"),
    ("0163", "Sollentuna"),
    ("0180", "Stockholm"),
    ("0181", "Södertälje"),
    ("0182", "Nacka"),
    ("0183", "Sundbyberg"),
    ("0184", "Solna"),
    ("0186", "Lidingö"),
    ("0187", "Vaxholm"),
    ("0188", "Norrtälje"),
    ("0191", "Sigtuna"),
    ("0192", "Nynäshamn"),
]


def seed_reference_data():
    """Add the default sectors and municipalities that are missing; edits are kept."""
    with transaction() as session:
        known_sectors = set(session.scalars(db.select(Sector.code)))
        for position, (code, name_sv, name_en) in enumerate(DEFAULT_SECTORS):
            if code not in known_sectors:
                session.add(Sector(code=code, name_sv=name_sv, name_en=name_en, sort_order=position))
        known_municipalities = set(session.scalars(db.select(Municipality.code)))
        for code, name in STOCKHOLM_COUNTY_MUNICIPALITIES:
            if code not in known_municipalities:
                session.add(Municipality(code=code, name=name))
