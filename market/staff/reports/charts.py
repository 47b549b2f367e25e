"""A report table drawn as a chart: server-made SVG, no script, no external file.

Made to be read three ways:
- on a phone: a `viewBox` 420 units wide shown at the page's width, so the 14-unit text is
  12 px on a 360 px screen; a vertical bar chart whose names would not fit under their bars
  is drawn as horizontal bars instead, each name on its own line above its bars;
- on paper: dark text, outlined bars, and each series with its own pattern (bars) or dash
  and marker (lines), so nothing depends on colour alone;
- by a screen reader: `role="img"` named by a `<title>` and a `<desc>` that says the figures
  are in the table beside it; each bar and point also carries its value in a `<title>`.

Only presentation attributes are used (no `style`), so the page's Content-Security-Policy
(`style-src 'self'`) lets the chart be inlined. Every text is escaped: province and program
names come from people.
"""
import math
import re
from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import escape

from market.staff.reports.formats import display, number_or_none, short, writable
from market.staff.reports.tables import Kind, Table

WIDTH = 420
PAD = 12
FONT = 14             # 12 px when the chart is 360 px wide
TITLE_FONT = 16
CHAR = 0.6            # a character's average width, in ems, for fitting labels
LINE = 18             # one line of 14-unit text
PLOT_HEIGHT = 220     # the value axis of vertical bars and lines
BAR = 14              # the thickness of a horizontal bar
INK = "#222"
GRID = "#c8c8c8"
COLOURS = ("#1f4e79", "#b45309", "#2f6b2f", "#6b3f8f", "#8a1c1c", "#00636b")
DASHES = ("", "7 4", "2 3", "9 3 2 3", "4 4", "1 2")
MARKERS = ("circle", "square", "triangle", "diamond")


@dataclass
class _Series:
    label: str
    kind: Kind
    values: list          # float | None
    full: list[str]       # each value as the table shows it
    short: list[str]      # each value for a tight place


@dataclass
class _Chart:
    ident: str
    locale: str
    kind: str
    title: str
    desc: str
    category_label: str
    categories: list[str]
    series: list[_Series]


def svg(table: Table, locale: str) -> str:
    """The table's chart as an SVG document (inline it in a page or write it to a file);
    "" when the table has no chart."""
    if table.chart is None:
        return ""
    with force_locale(locale):  # labels, the desc and "no figure" in the chart's language
        chart = _prepare(table, locale)
        if not chart.categories or not chart.series:
            return _empty(chart, _("No figures to draw."))
        if chart.kind == "line":
            return _line(chart)
        if chart.kind == "bar" and _fits_under_bars(chart):
            return _bars(chart)
        return _hbars(chart)


def _prepare(table: Table, locale: str) -> _Chart:
    spec = table.chart
    category = table.column(spec.category)
    categories = [display(value, category.kind, locale) or "—" for value in table.values(spec.category)]
    series = []
    for key in spec.series:
        column = table.column(key)
        values = [number_or_none(value) for value in table.values(key)]
        series.append(_Series(
            label=writable(str(column.label)), kind=column.kind, values=values,
            full=[display(value, column.kind, locale) for value in values],
            short=[short(value, column.kind, locale) for value in values],
        ))
    title = writable(str(spec.title or table.title))
    desc = _("%(series)s by %(category)s. Every figure is also in the table beside this chart.",
             series=", ".join(item.label for item in series), category=writable(str(category.label)))
    ident = "chart-" + re.sub(r"[^A-Za-z0-9_-]", "-", table.key)
    return _Chart(ident, locale, spec.kind, title, desc, writable(str(category.label)), categories, series)


# --- text -----------------------------------------------------------------------------------

def _fits(text: str, width: float, font: int = FONT) -> bool:
    return len(text) * font * CHAR <= width


def _wrap(text: str, width: float, lines: int, font: int = FONT) -> list[str]:
    """Words wrapped to `width`, at most `lines` lines, the last cut with "…" if need be."""
    most = max(1, int(width / (font * CHAR)))
    wrapped, current = [], ""
    for word in text.split():
        while len(word) > most:  # a word wider than the line is cut across lines
            if current:
                wrapped.append(current)
                current = ""
            wrapped.append(word[:most])
            word = word[most:]
        if current and len(current) + 1 + len(word) > most:
            wrapped.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current or not wrapped:
        wrapped.append(current)
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1][: most - 1].rstrip() + "…"
    return wrapped


def _text(x: float, y: float, content: str, *, anchor: str = "start", font: int = FONT,
          bold: bool = False) -> str:
    weight = ' font-weight="bold"' if bold else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{font}" text-anchor="{anchor}" fill="{INK}"'
            f'{weight}>{escape(content)}</text>')


def _lines(x: float, y: float, lines: list[str], **kwargs) -> list[str]:
    return [_text(x, y + index * LINE, line, **kwargs) for index, line in enumerate(lines)]


