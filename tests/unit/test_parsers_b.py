"""Parsers for pjsip endpoints/contacts/aors, sip show peers and queue show,
on the sandbox captures (-22) and on samples built from Asterisk's format
strings for other versions (see tests/data/cli/README.md)."""

import pathlib

import pytest

from amijson import parsers
from amijson.parsers import (
    pjsip_aors,
    pjsip_contacts,
    pjsip_endpoints,
    queue_show,
    sip_show_peers,
)

DATA = pathlib.Path(__file__).resolve().parent.parent / "data" / "cli"


def data(name):
    return (DATA / name).read_text()


def run(module, name, variant=None, text=None):
    warnings = []
    records = module.parse(data(name) if text is None else text, variant=variant, warnings=warnings)
    return records, warnings


# ---------------------------------------------------------------- registry


@pytest.mark.parametrize("command, module, variant", [
    ("pjsip show endpoints", "pjsip_endpoints", "show"),
    ("pjsip list endpoints", "pjsip_endpoints", "list"),
    ("pjsip show endpoints like 10", "pjsip_endpoints", "show"),
    ("pjsip show contacts", "pjsip_contacts", "default"),
    ("pjsip show aors", "pjsip_aors", "default"),
    ("sip show peers", "sip_show_peers", "default"),
    ("sip show peers like 10", "sip_show_peers", "like"),
    ("queue show", "queue_show", "default"),
    ("queue show support", "queue_show", "default"),
])
def test_registry_finds_these_parsers(command, module, variant):
    match = parsers.find(command)
    assert match.module.__name__ == "amijson.parsers." + module
    assert match.variant == variant


@pytest.mark.parametrize("module", [pjsip_endpoints, pjsip_contacts, pjsip_aors, sip_show_peers, queue_show])
def test_module_interface(module):
    assert module.__doc__ and "Example input" in module.__doc__ and "Example output" in module.__doc__
    assert isinstance(module.COMMANDS, dict) and module.COMMANDS
    assert module.parse("") == []


# ---------------------------------------------------------------- pjsip endpoints


def test_pjsip_show_endpoints_22():
    records, warnings = run(pjsip_endpoints, "pjsip-show-endpoints-22.txt", "show")
    assert warnings == []
    assert [r["endpoint"] for r in records] == ["101", "102", "103", "104"]
    first = records[0]
    assert first == {
        "endpoint": "101",
        "caller_id": "101",
        "state": "Not in use",
        "channels": 1,
        "max_channels": None,
        "aors": [{"aor": "101", "max_contacts": 1}],
        "auths": [],
        "contacts": [{"aor": "101", "uri": "sip:101@127.0.0.1:5070", "hash": "1042d25ffa",
                      "status": "NonQual", "rtt_ms": None}],
        "transports": [],
        "identifies": [],
        "channel_list": ["PJSIP/101-00000000"],
    }
    assert records[1]["contacts"][0]["uri"] == "sip:102@127.0.0.1:5072"
    assert records[2]["state"] == "Unavailable" and records[2]["contacts"] == []
    assert records[3]["caller_id"] is None
    assert records[3]["aors"] == [{"aor": "104", "max_contacts": 1}]


def test_pjsip_show_endpoints_variant_guessed_from_header():
    assert run(pjsip_endpoints, "pjsip-show-endpoints-22.txt")[0] == \
        run(pjsip_endpoints, "pjsip-show-endpoints-22.txt", "show")[0]
    assert "aors" not in run(pjsip_endpoints, "pjsip-list-endpoints-22.txt")[0][0]


def test_pjsip_list_endpoints_22():
    records, warnings = run(pjsip_endpoints, "pjsip-list-endpoints-22.txt", "list")
    assert warnings == []
    assert records == [
        {"endpoint": "101", "caller_id": "101", "state": "Not in use", "channels": 1, "max_channels": None},
        {"endpoint": "102", "caller_id": "102", "state": "Not in use", "channels": 0, "max_channels": None},
        {"endpoint": "103", "caller_id": "103", "state": "Unavailable", "channels": 0, "max_channels": None},
        {"endpoint": "104", "caller_id": None, "state": "Unavailable", "channels": 0, "max_channels": None},
    ]


