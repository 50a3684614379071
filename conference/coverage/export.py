"""The coverage as an XLSX workbook: the municipality matrix, the sector matrix, and the gaps."""

import io

from flask_babel import format_date
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from conference.coverage.services import gap_sentence

FILLS = {
    "none": PatternFill("solid", fgColor="F4D6D6"),
    "few": PatternFill("solid", fgColor="FBE7C6"),
    "several": PatternFill("solid", fgColor="D4EDDA"),
}


def coverage_workbook(result, *, this_year):
    workbook = Workbook()
    municipalities = workbook.active
    municipalities.title = _("Municipalities")[:31]
    _matrix(municipalities, result, result.municipalities, _("Municipality"))
    _matrix(workbook.create_sheet(_("Sectors")[:31]), result, result.sectors, _("Sector"))
    gaps = workbook.create_sheet(_("Gaps")[:31])
    gaps.append([_("Gaps")])
    gaps["A1"].font = Font(bold=True)
    for gap in result.gaps:
        gaps.append([gap_sentence(gap, result, this_year=this_year)])
    gaps.column_dimensions["A"].width = 90
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _matrix(sheet, result, rows, first_heading):
    sheet.append(
        [first_heading]
        + [
            f"{column.forum_name}: {column.title} ({format_date(column.starts_at, 'short')})"
            for column in result.columns
        ]
        + [_("Editions reached"), _("Total")]
    )
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([row.label] + [cell.count for cell in row.cells] + [row.reached, row.total])
        for position, cell in enumerate(row.cells, start=2):
            sheet.cell(row=sheet.max_row, column=position).fill = FILLS[cell.band]
    sheet.column_dimensions["A"].width = 40
    sheet.freeze_panes = "B2"
