"""PFI masking, field encryption, blind indexes and log redaction (security.md F1, F2, G2, §3)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import os
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any
from urllib.parse import unquote_plus

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app
from stdnum.cn import ric
from stdnum.cn import uscc as stdnum_uscc

from app.core.validation import GROUP_SEPARATORS, SEPARATORS

__all__ = [
    "AMOUNT_BANDS",
    "PFI_PATTERNS",
    "CipherError",
    "DecryptionError",
    "FieldCipher",
    "PersonalNumber",
    "PfiLogFilter",
    "UnknownKeyError",
    "amount_band",
    "blind_index",
    "contains_personal_number",
    "decrypt_pfi",
    "encrypt_pfi",
    "find_personal_numbers",
    "log_token",
    "lookup_hash",
    "mask",
    "mask_details",
    "mask_numbers_in_text",
    "pfi_log_token",
    "redact_text",
]

MASK_KINDS = frozenset({"mobile", "id_number", "bank_card", "name", "address", "uscc", "amount", "email"})

# Upper bounds in yuan (exclusive), label; the last band has no upper bound.
AMOUNT_BANDS: tuple[tuple[int | None, str], ...] = (
    (100_000, "<10万"),
    (500_000, "10–50万"),
    (1_000_000, "50–100万"),
    (2_000_000, "100–200万"),
    (5_000_000, "200–500万"),
    (10_000_000, "500–1000万"),
    (None, "≥1000万"),
)

_DISTRICT_MARKERS = "区县旗"
# A 区 that ends a province-level name (内蒙古自治区, 香港特别行政区) is not a district.
_PROVINCE_SUFFIXES = ("自治区", "行政区")
# If a candidate prefix already contains street-level detail, the marker was not a
# district (e.g. 东莞市虎门镇某某社区): cutting there would leak, so fall back to a
# shorter prefix. Over-masking a few real names (镇江市, 路桥区) is the safe direction.
_STREET_LEVEL = re.compile(r"[0-9０-９路街号弄巷村镇乡楼栋室]|小区|社区|大道")


def _compact(value: str | int) -> str:
    """NFKC-normalise and drop whitespace, dashes, parentheses and the other group separators (as validation)."""
    return SEPARATORS.sub("", unicodedata.normalize("NFKC", str(value)))


def _keep(text: str, head: int, tail: int) -> str:
    """Show `head` leading and `tail` trailing characters, star the rest (same length)."""
    hidden = len(text) - head - tail
    return text[:head] + "*" * hidden + (text[len(text) - tail :] if tail else "")


def _mask_mobile(value: str) -> str:
    """138****5678 for an 11-digit national number; otherwise last 4 at most."""
    digits = _compact(value).removeprefix("+")
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if len(digits) == 11:
        return _keep(digits, 3, 4)
    return _keep(digits, 0, 4) if len(digits) >= 8 else "*" * len(digits)


def _mask_id_number(value: str, level: int) -> str:
    """3 + 11 stars + 4 (L1) or 1 + 16 stars + 1 (L2); anything not 18 chars gets L2 shape."""
    number = _compact(value).upper()
    if len(number) == 18 and level == 1:
        return _keep(number, 3, 4)
    return _keep(number, 1, 1) if len(number) >= 6 else "*" * len(number)


def _mask_bank_card(value: str, level: int) -> str:
    """BIN + last 4 (L1) or last 4 (L2), stars keep the original length."""
    digits = _compact(value)
    if level == 1 and len(digits) >= 13:
        return _keep(digits, 6, 4)
    return _keep(digits, 0, 4) if len(digits) >= 8 else "*" * len(digits)


def _mask_name(value: str) -> str:
    """First character, then one star per remaining character."""
    name = value.strip()
    return name[:1] + "*" * (len(name) - 1)


def _address_prefix(address: str) -> str | None:
    """Address cut after the district/county, or after the city, or None."""
    for markers in (_DISTRICT_MARKERS, "市"):
        for i, char in enumerate(address):
            if char not in markers:
                continue
            prefix = address[: i + 1]
            if prefix.endswith(_PROVINCE_SUFFIXES):
                continue
            if _STREET_LEVEL.search(prefix):
                break
            return prefix
    return None


def _mask_address(value: str, level: int) -> str:
    """District-level prefix (+ "****" at L1)."""
    address = "".join(value.split())
    prefix = _address_prefix(address)
    if prefix is None:
        prefix = address[:2]
    return prefix + "****" if level == 1 else prefix


def _mask_uscc(value: str) -> str:
    """Companies in full; 个体工商户 (2nd char "2") as 2 + 12 stars + 4."""
    code = _compact(value).upper()
    if code[1:2] != "2":
        return code
    if len(code) == 18:
        return _keep(code, 2, 4)
    return _keep(code, 0, 4) if len(code) >= 8 else "*" * len(code)


def _parse_amount(value: str | int | Decimal | float) -> Decimal | None:
    """Decimal from an int or a numeric string with optional thousands separators."""
    text = unicodedata.normalize("NFKC", str(value)).replace(",", "").strip()
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def amount_band(amount: Decimal | int) -> str:
    """Band label such as "100–200万" for an amount in yuan."""
    if amount < 0:
        return "<0"
    for upper, label in AMOUNT_BANDS:
        if upper is None or amount < upper:
            return label
    raise AssertionError("unreachable: the last band is open-ended")


def _mask_amount(value: str | int, level: int) -> str:
    """Thousands separators (L1) or a band (L2)."""
    amount = _parse_amount(value)
    if amount is None:
        return "***"
    if level == 2:
        return amount_band(amount)
    if amount == amount.to_integral_value():
        return f"{int(amount):,}"
    return f"{amount:,.2f}"


def _mask_email(value: str) -> str:
    """First character of the local part, then stars of the same length, then the domain."""
    email = value.strip()
    local, at, domain = email.rpartition("@")
    if not at:
        return _mask_name(email)
    return _mask_name(local) + "@" + domain


def mask(kind: str, value: str | int | None, level: int = 1) -> str:
    """Mask a PFI value for display; the ONE masking function (security.md §3)."""
    if kind not in MASK_KINDS:
        raise ValueError(f"unknown mask kind: {kind!r}")
    if level not in (1, 2):
        raise ValueError(f"mask level must be 1 or 2, not {level!r}")
    if value is None:
        return ""
    text = str(value)
    if not text.strip():
        return ""
    match kind:
        case "mobile":
            return _mask_mobile(text)
        case "id_number":
            return _mask_id_number(text, level)
        case "bank_card":
            return _mask_bank_card(text, level)
        case "name":
            return _mask_name(text)
        case "address":
            return _mask_address(text, level)
        case "uscc":
            return _mask_uscc(text)
        case "amount":
            return _mask_amount(value, level)
        case _:
            return _mask_email(text)


# --- Encryption at rest -----------------------------------------------------------

_NONCE_BYTES = 12
_TAG_BYTES = 16


class CipherError(ValueError):
    """Base error for field encryption problems."""


class UnknownKeyError(CipherError):
    """The token names a key id that is not configured."""


class DecryptionError(CipherError):
    """The token is malformed, was tampered with, or belongs to another context."""


class FieldCipher:
    """AES-256-GCM field encryption with key ids in the token, so keys can rotate."""

    __slots__ = ("_aeads", "current_key_id")

    def __init__(self, keys: Mapping[str, bytes], current_key_id: str) -> None:
        """Build one AESGCM per key; the current key encrypts, all keys decrypt."""
        if current_key_id not in keys:
            raise CipherError(f"current key id {current_key_id!r} is not among the keys")
        aeads: dict[str, AESGCM] = {}
        for key_id, key in keys.items():
            if not key_id or "$" in key_id:
                raise CipherError(f"key id {key_id!r} must be non-empty and contain no '$'")
            if not isinstance(key, bytes) or len(key) != 32:
                raise CipherError(f"key {key_id!r} must be 32 bytes (AES-256)")
            aeads[key_id] = AESGCM(key)
        self._aeads = aeads
        self.current_key_id = current_key_id

    @property
    def key_ids(self) -> frozenset[str]:
        """Configured key ids."""
        return frozenset(self._aeads)

    def built_from(self, keys: Mapping[str, bytes], current_key_id: str) -> bool:
        """True if this cipher matches the given key ids and current key id."""
        return current_key_id == self.current_key_id and keys.keys() == self._aeads.keys()

    def encrypt(self, plaintext: str, *, context: str) -> str:
        """Encrypt to "<key_id>$<urlsafe-b64(nonce + ciphertext)>" bound to `context`."""
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aeads[self.current_key_id].encrypt(
            nonce, plaintext.encode("utf-8"), context.encode("utf-8")
        )
        payload = base64.urlsafe_b64encode(nonce + sealed).decode("ascii")
        return f"{self.current_key_id}${payload}"

    def decrypt(self, token: str, *, context: str) -> str:
        """Decrypt a token made by `encrypt` with the same context."""
        key_id, payload = _split_token(token)
        aead = self._aeads.get(key_id)
        if aead is None:
            raise UnknownKeyError(f"unknown encryption key id {key_id!r}")
        try:
            raw = base64.urlsafe_b64decode(payload.encode("ascii"))
        except (binascii.Error, UnicodeEncodeError) as exc:
            raise DecryptionError("encrypted field is not valid base64") from exc
        if len(raw) < _NONCE_BYTES + _TAG_BYTES:
            raise DecryptionError("encrypted field is too short")
        try:
            plain = aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], context.encode("utf-8"))
        except InvalidTag as exc:
            raise DecryptionError(
                "encrypted field failed authentication (tampered, wrong key or wrong context)"
            ) from exc
        return plain.decode("utf-8")

    def needs_reencrypt(self, token: str) -> bool:
        """True when the token was made with a key other than the current one."""
        key_id, _ = _split_token(token)
        return key_id != self.current_key_id


def _split_token(token: str) -> tuple[str, str]:
    """Split "<key_id>$<payload>"."""
    key_id, sep, payload = token.partition("$")
    if not sep or not key_id or not payload:
        raise DecryptionError("encrypted field has no '<key_id>$' prefix")
    return key_id, payload


# --- Blind index and log tokens -----------------------------------------------------

_LOG_PREFIXES = {"mobile": "mob", "id_number": "idn", "uscc": "usc", "bank_card": "card"}


def blind_index(value: str, *, key: bytes, context: str) -> str:
    """HMAC-SHA256 hex of context + NUL + value, for exact-match lookups."""
    if len(key) < 32:
        raise ValueError("blind index key must be at least 32 bytes")
    message = context.encode("utf-8") + b"\x00" + value.encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def log_token(kind: str, value: str, *, key: bytes) -> str:
    """Correlatable, digit-free log stand-in such as "mob#3fa2c91e"."""
    prefix = _LOG_PREFIXES.get(kind)
    if prefix is None:
        raise ValueError(f"no log token prefix for kind {kind!r}")
    if not value:
        return f"{prefix}#-"
    return f"{prefix}#{blind_index(value, key=key, context=kind)[:8]}"


# --- App-bound helpers ---------------------------------------------------------------

_CIPHER_EXTENSION = "yinjian_cipher"


def _app_cipher() -> FieldCipher:
    """The app's cached FieldCipher, rebuilt when missing or when the key config changed."""
    app = current_app._get_current_object()  # one proxy lookup: this runs for every row of a list page
    config = app.config
    try:
        keys: Mapping[str, bytes] = config["PFI_KEYS"]
        current_key_id: str = config["PFI_CURRENT_KEY_ID"]
    except KeyError as exc:
        raise RuntimeError(f"{exc.args[0]} is not configured") from exc
    cipher = app.extensions.get(_CIPHER_EXTENSION)
    # Cheap staleness check so a rotation in config (or in tests) is never ignored.
    if not isinstance(cipher, FieldCipher) or not cipher.built_from(keys, current_key_id):
        cipher = FieldCipher(keys, current_key_id)
        app.extensions[_CIPHER_EXTENSION] = cipher
    return cipher


