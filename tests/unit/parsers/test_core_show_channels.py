"""'core show channels' in its default, concise, verbose and count forms, Asterisk 1.6 to 22.

Samples: tests/data/cli/ (cli_samples.py reads them)."""

from amijson.parsers import core_show_channels

from cli_samples import BANG, BRIDGE, by, run


def test_channels_default_22():
    records, warnings = run(core_show_channels, "core-show-channels-22.txt", "default")
    assert len(records) == 13  # trailers are not records
    first = records[0]
    assert first == {
        "channel": "Local/wait@amijson-test-00000005;1",
        "location": None,
        "context": None,
        "extension": None,
        "priority": None,
        "state": "Up",
        "application": "AppDial",
        "data": "(Outgoing Line)",
    }
    wait = records[1]
    assert wait["location"] == "wait@amijson-test:2"
    assert (wait["extension"], wait["context"], wait["priority"]) == ("wait", "amijson-test", 2)
    assert (wait["application"], wait["data"]) == ("Wait", "36000")
    pjsip = by(records, "channel", "PJSIP/101-00000000")
    assert pjsip["state"] == "Down"
    assert pjsip["application"] is None and pjsip["data"] is None
    bang = by(records, "channel", BANG)
    assert bang["application"] == "Dial"
    assert bang["data"] == "Local/wait@amijson-test,,"  # cut at 30 by Asterisk
    assert warnings == [
        "records[9].data may be truncated at 30 characters (fixed-width column); "
        "use 'core show channels concise'"
    ]


def test_channels_default_13_old_layout_truncation():
    records, warnings = run(core_show_channels, "core-show-channels-13.txt", "default")
    assert len(records) == 4
    assert records[0] == {
        "channel": "SIP/alice-0000000a",
        "location": "s@from-internal:3",
        "context": "from-internal",
        "extension": "s",
        "priority": 3,
        "state": "Up",
        "application": "Dial",
        "data": "SIP/bob,30,tT",
    }
    assert records[1]["channel"] == "PJSIP/very-long-endp"
    assert records[1]["location"] is None and records[1]["application"] is None
    assert records[2]["channel"] == "Local/1000@from-inte"
    assert records[2]["priority"] == 1
    assert (records[2]["application"], records[2]["data"]) == ("AppDial", "(Outgoing Line)")
    assert (records[3]["application"], records[3]["data"]) == ("Wait", "")
    assert (
        "records[1].channel may be truncated at 20 characters (fixed-width column); "
        "use 'core show channels concise'" in warnings
    )
    assert any(w.startswith("records[2].channel may be truncated at 20") for w in warnings)
    assert not any(w.startswith("records[0].") for w in warnings)


def test_channels_default_empty():
    records, warnings = run(core_show_channels, "core-show-channels-empty-13.txt", "default")
    assert records == [] and warnings == []


def test_channels_default_ansi_no_final_newline_trailing_spaces():
    text = (
        "\x1b[1mChannel\x1b[0m              Location             State   Application(Data)\n"
        "SIP/a-00000001       s@default:1          \x1b[32mUp\x1b[0m      Echo()   \n"
        "1 active channel\n1 active call\n1 call processed"
    )
    records, warnings = run(core_show_channels, None, "default", text=text)
    assert records == [
        {
            "channel": "SIP/a-00000001",
            "location": "s@default:1",
            "context": "default",
            "extension": "s",
            "priority": 1,
            "state": "Up",
            "application": "Echo",
            "data": "",
        }
    ]
    assert warnings == []


def test_channels_concise_22_bang_in_data():
    records, warnings = run(core_show_channels, "core-show-channels-concise-22.txt", "concise")
    assert len(records) == 13
    bang = by(records, "channel", BANG)
    assert bang == {
        "channel": BANG,
        "context": "amijson-test",
        "extension": "bang",
        "priority": 2,
        "state": "Up",
        "application": "Dial",
        "data": "Local/wait@amijson-test,,,x!y!z",
        "caller_id_num": "",
        "account_code": "",
        "peer_account": "",
        "ama_flags": 3,
        "duration": 1,
        "bridge_id": BRIDGE,
        "uniqueid": "1795680213.5",
    }
    appdial = records[0]
    assert appdial["extension"] == "" and appdial["caller_id_num"] == "bang"
    assert appdial["data"] == "(Outgoing Line)" and appdial["bridge_id"] == BRIDGE
    pjsip = by(records, "channel", "PJSIP/101-00000000")
    assert pjsip["application"] is None and pjsip["data"] == ""
    assert pjsip["caller_id_num"] == "101" and pjsip["bridge_id"] == ""
    assert all(isinstance(r["priority"], int) and isinstance(r["duration"], int) for r in records)
    assert all("bridged_channel" not in r for r in records)
    assert warnings == []


def test_channels_concise_13():
    records, warnings = run(core_show_channels, "core-show-channels-concise-13.txt", "concise")
    assert len(records) == 4
    assert records[0]["account_code"] == "sales" and records[0]["peer_account"] == "support"
    assert records[0]["duration"] == 125
    assert records[0]["bridge_id"] == "0b9c1f5e-2f4d-4d0a-9c5e-8f0e1a2b3c4d"
    assert records[2]["data"] == "hello!world!again"
    assert records[2]["duration"] is None  # "-"
    assert records[2]["uniqueid"] == "1600000000.30"
    assert records[3]["application"] is None
    assert records[3]["context"] == "" and records[3]["bridge_id"] == ""
    assert warnings == []


