from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from conference.accounts import services
from conference.accounts.access import open_to_all, requires, start_staff_session
from conference.accounts.forms import (
    ROLE_NAMES,
    ChangePasswordForm,
    ForgotPasswordForm,
    InviteForm,
    LoginForm,
    NewPasswordForm,
    UserForm,
)
from conference.accounts.models import Role, User
from conference.errors import DomainError
from conference.extensions import db, limiter
from conference.links import safe_next
from conference.participants.forms import TokenForm
from conference.participants.tokens import active_tokens
from conference.site.forms import ConfirmForm, show_error

blueprint = Blueprint("accounts", __name__, url_prefix="/staff")
ALL_STAFF = (Role.ADMIN, Role.ORGANISER, Role.SECTOR_REPRESENTATIVE)


@blueprint.route("/login", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
@open_to_all
def login():
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except DomainError as error:
            form.form_errors.append(error.message)
        else:
            start_staff_session(user)
            return redirect(safe_next(request.args.get("next"), default=url_for("accounts.home")), code=303)
    return render_template("accounts/login.html", form=form), 422 if form.errors else 200


@blueprint.post("/logout")
@requires(*ALL_STAFF)
def logout():
    if ConfirmForm().validate_on_submit():
        logout_user()
        flash(_("You are signed out."), "success")
    return redirect(url_for("accounts.login"), code=303)


@blueprint.get("/")
@requires(*ALL_STAFF)
def home():
    if current_user.has_role(Role.ORGANISER):
        return redirect(url_for("organiser.events_list"))
    return redirect(url_for("participants.events"))


@blueprint.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
@open_to_all
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        flash(_("If the address has an account, a link to choose a new password is on its way."), "success")
        return redirect(url_for("accounts.login"), code=303)
    return render_template("accounts/forgot_password.html", form=form), 422 if form.errors else 200


@blueprint.route("/password/reset/<token>", methods=["GET", "POST"])
@open_to_all
def reset_password(token):
    return _choose_password(token, "password-reset", _("Choose a new password"))


@blueprint.route("/invitation/<token>", methods=["GET", "POST"])
@open_to_all
def accept_invitation(token):
    return _choose_password(token, "invitation", _("Welcome to Ting: choose your password"))


@blueprint.route("/account", methods=["GET", "POST"])
@requires(*ALL_STAFF)
def account():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.authenticate(current_user.email, form.current.data)
            user = services.set_password(user_id=current_user.id, password=form.password.data)
        except DomainError as error:
            target = form.password if error.field == "password" else form.current
            target.errors.append(error.message)
        else:
            login_user(user)  # the password changed, so the session's stamp did too
            flash(_("Your password is changed."), "success")
            return redirect(url_for("accounts.account"), code=303)
    return render_template(
        "accounts/account.html",
        form=form,
        role_names=ROLE_NAMES,
        api_tokens=active_tokens(current_user.id),
        token_form=TokenForm(formdata=None),
    ), 422 if form.errors else 200


@blueprint.get("/users")
@requires(Role.ADMIN)
def users():
    people = db.session.scalars(db.select(User).order_by(User.email)).all()
    return render_template("accounts/users.html", users=people, role_names=ROLE_NAMES)


@blueprint.route("/users/new", methods=["GET", "POST"])
@requires(Role.ADMIN)
def invite():
    form = InviteForm()
    if form.validate_on_submit():
        try:
            user = services.create_user(
                email=form.email.data,
                role=form.role.data,
                name=form.name.data or "",
                sectors=services.sectors_by_ids(form.sectors.data),
                send_invitation=True,
            )
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("The invitation is on its way to %(email)s.", email=user.email), "success")
            return redirect(url_for("accounts.users"), code=303)
    return render_template("accounts/user_form.html", form=form, user=None), 422 if form.errors else 200


@blueprint.route("/users/<int:user_id>", methods=["GET", "POST"])
@requires(Role.ADMIN)
def edit_user(user_id):
    user = db.session.get(User, user_id) or abort(404)
    form = UserForm(obj=user if request.method == "GET" else None)
    if request.method == "GET":
        form.role.data = user.role.value
        form.sectors.data = [sector.id for sector in user.sectors]
    if form.validate_on_submit():
        try:
            services.update_user(
                user_id=user.id,
                role=form.role.data,
                name=form.name.data or "",
                sectors=services.sectors_by_ids(form.sectors.data),
                active=form.active.data,
                by=current_user,
            )
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("The account is saved."), "success")
            return redirect(url_for("accounts.users"), code=303)
    return render_template("accounts/user_form.html", form=form, user=user), 422 if form.errors else 200


def _choose_password(token, purpose, title):
    user = services.user_for_token(token, purpose)
    if user is None:
        return render_template(
            "site/error.html",
            title=_("The link does not work"),
            message=_("The link is wrong, already used or too old. Ask for a new one."),
        ), 404
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            user = services.set_password(user_id=user.id, password=form.password.data)
        except DomainError as error:
            form.password.errors.append(error.message)
        else:
            start_staff_session(user)
            flash(_("Your password is set."), "success")
            return redirect(url_for("accounts.home"), code=303)
    return render_template("accounts/choose_password.html", form=form, title=title), 422 if form.errors else 200
