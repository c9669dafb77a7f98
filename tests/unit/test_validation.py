"""Tests for app.validation: mobile, ID card, USCC and search-term parsing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta

import pytest
from flask import Flask
from flask_babel import Babel
from stdnum.cn import ric
from stdnum.cn import uscc as stdnum_uscc

from app.core.validation import (
    MESSAGES,
    IdNumber,
    ValidationError,
    classify_search_term,
    is_individual_business,
    mobile_last4_query,
    normalize_digits,
    parse_id_number,
    parse_mobile,
    parse_uscc,
)

VALID_ID = "11010519491231002X"
VALID_USCC = "91110000600037341L"


def make_id(region: str, birth: str, seq: str) -> str:
    """18-character ID with a correct ISO 7064 MOD 11-2 check character."""
    body = region + birth + seq
    # calc_check_digit expects the full number and ignores its last character.
    return body + ric.calc_check_digit(body + "0")


def make_uscc(body17: str) -> str:
    """18-character credit code with a correct mod-31 check character."""
    return body17 + stdnum_uscc.calc_check_digit(body17)


def code_of(func: Callable[..., object], *args: object, **kwargs: object) -> str:
    with pytest.raises(ValidationError) as info:
        func(*args, **kwargs)
    return info.value.code


# --- normalize_digits -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("１３８１２３４５６７８", "13812345678"),
        (" 138 1234-5678 ", "13812345678"),
        ("(010) 1234-5678", "01012345678"),
        ("１３８－１２３４　５６７８", "13812345678"),
        ("+86 138", "+86138"),
    ],
)
def test_normalize_digits(raw: str, expected: str) -> None:
    assert normalize_digits(raw) == expected


# --- parse_mobile ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "13812345678",
        "+86 138-1234-5678",
        "86 13812345678",
        "8613812345678",
        "１３８１２３４５６７８",
        "138 1234 5678",
        "0086 138 1234 5678",
        "+86 (138) 1234 5678",
        "  138-1234-5678\t",
    ],
)
def test_parse_mobile_accepts_common_forms(raw: str) -> None:
    assert parse_mobile(raw) == "13812345678"


@pytest.mark.parametrize(
    "prefix",
    [
        *[str(p) for p in range(130, 140)],
        *[str(p) for p in range(150, 160) if p != 154],
        "170",
        "171",
        "172",
        "173",
        "175",
        "176",
        "177",
        "178",
        *[str(p) for p in range(180, 190)],
        "190",
        "191",
        "192",
        "193",
        "195",
        "196",
        "197",
        "198",
        "199",
    ],
)
def test_parse_mobile_realistic_prefixes(prefix: str) -> None:
    number = prefix + "12345678"
    assert parse_mobile(number) == number


@pytest.mark.parametrize("raw", [None, "", "   ", "\u3000"])
def test_parse_mobile_required(raw: str | None) -> None:
    assert code_of(parse_mobile, raw) == "mobile_required"


@pytest.mark.parametrize(
    "raw",
    [
        "1381234567",  # 10 digits
        "138123456789",  # 12 digits
        "12345678901",  # no such prefix
        "138ABCD5678",  # phonenumbers would turn letters into keypad digits
        "a13812345678",
        "13812345678 ext. 12",
        "tel:13812345678",
        "+852 9123 4567",  # Hong Kong mobile
        "+1 650 253 0000",
        "95588",
        "1" * 50,
    ],
)
def test_parse_mobile_invalid(raw: str) -> None:
    assert code_of(parse_mobile, raw) == "mobile_invalid"


@pytest.mark.parametrize("raw", ["010-12345678", "021 8765 4321", "+86 10 12345678", "400-888-8888"])
def test_parse_mobile_landline_is_not_mobile(raw: str) -> None:
    assert code_of(parse_mobile, raw) == "mobile_not_mobile"


# --- parse_id_number ---------------------------------------------------------------------


def test_parse_id_number_valid() -> None:
    assert ric.is_valid(VALID_ID)
    result = parse_id_number(VALID_ID)
    assert result == IdNumber(number=VALID_ID, birthday=date(1949, 12, 31), gender="female")


def test_id_number_is_frozen() -> None:
    result = parse_id_number(VALID_ID)
    with pytest.raises(AttributeError):
        result.number = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    "raw",
    [
        "11010519491231002x",
        " 110105 19491231 002x ",
        "１１０１０５１９４９１２３１００２ｘ",
        "110105-19491231-002X",
    ],
)
def test_parse_id_number_normalises(raw: str) -> None:
    assert parse_id_number(raw).number == VALID_ID


def test_parse_id_number_gender_and_birthday_from_generated_ids() -> None:
    male = make_id("110105", "19900307", "123")
    female = make_id("110108", "20000229", "124")
    assert parse_id_number(male).gender == "male"
    assert parse_id_number(female) == IdNumber(female, date(2000, 2, 29), "female")


@pytest.mark.parametrize("raw", [None, "", "  "])
def test_parse_id_number_required(raw: str | None) -> None:
    assert code_of(parse_id_number, raw) == "id_required"


def test_parse_id_number_legacy_15_digits() -> None:
    assert code_of(parse_id_number, "110105491231002") == "id_legacy_15"


@pytest.mark.parametrize("raw", ["1101051949123100", "11010519491231002X1", "1234", "11010549123100X"])
def test_parse_id_number_length(raw: str) -> None:
    assert code_of(parse_id_number, raw) == "id_length"


@pytest.mark.parametrize(
    "raw", ["1101051949123100AX", "11010519491231002Y", "X10105194912310022", "١١٠١٠٥١٩٤٩١٢٣١٠٠٢X"]
)
def test_parse_id_number_format(raw: str) -> None:
    assert code_of(parse_id_number, raw) == "id_format"


def test_parse_id_number_checksum() -> None:
    assert code_of(parse_id_number, "110105194912310021") == "id_checksum"
    valid = make_id("110105", "19900307", "123")
    for wrong in "0123456789X":
        if wrong != valid[-1]:
            assert code_of(parse_id_number, valid[:-1] + wrong) == "id_checksum"


@pytest.mark.parametrize("birth", ["19991332", "19990230", "19000229", "19990001", "19990100"])
def test_parse_id_number_invalid_date(birth: str) -> None:
    assert code_of(parse_id_number, make_id("110105", birth, "001")) == "id_birthdate"


def test_parse_id_number_future_birthdate() -> None:
    future = make_id("110105", "20300101", "001")
    assert code_of(parse_id_number, future, today=date(2025, 1, 1)) == "id_birthdate"
    assert parse_id_number(future, today=date(2030, 1, 1)).birthday == date(2030, 1, 1)


def test_parse_id_number_future_birthdate_default_today() -> None:
    soon = date.today() + timedelta(days=2)
    assert code_of(parse_id_number, make_id("110105", soon.strftime("%Y%m%d"), "001")) == "id_birthdate"


@pytest.mark.parametrize("region", ["999999", "000000", "123456", "110199"])
def test_parse_id_number_unknown_region(region: str) -> None:
    # 123456 and 110199 make stdnum 2.2 raise KeyError, not InvalidComponent.
    assert code_of(parse_id_number, make_id(region, "19900101", "001")) == "id_region"


# --- parse_uscc --------------------------------------------------------------------------


def test_parse_uscc_valid() -> None:
    assert stdnum_uscc.is_valid(VALID_USCC)
    assert parse_uscc(VALID_USCC) == VALID_USCC
    assert parse_uscc(" 91110000600037341l ") == VALID_USCC
    assert parse_uscc("９１１１００００６０００３７３４１Ｌ") == VALID_USCC
    assert parse_uscc("9 1110000 600037341L") == VALID_USCC


@pytest.mark.parametrize("raw", [None, "", " "])
def test_parse_uscc_required(raw: str | None) -> None:
    assert code_of(parse_uscc, raw) == "uscc_required"


@pytest.mark.parametrize("raw", ["9111000060003734", "91110000600037341LL", "12345"])
def test_parse_uscc_length(raw: str) -> None:
    assert code_of(parse_uscc, raw) == "uscc_length"


@pytest.mark.parametrize("letter", ["I", "O", "S", "V", "Z"])
def test_parse_uscc_forbidden_letters(letter: str) -> None:
    assert code_of(parse_uscc, VALID_USCC[:10] + letter + VALID_USCC[11:]) == "uscc_invalid"


def test_parse_uscc_invalid_and_checksum() -> None:
    assert code_of(parse_uscc, "A1110000600037341L") == "uscc_invalid"
    assert code_of(parse_uscc, "91110000600037341A") == "uscc_checksum"
    assert code_of(parse_uscc, "92110108MA01ABCD3X") == "uscc_checksum"


def test_is_individual_business() -> None:
    individual = make_uscc("92110108MA01ABCD3")
    assert parse_uscc(individual) == individual
    assert is_individual_business(individual)
    assert is_individual_business(" ９２110108MA01ABCD3H")
    assert not is_individual_business(VALID_USCC)
    assert not is_individual_business("")


# --- Search helpers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("5678", "5678"),
        ("５６７８", "5678"),
        (" 56-78 ", "5678"),
        ("567", None),
        ("56789", None),
        ("abcd", None),
        (None, None),
    ],
)
def test_mobile_last4_query(raw: str | None, expected: str | None) -> None:
    assert mobile_last4_query(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("138 1234 5678", ("mobile", "13812345678")),
        ("+86 138-1234-5678", ("mobile", "13812345678")),
        ("11010519491231002x", ("id_number", VALID_ID)),
        ("91110000600037341l", ("uscc", VALID_USCC)),
        ("5678", ("last4", "5678")),
        ("５６７８", ("last4", "5678")),
        ("尾号6771", ("last4", "6771")),  # as staff say it
        ("后四位 8000", ("last4", "8000")),
        ("手机尾号：６７７１", ("last4", "6771")),
        ("尾号", ("name", "尾号")),
        ("12345", ("partial_number", "12345")),
        ("1381234", ("partial_number", "1381234")),
        ("010-12345678", ("partial_number", "01012345678")),
        ("110105491231002", ("partial_number", "110105491231002")),
        ("110105194912310021", ("partial_number", "110105194912310021")),
        ("1231002x", ("partial_number", "1231002X")),
        ("+86138", ("partial_number", "86138")),
        ("  张三 ", ("name", "张三")),
        ("Zhang San", ("name", "Zhang San")),
        ("", ("name", "")),
    ],
)
def test_classify_search_term(raw: str, expected: tuple[str, str]) -> None:
    assert classify_search_term(raw) == expected


# --- Error objects and lazy messages ---------------------------------------------------------


@pytest.fixture
def babel_app() -> Iterator[Flask]:
    flask_app = Flask(__name__)
    flask_app.config.update(TESTING=True, BABEL_DEFAULT_LOCALE="zh")
    Babel(flask_app)
    with flask_app.test_request_context():
        yield flask_app


def test_validation_error_shape() -> None:
    with pytest.raises(ValidationError) as info:
        parse_mobile("010-12345678")
    err = info.value
    assert isinstance(err, ValueError)
    assert err.code == "mobile_not_mobile"
    # str() is the code, so logging the exception never prints the input.
    assert str(err) == "mobile_not_mobile"
    assert err.message is MESSAGES["mobile_not_mobile"]


@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_messages_render_in_app_context(babel_app: Flask, code: str) -> None:
    text = str(MESSAGES[code])
    assert text and text.isascii()


@pytest.mark.parametrize(
    ("func", "raw"),
    [
        (parse_mobile, "010-12345678"),
        (parse_id_number, "110105194912310021"),
        (parse_uscc, "91110000600037341A"),
    ],
)
def test_messages_never_echo_input(babel_app: Flask, func: Callable[[str], object], raw: str) -> None:
    with pytest.raises(ValidationError) as info:
        func(raw)
    assert raw not in str(info.value.message)
    assert raw not in str(info.value)