def _hmac_key() -> bytes:
    """PFI_HMAC_KEY from the app config."""
    key = current_app.config.get("PFI_HMAC_KEY")
    if not key:
        raise RuntimeError("PFI_HMAC_KEY is not configured")
    return key


def encrypt_pfi(context: str, value: str | None) -> str | None:
    """Encrypt with the app's current key; None or "" stays None."""
    if value is None or value == "":
        return None
    return _app_cipher().encrypt(value, context=context)


def decrypt_pfi(context: str, token: str | None) -> str | None:
    """Decrypt a token from `encrypt_pfi`; None stays None."""
    if token is None or token == "":
        return None
    return _app_cipher().decrypt(token, context=context)


def lookup_hash(context: str, value: str | None) -> str | None:
    """Blind index with the app's HMAC key; pass the normalised value. None stays None."""
    if value is None or value == "":
        return None
    return blind_index(value, key=_hmac_key(), context=context)


def pfi_log_token(kind: str, value: str | None) -> str:
    """Log token with the app's HMAC key (same HMAC as `lookup_hash`, first 8 hex)."""
    return log_token(kind, value or "", key=_hmac_key())


# --- Log redaction ----------------------------------------------------------------------

PFI_PATTERNS: dict[str, re.Pattern[str]] = {
    "mobile": re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)"),
    # (?!\w) would treat CJK as word characters and miss "…002X号", so guard ASCII only.
    "id_number": re.compile(r"(?<!\d)\d{17}[\dXx](?![0-9A-Za-z_])"),
}

