"""Staff accounts: passwords (argon2), lock-out, reset and invitation links."""

from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import bindparam

from conference.accounts.models import Role, SignedIn, User
from conference.audit.services import record
from conference.database import lock, request_connection, serialize, transaction, utcnow
from conference.errors import DomainError
from conference.extensions import db
from conference.links import public_url
from conference.mailings.models import MessageKind
from conference.mailings.outbox import Mail, enqueue
from conference.reference.models import Sector
from conference.registration.services import RegistrationError, normalise_email

MAX_FAILED_LOGINS = 5
LOCK_OUT_FOR = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 12
RESET_LINK_VALID = timedelta(hours=2)
INVITATION_VALID = timedelta(days=7)

# What staff pages ask of current_user; SignedIn gets the rest from the ORM when asked.
_USER_COLUMNS = ("id", "email", "name", "role", "password_hash", "active")
_USER_ROW = db.select(*(getattr(User, key) for key in _USER_COLUMNS)).where(User.id == bindparam("id"))

# Those who can run Ting: an invited administrator who has not chosen a password yet cannot.
_ACTIVE_ADMINISTRATORS = (
    db.select(User.id).where(User.role == Role.ADMIN, User.active, User.password_hash.is_not(None)).order_by(User.id)
)

_hasher = PasswordHasher()
# Verified against when the address is unknown, so that a wrong address takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


class AccountError(DomainError):
    """An account action the rules refuse."""


def authenticate(email, password, *, now=None):
    """The user with this address and password, or AccountError; counts failures and locks out."""
    now = now or utcnow()
    with transaction() as session:
        user = session.scalars(db.select(User).where(User.email == _clean(email))).one_or_none()
        failure = _check_login(user and lock(User, user.id), password, now)
    # Raised after the commit, so that a counted failure or a lock-out is kept.
    if failure is not None:
        raise failure
    return user


