"""Tests for app.privacy: masking (security.md §3), encryption, blind index, log redaction."""

from __future__ import annotations

import base64
import io
import logging
import random
import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask_babel import Babel
from stdnum.cn import ric
from stdnum.cn import uscc as stdnum_uscc

from app.core import privacy
from app.core.privacy import (
    PFI_PATTERNS,
    CipherError,
    DecryptionError,
    FieldCipher,
    PfiLogFilter,
    UnknownKeyError,
    amount_band,
    blind_index,
    decrypt_pfi,
    encrypt_pfi,
    log_token,
    lookup_hash,
    mask,
    pfi_log_token,
)

K1 = bytes(range(32))
K2 = bytes(range(100, 132))
HMAC_KEY = b"h" * 32
TOKEN_RE = re.compile(r"^(?P<kid>[^$]+)\$[A-Za-z0-9_-]+=*$")
# The F1 response-scan regexes from security.md, unanchored on purpose.
F1_REGEXES = (re.compile(r"1[3-9]\d{9}"), re.compile(r"\d{17}[\dXx]"))


# --- §3 masking table, row by row ------------------------------------------------------

MASK_TABLE = [
    ("mobile", "13812345678", "138****5678", "138****5678"),
    ("id_number", "11010519491231002X", "110***********002X", "1****************X"),
    ("bank_card", "6222021234567890123", "622202*********0123", "***************0123"),
    ("name", "张三", "张*", "张*"),
    ("name", "张三丰", "张**", "张**"),
    ("name", "欧阳娜娜", "欧***", "欧***"),
    ("address", "北京市海淀区中关村大街1号院2号楼301", "北京市海淀区****", "北京市海淀区"),
    ("uscc", "91110000600037341L", "91110000600037341L", "91110000600037341L"),
    ("uscc", "92110108MA01ABCD3X", "92************CD3X", "92************CD3X"),
    ("amount", "1250000", "1,250,000", "100–200万"),
    ("email", "zhangsan@example.com", "z*******@example.com", "z*******@example.com"),
]


@pytest.mark.parametrize(("kind", "value", "l1", "l2"), MASK_TABLE)
def test_mask_table_rows(kind: str, value: str, l1: str, l2: str) -> None:
    assert mask(kind, value) == l1
    assert mask(kind, value, level=1) == l1
    assert mask(kind, value, level=2) == l2


def test_mask_table_uscc_company_is_a_valid_code() -> None:
    assert stdnum_uscc.is_valid("91110000600037341L")


@pytest.mark.parametrize("raw", ["+86 138-1234-5678", "１３８１２３４５６７８", "138 1234 5678"])
def test_mask_mobile_normalises_first(raw: str) -> None:
    assert mask("mobile", raw) == "138****5678"
    assert mask("mobile", raw, 2) == "138****5678"


def test_mask_mobile_accepts_int() -> None:
    assert mask("mobile", 13812345678) == "138****5678"


def test_mask_id_prints_check_character_upper_case() -> None:
    assert mask("id_number", "11010519491231002x") == "110***********002X"
    assert mask("id_number", "11010519491231002x", 2) == "1****************X"


def test_mask_amount_int_and_separated_input() -> None:
    assert mask("amount", 1250000) == "1,250,000"
    assert mask("amount", "1,250,000", 2) == "100–200万"
    assert mask("amount", 0) == "0"
    assert mask("amount", "not a number") == "***"


@pytest.mark.parametrize(
    ("amount", "band"),
    [
        (0, "<10万"),
        (99_999, "<10万"),
        (100_000, "10–50万"),
        (499_999, "10–50万"),
        (500_000, "50–100万"),
        (1_000_000, "100–200万"),
        (1_999_999, "100–200万"),
        (2_000_000, "200–500万"),
        (5_000_000, "500–1000万"),
        (9_999_999, "500–1000万"),
        (10_000_000, "≥1000万"),
        (3_000_000_000, "≥1000万"),
        (-500, "<0"),
    ],
)
def test_amount_bands(amount: int, band: str) -> None:
    assert amount_band(amount) == band
    assert mask("amount", amount, 2) == band