_REDACTED = "[redacted]"
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")

# --- Personal numbers in free text ---------------------------------------------------------
#
# Staff type numbers into notes the way they write them: "+86 139-1234-5678", "(+86) 139 1234 5678",
# full-width digits, "110105 19491231 002x". The scanner reads a same-length ASCII shadow of the text
# (each character NFKC-normalised on its own: digits, X, the separators validation accepts) so a match
# maps back onto the original characters. Digits must run on, with at most a few separators between
# them, to exactly a mobile's, an ID number's, a card's or a 个体工商户 credit code's length: amounts,
# dates, times, branch and landline numbers are shorter or differently shaped and stay as typed.

_S = r"[ .()\-]{0,3}"  # what may stand between two digits of one number
_FREE_TEXT_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("id_number", re.compile(rf"(?<![0-9])\(?[0-9](?:{_S}[0-9]){{16}}{_S}[0-9X](?![0-9])")),
    ("bank_card", re.compile(rf"(?<![0-9A-Z])\(?[0-9](?:{_S}[0-9]){{15,18}}(?![0-9A-Z])")),
    ("mobile", re.compile(rf"(?<![0-9])\(?(?:(?:\+|00){_S})?(?:86{_S}(?:0{_S})?|0{_S})?1{_S}[3-9](?:{_S}[0-9]){{9}}(?![0-9])")),
    # A credit code whose second character is 2 (个体工商户) identifies a person; companies' codes are public.
    ("uscc", re.compile(rf"(?<![0-9A-Z])\(?[0-9]{_S}2(?:{_S}[0-9]){{6}}(?:{_S}[0-9A-Z]){{10}}(?![0-9A-Z])")),
)
_FEW_DIGITS = 7  # a text with fewer digits than the shortest personal number (a credit code's 8) is left alone
_ANY_DIGIT = re.compile(r"\d")
_SHADOW_PUNCTUATION = frozenset("+-.()")


