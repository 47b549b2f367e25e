"""Version 1 of every public page, shipped in code: in effect until central staff save a
version of their own. The texts are in `texts/<slug>.<language>.txt` (the page's own
format, see `formatting.py`); their first line is the title."""
from datetime import date
from functools import lru_cache
from pathlib import Path

TEXTS = Path(__file__).resolve().parent / "texts"
# The day the E-commerce Law 122/2025/QH15 comes into force; version 1 takes effect with it.
EFFECTIVE_ON = date(2026, 7, 1)


@lru_cache(maxsize=None)
def _read(slug: str, language: str) -> tuple[str, str]:
    text = (TEXTS / f"{slug}.{language}.txt").read_text(encoding="utf-8")
    title, _, body = text.partition("\n")
    return title.strip(), body.strip()


def shipped_page(slug: str) -> dict[str, str]:
    """Title and body of version 1 of `slug` in both languages."""
    title_vi, body_vi = _read(slug, "vi")
    title_en, body_en = _read(slug, "en")
    return {"title_vi": title_vi, "title_en": title_en, "body_vi": body_vi, "body_en": body_en}
