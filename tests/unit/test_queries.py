"""amijson.queries: named queries declared as data, one Request per route."""

import pytest

from amijson.answer import Answer
from amijson.cmdline import usage
from amijson.errors import AmijsonError
from amijson.detailed import Detailed
from amijson.queries import QUERIES, Combined, Query
from amijson.request import Batch
from amijson.records import Records


def _one_request_queries():
    """Every Query, a Combined one's parts (which take no filter) and a Detailed one's CLI
    query (its rx route) included."""
    for name, query in QUERIES.items():
        if isinstance(query, Detailed):
            yield "%s (rx)" % name, query.cli_query
        elif isinstance(query, Combined):
            assert query.parts and query.filtered is None and query.argument is None, name
            for part, part_query in query.parts:
                assert part_query.filtered is None, (name, part)
                yield "%s.%s" % (name, part), part_query
        else:
            yield name, query


def test_every_query_has_a_cli_command_and_a_filter_only_with_a_template():
    for name, query in _one_request_queries():
        assert query.command, name
        # a filter is a CLI template's word, or a PATTERN amijson matches on a name itself
        assert (query.filtered is None and query.name_key is None) == (query.argument is None), name
        assert query.filtered is None or query.name_key is None, name
        assert query.filter_header is None or query.action, name  # a header belongs to an action
        assert sum(x is not None for x in (query.from_event, query.from_events, query.from_reply)) \
            == (1 if query.action else 0), name


def test_the_usage_text_lists_every_query_from_the_registry():
    text = " ".join(usage().split())
    for name, query in QUERIES.items():
        assert query.usage(name) in text
    assert "queues [QUEUE]" in text and "db [FAMILY]" in text and "modules [KEYWORD]" in text
    assert "endpoints [PATTERN]" in text and "peers [PATTERN]" in text


@pytest.mark.parametrize("name,args,route,expected", [
    ("channels", [], "ami", ("CoreShowChannels", [], None)),
    ("channels", [], "rx", (None, [], "core show channels concise")),
    ("queues", ["sales"], "ami", ("QueueStatus", [("Queue", "sales")], None)),
    ("queues", ["sales"], "rx", (None, [], "queue show sales")),
    ("db", ["amijson"], "ami", ("DBGetTree", [("Family", "amijson")], None)),
    ("modules", [], "ami", ("Command", [], "module show")),
    ("modules", ["pjsip"], "rx", (None, [], "module show like pjsip")),
    # the first of two rounds: PJSIPShowEndpoint for each endpoint comes next (amijson.detailed)
    ("contacts", [], "ami", ("PJSIPShowEndpoints", [], None)),
    ("contacts", [], "rx", (None, [], "pjsip show contacts")),
    # SIPpeers has whole names; a PATTERN is never sent to Asterisk (sip show peers like takes a regex)
    ("peers", [], "ami", ("SIPpeers", [], None)),
    ("peers", [], "rx", (None, [], "sip show peers")),
    ("peers", ["trunk*"], "ami", ("SIPpeers", [], None)),
    ("peers", ["trunk.*|x"], "rx", (None, [], "sip show peers")),
    ("endpoints", ["trunk*"], "ami", ("PJSIPShowEndpoints", [], None)),
    ("endpoints", ["trunk*"], "rx", (None, [], "pjsip show endpoints")),
])
def test_the_request_on_each_route(name, args, route, expected):
    request = QUERIES[name].request(name, args, route)
    if type(request) is Batch:
        (request,) = request.requests
    action = None if route == "rx" else request.action
    headers = [h for h in request.headers if h[0].lower() != "command"] if route != "rx" else []
    assert (action, headers, request.command) == expected


def test_a_filter_on_an_action_without_a_filter_header_asks_the_cli_command():
    query = Query("thing show", action="ThingList", from_event=dict, filtered="thing show like {}", argument="WORD")
    assert query.request("things", [], "ami").action == "ThingList"
    assert query.request("things", ["x"], "ami").command == "thing show like x"


@pytest.mark.parametrize("name,args,message", [
    ("channels", ["x"], "channels takes no filter"),
    ("queues", ["a", "b"], "queues takes at most one filter argument"),
    ("queues", [""], "queues: the QUEUE filter is empty; leave it out to ask for all"),
    ("peers", [""], "peers: the PATTERN filter is empty; leave it out to ask for all"),
    ("endpoints", ["a", "b"], "endpoints takes at most one filter argument"),
])
def test_operands_a_query_refuses(name, args, message):
    with pytest.raises(AmijsonError) as caught:
        QUERIES[name].request(name, args, "ami")
    assert (caught.value.code, caught.value.message) == ("usage", message)


