from flask import Blueprint, render_template, request

from conference.accounts.access import requires
from conference.accounts.models import Role
from conference.audit.models import AuditEntry
from conference.events.models import Event
from conference.extensions import db

blueprint = Blueprint("organiser", __name__, url_prefix="/staff")
ORGANISERS = (Role.ORGANISER,)
AUDIT_PAGE_SIZE = 100


@blueprint.get("/events")
@requires(*ORGANISERS)
def events():
    rows = db.session.scalars(db.select(Event).order_by(Event.starts_at.desc())).all()
    return render_template("organiser/events.html", events=rows)


@blueprint.get("/audit")
@requires(*ORGANISERS)
def audit_log():
    query = db.select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    action = request.args.get("action", "").strip()
    who = request.args.get("who", "").strip()
    if action:
        query = query.where(AuditEntry.action.startswith(action))
    if who:
        query = query.where(AuditEntry.user_email.contains(who.lower()))
    entries = db.session.scalars(query.limit(AUDIT_PAGE_SIZE)).all()
    return render_template("organiser/audit_log.html", entries=entries, action=action, who=who)
