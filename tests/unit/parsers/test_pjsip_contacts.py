"""'pjsip show contacts'.

Samples: tests/data/cli/ (cli_samples.py reads them)."""

from amijson.parsers import pjsip_contacts

from cli_samples import read, run


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


def test_pjsip_show_contacts_16_nan_rtt():
    # Asterisk 16.28 (real capture): RTT "nan" (22: "-nan") is no RTT.
    assert "NonQual         nan\n" in read("pjsip-show-contacts-16.txt")
    assert run(pjsip_contacts, "pjsip-show-contacts-16.txt") == ([
        {"aor": "101", "uri": "sip:101@127.0.0.1:5070", "hash": "1042d25ffa", "status": "NonQual", "rtt_ms": None},
        {"aor": "102", "uri": "sip:102@127.0.0.1:5072", "hash": "61bf0b0ab8", "status": "NonQual", "rtt_ms": None},
    ], [])