@dataclass(frozen=True, slots=True)
class PersonalNumber:
    """A personal number found in free text: where it is and what it is, normalised."""

    start: int
    end: int
    kind: str  # mobile | id_number | bank_card | uscc
    value: str  # digits (and X or letters) only; a mobile without its +86 / 0 prefix


@lru_cache(maxsize=4096)
def _shadow_char(char: str) -> str:
    """One character as the scanner sees it: an ASCII digit, upper-case letter, separator, or '#'."""
    if unicodedata.category(char) == "Cf":
        return " "  # zero-width and other invisible characters: on screen the digits still run on
    normal = unicodedata.normalize("NFKC", char)
    if unicodedata.category(normal[:1]) == "Pd" or normal == "\u2212":
        return "-"  # en/em dashes, non-breaking hyphens, minus: read as the hyphen they look like
    if normal in GROUP_SEPARATORS:
        return " "  # 139_1234_5678, 139·1234·5678, 139~1234~5678: the groups of one number, as validation reads them
    if len(normal) == 1 and normal.isascii():
        if normal.isdigit() or normal in _SHADOW_PUNCTUATION:
            return normal
        if normal.isalpha():
            return normal.upper()
    if normal.isspace() or char.isspace():
        return " "
    return "#"


def _shadow(text: str) -> str:
    if text.isascii():
        return text.upper().translate(_ASCII_SPACES)
    return "".join(map(_shadow_char, text))


