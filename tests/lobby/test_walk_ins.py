"""The lobby's look-up and walk-in log: exact mobile match, masked card, bad input, other branches, the
idempotent submit, the hand-off's referral, the priority alert."""

from __future__ import annotations

from sqlalchemy import func, select

from app.core.extensions import db
from app.models import AuditEvent, Customer, Referral, WalkIn, WalkInAlert
from tests.customers.helpers import body
from tests.lobby.conftest import submission_key


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def lookup(client, mobile: str):
    return client.hx("POST", "/lobby/lookup", {"mobile": mobile})


def test_lobby_home_is_the_lobby_page(lobby_client):
    response = lobby_client.get("/lobby")
    assert response.status_code == 200
    assert 'data-testid="lobby-lookup"' in body(response)
    assert lobby_client.get("/").headers["Location"].endswith("/lobby")


def test_a_full_mobile_finds_the_customer_and_shows_the_masked_card(lobby_client, customer):
    response = lookup(lobby_client, "+86 138-1234-5678")
    html = body(response)
    assert response.status_code == 200 and "<html" not in html
    assert 'data-testid="lobby-card"' in html
    assert "张女士" in html  # surname and title (the ID number says female)
    assert "138****5678" in html and "张三" not in html
    assert "1****************X" in html  # the ID number at L2 only
    assert "Open referrals: 0" in html or "进行中的引见:0" in html or 'data-testid="lobby-open-referrals"' in html
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "number_search")).all()
    assert len(events) == 1 and events[0].details["term"] == "138****5678" and events[0].details["hits"] == 1


def test_bad_input_gets_a_message_and_nothing_is_logged(lobby_client, customer):
    for typed in ("1381234", "010-12345678", "+44 7911 123456", "abc", "5678"):
        response = lookup(lobby_client, typed)
        html = body(response)
        assert response.status_code == 200
        assert 'data-testid="lobby-lookup-error"' in html, typed
        assert 'data-testid="lobby-card"' not in html
    assert _count(AuditEvent, AuditEvent.action == "number_search") == 0
    assert _count(WalkIn) == 0


def test_other_branch_or_archived_customer_says_ask_a_supervisor(lobby_client, foreign_customer, customer, world):
    html = body(lookup(lobby_client, "18612345678"))
    assert 'data-testid="lobby-ask-supervisor"' in html
    assert "王" not in html.split('data-testid="lobby-result"')[1].split("</div>")[0]
    customer.archived_at = customer.created_at
    db.session.commit()
    html = body(lookup(lobby_client, "13812345678"))
    assert 'data-testid="lobby-ask-supervisor"' in html and 'data-testid="lobby-card"' not in html


def test_no_match_offers_a_new_prospect_in_place(lobby_client, world):
    html = body(lookup(lobby_client, "13712345670"))
    assert 'data-testid="lobby-no-match"' in html and 'data-testid="walk-in-visitor"' in html
    assert "137****5670" in html


def _walk_in(client, key: str, **fields):
    return client.hx("POST", "/lobby/walk-ins", {"submission_key": key, **fields})


def test_known_customer_handed_off_in_three_actions_creates_the_lobby_referral(lobby_client, customer, world):
    html = body(lookup(lobby_client, "13812345678"))  # typing the number
    key = submission_key(html)
    # 1. the need, 2. the specialist, 3. the hand-off button: one POST
    response = _walk_in(lobby_client, key, customer_id=str(customer.id), need="loan",
                        specialist_id=str(world.colleague.id), action="handoff")
    assert response.status_code == 200, body(response)
    assert 'data-testid="walk-in-logged"' in body(response)
    walk_in = db.session.scalars(select(WalkIn)).one()
    referral = db.session.get(Referral, walk_in.referral_id)
    assert (walk_in.outcome, walk_in.handed_to_id, walk_in.queue_no) == ("handed_off", world.colleague.id, 1)
    assert (referral.origin, referral.sender_id, referral.recipient_id, referral.need, referral.status) == (
        "lobby", world.lobby.id, world.colleague.id, "loan", "sent")


def test_two_identical_posts_log_one_walk_in(lobby_client, customer, world):
    key = submission_key(body(lookup(lobby_client, "13812345678")))
    form = {"customer_id": str(customer.id), "need": "loan", "specialist_id": str(world.colleague.id),
            "action": "handoff"}
    first = _walk_in(lobby_client, key, **form)
    second = _walk_in(lobby_client, key, **form)
    assert first.status_code == second.status_code == 200
    assert _count(WalkIn) == 1 and _count(Referral) == 1
    assert "Queue number 1" in body(second) or "排队号 1" in body(second) or 'data-testid="walk-in-logged"' in body(second)


def test_served_at_the_desk_is_done_at_once(lobby_client, customer):
    key = submission_key(body(lookup(lobby_client, "13812345678")))
    _walk_in(lobby_client, key, customer_id=str(customer.id), need="deposit", action="served")
    walk_in = db.session.scalars(select(WalkIn)).one()
    assert (walk_in.outcome, walk_in.queue_status, walk_in.referral_id) == ("served", "done", None)


def test_a_refused_walk_in_saves_nothing(lobby_client, customer):
    key = submission_key(body(lookup(lobby_client, "13812345678")))
    response = _walk_in(lobby_client, key, customer_id=str(customer.id), action="handoff")  # no need, no specialist
    assert response.status_code == 422
    assert _count(WalkIn) == 0 and _count(Referral) == 0


