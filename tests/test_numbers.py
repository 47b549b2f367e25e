"""The one reader of numbers from requests (market.core.numbers) and the URL converters."""
from decimal import Decimal

import pytest
from flask_babel import force_locale
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import NotFound
from wtforms.validators import InputRequired, NumberRange, Optional

from config import TestConfig
from market import create_app
from market.core.numbers import (
    DecimalNumberField,
    WholeNumberField,
    int_arg,
    parse_decimal,
    parse_ids,
    parse_int,
)

HUGE = "99999999999999999999"


@pytest.fixture(scope="module")
def bare_app():
    """An app for request contexts and its URL map (no database needed)."""
    return create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("0", 0),
        ("7", 7),
        ("0042", 42),
        ("999999999999999999", 999_999_999_999_999_999),  # 18 digits: fits a BIGINT
        ("9999999999999999999", None),  # 19 digits
        (HUGE, None),
        ("²", None),  # "²".isdigit() is True, int("²") raises
        ("①", None),
        ("٣", None),  # int("٣") == 3: another script's digit
        ("１２", None),  # full-width
        (" 1 ", None),
        ("1 ", None),
        ("12\n", None),
        ("1_000", None),
        ("+5", None),
        ("-1", None),  # unsigned unless asked
        ("1e9", None),
        ("0x10", None),
        ("1.0", None),
        ("", None),
        ("\x00", None),
        ("1\x00", None),
        ("x" * 5000, None),
        (None, None),
        (True, None),  # a bool is not a number here
        (12, 12),  # already an int: only the range applies
    ],
)
def test_parse_int_reads_only_plain_ascii_digits(text, expected):
    assert parse_int(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [("-1", -1), ("-0", 0), ("-", None), ("--1", None), ("1-", None), ("-²", None), ("-" + "9" * 18, -(10**18 - 1)),
     ("-" + "9" * 19, None)],
)
def test_parse_int_signed(text, expected):
    assert parse_int(text, signed=True) == expected


@pytest.mark.parametrize(
    "text, kwargs, expected",
    [
        ("5", {"minimum": 1, "maximum": 5}, 5),
        ("6", {"minimum": 1, "maximum": 5}, None),
        ("0", {"minimum": 1}, None),
        ("0", {"minimum": 1, "default": 1}, 1),
        ("²", {"default": 1}, 1),
        (None, {"default": 3}, 3),
        ("123", {"max_digits": 2}, None),
        ("12", {"max_digits": 2}, 12),
        (9, {"maximum": 5, "default": 0}, 0),
    ],
)
def test_parse_int_range_default_and_length(text, kwargs, expected):
    assert parse_int(text, **kwargs) == expected


@pytest.mark.parametrize(
    "text, kwargs, expected",
    [
        ("2", {}, Decimal("2")),
        ("2.5", {}, Decimal("2.5")),
        ("2,5", {}, Decimal("2.5")),  # the Vietnamese decimal comma
        ("2.55", {}, Decimal("2.55")),
        ("2.555", {}, None),  # more decimals than the field keeps
        ("2.", {}, None),
        (".5", {}, None),
        ("1.000.000", {}, None),  # grouping is not a decimal
        ("NaN", {}, None),
        ("sNaN", {}, None),  # math.isnan(Decimal("sNaN")) raises
        ("Infinity", {}, None),
        ("1e2", {}, None),
        ("٣", {}, None),
        ("-1", {}, None),
        ("-1", {"signed": True}, Decimal("-1")),
        ("101", {"maximum": 100}, None),
        ("100", {"minimum": 0, "maximum": 100}, Decimal("100")),
        (HUGE, {}, None),
        ("", {"default": Decimal(0)}, Decimal(0)),
        (None, {}, None),
    ],
)
def test_parse_decimal(text, kwargs, expected):
    assert parse_decimal(text, **kwargs) == expected


@pytest.mark.parametrize(
    "query, kwargs, expected",
    [
        ({"page": "3"}, {"default": 1, "minimum": 1}, 3),
        ({"page": "²"}, {"default": 1, "minimum": 1}, 1),
        ({"page": "0"}, {"default": 1, "minimum": 1}, 1),
        ({"page": HUGE}, {"default": 1, "minimum": 1}, 1),
        ({}, {"default": 1}, 1),
        ({}, {}, None),
        ({"page": "-2"}, {"signed": True}, -2),
    ],
)
def test_int_arg_reads_the_query_string(query, kwargs, expected):
    assert int_arg("page", args=MultiDict(query), **kwargs) == expected


def test_int_arg_defaults_to_the_current_request(bare_app):
    with bare_app.test_request_context("/?page=%C2%B2&other=4"):
        assert int_arg("page", 1) == 1
        assert int_arg("other", 1) == 4


