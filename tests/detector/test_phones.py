"""Phone numbers as flyers print them and OCR reads them."""

from __future__ import annotations

import pytest

from detector.text.phones import Phone, find_phones


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("13812345678", ["13812345678"]),
        ("电话：138 1234 5678", ["13812345678"]),
        ("138-1234-5678", ["13812345678"]),
        ("138.1234.5678", ["13812345678"]),
        ("１３８１２３４５６７８", ["13812345678"]),  # full-width digits
        ("+86 139 0000 1111", ["13900001111"]),
        ("+8613900001111", ["13900001111"]),
        ("0086-13900001111", ["13900001111"]),
        ("0532-8888 6666", ["053288886666"]),
        ("(0532)88886666", ["053288886666"]),
        ("（010）6552 1234", ["01065521234"]),
        ("021-5555666", ["0215555666"]),
        ("400-820-8820", ["4008208820"]),
        ("800 810 8888", ["8008108888"]),
        ("办证 13812345678 刻章 13987654321", ["13812345678", "13987654321"]),
        ("13812345678 13812345678", ["13812345678"]),  # each number once
        ("138l2345678", ["13812345678"]),  # OCR: l for 1
        ("1381234567O", ["13812345678"[:10] + "0"]),  # O for 0 at the end, after a digit
        ("139 O123 4567", ["13901234567"]),
        ("TEL:159|2345678", ["15912345678"]),
    ],
)
def test_numbers_are_found_and_normalised(text: str, numbers: list[str]) -> None:
    assert [p.number for p in find_phones(text)] == numbers


@pytest.mark.parametrize(
    "text",
    [
        "",
        "专业开锁 换锁芯",
        "价格 2024123456789 元",  # digits that do not fill a group as a number
        "12812345678",  # 12x is no mobile prefix
        "88886666",  # a local number without area code
        "2026-12-06 08:15:00",  # a date and time
        "营业时间 9:00-21:00 OPEN",
        "ISO 9001:2015",
        "1381234567",  # 10 digits
        "138123456789",  # 12 digits
        "0012345678901",
        "Oil 1234567 lbs",  # letters next to digits stay letters
    ],
)
def test_text_without_a_number_gives_none(text: str) -> None:
    assert find_phones(text) == []


def test_a_phone_knows_its_kind_and_how_to_show_it() -> None:
    mobile, land, service = (
        find_phones(t)[0] for t in ("13812345678", "0532 88886666", "4008208820")
    )
    assert (mobile.kind, mobile.display) == ("mobile", "138 1234 5678")
    assert (land.kind, land.display) == ("landline", "0532-88886666")
    assert (service.kind, service.display) == ("service", "400-820-8820")
    assert find_phones("010-65521234")[0].display == "010-65521234"
    assert find_phones("电话 138-1234-5678")[0].printed == "138-1234-5678"
    assert Phone("13812345678", "mobile", "x") == Phone("13812345678", "mobile", "x")
