from sqlalchemy import text
from app.customers import services as svc
from app.extensions import db
from tests.customers.helpers import body

def test_plan(app, world, make_customer, customer, manager_client):
    for i in range(5):
        make_customer(world.manager, name=f"张{i}")
    stmt, kind, err = svc.filtered_customers(world.manager, svc.CustomerFilters(q="张"))
    stmt = stmt.order_by(*svc.SORTS["updated"]).limit(50)
    sql = str(stmt.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}))
    print(sql)
    if db.engine.dialect.name == "sqlite":
        print(db.session.execute(text("EXPLAIN QUERY PLAN " + sql)).all())
    else:
        print(db.session.execute(text("EXPLAIN " + sql)).all())
    r = world.lobby
    c = manager_client.get(f"/customers/{customer.id}")
    print(body(c)[body(c).find('customer-info'):][:3000])
