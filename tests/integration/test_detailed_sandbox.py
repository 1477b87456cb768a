"""The endpoints and contacts queries (amijson/detailed.py, amijson/pjsip.py): whole names over
AMI and HTTP (PJSIPShowEndpoints, then PJSIPShowEndpoint for each endpoint, in one session), the
CLI table on rx, which alone cuts a long name and says so; the same records otherwise.

The sandbox's own endpoints (101 to 104) have short names. These tests add two for their own
time and put the configuration back afterwards:
- a trunk whose name (45 characters), caller ID number (14) and contact URI are past the CLI's
  columns; its static contact is not qualified (NonQual) and points at a UDP socket the test holds
  and never reads, so a call to it stays up (its INVITE is retried for 32 s, unanswered);
- an endpoint whose contact is qualified every second against the sandbox's own SIP port, which
  answers: Avail, with a round trip time in milliseconds.
"""

import pathlib
import re
import socket
import time

import pytest

from conftest import via_http

TRUNK = "trunk-carrier-with-a-long-pjsip-endpoint-name"
QUALIFIED = "qualified-aor-with-a-rather-long-name"
NUMBER = "+4930123456789"
ROUTES = ("ami", "http", "rx")

CONFIG = """
; amijson tests/integration/test_detailed_sandbox.py: long names, past the CLI's columns
[{trunk}](phone)
aors = {trunk}
callerid = "Carrier" <{number}>
[{trunk}]
type = aor
contact = sip:{trunk}@127.0.0.1:{silent}
[{qualified}](phone)
aors = {qualified}
[{qualified}]
type = aor
contact = sip:{qualified}@127.0.0.1:{own}
qualify_frequency = 1
"""


def ask(amijson, sandbox, route, *args):
    options = {"ami": ("--via", "ami"), "http": via_http(sandbox), "rx": ("--via", "rx")}[route]
    run = amijson(*options, *args, env={"AMIJSON_ASTERISK": sandbox["AMIJSON_ASTERISK"]})
    assert run.returncode == 0 and run.doc["ok"] and run.doc["route"] == route, run.doc
    return run.doc


@pytest.fixture
def long_names(sandbox):
    """The two endpoints above, and the silent socket the trunk's contact points at."""
    conf = pathlib.Path(sandbox["AMIJSON_SANDBOX_ROOT"]) / "etc/asterisk/pjsip.conf"
    original = conf.read_text()
    own = re.search(r"^bind = 127\.0\.0\.1:(\d+)$", original, re.M).group(1)
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))

    def contacts():
        return sandbox.cmd("rx", "pjsip show contacts").stdout

    try:
        conf.write_text(original + CONFIG.format(trunk=TRUNK, number=NUMBER, qualified=QUALIFIED,
                                                 silent=silent.getsockname()[1], own=own))
        sandbox.cmd("rx", "module reload res_pjsip.so")
        deadline = time.monotonic() + 15
        while not re.search(r"%s/\S* +\S+ Avail " % re.escape(QUALIFIED), contacts()):
            assert time.monotonic() < deadline, "the qualified contact never turned Avail:\n" + contacts()
            time.sleep(0.2)
        yield
    finally:
        sandbox.cmd("hangup", check=False)
        conf.write_text(original)
        sandbox.cmd("rx", "module reload res_pjsip.so")
        silent.close()


def cut(whole, printed):
    """True when the CLI printed ``whole`` cut at its column (a prefix of it, or nothing)."""
    return printed is None or (whole.startswith(printed) and len(printed) < len(whole))