def test_pjsip_show_endpoints_13_children_and_truncation():
    records, warnings = run(pjsip_endpoints, "pjsip-show-endpoints-13.txt", "show")
    assert [r["endpoint"] for r in records] == [
        "1001", "office-reception-desk-phone-east-wing-2nd-floor", "trunk-provider"]
    phone, office, trunk = records
    assert phone["state"] == "In use" and phone["channels"] == 1 and phone["max_channels"] == 2
    assert phone["auths"] == [{"direction": "in", "auth": "1001-auth", "username": "1001"}]
    assert phone["aors"] == [{"aor": "1001", "max_contacts": 2}]
    assert phone["contacts"] == [
        {"aor": "1001", "uri": "sip:1001@192.168.10.45:5060", "hash": "5c1e0b7f3a",
         "status": "Avail", "rtt_ms": 12.345},
        {"aor": "1001", "uri": "sip:1001@192.168.10.46:5062", "hash": "a07d9e4c21",
         "status": "Unavail", "rtt_ms": None},
    ]
    assert phone["transports"] == [{"transport": "transport-udp", "type": "udp", "cos": 0, "tos": 0,
                                    "bind_address": "0.0.0.0:5060"}]
    assert phone["channel_list"] == ["PJSIP/1001-0000000a"]
    # "office-reception-desk-phone-east-wing-2nd-floor/5551234" cut at 51.
    assert office["caller_id"] == "555" and office["max_channels"] is None
    assert office["aors"] == [{"aor": "office-reception-desk-phone-east-wing-2", "max_contacts": 1}]
    assert trunk["caller_id"] is None
    assert trunk["auths"] == [{"direction": "out", "auth": "trunk-auth", "username": "acct123"}]
    assert trunk["aors"] == [{"aor": "trunk-provider", "max_contacts": 0}]
    assert trunk["contacts"][0]["uri"] == "sip:sip.provider.example:50"
    assert trunk["contacts"][0]["rtt_ms"] == 23.456
    assert trunk["identifies"] == [{"identify": "trunk-identify", "endpoint": "trunk-provider",
                                    "match": ["203.0.113.0/24", "198.51.100.7/32"]}]
    assert warnings == [
        "records[1].caller_id may be truncated at 3 characters (fixed-width column)",
        "records[1].aors[0].aor may be truncated at 39 characters (fixed-width column)",
        "records[2].contacts[0].uri may be truncated at 27 characters (fixed-width column)",
    ]


def test_pjsip_endpoints_list_of_13_ignores_children():
    records, _ = run(pjsip_endpoints, "pjsip-show-endpoints-13.txt", "list")
    assert records[0] == {"endpoint": "1001", "caller_id": "1001", "state": "In use",
                          "channels": 1, "max_channels": 2}


def test_pjsip_endpoints_empty_and_no_warnings_list():
    assert pjsip_endpoints.parse("No objects found.\n\n", variant="show") == []
    assert pjsip_endpoints.parse("No objects found.", variant="list") == []
    assert pjsip_endpoints.parse("Unable to find object 999.\n\n", variant="show") == []


def test_pjsip_endpoints_without_final_newline_with_trailing_spaces_and_ansi():
    text = data("pjsip-list-endpoints-22.txt").rstrip("\n")
    text = "\n".join(line + "   " for line in text.splitlines())
    text = text.replace("Unavailable", "\x1b[1;31mUnavailable\x1b[0m")
    records, warnings = run(pjsip_endpoints, None, "list", text=text)
    assert len(records) == 4 and records[2]["state"] == "Unavailable"
    assert records[3]["channels"] == 0 and warnings == []


# ---------------------------------------------------------------- pjsip contacts / aors


