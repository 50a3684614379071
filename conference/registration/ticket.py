"""The ticket's QR code: it holds the check-in code and nothing else, so that a lost
ticket gives the finder no way into the registration (the manage link stays private)."""

import io

import segno
from markupsafe import Markup


def _qr(code):
    return segno.make_qr(code, error="m")


def qr_png(code, *, scale=10):
    """The QR code of `code` as PNG bytes, with the quiet zone readers need."""
    buffer = io.BytesIO()
    _qr(code).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def qr_svg(code, *, title=""):
    """The QR code of `code` as inline SVG that scales with its CSS box."""
    svg = _qr(code).svg_inline(
        scale=1, border=4, light="#fff", omitsize=True, svgclass="ticket-qr", title=title or None
    )
    return Markup(svg)


def qr_modules(code):
    """The QR code of `code` as rows of dark (1) and light (0) modules, quiet zone included."""
    return [tuple(row) for row in _qr(code).matrix_iter(scale=1, border=4)]
