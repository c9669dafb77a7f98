"""Each introducer's yield (introduced directly, in the whole tree, converted, converted amount), kept in
`introducer_tally` by the three writes that change it, so that reading a yield is one indexed row, whatever
the size of the tree:

- a customer's introducer is set, changed or removed: the customer's whole subtree leaves the old chain and
  joins the new one (`moved`);
- a customer becomes (or stops being) converted: every introducer above it gains or loses one (`status_changed`);
- a referral of a customer is converted with an amount: every introducer above it gains the amount (`won`).

Each is one UPDATE over the chain above (a recursive CTE inside the UPDATE). On PostgreSQL every tally write takes
the introducer lock first, so a subtree read here cannot be moved by someone else before this transaction ends;
SQLite writers are one at a time already. `recount()` rebuilds the table from the introductions in one statement
(after bulk loads; a test checks that the kept tally equals it after every kind of change).
"""

from __future__ import annotations

from sqlalchemy import text

from app.core.extensions import db, hold_write_lock
from app.introducers.graph import CONVERTED_STATUSES, Ref

LOCK_KEY = 0x59494A31
# The SQL below spells out graph.CONVERTED_STATUSES ('customer', 'dormant') and graph.MAX_DEPTH (10000), the
# recursion's guard; tests/introducers/test_tally.py checks they agree.

_ENSURE_ROW = text("""INSERT INTO introducer_tally (customer_id, partner_id, direct, total, converted, amount)
    SELECT CAST(:cid AS INTEGER), CAST(:pid AS INTEGER), 0, 0, 0, 0
    WHERE NOT EXISTS (SELECT 1 FROM introducer_tally WHERE customer_id = :cid OR partner_id = :pid)""")

# Up the chain: the introducer itself and everyone above it (a partner is always a root).
_ADD_UP_THE_CHAIN = text("""WITH RECURSIVE up(cid, pid, depth) AS (
        SELECT CAST(:cid AS INTEGER), CAST(:pid AS INTEGER), 0
        UNION ALL
        SELECT introduction.introducer_customer_id, introduction.introducer_partner_id, up.depth + 1
        FROM up JOIN introduction ON introduction.customer_id = up.cid
        WHERE up.depth < 10000)
    UPDATE introducer_tally SET
        direct = direct + CASE WHEN customer_id = :cid OR partner_id = :pid THEN :direct ELSE 0 END,
        total = total + :total, converted = converted + :converted, amount = amount + :amount
    WHERE customer_id IN (SELECT cid FROM up WHERE cid IS NOT NULL)
       OR partner_id IN (SELECT pid FROM up WHERE pid IS NOT NULL)""")

# What one customer brings to every introducer above it: itself and its own tree.
_CONTRIBUTION = text("""SELECT
        1 + COALESCE(t.total, 0),
        CASE WHEN customer.status IN ('customer', 'dormant') THEN 1 ELSE 0 END + COALESCE(t.converted, 0),
        COALESCE((SELECT SUM(referral.amount) FROM referral
                  WHERE referral.customer_id = customer.id AND referral.status = 'converted'), 0)
          + COALESCE(t.amount, 0)
    FROM customer LEFT JOIN introducer_tally t ON t.customer_id = customer.id
    WHERE customer.id = :customer_id""")

_PARENT = text("""SELECT introducer_customer_id, introducer_partner_id FROM introduction
    WHERE customer_id = :customer_id""")

RECOUNT = (
    "DELETE FROM introducer_tally",
    """WITH RECURSIVE tree(top_c, top_p, id, depth) AS (
        SELECT introducer_customer_id, introducer_partner_id, customer_id, 1 FROM introduction
        UNION ALL
        SELECT tree.top_c, tree.top_p, introduction.customer_id, tree.depth + 1
        FROM tree JOIN introduction ON introduction.introducer_customer_id = tree.id
        WHERE tree.depth < 10000
    ), won AS (
        SELECT customer_id, SUM(amount) AS amount FROM referral WHERE status = 'converted' GROUP BY customer_id
    )
    INSERT INTO introducer_tally (customer_id, partner_id, direct, total, converted, amount)
    SELECT tree.top_c, tree.top_p, SUM(CASE WHEN tree.depth = 1 THEN 1 ELSE 0 END), COUNT(*),
           SUM(CASE WHEN customer.status IN ('customer', 'dormant') THEN 1 ELSE 0 END), COALESCE(SUM(won.amount), 0)
    FROM tree JOIN customer ON customer.id = tree.id LEFT JOIN won ON won.customer_id = tree.id
    GROUP BY tree.top_c, tree.top_p""",
)


def lock() -> None:
    """Serialise every change to the introducer graph and its tally (a transaction lock; SQLite's write lock)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    else:
        hold_write_lock()


def _ids(ref: Ref) -> dict[str, int | None]:
    return {"cid": ref.id if ref.kind == "c" else None, "pid": ref.id if ref.kind == "p" else None}


def _add(ref: Ref, *, direct: int, total: int, converted: int, amount: int) -> None:
    ids = _ids(ref)
    db.session.execute(_ENSURE_ROW, ids)
    db.session.execute(_ADD_UP_THE_CHAIN, {**ids, "direct": direct, "total": total, "converted": converted,
                                           "amount": amount})


def _parent(customer_id: int) -> Ref | None:
    row = db.session.execute(_PARENT, {"customer_id": customer_id}).first()
    if row is None:
        return None
    return Ref("c", row[0]) if row[0] is not None else Ref("p", row[1])


def moved(customer_id: int, old: Ref | None, new: Ref | None) -> None:
    """The customer (and its tree) left `old`'s tree and joined `new`'s (either may be None)."""
    lock()
    total, converted, amount = db.session.execute(_CONTRIBUTION, {"customer_id": customer_id}).one()
    if old is not None:
        _add(old, direct=-1, total=-total, converted=-converted, amount=-int(amount))
    if new is not None:
        _add(new, direct=1, total=total, converted=converted, amount=int(amount))


def status_changed(customer_id: int, before: str | None, after: str | None) -> None:
    """The customer's status changed: its introducers gain or lose one converted node."""
    change = int(after in CONVERTED_STATUSES) - int(before in CONVERTED_STATUSES)
    if change:
        lock()
        parent = _parent(customer_id)
        if parent is not None:
            _add(parent, direct=0, total=0, converted=change, amount=0)


def won(customer_id: int, amount: int) -> None:
    """A referral of the customer was converted for `amount` yuan: every introducer above it gains it."""
    if amount:
        lock()
        parent = _parent(customer_id)
        if parent is not None:
            _add(parent, direct=0, total=0, converted=0, amount=amount)


def recount() -> None:
    """Rebuild every introducer's yield from the introductions, the customers and the converted referrals."""
    lock()
    for statement in RECOUNT:
        db.session.execute(text(statement))