def test_shape_maps_events_record_by_record_and_a_reply_as_a_whole():
    request = QUERIES["db"].request("db", [], "ami")
    answer = Answer("ami")
    answer.records = Records([{"Event": "DBGetTreeResponse", "Key": "/amijson/a/b", "Val": "1"}])
    QUERIES["db"].shape(request, answer)
    assert answer.records == [{"key": "/amijson/a/b", "family": "amijson/a", "name": "b", "value": "1"}]

    request = QUERIES["version"].request("version", [], "ami")
    answer = Answer("ami")
    answer.response = {"Response": "Success", "AsteriskVersion": "22.5.2", "AMIversion": "11.0.0"}
    QUERIES["version"].shape(request, answer)
    assert [(r["version"], r["ami_version"]) for r in answer.records] == [("22.5.2", "11.0.0")]


def test_shape_parses_cli_output_and_maps_it():
    request = QUERIES["channels"].request("channels", [], "rx")
    answer = Answer("rx")
    answer.output = ["PJSIP/101-0001!ctx!100!1!Up!Wait!36000!!!!3!42!!1700000000.1"]
    QUERIES["channels"].shape(request, answer)
    assert answer.parser == "core_show_channels.concise"
    (record,) = answer.records
    assert (record["channel"], record["duration"], record["linkedid"]) == ("PJSIP/101-0001", 42, None)


# A real capture of each query's CLI command (tests/data/cli, Asterisk 22; chan_sip's from 16).
CAPTURES = {"channels": "core-show-channels-concise-22.txt", "calls": "core-show-calls-22.txt",
            "uptime": "core-show-uptime-seconds-22.txt", "version": "core-show-version-22.txt",
            "endpoints": "pjsip-show-endpoints-22.txt", "contacts": "pjsip-show-contacts-22.txt",
            "queues": "queue-show-22.txt", "peers": "sip-show-peers-16.txt", "db": "database-show-22.txt",
            "modules": "module-show-22.txt", "bridges": "bridge-show-all-22.txt"}


def test_every_query_declares_its_records_fields():
    """What --warning/--critical check a field against, before connecting, is what records hold."""
    import pathlib
    data = pathlib.Path(__file__).resolve().parents[1] / "data" / "cli"
    assert set(CAPTURES) | {"status"} == set(QUERIES)
    for name, capture in CAPTURES.items():
        query = QUERIES[name]
        request = query.request(name, [], "rx")
        answer = Answer("rx")
        answer.output = (data / capture).read_text().split("\n")[:-1]
        query.shape(request, answer)
        assert len(answer.records) >= 1, name
        assert all(sorted(record) == sorted(query.fields) for record in answer.records), name
        assert query.one_record == (len(answer.records) == 1 and name in ("calls", "uptime", "version"))
    assert QUERIES["status"].one_record and QUERIES["status"].fields == tuple(
        QUERIES["status"].combine({}).keys())


def test_a_pattern_keeps_the_matching_records_and_their_warnings():
    """endpoints 'trunk*': the records whose name matches, in order; a warning about a record
    follows it to its new index, and one about a record left out goes with it."""
    request = QUERIES["endpoints"].request("endpoints", ["trunk*"], "rx")
    assert request.pattern == "trunk*"
    answer = Answer("rx")
    answer.records = Records([{"endpoint": name, "state": "Not in use", "channels": 0, "caller_id": None,
                               "aors": [], "contacts": []} for name in ("101", "trunk1", "trunk10", "xtrunk")])
    answer.output = None
    request.command = None  # records as mapped already: only the ordering and the pattern apply
    query = Query("pjsip show endpoints", action="X", from_events=list, order_by="endpoint", name_key="endpoint")
    answer.warnings = ["records[0].endpoint may be truncated at 51 characters (fixed-width column)",
                       "records[2].endpoint may be truncated at 51 characters (fixed-width column)",
                       "something about the whole run"]
    query.shape(request, answer)
    assert [r["endpoint"] for r in answer.records] == ["trunk1", "trunk10"]
    assert answer.warnings == ["records[1].endpoint may be truncated at 51 characters (fixed-width column)",
                               "something about the whole run"]


@pytest.mark.parametrize("pattern,name,matches", [
    ("trunk*", "trunk1", True), ("trunk*", "trunk", True), ("trunk*", "xtrunk1", False),
    ("trunk?", "trunk1", True), ("trunk?", "trunk10", False), ("*-east", "carrier-east", True),
    ("*a*b*", "xaxxbx", True), ("*a*b", "xaxxbx", False), ("", "", True), ("", "a", False),
    ("trunk.*", "trunk10", False), ("[t]runk1", "trunk1", False), ("[t]runk1", "[t]runk1", True),
    ("TRUNK*", "trunk1", False), ("*", "", True), ("a**b", "ab", True),
])
def test_glob_match_reads_only_star_and_question_mark(pattern, name, matches):
    from amijson.fields import glob_match
    assert glob_match(pattern, name) is matches
    assert glob_match(pattern, None) is False
