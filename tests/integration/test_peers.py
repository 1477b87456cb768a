"""chan_sip peers and name patterns on each real release, through ami, http and rx.

16 loads chan_sip with four peers (scripts/asterisk-sandbox): trunk1 (qualified, answered by the
sandbox's own PJSIP: OK), trunk10 (qualified where nothing answers: UNREACHABLE, a static address),
desk-unmonitored (qualify=no) and trunk-carrier-with-a-33-char-name (UNKNOWN). The ``peers`` query
asks SIPpeers over AMI and HTTP, which has whole names; rx reads ``sip show peers``, which cuts a
name at 25 characters and says so. 22 has no chan_sip: the query fails, and says why.

A PATTERN (``peers 'trunk*'``, ``endpoints '10?'``) is matched by amijson on the names, ``*`` and
``?`` only: never sent to Asterisk, whose ``like`` takes a regular expression."""

import json

import pytest

from conftest import via_http

ROUTES = ("ami", "http", "rx")
LONG_NAME = "trunk-carrier-with-a-33-char-name"


def ask(amijson, sandbox, route, *args, **kwargs):
    options = {"ami": ["--via", "ami"], "http": via_http(sandbox), "rx": ["--via", "rx"]}[route]
    return amijson(*options, *args, env={"AMIJSON_ASTERISK": sandbox["AMIJSON_ASTERISK"]}, **kwargs)


def test_a_pattern_keeps_the_trunks_whole_names_where_ami_has_them(amijson, sandbox):
    for route in ROUTES:
        run = ask(amijson, sandbox, route, "peers", "trunk*")
        if sandbox.release != "16":
            assert run.returncode == 1 and "chan_sip is not loaded" in run.doc["error"]["message"], run.doc
            continue
        assert run.returncode == 0, run.doc
        names = [r["name"] for r in run.doc["records"]]
        statuses = [r["status"].split(" (")[0] for r in run.doc["records"]]
        assert statuses == ["UNKNOWN", "OK", "UNREACHABLE"], (route, run.doc["records"])
        if route == "rx":  # cut at 25; the warning follows the record to its place in the kept list
            assert names == [LONG_NAME[:25], "trunk1", "trunk10"]
            assert run.doc["warnings"] == ["records[0].name may be truncated at 25 characters (fixed-width column)"]
        else:
            assert names == [LONG_NAME, "trunk1", "trunk10"] and run.doc["warnings"] == [], (route, run.doc)
        assert run.doc["request"]["action"] == ("Command" if route == "rx" else "SIPpeers")


@pytest.mark.release("16")
def test_a_pattern_is_a_whole_name_not_a_prefix_nor_a_regex(amijson, sandbox):
    """The template's trunk1 also counted trunk10's channels: a pattern here names whole names."""
    for route in ROUTES:
        one = ask(amijson, sandbox, route, "peers", "trunk1")
        assert [r["name"] for r in one.doc["records"]] == ["trunk1"], (route, one.doc)
        for pattern in ("trunk.*", "trunk1|trunk10", "^trunk", "[t]runk1"):
            run = ask(amijson, sandbox, route, "peers", pattern)
            assert run.returncode == 0 and run.doc["records"] == [], (route, pattern, run.doc)
        tens = ask(amijson, sandbox, route, "peers", "trunk1?")
        assert [r["name"] for r in tens.doc["records"]] == ["trunk10"]


def test_endpoints_by_pattern_on_every_route(amijson, sandbox):
    for route in ROUTES:
        assert [r["endpoint"] for r in ask(amijson, sandbox, route, "endpoints", "10?").doc["records"]] == \
            ["101", "102", "103", "104"], route
        assert [r["endpoint"] for r in ask(amijson, sandbox, route, "endpoints", "1*2").doc["records"]] == ["102"]
        none = ask(amijson, sandbox, route, "endpoints", "trunk*")
        assert none.returncode == 0 and none.doc["records"] == [], (route, none.doc)
    empty = ask(amijson, sandbox, "ami", "endpoints", "")
    assert empty.returncode == 2 and empty.doc["error"]["code"] == "usage"


@pytest.mark.release("16")
def test_zabbix_discovery_and_prometheus_labels_of_the_trunks(amijson, sandbox):
    for route in ("ami", "rx"):
        run = ask(amijson, sandbox, route, "--format", "zabbix", "peers", "trunk*", expect_json=False)
        assert run.returncode == 0, run.stdout
        rows = json.loads(run.stdout)
        names = [row["{#NAME}"] for row in rows]
        assert names == ([LONG_NAME, "trunk1", "trunk10"] if route == "ami"
                         else [LONG_NAME[:25], "trunk1", "trunk10"])
        assert [row["{#STATUS}"].split(" (")[0] for row in rows] == ["UNKNOWN", "OK", "UNREACHABLE"]
    run = ask(amijson, sandbox, "ami", "--format", "prometheus", "peers", "trunk*", expect_json=False)
    assert run.returncode == 0, run.stdout
    series = [line for line in run.stdout.splitlines() if line.startswith("asterisk_sip_peer_status{")]
    assert series == ['asterisk_sip_peer_status{pbx="127.0.0.1",peer="%s",status="%s"} 1' % pair for pair in
                      ((LONG_NAME, "UNKNOWN"), ("trunk1", "OK"), ("trunk10", "UNREACHABLE"))]
    run = ask(amijson, sandbox, "ami", "--format", "prometheus", "endpoints", "10?", expect_json=False)
    assert sorted(line.split('endpoint="')[1].split('"')[0] for line in run.stdout.splitlines()
                  if line.startswith("asterisk_endpoint_channels{")) == ["101", "102", "103", "104"]


@pytest.mark.release("16")
def test_an_unreachable_peer_with_a_static_address_counts_offline(amijson, sandbox):
    """The template counts a peer with an address as online; trunk10 has one and never answers."""
    (trunk10,) = ask(amijson, sandbox, "ami", "peers", "trunk10").doc["records"]
    assert (trunk10["host"], trunk10["status"]) == ("127.0.0.1", "UNREACHABLE")
    (record,) = ask(amijson, sandbox, "ami", "status").doc["records"]
    assert (record["sip_peers_online"], record["sip_peers_offline"]) == (1, 2)
