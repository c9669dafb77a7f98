"""Found in the tryout: the form asks for the loan need in 万元 (50) and the customer page showed "500,000" with
no unit, which reads as 500,000 万元. The page shows it in yuan with its unit, as the audit log does."""

from __future__ import annotations

from tests.customers.helpers import body, tr


def test_the_customer_page_shows_the_loan_need_with_its_unit(world, make_customer, manager_client):
    customer = make_customer(world.manager, name="赵六", loan_need_amount=500_000)
    page = body(manager_client.get(f"/customers/{customer.id}"))
    assert tr("%(amount)s yuan", amount="500,000") in page
