"""A browser's User-Agent in plain words ("Chrome on Android"), for the sessions page.

Only what a person needs to recognise their own device: the browser family and the system.
The order of the tables matters: many browsers also say "Chrome" and "Safari" in their
User-Agent, so the specific ones are looked for first.
"""
from flask_babel import gettext as _

# (marker in the User-Agent, name shown). The first marker found wins.
BROWSERS = (
    ("Zalo", "Zalo"),  # Zalo's in-app browser, common in Vietnam
    ("FBAN/", "Facebook"),
    ("FBAV/", "Facebook"),
    ("Instagram", "Instagram"),
    ("coc_coc_browser", "Cốc Cốc"),
    ("Edg/", "Edge"),
    ("EdgA/", "Edge"),
    ("EdgiOS/", "Edge"),
    ("OPR/", "Opera"),
    ("Opera", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("UCBrowser/", "UC Browser"),
    ("YaBrowser/", "Yandex"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("HeadlessChrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)

SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Macintosh", "macOS"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)


def _first_match(user_agent: str, table) -> str | None:
    return next((name for marker, name in table if marker in user_agent), None)


def describe(user_agent: str | None) -> str:
    """The device in plain words: "Chrome on Android", "Safari on iPhone", "Unknown device"."""
    user_agent = user_agent or ""
    browser = _first_match(user_agent, BROWSERS)
    system = _first_match(user_agent, SYSTEMS)
    if browser and system:
        return _("%(browser)s on %(system)s", browser=browser, system=system)
    return browser or system or _("Unknown device")
