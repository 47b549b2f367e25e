"""Templates compiled once per language, with their fixed texts already translated.

`{{ _("Cart") }}` is a gettext call each time a page is drawn: through Jinja's i18n extension
it costs about 6 µs, and a page makes dozens. The text is fixed and the language is known
before the page is drawn, so each language gets its own compiled copy of every template (a
Jinja overlay of the app's environment, with its own template cache) in which `_("text")` or
`gettext("text")` on a literal is the translated literal, and `_("text %(name)s", name=x)` is
the translated literal formatted with `x` (escaped, as the i18n extension does).

Icons are drawn then too: `icon("search")` with literal arguments is its SVG.

Everything else stays as it was: a call on a text that is not a literal, with `*args` or
`**kwargs`, `ngettext` (its choice depends on the number), templates made from strings
(`from_string`, compiled by the app's own environment) and work outside an app context.
`_` and `gettext` are the i18n extension's names and `icon` is core/icons.py's: no template
or view may rebind them.
"""
from flask import has_app_context
from flask.templating import Environment
from flask_babel import force_locale, get_translations
from jinja2 import nodes
from jinja2.compiler import CodeGenerator
from jinja2.visitor import NodeTransformer

from market.core.i18n import current_locale
from market.core.icons import UnknownIcon, icon

TRANSLATED_CALLS = ("_", "gettext")


class TranslatingCodeGenerator(CodeGenerator):
    """Jinja's code generator, writing each call of `_` on a literal as its translation and
    each `icon(...)` with literal arguments as its SVG."""

    def visit_Template(self, node: nodes.Template, frame=None) -> None:
        # Before Jinja looks at the names a template uses: a translated text needs no `_`.
        super().visit_Template(_CallsKnownWhenCompiled(self.environment).visit(node), frame)


class _CallsKnownWhenCompiled(NodeTransformer):
    def __init__(self, environment) -> None:
        self.environment = environment

    def visit_Call(self, node: nodes.Call) -> nodes.Node:
        node = self.generic_visit(node)  # a keyword's value may hold a gettext of its own
        fixed = translated_call(node, self.environment.translations)
        if fixed is None:
            fixed = drawn_icon(node)
        return node if fixed is None else fixed.set_environment(self.environment)


def translated_call(call: nodes.Call, translations) -> nodes.Expr | None:
    """The expression that gives what `call` would (a translated text, Markup where the
    template escapes), or None when `call` is not a gettext of a literal."""
    if not (isinstance(call.node, nodes.Name) and call.node.name in TRANSLATED_CALLS):
        return None
    if call.dyn_args or call.dyn_kwargs or len(call.args) != 1:
        return None
    literal = call.args[0]
    if not (isinstance(literal, nodes.Const) and isinstance(literal.value, str)):
        return None
    text = translations.ugettext(literal.value)
    if not call.kwargs:
        # The extension always formats (so "%%" is "%"); a text that cannot be formatted
        # is left to fail when drawn, as it did.
        try:
            text = text % {}
        except (KeyError, ValueError, TypeError):
            return None
    # Markup where the template escapes: known when compiled, except inside
    # {% autoescape <expression> %}, where Jinja decides when drawing.
    translated = nodes.MarkSafeIfAutoescape(nodes.Const(text), lineno=call.lineno)
    if not call.kwargs:
        return translated
    # The extension's `Markup(text) % variables`: Markup escapes each value it formats in.
    variables = nodes.Dict([nodes.Pair(nodes.Const(keyword.key), keyword.value, lineno=call.lineno)
                            for keyword in call.kwargs], lineno=call.lineno)
    return nodes.Mod(translated, variables, lineno=call.lineno)


def drawn_icon(call: nodes.Call) -> nodes.Expr | None:
    """`icon("name", 22)` with literal arguments as its SVG (core/icons.py: the same markup for
    the same arguments), or None for any other call."""
    if not (isinstance(call.node, nodes.Name) and call.node.name == "icon") or call.dyn_args or call.dyn_kwargs:
        return None
    arguments = [*call.args, *(keyword.value for keyword in call.kwargs)]
    if not all(isinstance(argument, nodes.Const) for argument in arguments):
        return None
    try:
        svg = icon(*(argument.value for argument in call.args),
                   **{keyword.key: keyword.value.value for keyword in call.kwargs})
    except (UnknownIcon, TypeError):  # left to fail when drawn, where tests/test_icons.py looks
        return None
    return nodes.MarkSafe(nodes.Const(str(svg)), lineno=call.lineno)


class LanguageEnvironment(Environment):
    """Flask's template environment that hands each template out in the copy compiled for
    the language of this request (or of the e-mail being written under `force_locale`)."""

    language: str | None = None  # set on the per-language copies only
    translations = None

    def __init__(self, app, **options) -> None:
        super().__init__(app, **options)
        self._copies: dict[str, "LanguageEnvironment"] = {}

    def get_template(self, name, parent=None, globals=None):
        if self.language is None and has_app_context():
            return self.for_language(current_locale()).get_template(name, parent, globals)
        return super().get_template(name, parent, globals)

    def select_template(self, names, parent=None, globals=None):
        if self.language is None and has_app_context():
            return self.for_language(current_locale()).select_template(names, parent, globals)
        return super().select_template(names, parent, globals)

    def for_language(self, language: str) -> "LanguageEnvironment":
        """This environment's copy for `language`, made at its first use (after the app has
        added its filters and globals: the copy shares those, not its template cache)."""
        copy = self._copies.get(language)
        if copy is None:
            copy = self.overlay(cache_size=getattr(self.cache, "capacity", -1) if self.cache is not None else 0)
            copy.language = language
            with force_locale(language):
                copy.translations = get_translations()
            copy.code_generator_class = TranslatingCodeGenerator
            self._copies[language] = copy
        return copy
