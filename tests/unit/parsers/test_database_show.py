"""'database show'.

Samples: tests/data/cli/ (cli_samples.py reads them)."""

from amijson.parsers import database_show

from cli_samples import run


def test_database_22():
    records, warnings = run(database_show, "database-show-22.txt")
    assert records == [
        {"key": "/amijson/cidname/5555678", "family": "amijson/cidname", "name": "5555678", "value": "Bob"},
        {"key": "/amijson/test/greeting", "family": "amijson/test", "name": "greeting", "value": "hello"},
        {"key": "/pbx/UUID", "family": "pbx", "name": "UUID", "value": "6acf062f-0ae0-490e-a7b8-c1ecfb745599"},
    ]
    assert warnings == []


def test_database_13_odd_keys():
    records, _ = run(database_show, "database-show-13.txt")
    assert len(records) == 4
    assert records[0]["value"] == "10.0.0.5:5060:3600:alice:sip:alice@10.0.0.5"
    assert records[0]["family"] == "SIP/Registry"
    assert records[1]["value"] == ""
    assert records[2] == {"key": "/odd/key: with colon", "family": "odd", "name": "key: with colon", "value": "v: 1"}
    assert records[3]["key"] == "/dundi/cache/hint/e164/0000000000000000000000000000000000000000"
    assert records[3]["family"] == "dundi/cache/hint/e164"
    assert records[3]["value"] == "1600000000"


def test_database_empty():
    assert run(database_show, None, text="0 results found.\n") == ([], [])


def test_database_16():
    # Asterisk 16.28 (real capture): values padded to 25 with spaces, a value that looks like a number.
    records, warnings = run(database_show, "database-show-16.txt")
    assert warnings == []
    assert [r["key"] for r in records] == [
        "/amijson/cidname/5551234", "/amijson/cidname/5555678", "/amijson/test/extension",
        "/amijson/test/greeting", "/pbx/UUID"]
    assert records[0] == {"key": "/amijson/cidname/5551234", "family": "amijson/cidname", "name": "5551234",
                          "value": "Alice Example"}
    assert records[2]["value"] == "0123"  # stays a string, leading zero kept
    assert records[4] == {"key": "/pbx/UUID", "family": "pbx", "name": "UUID",
                          "value": "747ca4f2-9539-42d2-ad11-f2f0a86f6c8b"}