@pytest.mark.parametrize(
    ("address", "l1", "l2"),
    [
        ("上海市浦东新区世纪大道100号", "上海市浦东新区****", "上海市浦东新区"),
        ("河北省保定市涞水县某某乡", "河北省保定市涞水县****", "河北省保定市涞水县"),
        (
            "内蒙古自治区鄂尔多斯市伊金霍洛旗某镇",
            "内蒙古自治区鄂尔多斯市伊金霍洛旗****",
            "内蒙古自治区鄂尔多斯市伊金霍洛旗",
        ),
        (
            "广西壮族自治区南宁市青秀区民族大道1号",
            "广西壮族自治区南宁市青秀区****",
            "广西壮族自治区南宁市青秀区",
        ),
        # No district: cut after the city.
        ("广东省东莞市南城街道", "广东省东莞市****", "广东省东莞市"),
        # The first 区 is a housing estate, not a district: never cut inside the street.
        ("东莞市虎门镇阳光小区5栋", "东莞市****", "东莞市"),
        # No marker at all: first two characters.
        ("中关村大街1号", "中关****", "中关"),
        ("北京市 海淀区 中关村", "北京市海淀区****", "北京市海淀区"),
    ],
)
def test_mask_address_cuts_at_district(address: str, l1: str, l2: str) -> None:
    assert mask("address", address) == l1
    assert mask("address", address, 2) == l2


def test_mask_email_and_name_edges() -> None:
    assert mask("email", "a@example.com") == "a@example.com"
    assert mask("email", "no-at-sign") == "n*********"
    assert mask("name", " 李 ") == "李"


def test_mask_short_numbers_never_reveal_more_than_last_four() -> None:
    assert mask("bank_card", "622202123456") == "********3456"
    assert mask("bank_card", "1234") == "****"
    assert mask("mobile", "12345") == "*****"
    assert mask("id_number", "110105491231002") == "1*************2"


@pytest.mark.parametrize("kind", sorted(privacy.MASK_KINDS))
@pytest.mark.parametrize("level", [1, 2])
@pytest.mark.parametrize("empty", [None, "", "   "])
def test_mask_empty_is_empty(kind: str, level: int, empty: str | None) -> None:
    assert mask(kind, empty, level) == ""


def test_mask_rejects_unknown_kind_and_level() -> None:
    with pytest.raises(ValueError):
        mask("passport", "E12345678")
    with pytest.raises(ValueError):
        mask("mobile", "13812345678", level=3)


# --- L2 reveals a subset of L1 ----------------------------------------------------------

MOBILE_PREFIXES = ["130", "135", "139", "150", "158", "166", "177", "181", "186", "189", "199"]
SURNAMES = "张王李赵刘陈杨黄吴周欧阳司马诸葛"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞"
PLACES = [
    ("北京市", "海淀区"),
    ("上海市", "浦东新区"),
    ("广东省深圳市", "南山区"),
    ("浙江省杭州市", "西湖区"),
    ("河北省保定市", "涞水县"),
    ("内蒙古自治区呼和浩特市", "土默特左旗"),
    ("江苏省", "昆山市"),
]


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def make_id(region: str, birth: str, seq: str) -> str:
    """18-character ID with a correct ISO 7064 MOD 11-2 check character."""
    body = region + birth + seq
    return body + ric.calc_check_digit(body + "0")


def _random_values(rng: random.Random) -> Iterator[tuple[str, str]]:
    for _ in range(200):
        yield "mobile", rng.choice(MOBILE_PREFIXES) + _digits(rng, 8)
        birth = f"{rng.randint(1930, 2010)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        yield "id_number", make_id(rng.choice(["110105", "110108", "310115"]), birth, _digits(rng, 3))
        yield "bank_card", "62" + _digits(rng, rng.randint(14, 17))
        yield "name", rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(0, 3)))
        prefix, district = rng.choice(PLACES)
        yield "address", f"{prefix}{district}{rng.choice(GIVEN)}路{rng.randint(1, 999)}号"
        body = (
            "92" + _digits(rng, 6) + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
        )
        yield "uscc", body + stdnum_uscc.calc_check_digit(body)
        yield "uscc", "91" + _digits(rng, 6) + _digits(rng, 10)
        local = "".join(
            rng.choice("abcdefghijklmnopqrstuvwxyz0123456789._") for _ in range(rng.randint(1, 12))
        )
        yield "email", f"{local}@example.com"


