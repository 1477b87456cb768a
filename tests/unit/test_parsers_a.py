"""Unit tests for the CLI parsers: core show channels/calls/uptime/version,
database show, module show, bridge show all, manager show connected, generic,
the shared column helpers and the registry.

Sample outputs are in tests/data/cli/ (see its README.md: the *-22.txt files
are captures from Asterisk 22.10.1, the others are built from the format
strings of older versions)."""

import pathlib

import pytest

from amijson.parsers import (
    columns,
    bridge_show,
    core_show_calls,
    core_show_channels,
    core_show_uptime,
    core_show_version,
    database_show,
    generic,
    manager_show_connected,
    module_show,
)

DATA = pathlib.Path(__file__).resolve().parent.parent / "data" / "cli"

BANG = "Local/bang@amijson-test-00000002;2"
BRIDGE = "6312365e-e6b8-472c-a65c-bdc84d25987d"


def read(name):
    return (DATA / name).read_text()


def run(module, name, variant=None, text=None):
    warnings = []
    records = module.parse(read(name) if text is None else text, variant=variant, warnings=warnings)
    return records, warnings


def by(records, key, value):
    found = [r for r in records if r[key] == value]
    assert len(found) == 1, (key, value, records)
    return found[0]


# ------------------------------------------------------------------ helpers --


def test_strip_ansi():
    assert columns.strip_ansi("\x1b[1;32mUp\x1b[0m  x") == "Up  x"
    assert columns.strip_ansi(None) == ""


def test_column_spans_and_cut():
    header = "Module                         Description                              Use Count  Status"
    spans = columns.column_spans(header, ["Module", "Description", "Use Count", "Status", "Missing"])
    assert spans == [("Module", 0, 31), ("Description", 31, 72), ("Use Count", 72, 83), ("Status", 83, None)]
    line = "app_dial.so                    Dialing Application                      2          Running"
    assert columns.cut(line, spans) == {
        "Module": "app_dial.so",
        "Description": "Dialing Application",
        "Use Count": "2",
        "Status": "Running",
    }


def test_hms_and_plural_durations():
    assert columns.hms_to_seconds("01:02:03") == 3723
    assert columns.hms_to_seconds("100:00:01") == 360001
    assert columns.hms_to_seconds("-") is None
    assert columns.hms_to_seconds("") is None
    assert columns.plural_duration_to_seconds(
        "1 year, 2 weeks, 3 days, 4 hours, 5 minutes, 6 seconds"
    ) == 365 * 86400 + 14 * 86400 + 3 * 86400 + 4 * 3600 + 5 * 60 + 6
    assert columns.plural_duration_to_seconds("1 week, 1 day, 1 hour, 1 minute, 1 second") == 694861
    assert columns.plural_duration_to_seconds("45") == 45
    assert columns.plural_duration_to_seconds("nothing") is None


# ------------------------------------------------------- core show channels --


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


# ---------------------------------------------------------- core show calls --


def test_calls_22():
    assert run(core_show_calls, "core-show-calls-22.txt")[0] == [
        {"active_calls": 6, "max_calls": None, "calls_processed": 6, "system_uptime": None}
    ]


def test_calls_uptime_13():
    records, warnings = run(core_show_calls, "core-show-calls-uptime-13.txt", "uptime")
    assert records == [
        {
            "active_calls": 2,
            "max_calls": 100,
            "calls_processed": 15,
            "system_uptime": 365 * 86400 + 17 * 86400 + 4 * 3600 + 5 * 60 + 6,
        }
    ]
    assert warnings == []


def test_calls_uptime_seconds_13():
    assert run(core_show_calls, "core-show-calls-uptime-seconds-13.txt", "uptime_seconds")[0] == [
        {"active_calls": 1, "max_calls": None, "calls_processed": 1, "system_uptime": 33019506}
    ]


# --------------------------------------------------------- core show uptime --


def test_uptime_22_both_variants():
    assert run(core_show_uptime, "core-show-uptime-22.txt")[0] == [{"system_uptime": 45, "last_reload": 45}]
    assert run(core_show_uptime, "core-show-uptime-seconds-22.txt", "seconds")[0] == [
        {"system_uptime": 45, "last_reload": 45}
    ]


def test_uptime_13_and_18():
    assert run(core_show_uptime, "core-show-uptime-13.txt")[0] == [
        {"system_uptime": 7 * 86400 + 86400 + 3600 + 60 + 1, "last_reload": 7205}
    ]
    assert run(core_show_uptime, "core-show-uptime-1.8.txt")[0] == [
        {"system_uptime": 2 * 86400 + 3 * 3600 + 60, "last_reload": None}
    ]


