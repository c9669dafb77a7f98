"""The audit log's tests use the customer fixtures (customers made through the services), and the referral and
introducer fixtures for those areas' events."""

from tests.customers.conftest import customer, foreign_customer, make_customer  # noqa: F401
from tests.introducers.conftest import introduce, make_partner  # noqa: F401
from tests.referrals.conftest import at_work, move, refer  # noqa: F401
