"""A row says who accepted a referral when it was not its recipient (tryout finding 12)."""

from __future__ import annotations

from app.core.extensions import db
from app.models import Referral
from tests.customers.helpers import body, tr


def test_a_row_names_the_supervisor_who_accepted_for_the_recipient(world, customer, refer, move, supervisor_client,
                                                                     colleague_client):
    referral = refer(world.manager, customer)
    assert supervisor_client.hx("POST", f"/referrals/{referral.id}/accept",
                                {"version": str(referral.version)}).status_code == 200
    accepted_by = tr("accepted by %(name)s", name=world.supervisor.display_name)
    answer = body(supervisor_client.get(f"/referrals/{referral.id}"))
    assert 'data-testid="referral-accepted-by"' in answer and world.supervisor.display_name in answer
    for client in (supervisor_client, colleague_client):
        page = body(client.get("/referrals/"))
        assert 'data-testid="referral-accepted-by"' in page and accepted_by in page
    # it stays said once the recipient works the referral on
    move(world.colleague, db.session.get(Referral, referral.id), "contact")
    assert 'data-testid="referral-accepted-by"' in body(colleague_client.get("/referrals/"))


def test_a_row_accepted_by_its_recipient_says_nothing_more(world, customer, refer, move, colleague_client):
    referral = refer(world.manager, customer)
    move(world.colleague, referral, "accept")
    assert 'data-testid="referral-accepted-by"' not in body(colleague_client.get("/referrals/"))
    assert 'data-testid="referral-accepted-by"' not in body(colleague_client.get(f"/referrals/{referral.id}"))


def test_the_accepted_by_line_costs_no_statement_per_row(world, make_customer, refer, move, supervisor_client,
                                                         queries):
    def statements() -> int:
        supervisor_client.get("/referrals/?tab=branch")
        with queries() as found:
            page = body(supervisor_client.get("/referrals/?tab=branch"))
        assert 'data-testid="referral-accepted-by"' in page
        return len(found)

    def accepted_by_the_supervisor():
        referral = refer(world.manager, make_customer(world.manager))
        move(world.supervisor, referral, "accept")

    accepted_by_the_supervisor()
    few = statements()
    for _ in range(10):
        accepted_by_the_supervisor()
    assert statements() == few