def test_parse_ids_keeps_positive_ids_in_order_once():
    assert parse_ids(["3", "²", "5", "3", "0", "-1", HUGE, "٣", "7"]) == [3, 5, 7]


# --- form fields ------------------------------------------------------------------------------

class _Form(FlaskForm):
    class Meta:
        csrf = False

    quantity = WholeNumberField("Quantity", validators=[InputRequired("Choose 1 to 99."), NumberRange(1, 99, "Choose 1 to 99.")])
    weight = WholeNumberField("Weight", validators=[Optional()])
    offset = WholeNumberField("Offset", validators=[Optional()], signed=True)
    rate = DecimalNumberField("Rate", validators=[Optional()], minimum=0, maximum=100,
                              invalid_value_message="Between 0 and 100 %.")


@pytest.fixture
def form_context(bare_app):
    with bare_app.test_request_context("/", method="POST"), force_locale("en"):
        yield


def _form(**data) -> _Form:
    return _Form(formdata=MultiDict({"quantity": "1", **data}))


@pytest.mark.parametrize("text, expected", [("3", 3), (" 3 ", 3), ("03", 3), ("99", 99)])
def test_whole_number_field_reads_plain_numbers(form_context, text, expected):
    form = _form(quantity=text)
    assert form.validate(), form.errors
    assert form.quantity.data == expected


@pytest.mark.parametrize("text", ["٣", "²", "①", "１２", "1_0", "1e1", "0x1", "-1", "3.0", "\x00", HUGE, "x" * 5000])
def test_whole_number_field_refuses_anything_else_with_one_clear_message(form_context, text):
    """WTForms' IntegerField reads "٣" as 3 (it calls int()): this one refuses it, and says
    what a valid value is once (the range's message), not "Not a valid integer value" too."""
    form = _form(quantity=text)
    assert not form.validate()
    assert form.quantity.errors == ["Choose 1 to 99."]
    assert form.quantity.data is None


def test_whole_number_field_out_of_range_and_empty(form_context):
    form = _form(quantity="100")
    assert not form.validate() and form.quantity.errors == ["Choose 1 to 99."]
    form = _form(quantity="")
    assert not form.validate() and form.quantity.errors == ["Choose 1 to 99."]


def test_whole_number_field_without_a_range_message_says_enter_a_whole_number(form_context):
    form = _form(weight="٣")
    assert not form.validate()
    assert form.weight.errors == ["Enter a whole number, e.g. 12."]
    assert _form(weight="").validate()


def test_whole_number_field_signed(form_context):
    form = _form(offset="-4")
    assert form.validate() and form.offset.data == -4


@pytest.mark.parametrize("text, expected", [("2,5", Decimal("2.5")), ("2.55", Decimal("2.55")), ("100", Decimal(100))])
def test_decimal_number_field_reads_both_decimal_marks(form_context, text, expected):
    form = _form(rate=text)
    assert form.validate(), form.errors
    assert form.rate.data == expected


@pytest.mark.parametrize("text", ["sNaN", "NaN", "Infinity", "1e2", "101", "-1", "٣", "2.555", HUGE])
def test_decimal_number_field_refuses_nan_exponents_and_out_of_range(form_context, text):
    """`DecimalField` + `NumberRange` crashed on "sNaN" (math.isnan raises) and on any value
    out of range when the message holds a "%" (NumberRange %-formats it)."""
    form = _form(rate=text)
    assert not form.validate()
    assert form.rate.errors == ["Between 0 and 100 %."]


# --- URL converters ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def urls(bare_app):
    return bare_app.url_map.bind("localhost")


@pytest.mark.parametrize("path, expected", [
    ("/sell/orders/12", ("orders.seller_order", {"seller_order_id": 12})),
    ("/sell/orders/000012", ("orders.seller_order", {"seller_order_id": 12})),
    ("/c/mat-ong", ("catalog.category", {"slug": "mat-ong"})),
    ("/c/áo-dài", ("catalog.category", {"slug": "áo-dài"})),
])
def test_urls_with_plain_ids_and_slugs_match(urls, path, expected):
    assert urls.match(path) == expected


@pytest.mark.parametrize("path", [
    "/sell/orders/٣",  # Werkzeug's own <int:> reads it as order 3
    "/sell/orders/" + HUGE,  # overflows SQLite's INTEGER: was a 500
    "/sell/orders/9999999999999999999",
    "/c/\x00",  # PostgreSQL refuses NUL in a text parameter: was a 500
    "/products/a\x01b",
    "/orders/\x00",
])
def test_urls_with_other_digits_huge_ids_or_control_characters_are_not_found(urls, path):
    with pytest.raises(NotFound):
        urls.match(path)
