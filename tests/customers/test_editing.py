"""Editing a customer: optimistic locking (R1), field-level audit (G1), tiers, archive and restore,
bulk reassignment and activities logged through htmx."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select, update

from app.core.extensions import db
from app.customers import records, tiers
from app.models import Activity, AuditEvent, Customer, TierChange
from tests.customers.helpers import FORM, ID_NUMBER, MOBILE, body, count, error_slot, tr

VERSION_RE = re.compile(r'<input id="version" name="version" type="hidden" value="(\d+)">')


def edit_body(**changes) -> dict:
    """The edit form as the owner would submit it for the `customer` fixture (numbers left empty = keep)."""
    return {**FORM, "name": "张三", "mobile": "", "address": "北京市海淀区中关村大街1号院2号楼301",
            "sensitive_consent": "y", **changes}


def version_in(response) -> str:
    found = VERSION_RE.search(body(response))
    assert found, "no version field in the form"
    return found.group(1)


def fresh(customer: Customer) -> Customer:
    db.session.expire_all()
    return db.session.get(Customer, customer.id)


def audit_rows(action: str, customer_id: int | None = None) -> list[AuditEvent]:
    db.session.expire_all()
    stmt = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    if customer_id is not None:
        stmt = stmt.where(AuditEvent.customer_id == customer_id)
    return db.session.scalars(stmt).all()


# ---------------------------------------------------------------- optimistic locking (R1)


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_second_save_of_the_same_version_is_a_409_conflict(world, customer, client_for, htmx):
    a, b = client_for(world.manager), client_for(world.manager)  # two browser sessions
    form_a, form_b = a.get(f"/customers/{customer.id}/edit"), b.get(f"/customers/{customer.id}/edit")
    assert version_in(form_a) == version_in(form_b) == "1"

    saved = a.form(f"/customers/{customer.id}/edit", edit_body(name="张三甲", version="1"))
    assert saved.status_code == 303

    data = edit_body(name="张三乙", version="1")
    stale = b.hx("POST", f"/customers/{customer.id}/edit", data) if htmx else \
        b.form(f"/customers/{customer.id}/edit", data)
    assert stale.status_code == 409
    page = body(stale)
    assert 'data-testid="edit-conflict"' in page
    conflict = page[page.index('data-testid="edit-conflict"'):page.index("</table>")]
    assert tr("Name") in conflict and "张三甲" in conflict and "张三乙" in conflict
    assert tr("Address") not in conflict  # only what differs is listed
    assert ("<html" in page) is not htmx
    assert version_in(stale) == "2"  # saving again now overwrites knowingly
    current = fresh(customer)
    assert (current.name, current.version) == ("张三甲", 2)
    assert len(audit_rows("customer_update", customer.id)) == 1

    again = b.form(f"/customers/{customer.id}/edit", edit_body(name="张三乙", version=version_in(stale)))
    assert again.status_code == 303
    current = fresh(customer)
    assert (current.name, current.version) == ("张三乙", 3)


def test_a_save_racing_between_check_and_flush_is_stale(world, customer):
    """The version column guards the UPDATE itself, not just the form comparison."""
    loaded = db.session.get(Customer, customer.id)
    # Another worker saves in between: the row moves on, this session's copy still says version 1.
    db.session.execute(update(Customer).where(Customer.id == customer.id).values(version=Customer.version + 1),
                       execution_options={"synchronize_session": False})
    data = records.CustomerData(kind="individual", name="张三丙", source="walk_in", status="prospect", mobile=MOBILE)
    with pytest.raises(records.EditConflict):  # the UPDATE's stale row, reported as the edit conflict
        records.update_customer(world.manager, loaded, data, expected_version=1)
    db.session.rollback()


def test_saving_without_changes_changes_nothing(world, customer, manager_client):
    response = manager_client.form(f"/customers/{customer.id}/edit", edit_body(version="1"))
    assert response.status_code == 303
    assert fresh(customer).version == 1
    assert audit_rows("customer_update") == []


# ---------------------------------------------------------------- field-level audit (G1)


def test_edit_of_mobile_and_address_writes_two_masked_audit_rows(world, customer, manager_client):
    response = manager_client.form(f"/customers/{customer.id}/edit", edit_body(
        mobile="13900001111", address="上海市浦东新区世纪大道100号", version="1"))
    assert response.status_code == 303

    rows = {r.details["field"]: r for r in audit_rows("customer_update", customer.id)}
    assert sorted(rows) == ["address", "mobile"]
    mobile, address = rows["mobile"], rows["address"]
    assert (mobile.details["old"], mobile.details["new"]) == ("138****5678", "139****1111")
    assert (address.details["old"], address.details["new"]) == ("北京市海淀区****", "上海市浦东新区****")
    for row in rows.values():
        assert (row.actor_id, row.actor_role, row.branch_id, row.ip) == \
            (world.manager.id, "manager", world.branch.id, "127.0.0.1")
        text = json.dumps(row.details, ensure_ascii=False)
        assert "13900001111" not in text and MOBILE not in text and "世纪大道" not in text
    assert fresh(customer).mobile == "13900001111"


def test_removing_the_id_number_is_audited_masked(world, customer, manager_client):
    response = manager_client.form(f"/customers/{customer.id}/edit",
                                   edit_body(clear_id_number="y", version="1"))
    assert response.status_code == 303
    [row] = audit_rows("customer_update", customer.id)
    assert row.details == {"field": "id_number", "old": "110***********002X", "new": None}
    assert ID_NUMBER not in json.dumps(row.details)
    assert fresh(customer).id_number is None


# ---------------------------------------------------------------- tiers


def test_set_tier_with_a_reason_is_kept_and_shown_in_the_timeline(world, customer, manager_client):
    response = manager_client.form(f"/customers/{customer.id}/tier", {"tier": "A", "reason": "代发工资大户"})
    assert response.status_code == 303

    assert fresh(customer).tier == "A"
    change = db.session.scalars(select(TierChange).where(TierChange.customer_id == customer.id)
                                .order_by(TierChange.id.desc())).first()
    assert (change.user_id, change.from_tier, change.to_tier, change.reason) == \
        (world.manager.id, "C", "A", "代发工资大户")
    page = body(manager_client.get(f"/customers/{customer.id}"))
    assert tr("Tier %(old)s → %(new)s", old="C", new="A") in page
    assert "代发工资大户" in page
    assert len(audit_rows("tier_change", customer.id)) == 1


@pytest.mark.parametrize(("data", "message"), [
    ({"tier": "A", "reason": ""}, "Please give a reason."),
    ({"tier": "A", "reason": "   "}, "Please give a reason."),
    ({"tier": "C", "reason": "不变"}, "The customer already has this tier."),
], ids=["no-reason", "blank-reason", "same-tier"])
def test_set_tier_is_refused(world, customer, manager_client, data, message):
    response = manager_client.hx("POST", f"/customers/{customer.id}/tier", data)
    assert response.status_code == 200
    assert "<html" not in body(response) and 'id="tier-panel"' in body(response)
    assert tr(message) in body(response)
    assert fresh(customer).tier == "C"
    assert count(TierChange, TierChange.customer_id == customer.id) == 1  # only the one made at creation


def test_set_tier_refused_on_a_plain_post_rerenders_the_page(world, customer, manager_client):
    response = manager_client.form(f"/customers/{customer.id}/tier", {"tier": "B", "reason": ""})
    assert response.status_code == 200 and "<html" in body(response)
    assert tr("Please give a reason.") in body(response)


@pytest.mark.parametrize(("fields", "tier"), [
    ({"asset_band": "3m_6m"}, "A"),
    ({"loan_need_amount": 3_000_000}, "A"),
    ({"products_held": 5}, "A"),
    ({"asset_band": "500k_3m"}, "B"),
    ({"loan_need_amount": 500_000}, "B"),
    ({"products_held": 2}, "B"),
    ({"asset_band": "50k_500k", "loan_need_amount": 100_000, "products_held": 1}, "C"),
], ids=["assets-A", "loan-A", "products-A", "assets-B", "loan-B", "products-B", "C"])
def test_new_customers_get_the_tier_the_rules_suggest(world, tier_rules, make_customer, fields, tier):
    customer = make_customer(world.manager, **fields)
    assert customer.tier == tier
    [change] = db.session.scalars(select(TierChange).where(TierChange.customer_id == customer.id)).all()
    assert (change.from_tier, change.to_tier, change.suggested_tier) == (None, tier, tier)


def test_the_rules_suggestion_is_shown_when_the_tier_differs(world, make_customer, tier_rules, manager_client):
    customer = make_customer(world.manager, name="钱七", asset_band="3m_6m")
    assert customer.tier == "A"
    page = body(manager_client.get(f"/customers/{customer.id}"))
    assert tr("matches the rules") in page

    manager_client.form(f"/customers/{customer.id}/tier", {"tier": "C", "reason": "客户资产已转出"})
    page = body(manager_client.get(f"/customers/{customer.id}"))
    suggestion = page[page.index(tr("The rules suggest")):]
    assert 'tier-A"' in suggestion[:200]
    change = db.session.scalars(select(TierChange).order_by(TierChange.id.desc())).first()
    assert (change.from_tier, change.to_tier, change.suggested_tier) == ("A", "C", "A")


def test_rules_suggest_a_tier_for_customers_created_before_the_rules(world, customer, tier_rules, manager_client):
    manager_client.form(f"/customers/{customer.id}/edit", edit_body(asset_band="3m_6m", version="1"))
    page = body(manager_client.get(f"/customers/{customer.id}"))
    assert fresh(customer).tier == "C"  # an edit does not silently change the tier
    assert 'tier-A"' in page[page.index(tr("The rules suggest")):][:200]


# ---------------------------------------------------------------- archive and restore


def listed(client, q: str = "") -> set[int]:
    response = client.hx("POST", "/customers/search", {"q": q})
    return {int(i) for i in re.findall(r'<tr id="customer-(\d+)"', body(response))}


def test_archive_hides_the_customer_and_a_supervisor_restores_it(world, customer, make_customer,
                                                                 manager_client, supervisor_client):
    other = make_customer(world.manager, name="李四")
    response = manager_client.form(f"/customers/{customer.id}/archive", {"reason": "客户已销户"})
    assert response.status_code == 303
    assert fresh(customer).archived_at is not None
    [row] = audit_rows("customer_archive", customer.id)
    assert row.details == {"reason": "客户已销户"}

    for client in (manager_client, supervisor_client):
        assert listed(client) == {other.id}
        assert listed(client, MOBILE) == set()
        assert listed(client, "张") == set()
        assert f'id="customer-{customer.id}"' not in body(client.get("/customers/"))

    page = supervisor_client.get(f"/customers/{customer.id}")
    assert page.status_code == 200 and 'data-testid="archived-banner"' in body(page)
    assert 'data-testid="restore"' in body(page)
    assert f'id="customer-{customer.id}"' in body(supervisor_client.get("/customers/archived"))
    assert manager_client.get(f"/customers/{customer.id}/edit").status_code == 403  # archived: read only

    assert manager_client.form(f"/customers/{customer.id}/restore").status_code == 403
    assert fresh(customer).archived_at is not None

    assert supervisor_client.form(f"/customers/{customer.id}/restore").status_code == 303
    assert fresh(customer).archived_at is None
    assert len(audit_rows("customer_restore", customer.id)) == 1
    assert listed(manager_client) == {customer.id, other.id}
    assert listed(manager_client, MOBILE) == {customer.id}


def test_archive_needs_a_reason(world, customer, manager_client):
    response = manager_client.form(f"/customers/{customer.id}/archive", {"reason": ""})
    assert response.status_code == 303
    assert fresh(customer).archived_at is None
    assert audit_rows("customer_archive") == []


def test_restoring_a_customer_that_is_not_archived_is_refused(world, customer, supervisor_client):
    assert supervisor_client.form(f"/customers/{customer.id}/restore").status_code == 403
    assert audit_rows("customer_restore") == []


# ---------------------------------------------------------------- bulk reassignment


def test_supervisor_reassigns_selected_customers(world, make_customer, supervisor_client):
    mine = [make_customer(world.manager) for _ in range(3)]
    untouched = make_customer(world.manager)

    response = supervisor_client.form("/customers/reassign", {
        "selected_ids": [str(c.id) for c in mine], "owner_id": str(world.colleague.id)})

    assert response.status_code == 303
    db.session.expire_all()
    owners = dict(db.session.execute(select(Customer.id, Customer.owner_id)).all())
    assert all(owners[c.id] == world.colleague.id for c in mine)
    assert owners[untouched.id] == world.manager.id
    rows = audit_rows("customer_reassign")
    assert sorted(r.customer_id for r in rows) == sorted(c.id for c in mine)
    assert all((r.actor_id, r.details) == (world.supervisor.id, {"old": world.manager.id, "new": world.colleague.id})
               for r in rows)


def test_reassign_to_someone_outside_the_branch_moves_nothing(world, make_customer, supervisor_client):
    customer = make_customer(world.manager)
    for owner in (world.other_manager, world.lobby, world.supervisor):
        response = supervisor_client.form("/customers/reassign", {
            "selected_ids": str(customer.id), "owner_id": str(owner.id)})
        assert response.status_code == 303
    assert fresh(customer).owner_id == world.manager.id
    assert audit_rows("customer_reassign") == []


def test_manager_cannot_reassign(world, make_customer, manager_client):
    customer = make_customer(world.manager)
    response = manager_client.form("/customers/reassign", {
        "selected_ids": str(customer.id), "owner_id": str(world.colleague.id)})
    assert response.status_code == 403
    assert fresh(customer).owner_id == world.manager.id


def test_supervisor_changes_the_owner_from_the_edit_form(world, customer, supervisor_client):
    response = supervisor_client.form(f"/customers/{customer.id}/edit",
                                      edit_body(version="1", owner_id=str(world.colleague.id)))
    assert response.status_code == 303
    assert fresh(customer).owner_id == world.colleague.id
    [row] = audit_rows("customer_reassign", customer.id)
    assert row.details == {"old": world.manager.id, "new": world.colleague.id}


# ---------------------------------------------------------------- activities


def test_activity_logged_through_htmx_returns_the_timeline_fragment(world, customer, manager_client):
    response = manager_client.hx("POST", f"/customers/{customer.id}/activities",
                                 {"kind": "visit", "outcome": "interested", "note": "想了解大额存单"})

    assert response.status_code == 200
    page = body(response)
    assert "<html" not in page
    assert page.lstrip().startswith('<div id="timeline-area">')
    assert "想了解大额存单" in page and tr("Visit") in page and tr("Interested") in page
    assert 'hx-swap-oob="true"' in page and tr("Activity logged.") in page
    assert 'name="note"' in page and "想了解大额存单</textarea>" not in page  # a fresh form
    activity = db.session.scalars(select(Activity)).one()
    assert (activity.customer_id, activity.user_id, activity.branch_id, activity.kind, activity.outcome) == \
        (customer.id, world.manager.id, world.branch.id, "visit", "interested")


def test_activity_logged_with_a_plain_form_redirects(world, customer, manager_client):
    response = manager_client.form(f"/customers/{customer.id}/activities", {"kind": "call", "outcome": "no_answer"})
    assert response.status_code == 303 and response.headers["Location"] == f"/customers/{customer.id}"
    assert count(Activity) == 1


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_an_activity_without_its_outcome_is_refused_at_the_outcome(world, customer, manager_client, htmx):
    """One click on 记录 with the form as it comes would log a bare call: every contact has an outcome."""
    data = {"kind": "call", "outcome": "", "note": "回访"}
    url = f"/customers/{customer.id}/activities"
    response = manager_client.hx("POST", url, data) if htmx else manager_client.form(url, data)
    assert response.status_code == 200 and count(Activity) == 0
    assert tr("Choose the outcome of the contact.") in error_slot(body(response), "outcome")
    select_tag = re.search(r'<select[^>]*id="outcome"[^>]*>', body(response)).group(0)
    assert 'aria-invalid="true"' in select_tag and "is-invalid" in select_tag
    assert "回访" in body(response)  # the typed note comes back


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_invalid_activity_is_not_saved(world, customer, manager_client, htmx):
    data = {"kind": "teleport", "outcome": ""}
    url = f"/customers/{customer.id}/activities"
    response = manager_client.hx("POST", url, data) if htmx else manager_client.form(url, data)
    assert response.status_code == 200
    assert ("<html" in body(response)) is not htmx
    assert count(Activity) == 0


def test_older_timeline_entries_load_in_pages(world, customer, manager_client):
    for i in range(35):
        records.log_activity(world.manager, customer, kind="call", outcome=None, note=f"第{i}次")
    db.session.commit()
    page = body(manager_client.get(f"/customers/{customer.id}"))
    link = re.search(r'hx-get="(/customers/\d+/timeline\?[^"]+)"', page)
    assert link, "no 'show older' link"
    older = manager_client.get(link.group(1).replace("&amp;", "&"), headers={"HX-Request": "true"})
    assert older.status_code == 200 and "<html" not in body(older)
    assert "第0次" in body(older) and "第34次" not in body(older)
    # Without JavaScript the same link opens the whole page.
    plain = manager_client.get(link.group(1).replace("&amp;", "&"))
    assert plain.status_code == 200 and "<html" in body(plain) and "第0次" in body(plain)


def selected(value: str) -> str:
    """A regex for the <option> of `value` marked selected (in either attribute order)."""
    return rf'<option (?:selected value="{value}"|value="{value}" selected)>'


def test_the_quick_forms_offer_exactly_the_choices_their_forms_accept(world, customer, manager_client):
    # The customer page draws its quick forms with the form macro: the options are those the form classes
    # validate against, with the form's defaults (and the customer's tier) selected.
    from app.customers.forms import ActivityForm, TierForm

    page = body(manager_client.get(f"/customers/{customer.id}"))
    with manager_client.application.test_request_context():
        activity, tier = ActivityForm(), TierForm()
        expected = {"kind": activity.kind, "outcome": activity.outcome, "tier": tier.tier}
        for name, field in expected.items():
            select_html = re.search(rf'<select[^>]* id="{name}"[^>]*>(.*?)</select>', page, re.S).group(1)
            values = re.findall(r'<option[^>]*value="([^"]*)"', select_html)
            assert values == [str(value) for value, *_ in field.iter_choices()], name
            labels = re.findall(r">([^<]*)</option>", select_html)
            assert labels == [str(label) for _v, label, *_ in field.iter_choices()], name
        # maxlength and required follow the validators of the fields drawn as inputs
        for field, element_id in ((activity.note, "note"), (tier.reason, "tier-reason")):
            tag = re.search(rf'<(?:input|textarea)[^>]* id="{element_id}"[^>]*>', page).group(0)
            assert f'maxlength="{field.flags.maxlength}"' in tag
            assert (" required" in tag) == bool(field.flags.required), element_id
            assert re.search(rf'<label[^>]* for="{element_id}"', page), f"{element_id} has no label"
    assert re.search(selected("call"), page)
    assert re.search(selected(customer.tier), page)
    assert page.count('name="csrf_token"') == page.count("<form") - page.count('method="get"')


def test_a_refused_quick_form_does_not_leak_into_the_next_page(world, customer, make_customer, manager_client):
    # The customer page shares one empty form per language : a refused submission
    # re-renders its own form, and the next page shows empty fields and the right tier again.
    other = make_customer(owner=world.manager)
    tiers.set_tier(world.manager, other, "A", "大额存款")
    db.session.commit()
    refused = manager_client.hx("POST", f"/customers/{customer.id}/activities", {"kind": "call", "note": "长" * 2001})
    assert "长" * 50 in body(refused) and "is-invalid" in body(refused)
    refused_tier = manager_client.hx("POST", f"/customers/{customer.id}/tier", {"tier": "B", "reason": ""})
    assert re.search(selected("B"), body(refused_tier))
    for shown in (customer, other):
        page = body(manager_client.get(f"/customers/{shown.id}"))
        assert "长" * 50 not in page and "is-invalid" not in page
        assert re.search(selected(shown.tier), page)
        assert len(re.findall(r"<option[^>]*\bselected\b", page)) == 3  # one per quick-form select


def older_link(page: str) -> str | None:
    found = re.search(r'hx-get="(/customers/\d+/timeline\?[^"]+)"', page)
    return found.group(1).replace("&amp;", "&") if found else None


def test_entries_of_the_same_moment_are_neither_lost_nor_repeated_across_pages(world, customer, manager_client):
    # 35 activities logged in the same second (a batch, a frozen clock) around a tier change: paging by
    # time alone would drop the ones on the page boundary.
    from app.core import clock

    moment = clock.now()
    clock.freeze(moment)
    for i in range(35):
        records.log_activity(world.manager, customer, kind="call", outcome=None, note=f"第{i}次")
        if i == 20:
            tiers.set_tier(world.manager, customer, "A", "同一时刻的调整")
    db.session.commit()
    clock.freeze(None)
    seen, link = [], f"/customers/{customer.id}"
    while link:
        page = body(manager_client.get(link, headers={"HX-Request": "true"} if "timeline" in link else {}))
        seen += re.findall(r"第(\d+)次", page)
        seen += ["tier"] * page.count("同一时刻的调整")
        link = older_link(page)
    notes = [n for n in seen if n != "tier"]
    assert sorted(map(int, notes)) == list(range(35)) and len(notes) == len(set(notes))
    assert seen.count("tier") == 1
    # Same moment: activities (newest id first) before the tier change, then the creation's audit row.
    assert notes == [str(i) for i in range(34, -1, -1)]
    assert seen.index("tier") == 35


@pytest.mark.parametrize("query", ["before=garbage", "before=2026-01-01T00:00:00&before_rank=x&before_id=1",
                                   "before=2026-01-01T00:00:00&before_rank=9&before_id=1",
                                   "before=2026-01-01T00:00:00&before_rank=0"])
def test_a_garbled_older_link_is_a_400(world, customer, manager_client, query):
    assert manager_client.get(f"/customers/{customer.id}/timeline?{query}").status_code == 400


def test_an_older_link_without_rank_and_id_still_pages_by_time(world, customer, manager_client):
    records.log_activity(world.manager, customer, kind="call", outcome=None, note="早先的电话")
    db.session.commit()
    later = "2999-01-01T00:00:00"
    page = body(manager_client.get(f"/customers/{customer.id}/timeline?before={later}", headers={"HX-Request": "true"}))
    assert "早先的电话" in page


def test_an_audit_row_with_null_details_shows_in_the_timeline(world, customer, manager_client):
    from sqlalchemy import insert

    db.session.execute(insert(AuditEvent.__table__).values(
        actor_id=world.manager.id, actor_role="manager", branch_id=customer.branch_id, action="customer_restore",
        subject_type="customer", subject_id=customer.id, customer_id=customer.id, details=None))
    db.session.commit()
    response = manager_client.get(f"/customers/{customer.id}")
    assert response.status_code == 200 and "恢复" in body(response)


# ---------------------------------------------------------------- consents on the information sheet


def test_a_consent_shows_its_date_and_an_undated_one_no_empty_brackets(world, customer, manager_client):
    # The sheet's consent rows: given with a date, given with no date on record (records imported before
    # dates were kept), not given.
    consent = {"marketing_consent": True, "marketing_consent_at": None, "sensitive_consent": True}
    db.session.execute(update(Customer).where(Customer.id == customer.id).values(**consent))
    db.session.commit()
    sheet = body(manager_client.get(f"/customers/{customer.id}")).split('id="customer-info"', 1)[1]
    assert "()" not in sheet and "（）" not in sheet
    assert sheet.count(tr("Yes")) == 2
    assert re.search(r"\(\d{4}-\d{2}-\d{2}\)", sheet)  # the sensitive consent keeps its date