def test_uptime_empty():
    assert run(core_show_uptime, None, text="")[0] == []


# -------------------------------------------------------- core show version --


def test_version_22():
    assert run(core_show_version, "core-show-version-22.txt")[0] == [
        {
            "version": "22.10.1+dfsg+~cs6.17.60671434-1",
            "built_by": "nobody",
            "build_host": "buildd.debian.org",
            "machine": "unknown",
            "os": "Linux",
            "build_date": "2026-07-20 21:35:32 UTC",
        }
    ]


def test_version_13_and_lenient():
    record = run(core_show_version, "core-show-version-13.txt")[0][0]
    assert record["version"] == "13.38.3"
    assert record["machine"] == "x86_64" and record["build_host"] == "pbx.example.com"
    bare = run(core_show_version, None, text="Asterisk 16.2.1~dfsg-1\n")[0][0]
    assert bare == {
        "version": "16.2.1~dfsg-1",
        "built_by": None,
        "build_host": None,
        "machine": None,
        "os": None,
        "build_date": None,
    }


# ------------------------------------------------------------ database show --


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


# -------------------------------------------------------------- module show --


def test_module_show_22():
    records, warnings = run(module_show, "module-show-22.txt")
    assert len(records) > 100
    assert records[0] == {
        "module": "acl",
        "description": "Named ACL system",
        "use_count": 2,
        "status": "Running",
        "support_level": "core",
    }
    agent = by(records, "module", "app_agent_pool.so")
    assert agent["status"] == "Not Running" and agent["support_level"] == "core"
    assert by(records, "module", "app_adsiprog.so")["support_level"] == "deprecated"
    assert all(isinstance(r["use_count"], int) for r in records)
    # "Tell Asterisk to not maintain a CDR for " is cut too, but its 40th
    # character is a space: it cannot be told from padding, so no warning.
    assert by(records, "module", "app_cdr.so")["description"] == "Tell Asterisk to not maintain a CDR for"
    attended = by(records, "module", "app_attended_transfer.so")
    assert attended["description"] == "Attended transfer to the given extension"
    index = records.index(attended)
    assert "records[%d].description may be truncated at 40 characters (fixed-width column)" % index in warnings


def test_module_show_like_pjsip_22_long_names():
    records, warnings = run(module_show, "module-show-like-pjsip-22.txt", "like")
    assert len(records) == 51  # "N modules loaded" is not a record
    assert records[0] == {
        "module": "chan_pjsip.so",
        "description": "PJSIP Channel Driver",
        "use_count": 7,
        "status": "Running",
        "support_level": "core",
    }
    digest = by(records, "module", "res_pjsip_authenticator_digest.so")
    assert digest["description"] == "PJSIP authentication resource"
    assert digest["use_count"] == 0 and digest["status"] == "Running"
    long_one = by(records, "module", "res_pjsip_dialog_info_body_generator.so")
    assert long_one["description"] == "PJSIP Extension State Dialog Info+XML Pr"
    assert long_one["use_count"] == 0
    assert by(records, "module", "res_pjsip.so")["use_count"] == 51
    assert by(records, "module", "res_pjsip_notify.so")["status"] == "Not Running"
    assert "records[10].description may be truncated at 40 characters (fixed-width column)" in warnings


def test_module_show_12_and_11():
    records, warnings = run(module_show, "module-show-12.txt")
    assert [r["status"] for r in records] == ["Running", "Running", "Not Running"]
    assert all(r["support_level"] is None for r in records)
    assert records[1]["module"] == "res_pjsip_endpoint_identifier_anonymous.so"
    assert records[1]["description"] == "PJSIP Anonymous endpoint identifier"
    assert records[2]["description"] == "Skinny Client Control Protocol Channel D"
    assert warnings == ["records[2].description may be truncated at 40 characters (fixed-width column)"]
    records, _ = run(module_show, "module-show-11.txt")
    assert records == [
        {"module": "app_dial.so", "description": "Dialing Application", "use_count": 2, "status": None, "support_level": None},
        {"module": "chan_sip.so", "description": "Session Initiation Protocol (SIP)", "use_count": 7, "status": None, "support_level": None},
    ]


def test_module_show_nothing():
    assert run(module_show, "module-show-like-nothing-13.txt", "like") == ([], [])


