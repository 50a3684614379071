"""A mailing's text: placeholders, Markdown turned into sanitised HTML and a plain-text part,
and the finished RFC 5322 message of each recipient.

A mailing to ten thousand people is rendered when it is queued, so the work per recipient
is kept small: the Markdown is compiled once per language into pieces, and a recipient's
message is those pieces joined with their values, escaped for HTML where needed.
"""

import base64
import binascii
import html
import re
import secrets
from dataclasses import dataclass
from email.header import Header
from email.utils import formatdate

import markdown
import nh3
from flask_babel import lazy_gettext as _l

PLACEHOLDERS = {
    "first_name": _l("the attendee's first name"),
    "name": _l("the attendee's full name"),
    "organisation": _l("the attendee's organisation"),
    "event": _l("the event's title"),
    "sessions": _l("the sessions the attendee chose, one per line"),
    "manage_link": _l("the attendee's personal link to their registration"),
    "unsubscribe_link": _l("the link that unsubscribes from mailings"),
}
LINKS = {"manage_link", "unsubscribe_link"}
# 45 bytes are 60 characters of base64: with "=?utf-8?b?" and "?=", 72 of the 75 allowed.
ENCODED_WORD_BYTES = 45
PLACEHOLDER = re.compile(r"\{([^{}\s]{1,40})\}")


def unknown_placeholders(text):
    """The names in braces in `text` that are not placeholders, in order of appearance."""
    return list(dict.fromkeys(name for name in PLACEHOLDER.findall(text) if name not in PLACEHOLDERS))


@dataclass
class Pieces:
    """A text split at its placeholders: literal, name, literal, name, …, literal."""

    parts: list

    @classmethod
    def of(cls, text):
        return cls(PLACEHOLDER.split(text))

    def fill(self, values):
        # A name in braces that is no placeholder (refused when saving) stays as it was written.
        return "".join(
            part if index % 2 == 0 else values[part] if part in values else "{" + part + "}"
            for index, part in enumerate(self.parts)
        )


class Template:
    """One language's version of a mailing, compiled once: subject, text part, HTML part."""

    def __init__(self, subject, body, *, lead="", note=""):
        self.subject = Pieces.of(" ".join(subject.split()))
        text = (lead + "\n\n" if lead else "") + body.strip() + ("\n\n-- \n" + note if note else "")
        self.text = Pieces.of(text)
        self.html = _html_pieces(body, lead, note)

    def render(self, values):
        """(subject, text, HTML fragment) for one recipient; `values` maps every placeholder to plain text."""
        escaped = {name: html.escape(value) for name, value in values.items()}
        escaped["sessions"] = escaped["sessions"].replace("\n", "<br>\n")
        for name in LINKS:
            escaped[f"{name}:a"] = f'<a href="{escaped[name]}">{escaped[name]}</a>'
        return self.subject.fill(values), self.text.fill(values), self.html.fill(escaped)


def _html_pieces(body, lead, note):
    sanitised = nh3.clean(markdown.markdown(body, extensions=["sane_lists"], output_format="html"))
    if lead:
        sanitised = f"<p><strong>{html.escape(lead)}</strong></p>\n{sanitised}"
    if note:
        note_html = html.escape(note).replace("\n", "<br>\n")
        sanitised += f'\n<hr>\n<p style="color: #4a4a4a; font-size: 0.9em;">{note_html}</p>'
    pieces = Pieces.of(sanitised)
    # A link placeholder as an attribute value is the bare address; in running text, a link.
    for index in range(1, len(pieces.parts), 2):
        if pieces.parts[index] in LINKS and not pieces.parts[index - 1].endswith('href="'):
            pieces.parts[index] += ":a"
    return pieces


class MessageWriter:
    """Writes finished messages fast: headers and MIME parts by hand, quoted-printable bodies."""

    def __init__(self, sender):
        self.sender = sender if sender.isascii() else Header(sender, "utf-8").encode()  # once per mailing
        self.date = formatdate(usegmt=True)
        self.boundary = f"ting-{secrets.token_hex(12)}"

    def write(self, *, message_id, recipient, subject, text, html_body, unsubscribe_url):
        # One line whatever a placeholder's value holds: a line break would start a header of its own.
        subject = " ".join(subject.split())
        encoded_subject = subject if subject.isascii() else encode_header(subject)
        document = (
            '<!doctype html>\n<html><head><meta charset="utf-8"></head>\n'
            '<body style="font-family: Arial, sans-serif; color: #1a1a1a; line-height: 1.5; max-width: 40em;">\n'
            f"{html_body}\n</body></html>\n"
        )
        return (
            f"From: {self.sender}\r\n"
            f"To: {recipient}\r\n"
            f"Subject: {encoded_subject}\r\n"
            f"Date: {self.date}\r\n"
            f"Message-ID: {message_id}\r\n"
            f"List-Unsubscribe: <{unsubscribe_url}>\r\n"
            "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
            "MIME-Version: 1.0\r\n"
            f'Content-Type: multipart/alternative; boundary="{self.boundary}"\r\n'
            "\r\n"
            f"--{self.boundary}\r\n"
            f"{_part('plain', text)}"
            f"--{self.boundary}\r\n"
            f"{_part('html', document)}"
            f"--{self.boundary}--\r\n"
        )


def encode_header(text):
    """`text` as RFC 2047 encoded words of at most 75 characters, whole characters in each;
    what email.header does, at a fraction of its cost per message."""
    words, word, size = [], [], 0
    for character in text:
        length = len(character.encode())
        if size + length > ENCODED_WORD_BYTES:
            words.append("".join(word))
            word, size = [], 0
        word.append(character)
        size += length
    words.append("".join(word))
    return "\r\n ".join(f"=?utf-8?b?{base64.b64encode(part.encode()).decode()}?=" for part in words)


def _part(subtype, content):
    body = binascii.b2a_qp(content.replace("\r\n", "\n").encode(), istext=True).decode("ascii")
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
        "Content-Transfer-Encoding: quoted-printable\r\n"
        "\r\n"
        f"{body.replace(chr(10), chr(13) + chr(10))}\r\n"
    )
