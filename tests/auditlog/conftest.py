"""The audit log's tests use the customer fixtures (customers made through the services)."""

from tests.customers.conftest import customer, foreign_customer, make_customer  # noqa: F401
