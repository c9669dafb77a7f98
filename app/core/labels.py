"""Code → label dicts for templates and presenters, translated once per language per process."""

from __future__ import annotations

from types import MappingProxyType

from app import models
from app.core import worker_copies
from app.core.i18n import current_language

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
    "partner_category": models.PARTNER_CATEGORY_LABELS,
    "partner_kind": models.PARTNER_KIND_LABELS,
    "appointment_status": models.APPOINTMENT_STATUS_LABELS,
    "place": models.PLACE_LABELS,
    "appointment_event": models.APPOINTMENT_EVENT_LABELS,
    "referral_status": models.REFERRAL_STATUS_LABELS,
    "referral_need": models.NEED_LABELS,
    "referral_access": models.REFERRAL_ACCESS_LABELS,
    "follow_up_kind": models.FOLLOW_UP_KIND_LABELS,
    "follow_up_status": models.FOLLOW_UP_STATUS_LABELS,
    "follow_up_event": models.FOLLOW_UP_EVENT_LABELS,
    "walk_in_need": models.WALK_IN_NEED_LABELS,
    "walk_in_outcome": models.WALK_IN_OUTCOME_LABELS,
    "queue_status": models.QUEUE_STATUS_LABELS,
}


class Labels:
    """Code → label dicts, translated once per language: a lazy string pays a gettext call each time
    it is printed, and a 50-row table prints hundreds of them. The catalogues are fixed while the
    process runs, so each language's dicts are built on first use and kept."""

    def __init__(self) -> None:
        self._translated: dict[tuple[str, str], MappingProxyType[str, str]] = {}

    def __getattr__(self, name: str) -> MappingProxyType[str, str]:
        if name.startswith("_"):
            raise AttributeError(name)
        key = (current_language(), name)
        labels = self._translated.get(key)
        if labels is None:
            try:
                source = LABEL_SETS[name]
            except KeyError:
                raise AttributeError(name) from None
            # Shared by every request of the language: read-only.
            labels = self._translated[key] = MappingProxyType({str(code): str(label) for code, label in source.items()})
        return labels


LABELS = Labels()
worker_copies.keep("label dicts", LABELS._translated.clear)