# -------------------------------------------------------------- bridge show --


def test_bridge_show_22():
    assert run(bridge_show, "bridge-show-all-22.txt") == (
        [
            {
                "bridge_id": BRIDGE,
                "name": None,
                "channels": 2,
                "type": "basic",
                "technology": "simple_bridge",
                "duration": 2,
            }
        ],
        [],
    )


def test_bridge_show_21_names():
    records, _ = run(bridge_show, "bridge-show-all-21.txt")
    assert records[0]["name"] == "my conference room"
    assert records[0]["channels"] == 3 and records[0]["technology"] == "softmix"
    assert records[0]["duration"] == 360001
    assert records[1]["name"] == "a-very-long-bridge-name-that-exceeds-36-characters"
    assert records[1]["channels"] == 1 and records[1]["type"] == "basic" and records[1]["duration"] == 9


def test_bridge_show_20_and_12():
    records, _ = run(bridge_show, "bridge-show-all-20.txt")
    assert records[0] == {
        "bridge_id": "0b9c1f5e-2f4d-4d0a-9c5e-8f0e1a2b3c4d",
        "name": None,
        "channels": 2,
        "type": "basic",
        "technology": "simple_bridge",
        "duration": 3723,
    }
    assert records[1]["type"] is None and records[1]["channels"] == 0 and records[1]["duration"] == 0
    records, _ = run(bridge_show, "bridge-show-all-12.txt")
    assert records == [
        {
            "bridge_id": "0b9c1f5e-2f4d-4d0a-9c5e-8f0e1a2b3c4d",
            "name": None,
            "channels": 2,
            "type": "basic",
            "technology": "simple_bridge",
            "duration": None,
        }
    ]


def test_bridge_show_empty():
    assert run(bridge_show, "bridge-show-all-empty-21.txt") == ([], [])


# --------------------------------------------------- manager show connected --


def test_manager_connected_22():
    assert run(manager_show_connected, "manager-show-connected-22.txt") == (
        [
            {
                "username": "amijson",
                "ip_address": "127.0.0.1",
                "start": 1795680214,
                "elapsed": 1,
                "file_descriptor": 48,
                "http_count": 0,
                "read_perms": 2147483647,
                "write_perms": 2147483647,
            }
        ],
        [],
    )


def test_manager_connected_13_overflowing_perms_and_truncation():
    records, warnings = run(manager_show_connected, "manager-show-connected-13.txt")
    assert records[0]["ip_address"] == "2001:db8:85a3::8a2e:370:7334"
    assert records[0]["read_perms"] == 2147483647 and records[0]["write_perms"] == 2147483647
    assert records[1]["username"] == "a-very-long-use"
    assert (records[1]["read_perms"], records[1]["write_perms"]) == (7, 0)  # "00007" "00000"
    assert records[1]["http_count"] == 1 and records[1]["file_descriptor"] == 18
    assert warnings == ["records[1].username may be truncated at 15 characters (fixed-width column)"]


def test_manager_connected_18_and_empty():
    records, warnings = run(manager_show_connected, "manager-show-connected-1.8.txt")
    assert records[0]["ip_address"] == "192.168.100.200"
    assert records[0]["read_perms"] == 65535 and records[0]["start"] == 1300000000
    assert warnings == []  # a full IPv4 address is not a cut one
    assert run(manager_show_connected, "manager-show-connected-empty-13.txt") == ([], [])


def test_manager_connected_fewer_columns():
    text = "  Username         IP Address       Start\n  bob              10.1.1.1         1300000000\n1 users connected.\n"
    records, _ = run(manager_show_connected, None, text=text)
    assert records == [
        {
            "username": "bob",
            "ip_address": "10.1.1.1",
            "start": 1300000000,
            "elapsed": None,
            "file_descriptor": None,
            "http_count": None,
            "read_perms": None,
            "write_perms": None,
        }
    ]


# ------------------------------------------------------------------ generic --


def test_generic_table():
    # "bridge technology list": FORMAT "%-20s %-20s %8s %s\n" (main/bridge.c)
    fmt = "%-20s %-20s %8s %s\n"
    text = fmt % ("Name", "Type", "Priority", "Suspended")
    text += fmt % ("simple_bridge", "Mixing", 50, "No") + fmt % ("softmix", "Mixing", 10, "No")
    records, warnings = run(generic, None, text=text)
    assert records == [
        {"name": "simple_bridge", "type": "Mixing", "priority": "50", "suspended": "No"},
        {"name": "softmix", "type": "Mixing", "priority": "10", "suspended": "No"},
    ]
    assert warnings == ["no parser for this command; generic table parser used"]


