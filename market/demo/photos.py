"""Placeholder product photos for the demo, drawn in memory: a soft gradient, a few shapes that
suit the product (its motif) and its short name on a band at the bottom. The same product
always gets the same photo (the randomness is seeded by its name and the photo's number).
"""
import hashlib
import io
import math
import random
import unicodedata
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont
from werkzeug.datastructures import FileStorage

DRAW_SIDE = 900  # the shapes below are laid out on a 900 px square
PHOTO_SIDE = 900  # the uploaded size (the stored "large" variant keeps it); tests use less


def photo(item, index: int) -> FileStorage:
    """A product photo: gradient, shapes of the product's motif and its short name.

    `item` has the product's `name`, its `label` (the short name, "\\n" for a second line),
    `colours` (gradient top, gradient bottom, shapes) and `motif` (a key of MOTIFS).
    """
    seed = int.from_bytes(hashlib.sha256(f"{item.name}/{index}".encode()).digest()[:8], "big")
    rng = random.Random(seed)
    top, bottom, accent = (_rgb(colour) for colour in item.colours)
    if index == 1:  # a second view: the gradient the other way round
        top, bottom = bottom, top
    image = _gradient(top, bottom, DRAW_SIDE, rng)
    draw = ImageDraw.Draw(image, "RGBA")
    MOTIFS[item.motif](draw, rng, accent, top, bottom, DRAW_SIDE, index)
    _label(draw, item.label, DRAW_SIDE, index)
    if PHOTO_SIDE != DRAW_SIDE:
        image = image.resize((PHOTO_SIDE, PHOTO_SIDE), Image.Resampling.BILINEAR, reducing_gap=2.0)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=82)
    buffer.seek(0)
    return FileStorage(stream=buffer, filename=f"anh-{index + 1}.jpg", content_type="image/jpeg")


def _rgb(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return tuple(int(colour[i:i + 2], 16) for i in (0, 2, 4))


def _mix(a, b, t: float) -> tuple[int, int, int]:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b))


def _rgba(colour, alpha: int) -> tuple[int, int, int, int]:
    return (*colour, alpha)


def _gradient(top, bottom, side: int, rng: random.Random) -> Image.Image:
    # Turned on a 256 px gradient, cropped (no hard corners where it ends), then enlarged: cheap.
    mask = Image.linear_gradient("L").resize((372, 372), Image.Resampling.BILINEAR)
    mask = mask.rotate(rng.choice((0, 15, -15, 30, -30)), resample=Image.Resampling.BILINEAR)
    mask = mask.crop((58, 58, 314, 314)).resize((side, side), Image.Resampling.BILINEAR)
    return Image.composite(Image.new("RGB", (side, side), bottom), Image.new("RGB", (side, side), top), mask)


def _rotated(points, cx: float, cy: float, angle: float):
    cos, sin = math.cos(angle), math.sin(angle)
    return [(cx + x * cos - y * sin, cy + x * sin + y * cos) for x, y in points]


def _ellipse(cx, cy, rx, ry, angle, steps: int = 28):
    points = [(rx * math.cos(2 * math.pi * i / steps), ry * math.sin(2 * math.pi * i / steps)) for i in range(steps)]
    return _rotated(points, cx, cy, angle)


def _leaf(cx, cy, length, width, angle, steps: int = 14):
    upper = [((t / steps - 0.5) * length, -width / 2 * math.sin(math.pi * t / steps)) for t in range(steps + 1)]
    lower = [(x, -y) for x, y in reversed(upper[1:-1])]
    return _rotated(upper + lower, cx, cy, angle)


def _spots(rng, side, count, margin=90):
    """Random centres in the upper two thirds (the label sits below)."""
    return [(rng.uniform(margin, side - margin), rng.uniform(margin, side * 0.62)) for _ in range(count)]


# Each motif draws on the upper part of the photo; `view` (0, 1, 2) varies the layout.

def _beans(draw, rng, accent, top, bottom, side, view):
    for cx, cy in _spots(rng, side, 9 + 4 * view):
        angle, r = rng.uniform(0, math.pi), rng.uniform(40, 70)
        draw.polygon(_ellipse(cx, cy, r, r * 0.68, angle), fill=_rgba(accent, 230))
        crease = _rotated([(-r * 0.8, 0), (-r * 0.3, r * 0.12), (r * 0.3, -r * 0.12), (r * 0.8, 0)], cx, cy, angle)
        draw.line(crease, fill=_rgba(_mix(accent, (255, 240, 220), 0.45), 255), width=6)


