"""Code → label dicts for templates and presenters, translated once per request."""

from __future__ import annotations

from flask import g

from app import models

LABEL_SETS = {
    "kind": models.KIND_LABELS,
    "field": models.FIELD_LABELS,
    "source": models.SOURCE_LABELS,
    "status": models.STATUS_LABELS,
    "activity": models.ACTIVITY_LABELS,
    "outcome": models.OUTCOME_LABELS,
    "income": models.INCOME_BANDS,
    "assets": models.ASSET_BANDS,
    "turnover": models.TURNOVER_BANDS,
    "role": models.ROLE_LABELS,
    "specialty": models.SPECIALTY_LABELS,
}


class Labels:
    """Code → label dicts, translated once per request: a lazy string pays a gettext call each time
    it is printed, and a 50-row table prints hundreds of them."""

    def __getattr__(self, name: str) -> dict[str, str]:
        cache = g.setdefault("_translated_labels", {})
        if name not in cache:
            try:
                source = LABEL_SETS[name]
            except KeyError:
                raise AttributeError(name) from None
            cache[name] = {str(code): str(label) for code, label in source.items()}
        return cache[name]


LABELS = Labels()