def test_generic_key_value():
    text = "Value: hello\n  Name      : foo\nOther: bar\n"
    records, warnings = run(generic, None, text=text)
    assert records == [
        {"key": "Value", "value": "hello"},
        {"key": "Name", "value": "foo"},
        {"key": "Other", "value": "bar"},
    ]
    assert len(warnings) == 1 and "key: value" in warnings[0]


def test_generic_lines():
    text = "Reloading module 'foo'\nDone\n"
    records, warnings = run(generic, None, text=text)
    assert records == [{"line": "Reloading module 'foo'"}, {"line": "Done"}]
    assert len(warnings) == 1 and "plain lines" in warnings[0]


def test_generic_on_module_show():
    records, warnings = run(generic, "module-show-22.txt")
    assert records[0] == {
        "module": "acl",
        "description": "Named ACL system",
        "use_count": "2",
        "status": "Running",
        "support_level": "core",
    }
    # 15 rows with module names longer than 30 characters and the trailer
    assert len(records) == 316 - 15
    assert warnings == [
        "no parser for this command; generic table parser used; "
        "16 line(s) did not fit the table's columns and were left out"
    ]


# ---------------------------------------------------------- module interface --


@pytest.mark.parametrize(
    "module",
    [
        core_show_channels,
        core_show_calls,
        core_show_uptime,
        core_show_version,
        database_show,
        module_show,
        bridge_show,
        manager_show_connected,
        generic,
    ],
)
def test_module_interface(module):
    assert module.__doc__ and "Example" in module.__doc__
    assert isinstance(module.COMMANDS, dict)
    assert module.parse("") == []
    assert module.parse("", variant=None, warnings=None) == []


# ----------------------------------------------------------------- registry --


def _registry():
    import amijson.parsers as parsers

    missing = []
    for name in parsers.MODULES:
        try:
            parsers._load(name)
        except ImportError:
            missing.append(name)
    if missing:
        pytest.fail("parser modules not present yet: %s" % ", ".join(missing))
    return parsers


def test_registry_find():
    parsers = _registry()
    assert parsers.find("core sh chan conc").name == "core_show_channels.concise"
    assert parsers.find("core show channels").name == "core_show_channels"
    assert parsers.find("core show channels verbose").variant == "verbose"
    assert parsers.find("core show channels count").name == "core_show_channels.count"
    match = parsers.find("module show like pjsip")
    assert match.variant == "like" and match.arguments == ["pjsip"]
    assert match.module is module_show
    assert parsers.find("database show amijson").arguments == ["amijson"]
    assert parsers.find("database show amijson").name == "database_show"
    assert parsers.find("core show calls uptime seconds").name == "core_show_calls.uptime_seconds"
    assert parsers.find("core show uptime").name == "core_show_uptime"
    assert parsers.find("core show version").name == "core_show_version"
    assert parsers.find("bridge show all").name == "bridge_show"
    assert parsers.find("manager show connected").name == "manager_show_connected"
    assert parsers.find("some unknown thing").name == "generic"


def test_registry_shortcut_agrees_with_the_full_scan():
    # find() asks the module named after a command first; every declared command,
    # abbreviated or with an argument, must get what scanning every module gives.
    parsers = _registry()
    table = parsers._table()
    declared = [" ".join(words) for words, _variant, _name in table]
    assert len(declared) == len(set(declared)), "a command declared by two modules"

    def scanned(command):
        words = command.split()
        best = None
        for words_declared, variant, name in table:
            if len(words_declared) <= len(words) and all(
                    w.startswith(t) for w, t in zip(words_declared, words)):
                if best is None or len(words_declared) > len(best[0]):
                    best = (words_declared, variant, name)
        return best[2] if best else "generic", best[1] if best else None

    for command in declared:
        for typed in (command, command + " extra", " ".join(w[:3] for w in command.split())):
            match = parsers.find(typed)
            assert (match.module.__name__.rsplit(".", 1)[1], match.variant) == scanned(typed), typed


def test_registry_parse():
    parsers = _registry()
    warnings = []
    name, records = parsers.parse("core show channels concise", read("core-show-channels-concise-22.txt"), warnings)
    assert name == "core_show_channels.concise"
    assert by(records, "channel", BANG)["bridge_id"] == BRIDGE
