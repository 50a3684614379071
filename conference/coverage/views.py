from flask import Blueprint, Response, abort, render_template, request

from conference.accounts.access import requires
from conference.accounts.models import Role
from conference.audit.services import record
from conference.coverage.export import coverage_workbook
from conference.coverage.services import coverage, gap_sentence
from conference.database import transaction, utcnow
from conference.events.models import Forum
from conference.extensions import db
from conference.links import id_arg

blueprint = Blueprint("coverage", __name__, url_prefix="/staff")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@blueprint.get("/coverage")
@requires(Role.ORGANISER)
def show():
    result = _coverage_for_request()
    this_year = utcnow().year
    return render_template(
        "coverage/show.html",
        coverage=result,
        gaps=[gap_sentence(gap, result, this_year=this_year) for gap in result.gaps],
        forums=db.session.scalars(db.select(Forum).order_by(Forum.name)).all(),
    )


@blueprint.get("/coverage.xlsx")
@requires(Role.ORGANISER)
def export():
    result = _coverage_for_request()
    with transaction():
        record("coverage.exported", forum_id=result.forum.id if result.forum else None, year=result.year)
    name = (
        "coverage" + (f"-forum-{result.forum.id}" if result.forum else "") + (f"-{result.year}" if result.year else "")
    )
    return Response(
        coverage_workbook(result, this_year=utcnow().year),
        mimetype=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
    )


def _coverage_for_request():
    """The scope from the query: ?forum=<id> and/or ?year=<yyyy>; an unknown series is a 404."""
    forum_id = id_arg(request.args, "forum")
    if request.args.get("forum") and (forum_id is None or db.session.get(Forum, forum_id) is None):
        abort(404)
    year_text = request.args.get("year", "")
    year = int(year_text) if year_text.isdecimal() and len(year_text) == 4 and 2000 <= int(year_text) <= 2100 else None
    if year_text and year is None:
        abort(404)
    return coverage(forum_id=forum_id, year=year)
