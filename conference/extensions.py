from flask import session
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData

# Named constraints so that Alembic migrations are the same on SQLite and PostgreSQL.
naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Each request has its own session, and rows whose values matter are reloaded under lock
# (`database.lock`), so what a request wrote stays readable after its commit without a reload.
db = SQLAlchemy(metadata=MetaData(naming_convention=naming_convention), session_options={"expire_on_commit": False})
migrate = Migrate()
mail = Mail()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address)


class StaffLoginManager(LoginManager):
    """Flask-Login with its session protection kept to signed-in sessions. As it comes, its
    "strong" mode takes any other session that holds something (an attendee's CSRF token)
    for a stolen one on every request: it rewrites that session cookie and sends a deletion
    of the remember-me cookie with each answer."""

    def _session_protection_failed(self):
        return "_user_id" in session and super()._session_protection_failed()


login_manager = StaffLoginManager()
