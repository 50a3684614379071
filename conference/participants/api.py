"""The participants API for sector representatives' own systems: `Authorization: Bearer
<token>`, JSON, paginated, scoped and filtered as the list pages are."""

from flask import Blueprint, abort, g, jsonify, request, url_for
from werkzeug.exceptions import InternalServerError

from conference.events.models import Event
from conference.extensions import csrf, db
from conference.links import id_arg
from conference.participants import exports, tokens
from conference.participants.services import ListFilters, count_rows, list_request, participant_rows, record_download

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(blueprint)
DEFAULT_PER_PAGE = 100
MAX_PER_PAGE = 500


@blueprint.before_request
def authenticate():
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    user = tokens.user_for_token(token.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        abort(401)
    g.api_user = user


@blueprint.get("/events/<slug>/participants")
def participants(slug):
    event_id = db.session.scalar(db.select(Event.id).where(Event.slug == slug)) if len(slug) <= 80 else None
    if event_id is None:
        abort(404)
    raw_sector = request.args.get("sector", "")
    sector_id = id_arg(request.args, "sector")
    if raw_sector and sector_id is None:
        abort(404)
    chosen = list_request(g.api_user, event_id, sector_id)
    filters = ListFilters.from_args(request.args, organiser=chosen.scope.audience == "organiser")
    page = min(max(id_arg(request.args, "page") or 1, 1), 100000)
    per_page = min(max(id_arg(request.args, "per_page") or DEFAULT_PER_PAGE, 1), MAX_PER_PAGE)
    query = participant_rows(event_id, chosen.scope, filters)
    total = count_rows(query)
    shown = query.limit(per_page).offset((page - 1) * per_page)
    context = exports.ListContext(chosen, shown)
    people = [context.record(row) for row in db.session.execute(shown)]
    record_download(chosen, user=g.api_user, kind="api", filters=filters, rows=len(people))
    pages = max((total + per_page - 1) // per_page, 1)
    arguments = {**request.args.to_dict(), "per_page": per_page}
    return jsonify(
        event=slug,
        sectors=[sector.code for sector in chosen.sectors],
        total=total,
        page=page,
        per_page=per_page,
        pages=pages,
        next=url_for(".participants", slug=slug, **(arguments | {"page": page + 1}), _external=True)
        if page < pages
        else None,
        participants=people,
    )


def as_json(error):
    """Programs get JSON errors, and a 401 says how to authenticate."""
    if not hasattr(error, "code"):
        error = InternalServerError()
    response = jsonify(error=error.name, status=error.code)
    response.status_code = error.code
    if error.code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="ting"'
    return response


# By code: the site's own handlers for these codes (HTML pages) would win over a class handler.
for _code in (400, 401, 403, 404, 405, 429, 500):
    blueprint.register_error_handler(_code, as_json)
