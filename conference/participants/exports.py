"""Participant lists as files: CSV (streamed), XLSX (one sheet per sector) and a printable
PDF, and as the rows of the JSON API. Every one of them writes what `participant_rows` gives."""

import csv
import io
from functools import lru_cache
from itertools import groupby

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from fpdf import FPDF
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from conference.database import utcnow
from conference.errors import DomainError
from conference.events.calendar import local_wall_time
from conference.extensions import db
from conference.names import REGISTRATION_STATUS_NAMES
from conference.organiser.badges import font_files
from conference.participants.services import Audience, chosen_sessions, count_rows, participant_rows, record_download
from conference.reference.models import Sector

CSV_BATCH = 500
# fpdf2 lays a table out at about 2.5 ms a row: 2,000 rows (80 pages) take 5 s, 10,000 would
# take longer than a request may last. Larger lists are for the XLSX file.
PDF_MAX_ROWS = 2000
XLSX_MAX_WIDTH = 50
SESSION_SEPARATOR = "; "


def _when(moment):
    """A stored (naive UTC) time as Stockholm wall time, like 2026-05-20 09:30."""
    if moment is None:
        return ""
    return (moment + _stockholm_offset(moment.replace(minute=0, second=0, microsecond=0))).isoformat(" ", "minutes")


@lru_cache(maxsize=4096)
def _stockholm_offset(hour):
    """The offset from UTC in that hour; a list of thousands of times converts each hour once."""
    return local_wall_time(hour) - hour


# (key for the API, header, width in characters, value of a row)
SECTOR_FIELDS = (
    ("first_name", _l("First name"), 14, lambda row, x: row.first_name),
    ("last_name", _l("Last name"), 16, lambda row, x: row.last_name),
    ("organisation", _l("Organisation"), 30, lambda row, x: row.organisation),
    ("role", _l("Role"), 24, lambda row, x: row.role_title),
    ("sector", _l("Sector"), 24, lambda row, x: x.sector_names[row.sector_id]),
    ("municipality", _l("Municipality"), 16, lambda row, x: row.municipality or ""),
    ("sessions", _l("Sessions"), 40, lambda row, x: SESSION_SEPARATOR.join(x.sessions.get(row.id, ()))),
    ("email", _l("E-mail address"), 30, lambda row, x: row.email),
    ("checked_in", _l("Checked in"), 17, lambda row, x: _when(row.checked_in_at)),
)
ORGANISER_FIELDS = (
    *SECTOR_FIELDS,
    ("status", _l("Status"), 14, lambda row, x: x.status_names[row.status]),
    ("phone", _l("Phone"), 16, lambda row, x: row.phone),
    ("language", _l("Language"), 8, lambda row, x: row.language),
    ("dietary_needs", _l("Dietary needs"), 24, lambda row, x: row.dietary_needs),
    ("accessibility_needs", _l("Accessibility needs"), 24, lambda row, x: row.accessibility_needs),
    ("consent_sector_list", _l("Consent: sector lists"), 17, lambda row, x: _when(row.consent_sector_list_at)),
    ("consent_public_list", _l("Consent: public list"), 17, lambda row, x: _when(row.consent_public_list_at)),
    ("consent_mailings", _l("Consent: mailings"), 17, lambda row, x: _when(row.consent_mailings_at)),
    ("consent_wording", _l("Consent wording version"), 10, lambda row, x: row.consent_wording_version),
    ("registered", _l("Registered"), 17, lambda row, x: _when(row.created_at)),
)
PUBLIC_FIELDS = (
    ("name", _l("Name"), 30, lambda row, x: f"{row.first_name} {row.last_name}"),
    ("organisation", _l("Organisation"), 30, lambda row, x: row.organisation),
    ("sector", _l("Sector"), 24, lambda row, x: x.sector_names[row.sector_id]),
)
FIELDS = {Audience.SECTOR: SECTOR_FIELDS, Audience.ORGANISER: ORGANISER_FIELDS, Audience.PUBLIC: PUBLIC_FIELDS}


def export(list_request, filters, *, kind, user, separator=";"):
    """(the file, its name) of a download: "csv" gives text chunks to stream, "xlsx" and
    "pdf" bytes. The download is in the audit log, with how many rows it holds, before a
    byte of it is sent."""
    query = participant_rows(list_request.event.id, list_request.scope, filters)
    rows = count_rows(query)
    if kind == "pdf" and rows > PDF_MAX_ROWS:
        raise DomainError(
            _l(
                "A PDF holds at most %(max)d people, and this list has %(count)d. Choose a sector or a filter,"
                " or download the XLSX file.",
                max=PDF_MAX_ROWS,
                count=rows,
            )
        )
    record_download(list_request, user=user, kind=f"downloaded_{kind}", filters=filters, rows=rows)
    context = ListContext(list_request, query)
    # Fetched whole, not through a server-side cursor: a streamed response outlives the
    # transaction such a cursor lives in. 10,000 rows are a few megabytes.
    # On the connection, as plain rows: the ORM's handling of 10,000 result rows costs more
    # than the query.
    result = db.session.connection().execute(query)
    filename = f"{list_request.event.slug}-{_file_label(list_request)}.{kind}"
    if kind == "csv":
        return csv_chunks(context, result, delimiter=separator), filename
    if kind == "xlsx":
        return xlsx_bytes(context, result), filename
    return pdf_bytes(context, result, sector_label=_sector_label(list_request)), filename


