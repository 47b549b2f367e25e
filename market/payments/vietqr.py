"""VietQR codes for bank transfers, built locally with no call to any bank or API.

Every Vietnamese banking app scans VietQR: NAPAS's profile (NAPAS 247 "QR switching",
service QRIBFTTA = transfer to an account) of the EMVCo merchant-presented QR format. The
payload is a string of ID-length-value fields ending in a CRC; we build it ourselves and
let segno draw it. The order number travels as the transfer's purpose so staff can match
the incoming transfer to its order.
"""
import binascii
import io
import re

import segno
from markupsafe import Markup

from market.text import fold

NAPAS_GUID = "A000000727"
SERVICE_TRANSFER_TO_ACCOUNT = "QRIBFTTA"
CURRENCY_VND = "704"  # ISO 4217 numeric
NOTE_MAX = 25  # NAPAS caps the purpose of transaction (62/08) at 25 characters

_BIN_RE = re.compile(r"[0-9]{6}")
_ACCOUNT_RE = re.compile(r"[A-Za-z0-9]{1,19}")
_NOT_NOTE_CHAR_RE = re.compile(r"[^A-Za-z0-9 -]")


def crc16_ccitt(data: str) -> str:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) of `data` as 4 upper-case hex digits.

    EMVCo computes it over the whole payload up to and including "6304" (the CRC
    field's own ID and length), so pass exactly that. `binascii.crc_hqx` is that CRC
    (the XMODEM polynomial) once started from 0xFFFF.
    """
    return f"{binascii.crc_hqx(data.encode('utf-8'), 0xFFFF):04X}"


def _tlv(tag: str, value: str) -> str:
    # EMVCo lengths are two decimal digits, so nothing longer than 99 can be encoded.
    if not 1 <= len(value) <= 99:
        raise ValueError(f"field {tag} must be 1-99 characters, got {len(value)}")
    return f"{tag}{len(value):02d}{value}"


def clean_note(note: str) -> str:
    """The transfer note as banks accept it: ASCII letters, digits, space and '-'.

    Vietnamese letters are folded to plain ones ("Đơn hàng" -> "Don hang"), anything else
    is dropped, runs of spaces collapse. Raises ValueError if nothing usable is left or
    the result is longer than 25 characters.
    """
    if not isinstance(note, str):
        raise ValueError("note must be a string")
    chars = []
    for ch in note:
        if ch.isspace():
            ch = " "
        elif not ch.isascii():
            # fold() lower-cases; keep the case, so "CPN-..." order numbers stay as printed.
            folded = fold(ch)
            ch = folded.upper() if ch.isupper() else folded
        chars.append(ch)
    cleaned = " ".join(_NOT_NOTE_CHAR_RE.sub("", "".join(chars)).split())
    if not cleaned:
        raise ValueError("note is empty once cleaned")
    # Cutting would silently lose part of an order number and break reconciliation.
    if len(cleaned) > NOTE_MAX:
        raise ValueError(f"note must be at most {NOTE_MAX} characters: {cleaned!r}")
    return cleaned


def build_payload(bank_bin: str, account_number: str, amount_vnd: int, note: str) -> str:
    """The VietQR (NAPAS 247, transfer to account) payload for one payment.

    `bank_bin` is the bank's 6-digit NAPAS BIN (e.g. "970415"), `account_number` the
    receiving account (1-19 letters or digits), `amount_vnd` a whole number of đồng
    (1 to 13 digits), `note` the transfer's purpose, usually the order number; it is
    cleaned with `clean_note`. Raises ValueError on any invalid input.
    """
    if not isinstance(bank_bin, str) or not _BIN_RE.fullmatch(bank_bin):
        raise ValueError("bank BIN must be 6 digits")
    if not isinstance(account_number, str) or not _ACCOUNT_RE.fullmatch(account_number):
        raise ValueError("account number must be 1-19 letters or digits")
    # bool is an int subclass, and True đồng is certainly a bug upstream.
    if type(amount_vnd) is not int or not 0 < amount_vnd < 10**13:
        raise ValueError("amount must be a positive whole number of đồng, at most 13 digits")
    beneficiary = _tlv("00", bank_bin) + _tlv("01", account_number)
    merchant = (
        _tlv("00", NAPAS_GUID) + _tlv("01", beneficiary) + _tlv("02", SERVICE_TRANSFER_TO_ACCOUNT)
    )
    payload = (
        _tlv("00", "01")  # payload format indicator
        + _tlv("01", "12")  # dynamic: the code carries an amount and is for one payment
        + _tlv("38", merchant)  # 38 is the ID NAPAS took for VietQR
        + _tlv("53", CURRENCY_VND)
        + _tlv("54", str(amount_vnd))  # VND has no minor unit: no decimal point
        + _tlv("58", "VN")
        + _tlv("62", _tlv("08", clean_note(note)))  # 08 = purpose of transaction
        + "6304"
    )
    return payload + crc16_ccitt(payload)


def qr_svg(payload: str, title: str) -> Markup:
    """The payload as an inline SVG QR code, safe to put straight into a template.

    The SVG has a viewBox and no width/height so CSS sizes it (class "vietqr"), black
    modules on an explicit white background with the 4-module quiet zone, so it scans
    from a dark-mode screen and prints. `title` becomes its <title> (escaped).
    """
    qr = segno.make_qr(payload, error="m")
    buffer = io.BytesIO()
    # svgns kept: the same markup then also works as a standalone .svg or in an e-mail.
    qr.save(
        buffer, kind="svg", xmldecl=False, svgns=True, nl=False, omitsize=True,
        scale=4, border=4, dark="#000", light="#fff", svgclass="vietqr", title=title,
    )
    # segno escapes the title (&, <, >) itself; the rest is its own markup.
    return Markup(buffer.getvalue().decode("utf-8"))
