"""The pages' own tiny text format, turned into HTML safely.

Text is stored as typed. Shown, it is split into lines and EVERY piece of text is escaped
first; only our own tags are put around the escaped pieces:

- a blank line ends a paragraph (the lines of one paragraph keep their line breaks);
- a line starting with "## " is a heading (h2), "### " a smaller one (h3);
- lines starting with "- " are the items of a list.

Nothing else is read: a "<script>" in the text stays text.
"""
from markupsafe import Markup, escape


def render_body(text: str) -> Markup:
    html: list[Markup] = []
    paragraph: list[str] = []
    items: list[str] = []

    def close_paragraph():
        if paragraph:
            html.append(Markup("<p>{}</p>").format(Markup("<br>").join(escape(line) for line in paragraph)))
            paragraph.clear()

    def close_list():
        if items:
            html.append(Markup("<ul>{}</ul>").format(Markup("").join(Markup("<li>{}</li>").format(i) for i in items)))
            items.clear()

    for raw in (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.strip()
        if not line:
            close_paragraph()
            close_list()
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
