"""Plain helpers for the customer tests (fixtures live in conftest.py)."""

from __future__ import annotations

import re

from flask import current_app
from flask_babel import force_locale, gettext
from markupsafe import escape
from sqlalchemy import func, select
from stdnum.cn import ric

from app.core.extensions import db

MOBILE = "13812345678"
MOBILE_MASKED = "138****5678"
ID_NUMBER = "11010519491231002X"
ID_L1 = "110***********002X"
ID_L2 = "1****************X"
USCC = "91110000600037341L"

# A customer's full form (individual); tests change what they need.
FORM = {
    "kind": "individual",
    "name": "李四",
    "mobile": "13900001111",
    "id_number": "",
    "source": "walk_in",
    "status": "prospect",
    "products_held": "0",
}


def make_id_number(birth: int, seq: int, region: str = "110105") -> str:
    """A valid 18-character ID number: region + yyyymmdd + 3-digit sequence + check character."""
    body = f"{region}{birth:08d}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")  # it ignores the last character


def body(response) -> str:
    return response.get_data(as_text=True)


def tr(message: str, **variables) -> str:
    """`message` as the (Chinese-locale) test users see it, HTML-escaped as Jinja prints it."""
    with current_app.test_request_context(), force_locale("zh_Hans_CN"):
        return str(escape(gettext(message, **variables)))


def field_errors(response, field: str) -> str:
    """The text inside <div id="<field>-errors">…</div> (the inline error slot of a form field)."""
    found = re.search(rf'id="{field}-errors"[^>]*>((?:\s*<div>.*?</div>)*)', body(response), re.S)
    assert found, f"no {field}-errors slot in the response"
    return found.group(1)


def input_tag(page: str, input_id: str) -> str:
    """The <input> element with this id, as rendered (its classes and aria attributes)."""
    found = re.search(rf'<input[^>]*id="{input_id}"[^>]*>', page)
    assert found, f"no input {input_id}"
    return found.group(0)


def error_slot(page: str, input_id: str) -> str:
    """What the <div id="<input id>-errors"> slot holds."""
    found = re.search(rf'<div id="{input_id}-errors"[^>]*>(.*?)</div>', page, re.S)
    assert found, f"no {input_id}-errors slot"
    return found.group(1)


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0