def _leaves(draw, rng, accent, top, bottom, side, view):
    for cx, cy in _spots(rng, side, 7 + 3 * view):
        angle, length = rng.uniform(0, math.pi), rng.uniform(120, 220)
        colour = _mix(accent, (255, 255, 255), rng.uniform(0, 0.35))
        draw.polygon(_leaf(cx, cy, length, length * 0.42, angle), fill=_rgba(colour, 220))
        draw.line(_rotated([(-length / 2, 0), (length / 2, 0)], cx, cy, angle), fill=_rgba(bottom, 160), width=4)


def _fruit(draw, rng, accent, top, bottom, side, view):
    for cx, cy in _spots(rng, side, 6 + 2 * view, margin=130):
        r = rng.uniform(55, 100)
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=_rgba(accent, 225))
        draw.ellipse((cx - r * 0.55, cy - r * 0.6, cx - r * 0.1, cy - r * 0.2), fill=(255, 255, 255, 90))


def _grains(draw, rng, accent, top, bottom, side, view):
    for cx, cy in _spots(rng, side, 70 + 30 * view, margin=60):
        r = rng.uniform(14, 22)
        colour = _mix(accent, (255, 255, 255), rng.uniform(0, 0.3))
        draw.polygon(_ellipse(cx, cy, r, r * 0.45, rng.uniform(0, math.pi), 12), fill=_rgba(colour, 235))


def _seeds(draw, rng, accent, top, bottom, side, view):
    _grains(draw, rng, bottom, top, bottom, side, view)
    for cx, cy in _spots(rng, side, 4 + view, margin=150):
        draw.line([(cx, cy + 60), (cx, cy - 20)], fill=_rgba(accent, 255), width=8)
        draw.polygon(_leaf(cx - 45, cy - 30, 100, 44, -0.5), fill=_rgba(accent, 235))
        draw.polygon(_leaf(cx + 45, cy - 30, 100, 44, 0.5), fill=_rgba(accent, 235))


def _jar(draw, rng, accent, top, bottom, side, view):
    count = 1 if view == 0 else 2
    for i in range(count):
        w = 300 if count == 1 else 230
        cx = side / 2 if count == 1 else side * (0.3 + 0.4 * i)
        x0, y0 = cx - w / 2, 170
        draw.rounded_rectangle((x0, y0, x0 + w, y0 + w * 1.15), radius=45, fill=_rgba(accent, 225))
        draw.rectangle((x0 + 20, y0 - 55, x0 + w - 20, y0 + 5), fill=_rgba(_mix(accent, (0, 0, 0), 0.35), 255))
        draw.rectangle((x0 + 25, y0 + w * 0.35, x0 + w - 25, y0 + w * 0.75), fill=(255, 255, 255, 200))
        draw.ellipse((cx - 30, y0 + w * 0.45, cx + 30, y0 + w * 0.65), fill=_rgba(top, 255))


def _bottle(draw, rng, accent, top, bottom, side, view):
    count = 1 + view
    for i in range(count):
        cx = side * (i + 1) / (count + 1)
        w = 190 - 25 * view
        draw.rounded_rectangle((cx - w / 2, 230, cx + w / 2, 560), radius=40, fill=_rgba(accent, 225))
        draw.rectangle((cx - w / 5, 140, cx + w / 5, 240), fill=_rgba(accent, 225))
        draw.rectangle((cx - w / 4, 100, cx + w / 4, 150), fill=_rgba(_mix(accent, (0, 0, 0), 0.4), 255))
        draw.rectangle((cx - w / 2 + 15, 330, cx + w / 2 - 15, 450), fill=(255, 255, 255, 190))


def _drops(draw, rng, accent, top, bottom, side, view):
    for cx, cy in _spots(rng, side, 5 + 2 * view, margin=140):
        r = rng.uniform(45, 80)
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=_rgba(accent, 200))
        tip = [(cx - r * 0.87, cy - r * 0.5), (cx, cy - r * 2.1), (cx + r * 0.87, cy - r * 0.5)]
        draw.polygon(tip, fill=_rgba(accent, 200))
        draw.ellipse((cx - r * 0.5, cy - r * 0.3, cx - r * 0.15, cy + r * 0.1), fill=(255, 255, 255, 110))


def _soap(draw, rng, accent, top, bottom, side, view):
    for i in range(3 if view else 2):
        x0, y0 = 170 + 60 * i + rng.uniform(-20, 20), 140 + 120 * i
        draw.rounded_rectangle((x0, y0, x0 + 480, y0 + 170), radius=50, fill=_rgba(_mix(accent, top, 0.2 * i), 235))
        draw.polygon(_leaf(x0 + 240, y0 + 85, 150, 60, rng.uniform(-0.4, 0.4)), fill=_rgba(top, 200))


