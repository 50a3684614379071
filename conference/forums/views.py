from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from conference.accounts.access import requires
from conference.accounts.models import Role
from conference.errors import DomainError
from conference.events.models import Forum
from conference.extensions import db
from conference.forums import services
from conference.forums.forms import ForumForm
from conference.site.forms import show_error

blueprint = Blueprint("forums", __name__, url_prefix="/staff")
ORGANISERS = (Role.ORGANISER,)


@blueprint.get("/forums")
@requires(*ORGANISERS)
def forums_list():
    return render_template("forums/list.html", forums=services.all_forums())


@blueprint.route("/forums/new", methods=["GET", "POST"])
@requires(*ORGANISERS)
def new_forum():
    form = ForumForm()
    if form.validate_on_submit():
        try:
            forum = services.save_forum(fields=form.fields_for_save())
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("The forum series is saved."), "success")
            return redirect(url_for(".forum", forum_id=forum.id), code=303)
    return render_template("forums/form.html", form=form, forum=None), 422 if form.errors else 200


@blueprint.route("/forums/<int:forum_id>", methods=["GET", "POST"])
@requires(*ORGANISERS)
def forum(forum_id):
    current = db.session.get(Forum, forum_id) or abort(404)
    form = ForumForm()
    if request.method == "GET":
        form.fill_from(current)
    elif form.validate_on_submit():
        try:
            services.save_forum(forum_id=forum_id, fields=form.fields_for_save())
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("The forum series is saved."), "success")
            return redirect(url_for(".forum", forum_id=forum_id), code=303)
    return render_template("forums/form.html", form=form, forum=current), 422 if form.errors else 200
