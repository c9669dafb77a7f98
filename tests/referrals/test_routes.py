"""Referral routes with HTTP: every transition allowed and refused per role, double submit, two tabs,
refused input, CSRF on the htmx actions, visibility (404 outside scope, A8), masking."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text, update

from app.core.extensions import db
from app.models import AuditEvent, Customer, Referral
from app.referrals import sending, workflow
from tests.conftest import sign_in
from tests.customers.helpers import body, count, tr

# The status a referral must be in for each action, and the input it needs.
SETUP = {"accept": (), "decline": (), "withdraw": (), "reassign": (), "contact": ("accept",),
         "convert": ("accept", "contact"), "close": ("accept", "contact")}
INPUT = {"decline": {"reason": "不是我的业务"}, "close": {"reason": "客户不需要了"},
         "convert": {"product": "房贷", "amount": "300000"}}
RESULT = {"accept": "accepted", "decline": "declined", "withdraw": "withdrawn", "contact": "contacted",
          "convert": "converted", "close": "closed", "reassign": "sent"}
# Who may: (sender, recipient, supervisor, bystander, lobby, admin, other branch) -> status
ALLOWED = {"accept": {"recipient", "supervisor"}, "decline": {"recipient", "supervisor"}, "withdraw": {"sender"},
           "contact": {"recipient", "supervisor"}, "convert": {"recipient", "supervisor"},
           "close": {"recipient", "supervisor"}, "reassign": {"supervisor"}}
# Those who cannot see the referral at all get 404; the rest 403.
UNSEEING = {"bystander", "lobby", "other"}
WHO = ("sender", "recipient", "supervisor", "bystander", "lobby", "admin", "other")
CASES = [(action, who) for action in SETUP for who in WHO]


@pytest.fixture
def people(world, make_user):
    bystander = make_user("manager", world.branch, specialty="retail", username="bystander")
    db.session.commit()
    return {"sender": world.manager, "recipient": world.colleague, "supervisor": world.supervisor,
            "bystander": bystander, "lobby": world.lobby, "admin": world.admin, "other": world.other_manager}


def _snapshot():
    db.session.expire_all()
    return (db.session.execute(select(Referral.id, Referral.status, Referral.version, Referral.recipient_id)).all(),
            count(AuditEvent))


@pytest.mark.parametrize(("action", "who"), CASES, ids=[f"{a}-{w}" for a, w in CASES])
def test_every_transition_per_role(app, world, customer, people, refer, move, action, who):
    referral = refer(world.manager, customer)
    for step in SETUP[action]:
        move(world.colleague, referral, step)
    data = {"version": str(referral.version), **INPUT.get(action, {})}
    if action == "reassign":
        data["recipient_id"] = str(people["bystander"].id)
    client = sign_in(app, people[who])
    before = _snapshot()
    response = client.hx("POST", f"/referrals/{referral.id}/{action}", data)
    if who in ALLOWED[action]:
        assert response.status_code == 200, body(response)
        assert db.session.get(Referral, referral.id).status == RESULT[action]
        assert count(AuditEvent, AuditEvent.action == f"referral_{action}") == 1
    else:
        assert response.status_code == (404 if who in UNSEEING else 403)
        assert _snapshot() == before
        # the plain form gets the same answer (A7)
        assert client.form(f"/referrals/{referral.id}/{action}", data).status_code == response.status_code


def test_plain_post_redirects_back(world, customer, refer, colleague_client):
    referral = refer(world.manager, customer)
    response = colleague_client.form(f"/referrals/{referral.id}/accept", {"version": str(referral.version)},
                                     headers={"Referer": "http://localhost/referrals/?tab=to_me"})
    assert response.status_code == 303 and response.headers["Location"] == "/referrals/?tab=to_me"
    assert db.session.get(Referral, referral.id).status == "accepted"


def test_unknown_action_is_not_found(world, customer, refer, colleague_client):
    referral = refer(world.manager, customer)
    assert colleague_client.hx("POST", f"/referrals/{referral.id}/delete", {"version": "1"}).status_code == 404


@pytest.mark.parametrize("data", [{}, {"reason": "  "}], ids=["missing", "blank"])
def test_decline_needs_a_reason(world, customer, refer, colleague_client, data):
    referral = refer(world.manager, customer)
    response = colleague_client.hx("POST", f"/referrals/{referral.id}/decline", {"version": "1", **data})
    assert response.status_code == 422
    assert tr("Please give a reason.") in body(response) and 'role="alert"' in body(response)
    assert db.session.get(Referral, referral.id).status == "sent"


@pytest.mark.parametrize(("amount", "ok"), [("300000", True), ("1,200,000", True), ("８８８", True),
                                            ("0", False), ("-5", False), ("12.5", False), ("abc", False),
                                            ("", False)])
def test_convert_validates_the_amount(world, customer, refer, move, colleague_client, amount, ok):
    referral = move(world.colleague, move(world.colleague, refer(world.manager, customer), "accept"), "contact")
    response = colleague_client.hx("POST", f"/referrals/{referral.id}/convert",
                                   {"version": str(referral.version), "product": "房贷", "amount": amount})
    db.session.expire_all()
    stored = db.session.get(Referral, referral.id)
    if ok:
        assert response.status_code == 200 and stored.status == "converted" and stored.amount > 0
    else:
        assert response.status_code == 422 and stored.status == "contacted" and stored.amount is None
        assert tr("Enter the amount in whole yuan, for example 200000.") in body(response)


def test_convert_needs_a_product(world, customer, refer, move, colleague_client):
    referral = move(world.colleague, move(world.colleague, refer(world.manager, customer), "accept"), "contact")
    response = colleague_client.hx("POST", f"/referrals/{referral.id}/convert",
                                   {"version": str(referral.version), "amount": "1000"})
    assert response.status_code == 422 and tr("Enter the product won.") in body(response)


def test_two_tabs_accept_and_decline_one_wins(world, customer, refer, colleague_client, supervisor_client):
    referral = refer(world.manager, customer)
    seen = str(referral.version)  # both tabs loaded the row at this version
    first = colleague_client.hx("POST", f"/referrals/{referral.id}/accept", {"version": seen})
    second = supervisor_client.hx("POST", f"/referrals/{referral.id}/decline", {"version": seen, "reason": "忙"})
    assert first.status_code == 200
    assert second.status_code == 409
    assert tr("This referral was changed meanwhile (by a colleague or in another tab). It is shown as it "
              "stands now.") in body(second)
    assert 'data-status="accepted"' in body(second)  # the row as it stands now
    db.session.expire_all()
    assert db.session.get(Referral, referral.id).status == "accepted"
    assert count(AuditEvent, AuditEvent.action == "referral_decline") == 0
    plain = supervisor_client.form(f"/referrals/{referral.id}/decline", {"version": seen, "reason": "忙"})
    assert plain.status_code == 303 and plain.headers["Location"] == f"/referrals/{referral.id}"


def test_a_change_between_read_and_write_is_caught_by_the_version_column(world, customer, refer):
    """The race the version check in Python cannot see: the row changed after it was loaded."""
    referral = refer(world.manager, customer)
    version = referral.version
    db.session.execute(update(Referral).where(Referral.id == referral.id).values(version=Referral.version + 1))
    with pytest.raises(workflow.ChangedMeanwhile):
        workflow.act(world.colleague, referral, "accept", expected_version=version)
    db.session.expire_all()
    assert db.session.get(Referral, referral.id).status == "sent"


def test_double_submit_makes_one_referral(world, customer, manager_client, at_work):
    data = {"need": "loan", "recipient_id": str(world.colleague.id), "note": "房贷"}
    first = manager_client.hx("POST", f"/referrals/new/{customer.id}", data)
    second = manager_client.hx("POST", f"/referrals/new/{customer.id}", data)
    assert first.status_code == 200 and second.status_code == 422
    assert tr("This colleague already has an open referral of this customer for this need.") in body(second)
    assert count(Referral) == 1
    # Another need, or after the first is finished, is a new referral.
    assert manager_client.hx("POST", f"/referrals/new/{customer.id}", {**data, "need": "card"}).status_code == 200
    assert count(Referral) == 2


def test_the_unique_index_is_the_last_word(world, customer, refer, monkeypatch):
    """Two sends racing past the check: the partial unique index refuses the second, with the same message."""
    refer(world.manager, customer)
    monkeypatch.setattr(sending, "_open_exists", lambda *a: False)
    with pytest.raises(sending.InvalidInput) as refused:
        sending.send_referral(world.manager, customer, recipient_id=world.colleague.id, need="loan", note=None)
    assert "recipient_id" in refused.value.errors
    db.session.rollback()
    assert count(Referral) == 1


def test_send_refusals(world, customer, make_user, manager_client, at_work):
    url = f"/referrals/new/{customer.id}"
    to_self = manager_client.hx("POST", url, {"need": "loan", "recipient_id": str(world.manager.id)})
    assert to_self.status_code == 422 and tr("You cannot refer a customer to yourself.") in body(to_self)
    for outsider in (world.other_manager, world.supervisor, world.lobby):
        response = manager_client.hx("POST", url, {"need": "loan", "recipient_id": str(outsider.id)})
        assert response.status_code == 422 and tr("Choose a colleague of this branch.") in body(response)
    bad_need = manager_client.hx("POST", url, {"need": "lottery", "recipient_id": str(world.colleague.id)})
    assert bad_need.status_code == 422
    assert count(Referral) == 0


def test_note_with_a_number_is_refused_and_masked(world, customer, manager_client, at_work):
    response = manager_client.hx("POST", f"/referrals/new/{customer.id}",
                                 {"need": "loan", "recipient_id": str(world.colleague.id),
                                  "note": "客户手机 139 1234 5678 请联系"})
    assert response.status_code == 422
    assert "139****5678" in body(response) and "13912345678" not in body(response)
    assert count(Referral) == 0


def test_stored_notes_show_masked_everywhere(world, customer, refer, colleague_client, manager_client):
    referral = refer(world.manager, customer)
    # Written around the form (older data, an import): the pages still mask it.
    db.session.execute(text("UPDATE referral SET note = :n WHERE id = :i"), {"n": "手机13912345678", "i": referral.id})
    db.session.commit()
    for client, url in ((colleague_client, "/referrals/"), (colleague_client, f"/referrals/{referral.id}"),
                        (manager_client, "/referrals/?tab=from_me")):
        page = body(client.get(url))
        assert "139****5678" in page and "13912345678" not in page


def test_lobby_sees_its_referrals_masked_without_a_link(world, customer, refer, app):
    referral = refer(world.lobby, customer)
    page = body(sign_in(app, world.lobby).get("/referrals/"))
    assert f'id="referral-{referral.id}"' in page
    assert "张*" in page and "张三" not in page and "138****5678" in page
    assert f"/customers/{customer.id}" not in page
    assert tr("To me") not in page  # lobby staff only send


def test_customer_of_another_branch_is_not_named(world, customer, refer, manager_client):
    referral = refer(world.manager, customer)
    db.session.execute(update(Customer).where(Customer.id == customer.id).values(branch_id=world.other_branch.id))
    db.session.commit()
    page = body(manager_client.get("/referrals/?tab=from_me"))
    assert f'id="referral-{referral.id}"' in page
    assert tr("Customer of another branch") in page
    assert "张三" not in page and "张*" not in page and "138****5678" not in page
    assert f"/customers/{customer.id}" not in page


def test_loader_answers_404_outside_scope(app, world, customer, refer, people):
    referral = refer(world.manager, customer)
    for who, status in (("bystander", 404), ("lobby", 404), ("other", 404), ("sender", 200), ("recipient", 200),
                        ("supervisor", 200), ("admin", 200)):
        assert sign_in(app, people[who]).get(f"/referrals/{referral.id}").status_code == status, who
    assert sign_in(app, world.admin).get("/referrals/999999").status_code == 404


def test_htmx_actions_need_the_csrf_token(world, customer, refer, colleague_client):
    referral = refer(world.manager, customer)
    no_token = colleague_client.post(f"/referrals/{referral.id}/accept", data={"version": "1"},
                                     headers={"HX-Request": "true"})
    wrong = colleague_client.post(f"/referrals/{referral.id}/accept", data={"version": "1"},
                                  headers={"HX-Request": "true", "X-CSRFToken": "forged"})
    assert no_token.status_code == 400 and wrong.status_code == 400
    assert db.session.get(Referral, referral.id).status == "sent"
    assert colleague_client.hx("POST", f"/referrals/{referral.id}/accept", {"version": "1"}).status_code == 200
    send = colleague_client.post(f"/referrals/new/{customer.id}", data={"need": "wealth"},
                                 headers={"HX-Request": "true"})
    assert send.status_code == 400


def test_reassign_moves_the_referral_and_restarts_its_clock(world, customer, refer, people, supervisor_client):
    referral = refer(world.manager, customer)
    response = supervisor_client.hx("POST", f"/referrals/{referral.id}/reassign",
                                    {"version": str(referral.version), "recipient_id": str(people["bystander"].id)})
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(Referral, referral.id).recipient_id == people["bystander"].id
    to_sender = supervisor_client.hx("POST", f"/referrals/{referral.id}/reassign",
                                     {"version": str(referral.version), "recipient_id": str(world.manager.id)})
    assert to_sender.status_code == 422


def test_the_inbox_fetches_an_action_form_when_it_is_opened(world, customer, refer, move, colleague_client):
    referral = refer(world.manager, customer)
    move(world.colleague, referral, "accept")
    move(world.colleague, referral, "contact")
    inbox_page = body(colleague_client.get("/referrals/"))
    assert 'data-testid="open-convert"' in inbox_page and 'name="product"' not in inbox_page
    opened = colleague_client.hx("GET", f"/referrals/{referral.id}?open=convert")
    assert opened.status_code == 200
    assert 'name="product"' in body(opened) and 'name="amount"' in body(opened) and 'name="csrf_token"' in body(opened)
    # Without htmx the same link is a page with the form open; an action the row does not offer opens nothing.
    assert 'name="product"' in body(colleague_client.get(f"/referrals/{referral.id}?open=convert"))
    assert 'name="reason"' not in body(colleague_client.hx("GET", f"/referrals/{referral.id}?open=decline"))