def test_endpoints_whole_over_ami_and_http_cut_only_on_rx(amijson, sandbox, long_names):
    docs = {route: ask(amijson, sandbox, route, "endpoints") for route in ROUTES}
    for route in ("ami", "http"):
        doc = docs[route]
        assert [part["action"] for part in doc["request"]["parts"]] == ["PJSIPShowEndpoints"]
        assert doc["warnings"] == [], (route, doc["warnings"])
    assert docs["rx"]["request"]["command"] == "pjsip show endpoints"
    ami, http, rx = (docs[route]["records"] for route in ROUTES)
    assert ami == http
    names = [r["endpoint"] for r in ami]
    assert names == ["101", "102", "103", "104", QUALIFIED, TRUNK] == [r["endpoint"] for r in rx]
    trunk = ami[-1]
    assert trunk == {"endpoint": TRUNK, "state": "Not in use", "channels": 0, "caller_id": NUMBER, "aors": [TRUNK],
                     "contacts": ["sip:%s@127.0.0.1:%s" % (TRUNK, trunk["contacts"][0].rsplit(":", 1)[1])]}
    # rx: the CLI's "Endpoint/CID" column cuts the caller ID, its Aor column the AOR's name;
    # each is named in a warning, and nothing else differs
    rx_trunk = rx[-1]
    assert cut(NUMBER, rx_trunk["caller_id"]) and cut(TRUNK, rx_trunk["aors"][0])
    assert "records[5].caller_id may be truncated at %d characters (fixed-width column)" % len(
        rx_trunk["caller_id"]) in docs["rx"]["warnings"]
    assert any(w.startswith("records[5].aors[0].aor may be truncated") for w in docs["rx"]["warnings"])
    assert dict(rx_trunk, caller_id=NUMBER, aors=[TRUNK]) == trunk
    assert rx[:-1][:4] == ami[:4] and rx[4]["endpoint"] == ami[4]["endpoint"]
    assert rx[4]["state"] == ami[4]["state"] and rx[4]["caller_id"] is ami[4]["caller_id"] is None
    assert cut(ami[4]["contacts"][0], rx[4]["contacts"][0])


def test_contacts_whole_over_ami_and_http_cut_only_on_rx(amijson, sandbox, long_names):
    docs = {route: ask(amijson, sandbox, route, "contacts") for route in ROUTES}
    for route in ("ami", "http"):
        assert docs[route]["warnings"] == [], (route, docs[route]["warnings"])
    ami, http, rx = (docs[route]["records"] for route in ROUTES)
    assert [r["aor"] for r in ami] == [r["aor"] for r in http] == [r["aor"] for r in rx] == \
        ["101", "102", QUALIFIED, TRUNK]  # the CLI's order (aor/uri) on every route
    for records in (ami, http, rx):
        qualified = records[2]
        assert qualified["status"] == "Avail" and isinstance(qualified["rtt_ms"], float), records
        assert [r["status"] for r in records] == ["NonQual", "NonQual", "Avail", "NonQual"]
        assert [r["rtt_ms"] for r in records[:2] + records[3:]] == [None] * 3
    assert [r["uri"] for r in ami] == [r["uri"] for r in http]
    assert ami[2]["uri"] == "sip:%s@127.0.0.1:%s" % (QUALIFIED, ami[2]["uri"].rsplit(":", 1)[1])
    assert ami[3]["uri"].startswith("sip:%s@127.0.0.1:" % TRUNK)
    # rx: the URI column's width is what the AOR's name leaves; both long ones are cut, and said
    assert rx[:2] == [dict(r, rtt_ms=None) for r in ami[:2]]
    for index in (2, 3):
        assert cut(ami[index]["uri"], rx[index]["uri"]), rx[index]
        assert any(w.startswith("records[%d].uri may be truncated" % index) for w in docs["rx"]["warnings"])


def test_a_call_counts_on_its_endpoint_on_every_route(amijson, sandbox, long_names):
    """Asterisk 22 gives an endpoint's channel count in PJSIPShowEndpoints; 16 leaves it empty, and
    amijson counts the endpoint's channels from CoreShowChannels in the same session."""
    started = amijson("--no-wait", "action", "Originate", "Channel=PJSIP/" + TRUNK, "Application=Wait",
                      "Data=60", "Async=true")
    assert started.doc["ok"], started.doc
    deadline = time.monotonic() + 10
    while not any(r["Channel"].startswith("PJSIP/%s-" % TRUNK)
                  for r in amijson("action", "CoreShowChannels").doc["records"]):
        assert time.monotonic() < deadline, "the call to the trunk never started"
        time.sleep(0.2)
    for route in ROUTES:
        (trunk,) = ask(amijson, sandbox, route, "endpoints", "trunk-*")["records"]
        assert trunk["channels"] == 1, (route, trunk)
        assert trunk["state"] != "Unavailable", (route, trunk)
    others = ask(amijson, sandbox, "ami", "endpoints", "10?")["records"]
    assert [r["channels"] for r in others] == [0, 0, 0, 0]
