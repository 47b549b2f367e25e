"""The 2025 communes/wards list (market.geo.wards) and how people's typing finds them."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from market.geo import wards
from market.geo.provinces import all_provinces, get_by_code
from market.geo.wards import Ward, find_ward, get_ward, wards_of
from market.text import fold

ALL = tuple(w for p in all_provinces() for w in wards_of(p.code))


def test_totals_match_the_source():
    # vietnam-provinces 2025.10.1: 3,321 units, 2,621 xã, 687 phường, 13 đặc khu.
    assert len(ALL) == 3321
    kinds = [w.kind for w in ALL]
    assert (kinds.count("xa"), kinds.count("phuong"), kinds.count("dac_khu")) == (2621, 687, 13)


def test_codes_unique_and_well_formed():
    assert len({w.code for w in ALL}) == len(ALL)
    assert all(len(w.code) == 5 and w.code.isdigit() for w in ALL)


@pytest.mark.parametrize(
    ("province_code", "count"),
    [("01", 126), ("79", 168), ("38", 166), ("12", 38), ("46", 40), ("91", 102), ("96", 64)],
)
def test_counts_per_province(province_code, count):
    assert len(wards_of(province_code)) == count


def test_every_province_has_wards_and_every_ward_a_province():
    for province in all_provinces():
        assert wards_of(province.code), province.name
    assert all(get_by_code(w.province_code) is not None for w in ALL)
    assert all(w.name == " ".join(w.name.split()) for w in ALL)


def test_wards_of_is_sorted_by_folded_name():
    for province in all_provinces():
        names = [fold(w.name) for w in wards_of(province.code)]
        assert names == sorted(names)


def test_wards_of_unknown_or_odd_input():
    assert wards_of("99") == ()
    assert wards_of("") == ()
    assert wards_of(1) == ()  # type: ignore[arg-type]
    assert wards_of(" 01 ") == wards_of("01")


def test_get_ward():
    assert get_ward("00004") == Ward("00004", "Phường Ba Đình", "01")
    assert get_ward(" 00004 ") == get_ward("00004")
    assert get_ward("31078") == Ward("31078", "Đặc khu Phú Quốc", "91")
    assert get_ward("4") is None
    assert get_ward("99999") is None
    assert get_ward(None) is None  # type: ignore[arg-type]


def test_ward_is_frozen_and_kind_comes_from_name():
    ward = get_ward("00004")
    with pytest.raises(AttributeError):
        ward.name = "x"  # type: ignore[misc]
    assert ward.kind == "phuong"
    assert get_ward("31078").kind == "dac_khu"


@pytest.mark.parametrize(
    "text",
    [
        "Phường Ba Đình",
        "Ba Đình",
        "ba dinh",
        "BA ĐÌNH",
        "phuong ba dinh",
        "P. Ba Đình",
        "p.ba dinh",
        "P Ba Dinh",
        "  Phường   Ba  Đình ",
        "Ba Dinh Ward",
        "Badinh",
    ],
)
def test_find_ward_by_what_people_type(text):
    assert find_ward("01", text).code == "00004"


@pytest.mark.parametrize(
    ("province_code", "text", "code"),
    [
        ("91", "Đặc khu Phú Quốc", "31078"),
        ("91", "dac khu phu quoc", "31078"),
        ("91", "ĐK Phú Quốc", "31078"),
        ("91", "phu quoc", "31078"),
        ("01", "Hoan Kiem", "00070"),
        ("01", "Văn Miếu Quốc Tử Giám", "00196"),  # official name has " - "
        ("66", "Ea Hleo", "24184"),  # official "Xã Ea H’leo"
        ("66", "ea h'leo", "24184"),
        ("24", "Hiệp Hòa", "07840"),  # official "Hiệp Hoà": either tone placement
        ("04", "Đàm Thủy", "01501"),  # official "Đàm Thuỷ"
        ("46", "a luoi 1", "20056"),
        ("11", "Xa Dung", "03208"),  # "Xa" here is part of the name, not the type word
        ("11", "xã xa dung", "03208"),
    ],
)
def test_find_ward_other_spellings(province_code, text, code):
    assert find_ward(province_code, text).code == code


def test_diacritics_or_type_word_disambiguate():
    # Province 19 has Xã Văn Lang and Xã Văn Lăng.
    assert find_ward("19", "van lang") is None
    assert find_ward("19", "Văn Lang").name == "Xã Văn Lang"
    assert find_ward("19", "Văn Lăng").name == "Xã Văn Lăng"
    # Province 79 has Xã Thanh An and Xã Thạnh An: plain text could mean either.
    assert find_ward("79", "thanh an") is None
    assert find_ward("79", "Thạnh An").name == "Xã Thạnh An"
    # Province 38 has Phường Đông Tiến and Xã Đồng Tiến.
    assert find_ward("38", "dong tien") is None
    assert find_ward("38", "phuong dong tien").name == "Phường Đông Tiến"
    assert find_ward("38", "x. dong tien").name == "Xã Đồng Tiến"
    # Province 82 has Phường Mỹ Tho and Xã Mỹ Thọ.
    assert find_ward("82", "my tho") is None
    assert find_ward("82", "P Mỹ Tho").name == "Phường Mỹ Tho"
    assert find_ward("82", "xa my tho").name == "Xã Mỹ Thọ"


def test_wrong_type_word_is_overruled_only_when_name_is_unique():
    assert find_ward("44", "Phường Tân Lập").name == "Xã Tân Lập"


def test_find_ward_is_per_province():
    assert find_ward("79", "Ba Đình") is None
    assert find_ward("66", "Tân Lập").name == "Phường Tân Lập"
    assert find_ward("44", "Tân Lập").name == "Xã Tân Lập"


@pytest.mark.parametrize(
    ("province_code", "text"),
    [
        ("01", "Quận Ba Đình"),  # districts are gone
        ("01", "Xyz"),
        ("01", ""),
        ("01", "   "),
        ("01", "Phường"),
        ("01", "P."),
        ("01", "x" * 500),
        ("99", "Ba Đình"),
        ("", "Ba Đình"),
        (None, "Ba Đình"),
        ("01", None),
        ("01", 4),
    ],
)
def test_find_ward_unknown(province_code, text):
    assert find_ward(province_code, text) is None


def test_every_ward_found_by_its_own_name():
    for ward in ALL:
        assert find_ward(ward.province_code, ward.name) == ward
        assert find_ward(ward.province_code, ward.name.upper()) == ward


def test_import_is_lazy():
    # Loading happens on the first call, once.
    assert wards._data() is wards._data()


@settings(max_examples=300, deadline=None)
@given(
    province_code=st.one_of(st.sampled_from([p.code for p in all_provinces()]), st.text(max_size=4)),
    text=st.one_of(
        st.text(max_size=120),
        st.sampled_from([w.name for w in ALL[:200]]).flatmap(
            lambda name: st.text(max_size=3).map(lambda junk: junk + name + junk)
        ),
    ),
)
def test_find_ward_never_raises(province_code, text):
    result = find_ward(province_code, text)
    assert result is None or isinstance(result, Ward)
