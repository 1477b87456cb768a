"""--format zabbix as a pure function: low-level discovery for a list query, the bare record for a
one-record query, every LLD row held to Zabbix's rules (tests/monitoring.py's check_lld)."""

import json

from amijson.formats import results, zabbix
from monitoring import STATUS, check_lld


def doc(records=(), error=None, warnings=()):
    return {"records": list(records), "error": error, "warnings": list(warnings)}


QUEUES = [
    {"queue": "support", "strategy": "ringall", "calls": 1, "max_calls": None, "service_level_perf": 0.0,
     "members": [{"name": "Alice", "paused": False}], "callers": [{"position": 1, "wait": 12}]},
    {"queue": "sales", "strategy": "leastrecent", "calls": 0, "max_calls": None, "service_level_perf": 0.0,
     "members": [], "callers": []},
]


def test_a_list_query_is_low_level_discovery_with_scalar_macros_only():
    endpoints = [{"endpoint": "101", "state": "Not in use", "channels": 0, "caller_id": None,
                  "aors": ["101"], "contacts": ["sip:101@127.0.0.1:5070", "sip:101@10.0.0.1"]},
                 {"endpoint": "104", "state": "Unavailable", "channels": 0, "caller_id": "Dave <104>",
                  "aors": ["104"], "contacts": []}]
    rows = check_lld(zabbix.render(results([("pbx1", doc(endpoints))]), "endpoints", False))
    assert rows == [
        {"{#ENDPOINT}": "101", "{#STATE}": "Not in use", "{#CHANNELS}": 0, "{#CALLER_ID}": "", "{#AORS}": "101",
         "{#CONTACTS}": "sip:101@127.0.0.1:5070,sip:101@10.0.0.1"},
        {"{#ENDPOINT}": "104", "{#STATE}": "Unavailable", "{#CHANNELS}": 0, "{#CALLER_ID}": "Dave <104>",
         "{#AORS}": "104", "{#CONTACTS}": ""},
    ]


def test_fields_holding_objects_are_left_out_of_every_row():
    rows = check_lld(zabbix.render(results([("pbx1", doc(QUEUES))]), "queues", False))
    assert [sorted(row) for row in rows] == [sorted(rows[0])] * 2  # the same macros in each row
    assert "{#MEMBERS}" not in rows[0] and "{#CALLERS}" not in rows[0]
    assert rows[1]["{#QUEUE}"] == "sales" and rows[1]["{#MAX_CALLS}"] == "" and rows[1]["{#CALLS}"] == 0


def test_booleans_become_numbers():
    assert zabbix.macro_value(True) == 1 and zabbix.macro_value(False) == 0
    assert zabbix.macro_value(None) == "" and zabbix.macro_value(["a", 1, None]) == "a,1,"


def test_an_empty_list_is_an_empty_array():
    assert zabbix.render(results([("pbx1", doc([]))]), "endpoints", False) == "[]\n"


def test_a_one_record_query_is_the_bare_record():
    text = zabbix.render(results([("pbx1", doc([STATUS]))]), "status", False)
    assert json.loads(text) == STATUS
    assert text.index('"version"') < text.index('"uptime_seconds"')  # the record's own order


def test_a_failed_run_gives_the_document_not_a_value():
    failed = doc(error={"code": "connect", "message": "refused"})
    assert zabbix.render(results([("pbx1", failed)]), "status", False) is None
    assert zabbix.render(results([("a", failed), ("b", failed)]), "endpoints", True) is None
    assert zabbix.render([], "status", True) is None


def test_a_fleet_of_lists_adds_the_pbx_macro_and_leaves_out_failed_pbxes():
    pairs = [("pbx1", doc([{"endpoint": "101", "state": "Unavailable"}])),
             ("pbx2", doc(error={"code": "auth", "message": "Authentication failed"})),
             ("pbx3", doc([{"endpoint": "101", "state": "Not in use"}]))]
    rows = check_lld(zabbix.render(results(pairs), "endpoints", True))
    assert rows == [{"{#PBX}": "pbx1", "{#ENDPOINT}": "101", "{#STATE}": "Unavailable"},
                    {"{#PBX}": "pbx3", "{#ENDPOINT}": "101", "{#STATE}": "Not in use"}]


def test_a_fleet_of_records_names_each_pbx_and_each_failure():
    pairs = [("pbx1", doc([STATUS])), ("pbx2", doc(error={"code": "auth", "message": "Authentication failed"}))]
    rows = check_lld(zabbix.render(results(pairs), "status", True, pretty=True))
    assert rows[0] == dict({"{#PBX}": "pbx1", "pbx": "pbx1"}, **STATUS)
    assert rows[1] == {"{#PBX}": "pbx2", "pbx": "pbx2",
                       "error": {"code": "auth", "message": "Authentication failed"}}


def test_macro_names_are_capitals_digits_and_underscores():
    assert zabbix.macro("rtt_ms") == "{#RTT_MS}" and zabbix.macro("a-b c") == "{#A_B_C}"
    assert zabbix.macro("é") == "{#_}"