def test_anonymous_visitor_is_logged_with_surname_and_title_only(lobby_client):
    key = submission_key(body(lobby_client.hx("GET", "/lobby/visitor")))
    response = _walk_in(lobby_client, key, visitor_name="王女士", need="enquiry", action="queue")
    assert response.status_code == 200, body(response)
    walk_in = db.session.scalars(select(WalkIn)).one()
    assert (walk_in.customer_id, walk_in.visitor_name, walk_in.queue_status) == (None, "王女士", "waiting")


def test_new_visitor_handed_off_becomes_the_specialists_prospect(lobby_client, world):
    html = body(lookup(lobby_client, "13712345670"))
    token = __import__("re").search(r'name="mobile_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="mobile_token"',
                                    html)
    response = _walk_in(lobby_client, submission_key(html), visitor_name="李先生", need="wealth", action="handoff",
                        specialist_id=str(world.manager.id), mobile_token=token.group(1) or token.group(2))
    assert response.status_code == 200, body(response)
    walk_in = db.session.scalars(select(WalkIn)).one()
    prospect = db.session.get(Customer, walk_in.customer_id)
    assert (prospect.owner_id, prospect.status, prospect.source, prospect.name) == (
        world.manager.id, "prospect", "walk_in", "李先生")
    assert prospect.mobile == "13712345670"
    assert db.session.get(Referral, walk_in.referral_id).origin == "lobby"


def test_an_a_tier_walk_in_alerts_the_owner(lobby_client, manager_client, customer, world):
    customer.tier = "A"
    db.session.commit()
    html = body(lookup(lobby_client, "13812345678"))
    assert 'data-testid="lobby-who-to-call"' in html and world.manager.display_name in html
    _walk_in(lobby_client, submission_key(html), customer_id=str(customer.id), need="wealth", action="queue")
    assert _count(WalkInAlert, WalkInAlert.user_id == world.manager.id) == 1
    page = body(manager_client.get("/my-day"))
    assert 'hx-get="/lobby/alerts"' in page
    banner = body(manager_client.get("/lobby/alerts", headers={"HX-Request": "true"}))
    assert 'data-testid="walk-in-alert"' in banner and "张女士" in banner and "张三" not in banner
    alert = db.session.scalars(select(WalkInAlert)).one()
    manager_client.hx("POST", f"/lobby/alerts/{alert.id}/dismiss")
    assert 'data-testid="walk-in-alert"' not in body(manager_client.get("/lobby/alerts"))


def test_a_b_tier_walk_in_alerts_nobody(lobby_client, customer):
    key = submission_key(body(lookup(lobby_client, "13812345678")))
    _walk_in(lobby_client, key, customer_id=str(customer.id), need="wealth", action="queue")
    assert _count(WalkInAlert) == 0


def test_the_walk_in_of_another_branch_customer_is_refused(lobby_client, foreign_customer):
    response = _walk_in(lobby_client, "k" * 20, customer_id=str(foreign_customer.id), need="loan", action="served")
    assert response.status_code == 404
    assert _count(WalkIn) == 0


def test_choosing_the_need_puts_its_specialists_first(lobby_client, customer, world):
    key = submission_key(body(lookup(lobby_client, "13812345678")))
    html = body(lobby_client.hx("POST", "/lobby/walk-ins/form", {"submission_key": key, "customer_id": str(customer.id),
                                                                  "need": "loan"}))
    assert submission_key(html) == key  # the same form: a submit after it is still the one walk-in
    options = html.split("<select")[1].split("</select>")[0]
    assert options.index(world.colleague.display_name) < options.index(world.manager.display_name)  # credit first
    html = body(lobby_client.hx("POST", "/lobby/walk-ins/form", {"submission_key": key, "customer_id": str(customer.id),
                                                                  "need": "wealth"}))
    options = html.split("<select")[1].split("</select>")[0]
    assert options.index(world.manager.display_name) < options.index(world.colleague.display_name)


def test_a_walk_in_without_the_csrf_token_is_refused(lobby_client, customer):
    response = lobby_client.post("/lobby/walk-ins", data={"submission_key": "no-token-key", "need": "deposit",
                                                          "customer_id": str(customer.id), "action": "served"},
                                 headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert _count(WalkIn) == 0


def test_a_tampered_number_token_logs_the_visitor_without_a_number(lobby_client, world):
    key = submission_key(body(lobby_client.hx("GET", "/lobby/visitor")))
    response = _walk_in(lobby_client, key, visitor_name="李先生", need="wealth", action="handoff",
                        specialist_id=str(world.manager.id), mobile_token="k1:not-a-token")
    assert response.status_code == 200, body(response)
    walk_in = db.session.scalars(select(WalkIn)).one()
    assert db.session.get(Customer, walk_in.customer_id).mobile is None


def test_the_lookup_is_limited_per_user(app, lobby_client, customer):
    app.config["SEARCH_NUMBER_LIMIT"] = "2 per minute"
    try:
        statuses = [lookup(lobby_client, "13812345678").status_code for _ in range(3)]
    finally:
        app.config["SEARCH_NUMBER_LIMIT"] = "60 per minute"
    assert statuses == [200, 200, 429]