def test_level2_reveals_a_subset_of_level1_positions() -> None:
    rng = random.Random(20240601)
    for kind, value in _random_values(rng):
        l1, l2 = mask(kind, value, 1), mask(kind, value, 2)
        assert len(l2) <= len(l1), (kind, value)
        for pos, char in enumerate(l2):
            assert char == "*" or char == l1[pos], (kind, value, l1, l2)


def test_number_masks_keep_length_and_hide_the_number() -> None:
    rng = random.Random(7)
    for kind, value in _random_values(rng):
        if kind not in {"mobile", "id_number", "bank_card"}:
            continue
        for level in (1, 2):
            masked = mask(kind, value, level)
            assert len(masked) == len(value)
            assert value not in masked
            assert not any(regex.search(masked) for regex in F1_REGEXES)


def test_amount_level2_is_derived_from_level1() -> None:
    rng = random.Random(11)
    for _ in range(500):
        amount = rng.randint(0, 50_000_000)
        l1 = mask("amount", amount, 1)
        assert amount_band(int(l1.replace(",", ""))) == mask("amount", amount, 2)


# --- Encryption at rest ----------------------------------------------------------------


@pytest.fixture
def cipher() -> FieldCipher:
    return FieldCipher({"k1": K1}, "k1")


def test_encrypt_decrypt_round_trip(cipher: FieldCipher) -> None:
    for plain, context in [
        ("13812345678", "mobile"),
        ("11010519491231002X", "id_number"),
        ("北京市海淀区中关村大街1号院2号楼301", "address"),
        ("", "mobile"),
    ]:
        token = cipher.encrypt(plain, context=context)
        match = TOKEN_RE.match(token)
        assert match and match["kid"] == "k1"
        assert plain not in token or plain == ""
        assert cipher.decrypt(token, context=context) == plain


def test_same_plaintext_gives_different_tokens(cipher: FieldCipher) -> None:
    tokens = {cipher.encrypt("13812345678", context="mobile") for _ in range(20)}
    assert len(tokens) == 20


def _tamper(token: str, index: int) -> str:
    kid, payload = token.split("$")
    raw = bytearray(base64.urlsafe_b64decode(payload))
    raw[index] ^= 0x01
    return f"{kid}${base64.urlsafe_b64encode(bytes(raw)).decode()}"


@pytest.mark.parametrize("index", [0, 11, 12, -1])  # nonce, first ciphertext byte, tag
def test_tampered_token_raises(cipher: FieldCipher, index: int) -> None:
    token = cipher.encrypt("13812345678", context="mobile")
    with pytest.raises(DecryptionError):
        cipher.decrypt(_tamper(token, index), context="mobile")


def test_wrong_context_raises(cipher: FieldCipher) -> None:
    token = cipher.encrypt("13812345678", context="mobile")
    with pytest.raises(DecryptionError):
        cipher.decrypt(token, context="id_number")


@pytest.mark.parametrize("token", ["", "no-dollar", "k1$", "$abc", "k1$!!!not-base64!!!", "k1$AAAA"])
def test_malformed_token_raises(cipher: FieldCipher, token: str) -> None:
    with pytest.raises(DecryptionError):
        cipher.decrypt(token, context="mobile")


def test_unknown_key_id_raises(cipher: FieldCipher) -> None:
    other = FieldCipher({"k9": K2}, "k9")
    with pytest.raises(UnknownKeyError, match="k9"):
        cipher.decrypt(other.encrypt("x", context="mobile"), context="mobile")


def test_cipher_errors_are_value_errors() -> None:
    assert issubclass(DecryptionError, CipherError)
    assert issubclass(UnknownKeyError, CipherError)
    assert issubclass(CipherError, ValueError)


@pytest.mark.parametrize(
    ("keys", "current"),
    [
        ({"k1": K1}, "k2"),
        ({"k1": b"short"}, "k1"),
        ({"k$1": K1}, "k$1"),
        ({"": K1}, ""),
    ],
)
def test_bad_key_config_raises(keys: dict[str, bytes], current: str) -> None:
    with pytest.raises(CipherError):
        FieldCipher(keys, current)


