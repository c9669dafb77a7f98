"""Partner records: create, list and search, show, edit, archive; scope per role; the contact mobile kept
and masked like a customer's."""

from __future__ import annotations

from sqlalchemy import select

from app.core.extensions import db
from app.core.privacy import lookup_hash
from app.models import AuditEvent, Partner
from tests.customers.helpers import body, count, field_errors, tr

FORM = {"kind": "person", "category": "real_estate", "name": "链家王经理", "organisation": "链家东区店",
        "contact_name": "", "mobile": "13712345678", "notes": "每月带客看房"}


def test_manager_creates_a_partner_with_an_encrypted_masked_mobile(world, manager_client):
    response = manager_client.form("/partners/new", FORM)
    assert response.status_code == 303
    partner = db.session.scalar(select(Partner))
    assert (partner.name, partner.category, partner.owner_id, partner.branch_id) == (
        "链家王经理", "real_estate", world.manager.id, world.branch.id)
    assert partner.mobile == "13712345678" and "13712345678" not in (partner.mobile_enc or "")
    assert partner.mobile_hash == lookup_hash("mobile", "13712345678") and partner.mobile_masked == "137****5678"
    page = body(manager_client.get(response.headers["Location"]))
    assert "链家王经理" in page and "137****5678" in page
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "partner_create"))
    assert "13712345678" not in str(audit.details) and "137****5678" in str(audit.details)


def test_bad_mobile_and_number_in_notes_are_refused_on_the_field(world, manager_client):
    response = manager_client.form("/partners/new", {**FORM, "mobile": "12345", "notes": "手机13712345678"})
    assert response.status_code == 200
    assert field_errors(response, "mobile") and field_errors(response, "notes")
    assert count(Partner) == 0


def test_list_searches_by_name_and_stays_in_the_branch(world, make_partner, manager_client):
    make_partner(name="车行李总", category="car_dealer")
    make_partner(name="人事张姐", category="employer_hr")
    make_partner(world.other_manager, name="车行外行")
    page = body(manager_client.get("/partners/?q=车行"))
    assert "车行李总" in page and "人事张姐" not in page and "车行外行" not in page
    fragment = manager_client.get("/partners/?category=employer_hr", headers={"HX-Request": "true"})
    assert "<html" not in body(fragment) and "人事张姐" in body(fragment) and "车行李总" not in body(fragment)


def test_other_branch_partner_is_not_found(world, make_partner, other_branch_client):
    partner = make_partner(name="链家")
    for path in (f"/partners/{partner.id}", f"/partners/{partner.id}/tree", "/partners/999999"):
        assert other_branch_client.get(path).status_code == 404
    assert other_branch_client.get(f"/partners/{partner.id}/edit").status_code == 404
    assert other_branch_client.form(f"/partners/{partner.id}/archive").status_code == 404
    assert db.session.get(Partner, partner.id).archived_at is None


def test_colleague_sees_but_may_not_edit_the_managers_partner(world, make_partner, client_for):
    partner = make_partner(name="链家")
    colleague = client_for(world.colleague)
    assert colleague.get(f"/partners/{partner.id}").status_code == 200
    assert colleague.get(f"/partners/{partner.id}/edit").status_code == 403
    assert colleague.form(f"/partners/{partner.id}/edit", {**FORM, "name": "改"}).status_code == 403
    assert db.session.get(Partner, partner.id).name == "链家"


def test_owner_edits_keeping_the_mobile_and_supervisor_reassigns(world, make_partner, manager_client,
                                                                 supervisor_client):
    partner = make_partner(name="链家", mobile="13712345678")
    response = manager_client.form(f"/partners/{partner.id}/edit", {**FORM, "name": "链家新", "mobile": "",
                                                                     "version": str(partner.version)})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Partner, partner.id).name == "链家新"
    assert db.session.get(Partner, partner.id).mobile == "13712345678"
    response = supervisor_client.form(f"/partners/{partner.id}/edit", {
        **FORM, "name": "链家新", "mobile": "", "owner_id": str(world.colleague.id),
        "version": str(db.session.get(Partner, partner.id).version)})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Partner, partner.id).owner_id == world.colleague.id


def test_manager_cannot_pick_an_owner(world, manager_client):
    manager_client.form("/partners/new", {**FORM, "owner_id": str(world.colleague.id)})
    assert db.session.scalar(select(Partner.owner_id)) == world.manager.id


def test_archive_hides_from_list_and_picker(world, make_partner, manager_client):
    partner = make_partner(name="链家")
    assert manager_client.form(f"/partners/{partner.id}/archive").status_code == 303
    assert "链家" not in body(manager_client.get("/partners/"))
    picks = manager_client.hx("POST", "/introducers/picker", {"introducer_q": "链家"})
    assert "链家" not in body(picks)
    assert tr("This partner is archived (%(when)s).", when="")[:6] in body(manager_client.get(f"/partners/{partner.id}"))


def test_lobby_has_no_partner_pages(world, make_partner, lobby_client):
    partner = make_partner()
    assert lobby_client.get("/partners/").status_code == 403
    assert lobby_client.get(f"/partners/{partner.id}").status_code == 403
    assert lobby_client.get("/partners/new").status_code == 403
