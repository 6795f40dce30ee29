"""okx/regions.py: one table of OKX's hosts; which region a REST base belongs to."""

from okxbridge.okx.regions import REGIONS, region_of_rest, ws_beside


def test_the_table_has_okx_documented_hosts_and_no_websocket_host_is_a_rest_host():
    assert REGIONS["global"].rest == "https://www.okx.com"
    assert REGIONS["eea"].ws == "wss://wseea.okx.com:8443" and REGIONS["eea"].demo_ws == "wss://wseeapap.okx.com:8443"
    for region in REGIONS.values():
        assert ws_beside(region.rest) not in (region.ws, region.demo_ws)


def test_a_rest_base_names_its_region_and_a_custom_one_none():
    assert region_of_rest("https://openapi.okx.com") is REGIONS["global"]
    assert region_of_rest("https://EEA.okx.com/") is REGIONS["eea"]
    assert region_of_rest("http://127.0.0.1:8443") is None
