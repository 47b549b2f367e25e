"""Templates compiled per language (market/core/template_languages.py): a gettext of a literal
is the translation itself, and what a page shows is exactly what the i18n extension gave."""
import pytest
from flask import render_template_string
from flask_babel import force_locale

from market.core.template_languages import LanguageEnvironment


def _compiled_source(app, language: str, source: str) -> str:
    return app.jinja_env.for_language(language).compile(source, raw=True)


def _render(app, language: str, source: str, **context) -> str:
    with force_locale(language):
        return app.jinja_env.for_language(language).from_string(source).render(**context)


def test_the_app_draws_its_templates_through_the_language_environment(app):
    assert isinstance(app.jinja_env, LanguageEnvironment)


def test_a_literal_is_translated_when_the_template_is_compiled(app):
    with app.test_request_context():
        vietnamese = _compiled_source(app, "vi", '{{ _("Cart") }} {{ gettext("Sign out") }}')
        english = _compiled_source(app, "en", '{{ _("Cart") }}')
    # Not even a name to look up when drawn: the page's text is one constant.
    assert "yield 'Giỏ hàng Đăng xuất'" in vietnamese
    assert "gettext" not in vietnamese and "resolve('_')" not in vietnamese
    assert "yield 'Cart'" in english and "gettext" not in english


@pytest.mark.parametrize("source, context", [
    ('{{ _("Cart") }}', {}),
    ('{{ _("Acting for %(seller)s", seller=name) }}', {"name": "<b>Mai & Lan</b>"}),
    ('{{ _("%(share)d%% of reviews", share=40) }}', {}),
    ('{% autoescape false %}{{ _("Acting for %(seller)s", seller=name) }}{% endautoescape %}', {"name": "<b>"}),
    ('{% autoescape flag %}{{ _("Acting for %(seller)s", seller=name) }}{% endautoescape %}', {"name": "<b>", "flag": True}),
    ('{% autoescape flag %}{{ _("Cart") }}{% endautoescape %}', {"flag": False}),
    ('{{ _(text) }}', {"text": "Cart"}),
    ('{% trans %}Cart{% endtrans %}', {}),
    ('{% trans n=3 %}{{ n }} item{% pluralize %}{{ n }} items{% endtrans %}', {}),
    ('{{ _("A text no catalog has, 100%%") }}', {}),
    ('{{ icon("search") }}{{ icon("user", 22) }}{{ icon("store", size=16, class_="x") }}', {}),
    ('{{ icon(name) }}{{ icon("search", size) }}', {"name": "bell", "size": 30}),
])
@pytest.mark.parametrize("language", ["vi", "en"])
def test_pages_show_what_the_i18n_extension_gave(app, language, source, context):
    """The same template drawn by the app's own environment (gettext at run time) and by the
    language's copy (translated when compiled) gives the same text, escaping included."""
    with app.test_request_context(), force_locale(language):
        at_run_time = app.jinja_env.from_string(source).render(**context)  # not a language copy
        compiled = _render(app, language, source, **context)
    assert compiled == at_run_time
    if "Mai" in str(context.get("name", "")):
        assert "&lt;b&gt;Mai &amp; Lan&lt;/b&gt;" in compiled


def test_an_icon_with_literal_arguments_is_drawn_when_the_template_is_compiled(app):
    with app.test_request_context():
        source = _compiled_source(app, "vi", '{{ icon("search") }}{{ icon(name) }}')
    assert source.count("<svg") == 1 and "resolve('icon')" in source  # the second is drawn each time


def test_a_text_that_cannot_be_formatted_still_fails_when_drawn(app):
    with app.test_request_context():
        template = app.jinja_env.for_language("vi").from_string('{{ _("50% off") }}')
        with pytest.raises((ValueError, TypeError)):  # as the i18n extension does
            template.render()


def test_each_request_gets_its_language_and_an_e_mail_its_own(app):
    with app.test_request_context(headers={"Accept-Language": "vi"}):
        assert "Giỏ hàng" in render_template_string('{% include "_menu.html" %}{{ _("Cart") }}')
        page = app.jinja_env.get_template("base.html")
        assert page.environment.language == "vi"
        with force_locale("en"):
            assert app.jinja_env.get_template("base.html").environment.language == "en"


def test_storefront_pages_come_in_the_visitors_language(client):
    vietnamese = client.get("/", headers={"Accept-Language": "vi"}).get_data(as_text=True)
    english = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<span>Giỏ hàng</span>" in vietnamese and "<span>Cart</span>" not in vietnamese
    assert "<span>Cart</span>" in english and "Giỏ hàng" not in english


def test_copies_share_the_apps_globals_but_not_its_templates(app):
    with app.test_request_context():
        vietnamese, english = app.jinja_env.for_language("vi"), app.jinja_env.for_language("en")
        assert vietnamese is app.jinja_env.for_language("vi")
        assert vietnamese.globals is app.jinja_env.globals and vietnamese.filters is app.jinja_env.filters
        assert vietnamese.get_template("base.html") is not english.get_template("base.html")