def _file_label(list_request):
    if list_request.scope.sector_ids and len(list_request.sectors) == 1:
        return list_request.sectors[0].code
    return "participants"


def _sector_label(list_request):
    if list_request.scope.audience == Audience.ORGANISER and not list_request.scope.sector_ids:
        return _("All sectors")
    return ", ".join(sector.name for sector in list_request.sectors)


class ListContext:
    """What the cells need besides the row: sector names and the sessions chosen."""

    def __init__(self, list_request, query):
        self.request = list_request
        self.fields = FIELDS[list_request.scope.audience]
        self.sector_names = {sector.id: sector.name for sector in db.session.scalars(db.select(Sector))}
        # Translated once, not once a row.
        self.status_names = {status: str(name) for status, name in REGISTRATION_STATUS_NAMES.items()}
        needs_sessions = any(key == "sessions" for key, *_ in self.fields)
        self.sessions = chosen_sessions(list_request.event.id, query) if needs_sessions else {}

    def values(self, row):
        return [value(row, self) for _key, _header, _width, value in self.fields]

    def record(self, row):
        return {key: value(row, self) for key, _header, _width, value in self.fields}

    def headers(self):
        return [str(header) for _key, header, _width, _value in self.fields]


def csv_chunks(context, result, *, delimiter):
    """The CSV as text chunks: a BOM so that Excel reads UTF-8 (å, ä, ö), a header row, then
    the rows, a batch at a time, so the whole file is never held in memory."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(context.headers())
    for partition in result.partitions(CSV_BATCH):
        writer.writerows(context.values(row) for row in partition)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def xlsx_bytes(context, result):
    """An .xlsx with a sheet per sector (or one sheet when the list is of one), each with a
    frozen header row and columns wide enough to read. Written row by row (write-only)."""
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    empty = True
    for sector_id, group in groupby(result, key=lambda row: row.sector_id):
        sheet = _sheet(workbook, context, _sheet_title(context.sector_names[sector_id]), bold)
        empty = False
        for row in group:
            # An empty cell given as None is left out of the file rather than written empty.
            sheet.append([value or None for value in context.values(row)])
    if empty:
        sectors = context.request.sectors
        _sheet(workbook, context, _sheet_title(sectors[0].name if len(sectors) == 1 else _("Participant list")), bold)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def _sheet(workbook, context, title, bold):
    sheet = workbook.create_sheet(title)
    sheet.freeze_panes = "A2"
    for index, (_key, _header, width, _value) in enumerate(context.fields, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(width, XLSX_MAX_WIDTH)
    header = []
    for text in context.headers():
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    return sheet


def _sheet_title(name):
    """Excel allows 31 characters and none of []:*?/\\ in a sheet's name (openpyxl numbers
    a name that is already taken)."""
    cleaned = "".join(" " if char in "[]:*?/\\" else char for char in name)[:31]
    return cleaned or "Sheet"


def pdf_bytes(context, result, *, sector_label):
    """A printable A4 list: the event, the sector, the date and the number of people."""
    people = [context.record(row) for row in result]
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_title(context.request.event.title)
    pdf.set_creator("Ting")
    for style, path in font_files().items():
        pdf.add_font("List", style, str(path))
    pdf.set_auto_page_break(True, margin=12)
    pdf.add_page()
    pdf.set_font("List", "B", 14)
    pdf.multi_cell(0, 7, context.request.event.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("List", "", 10)
    facts = [
        _("Sector: %(sector)s", sector=sector_label),
        _("Date: %(date)s", date=format_date(local_wall_time(utcnow()).date(), "long")),
        _("Number of people: %(count)d", count=len(people)),
    ]
    for line in facts:
        pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    columns = PDF_COLUMNS[context.request.scope.audience]
    pdf.set_font("List", "", 8)
    with pdf.table(
        col_widths=tuple(width for _key, width in columns), text_align="LEFT", line_height=4.5, repeat_headings=1
    ) as table:
        heading = table.row()
        headers = {key: str(header) for key, header, _width, _value in context.fields}
        for key, _width in columns:
            heading.cell(headers[key])
        for person in people:
            line = table.row()
            for key, _width in columns:
                line.cell(person[key])
    return bytes(pdf.output())


# A landscape page holds the fields that matter on paper; the files hold them all.
PDF_COLUMNS = {
    Audience.SECTOR: (
        ("first_name", 22),
        ("last_name", 26),
        ("organisation", 45),
        ("role", 35),
        ("municipality", 25),
        ("sessions", 60),
        ("email", 50),
    ),
    Audience.ORGANISER: (
        ("first_name", 20),
        ("last_name", 24),
        ("organisation", 40),
        ("sector", 30),
        ("municipality", 22),
        ("status", 18),
        ("email", 45),
        ("dietary_needs", 30),
        ("accessibility_needs", 30),
    ),
}
