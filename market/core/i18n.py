"""Which language and time zone a request uses, and money/date formatting per locale."""
from datetime import date, datetime

from functools import lru_cache

from babel import numbers
from blinker import Namespace
from flask import current_app, has_request_context, request, session
from flask.globals import _cv_app
from flask_babel import format_date, format_datetime, format_time, get_locale, get_translations
from flask_login import current_user

LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}

# Sent by `/lang/<code>` when a signed-in user picks a language, with `user` and `code`.
# Core only announces the choice; accounts (above core) connects the receiver that keeps it
# in the profile, so core needs no import of accounts.
language_chosen = Namespace().signal("language-chosen")


def supported_languages() -> tuple[str, ...]:
    return tuple(current_app.config["LANGUAGES"])


def select_locale() -> str:
    """The visitor's choice (session, then profile), else Accept-Language, else Vietnamese."""
    languages = supported_languages()
    if not has_request_context():  # shell commands, background work
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def localised(vietnamese: str, english: str) -> str:
    """The English text for English readers (when there is one), else the Vietnamese."""
    locale = _chosen_locale()
    return english if english and locale is not None and locale.language == "en" else vietnamese


def current_locale() -> str:
    """The language this page (or the e-mail being written under `force_locale`) is in: the
    locale Flask-Babel chose once for the request. `select_locale` chooses it; asking it
    again looks at the session, the user and Accept-Language each time."""
    locale = _chosen_locale()
    return str(locale) if locale is not None else current_app.config["BABEL_DEFAULT_LOCALE"]


def _chosen_locale():
    """The request's locale as Flask-Babel chose it (or `force_locale` set it), read in one
    lookup once chosen: names of categories and programs ask for it dozens of times a page."""
    return _babel_locale() or get_locale()


def _babel_locale():
    """The locale Flask-Babel keeps on the app context once chosen, else None. Read through
    the context variable: a proxy lookup per call was most of the cost."""
    context = _cv_app.get(None)
    return getattr(context.g.get("_flask_babel"), "babel_locale", None) if context is not None else None


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def format_money(amount_vnd: int | None) -> str:
    """An integer number of đồng as the locale writes it: `150.000 ₫` in Vietnamese."""
    if amount_vnd is None:
        return ""
    return _money_in(get_locale(), int(amount_vnd))


@lru_cache(maxsize=8192)
def _money_in(locale, amount_vnd: int) -> str:
    # Babel parses the locale's currency pattern on every call; a page shows dozens of
    # prices, most of them seen before.
    return numbers.format_currency(amount_vnd, "VND", locale=locale)


# --- translations in templates --------------------------------------------------------------

_translations_by_locale: dict = {}


def _current_translations():
    """This request's translations. Flask-Babel looks them up through five context lookups
    per call; a page makes dozens of calls. The locale object is the one Flask-Babel chose
    (or `force_locale` set) for this request, so an e-mail in another language still gets its own."""
    locale = _babel_locale()
    if locale is None:  # not chosen yet in this request (or no request): Flask-Babel's way
        return get_translations()
    translations = _translations_by_locale.get(locale)
    if translations is None:
        translations = _translations_by_locale[locale] = get_translations()
    return translations


def install_template_gettext(app) -> None:
    """Templates' `_()` and `ngettext()` through `_current_translations` (after Flask-Babel's own)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda string: _current_translations().ugettext(string),
        ngettext=lambda singular, plural, n: _current_translations().ungettext(singular, plural, n),
        newstyle=True,
    )


def format_day(value: date | datetime | None, style: str = "medium") -> str:
    """A calendar date in the current locale (and time zone for datetimes)."""
    if value is None:
        return ""
    return format_date(value, style)


WRITTEN = "written"


def format_moment(value: datetime | None, style: str = "medium") -> str:
    """A date and time in the current locale, shown in Vietnam's time zone.

    `written` spells the month out, time first, as a shopper reads an order's date:
    "16:47, 2 tháng 12, 2026" (CLDR's "medium" abbreviates it to "thg 12" and adds seconds).
    """
    if value is None:
        return ""
    if style == WRITTEN:
        return f"{format_time(value, 'short')}, {format_date(value, 'long')}"
    return format_datetime(value, style)
