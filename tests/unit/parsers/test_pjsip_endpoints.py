"""'pjsip show endpoints' (with its child objects) and 'pjsip list endpoints'.

Samples: tests/data/cli/ (cli_samples.py reads them)."""

from amijson.parsers import pjsip_endpoints

from cli_samples import read, run


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


# pjsip list endpoints on the sandbox, as both releases list it (101 in a call).
LISTED_ENDPOINTS = [
    {"endpoint": "101", "caller_id": "101", "state": "Not in use", "channels": 1, "max_channels": None},
    {"endpoint": "102", "caller_id": "102", "state": "Not in use", "channels": 0, "max_channels": None},
    {"endpoint": "103", "caller_id": "103", "state": "Unavailable", "channels": 0, "max_channels": None},
    {"endpoint": "104", "caller_id": None, "state": "Unavailable", "channels": 0, "max_channels": None},
]


def test_pjsip_list_endpoints_22():
    records, warnings = run(pjsip_endpoints, "pjsip-list-endpoints-22.txt", "list")
    assert warnings == []
    assert records == LISTED_ENDPOINTS


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
    text = read("pjsip-list-endpoints-22.txt").rstrip("\n")
    text = "\n".join(line + "   " for line in text.splitlines())
    text = text.replace("Unavailable", "\x1b[1;31mUnavailable\x1b[0m")
    records, warnings = run(pjsip_endpoints, None, "list", text=text)
    assert len(records) == 4 and records[2]["state"] == "Unavailable"
    assert records[3]["channels"] == 0 and warnings == []


def test_pjsip_show_endpoints_16_nan_rtt():
    # Asterisk 16.28 (real capture): the same layout as 22, but an unqualified contact's RTT is
    # "nan" where 22 prints "-nan"; both are "no RTT".
    text = read("pjsip-show-endpoints-16.txt")
    assert "NonQual         nan\n" in text
    records, warnings = run(pjsip_endpoints, "pjsip-show-endpoints-16.txt", "show")
    assert warnings == []
    assert [(r["endpoint"], r["caller_id"], r["state"], r["channels"]) for r in records] == [
        ("101", "101", "Not in use", 1), ("102", "102", "Not in use", 0),
        ("103", "103", "Unavailable", 0), ("104", None, "Unavailable", 0)]
    assert records[0]["contacts"] == [{"aor": "101", "uri": "sip:101@127.0.0.1:5070", "hash": "1042d25ffa",
                                       "status": "NonQual", "rtt_ms": None}]
    assert records[0]["channel_list"] == ["PJSIP/101-00000000"]
    assert records[1]["contacts"][0]["hash"] == "61bf0b0ab8" and records[1]["contacts"][0]["rtt_ms"] is None
    assert [r["aors"] for r in records] == [[{"aor": a, "max_contacts": 1}] for a in ("101", "102", "103", "104")]
    assert all(r["max_channels"] is None and r["auths"] == [] == r["transports"] == r["identifies"]
               for r in records)
    # the variant is told from the header on 16 too, and the records are 22's
    assert run(pjsip_endpoints, "pjsip-show-endpoints-16.txt")[0] == records
    assert records == run(pjsip_endpoints, "pjsip-show-endpoints-22.txt", "show")[0]


def test_pjsip_list_endpoints_16():
    records, warnings = run(pjsip_endpoints, "pjsip-list-endpoints-16.txt", "list")
    assert warnings == []
    assert records == LISTED_ENDPOINTS
    assert run(pjsip_endpoints, "pjsip-list-endpoints-16.txt")[0] == records  # variant from the header
