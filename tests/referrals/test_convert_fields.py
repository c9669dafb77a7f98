"""A refused action marks the fields in error, as the customer form does (tryout finding 16)."""

from __future__ import annotations

import re

from app.core.extensions import db
from app.models import Referral
from tests.customers.helpers import body, error_slot, input_tag, tr


def test_convert_with_nothing_typed_marks_product_and_amount(world, customer, refer, move, colleague_client):
    referral = move(world.colleague, move(world.colleague, refer(world.manager, customer), "accept"), "contact")
    response = colleague_client.hx("POST", f"/referrals/{referral.id}/convert",
                                   {"version": str(referral.version), "product": "", "amount": ""})
    assert response.status_code == 422
    html = body(response)
    rid = f"referral-{referral.id}"
    for name, message in (("product", tr("Enter the product won.")),
                          ("amount", tr("Enter the amount in whole yuan, for example 200000."))):
        control = input_tag(html, f"{rid}-{name}")
        assert "is-invalid" in control and 'aria-invalid="true"' in control
        assert f'aria-describedby="{rid}-{name}-errors"' in control
        assert message in error_slot(html, f"{rid}-{name}")
    assert db.session.get(Referral, referral.id).status == "contacted"


def test_convert_marks_only_the_field_in_error(world, customer, refer, move, colleague_client):
    referral = move(world.colleague, move(world.colleague, refer(world.manager, customer), "accept"), "contact")
    html = body(colleague_client.hx("POST", f"/referrals/{referral.id}/convert",
                                    {"version": str(referral.version), "product": "房贷", "amount": "abc"}))
    rid = f"referral-{referral.id}"
    assert "is-invalid" in input_tag(html, f"{rid}-amount") and "is-invalid" not in input_tag(html, f"{rid}-product")
    assert 'value="房贷"' in input_tag(html, f"{rid}-product")


def test_decline_without_a_reason_marks_the_reason(world, customer, refer, colleague_client):
    referral = refer(world.manager, customer)
    html = body(colleague_client.hx("POST", f"/referrals/{referral.id}/decline", {"version": "1"}))
    control = input_tag(html, f"referral-{referral.id}-decline-reason")
    assert "is-invalid" in control and 'aria-invalid="true"' in control


def test_a_refused_reassign_marks_the_colleague(world, customer, refer, supervisor_client):
    referral = refer(world.manager, customer)
    response = supervisor_client.hx("POST", f"/referrals/{referral.id}/reassign",
                                    {"version": str(referral.version), "recipient_id": str(world.manager.id)})
    assert response.status_code == 422
    html = body(response)
    select = re.search(rf'<select[^>]*id="referral-{referral.id}-recipient"[^>]*>', html).group(0)
    assert "is-invalid" in select and 'aria-invalid="true"' in select
    assert tr("You cannot refer a customer to yourself.") in error_slot(html, f"referral-{referral.id}-recipient")
    assert html.count('data-testid="referral-error"') == 1  # said at the field, not again above the actions
