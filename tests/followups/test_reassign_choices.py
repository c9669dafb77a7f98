"""Found in the try-out: a supervisor opens "give to a colleague" on a follow-up of 张伟; the list offers 张伟
first (so it is the one chosen when the supervisor just presses "give"), and giving it to 张伟 is refused with
"请选择本网点的客户经理" (choose an account manager of this branch), which 张伟 is. Expected: the current assignee is
not offered (or the refusal says the follow-up is already theirs)."""

from __future__ import annotations

import re

from tests.customers.helpers import body, tr
from tests.followups.conftest import TODAY, plan


def test_give_to_a_colleague_does_not_offer_the_current_assignee(monday, world, customer, supervisor_client):
    row = plan(customer, world.manager, due=TODAY)
    page = body(supervisor_client.get(f"/follow-ups/{row.id}?open=reassign", headers={"HX-Request": "true"}))
    offered = re.findall(r'<option value="(\d+)"', page)
    assert str(world.colleague.id) in offered
    if str(world.manager.id) in offered:
        refused = supervisor_client.hx("POST", f"/follow-ups/{row.id}/reassign",
                                       {"assignee_id": str(world.manager.id), "version": str(row.version)})
        assert tr("Choose an account manager of this branch.") not in body(refused), \
            "the current assignee is offered, and choosing them is refused as 'not an account manager of this branch'"
