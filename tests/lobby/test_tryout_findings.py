"""What trying the lobby as its users would, and attacking it, found (tryout of 3 December 2026): free text with a
full number echoed back by the form's redraws, labels that borrowed another screen's translation, a too-long
number without a clear message, and a refused hand-off whose message was not at the specialist field."""

from __future__ import annotations

from sqlalchemy import func, select

from app.core.extensions import db
from app.models import Referral, WalkIn
from app.referrals import sending
from tests.customers.helpers import body, field_errors, tr
from tests.lobby.conftest import submission_key

NUMBER = "13998765432"  # a full mobile typed into free text (not the customer's own)
ID_NUMBER = "11010519491231002X"


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _key(lobby_client) -> str:
    return submission_key(body(lobby_client.hx("POST", "/lobby/lookup", {"mobile": "13812345678"})))


# ---------------------------------------------------------------- a full number in free text is never echoed


def test_the_need_redraw_masks_a_full_number_typed_in_the_note(lobby_client, customer, world):
    """Typing the note first and then choosing the need redraws the form (POST /lobby/walk-ins/form): the
    redraw must not send the full mobile or ID number back; it shows them masked, with the note's message."""
    for note in (f"请回电 {NUMBER}", f"身份证 {ID_NUMBER}"):
        response = lobby_client.hx("POST", "/lobby/walk-ins/form", {
            "submission_key": _key(lobby_client), "customer_id": str(customer.id), "need": "wealth",
            "specialist_id": str(world.colleague.id), "note": note})
        html = body(response)
        assert response.status_code == 200
        assert NUMBER not in html and ID_NUMBER not in html
        assert "请回电 139****5432" in html or "身份证 1****************X" in html
        assert field_errors(response, "walk-in-note")  # the officer is told why the note changed


def test_the_booking_redraw_masks_a_full_number_typed_in_the_note(lobby_client, customer, world):
    response = lobby_client.hx("POST", "/lobby/walk-ins/booking", {
        "submission_key": _key(lobby_client), "customer_id": str(customer.id), "need": "wealth",
        "specialist_id": str(world.colleague.id), "note": f"客户手机 {NUMBER}"})
    html = body(response)
    assert response.status_code == 200 and 'data-testid="walk-in-booking"' in html
    assert NUMBER not in html and "139****5432" in html


def test_a_visitor_name_with_a_full_number_comes_back_masked(lobby_client, world):
    key = submission_key(body(lobby_client.hx("GET", "/lobby/visitor")))
    redraw = lobby_client.hx("POST", "/lobby/walk-ins/form", {
        "submission_key": key, "need": "enquiry", "visitor_name": f"王女士{NUMBER}"})
    assert redraw.status_code == 200 and NUMBER not in body(redraw)
    refused = lobby_client.hx("POST", "/lobby/walk-ins", {
        "submission_key": key, "need": "enquiry", "action": "queue", "visitor_name": f"王女士 {NUMBER}"})
    assert refused.status_code == 422
    assert NUMBER not in body(refused) and field_errors(refused, "walk-in-visitor")
    assert _count(WalkIn) == 0


# ---------------------------------------------------------------- labels in Chinese that say what they do


def test_the_queue_call_button_says_call_the_number_not_phone(lobby_client, manager_client, customer):
    lobby_client.hx("POST", "/lobby/walk-ins", {"submission_key": _key(lobby_client),
                                                "customer_id": str(customer.id), "need": "deposit",
                                                "action": "queue"})
    html = body(manager_client.get("/lobby/queue"))
    assert f'type="submit">{tr("Call the number")}</button>' in html
    assert tr("Call the number") == "叫号"
    assert 'type="submit">电话</button>' not in html


def test_the_log_range_button_is_not_the_reveal_button(lobby_client):
    html = body(lobby_client.get("/lobby/log"))
    assert "查看完整号码" not in html
    assert f'type="submit">{tr("Show these days")}</button>' in html


# ---------------------------------------------------------------- clear messages


def test_a_very_long_number_gets_the_number_message_not_try_again(lobby_client, customer):
    response = lobby_client.hx("POST", "/lobby/lookup", {"mobile": "1" * 200})
    html = body(response)
    assert response.status_code == 200 and 'data-testid="lobby-lookup-error"' in html
    assert tr("This is not a valid mainland China mobile number.") in html
    assert tr("Please try again.") not in html


def test_a_hand_off_refused_for_an_open_referral_says_so_at_the_specialist(lobby_client, customer, world):
    sending.send_referral(world.lobby, customer, recipient_id=world.colleague.id, need="loan", note=None,
                          origin="lobby")
    db.session.commit()
    response = lobby_client.hx("POST", "/lobby/walk-ins", {
        "submission_key": _key(lobby_client), "customer_id": str(customer.id), "need": "loan",
        "specialist_id": str(world.colleague.id), "action": "handoff"})
    assert response.status_code == 422
    assert tr("This colleague already has an open referral of this customer for this need.") \
        in field_errors(response, "walk-in-specialist")
    assert _count(WalkIn) == 0 and _count(Referral) == 1


def test_the_card_of_a_priority_customer_does_not_claim_the_owner_was_already_alerted(lobby_client, customer, world):
    """The card appears on the look-up, before anything is logged: the owner is alerted only when the walk-in is
    logged, so the card says who to call and that logging alerts them; the logged answer says they were alerted."""
    from app.models import WalkInAlert

    customer.tier = "A"
    db.session.commit()
    html = body(lobby_client.hx("POST", "/lobby/lookup", {"mobile": "13812345678"}))
    name = world.manager.display_name
    assert tr("Call the owner %(name)s: they have been alerted.", name=name) not in html
    assert tr("Priority customer of %(name)s: logging the walk-in alerts them.", name=name) in html
    assert _count(WalkInAlert) == 0
    logged = body(lobby_client.hx("POST", "/lobby/walk-ins", {
        "submission_key": submission_key(html), "customer_id": str(customer.id), "need": "wealth",
        "action": "queue"}))
    assert tr("Call the owner %(name)s: they have been alerted.", name=name) in logged
    assert _count(WalkInAlert) == 1
