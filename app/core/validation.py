"""Normalise and validate mobiles, ID card numbers, credit codes and search terms (F7, §4.3)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Literal

import phonenumbers
from flask_babel import lazy_gettext as _l
from phonenumbers import NumberParseException, PhoneNumberType
from stdnum import exceptions as stdnum_exc
from stdnum.cn import ric, uscc

__all__ = [
    "GROUP_SEPARATORS",
    "SEPARATORS",
    "DayOutOfRange",
    "IdNumber",
    "MAX_AHEAD_DAYS",
    "ValidationError",
    "classify_search_term",
    "day_param",
    "has_control_characters",
    "is_individual_business",
    "mobile_last4_query",
    "normalize_digits",
    "parse_id_number",
    "parse_mobile",
    "parse_uscc",
    "planning_day_error",
    "without_control_characters",
]

# China has no DST, so a fixed offset is exact and needs no tzdata.
CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")

# Messages never echo the input: a form re-render may go to a role that sees masks only.
MESSAGES = {
    "mobile_required": _l("Please enter a mobile number."),
    "mobile_invalid": _l("This is not a valid mainland China mobile number."),
    "mobile_not_mobile": _l("This is a landline or service number. Please enter a mobile number."),
    "id_required": _l("Please enter an ID card number."),
    "id_legacy_15": _l("This is an old 15-digit ID number. Please enter the 18-character ID card number."),
    "id_length": _l("An ID card number has 18 characters."),
    "id_format": _l("An ID card number is 17 digits followed by a digit or X."),
    "id_checksum": _l("The check character of this ID card number does not match. Please check for typos."),
    "id_birthdate": _l("The birth date in this ID card number is not valid."),
    "id_region": _l("The region code in this ID card number is unknown."),
    "uscc_required": _l("Please enter a unified social credit code."),
    "uscc_invalid": _l(
        "A unified social credit code uses digits and capital letters except I, O, S, V and Z."
    ),
    "uscc_checksum": _l("The check character of this unified social credit code does not match."),
    "uscc_length": _l("A unified social credit code has 18 characters."),
}

# What people type between the groups of a number's digits besides spaces, hyphens and parentheses: an
# underscore, a tilde or a middle dot (full-width ＿ and ～ too: NFKC reads them as _ and ~). Validation drops
# them; the free-text finder reads them as the spaces they stand for (privacy._shadow_char).
GROUP_SEPARATORS = "_~\u00b7"
SEPARATORS = re.compile(rf"[\s\-(){GROUP_SEPARATORS}]")
_AS_SPACES = str.maketrans({c: " " for c in GROUP_SEPARATORS})
# phonenumbers turns letters into keypad digits ("138ABCD5678" parses as valid), so
# only digits and common punctuation may reach it.
_PHONE_CHARS = re.compile(rf"[0-9+\-\s().{GROUP_SEPARATORS}]{{1,40}}")
_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")
_ASCII_DIGITS = re.compile(r"[0-9]+")
_FOUR_DIGITS = re.compile(r"[0-9]{4}")
_PARTIAL_NUMBER = re.compile(r"\+?[0-9]{5,}|[0-9]{4,17}[Xx]")
_MOBILE_TYPES = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})


class ValidationError(ValueError):
    """Invalid user input; `code` is stable for tests and callers, `message` is for people."""

    def __init__(self, code: str, message: object | None = None) -> None:
        """Keep str(exc) equal to the code so logging the error never prints the input."""
        super().__init__(code)
        self.code = code
        self.message = MESSAGES.get(code, code) if message is None else message


def _fail(code: str) -> ValidationError:
    """A ValidationError with the standard message for `code`."""
    return ValidationError(code, MESSAGES[code])


@dataclass(frozen=True, slots=True)
class IdNumber:
    """A validated 18-character resident ID card number."""

    number: str
    birthday: date
    gender: Literal["male", "female"]


def _nfkc(raw: str | None) -> str:
    """NFKC-normalised, stripped text ("" for None)."""
    return unicodedata.normalize("NFKC", raw or "").strip()


def normalize_digits(raw: str) -> str:
    """NFKC (full-width → ASCII), then drop whitespace, "-", "(", ")" and the other group separators."""
    return SEPARATORS.sub("", _nfkc(raw))


def parse_mobile(raw: str | None) -> str:
    """Return the 11-digit mainland mobile number, or raise ValidationError."""
    text = _nfkc(raw)
    if not text:
        raise _fail("mobile_required")
    if not _PHONE_CHARS.fullmatch(text):
        raise _fail("mobile_invalid")
    try:
        number = phonenumbers.parse(text.translate(_AS_SPACES), "CN")
    except NumberParseException as exc:
        raise _fail("mobile_invalid") from exc
    if number.country_code != 86 or number.extension or not phonenumbers.is_valid_number(number):
        raise _fail("mobile_invalid")
    national = str(number.national_number)
    if phonenumbers.number_type(number) not in _MOBILE_TYPES or len(national) != 11:
        raise _fail("mobile_not_mobile")
    return national


def _today_in_china() -> date:
    """Today's date in China, whatever the server's timezone."""
    return datetime.now(CHINA_TZ).date()


def parse_id_number(raw: str | None, *, today: date | None = None) -> IdNumber:
    """Validate an 18-character resident ID number (stdnum.cn.ric plus a future-date check)."""
    number = normalize_digits(raw or "").upper()
    if not number:
        raise _fail("id_required")
    if len(number) == 15 and _ASCII_DIGITS.fullmatch(number):
        raise _fail("id_legacy_15")
    if len(number) != 18:
        raise _fail("id_length")
    if not _ID_SHAPE.fullmatch(number):
        raise _fail("id_format")
    # Same order as ric.validate(), but split: it raises InvalidComponent for both a bad
    # date and an unknown region, and we want different codes for them.
    if ric.calc_check_digit(number) != number[-1]:
        raise _fail("id_checksum")
    try:
        birthday = ric.get_birth_date(number)
    except stdnum_exc.ValidationError as exc:
        raise _fail("id_birthdate") from exc
    if birthday > (today or _today_in_china()):
        raise _fail("id_birthdate")
    try:
        ric.get_birth_place(number)
    # stdnum 2.2 raises KeyError('county') when only the province part of the code is known.
    except (stdnum_exc.ValidationError, KeyError) as exc:
        raise _fail("id_region") from exc
    gender: Literal["male", "female"] = "male" if int(number[16]) % 2 else "female"
    return IdNumber(number=number, birthday=birthday, gender=gender)


def parse_uscc(raw: str | None) -> str:
    """Validate a unified social credit code and return it upper-cased without spaces."""
    code = normalize_digits(raw or "").upper()
    if not code:
        raise _fail("uscc_required")
    try:
        return uscc.validate(code)
    except stdnum_exc.InvalidLength as exc:
        raise _fail("uscc_length") from exc
    except stdnum_exc.InvalidChecksum as exc:
        raise _fail("uscc_checksum") from exc
    except stdnum_exc.ValidationError as exc:
        raise _fail("uscc_invalid") from exc


def is_individual_business(code: str) -> bool:
    """True for a 个体工商户 credit code (second character "2")."""
    return normalize_digits(code).upper()[1:2] == "2"


def mobile_last4_query(raw: str | None) -> str | None:
    """The 4 digits of a "尾号" search, or None if the input is not exactly 4 digits."""
    digits = normalize_digits(raw or "")
    return digits if _FOUR_DIGITS.fullmatch(digits) else None


_LAST4_LABEL = re.compile(r"^(?:手机)?(?:尾号|后四位|末四位|后4位|末4位)[:：\s]*")


def classify_search_term(raw: str | None) -> tuple[str, str]:
    """Classify a search box entry as mobile, id_number, uscc, last4, partial_number or name."""
    text = _nfkc(raw)
    compact = normalize_digits(text)
    parsers = (("mobile", parse_mobile), ("id_number", _id_string), ("uscc", parse_uscc))
    for kind, parse in parsers:
        try:
            return kind, parse(text)
        except ValidationError:
            pass
    last4 = _LAST4_LABEL.sub("", compact, count=1)  # 尾号6771, 后四位8000: how staff say it
    if _FOUR_DIGITS.fullmatch(last4):
        return "last4", last4
    # Number fragments are refused by search (no LIKE over numbers), never treated as names.
    if _PARTIAL_NUMBER.fullmatch(compact):
        return "partial_number", compact.removeprefix("+").upper()
    return "name", text


def _id_string(raw: str) -> str:
    """The normalised ID number string."""
    return parse_id_number(raw).number


# --- Dates typed into query strings ----------------------------------------------------------

# Days a filter may name: before 1900 nothing was recorded; after 9998 a period's end (+1 day, +32 days)
# would leave the calendar. Either side cannot become a UTC instant on every engine.
EARLIEST_DAY, LATEST_DAY = date(1900, 1, 1), date(9998, 12, 31)
# What a date filter says of a day outside them, and of a range that ends before it starts (every list alike).
DAY_OUT_OF_RANGE = _l("Choose a date between 1900-01-01 and 9998-12-31.")
END_BEFORE_START = _l("The end date is before the start date.")
# A start after today finds nothing (nothing is recorded ahead of time): most often a mistyped year.
START_AFTER_TODAY = _l("The start date is after today: nothing has been recorded from then on.")


class DayOutOfRange(ValueError):
    """A well-formed date outside EARLIEST_DAY..LATEST_DAY (the error pages answer it with a 400)."""


def day_param(raw: str | None) -> date | None:
    """A YYYY-MM-DD query value: None when absent or garbled (an odd filter is dropped), DayOutOfRange
    when it is a real date no record can have."""
    try:
        day = date.fromisoformat(raw) if raw else None
    except ValueError:
        return None
    if day is not None and not EARLIEST_DAY <= day <= LATEST_DAY:
        raise DayOutOfRange(raw)
    return day


# --- Days something is planned for ----------------------------------------------------------

# A follow-up, an appointment or a moved appointment falls on today or later, and at most two years ahead: a
# date further out is a typo (year 9999), and near either end of the calendar converting a local time to UTC
# or back overflows.
MAX_AHEAD_DAYS = 730
DATE_PAST = _l("Choose today or a later date.")
DATE_TOO_FAR = _l("Choose a date within two years.")


def planning_day_error(day: date, today: date):
    """Why nothing can be planned on `day` (DATE_PAST, DATE_TOO_FAR), or None when it can."""
    if day < today:
        return DATE_PAST
    if day > today + timedelta(days=MAX_AHEAD_DAYS):
        return DATE_TOO_FAR
    return None


# --- Control characters in free text ---------------------------------------------------------

# C0/C1 controls but tab and line breaks, DEL, and the bidi overrides and isolates that reorder what is shown.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
CONTROL_CHARACTERS_REFUSED = _l("Remove the control characters (invisible characters often copied along with "
                                "pasted text).")


def has_control_characters(text: str | None) -> bool:
    return bool(text) and CONTROL_CHARACTERS.search(text) is not None


def without_control_characters(text: str) -> str:
    return CONTROL_CHARACTERS.sub("", text)
