from flask import Blueprint

blueprint = Blueprint("checkin", __name__, url_prefix="/staff")
