"""--format nagios as a pure function: documents in, plugin output and exit code out, every
output held to the plugin guidelines by tests/monitoring.py's parser."""

import pytest

from amijson.errors import AmijsonError
from amijson.formats import nagios, results
from monitoring import STATUS, parse_nagios


def doc(records=(), error=None, warnings=()):
    return {"records": list(records), "error": error, "warnings": list(warnings)}


def render(pairs, query, warning=(), critical=(), fleet=False):
    checks = nagios.thresholds(query, list(warning), list(critical))
    text, code = nagios.render(results(pairs), query, checks, fleet)
    parsed = parse_nagios(text)
    assert code == {"OK": 0, "WARNING": 1, "CRITICAL": 2, "UNKNOWN": 3}[parsed.state]
    return parsed, code


ENDPOINTS = [{"endpoint": "101", "state": "Not in use", "channels": 0},
             {"endpoint": "102", "state": "In use", "channels": 1},
             {"endpoint": "103", "state": "Unavailable", "channels": 0},
             {"endpoint": "104", "state": "Unavailable", "channels": 0}]


# --- ranges: the guidelines' table ----------------------------------------------------------

@pytest.mark.parametrize("text, alerting, quiet", [
    ("10", [-1, 11, 10.5], [0, 5, 10]),                 # outside 0..10
    ("10:", [9, -5], [10, 11, 1e9]),                   # below 10
    ("~:10", [11, 1e9], [10, -1e9, 0]),                # above 10
    ("10:20", [9, 21], [10, 15, 20]),                  # outside 10..20
    ("@10:20", [10, 15, 20], [9, 21]),                 # inside 10..20, ends included
    ("0", [1, -1], [0]),
    ("@0", [0], [1]),
    ("-5:-1", [0, -6], [-5, -1]),
    ("1.5:2.5", [1.4, 2.6], [1.5, 2.5]),
])
def test_ranges_alert_as_the_guidelines_say(text, alerting, quiet):
    limit = nagios.Range(text)
    assert all(limit.alerts(value) for value in alerting)
    assert not any(limit.alerts(value) for value in quiet)


@pytest.mark.parametrize("text", ["", "abc", "20:10", "10:20:30", "1e3", "~", "@", "٣", "nan", "inf", "10::"])
def test_a_bad_range_is_a_usage_error(text):
    with pytest.raises(AmijsonError) as caught:
        nagios.Range(text)
    assert caught.value.code == "usage"


# --- thresholds on a one-record query --------------------------------------------------------

def test_status_ok_with_perfdata_for_every_numeric_field():
    out, code = render([("pbx1", doc([STATUS]))], "status")
    assert code == 0 and out.state == "OK"
    assert out.text.startswith("AMIJSON OK - status of pbx1: Asterisk 22.10.1, 3 calls, 6 channels")
    assert "1 of 3 SIP peers online, 1 of 2 IAX2 peers online" in out.text
    assert set(out.perfdata) == set(STATUS) - {"version"}
    assert out.perfdata["sip_peers_offline"]["value"] == 2
    assert out.perfdata["calls"] == {"value": 3, "uom": "", "warn": "", "crit": "", "min": "0", "max": ""}
    assert out.perfdata["uptime_seconds"]["uom"] == "s" and out.perfdata["calls_processed"]["uom"] == "c"


@pytest.mark.parametrize("warning, critical, state", [
    (["calls=5"], ["calls=10"], "OK"),
    (["calls=2"], ["calls=10"], "WARNING"),
    (["calls=1"], ["calls=2"], "CRITICAL"),
    ([], ["endpoints_unavailable=0"], "CRITICAL"),
    (["uptime_seconds=100000:"], [], "WARNING"),       # restarted not long ago
    (["longest_wait_seconds=~:30"], ["longest_wait_seconds=~:60"], "WARNING"),
    (["@1:5"], [], None),
])
def test_thresholds_set_the_state(warning, critical, state):
    if state is None:
        with pytest.raises(AmijsonError):
            nagios.thresholds("status", warning, critical)
        return
    out, _ = render([("pbx1", doc([STATUS]))], "status", warning, critical)
    assert out.state == state