# --- the frame: title, legend, patterns --------------------------------------------------

def _document(chart: _Chart, height: float, body: list[str]) -> str:
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {math.ceil(height)}" '
            f'width="100%" role="img" aria-labelledby="{chart.ident}-title {chart.ident}-desc" '
            f'class="chart" font-family="system-ui, -apple-system, \'Segoe UI\', Roboto, sans-serif">')
    return "\n".join([
        head,
        f'<title id="{chart.ident}-title">{escape(chart.title)}</title>',
        f'<desc id="{chart.ident}-desc">{escape(chart.desc)}</desc>',
        f'<rect width="{WIDTH}" height="{math.ceil(height)}" fill="#fff"/>',
        *body,
        "</svg>",
    ])


def _heading(chart: _Chart) -> tuple[list[str], float]:
    """The visible title (the SVG may be read alone, as a file), and the y below it."""
    lines = _wrap(chart.title, WIDTH - 2 * PAD, 3, TITLE_FONT)
    parts = [_text(PAD, PAD + TITLE_FONT + index * (TITLE_FONT + 4), line, font=TITLE_FONT, bold=True)
             for index, line in enumerate(lines)]
    return parts, PAD + len(lines) * (TITLE_FONT + 4) + 8


def _patterns(chart: _Chart) -> str:
    """One fill per series: plain, stripes, dots, cross-hatch… so print in grey still tells them apart."""
    defs = []
    for index, _series in enumerate(chart.series):
        colour = COLOURS[index % len(COLOURS)]
        shape = index % 5
        if shape == 0:
            continue
        marks = {
            1: f'<path d="M0 0V6" stroke="{colour}" stroke-width="3"/>',
            2: f'<circle cx="3" cy="3" r="1.6" fill="{colour}"/>',
            3: f'<path d="M0 0V6M0 3H6" stroke="{colour}" stroke-width="1.5"/>',
            4: f'<path d="M0 1.5H6" stroke="{colour}" stroke-width="2.5"/>',
        }[shape]
        turn = ' patternTransform="rotate(45)"' if shape in (1, 3) else ""
        defs.append(f'<pattern id="{chart.ident}-p{index}" width="6" height="6" '
                    f'patternUnits="userSpaceOnUse"{turn}><rect width="6" height="6" fill="#fff"/>{marks}</pattern>')
    return f"<defs>{''.join(defs)}</defs>" if defs else ""


def _fill(chart: _Chart, index: int) -> str:
    if index % 5 == 0:
        return COLOURS[index % len(COLOURS)]
    return f"url(#{chart.ident}-p{index})"


def _legend(chart: _Chart, top: float, line: bool = False) -> tuple[list[str], float]:
    """One series a row: its swatch (or dash and marker) and its name."""
    parts, y = [], top
    for index, series in enumerate(chart.series):
        colour = COLOURS[index % len(COLOURS)]
        if line:
            parts.append(f'<path d="M{PAD} {y + 7}h24" stroke="{colour}" stroke-width="2.5" fill="none"'
                         f'{_dash(index)}/>')
            parts.append(_marker(index, PAD + 12, y + 7, ""))
        else:
            parts.append(f'<rect x="{PAD}" y="{y}" width="24" height="14" fill="{_fill(chart, index)}" '
                         f'stroke="{colour}" stroke-width="1.5"/>')
        lines = _wrap(series.label, WIDTH - 2 * PAD - 32, 2)
        parts.extend(_lines(PAD + 32, y + 12, lines))
        y += len(lines) * LINE + 4
    return parts, y + 6


def _empty(chart: _Chart, message: str) -> str:
    heading, y = _heading(chart)
    return _document(chart, y + LINE + PAD, heading + [_text(PAD, y + FONT, message)])


# --- the value axis ---------------------------------------------------------------------------

def _domain(chart: _Chart) -> tuple[float, float]:
    values = [value for series in chart.series for value in series.values if value is not None]
    low, high = min([0.0, *values]), max([0.0, *values])
    return (low, high) if high > low else (low, low + 1)


def _ticks(low: float, high: float, whole: bool) -> list[float]:
    """Round steps covering [low, high]: 0, 250, 500… (whole numbers for counts and đồng)."""
    raw = (high - low) / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    steps = (1, 2, 5, 10) if whole and magnitude <= 1 else (1, 2, 2.5, 5, 10)
    step = next(multiple * magnitude for multiple in steps if multiple * magnitude >= raw)
    if whole:
        step = max(step, 1)
    first, last = math.floor(low / step), math.ceil(high / step)
    ticks = [index * step for index in range(first, last + 1)]
    return ticks if all(math.isfinite(tick) for tick in ticks) else [low, high]


