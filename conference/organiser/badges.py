"""Badges: a PDF of name badges, eight to an A4 sheet (two across, four down), each with
the name, organisation, sector, municipality and the ticket's QR code for check-in."""

from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from fpdf import FPDF
from sqlalchemy.orm import selectinload

from conference.audit.services import record
from conference.database import transaction
from conference.extensions import db
from conference.organiser.checkin_services import search, sort_key
from conference.registration.models import Registration, RegistrationStatus
from conference.registration.ticket import qr_modules as ticket_qr

FONT_DIRECTORIES = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}

# A4 in millimetres: two columns of 95 mm and four rows of 68 mm inside the margins.
PAGE_WIDTH, PAGE_HEIGHT = 210, 297
COLUMNS, ROWS = 2, 4
PER_PAGE = COLUMNS * ROWS
BADGE_WIDTH, BADGE_HEIGHT = 95, 68
MARGIN_X = (PAGE_WIDTH - COLUMNS * BADGE_WIDTH) / 2
MARGIN_Y = (PAGE_HEIGHT - ROWS * BADGE_HEIGHT) / 2
PADDING = 6
QR_SIZE = 28  # with the quiet zone of four modules
QR_EDGE = 2  # from the badge's edge to the quiet zone
CODE_LINE = 3.5  # the code printed under the QR code
POINT = 25.4 / 72  # millimetres in a typographic point
ELLIPSIS = "…"


class BadgeFontMissing(RuntimeError):
    """The Unicode font that badges are set in is not installed."""


@dataclass
class BadgeFilters:
    sector_id: int | None = None
    checked_in: bool | None = None  # None: both
    query: str = ""

    def as_details(self):
        return {
            "sector_id": self.sector_id,
            "checked_in": {True: "yes", False: "no", None: "any"}[self.checked_in],
            "query": self.query,
        }


def badge_registrations(event_id, filters=None):
    """The confirmed registrations of the event that the filters select, alphabetically."""
    filters = filters or BadgeFilters()
    if filters.query.strip():
        rows = search(event_id, filters.query, limit=None, statuses=[RegistrationStatus.CONFIRMED]).registrations
    else:
        rows = db.session.scalars(
            db.select(Registration)
            .where(Registration.event_id == event_id, Registration.status == RegistrationStatus.CONFIRMED)
            .options(selectinload(Registration.sector), selectinload(Registration.municipality))
        ).all()
    if filters.sector_id is not None:
        rows = [row for row in rows if row.sector_id == filters.sector_id]
    if filters.checked_in is not None:
        rows = [row for row in rows if (row.checked_in_at is not None) == filters.checked_in]
    return sorted(rows, key=sort_key)


def event_badges(event, *, by_user, filters=None):
    """The badges PDF of the event's confirmed registrations that the filters select, and
    how many it holds; the download is recorded in the audit log."""
    filters = filters or BadgeFilters()
    registrations = badge_registrations(event.id, filters)
    if not registrations:
        return None, 0
    pdf = badges_pdf(registrations, title=event.title)
    with transaction():
        record("badges.downloaded", event_id=event.id, user=by_user, count=len(registrations), **filters.as_details())
    return pdf, len(registrations)


def person_badge(registration, *, by_user):
    """One person's badge, for a lost or misspelt one; recorded in the audit log."""
    pdf = badges_pdf([registration], title=registration.event.title)
    with transaction():
        record("badges.downloaded", subject=registration, user=by_user, count=1)
    return pdf


def badges_pdf(registrations, *, title=""):
    """The PDF bytes: one badge per registration, eight to a page, in the given order."""
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.set_title(title or "Badges")
    pdf.set_creator("Ting")
    for style, path in font_files().items():
        pdf.add_font("Badge", style, str(path))
    for index, registration in enumerate(registrations):
        if index % PER_PAGE == 0:
            pdf.add_page()
        column, row = index % COLUMNS, (index % PER_PAGE) // COLUMNS
        _badge(pdf, registration, title, MARGIN_X + column * BADGE_WIDTH, MARGIN_Y + row * BADGE_HEIGHT)
    return bytes(pdf.output())


def font_files():
    """The DejaVu Sans files (for å, ä, ö and every other letter a name may hold)."""
    configured = current_app.config.get("BADGE_FONT_DIR")
    directories = ((Path(configured),) if configured else ()) + FONT_DIRECTORIES
    for directory in directories:
        files = {style: directory / name for style, name in FONT_FILES.items()}
        if all(path.is_file() for path in files.values()):
            return files
    raise BadgeFontMissing(
        "Badges need the DejaVu Sans font (DejaVuSans.ttf and DejaVuSans-Bold.ttf): install Debian's "
        "fonts-dejavu-core package, or set BADGE_FONT_DIR to a folder that holds them. Looked in: "
        + ", ".join(str(directory) for directory in directories)
    )