def test_pjsip_show_contacts_22():
    records, warnings = run(pjsip_contacts, "pjsip-show-contacts-22.txt")
    assert warnings == []
    assert records == [
        {"aor": "101", "uri": "sip:101@127.0.0.1:5070", "hash": "1042d25ffa", "status": "NonQual", "rtt_ms": None},
        {"aor": "102", "uri": "sip:102@127.0.0.1:5072", "hash": "61bf0b0ab8", "status": "NonQual", "rtt_ms": None},
    ]


def test_pjsip_show_contacts_13_truncated_uri():
    records, warnings = run(pjsip_contacts, "pjsip-show-contacts-13.txt")
    assert [r["rtt_ms"] for r in records] == [12.345, None, 23.456]
    assert [r["status"] for r in records] == ["Avail", "Unavail", "Avail"]
    assert records[1]["uri"] == "sip:1001@192.168.10.46:5062;transport=udp"
    assert records[2] == {"aor": "trunk-provider", "uri": "sip:sip.provider.example:5060",
                          "hash": "e3b0c44298", "status": "Avail", "rtt_ms": 23.456}
    assert warnings == ["records[1].uri may be truncated at 41 characters (fixed-width column)"]


def test_pjsip_show_contacts_empty():
    assert run(pjsip_contacts, "pjsip-show-contacts-none-13.txt") == ([], [])


def test_pjsip_show_aors_22():
    records, warnings = run(pjsip_aors, "pjsip-show-aors-22.txt")
    assert warnings == []
    assert records == [
        {"aor": "101", "max_contacts": 1, "contacts": [
            {"uri": "sip:101@127.0.0.1:5070", "hash": "1042d25ffa", "status": "NonQual", "rtt_ms": None}]},
        {"aor": "102", "max_contacts": 1, "contacts": [
            {"uri": "sip:102@127.0.0.1:5072", "hash": "61bf0b0ab8", "status": "NonQual", "rtt_ms": None}]},
        {"aor": "103", "max_contacts": 1, "contacts": []},
        {"aor": "104", "max_contacts": 1, "contacts": []},
    ]


def test_pjsip_show_aors_empty_and_truncated():
    assert pjsip_aors.parse("No objects found.\n\n") == []
    header = data("pjsip-show-aors-22.txt").split("\n\n      Aor:")[0]
    long_id = "a-very-long-address-of-record-name-for-a-test"
    row = "%*s:  %-*.*s %12u" % (9, "Aor", 41, 41, long_id, 3)
    records, warnings = run(pjsip_aors, None, text=header + "\n\n" + row + "\n\nObjects found: 1\n")
    assert records == [{"aor": long_id[:41], "max_contacts": 3, "contacts": []}]
    assert warnings == ["records[0].aor may be truncated at 41 characters (fixed-width column)"]


# ---------------------------------------------------------------- sip show peers


def test_sip_show_peers_18():
    records, warnings = run(sip_show_peers, "sip-show-peers-18.txt")
    assert records == [
        {"name": "101", "username": "101", "host": "192.168.1.101", "dynamic": True,
         "force_rport": "Auto (No)", "comedia": "Auto (No)", "acl": False, "port": 5060,
         "status": "OK (12 ms)", "latency_ms": 12, "description": None, "realtime": None},
        {"name": "102", "username": "102", "host": None, "dynamic": True,
         "force_rport": "Auto (No)", "comedia": "Auto (No)", "acl": True, "port": None,
         "status": "UNKNOWN", "latency_ms": None, "description": "Reception desk", "realtime": None},
        {"name": "conference-room-east-wing", "username": None, "host": "10.0.0.5", "dynamic": False,
         "force_rport": "Yes", "comedia": "Yes", "acl": False, "port": 5060,
         "status": "Unmonitored", "latency_ms": None, "description": "Conference phone", "realtime": None},
        {"name": "trunk-provider", "username": None, "host": "203.0.113.10", "dynamic": False,
         "force_rport": "No", "comedia": "No", "acl": True, "port": 5060,
         "status": "LAGGED (2500 ms)", "latency_ms": 2500,
         "description": "Upstream SIP trunk, primary rout", "realtime": None},
    ]
    assert warnings == [
        "records[2].name may be truncated at 25 characters (fixed-width column)",
        "records[3].description may be truncated at 32 characters (fixed-width column)",
    ]