def _box(draw, rng, accent, top, bottom, side, view):
    x0, y0, w, h = 190, 150, 520, 400
    draw.rectangle((x0, y0, x0 + w, y0 + h), fill=_rgba(accent, 230))
    draw.rectangle((x0 + w / 2 - 35, y0, x0 + w / 2 + 35, y0 + h), fill=_rgba(top, 230))
    draw.rectangle((x0, y0 + h / 2 - 35, x0 + w, y0 + h / 2 + 35), fill=_rgba(top, 230))
    draw.ellipse((x0 + w / 2 - 90, y0 - 60, x0 + w / 2, y0 + 20), outline=_rgba(top, 255), width=18)
    draw.ellipse((x0 + w / 2, y0 - 60, x0 + w / 2 + 90, y0 + 20), outline=_rgba(top, 255), width=18)


def _candy(draw, rng, accent, top, bottom, side, view):
    for cx, cy in _spots(rng, side, 10 + 3 * view, margin=110):
        s = rng.uniform(50, 80)
        piece = _rotated([(-s, -s * 0.6), (s, -s * 0.6), (s, s * 0.6), (-s, s * 0.6)], cx, cy, rng.uniform(0, math.pi))
        draw.polygon(piece, fill=_rgba(accent, 225))
        for _ in range(6):
            dx, dy = rng.uniform(-s * 0.7, s * 0.7), rng.uniform(-s * 0.4, s * 0.4)
            draw.ellipse((cx + dx - 4, cy + dy - 3, cx + dx + 4, cy + dy + 3), fill=(255, 250, 235, 230))


