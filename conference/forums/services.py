"""Forum series: the dialogue forums of the model, each event an edition of one."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func

from conference.audit.services import record
from conference.database import lock, transaction
from conference.errors import DomainError
from conference.events.models import Event, Forum
from conference.extensions import db

FORUM_FIELDS = ("name", "level", "parties", "purpose", "invited_by", "frequency", "origin")


class ForumError(DomainError):
    """A forum series change the rules refuse."""


def all_forums():
    """Every series with its number of editions, by name."""
    counts = dict(db.session.execute(db.select(Event.forum_id, func.count()).group_by(Event.forum_id)).all())
    forums = db.session.scalars(db.select(Forum).order_by(Forum.name)).all()
    return [(forum, counts.get(forum.id, 0)) for forum in forums]


def save_forum(*, forum_id=None, fields):
    with transaction() as session:
        taken = session.scalar(db.select(Forum.id).where(Forum.name == fields["name"], Forum.id != (forum_id or 0)))
        if taken:
            raise ForumError(_l("Another forum series already has this name."), field="name")
        if forum_id is None:
            forum = Forum()
            session.add(forum)
        else:
            forum = lock(Forum, forum_id)
        for name in FORUM_FIELDS:
            setattr(forum, name, fields[name])
        session.flush()
        record("forum.created" if forum_id is None else "forum.changed", subject=forum)
    return forum