def _axis(chart: _Chart) -> tuple[list[float], list[str], float]:
    """The ticks, their labels, and the room their labels need on the left."""
    kind = chart.series[0].kind
    ticks = _ticks(*_domain(chart), whole=kind in (Kind.COUNT, Kind.MONEY))
    labels = [short(tick, kind, chart.locale) for tick in ticks]
    room = min(WIDTH * 0.4, max(len(label) for label in labels) * FONT * CHAR + 8)
    return ticks, labels, room


def _grid(ticks: list[float], labels: list[str], left: float, scale) -> list[str]:
    parts = []
    for tick, label in zip(ticks, labels):
        y = scale(tick)
        parts.append(f'<path d="M{left:.1f} {y:.1f}H{WIDTH - PAD}" stroke="{GRID}" stroke-width="1"/>')
        parts.append(_text(left - 6, y + 5, label, anchor="end"))
    return parts


# --- vertical bars ----------------------------------------------------------------------------

def _fits_under_bars(chart: _Chart) -> bool:
    """Whether every name fits under its bars in two lines (else horizontal bars read better)."""
    _ticks_, _labels, room = _axis(chart)
    slot = (WIDTH - PAD - PAD - room) / len(chart.categories)
    most = max(1, int((slot - 4) / (FONT * CHAR)))
    for name in chart.categories:
        if any(len(word) > most for word in name.split()) or len(_wrap(name, slot - 4, 3)) > 2:
            return False
    return True


def _bars(chart: _Chart) -> str:
    heading, top = _heading(chart)
    legend, top = _legend(chart, top)
    ticks, labels, room = _axis(chart)
    left = PAD + room
    slot = (WIDTH - PAD - left) / len(chart.categories)
    low, high = ticks[0], ticks[-1]
    plot_top = top + LINE  # room for a value label above the tallest bar

    def scale(value: float) -> float:
        return plot_top + PLOT_HEIGHT * (high - value) / (high - low)

    parts = [_patterns(chart), *heading, *legend, *_grid(ticks, labels, left, scale)]
    width = slot * 0.8 / len(chart.series)
    # Names under the axis, lower still when a negative bar's value label hangs below it.
    names = scale(low) + LINE + 2 + (LINE if low < 0 else 0)
    for position, name in enumerate(chart.categories):
        x = left + position * slot + slot * 0.1
        for index, series in enumerate(chart.series):
            parts.append(_bar(chart, index, series, position, name, x + index * width, width, scale))
        parts.extend(_lines(left + (position + 0.5) * slot, names, _wrap(name, slot - 4, 2), anchor="middle"))
    parts.append(f'<path d="M{left:.1f} {scale(0):.1f}H{WIDTH - PAD}" stroke="{INK}" stroke-width="1.5"/>')
    return _document(chart, names + LINE + PAD + 4, parts)


def _bar(chart: _Chart, index: int, series: _Series, position: int, name: str, x: float, width: float,
         scale) -> str:
    value = series.values[position]
    tip = escape(f"{name}, {series.label}: {series.full[position] or _('no figure')}")
    if value is None:
        return f'<g><title>{tip}</title>{_text(x + width / 2, scale(0) - 4, "—", anchor="middle")}</g>'
    y0, y1 = sorted((scale(0), scale(value)))
    colour = COLOURS[index % len(COLOURS)]
    rect = (f'<rect x="{x:.1f}" y="{y0:.1f}" width="{width:.1f}" height="{max(y1 - y0, 0.5):.1f}" '
            f'fill="{_fill(chart, index)}" stroke="{colour}" stroke-width="1.5"><title>{tip}</title></rect>')
    label = series.short[position]
    if not _fits(label, width + min(width * 0.25, 8)):
        return rect
    above = y0 - 4 if value >= 0 else y1 + FONT
    return rect + _text(x + width / 2, above, label, anchor="middle")



# --- horizontal bars --------------------------------------------------------------------------

def _hbars(chart: _Chart) -> str:
    """Each name on its own line (long province names fit), its bars below, each value
    written at the end of its bar: no axis to read across."""
    heading, top = _heading(chart)
    legend, top = _legend(chart, top)
    low, high = _domain(chart)
    widest = max(len(label) for series in chart.series for label in series.short)
    room = min(WIDTH * 0.45, max(widest, 1) * FONT * CHAR + 8)
    left, right = PAD, WIDTH - PAD - room

    def scale(value: float) -> float:
        return left + (right - left) * (value - low) / (high - low)

    parts, y = [_patterns(chart), *heading, *legend], top
    for position, name in enumerate(chart.categories):
        lines = _wrap(name, WIDTH - 2 * PAD, 2)
        parts.extend(_lines(PAD, y + FONT, lines))
        y += len(lines) * LINE + 2
        for index, series in enumerate(chart.series):
            parts.append(_hbar(chart, index, series, position, name, y, scale))
            y += BAR + 4
        # The zero line beside the bars only, so it never strikes through a name.
        parts.append(f'<path d="M{scale(0):.1f} {y - len(chart.series) * (BAR + 4) - 2:.1f}V{y - 2:.1f}" '
                     f'stroke="{INK}" stroke-width="1.5"/>')
        y += 8
    return _document(chart, y + PAD, parts)