def test_channels_concise_11_bridged_channel():
    records, _ = run(core_show_channels, "core-show-channels-concise-11.txt", "concise")
    assert [r["bridged_channel"] for r in records] == ["SIP/bob-0000000b", "SIP/alice-0000000a", None]
    assert all("bridge_id" not in r for r in records)
    assert records[2]["data"] == "x!y,,1"
    assert records[2]["peer_account"] == ""
    assert records[2]["duration"] == 7


def test_channels_concise_16_thirteen_fields():
    records, _ = run(core_show_channels, "core-show-channels-concise-1.6.txt", "concise")
    assert len(records) == 3
    assert records[0]["peer_account"] is None
    assert records[0]["account_code"] == "acct1"
    assert records[0]["bridged_channel"] == "SIP/bob-0000000b"
    assert records[0]["duration"] == 61
    zap = records[2]
    assert zap["data"] == "a!b"
    assert (zap["caller_id_num"], zap["account_code"], zap["ama_flags"]) == ("", "", 3)
    assert zap["duration"] is None and zap["bridged_channel"] is None
    assert zap["uniqueid"] == "1300000000.3"


def test_channels_concise_empty():
    assert run(core_show_channels, None, "concise", text="")[0] == []
    assert run(core_show_channels, None, "concise", text="\n")[0] == []


def test_channels_verbose_22():
    records, warnings = run(core_show_channels, "core-show-channels-verbose-22.txt", "verbose")
    assert len(records) == 13
    assert records[0] == {
        "channel": "Local/wait@amijson-test-00000005;1",
        "context": "amijson-test",
        "extension": "",
        "priority": 1,
        "state": "Up",
        "application": "AppDial",
        "data": "(Outgoing Line)",
        "caller_id_num": "bang",
        "duration": 1,
        "account_code": "",
        "peer_account": "",
        "bridge_id": "6312365e-e6b8-472c-a",
    }
    pjsip = by(records, "channel", "PJSIP/101-00000000")
    assert pjsip["data"] == ""  # (Empty)
    assert pjsip["application"] is None
    assert pjsip["caller_id_num"] == "101"
    bang = by(records, "channel", BANG)
    assert bang["data"] == "Local/wait@amijson-test,,"
    assert "records[0].bridge_id may be truncated at 20 characters (fixed-width column); use 'core show channels concise'" in warnings
    assert "records[9].data may be truncated at 25 characters (fixed-width column); use 'core show channels concise'" in warnings
    assert len(warnings) == 3


def test_channels_verbose_13():
    records, warnings = run(core_show_channels, "core-show-channels-verbose-13.txt", "verbose")
    assert len(records) == 3
    assert records[0]["duration"] == 125
    assert records[0]["priority"] == 3
    assert records[0]["account_code"] == "sales" and records[0]["peer_account"] == "support"
    assert records[0]["bridge_id"] == "0b9c1f5e-2f4d-4d0a-9"
    assert records[1]["channel"] == "PJSIP/very-long-endp"
    assert records[1]["priority"] == 12 and records[1]["duration"] == 3601
    assert records[1]["data"] == ""
    assert records[2]["application"] is None and records[2]["duration"] is None
    assert records[2]["context"] == ""
    assert any(w.startswith("records[0].bridge_id may be truncated at 20") for w in warnings)
    assert any(w.startswith("records[1].channel may be truncated at 20") for w in warnings)


def test_channels_verbose_11_bridged_to():
    records, _ = run(core_show_channels, "core-show-channels-verbose-11.txt", "verbose")
    assert records[0]["bridged_channel"] == "SIP/bob-0000000b"
    assert records[1]["bridged_channel"] is None
    assert records[1]["data"] is None  # (None)
    assert all("bridge_id" not in r for r in records)


def test_channels_verbose_16_no_peeraccount():
    records, _ = run(core_show_channels, "core-show-channels-verbose-1.6.txt", "verbose")
    assert records[0]["account_code"] == "acct1"
    assert records[0]["peer_account"] is None
    assert records[0]["bridged_channel"] == "SIP/bob-0000000b"
    assert records[0]["duration"] == 61
    assert records[1]["data"] == "a!b" and records[1]["duration"] is None


def test_channels_count():
    assert run(core_show_channels, "core-show-channels-count-22.txt", "count")[0] == [
        {"active_channels": 13, "active_calls": 6, "max_calls": None, "calls_processed": 6}
    ]
    assert run(core_show_channels, "core-show-channels-count-13.txt", "count")[0] == [
        {"active_channels": 4, "active_calls": 2, "max_calls": 100, "calls_processed": 15}
    ]
    zero = "0 active channels\n0 active calls\n0 calls processed"
    assert run(core_show_channels, None, "count", text=zero)[0] == [
        {"active_channels": 0, "active_calls": 0, "max_calls": None, "calls_processed": 0}
    ]


def test_channels_no_table_warns():
    records, warnings = run(core_show_channels, None, "default", text="No such command 'core show chanels'\n")
    assert records == [] and len(warnings) == 1