def _brocade(draw, rng, accent, top, bottom, side, view):
    light = _mix(top, (255, 255, 255), 0.5)
    size = 70 if view != 1 else 100
    for row, y in enumerate(range(60, int(side * 0.66), size)):
        colour = accent if row % 2 == 0 else light
        for x in range(-size // 2 if row % 2 else 0, side + size, size):
            draw.polygon([(x, y), (x + size / 2, y + size / 2), (x, y + size), (x - size / 2, y + size / 2)],
                         fill=_rgba(colour, 220))
            draw.polygon([(x, y + size * 0.3), (x + size * 0.2, y + size / 2), (x, y + size * 0.7),
                          (x - size * 0.2, y + size / 2)], fill=_rgba(bottom, 255))


def _fabric(draw, rng, accent, top, bottom, side, view):
    light = _mix(top, (255, 255, 255), 0.6)
    for band in range(7):
        y0 = 50 + band * 85
        phase, amplitude = rng.uniform(0, math.pi), 18 + 8 * view
        wave = [(x, y0 + amplitude * math.sin(x / 70 + phase)) for x in range(0, side + 30, 30)]
        draw.line(wave, fill=_rgba(accent if band % 2 else light, 210), width=26)
        if band % 2 == 0:
            for x in range(40, side, 90):
                y = y0 + amplitude * math.sin(x / 70 + phase)
                draw.ellipse((x - 9, y - 9, x + 9, y + 9), fill=_rgba(bottom, 255))


def _weave(draw, rng, accent, top, bottom, side, view):
    step = 60 if view != 1 else 90
    light = _mix(accent, (255, 255, 255), 0.45)
    for i, y in enumerate(range(40, int(side * 0.66), step)):
        for j, x in enumerate(range(40, side - 40, step)):
            horizontal = (i + j) % 2 == 0
            inset_x, inset_y = (4, 14) if horizontal else (14, 4)
            box = (x + inset_x, y + inset_y, x + step - inset_x, y + step - inset_y)
            draw.rectangle(box, fill=_rgba(accent if horizontal else light, 225))


def _basket(draw, rng, accent, top, bottom, side, view):
    cx, w_top, w_bottom, y0, y1 = side / 2, 560 - 60 * view, 400 - 40 * view, 250, 560
    draw.arc((cx - w_top / 2 + 40, 60, cx + w_top / 2 - 40, y0 + 200), 180, 360, fill=_rgba(accent, 255), width=22)
    draw.polygon([(cx - w_top / 2, y0), (cx + w_top / 2, y0), (cx + w_bottom / 2, y1), (cx - w_bottom / 2, y1)],
                 fill=_rgba(accent, 230))
    light = _mix(accent, (255, 255, 255), 0.4)
    for y in range(y0 + 25, y1, 34):
        t = (y - y0) / (y1 - y0)
        half = (w_top + (w_bottom - w_top) * t) / 2
        draw.line([(cx - half + 8, y), (cx + half - 8, y)], fill=_rgba(light, 220), width=10)


def _lamp(draw, rng, accent, top, bottom, side, view):
    cx, r = side / 2, 240 - 40 * view
    draw.line([(cx, 0), (cx, 140)], fill=_rgba(accent, 255), width=6)
    draw.chord((cx - r, 140, cx + r, 140 + 2 * r), 180, 360, fill=_rgba(_mix(bottom, accent, 0.5), 240))
    for k in range(-4, 5):
        draw.line([(cx, 140), (cx + k * r / 4.2, 140 + r)], fill=_rgba(accent, 200), width=5)
    draw.ellipse((cx - 70, 140 + r - 40, cx + 70, 140 + r + 80), fill=_rgba(accent, 200))
    draw.ellipse((cx - 180, 140 + r - 90, cx + 180, 140 + r + 150), fill=_rgba(accent, 40))


def _sticks(draw, rng, accent, top, bottom, side, view):
    for i in range(9 + 3 * view):
        x = 120 + i * (660 / (9 + 3 * view)) + rng.uniform(-10, 10)
        tilt = rng.uniform(-60, 60)
        draw.line([(x - tilt, 70), (x + tilt, 580)], fill=_rgba(accent, 230), width=14)


def _lacquer(draw, rng, accent, top, bottom, side, view):
    cx, cy = side / 2, 330
    for k in range(8):  # a lotus: petals around a centre
        angle = k * math.pi / 4 + (0.2 if view else 0)
        px, py = cx + 110 * math.cos(angle), cy + 110 * math.sin(angle)
        draw.polygon(_leaf(px, py, 220, 110, angle), fill=_rgba(_mix(accent, (255, 255, 255), 0.15 * (k % 2)), 235))
    draw.ellipse((cx - 60, cy - 60, cx + 60, cy + 60), fill=_rgba(top, 255))
    draw.rectangle((60, 60, side - 60, side * 0.68), outline=_rgba(accent, 255), width=10)


def _bag(draw, rng, accent, top, bottom, side, view):
    x0, y0, w, h = 200, 220, 500, 360
    draw.arc((x0 + 90, 60, x0 + w - 90, y0 + 140), 180, 360, fill=_rgba(_mix(bottom, (0, 0, 0), 0.3), 255), width=22)
    draw.rounded_rectangle((x0, y0, x0 + w, y0 + h), radius=30, fill=_rgba(_mix(bottom, (0, 0, 0), 0.15), 245))
    band_y = y0 + h * 0.35
    draw.rectangle((x0, band_y, x0 + w, band_y + 110), fill=_rgba(accent, 235))
    for x in range(int(x0) + 25, int(x0 + w), 50):
        draw.polygon([(x, band_y + 20), (x + 22, band_y + 55), (x, band_y + 90), (x - 22, band_y + 55)],
                     fill=_rgba(top, 255))


MOTIFS = {
    "beans": _beans, "leaves": _leaves, "fruit": _fruit, "grains": _grains, "seeds": _seeds, "jar": _jar,
    "bottle": _bottle, "drops": _drops, "soap": _soap, "box": _box, "candy": _candy, "brocade": _brocade,
    "fabric": _fabric, "weave": _weave, "basket": _basket, "lamp": _lamp, "sticks": _sticks,
    "lacquer": _lacquer, "bag": _bag,
}


# --- the label ---------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _label_font() -> tuple[ImageFont.FreeTypeFont | ImageFont.ImageFont, bool]:
    """A font with Vietnamese letters if the system has one (DejaVu); else Pillow's default.

    Pillow's default font (Aileron) has no Vietnamese diacritics: with it, labels are
    drawn without marks rather than as empty boxes. Returns (font, has_vietnamese).
    """
    try:
        return ImageFont.truetype("DejaVuSans-Bold.ttf", 96), True
    except OSError:
        return ImageFont.load_default(96), False


def plain(text: str) -> str:
    """Vietnamese text without its marks (đ → d), case kept."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return unicodedata.normalize("NFC", "".join(ch for ch in text if not unicodedata.combining(ch)))


def _label(draw: ImageDraw.ImageDraw, text: str, side: int, view: int) -> None:
    font, vietnamese = _label_font()
    text = text if vietnamese else plain(text)
    lines = text.count("\n") + 1
    size = 104 if lines == 1 else 92
    while size > 40:  # shrink until the longest line fits with a margin
        left, _, right, _ = draw.multiline_textbbox((0, 0), text, font=font, font_size=size, align="center")
        if right - left <= side - 120:
            break
        size -= 6
    band_top = side * (0.70 if lines == 1 else 0.66)
    draw.rectangle((0, band_top, side, side), fill=(20, 16, 12, 120 if view != 1 else 150))
    centre = (side / 2, (band_top + side) / 2)
    draw.multiline_text((centre[0] + 3, centre[1] + 3), text, fill=(0, 0, 0, 140), font=font, font_size=size,
                        anchor="mm", align="center", spacing=12)
    draw.multiline_text(centre, text, fill=(255, 255, 255, 255), font=font, font_size=size, anchor="mm",
                        align="center", spacing=12)
