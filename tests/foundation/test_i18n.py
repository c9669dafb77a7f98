"""Every string the code marks for translation has a Chinese translation in the committed catalogue."""

from __future__ import annotations

from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
ZH_PO = ROOT / "app" / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"


def extract(pot: Path) -> None:
    """The same extraction the project runs (Makefile: extract-messages), _partials and _macros included."""
    CommandLineInterface().run([
        "pybabel", "--quiet", "extract", "-F", str(ROOT / "babel.cfg"),
        "-k", "_l", "-k", "lazy_gettext", "--ignore-dirs", ".* node_modules", "--no-location", "-o", str(pot), str(ROOT),
    ])


def untranslated(pot_catalog, po_catalog) -> list[str]:
    missing = []
    for message in pot_catalog:
        if not message.id:
            continue  # the header
        translated = po_catalog.get(message.id, context=message.context)
        label = message.id if isinstance(message.id, str) else message.id[0]
        if translated is None:
            missing.append(f"{label!r} (not in the .po; run pybabel update)")
        elif translated.fuzzy:
            missing.append(f"{label!r} (fuzzy)")
        elif isinstance(translated.string, tuple | list):
            if not all(part.strip() for part in translated.string):
                missing.append(f"{label!r} (a plural form is empty)")
        elif not (translated.string or "").strip():
            missing.append(f"{label!r} (empty)")
    return missing


def test_every_extracted_message_has_a_chinese_translation(tmp_path):
    pot = tmp_path / "messages.pot"
    extract(pot)
    with pot.open("rb") as fh:
        pot_catalog = read_po(fh)
    assert len(pot_catalog) > 20, "extraction found almost nothing: check babel.cfg"
    with ZH_PO.open("rb") as fh:
        po_catalog = read_po(fh, locale="zh_Hans_CN")
    missing = untranslated(pot_catalog, po_catalog)
    assert not missing, f"{len(missing)} messages lack a Chinese translation in {ZH_PO.relative_to(ROOT)}:\n" + "\n".join(
        missing
    )


def test_the_checker_flags_missing_empty_fuzzy_and_partial_plurals():
    from babel.messages.catalog import Catalog

    pot = Catalog()
    for msgid in ("Done", "Empty", "Fuzzy", "Absent", ("%(n)d customer", "%(n)d customers"), "Context"):
        pot.add(msgid)
    pot.add("Open", context="door")
    po = Catalog(locale="zh_Hans_CN")
    po.add("Done", "完成")
    po.add("Empty", "")
    po.add("Fuzzy", "模糊", flags=["fuzzy"])
    po.add(("%(n)d customer", "%(n)d customers"), ("",))
    po.add("Context", "上下文")
    po.add("Open", "打开")  # translated without the "door" context: still missing
    assert untranslated(pot, po) == [
        "'Empty' (empty)",
        "'Fuzzy' (fuzzy)",
        "'Absent' (not in the .po; run pybabel update)",
        "'%(n)d customer' (a plural form is empty)",
        "'Open' (not in the .po; run pybabel update)",
    ]