def _check_login(user, password, now):
    refused = AccountError(_l("The e-mail address or the password is wrong."))
    if user is None or user.password_hash is None or not user.active:
        _verify(_DUMMY_HASH, password)
        return refused
    if user.locked_until and user.locked_until > now:
        return AccountError(_l("Too many failed attempts. Try again in 15 minutes, or reset your password."))
    if not _verify(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = now + LOCK_OUT_FOR
            user.failed_logins = 0
            record("account.locked", subject=user, user=user)
        return refused
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    record("account.login", subject=user, user=user)
    return None


def create_user(*, email, role, name="", sectors=(), password=None, send_invitation=False):
    """A staff account. Without a password it is entered through the invitation link, which
    `send_invitation` mails in the same transaction."""
    try:
        email = normalise_email(email or "")
    except RegistrationError as error:
        raise AccountError(error.message, field="email") from error
    role = Role(role)
    if password is not None:
        check_password(password)
    with transaction() as session:
        if session.scalars(db.select(User.id).where(User.email == email)).first():
            raise AccountError(_l("There is already an account with this e-mail address."), field="email")
        user = User(email=email, role=role, name=name.strip(), sectors=list(sectors))
        if password is not None:
            user.password_hash = _hasher.hash(password)
        if role == Role.SECTOR_REPRESENTATIVE and not user.sectors:
            raise AccountError(_l("A sector representative needs at least one sector."), field="sectors")
        session.add(user)
        session.flush()
        record("account.created", subject=user, role=role.value)
        if send_invitation:
            _mail(user, "invitation", _token(user, "invitation"), MessageKind.INVITATION)
    return user


def update_user(*, user_id, role, name, sectors, active, by=None):
    """Change a staff account. `by` is the administrator making the change, who may not
    deactivate their own account; no change may leave Ting without an active administrator."""
    with transaction() as session:
        # Changes of accounts wait for each other: two administrators demoting each other at
        # once cannot both pass. (Locking every administrator's row in one order was not
        # enough: on PostgreSQL two such changes now and then deadlocked in the test.)
        serialize("staff accounts")
        administrators = set(session.scalars(_ACTIVE_ADMINISTRATORS.with_for_update()))
        user = lock(User, user_id)
        if by is not None and by.id == user.id and user.active and not active:
            raise AccountError(_l("You cannot deactivate your own account."), field="active")
        user.role = Role(role)
        user.name = name.strip()
        user.sectors = list(sectors)
        user.active = active
        if user.role == Role.SECTOR_REPRESENTATIVE and not user.sectors:
            raise AccountError(_l("A sector representative needs at least one sector."), field="sectors")
        still_administrator = user.role == Role.ADMIN and user.active
        if user.id in administrators and not still_administrator and not administrators - {user.id}:
            raise AccountError(
                _l(
                    "Ting needs at least one active administrator who can sign in. Make another account"
                    " administrator first, or wait until an invited one has chosen a password."
                ),
                field="role" if user.active else "active",
            )
        record("account.changed", subject=user, role=user.role.value, active=active)
    return user


def request_password_reset(email):
    """Mail a reset link if the address has an account; say nothing either way."""
    with transaction() as session:
        user = session.scalars(db.select(User).where(User.email == _clean(email), User.active)).one_or_none()
        if user is not None and user.password_hash is not None:
            _mail(user, "password_reset", _token(user, "password-reset"), MessageKind.PASSWORD_RESET)


def user_for_token(token, purpose):
    """The user a reset or invitation link is for, or None when it is wrong, used or too old."""
    max_age = INVITATION_VALID if purpose == "invitation" else RESET_LINK_VALID
    try:
        payload = _serializer(purpose).loads(token, max_age=int(max_age.total_seconds()))
    except (SignatureExpired, BadSignature):
        return None
    user = db.session.get(User, payload.get("u")) if isinstance(payload, dict) else None
    if user is None or not user.active or payload.get("p") != user.password_stamp():
        return None
    return user


def set_password(*, user_id, password):
    check_password(password)
    with transaction():
        user = lock(User, user_id)
        user.password_hash = _hasher.hash(password)
        user.failed_logins = 0
        user.locked_until = None
        record("account.password_set", subject=user, user=user)
    return user


def check_password(password):
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError(
            _l("Choose a password of at least %(count)d characters.", count=MIN_PASSWORD_LENGTH), field="password"
        )
    if len(password) > 200:
        raise AccountError(_l("At most %(max)d characters.", max=200), field="password")


def user_for_session(value):
    """The signed-in user of a session cookie's `_user_id`, read afresh on every request (a
    deactivated account or a changed password ends the session at once), or None."""
    user_id, _, stamp = (value or "").partition(":")
    if not user_id.isdigit():
        return None
    # One Core statement on the request's connection rather than Session.get(): the staff
    # pages load the user on every view, and most need nothing else from the ORM session.
    row = request_connection().execute(_USER_ROW, {"id": int(user_id)}).first()
    if row is None or not row.active or stamp != User.stamp_of(row.password_hash):
        return None
    return SignedIn(**dict(zip(_USER_COLUMNS, row, strict=True)))


def sectors_by_ids(ids):
    return db.session.scalars(db.select(Sector).where(Sector.id.in_(ids))).all() if ids else []


def _mail(user, template, token, kind):
    endpoint = "accounts.accept_invitation" if kind == MessageKind.INVITATION else "accounts.reset_password"
    context = {"user": user, "link": public_url(endpoint, token=token)}
    with force_locale("sv"):
        subject = _("Your invitation to Ting") if kind == MessageKind.INVITATION else _("Reset your password for Ting")
        mail = Mail(
            subject=subject,
            text_body=render_template(f"mail/accounts/{template}.txt", **context),
            html_body=render_template(f"mail/accounts/{template}.html", **context),
        )
    enqueue(kind=kind, recipient=user.email, mail=mail)


def _token(user, purpose):
    return _serializer(purpose).dumps({"u": user.id, "p": user.password_stamp()})


def _serializer(purpose):
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"ting-{purpose}")


def _verify(password_hash, password):
    try:
        return _hasher.verify(password_hash, password or "")
    except (VerificationError, InvalidHashError):
        return False


def _clean(email):
    try:
        return normalise_email(email or "")
    except RegistrationError:
        return (email or "").strip().lower()
