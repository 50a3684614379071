"""Read forms out of HTML as a browser would, so tests post what the page offers."""

from html.parser import HTMLParser


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms = []
        self._textarea = None
        self._select = None
        self._options_seen = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action"), "fields": {}, "values": {}})
        elif not self.forms or (not attrs.get("name") and tag in ("input", "textarea", "select")):
            return
        elif tag == "input":
            kind = attrs.get("type", "text")
            if kind == "hidden":
                self.forms[-1]["fields"][attrs["name"]] = attrs.get("value", "")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.forms[-1]["values"][attrs["name"]] = attrs.get("value", "y")
            elif kind not in ("submit", "button", "file"):
                self.forms[-1]["values"][attrs["name"]] = attrs.get("value", "")
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self.forms[-1]["values"][self._textarea] = ""
        elif tag == "select":
            self._select = attrs["name"]
            self._options_seen = 0
        elif tag == "option" and self._select:
            # With no option selected, a browser sends the first.
            if "selected" in attrs or not self._options_seen:
                self.forms[-1]["values"][self._select] = attrs.get("value", "")
            self._options_seen += 1

    def handle_endtag(self, tag):
        if tag == "textarea":
            # A browser drops the newline that follows <textarea>.
            name = self._textarea
            self.forms[-1]["values"][name] = self.forms[-1]["values"][name].removeprefix("\r").removeprefix("\n")
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea:
            self.forms[-1]["values"][self._textarea] += data


def hidden_fields(html, index=0):
    """The hidden inputs (CSRF token, submission key) of the page's index-th form."""
    parser = _FormParser()
    parser.feed(html)
    return dict(parser.forms[index]["fields"])


def form_values(html, index=0):
    """Every value the page's index-th form sends as it stands (a single value per name):
    what a browser posts when the user changes nothing."""
    parser = _FormParser()
    parser.feed(html)
    return dict(parser.forms[index]["values"])


def submit(client, url, data, index=0):
    """GET the page with the form at `url`, then POST `data` with the form's hidden fields."""
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    return client.post(url, data=hidden_fields(page.get_data(as_text=True), index) | data)
