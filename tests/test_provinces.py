"""The 2025 provincial map, name lookup and text folding (no Flask app needed)."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from market.geo.provinces import Province, all_provinces, choices, get_by_code, lookup
from market.text import fold

# Written independently of the module, from resolution 202/2025/QH15:
# every pre-2025 province that disappeared -> code of the unit that absorbed it.
ABSORBED = {
    "Hà Giang": "08",
    "Yên Bái": "15",
    "Bắc Kạn": "19",
    "Vĩnh Phúc": "25",
    "Hòa Bình": "25",
    "Bắc Giang": "24",
    "Thái Bình": "33",
    "Hải Dương": "31",
    "Hà Nam": "37",
    "Nam Định": "37",
    "Quảng Bình": "44",
    "Quảng Nam": "48",
    "Kon Tum": "51",
    "Bình Định": "52",
    "Ninh Thuận": "56",
    "Phú Yên": "66",
    "Đắk Nông": "68",
    "Bình Thuận": "68",
    "Bình Dương": "79",
    "Bà Rịa – Vũng Tàu": "79",
    "Bình Phước": "75",
    "Long An": "80",
    "Tiền Giang": "82",
    "Bến Tre": "86",
    "Trà Vinh": "86",
    "Sóc Trăng": "92",
    "Hậu Giang": "92",
    "Bạc Liêu": "96",
    "Kiên Giang": "91",
}

CURRENT = {
    "01": "Hà Nội", "04": "Cao Bằng", "08": "Tuyên Quang", "11": "Điện Biên",
    "12": "Lai Châu", "14": "Sơn La", "15": "Lào Cai", "19": "Thái Nguyên",
    "20": "Lạng Sơn", "22": "Quảng Ninh", "24": "Bắc Ninh", "25": "Phú Thọ",
    "31": "Hải Phòng", "33": "Hưng Yên", "37": "Ninh Bình", "38": "Thanh Hóa",
    "40": "Nghệ An", "42": "Hà Tĩnh", "44": "Quảng Trị", "46": "Huế",
    "48": "Đà Nẵng", "51": "Quảng Ngãi", "52": "Gia Lai", "56": "Khánh Hòa",
    "66": "Đắk Lắk", "68": "Lâm Đồng", "75": "Đồng Nai", "79": "Hồ Chí Minh",
    "80": "Tây Ninh", "82": "Đồng Tháp", "86": "Vĩnh Long", "91": "An Giang",
    "92": "Cần Thơ", "96": "Cà Mau",
}
CITIES = {"01", "31", "46", "48", "79", "92"}


def test_34_units_6_cities_28_provinces_unique_codes():
    provinces = all_provinces()
    assert len(provinces) == 34
    assert {p.code for p in provinces if p.kind == "city"} == CITIES
    assert sum(p.kind == "province" for p in provinces) == 28
    assert {p.code: p.name for p in provinces} == CURRENT


def test_former_names_are_the_29_absorbed_provinces():
    former = [name for p in all_provinces() for name in p.former_names]
    assert len(former) == len(set(former)) == 29
    assert {fold(n) for n in former} == {fold(n) for n in ABSORBED}
    assert not {fold(n) for n in former} & {fold(n) for n in CURRENT.values()}
    assert len(former) + len(all_provinces()) == 63


@pytest.mark.parametrize(("old_name", "code"), sorted(ABSORBED.items()))
def test_each_former_name_maps_to_its_absorbing_unit(old_name, code):
    assert lookup(old_name).code == code
    assert lookup(fold(old_name)).code == code
    assert lookup(f"Tỉnh {old_name.upper()}").code == code
    assert lookup(f"  {fold(old_name).title()}   Province ").code == code


@pytest.mark.parametrize(("code", "name"), sorted(CURRENT.items()))
def test_each_current_name_and_english_name_maps_to_itself(code, name):
    province = get_by_code(code)
    assert isinstance(province, Province)
    assert lookup(name) is province
    assert lookup(fold(name)) is province
    assert lookup(province.name_en) is province
    assert lookup(province.name_en.upper()) is province
    assert province.name_en.isascii()


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Quảng Bình", "44"),
        ("Binh Duong", "79"),
        ("Hà Giang", "08"),
        ("Thành phố Hồ Chí Minh", "79"),
        ("TP. Hồ Chí Minh", "79"),
        ("TP.HCM", "79"),
        ("Tp HCM", "79"),
        ("tphcm", "79"),
        ("HCM", "79"),
        ("Ho Chi Minh City", "79"),
        ("Sài Gòn", "79"),
        ("Saigon", "79"),
        ("Bà Rịa - Vũng Tàu", "79"),
        ("Ba Ria Vung Tau", "79"),
        ("BRVT", "79"),
        ("Thừa Thiên Huế", "46"),
        ("Thua Thien Hue", "46"),
        ("Thành phố Huế", "46"),
        ("Hue City", "46"),
        ("Đắc Lắc", "66"),
        ("Dak Lak", "66"),
        ("Đắk Nông", "68"),
        ("Hòa Bình", "25"),
        ("Hoà Bình", "25"),
        ("hoa   binh", "25"),
        ("Thanh Hoá", "38"),
        ("Da Nang", "48"),
        ("Danang", "48"),
        ("Hanoi", "01"),
        ("Ha Noi", "01"),
        ("Hải Phòng City", "31"),
        ("Thành phố Cần Thơ", "92"),
        ("tỉnh   AN GIANG", "91"),
        ("Kiên Giang Province", "91"),
    ],
)
def test_lookup_variants(text, code):
    assert lookup(text).code == code


@pytest.mark.parametrize(
    "text", ["", "   ", "Tỉnh", "TP.", "Atlantis", "Vũng Tàu Beach", "😀", "Hà Nội" * 1000]
)
def test_unknown_is_none(text):
    assert lookup(text) is None


def test_get_by_code():
    assert get_by_code("79").name == "Hồ Chí Minh"
    assert get_by_code("44").former_names == ("Quảng Bình",)
    assert get_by_code("45") is None  # Quảng Trị's pre-2025 code
    assert get_by_code("") is None


def test_all_provinces_sorted_by_folded_name():
    names = [p.name for p in all_provinces()]
    assert names == sorted(names, key=fold)
    assert names[0] == "An Giang"
    assert names.index("Đà Nẵng") < names.index("Điện Biên") < names.index("Gia Lai")


def test_choices():
    vi, en = choices("vi"), choices("en")
    assert len(vi) == len(en) == 34
    assert ("79", "Hồ Chí Minh") in vi
    assert ("79", "Ho Chi Minh City") in en
    assert [label for _, label in vi] == sorted((label for _, label in vi), key=fold)
    assert [label for _, label in en] == sorted((label for _, label in en), key=fold)
    assert choices("en_US") == en


def test_fold_examples():
    assert fold("ĐÀ LẠT") == "da lat"
    assert fold("Áo  Dài") == "ao dai"
    assert fold("  Hoà\tBình\n") == fold("Hòa Bình") == "hoa binh"
    assert fold("đường") == "duong"


@settings(max_examples=500)
@given(st.text())
def test_lookup_never_raises_and_fold_is_idempotent(text):
    assert lookup(text) is None or isinstance(lookup(text), Province)
    assert fold(fold(text)) == fold(text)