def test_key_rotation() -> None:
    old = FieldCipher({"k1": K1}, "k1")
    old_token = old.encrypt("13812345678", context="mobile")
    assert not old.needs_reencrypt(old_token)

    rotated = FieldCipher({"k1": K1, "k2": K2}, "k2")
    assert rotated.decrypt(old_token, context="mobile") == "13812345678"
    assert rotated.needs_reencrypt(old_token)

    new_token = rotated.encrypt("13812345678", context="mobile")
    assert new_token.startswith("k2$")
    assert not rotated.needs_reencrypt(new_token)
    with pytest.raises(UnknownKeyError):
        old.decrypt(new_token, context="mobile")


# --- Blind index and log tokens ---------------------------------------------------------


def test_blind_index_is_deterministic_hex() -> None:
    first = blind_index("13812345678", key=HMAC_KEY, context="mobile")
    assert first == blind_index("13812345678", key=HMAC_KEY, context="mobile")
    assert re.fullmatch(r"[0-9a-f]{64}", first)


def test_blind_index_separates_contexts_keys_and_values() -> None:
    base = blind_index("13812345678", key=HMAC_KEY, context="mobile")
    assert base != blind_index("13812345678", key=HMAC_KEY, context="id_number")
    assert base != blind_index("13812345678", key=b"k" * 32, context="mobile")
    assert base != blind_index("13812345679", key=HMAC_KEY, context="mobile")
    # The NUL separator keeps (context, value) pairs from colliding by concatenation.
    assert blind_index("b", key=HMAC_KEY, context="a") != blind_index("", key=HMAC_KEY, context="ab")


def test_blind_index_rejects_short_key() -> None:
    with pytest.raises(ValueError):
        blind_index("x", key=b"short", context="mobile")


@pytest.mark.parametrize(
    ("kind", "value", "prefix"),
    [
        ("mobile", "13812345678", "mob"),
        ("id_number", "11010519491231002X", "idn"),
        ("uscc", "92110108MA01ABCD3H", "usc"),
        ("bank_card", "6222021234567890123", "card"),
    ],
)
def test_log_token(kind: str, value: str, prefix: str) -> None:
    token = log_token(kind, value, key=HMAC_KEY)
    assert re.fullmatch(rf"{prefix}#[0-9a-f]{{8}}", token)
    assert token == f"{prefix}#{blind_index(value, key=HMAC_KEY, context=kind)[:8]}"
    assert value not in token


def test_log_token_rejects_unknown_kind() -> None:
    with pytest.raises(ValueError):
        log_token("name", "张三", key=HMAC_KEY)


# --- App-bound helpers -----------------------------------------------------------------


@pytest.fixture
def pfi_app() -> Iterator[Flask]:
    flask_app = Flask(__name__)
    flask_app.config.update(
        TESTING=True,
        PFI_KEYS={"k1": K1},
        PFI_CURRENT_KEY_ID="k1",
        PFI_HMAC_KEY=HMAC_KEY,
    )
    Babel(flask_app)
    with flask_app.app_context():
        yield flask_app


def test_app_encrypt_decrypt_round_trip(pfi_app: Flask) -> None:
    token = encrypt_pfi("mobile", "13812345678")
    assert token is not None and token.startswith("k1$")
    assert decrypt_pfi("mobile", token) == "13812345678"
    with pytest.raises(DecryptionError):
        decrypt_pfi("id_number", token)


def test_app_helpers_pass_none_through(pfi_app: Flask) -> None:
    assert encrypt_pfi("mobile", None) is None
    assert encrypt_pfi("mobile", "") is None
    assert decrypt_pfi("mobile", None) is None
    assert lookup_hash("mobile", None) is None
    assert pfi_log_token("mobile", None) == "mob#-"


def test_app_cipher_is_cached_and_rebuilt(pfi_app: Flask) -> None:
    encrypt_pfi("mobile", "13812345678")
    cached = pfi_app.extensions["yinjian_cipher"]
    encrypt_pfi("mobile", "13912345678")
    assert pfi_app.extensions["yinjian_cipher"] is cached

    del pfi_app.extensions["yinjian_cipher"]
    encrypt_pfi("mobile", "13812345678")
    assert isinstance(pfi_app.extensions["yinjian_cipher"], FieldCipher)
    assert pfi_app.extensions["yinjian_cipher"] is not cached


