"""One finder for personal numbers in free text (issue 8 items 4 and 8; security.md A4, F1, F3, G2): every way
of writing a mobile, ID number or 个体工商户 credit code that validation accepts is found, masked on screen and
redacted in logs (the application's and the development server's access log); amounts, dates and branch
numbers are left as typed."""

from __future__ import annotations

import io
import logging
import threading
import urllib.request

import pytest
from werkzeug.serving import make_server

from app.core.privacy import (
    PfiLogFilter,
    contains_personal_number,
    find_personal_numbers,
    mask_details,
    mask_numbers_in_text,
    redact_text,
)
from app.core.validation import parse_id_number, parse_mobile, parse_uscc

INDIVIDUAL_USCC = "92310104JURQ283FQQ"  # a valid 个体工商户 code (second character 2)
COMPANY_USCC = "91110000600037341L"  # public: shown in full

# (as typed, what validation makes of it, the L1 mask)
MOBILES = [
    ("13912345678", "13912345678"),
    ("+8613912345679", "13912345679"),
    ("8613912345670", "13912345670"),
    ("139 1234 5671", "13912345671"),
    ("139-1234-5672", "13912345672"),
    ("139.1234.5673", "13912345673"),
    ("１３９１２３４５６７４", "13912345674"),
    ("１３９－１２３４－５６７５", "13912345675"),
    ("139\u30001234\u30005676", "13912345676"),
    ("(+86) 139 1234 5677", "13912345677"),
    ("+86 139-1234-5678", "13912345678"),
    ("+86(139)1234 5679", "13912345679"),
    ("0086 13912345670", "13912345670"),
    ("(0086)13912345671", "13912345671"),
    ("86 139 1234 5672", "13912345672"),
    ("013912345673", "13912345673"),
    ("(139)12345674", "13912345674"),
    ("139 - 1234 - 5675", "13912345675"),
    ("1 3 9 1 2 3 4 5 6 7 6", "13912345676"),
]
ID_NUMBERS = [
    "11010519491231002X",
    "11010519491231002x",
    "110105 19491231 002X",
    "110105-19491231-002x",
    "1101 0519 4912 3100 2X",
    "１１０１０５１９４９１２３１００２Ｘ",
    "(110105)19491231002X",
]
CREDIT_CODES = [INDIVIDUAL_USCC, INDIVIDUAL_USCC.lower(), "9231 0104JU-RQ283FQQ", "(92)310104JURQ283FQQ"]

ORDINARY = [
    "贷款需求150万，期限3年",
    "金额1,250,000.00元",
    "存款 1500000 元，2026-12-02 14:30 到期",
    "20261202 回访",
    "2026年12月2日 13:45 至 15:00",
    "网点 0101，支行编号 CD01，工号 E00012",
    "尾号5678 的客户",
    "已登记 139****5678",
    "年收入 300000，资产 5000000",
    "电话 010-12345678 或 0755-88886666",
    "客服 400-820-8820 / 95588",
    "利率 3.85%，期限 36 个月",
    "¥12,345,678",
    f"对公客户信用代码 {COMPANY_USCC}",
    "客户 2026-11-30 至 2026-12-31 存款 300万",
    "a 2 year old loan with a bank of 3 4 5",
]


@pytest.mark.parametrize(("typed", "number"), MOBILES)
def test_every_written_form_of_a_mobile_is_found_and_masked(typed, number):
    assert parse_mobile(typed) == number  # validation accepts this way of writing it
    text = f"客户说 {typed} 晚上打"
    assert [(n.kind, n.value) for n in find_personal_numbers(text)] == [("mobile", number)]
    masked = mask_numbers_in_text(text)
    assert masked == f"客户说 {number[:3]}****{number[-4:]} 晚上打"
    assert contains_personal_number(text)


@pytest.mark.parametrize("typed", ID_NUMBERS)
def test_every_written_form_of_an_id_number_is_found_and_masked(typed):
    assert parse_id_number(typed).number == "11010519491231002X"
    text = f"身份证{typed}号"
    assert [(n.kind, n.value) for n in find_personal_numbers(text)] == [("id_number", "11010519491231002X")]
    assert mask_numbers_in_text(text) == "身份证110***********002X号"
    assert mask_numbers_in_text(text, 2) == "身份证1****************X号"


@pytest.mark.parametrize("typed", CREDIT_CODES)
def test_an_individual_business_credit_code_is_found_and_masked(typed):
    assert parse_uscc(typed) == INDIVIDUAL_USCC
    assert mask_numbers_in_text(f"个体户 {typed}") == "个体户 92************3FQQ"


