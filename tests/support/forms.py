"""Read forms out of HTML as a browser would, so tests post what the page offers."""

from html.parser import HTMLParser


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action"), "fields": {}})
        elif tag == "input" and self.forms and attrs.get("type") == "hidden":
            self.forms[-1]["fields"][attrs.get("name")] = attrs.get("value", "")


def hidden_fields(html, index=0):
    """The hidden inputs (CSRF token, submission key) of the page's index-th form."""
    parser = _FormParser()
    parser.feed(html)
    return dict(parser.forms[index]["fields"])


def submit(client, url, data, index=0):
    """GET the page with the form at `url`, then POST `data` with the form's hidden fields."""
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    return client.post(url, data=hidden_fields(page.get_data(as_text=True), index) | data)
