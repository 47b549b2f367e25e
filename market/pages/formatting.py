"""The pages' own tiny text format, turned into HTML safely.

Text is stored as typed. Shown, it is split into lines and EVERY piece of text is escaped
first; only our own tags are put around the escaped pieces:

- a blank line ends a paragraph (the lines of one paragraph keep their line breaks);
- a line starting with "## " is a heading (h2), "### " a smaller one (h3);
- lines starting with "- " are the items of a list;
- "[words](/path)" is a link to a page of this site (a path starting with one "/" and
  made of URL characters only; anything else stays text);
- a line "[picture: name]" shows the screenshot of that name, when `pictures` knows it
  (see `pictures.py`); an unknown name stays text.

Nothing else is read: a "<script>" in the text stays text.
"""
import re
from collections.abc import Callable

from markupsafe import Markup, escape

# A site path: one leading slash (never "//host"), then unreserved URL characters only, so
# no quote, space, angle bracket or backslash can reach the attribute.
_LINK = re.compile(r"\[([^\[\]\n]{1,120})\]\((/(?![/\\])[A-Za-z0-9\-._~/?=&#%]{0,200})\)")
_PICTURE = re.compile(r"^\[picture:\s*([a-z0-9-]{1,40})\s*\]$")


def _inline(text: str) -> Markup:
    """Escaped text, with its site links made links."""
    out: list[Markup] = []
    position = 0
    for match in _LINK.finditer(text):
        out.append(escape(text[position:match.start()]))
        out.append(Markup('<a href="{}">{}</a>').format(match.group(2), match.group(1)))
        position = match.end()
    out.append(escape(text[position:]))
    return Markup("").join(out)


def render_body(text: str, pictures: Callable[[str], Markup | None] | None = None) -> Markup:
    """The text as HTML. `pictures(name)` gives the markup of a known picture, else None."""
    html: list[Markup] = []
    paragraph: list[str] = []
    items: list[str] = []

    def close_paragraph():
        if paragraph:
            html.append(Markup("<p>{}</p>").format(Markup("<br>").join(_inline(line) for line in paragraph)))
            paragraph.clear()

    def close_list():
        if items:
            html.append(Markup("<ul>{}</ul>").format(Markup("").join(Markup("<li>{}</li>").format(_inline(i)) for i in items)))
            items.clear()

    for raw in (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.strip()
        picture = _PICTURE.match(line)
        figure = pictures(picture.group(1)) if picture and pictures is not None else None
        if not line:
            close_paragraph()
            close_list()
        elif figure is not None:
            close_paragraph()
            close_list()
            html.append(figure)
        elif line.startswith("### "):
            close_paragraph()
            close_list()
            html.append(Markup("<h3>{}</h3>").format(line[4:].strip()))
        elif line.startswith("## "):
            close_paragraph()
            close_list()
            html.append(Markup("<h2>{}</h2>").format(line[3:].strip()))
        elif line.startswith("- "):
            close_paragraph()
            items.append(line[2:].strip())
        else:
            close_list()
            paragraph.append(line)
    close_paragraph()
    close_list()
    return Markup("\n").join(html)
