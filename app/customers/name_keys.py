"""Name search keys: every way a person may type a customer's name, as index entries.

A name matches a search term when the term is the start of one of the name's keys (a range on a
b-tree, the same on SQLite and PostgreSQL). The keys are the suffixes of the name (so 小明 finds
王小明: "contains", at any length, 1 character included), and the suffixes of its pinyin and of its
initials from each syllable on (zhangwei, wei, zw, w find 张伟; "angw" does not). Trigram indexes
(pg_trgm, FTS5's trigram tokenizer) cannot serve terms under 3 characters, and two-character Chinese
names are common: bench/LEARNED.md has the measurements behind this choice.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from pypinyin import Style, lazy_pinyin, pinyin
from sqlalchemy import delete, insert

from app.models import CustomerNameKey

# The longest term searched (the search box takes 60 characters); a key longer than that could only
# ever be matched on its first KEY_LENGTH characters, so it is stored cut there.
KEY_LENGTH = 60
MAX_CODE_POINT = 0x10FFFF
_TABLE = CustomerNameKey.__table__


def search_key(name: str | None) -> str:
    """The form of a name that search compares: NFKC, lower case, no spaces."""
    return unicodedata.normalize("NFKC", name or "").lower().replace(" ", "")[:100]


def _syllables(name: str) -> list[list[str]]:
    """Each syllable of the name's pinyin (a run of non-Chinese characters is one), each with its readings:
    the first character's every reading, since surnames are often read otherwise (曾 zeng, 单 shan)."""
    parts = ("".join(ch for ch in part if ch.isalnum()) for part in lazy_pinyin(name, errors="default"))
    readings = [[part.lower()] for part in parts if part]
    if readings and unicodedata.category(name[0]) == "Lo":
        first = {p for p in pinyin(name[0], style=Style.NORMAL, heteronym=True)[0] if p.isascii() and p.isalpha()}
        readings[0] = [readings[0][0], *sorted(first - {readings[0][0]})]
    return readings


def name_keys(name: str | None) -> set[str]:
    """The keys of one name (see the module docstring)."""
    text = search_key(name)
    if not text:
        return set()
    keys = {text[i:] for i in range(len(text))}
    syllables = _syllables(text)
    for first_reading in syllables[0] if syllables else ():
        parts = [first_reading, *(alternatives[0] for alternatives in syllables[1:])]
        initials = [p[0] for p in parts if p]
        keys.update("".join(parts[i:]) for i in range(len(parts)))
        keys.update("".join(initials[i:]) for i in range(len(initials)))
    return {key[:KEY_LENGTH] for key in keys if key}


def term_range(term: str) -> tuple[str, str] | None:
    """(from, to) such that a key starts with the (normalised) term exactly when from <= key < to."""
    term = search_key(term)[:KEY_LENGTH].rstrip(chr(MAX_CODE_POINT))
    if not term:
        return None
    return term, term[:-1] + chr(ord(term[-1]) + 1)


def key_rows(customers: Iterable[tuple[int, int, int, str]]) -> list[dict]:
    """Rows of customer_name_key for (customer id, branch id, owner id, name): for bulk loads."""
    return [{"customer_id": customer_id, "branch_id": branch_id, "owner_id": owner_id, "key": key}
            for customer_id, branch_id, owner_id, name in customers for key in sorted(name_keys(name))]


def write_name_keys(connection, customer) -> None:
    """Replace one active customer's keys. Every writer of a customer's name, branch or archived state
    calls this or drop_name_keys: the list counts name matches from this table alone. (An owner change
    needs no call: a trigger copies it, app/models/tally.py.)"""
    drop_name_keys(connection, customer.id)
    rows = key_rows([(customer.id, customer.branch_id, customer.owner_id, customer.name)])
    if rows:
        connection.execute(insert(_TABLE), rows)


def drop_name_keys(connection, customer_id: int) -> None:
    """An archived customer is found by no name."""
    connection.execute(delete(_TABLE).where(_TABLE.c.customer_id == customer_id))
