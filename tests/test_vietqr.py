"""VietQR payloads: field by field, the CRC, a published reference, input checks, the SVG."""
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup

from market.payments.vietqr import build_payload, clean_note, crc16_ccitt, qr_svg

# Published by github.com/subiz/vietqr (README): 120.000 đ to VietinBank (BIN 970415)
# account 0011001932418, note "ủng hộ lũ lụt". Same field order as ours, so it must match
# character for character, CRC included.
REFERENCE = (
    "00020101021238570010A00000072701270006970415011300110019324180208QRIBFTTA"
    "530370454061200005802VN62170813ung ho lu lut6304C15C"
)


def decode(payload: str) -> dict[str, str]:
    """EMVCo ID-length-value string -> {id: value}, in order; fails on any malformation."""
    fields, i = {}, 0
    while i < len(payload):
        tag, length = payload[i:i + 2], int(payload[i + 2:i + 4])
        value = payload[i + 4:i + 4 + length]
        assert len(value) == length, f"field {tag} is cut short"
        assert tag not in fields, f"field {tag} repeated"
        fields[tag] = value
        i += 4 + length
    return fields


def bitwise_crc(data: bytes) -> int:
    """CRC-16/CCITT-FALSE bit by bit, as the EMVCo book defines it: the independent check of
    the code's binascii.crc_hqx."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def assert_crc_ok(payload: str) -> None:
    body, crc = payload[:-4], payload[-4:]
    assert body.endswith("6304")
    assert crc == f"{bitwise_crc(body.encode()):04X}"


def test_payload_fields():
    payload = build_payload("970436", "0881000458086", 150000, "CPN-2026-000123")
    fields = decode(payload)
    assert list(fields) == ["00", "01", "38", "53", "54", "58", "62", "63"]
    assert fields["00"] == "01"
    assert fields["01"] == "12"  # dynamic: it carries an amount
    assert fields["53"] == "704"
    assert fields["54"] == "150000"
    assert fields["58"] == "VN"
    merchant = decode(fields["38"])
    assert merchant == {"00": "A000000727", "01": merchant["01"], "02": "QRIBFTTA"}
    assert decode(merchant["01"]) == {"00": "970436", "01": "0881000458086"}
    assert decode(fields["62"]) == {"08": "CPN-2026-000123"}
    assert_crc_ok(payload)


def test_crc_matches_the_catalogue_check_value_and_a_bitwise_crc():
    assert crc16_ccitt("123456789") == "29B1"  # CRC-16/CCITT-FALSE check value
    assert crc16_ccitt("") == "FFFF"
    assert crc16_ccitt(REFERENCE[:-4]) == "C15C"


@given(st.text())
def test_crc_agrees_with_a_bitwise_crc_on_any_text(text):
    assert crc16_ccitt(text) == f"{bitwise_crc(text.encode('utf-8')):04X}"


def test_published_reference_payload_is_reproduced():
    assert build_payload("970415", "0011001932418", 120000, "ủng hộ lũ lụt") == REFERENCE


@pytest.mark.parametrize("note, cleaned", [
    ("ủng hộ lũ lụt", "ung ho lu lut"),
    ("ĐƠN HÀNG 12", "DON HANG 12"),
    ("Thanh toán đơn CPN-2026-1", "Thanh toan don CPN-2026-1"),
    ("  CPN-2026-000123\n", "CPN-2026-000123"),
    ("Đơn #12, (gấp)!", "Don 12 gap"),
])
def test_note_is_folded_and_stripped(note, cleaned):
    assert clean_note(note) == cleaned
    assert decode(decode(build_payload("970415", "1", 1000, note))["62"])["08"] == cleaned


@pytest.mark.parametrize("bank_bin, account, amount, note", [
    ("97041", "123", 1000, "x"),  # BIN too short
    ("9704150", "123", 1000, "x"),
    ("97041a", "123", 1000, "x"),
    ("٩٧٠٤١٥", "123", 1000, "x"),  # digits, but not ASCII ones
    (970415, "123", 1000, "x"),
    ("970415", "", 1000, "x"),
    ("970415", "1" * 20, 1000, "x"),
    ("970415", "0011-0019", 1000, "x"),
    ("970415", "tài khoản", 1000, "x"),
    ("970415", "123", 0, "x"),
    ("970415", "123", -5, "x"),
    ("970415", "123", 10**13, "x"),
    ("970415", "123", 1500.0, "x"),
    ("970415", "123", "1500", "x"),
    ("970415", "123", True, "x"),
    ("970415", "123", 1000, ""),
    ("970415", "123", 1000, "!!! ???"),  # nothing left once cleaned
    ("970415", "123", 1000, "x" * 26),
    ("970415", "123", 1000, None),
])
def test_invalid_input_raises_value_error(bank_bin, account, amount, note):
    with pytest.raises(ValueError):
        build_payload(bank_bin, account, amount, note)


def test_svg_is_inline_sizable_and_escapes_the_title():
    svg = qr_svg(REFERENCE, 'Chuyển khoản <CPN-2026-000123> & co')
    assert isinstance(svg, Markup)
    assert svg.startswith("<svg") and "<?xml" not in svg
    assert "<title>Chuyển khoản &lt;CPN-2026-000123&gt; &amp; co</title>" in svg
    opening = svg[:svg.index(">")]
    assert "viewBox=" in opening and "width=" not in opening and "height=" not in opening
    assert Markup("<p>{}</p>").format(svg) == f"<p>{svg}</p>"  # not escaped twice


NOTE_RE = r"[A-Za-z0-9-]+( [A-Za-z0-9-]+)*"  # what a cleaned note looks like
notes = st.from_regex(NOTE_RE, fullmatch=True).filter(lambda s: len(s) <= 25)


@given(
    bank_bin=st.from_regex(r"[0-9]{6}", fullmatch=True),
    account=st.from_regex(r"[A-Za-z0-9]{1,19}", fullmatch=True),
    amount=st.integers(1, 10**13 - 1),
    note=notes,
)
def test_any_valid_payment_round_trips(bank_bin, account, amount, note):
    payload = build_payload(bank_bin, account, amount, note)
    fields = decode(payload)
    assert fields["54"] == str(amount)
    assert decode(fields["62"]) == {"08": note}
    assert decode(decode(fields["38"])["01"]) == {"00": bank_bin, "01": account}
    assert fields["63"] == crc16_ccitt(payload[:-4])
    assert_crc_ok(payload)


@given(st.text())
def test_any_note_is_cleaned_to_the_allowed_alphabet_or_refused(note):
    try:
        cleaned = clean_note(note)
    except ValueError:
        return
    assert re.fullmatch(NOTE_RE, cleaned) and len(cleaned) <= 25
