from tests.conftest import *  # noqa
from app.models import Customer
def test_smoke(app, world, manager_client, supervisor_client, lobby_client, admin_client):
    c = manager_client
    r = c.get("/customers/new"); assert r.status_code == 200, r.data
    data = {"kind":"individual","name":"张三","mobile":"+86 138-1234-5678","id_number":"11010519491231002X","source":"walk_in","status":"prospect","sensitive_consent":"y","products_held":"0"}
    r = c.form("/customers/new", data); print(r.status_code, r.headers.get("Location"))
    if r.status_code != 303: import re; print(re.findall(r"invalid-feedback d-block\" role=\"alert\">(.*?)</div>", r.get_data(as_text=True)))
    cust = db.session.scalars(db.select(Customer)).first(); print(cust.name, cust.mobile_last4, cust.tier)
    for url in ["/customers/", f"/customers/{cust.id}", f"/customers/{cust.id}/edit", f"/customers/{cust.id}/card", "/customers/audit"]:
        r = supervisor_client.get(url); print(url, r.status_code)
        assert r.status_code == 200, r.get_data(as_text=True)[-2000:]
    r = c.get(f"/customers/{cust.id}"); assert r.status_code==200
    r = c.hx("POST", "/customers/search", {"q":"5678"}); print("search", r.status_code, "张三" in r.get_data(as_text=True), r.headers.get("HX-Push-Url"))
    r = c.hx("POST", "/customers/search", {"q":"13812345678"}); print("search", r.status_code, "张三" in r.get_data(as_text=True), r.headers.get("HX-Push-Url"))
    r = c.hx("POST", "/customers/search", {"q":"张"}); print("search", r.status_code, "张三" in r.get_data(as_text=True), r.headers.get("HX-Push-Url"))
    r = c.hx("POST", f"/customers/{cust.id}/reveal", {"which":"mobile","reason":"call back"}); print("reveal", r.status_code, r.get_data(as_text=True)[:200])
    r = c.hx("POST", f"/customers/{cust.id}/activities", {"kind":"call","outcome":"reached","note":"hi"}); print("act", r.status_code)
    r = lobby_client.get(f"/customers/{cust.id}/card"); print("lobby card", r.status_code)
    r = lobby_client.get(f"/customers/{cust.id}"); print("lobby show", r.status_code)
    r = c.hx("POST", "/customers/validate/id_number", {"kind":"individual","id_number":"110105194912310021"}); print("val", r.status_code, r.get_data(as_text=True))
    r = c.form(f"/customers/{cust.id}/edit", {**data, "mobile":"", "id_number":"", "name":"张三丰", "version":"1"}); print("edit", r.status_code, r.headers.get("Location"))
    r = c.form(f"/customers/{cust.id}/edit", {**data, "mobile":"", "id_number":"", "name":"张三丰2", "version":"1"}); print("edit stale", r.status_code)
    print(app.config["PFI_VIOLATIONS"])
