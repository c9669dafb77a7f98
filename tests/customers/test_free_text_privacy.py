"""Full numbers in free text (issue 8 items 4 and 5; security.md A2-A5, F1, F3): whatever form a number was
typed in, no free-text field shows it on any page (notes, needs, occupation, area, activity notes, tier and
archive reasons, audit details), the edit form never puts it back into a field, and at input a free-text
field holding a full number is refused with a message pointing to the number fields, coming back masked so
nothing else typed is lost (README, privacy)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from app.core import clock
from app.core.extensions import db
from app.customers import records, tiers
from app.customers.forms import NoPersonalNumbers
from app.models import Activity, AuditEvent, Customer, TierChange
from tests.customers.helpers import FORM, body, count, tr

# Every number below has 5724 (mobiles) or 19491231 (the ID number) in its hidden middle: neither may
# appear anywhere, in any page, for anyone.
HIDDEN = ("5724", "19491231")
LEGACY = {
    "notes": "妻子 +8613957246810，身份证 110105 19491231 002x",
    "needs": "回电 139-5724-6811",
    "occupation": "个体 (+86) 139 5724 6812",
    "area": "联系 １３９５７２４６８１３",
}
ACTIVITY_NOTE = "本人新号 8613957246814"
TIER_REASON = "客户来电 139 5724 6815 要求升级"
ARCHIVE_REASON = "号码 +86 139-5724-6816 已停机"


def refused_message() -> str:
    return tr(str(NoPersonalNumbers.message))


def assert_hidden(response) -> None:
    page = body(response)
    for fragment in HIDDEN:
        assert fragment not in page, f"{fragment} on {response.request.path}"


@pytest.fixture
def legacy(world, make_customer):
    """A customer whose free text was saved before the input rule: numbers in every written form."""
    customer = make_customer(world.manager, name="张三", **LEGACY)
    records.log_activity(world.manager, customer, kind="call", outcome="reached", note=ACTIVITY_NOTE)
    tiers.set_tier(world.manager, customer, "A", TIER_REASON)
    # An archive row written before the audit log masked its details.
    db.session.execute(insert(AuditEvent.__table__), {
        "actor_id": world.manager.id, "actor_role": "manager", "branch_id": customer.branch_id,
        "action": "customer_archive", "subject_type": "customer", "subject_id": customer.id,
        "customer_id": customer.id, "details": {"reason": ARCHIVE_REASON},
        "at": clock.now() - timedelta(minutes=1)})
    db.session.commit()
    return customer


# ---------------------------------------------------------------- every rendering path


def test_the_owner_sees_every_free_text_field_with_its_numbers_masked(world, legacy, manager_client):
    response = manager_client.get(f"/customers/{legacy.id}")
    page = body(response)
    assert response.status_code == 200
    assert "139****6810" in page and "110***********002X" in page  # notes
    assert "139****6811" in page and "139****6812" in page and "139****6813" in page  # needs, occupation, area
    assert "139****6814" in page and "139****6815" in page and "139****6816" in page  # activity, tier, archive
    assert_hidden(response)


@pytest.mark.parametrize("who", ["colleague", "supervisor", "admin"])
def test_others_see_reasons_masked_too(world, legacy, client_for, who):
    response = client_for(getattr(world, who)).get(f"/customers/{legacy.id}")
    assert response.status_code == 200
    assert "139****6815" in body(response)  # the tier reason, shown to whoever may open the page
    assert_hidden(response)


def test_the_timeline_fragment_is_masked(world, legacy, manager_client, client_for):
    before = (clock.now() + timedelta(minutes=5)).isoformat()
    for client in (manager_client, client_for(world.colleague)):
        response = client.get(f"/customers/{legacy.id}/timeline", query_string={"before": before},
                              headers={"HX-Request": "true"})
        assert response.status_code == 200 and "<html" not in body(response)
        assert "139****6815" in body(response)
        assert_hidden(response)


def test_the_audit_log_page_masks_old_and_new_details(world, legacy, supervisor_client, admin_client):
    for client in (supervisor_client, admin_client):
        response = client.get("/audit/")
        assert response.status_code == 200
        assert "139****6816" in body(response) and "139****6815" in body(response)
        assert_hidden(response)


def test_the_audit_log_stores_reasons_masked(world, make_customer, manager_client):
    customer = make_customer(world.manager)
    tiers.set_tier(world.manager, customer, "B", TIER_REASON)  # the service takes any text; the write masks it
    records.archive_customer(world.manager, customer, ARCHIVE_REASON)
    db.session.commit()
    details = [row.details for row in db.session.scalars(select(AuditEvent))]
    assert "5724" not in str(details)
    assert {"reason": "客户来电 139****6815 要求升级"}.items() <= next(d for d in details if "new" in d).items()


# ---------------------------------------------------------------- the edit form (item 5)


def test_the_edit_form_shows_stored_free_text_masked(world, legacy, manager_client):
    response = manager_client.get(f"/customers/{legacy.id}/edit")
    assert response.status_code == 200
    page = body(response)
    assert "139****6810" in page and "110***********002X" in page and "139****6813" in page
    assert_hidden(response)


def test_saving_the_edit_form_unchanged_keeps_the_stored_text(world, legacy, manager_client):
    form = {**FORM, "name": "张三", "mobile": "", "version": str(legacy.version),
            **{name: records_masked(value) for name, value in LEGACY.items()}}
    response = manager_client.form(f"/customers/{legacy.id}/edit", form)
    assert response.status_code == 303, body(response)
    db.session.expire_all()
    stored = db.session.get(Customer, legacy.id)
    assert {name: getattr(stored, name) for name in LEGACY} == LEGACY  # nothing silently lost


def records_masked(text: str) -> str:
    from app.core.privacy import mask_numbers_in_text

    return mask_numbers_in_text(text)


# ---------------------------------------------------------------- the input rule


@pytest.mark.parametrize(("field", "typed", "shown"), [
    ("notes", "妻子 +86 139-5724-6817 晚上打", "妻子 139****6817 晚上打"),
    ("needs", "身份证 110105-19491231-002x 办卡", "身份证 110***********002X 办卡"),
    ("area", "电话８６１３９５７２４６８１８", "电话139****6818"),
    ("occupation", "(+86) 139 5724 6819 老板", "139****6819 老板"),
])
def test_a_new_customer_with_a_number_in_free_text_is_refused_and_comes_back_masked(world, manager_client, field,
                                                                                   typed, shown):
    response = manager_client.form("/customers/new", {**FORM, field: typed})
    assert response.status_code == 200
    page = body(response)
    assert refused_message() in page
    assert shown in page  # the rest of what was typed is still there
    assert_hidden(response)
    assert count(Customer) == 0


def test_an_edit_with_a_number_in_the_needs_is_refused(world, legacy, manager_client):
    form = {**FORM, "name": "张三", "mobile": "", "version": str(legacy.version), "needs": "新号 139.5724.6810"}
    response = manager_client.form(f"/customers/{legacy.id}/edit", form)
    assert response.status_code == 200
    assert refused_message() in body(response) and "新号 139****6810" in body(response)
    assert_hidden(response)
    db.session.expire_all()
    assert db.session.get(Customer, legacy.id).needs == LEGACY["needs"]


def test_ordinary_amounts_and_dates_in_free_text_are_accepted(world, manager_client):
    notes = "贷款需求150万，2026-12-02 14:30 回访，网点 0101，尾号 5678"
    response = manager_client.form("/customers/new", {**FORM, "notes": notes})
    assert response.status_code == 303, body(response)
    assert db.session.scalar(select(Customer.notes)) == notes


def test_a_refused_activity_note_does_not_echo_the_number(world, customer, manager_client):
    response = manager_client.hx("POST", f"/customers/{customer.id}/activities",
                                 {"kind": "call", "outcome": "reached", "note": "回拨 8613957246810 找王总"})
    assert response.status_code == 200
    page = body(response)
    assert refused_message() in page
    assert "回拨 139****6810 找王总" in page
    assert_hidden(response)
    assert count(Activity) == 0


def test_a_refused_activity_note_without_javascript_does_not_echo_it_either(world, customer, manager_client):
    response = manager_client.form(f"/customers/{customer.id}/activities",
                                   {"kind": "call", "note": "回拨 139 5724 6810"})
    assert response.status_code == 200
    assert refused_message() in body(response) and "回拨 139****6810" in body(response)
    assert_hidden(response)


def test_a_tier_reason_with_a_number_is_refused(world, customer, manager_client):
    response = manager_client.hx("POST", f"/customers/{customer.id}/tier", {"tier": "A", "reason": TIER_REASON})
    assert response.status_code == 200
    assert refused_message() in body(response) and "139****6815" in body(response)
    assert_hidden(response)
    assert count(TierChange, TierChange.to_tier == "A") == 0


def test_an_archive_reason_with_a_number_is_refused_with_that_message(world, customer, manager_client):
    response = manager_client.form(f"/customers/{customer.id}/archive", {"reason": ARCHIVE_REASON})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).archived_at is None
    page = manager_client.get(f"/customers/{customer.id}")
    assert refused_message() in body(page)
    assert_hidden(page)


def test_a_reveal_reason_with_a_number_is_refused(world, customer, manager_client):
    response = manager_client.form(f"/customers/{customer.id}/reveal",
                                   {"which": "mobile", "reason": "核对 139 5724 6810"})
    assert response.status_code == 422
    assert tr("Please leave the number out of the reason; it is shown masked here.") in body(response)
    assert "5724 6810" not in body(response)
    assert count(AuditEvent, AuditEvent.action == "reveal") == 0