def test_sip_show_peers_realtime_column():
    records, _ = run(sip_show_peers, "sip-show-peers-realtime-18.txt", "like")
    assert [r["realtime"] for r in records] == [None, None, "Cached RT", None]
    assert records[3]["description"] == "Upstream SIP trunk, primary rout"
    assert records[2]["description"] == "Conference phone"


def test_sip_show_peers_no_peers_and_stripped_trailing_spaces():
    header = data("sip-show-peers-18.txt").splitlines()[0]
    text = header + "\n0 sip peers [Monitored: 0 online, 0 offline Unmonitored: 0 online, 0 offline]"
    assert sip_show_peers.parse(text) == []
    stripped = "\n".join(line.rstrip() for line in data("sip-show-peers-18.txt").splitlines())
    assert run(sip_show_peers, None, text=stripped)[0] == run(sip_show_peers, "sip-show-peers-18.txt")[0]


# ---------------------------------------------------------------- queue show

ALICE_22 = {
    "name": "Alice", "interface": "PJSIP/101", "state_interface": None, "status": "Not in use",
    "dynamic": False, "realtime": False, "in_call": False, "paused": False, "paused_reason": None,
    "paused_secs": None, "ringinuse": True, "penalty": None, "calls_taken": 0,
    "last_call_secs": None, "login_secs": 46,
}


def test_queue_show_22():
    records, warnings = run(queue_show, "queue-show-22.txt")
    assert warnings == []
    assert [r["queue"] for r in records] == ["sales", "support"]
    sales, support = records
    assert sales == {
        "queue": "sales", "calls": 0, "max_calls": None, "strategy": "leastrecent",
        "holdtime": 0, "talktime": 0, "weight": 0, "completed": 0, "abandoned": 0,
        "service_level_perf": 0.0, "service_level_perf2": 0.0, "service_level": 0,
        "members": [], "callers": [],
    }
    assert support["calls"] == 1 and support["strategy"] == "ringall"
    assert support["callers"] == [
        {"position": 1, "channel": "Local/queue@amijson-test-00000004;2", "wait": 2, "priority": 0}]
    assert [m["name"] for m in support["members"]] == ["Carol", "Alice"]
    assert support["members"][0]["status"] == "Unavailable"
    assert support["members"][1] == ALICE_22


def test_queue_show_support_22():
    records, warnings = run(queue_show, "queue-show-support-22.txt")
    assert warnings == [] and len(records) == 1
    assert records[0]["callers"] == [
        {"position": 1, "channel": "Local/queue@amijson-test-00000004;2", "wait": 2, "priority": 0}]
    alice = records[0]["members"][1]
    assert (alice["name"], alice["interface"], alice["status"]) == ("Alice", "PJSIP/101", "Not in use")


def test_queue_show_no_such_queue_and_no_queues():
    assert run(queue_show, "queue-show-nosuch-22.txt") == ([], [])
    assert run(queue_show, "queue-show-noqueues-13.txt") == ([], [])