def test_bank_cards_in_notes_are_masked_too():
    assert mask_numbers_in_text("卡号 6222 0212 3456 7890 123") == "卡号 622202*********0123"


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_amounts_dates_and_branch_numbers_are_left_alone(text):
    assert find_personal_numbers(text) == []
    assert mask_numbers_in_text(text) == text
    assert not contains_personal_number(text)


def test_several_numbers_in_one_note_are_all_masked():
    text = "本人 +86 139-1234-5678，妻子 13812345678，身份证 110105 19491231 002x。贷款 150 万"
    assert mask_numbers_in_text(text) == "本人 139****5678，妻子 138****5678，身份证 110***********002X。贷款 150 万"


def test_masking_is_idempotent():
    once = mask_numbers_in_text("回拨 (+86) 139 1234 5678")
    assert mask_numbers_in_text(once) == once


def test_audit_details_are_masked_all_the_way_down():
    details = {"reason": "客户来电 139-1234-5678", "fields": {"notes": "身份证 11010519491231002x"},
               "list": ["+8613912345679"], "owner": 7, "old": None}
    assert mask_details(details) == {"reason": "客户来电 139****5678", "fields": {"notes": "身份证 110***********002X"},
                                     "list": ["139****5679"], "owner": 7, "old": None}


# ---------------------------------------------------------------- logs


@pytest.mark.parametrize("typed", [typed for typed, _number in MOBILES] + ID_NUMBERS + CREDIT_CODES)
def test_the_log_redactor_misses_no_written_form(typed):
    line = redact_text(f"lookup for {typed} failed")
    assert line == "lookup for [redacted] failed"


@pytest.mark.parametrize("query", ["q=13572387804", "q=135+7238+7804", "q=%2B86%20135%207238%207804",
                                   "next=%2Fcustomers%2F%3Fq%3D13572387804"])
def test_the_log_redactor_reads_url_encoded_query_strings(query):
    line = redact_text(f'127.0.0.1 - - "GET /customers/?{query} HTTP/1.1" 302 -')
    assert "7804" not in line and "[redacted]" in line


def test_the_log_filter_redacts_the_forms_it_used_to_miss():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(PfiLogFilter())
    logger = logging.getLogger("yinjian.test.free_text")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        for typed in ("+8613912345679", "8613912345670", "(+86) 139 1234 5677", "１３９－１２３４－５６７５",
                      "110105 19491231 002x", INDIVIDUAL_USCC):
            logger.warning("note saved: %s", typed)
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    assert output.count("[redacted]") == 6
    assert not any(fragment in output for fragment in ("5679", "5670", "5677", "５６７５", "002", "3FQQ"))


def _windows(number: str, size: int = 4) -> list[str]:
    return [number[i:i + size] for i in range(len(number) - size + 1)]


def test_the_development_server_access_log_carries_no_number(app, caplog):
    """A real werkzeug development server (what `make run` serves with) logging a request whose query
    string holds a hand-typed mobile: the access log line is redacted like the application log."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    caplog.set_level(logging.INFO, logger="werkzeug")
    # werkzeug's own handler sits on its logger, before any root handler: it must already see the
    # redacted line (handlers further up, caplog's among them, could otherwise redact it for the test).
    own_handler_output = io.StringIO()
    own_handler = logging.StreamHandler(own_handler_output)
    logging.getLogger("werkzeug").addHandler(own_handler)
    try:
        for query in ("q=13572387804", "q=135+7238+7804", "q=%2B86%20135-7238-7804"):
            url = f"http://127.0.0.1:{server.server_port}/customers/?{query}"
            opener = urllib.request.build_opener(_NoRedirect)
            with pytest.raises(urllib.error.HTTPError) as refused:  # 302 to the sign-in page
                opener.open(url, timeout=5)  # noqa: S310 - our own 127.0.0.1 server
            refused.value.close()
            assert refused.value.code == 302
            # The sign-in page it is sent to must not carry the number either (F3).
            assert "7804" not in refused.value.headers["Location"]
    finally:
        logging.getLogger("werkzeug").removeHandler(own_handler)
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    access = [r for r in caplog.records if r.name == "werkzeug" and "/customers/" in r.getMessage()]
    assert len(access) == 3, [r.getMessage() for r in caplog.records]
    text = "\n".join(r.getMessage() for r in access)
    assert "[redacted]" in text
    assert not any(window in text for window in _windows("13572387804")), text
    served = own_handler_output.getvalue()
    assert served.count("[redacted]") == 3
    assert not any(window in served for window in _windows("13572387804")), served


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