def test_a_threshold_shows_in_the_text_and_in_its_perfdata():
    out, code = render([("pbx1", doc([STATUS]))], "status", ["calls=2", "channels=10"], ["calls=@3:4"])
    assert code == 2
    assert "calls=3 (critical @3:4)" in out.text
    assert out.perfdata["calls"]["warn"] == "2" and out.perfdata["calls"]["crit"] == "@3:4"
    assert out.perfdata["channels"]["warn"] == "10" and out.perfdata["channels"]["crit"] == ""


def test_a_null_field_is_U_in_perfdata_and_unknown_under_a_threshold():
    record = dict(STATUS, reload_seconds=None)
    out, code = render([("pbx1", doc([record]))], "status")
    assert code == 0 and out.perfdata["reload_seconds"]["value"] is None
    out, code = render([("pbx1", doc([record]))], "status", ["reload_seconds=60:"])
    assert code == 3 and "reload_seconds has no value" in out.text


def test_no_chan_sip_is_U_in_perfdata_and_no_peers_in_the_text():
    """Asterisk 21 and later: the sip_peers fields are null (a warning in the document says why)."""
    record = dict(STATUS, **dict.fromkeys(key for key in STATUS if key.startswith("sip_peers")))
    out, code = render([("pbx1", doc([record]))], "status")
    assert code == 0 and out.perfdata["sip_peers_offline"]["value"] is None
    assert "SIP peers" not in out.text and "1 of 2 IAX2 peers online" in out.text
    out, code = render([("pbx1", doc([record]))], "status", [], ["sip_peers_offline=0"])
    assert code == 3 and "sip_peers_offline has no value" in out.text


def test_no_record_is_unknown():
    out, code = render([("pbx1", doc([], warnings=["parser failed on this output"]))], "status", ["calls=1"])
    assert code == 3 and "parser failed" in out.text


@pytest.mark.parametrize("query, spec", [("status", "count=1"), ("status", "version=1"), ("status", "bogus=1"),
                                         ("endpoints", "channels=1"), ("endpoints", "count[state]=1"),
                                         ("endpoints", "count[=x]=1"), ("queues", "calls"), ("calls", "=5")])
def test_a_threshold_on_no_such_field_is_a_usage_error(query, spec):
    with pytest.raises(AmijsonError) as caught:
        nagios.thresholds(query, [spec], [])
    assert caught.value.code == "usage"


def test_the_same_field_twice_at_one_level_is_a_usage_error():
    with pytest.raises(AmijsonError):
        nagios.thresholds("status", ["calls=1", "calls=2"], [])
    assert len(nagios.thresholds("status", ["calls=1"], ["calls=2"])) == 1


# --- a list query: counts ------------------------------------------------------------------

def test_list_counts_records_and_filtered_counts():
    out, code = render([("pbx1", doc(ENDPOINTS))], "endpoints", ["count[state=unavailable]=0"],
                       ["count=~:3", "count[state!=Unavailable,channels=0]=5"])
    assert code == 2
    assert out.perfdata["count"] == {"value": 4, "uom": "", "warn": "", "crit": "~:3", "min": "0", "max": ""}
    assert out.perfdata["count[state:unavailable]"]["value"] == 2          # case-insensitive
    assert out.perfdata["count[state!:Unavailable,channels:0]"]["value"] == 1
    assert "count=4 (critical ~:3)" in out.text and "count[state=unavailable]=2 (warning 0)" in out.text


def test_a_filter_value_with_spaces_is_a_quoted_label():
    out, code = render([("pbx1", doc(ENDPOINTS))], "endpoints", ["count[state=Not in use]=0"])
    assert code == 1 and out.perfdata["count[state:Not in use]"]["value"] == 1


@pytest.mark.parametrize("query, spec", [("endpoints", "count[stat=Unavailable]=0"),
                                         ("contacts", "count[state=Unavail]=0"),
                                         ("channels", "count[status=Up]=0"),
                                         ("queues", "count[queue=support,callerz=0]=0")])
def test_a_filter_on_a_field_the_query_does_not_declare_is_a_usage_error(query, spec):
    """Said from the query's declared fields, so a typo never reads OK because the list was empty."""
    with pytest.raises(AmijsonError) as caught:
        nagios.thresholds(query, [], [spec])
    assert caught.value.code == "usage" and "%s records have no field" % query in caught.value.message
    assert "(their fields: " in caught.value.message