def _badge(pdf, registration, title, left, top):
    pdf.set_draw_color(190, 190, 190)
    pdf.set_line_width(0.2)
    pdf.rect(left, top, BADGE_WIDTH, BADGE_HEIGHT)
    x, width = left + PADDING, BADGE_WIDTH - 2 * PADDING
    y = top + PADDING

    pdf.set_text_color(90, 90, 90)
    y = _text(pdf, title, x, y, width, style="", sizes=(8,), max_lines=1)
    y += 1.5
    pdf.set_text_color(0, 0, 0)
    y = _text(pdf, registration.name, x, y, width, style="B", sizes=(24, 22, 20, 18, 16, 14), max_lines=2)
    y += 2

    # The code's own quiet zone (white, four modules wide) serves as most of its padding.
    qr_left = left + BADGE_WIDTH - QR_EDGE - QR_SIZE
    qr_top = top + BADGE_HEIGHT - QR_EDGE - CODE_LINE - QR_SIZE
    column = qr_left - x
    y = max(y, qr_top + 2)
    y = _text(pdf, registration.organisation, x, y, column, style="", sizes=(12, 11, 10), max_lines=2)
    y += 1.5
    pdf.set_text_color(60, 60, 60)
    y = _text(pdf, registration.sector.name_sv, x, y, column, style="", sizes=(9,), max_lines=2)
    if registration.municipality is not None:
        _text(pdf, registration.municipality.name, x, y, column, style="", sizes=(9,), max_lines=1)

    _qr_code(pdf, registration.checkin_code, qr_left, qr_top, QR_SIZE)
    pdf.set_text_color(60, 60, 60)
    _text(
        pdf,
        registration.checkin_code,
        qr_left,
        qr_top + QR_SIZE - 0.5,
        QR_SIZE,
        style="",
        sizes=(7,),
        max_lines=1,
        align="C",
    )


def _qr_code(pdf, code, left, top, size):
    """The ticket's QR code drawn as filled rectangles, one per run of dark modules in a row:
    sharp at any printer's resolution, and quicker than an image per badge."""
    modules = ticket_qr(code)
    unit = size / len(modules)
    pdf.set_fill_color(0, 0, 0)
    for row_index, row in enumerate(modules):
        column = 0
        while column < len(row):
            if not row[column]:
                column += 1
                continue
            start = column
            while column < len(row) and row[column]:
                column += 1
            # a hair taller than a module, so that no seam shows between rows on screen
            pdf.rect(left + start * unit, top + row_index * unit, (column - start) * unit, unit + 0.02, style="F")


def _text(pdf, text, x, y, width, *, style, sizes, max_lines, align="L"):
    """Set `text` in the fewest lines (up to `max_lines`) of `width`, at the largest of `sizes`
    at which it fits (at the smallest, what does not fit is cut short with an ellipsis);
    return the y below it."""
    text = " ".join((text or "").split())
    if not text:
        return y
    pdf.set_font("Badge", style, sizes[0])
    widths = {}  # at one point: a text's width grows in step with the size

    def at_one_point(part):
        if part not in widths:
            widths[part] = pdf.get_string_width(part) / pdf.font_size_pt
        return widths[part]

    # One line at any of the sizes reads better than two; two better than cutting the text short.
    for allowed in range(1, max_lines + 1):
        for size in sizes:
            lines, whole = _wrap(lambda part, size=size: at_one_point(part) * size, text, width, allowed)
            if whole:
                break
        if whole:
            break
    pdf.set_font_size(size)
    line_height = size * POINT * 1.2
    for line in lines:
        pdf.set_xy(x, y)
        pdf.cell(width, line_height, line, align=align)
        y += line_height
    return y


def _wrap(measure, text, width, max_lines):
    """Greedy word wrap into at most `max_lines` lines; says whether all of `text` fitted."""
    lines, current = [], ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if not current or measure(candidate) <= width:
            current = candidate
        else:
            lines.append(current)
            current = word
    lines.append(current)
    if len(lines) <= max_lines and all(measure(line) <= width for line in lines):
        return lines, True
    cut = len(lines) > max_lines
    lines = [_cut(measure, line, width) for line in lines[:max_lines]]
    if cut:
        lines[-1] = _cut(measure, lines[-1], width, forced=True)
    return lines, False


def _cut(measure, text, width, forced=False):
    """`text` shortened to fit `width`, ending in an ellipsis where anything was cut."""
    if not forced and measure(text) <= width:
        return text
    text = text.removesuffix(ELLIPSIS)
    while text and measure(text + ELLIPSIS) > width:
        text = text[:-1]
    return text.rstrip() + ELLIPSIS
