"""Following OKX's ``after`` cursor (fetch_pages), against a scripted OKX on task.Clock."""

from twisted.internet.defer import Deferred

from okxbridge.okx.paging import fetch_pages
from tests.okx_fake import CREDS, make_client, ok

ORDERS = [{"ordId": str(i)} for i in range(250, 0, -1)]  # newest (largest id) first, as OKX lists


def okx_orders(verb, path, query, headers, body):
    after = int(query.get("after", 10**9))
    older = [o for o in ORDERS if int(o["ordId"]) < after]
    return ok(*older[: int(query["limit"])])


def pages(**kwargs):
    client, http, _ = make_client(okx_orders)
    d = Deferred.fromCoroutine(fetch_pages(client, "/api/v5/trade/orders-pending", kwargs.pop("params", {}), CREDS,
                                           **kwargs))
    return d.result, http


def test_every_page_until_a_short_one():
    result, http = pages()
    assert [o["ordId"] for o in result.items] == [o["ordId"] for o in ORDERS]
    assert [s.query.get("after") for s in http.sent] == [None, "151", "51"]
    assert len(result.raws) == 3


def test_max_items_asks_only_for_what_is_missing():
    result, http = pages(max_items=120)
    assert len(result.items) == 120 and [s.query["limit"] for s in http.sent] == ["100", "20"]


def test_a_starting_cursor_is_kept():
    result, http = pages(params={"after": "101"}, max_items=5)
    assert [o["ordId"] for o in result.items] == ["100", "99", "98", "97", "96"]
    assert http.sent[0].query["after"] == "101"


def test_a_cursor_that_does_not_move_ends_the_walk():
    client, http, _ = make_client(lambda *a: ok(*[{"ordId": "7"}] * 100))
    d = Deferred.fromCoroutine(fetch_pages(client, "/api/v5/trade/orders-pending", {}, CREDS))
    assert len(http.sent) == 2 and len(d.result.items) == 200
