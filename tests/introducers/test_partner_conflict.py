"""Two people editing one partner: the second save, made on the version both opened, is refused with the
typed input kept (it silently overwrote the first edit); saving again then keeps the second person's version."""

from __future__ import annotations

from app.core.extensions import db
from app.models import AuditEvent, Partner
from tests.customers.helpers import body, count, tr

FORM = {"kind": "person", "category": "coi", "name": "链家", "organisation": "", "contact_name": "", "mobile": "",
        "notes": ""}
CHANGED = ("Someone else saved this partner meanwhile. Nothing of yours was saved yet: your input is still in "
           "the form below. Check it and save again to keep your version.")


def test_the_second_of_two_edits_is_refused_then_kept_on_purpose(world, make_partner, manager_client,
                                                                  supervisor_client):
    partner = make_partner(name="链家")
    opened = str(partner.version)
    first = supervisor_client.form(f"/partners/{partner.id}/edit", {
        **FORM, "notes": "主管补充的备注", "owner_id": str(world.manager.id), "version": opened})
    assert first.status_code == 303
    second = manager_client.form(f"/partners/{partner.id}/edit", {**FORM, "name": "链家东区", "version": opened})
    assert second.status_code == 409
    page = body(second)
    assert tr(CHANGED) in page and 'value="链家东区"' in page
    db.session.expire_all()
    stored = db.session.get(Partner, partner.id)
    assert (stored.name, stored.notes) == ("链家", "主管补充的备注")
    assert count(AuditEvent, AuditEvent.action == "partner_update") == 1
    again = manager_client.form(f"/partners/{partner.id}/edit", {
        **FORM, "name": "链家东区", "version": str(stored.version)})
    assert again.status_code == 303
    db.session.expire_all()
    assert db.session.get(Partner, partner.id).name == "链家东区"


def test_the_edit_form_carries_the_version(world, make_partner, manager_client):
    partner = make_partner()
    assert f'name="version" type="hidden" value="{partner.version}"' in body(
        manager_client.get(f"/partners/{partner.id}/edit"))


def test_a_tampered_version_is_a_conflict(world, make_partner, manager_client):
    partner = make_partner(name="链家")
    response = manager_client.form(f"/partners/{partner.id}/edit", {**FORM, "name": "改", "version": "x"})
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(Partner, partner.id).name == "链家"
