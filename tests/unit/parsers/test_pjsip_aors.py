"""'pjsip show aors'.

Samples: tests/data/cli/ (cli_samples.py reads them)."""

from amijson.parsers import pjsip_aors

from cli_samples import read, run


# The sandbox's AORs, as both releases show them: 101 and 102 with a static contact.
SANDBOX_AORS = [
    {"aor": "101", "max_contacts": 1, "contacts": [
        {"uri": "sip:101@127.0.0.1:5070", "hash": "1042d25ffa", "status": "NonQual", "rtt_ms": None}]},
    {"aor": "102", "max_contacts": 1, "contacts": [
        {"uri": "sip:102@127.0.0.1:5072", "hash": "61bf0b0ab8", "status": "NonQual", "rtt_ms": None}]},
    {"aor": "103", "max_contacts": 1, "contacts": []},
    {"aor": "104", "max_contacts": 1, "contacts": []},
]


def test_pjsip_show_aors_22():
    records, warnings = run(pjsip_aors, "pjsip-show-aors-22.txt")
    assert warnings == []
    assert records == SANDBOX_AORS


def test_pjsip_show_aors_empty_and_truncated():
    assert pjsip_aors.parse("No objects found.\n\n") == []
    header = read("pjsip-show-aors-22.txt").split("\n\n      Aor:")[0]
    long_id = "a-very-long-address-of-record-name-for-a-test"
    row = "%*s:  %-*.*s %12u" % (9, "Aor", 41, 41, long_id, 3)
    records, warnings = run(pjsip_aors, None, text=header + "\n\n" + row + "\n\nObjects found: 1\n")
    assert records == [{"aor": long_id[:41], "max_contacts": 3, "contacts": []}]
    assert warnings == ["records[0].aor may be truncated at 41 characters (fixed-width column)"]


def test_pjsip_show_aors_16_nan_rtt():
    # Asterisk 16.28 (real capture): RTT "nan" (22: "-nan") is no RTT.
    assert "NonQual         nan\n" in read("pjsip-show-aors-16.txt")
    assert run(pjsip_aors, "pjsip-show-aors-16.txt") == (SANDBOX_AORS, [])