def test_an_empty_list_counts_zero():
    out, code = render([("pbx1", doc([]))], "endpoints", [], ["count[state=Unavailable]=0", "count=1:"])
    assert code == 2 and out.perfdata["count"]["value"] == 0


def test_a_null_field_matches_the_empty_value():
    out, _ = render([("pbx1", doc([{"uri": "a", "status": None}]))], "contacts", ["count[status=]=0"])
    assert out.state == "WARNING"


# --- failures -------------------------------------------------------------------------------

@pytest.mark.parametrize("code, state", [("connect", "CRITICAL"), ("auth", "CRITICAL"), ("timeout", "CRITICAL"),
                                         ("tls", "CRITICAL"), ("protocol", "CRITICAL"), ("rx_unavailable", "CRITICAL"),
                                         ("usage", "UNKNOWN"), ("config", "UNKNOWN"), ("permission", "UNKNOWN"),
                                         ("command_failed", "UNKNOWN"), ("internal", "UNKNOWN")])
def test_an_error_is_critical_when_the_pbx_is_down_for_its_users_else_unknown(code, state):
    out, _ = render([("pbx1", doc(error={"code": code, "message": "it | broke\nbadly"}))], "status", ["calls=1"])
    assert out.state == state and out.perfdata == {}
    assert out.text.endswith("%s: it / broke badly" % code)  # one line, no "|" that would start perfdata


def test_a_run_that_asked_no_pbx_is_unknown():
    text, code = nagios.render([], "status", [], True, {"code": "config", "message": "no profile [x]"})
    assert code == 3 and parse_nagios(text).text == "AMIJSON UNKNOWN - config: no profile [x]"


def test_warnings_go_to_the_long_text():
    out, _ = render([("pbx1", doc([STATUS], warnings=["AMI not used; answered | through asterisk -rx"]))], "status")
    assert out.long_text == ["warning: AMI not used; answered / through asterisk -rx"]


# --- several PBXes ----------------------------------------------------------------------------

def test_a_fleet_names_each_pbx_in_the_text_and_the_perfdata():
    pairs = [("pbx1", doc([STATUS])), ("pbx 2", doc(error={"code": "connect", "message": "refused"})),
             ("pbx3", doc([dict(STATUS, calls=60)]))]
    out, code = render(pairs, "status", ["calls=50"], fleet=True)
    assert code == 2
    assert out.text == "AMIJSON CRITICAL - status of 3 PBXes: 1 CRITICAL (pbx 2), 1 WARNING (pbx3), 1 OK"
    assert out.long_text[0].startswith("pbx1: OK - Asterisk 22.10.1")
    assert out.long_text[1:] == ["pbx 2: CRITICAL - connect: refused", out.long_text[2]]
    assert out.long_text[2].startswith("pbx3: WARNING - calls=60 (warning 50)")
    assert out.perfdata["pbx1::calls"]["value"] == 3 and out.perfdata["pbx3::calls"]["value"] == 60
    assert out.perfdata["pbx3::calls"]["warn"] == "50"
    assert not any(label.startswith("pbx 2") for label in out.perfdata)


def test_a_fleet_state_is_the_worst():
    ok = ("a", doc([STATUS]))
    unknown = ("b", doc(error={"code": "permission", "message": "no command class"}))
    out, code = render([ok, unknown], "status", fleet=True)
    assert code == 3
    warning = ("c", doc([dict(STATUS, calls=99)]))
    out, code = render([ok, unknown, warning], "status", ["calls=50"], fleet=True)
    assert code == 1  # WARNING outranks UNKNOWN; CRITICAL outranks both


def test_a_fleet_of_lists_prefixes_each_count():
    out, _ = render([("a", doc(ENDPOINTS)), ("b", doc(ENDPOINTS[:1]))], "endpoints",
                    ["count[state=Unavailable]=0"], fleet=True)
    assert out.perfdata["a::count"]["value"] == 4 and out.perfdata["b::count"]["value"] == 1
    assert out.perfdata["a::count[state:Unavailable]"]["value"] == 2
    assert out.state == "WARNING" and "1 WARNING (a)" in out.text