def test_queue_show_13_without_sl2():
    records, warnings = run(queue_show, "queue-show-13.txt")
    assert warnings == []
    support, sales = records
    assert (support["max_calls"], support["strategy"], support["holdtime"], support["talktime"]) == \
        (10, "rrmemory", 12, 95)
    assert (support["completed"], support["abandoned"], support["service_level_perf"],
            support["service_level_perf2"], support["service_level"]) == (14, 2, 85.7, None, 60)
    bob, carol, sip202 = support["members"]
    assert bob == {
        "name": "Bob", "interface": "SIP/201", "state_interface": None, "status": "In use",
        "dynamic": True, "realtime": False, "in_call": False, "paused": True, "paused_reason": None,
        "paused_secs": None, "ringinuse": False, "penalty": 2, "calls_taken": 5,
        "last_call_secs": 130, "login_secs": None,
    }
    assert (carol["interface"], carol["state_interface"], carol["calls_taken"]) == \
        ("Local/300@agents/n", "SIP/300", 0)
    assert (sip202["name"], sip202["interface"], sip202["realtime"], sip202["status"]) == \
        ("SIP/202", "SIP/202", True, "Unavailable")
    assert support["callers"] == [
        {"position": 1, "channel": "SIP/trunk-00000012", "wait": 65, "priority": 0},
        {"position": 2, "channel": "SIP/trunk-00000013", "wait": 9, "priority": 5},
    ]
    assert sales["members"] == [] and sales["service_level_perf2"] is None


def test_queue_show_with_ansi_colour():
    text = data("queue-show-color-18.txt")
    assert "\x1b[1;32;40mNot in use\x1b[0m" in text
    records, warnings = run(queue_show, None, text=text)
    assert warnings == []
    support = records[1]
    assert (support["service_level_perf"], support["service_level_perf2"], support["weight"]) == (91.7, 88.2, 2)
    alice, bob, carol, pjsip104 = support["members"]
    assert (alice["status"], alice["calls_taken"], alice["last_call_secs"], alice["login_secs"]) == \
        ("Not in use", 12, 305, 7200)
    assert bob["state_interface"] == "Custom:bob" and bob["penalty"] == 1
    assert bob["dynamic"] and bob["in_call"] and bob["ringinuse"] is False and bob["status"] == "In use"
    assert carol["paused"] and carol["paused_reason"] == "Lunch break" and carol["paused_secs"] == 600
    assert carol["dynamic"] and carol["status"] == "Not in use"
    assert pjsip104["realtime"] and pjsip104["interface"] == "PJSIP/104" and pjsip104["status"] == "Unavailable"
    assert [c["wait"] for c in support["callers"]] == [65, 9]
    assert support["callers"][1]["priority"] == 10


def test_queue_show_colourless_equals_coloured_after_stripping():
    import re

    text = data("queue-show-color-18.txt")
    assert queue_show.parse(re.sub(r"\x1b\[[0-9;]*m", "", text)) == queue_show.parse(text)


def test_queue_show_no_final_newline_trailing_spaces():
    text = data("queue-show-support-22.txt").rstrip("\n")
    text = "\n".join(line + "  " for line in text.splitlines())
    records = queue_show.parse(text)
    assert records[0]["members"][1] == ALICE_22
    assert records[0]["callers"][0]["wait"] == 2


def test_queue_show_penalty_in_parentheses_and_paused_without_reason():
    line = "      Dave (PJSIP/105) (with penalty 3) (ringinuse enabled) (paused was 12 secs ago) (Busy) has taken no calls yet"
    text = ("q has 0 calls (max unlimited) in 'ringall' strategy (0s holdtime, 0s talktime), "
            "W:0, C:0, A:0, SL:0.0%, SL2:0.0% within 0s\n   Members: \n" + line + "\n   No Callers\n")
    member = queue_show.parse(text)[0]["members"][0]
    assert (member["penalty"], member["paused"], member["paused_reason"], member["paused_secs"], member["status"]) == \
        (3, True, None, 12, "Busy")


def test_queue_service_level_reads_alike_from_ami_and_cli():
    # One reading of the field on both routes; JSON has no NaN for it to become.
    from amijson.parsers.columns import float_or_none
    from amijson.queries import queues_from_events
    assert [float_or_none(t) for t in ("87.5", "0.0", "nan", "", None, "n/a")] == [87.5, 0.0, None, None, None, None]
    params = {"Event": "QueueParams", "Queue": "q1", "Max": "0", "ServicelevelPerf": "nan"}
    assert queues_from_events([params])[0]["service_level_perf"] is None
    params["ServicelevelPerf"] = "87.5"
    assert queues_from_events([params])[0]["service_level_perf"] == 87.5
