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


# Asterisk 16.28 (real captures): the same calls as the 22 captures, in 16's layout.
BANG_16 = "Local/bang@amijson-test-00000002;2"
BRIDGE_16 = "983c2c15-36ae-47e0-9749-f8cb16d23591"
CUT = " may be truncated at %d characters (fixed-width column); use 'core show channels concise'"


def test_channels_default_16_columns_cut_at_20():
    # 16 cuts channel, location and application(data) (%-20.20s %-20.20s %-7.7s %-30.30s); 22 widens them.
    records, warnings = run(core_show_channels, "core-show-channels-16.txt", "default")
    assert len(records) == 13  # "13 active channels", trailers not records
    assert records[0] == {
        "channel": "PJSIP/101-00000000", "location": "s@amijson-test:1", "context": "amijson-test",
        "extension": "s", "priority": 1, "state": "Down", "application": None, "data": None,
    }
    bang = records[2]
    assert (bang["channel"], bang["location"], bang["priority"]) == ("Local/bang@amijson-t", "bang@amijson-test:2", 2)
    assert (bang["application"], bang["data"]) == ("Dial", "Local/wait@amijson-test,,")
    assert records[4]["location"] == "queue@amijson-test:2" and records[4]["data"] == "support"
    appdial = records[5]  # location (None)
    assert (appdial["location"], appdial["context"], appdial["extension"], appdial["priority"]) == (None,) * 4
    assert (appdial["application"], appdial["data"]) == ("AppDial", "(Outgoing Line)")
    latin1 = records[7]  # "latin1@amijson-test:3" cut at 20: the priority is lost, the context is whole
    assert (latin1["location"], latin1["context"], latin1["extension"], latin1["priority"]) == \
        ("latin1@amijson-test:", "amijson-test", "latin1", None)
    # every channel but the PJSIP one is cut at 20; a location of 20 characters may be cut too
    assert "records[0].channel" + CUT % 20 not in warnings
    for i in range(1, 13):
        assert "records[%d].channel" % i + CUT % 20 in warnings
    assert "records[2].data" + CUT % 30 in warnings
    assert ["records[%d].location" % i + CUT % 20 for i in (3, 4, 7, 8)] == \
        [w for w in warnings if ".location " in w]
    assert len(warnings) == 12 + 1 + 4


def test_channels_concise_16_is_whole_where_default_cuts():
    records, warnings = run(core_show_channels, "core-show-channels-concise-16.txt", "concise")
    assert warnings == [] and len(records) == 13
    assert records[2] == {
        "channel": BANG_16, "context": "amijson-test", "extension": "bang", "priority": 2, "state": "Up",
        "application": "Dial", "data": "Local/wait@amijson-test,,,x!y!z", "caller_id_num": "",
        "account_code": "", "peer_account": "", "ama_flags": 3, "duration": 3, "bridge_id": BRIDGE_16,
        "uniqueid": "1796094986.5",
    }
    pjsip = records[0]
    assert (pjsip["application"], pjsip["data"], pjsip["caller_id_num"], pjsip["bridge_id"]) == (None, "", "101", "")
    assert [r["uniqueid"] for r in records if r["bridge_id"] == BRIDGE_16] == ["1796094986.5", "1796094986.6"]
    # the same channels in the same order as the default layout, which cuts their names at 20
    default, _ = run(core_show_channels, "core-show-channels-16.txt", "default")
    assert [r["channel"][:20] for r in records] == [r["channel"] for r in default]
    # where the default layout knows the priority (not for AppDial's "(None)" location, nor for
    # the two latin1 locations cut before it), it is concise's
    known = [(c["priority"], d["priority"]) for c, d in zip(records, default) if d["priority"] is not None]
    assert len(known) == 10 and all(c == d for c, d in known)
    assert [records[i]["priority"] for i in (5, 7, 8)] == [1, 3, 1]


def test_channels_verbose_16():
    records, warnings = run(core_show_channels, "core-show-channels-verbose-16.txt", "verbose")
    assert len(records) == 13
    assert records[0] == {
        "channel": "PJSIP/101-00000000", "context": "amijson-test", "extension": "s", "priority": 1,
        "state": "Down", "application": None, "data": "", "caller_id_num": "101", "duration": 2,
        "account_code": "", "peer_account": "", "bridge_id": "",
    }
    bang, appdial = records[2], records[5]
    assert (bang["data"], bang["bridge_id"], bang["duration"]) == ("Local/wait@amijson-test,,", BRIDGE_16[:20], 3)
    assert (appdial["extension"], appdial["caller_id_num"], appdial["bridge_id"]) == ("", "bang", BRIDGE_16[:20])
    assert "records[2].data" + CUT % 25 in warnings
    assert [w for w in warnings if ".bridge_id " in w] == \
        ["records[2].bridge_id" + CUT % 20, "records[5].bridge_id" + CUT % 20]
    assert len(warnings) == 12 + 1 + 2


def test_channels_count_16():
    assert run(core_show_channels, "core-show-channels-count-16.txt", "count") == (
        [{"active_channels": 13, "active_calls": 6, "max_calls": None, "calls_processed": 6}], [])
