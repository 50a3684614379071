"""The sectors and municipalities as form choices. Every registration form needs them and
they change a few times a year, so each process keeps them for a minute."""

from flask_babel import get_locale

from conference.cache import cached
from conference.extensions import db
from conference.reference.models import Municipality, Sector

KEEP_SECONDS = 60


def sector_choices():
    """(id, name in the current language) of every sector, in their order."""
    return cached(("sector-choices", str(get_locale())), _sectors, max_age=KEEP_SECONDS)


def municipality_choices():
    """(id, name) of every municipality, by name."""
    return cached(("municipality-choices",), _municipalities, max_age=KEEP_SECONDS)


def _sectors():
    sectors = db.session.scalars(db.select(Sector).order_by(Sector.sort_order, Sector.id))
    return tuple((sector.id, sector.name) for sector in sectors)


def _municipalities():
    return tuple(db.session.execute(db.select(Municipality.id, Municipality.name).order_by(Municipality.name)))
