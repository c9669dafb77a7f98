"""Dates typed into the inbox, credit and leaderboard URLs: out of the calendar's usable range is never a 500
(year 1 cannot become UTC) nor a 404 (year 9999 overflows a day later): the inbox's filter form says so at the
field (test_tryout_findings.py), the credit and leaderboard URLs answer 400; garbled values are dropped."""

from __future__ import annotations

import pytest

from tests.conftest import sign_in

OUT_OF_RANGE = ("0001-01-01", "1899-12-31", "9999-12-31")
INBOX_URLS = ("/referrals/?start={d}", "/referrals/?end={d}", "/referrals/?tab=branch&start={d}&end={d}")
URLS = (
    "/referrals/credit?period=day&date={d}", "/referrals/credit?period=week&date={d}",
    "/referrals/credit?period=month&date={d}", "/referrals/credit?period=range&start={d}&end={d}",
    "/referrals/introducers?period=range&from={d}&to={d}", "/referrals/introducers?period=range&from=2026-01-01&to={d}",
)
CASES = [(url, day) for url in URLS for day in OUT_OF_RANGE]


@pytest.mark.parametrize(("url", "day"), CASES, ids=[f"{u.format(d=d)}" for u, d in CASES])
@pytest.mark.parametrize("role", ["supervisor", "admin"])
def test_out_of_range_dates_are_400(app, world, url, day, role):
    client = sign_in(app, world.by_role(role))
    assert client.get(url.format(d=day)).status_code == 400
    assert client.get(url.format(d=day), headers={"HX-Request": "true"}).status_code == 400


INBOX_CASES = [(url, day) for url in INBOX_URLS for day in OUT_OF_RANGE]


@pytest.mark.parametrize(("url", "day"), INBOX_CASES, ids=[f"{u.format(d=d)}" for u, d in INBOX_CASES])
@pytest.mark.parametrize("role", ["supervisor", "admin"])
def test_out_of_range_dates_in_the_inbox_are_answered_at_the_field(app, world, url, day, role):
    client = sign_in(app, world.by_role(role))
    for response in (client.get(url.format(d=day)), client.get(url.format(d=day), headers={"HX-Request": "true"})):
        assert response.status_code == 200
        assert 'data-testid="referral-filter-error"' in response.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/referrals/?start=2026-13-40", "/referrals/credit?period=day&date=yesterday",
                                 "/referrals/introducers?period=range&from=x&to=y"])
def test_garbled_dates_are_dropped(supervisor_client, url):
    assert supervisor_client.get(url).status_code == 200


@pytest.mark.parametrize("url", ["/referrals/?start=1900-01-01&end=9998-12-31",
                                 "/referrals/credit?period=month&date=9998-12-31",
                                 "/referrals/introducers?period=range&from=1900-01-01&to=9998-12-31"])
def test_the_range_edges_still_work(supervisor_client, url):
    assert supervisor_client.get(url).status_code == 200