_ASCII_SPACES = str.maketrans({c: " " for c in "\t\n\r\x0b\x0c" + GROUP_SEPARATORS})


def find_personal_numbers(text: str | None) -> list[PersonalNumber]:
    """Every mobile, ID number, bank card and 个体工商户 credit code in `text`, in any way of writing
    them that validation accepts, as non-overlapping spans (the one finder behind masking, the
    input rule and log redaction)."""
    if not text or len(_ANY_DIGIT.findall(text)) < _FEW_DIGITS:
        return []
    shadow = _shadow(text)
    candidates: list[PersonalNumber] = []
    for kind, pattern in _FREE_TEXT_PATTERNS:
        for found in pattern.finditer(shadow):
            value = re.sub(r"[^0-9A-Z]", "", found.group())
            if kind == "mobile":
                value = value[-11:]
            elif kind == "uscc" and not stdnum_uscc.is_valid(value):
                continue
            elif kind != "uscc" and _is_company_code(value) and not (kind == "id_number" and ric.is_valid(value)):
                continue  # an all-digit company credit code is public, not an ID or card number
            candidates.append(PersonalNumber(found.start(), found.end(), kind, value))
    # Leftmost first, then the longest: overlapping readings of one run of digits count once.
    candidates.sort(key=lambda n: (n.start, n.start - n.end))
    chosen: list[PersonalNumber] = []
    for number in candidates:
        if not chosen or number.start >= chosen[-1].end:
            chosen.append(number)
    return chosen


def _is_company_code(value: str) -> bool:
    return len(value) == 18 and value[1:2] != "2" and stdnum_uscc.is_valid(value)


def contains_personal_number(text: str | None) -> bool:
    """True when free text holds a full personal number (the input rule refuses such text)."""
    return bool(find_personal_numbers(text))


def _replace_numbers(text: str, replacement) -> str:
    numbers = find_personal_numbers(text)
    if not numbers:
        return text
    parts, last = [], 0
    for number in numbers:
        parts.append(text[last:number.start])
        parts.append(replacement(number))
        last = number.end
    parts.append(text[last:])
    return "".join(parts)


def mask_numbers_in_text(text: str | None, level: int = 1) -> str:
    """Free text (notes, needs, reasons, audit details) with every personal number in it masked."""
    if not text:
        return ""
    return _replace_numbers(text, lambda n: mask(n.kind, n.value, level))


def mask_details(value: Any) -> Any:
    """Audit details with the personal numbers in every string masked (dicts and lists walked)."""
    if isinstance(value, str):
        return mask_numbers_in_text(value)
    if isinstance(value, Mapping):
        return {key: mask_details(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [mask_details(item) for item in value]
    return value


# A calendar subscription URL is a credential (appointments.feed): its token never reaches a log line.
_FEED_TOKEN = re.compile(r"(/appointments/feed/)[A-Za-z0-9_-]{8,}(\.ics)")


def redact_text(text: str) -> str:
    """Replace personal numbers with [redacted] and escape CR/LF and other controls (one log line)."""
    text = unicodedata.normalize("NFKC", text)
    if "%" in text or "+" in text:
        # A query string in an access log: "q=139+1234+5678" or "%2B86%20139..." hides the number's shape.
        decoded = unquote_plus(text)
        if len(find_personal_numbers(decoded)) > len(find_personal_numbers(text)):
            text = decoded
    text = _replace_numbers(text, lambda n: _REDACTED)
    text = _FEED_TOKEN.sub(rf"\1{_REDACTED}\2", text)
    return _CONTROL_CHARS.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


class PfiLogFilter(logging.Filter):
    """Redact PFI from log records and keep each record on one line (G2)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Fold message, traceback and stack into one redacted line."""
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not break the caller
            message = f"{record.msg!r} {record.args!r}"
        parts = [message]
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        # Formatter.format() puts exc_text/stack_info on new lines, so they go into msg.
        if record.exc_text:
            parts.append(record.exc_text)
        if record.stack_info:
            parts.append(record.stack_info)
        record.msg = redact_text("\n".join(parts))
        record.args = None
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        return True