def test_app_key_rotation_in_config(pfi_app: Flask) -> None:
    old_token = encrypt_pfi("mobile", "13812345678")
    pfi_app.config["PFI_KEYS"] = {"k1": K1, "k2": K2}
    pfi_app.config["PFI_CURRENT_KEY_ID"] = "k2"
    assert decrypt_pfi("mobile", old_token) == "13812345678"
    new_token = encrypt_pfi("mobile", "13812345678")
    assert new_token is not None and new_token.startswith("k2$")
    assert pfi_app.extensions["yinjian_cipher"].needs_reencrypt(old_token)


def test_app_lookup_hash_and_log_token(pfi_app: Flask) -> None:
    digest = lookup_hash("mobile", "13812345678")
    assert digest == blind_index("13812345678", key=HMAC_KEY, context="mobile")
    assert pfi_log_token("mobile", "13812345678") == f"mob#{digest[:8]}"


def test_app_helpers_need_config() -> None:
    bare = Flask(__name__)
    with bare.app_context():
        with pytest.raises(RuntimeError, match="PFI_KEYS"):
            encrypt_pfi("mobile", "13812345678")
        with pytest.raises(RuntimeError, match="PFI_HMAC_KEY"):
            lookup_hash("mobile", "13812345678")


# --- PFI patterns and the log filter ------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "text", "hit"),
    [
        ("mobile", "call 13812345678 now", True),
        ("mobile", "手机13812345678。", True),
        ("mobile", "213812345678", False),
        ("mobile", "138123456789", False),
        ("mobile", "12812345678", False),
        ("id_number", "id=11010519491231002X;", True),
        ("id_number", "id 11010519491231002x", True),
        ("id_number", "身份证11010519491231002X号", True),
        ("id_number", "1101051949123100211", False),
        ("id_number", "11010519491231002Xa", False),
    ],
)
def test_pfi_patterns(kind: str, text: str, hit: bool) -> None:
    assert bool(PFI_PATTERNS[kind].search(text)) is hit


@pytest.fixture
def log_capture() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(PfiLogFilter())
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger("yinjian.test.privacy")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)


@pytest.mark.parametrize(
    "value",
    [
        "13812345678",
        "１３８１２３４５６７８",
        "138 1234 5678",
        "+86 138-1234-5678",
        "11010519491231002X",
        "11010519491231002x",
        "11010519491231002X号",
        "6222021234567890123",
    ],
)
def test_log_filter_redacts_args_and_message(
    log_capture: tuple[logging.Logger, io.StringIO], value: str
) -> None:
    logger, stream = log_capture
    logger.info("lookup for %s failed", value)
    logger.info("inline " + value)
    output = stream.getvalue()
    assert output.count("[redacted]") == 2
    assert not any(regex.search(output) for regex in F1_REGEXES)
    assert "1234" not in output and "5678" not in output


def test_log_filter_keeps_one_line_per_record(log_capture: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = log_capture
    logger.warning("login failed for %s", "a\nFAKE LOG LINE")
    logger.warning("carriage\rreturn and\u2028separator")
    lines = stream.getvalue().splitlines()
    assert lines == [
        "WARNING login failed for a\\nFAKE LOG LINE",
        "WARNING carriage\\rreturn and\\u2028separator",
    ]


def test_log_filter_folds_tracebacks(log_capture: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = log_capture
    try:
        raise ValueError("bad mobile 13812345678")
    except ValueError:
        logger.exception("import row %d", 7)
    output = stream.getvalue()
    assert output.count("\n") == 1
    assert "Traceback" in output and "[redacted]" in output
    assert "13812345678" not in output


def test_log_filter_survives_bad_format_args(log_capture: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = log_capture
    logger.info("two %s %s", "13812345678")
    output = stream.getvalue()
    assert output.count("\n") == 1
    assert "13812345678" not in output


def test_log_filter_is_idempotent() -> None:
    # create_app attaches the filter to both the logger and its handlers.
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "a %s\nb", ("13812345678",), None)
    log_filter = PfiLogFilter()
    log_filter.filter(record)
    once = record.getMessage()
    log_filter.filter(record)
    assert record.getMessage() == once == "a [redacted]\\nb"