def _hbar(chart: _Chart, index: int, series: _Series, position: int, name: str, y: float, scale) -> str:
    value = series.values[position]
    tip = escape(f"{name}, {series.label}: {series.full[position] or _('no figure')}")
    if value is None:
        return f'<g><title>{tip}</title>{_text(scale(0) + 4, y + BAR - 2, "—")}</g>'
    x0, x1 = sorted((scale(0), scale(value)))
    colour = COLOURS[index % len(COLOURS)]
    return (f'<rect x="{x0:.1f}" y="{y:.1f}" width="{max(x1 - x0, 0.5):.1f}" height="{BAR}" '
            f'fill="{_fill(chart, index)}" stroke="{colour}" stroke-width="1.5"><title>{tip}</title></rect>'
            + _text(max(x1, scale(0)) + 4, y + BAR - 2, series.short[position]))


# --- lines ------------------------------------------------------------------------------------

def _line(chart: _Chart) -> str:
    """Month trends: one line a series, a marker on each point (its value in a `<title>`);
    a missing value breaks the line; names under the axis thinned out to fit."""
    heading, top = _heading(chart)
    legend, top = _legend(chart, top, line=True)
    ticks, labels, room = _axis(chart)
    left = PAD + room
    slot = (WIDTH - PAD - left) / len(chart.categories)
    low, high = ticks[0], ticks[-1]
    plot_top = top + 8

    def x_of(position: int) -> float:
        return left + (position + 0.5) * slot

    def scale(value: float) -> float:
        return plot_top + PLOT_HEIGHT * (high - value) / (high - low)

    parts = [*heading, *legend, *_grid(ticks, labels, left, scale)]
    for index, series in enumerate(chart.series):
        parts.extend(_polyline(chart, index, series, x_of, scale))
    parts.append(f'<path d="M{left:.1f} {scale(low):.1f}H{WIDTH - PAD}" stroke="{INK}" stroke-width="1.5"/>')
    widest = max(len(name) for name in chart.categories) * FONT * CHAR + 12
    every = max(1, math.ceil(widest / slot))
    for position, name in enumerate(chart.categories):
        if position % every:
            continue
        line = _wrap(name, max(slot * every - 4, FONT), 1)[0]
        half = len(line) * FONT * CHAR / 2
        x = min(max(x_of(position), half + 2), WIDTH - half - 2)  # kept inside the picture
        parts.append(_text(x, scale(low) + LINE + 2, line, anchor="middle"))
    return _document(chart, scale(low) + LINE + 2 + PAD, parts)


def _polyline(chart: _Chart, index: int, series: _Series, x_of, scale) -> list[str]:
    colour = COLOURS[index % len(COLOURS)]
    parts, run = [], []
    for position, value in enumerate([*series.values, None]):
        if value is not None:
            run.append(f"{x_of(position):.1f} {scale(value):.1f}")
            continue
        if len(run) > 1:
            parts.append(f'<path d="M{"L".join(run)}" fill="none" stroke="{colour}" stroke-width="2.5"'
                         f'{_dash(index)}/>')
        run = []
    for position, value in enumerate(series.values):
        if value is not None:
            tip = f"{chart.categories[position]}, {series.label}: {series.full[position]}"
            parts.append(_marker(index, x_of(position), scale(value), tip))
    return parts


def _dash(index: int) -> str:
    dash = DASHES[index % len(DASHES)]
    return f' stroke-dasharray="{dash}"' if dash else ""


def _marker(index: int, x: float, y: float, tip: str) -> str:
    """A point's marker, its shape telling the series apart without colour."""
    colour = COLOURS[index % len(COLOURS)]
    title = f"<title>{escape(tip)}</title>" if tip else ""
    shape = MARKERS[index % len(MARKERS)]
    paint = f'fill="{colour}" stroke="#fff" stroke-width="1"'
    if shape == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" {paint}>{title}</circle>'
    if shape == "square":
        return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" {paint}>{title}</rect>'
    if shape == "triangle":
        points = f"M{x:.1f} {y - 5.5:.1f}L{x + 5:.1f} {y + 4:.1f}L{x - 5:.1f} {y + 4:.1f}Z"
    else:
        points = f"M{x:.1f} {y - 5.5:.1f}L{x + 5.5:.1f} {y:.1f}L{x:.1f} {y + 5.5:.1f}L{x - 5.5:.1f} {y:.1f}Z"
    return f'<path d="{points}" {paint}>{title}</path>'
