"""A full number written with invisible characters (zero-width space, word joiner, soft hyphen, BOM) or with
Unicode dashes between its digits reads as the full number on screen, so the free-text finder sees through
them like it sees through spaces and hyphens: found, refused at input, masked and redacted."""

from __future__ import annotations

import pytest

from app.core.privacy import (
    contains_personal_number,
    find_personal_numbers,
    mask_numbers_in_text,
    redact_text,
)

INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\u00ad", "\ufeff"]
DASHES = ["\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2015", "\u2212"]


def _spread(number: str, between: str) -> str:
    return between.join(number)


@pytest.mark.parametrize("char", INVISIBLE, ids=[f"U+{ord(c):04X}" for c in INVISIBLE])
def test_invisible_characters_between_digits(char):
    mobile, id_number = _spread("13912345678", char), _spread("11010519491231002X", char)
    assert [(n.kind, n.value) for n in find_personal_numbers(f"电话{mobile}")] == [("mobile", "13912345678")]
    assert [(n.kind, n.value) for n in find_personal_numbers(f"身份证{id_number}号")] == [
        ("id_number", "11010519491231002X")]
    assert mask_numbers_in_text(f"电话{mobile}。") == "电话139****5678。"
    assert "13912345678" not in redact_text(f"q={mobile}").replace(char, "")


@pytest.mark.parametrize("dash", DASHES, ids=[f"U+{ord(c):04X}" for c in DASHES])
def test_unicode_dashes_between_groups(dash):
    assert contains_personal_number(f"客户139{dash}1234{dash}5678")
    assert contains_personal_number(f"110105{dash}19491231{dash}002X")
    assert mask_numbers_in_text(f"139{dash}1234{dash}5678 下午回电") == "139****5678 下午回电"


@pytest.mark.parametrize("text", ["2026年12月1日\u2014下午3点", "金额1,250,000\u200b元", "支行0571\u201388886666",
                                  "房间1203\u200b号"])
def test_ordinary_text_is_left_alone(text):
    assert find_personal_numbers(text) == []
