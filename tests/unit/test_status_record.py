"""The ``status`` query (amijson.queries): its parts on each route, and the one record they
combine into (``status_record``, ``Combined.shape``), from the parts' real output (the CLI
samples of tests/data/cli) and AMI events as Asterisk 16 and 22 send them. The whole query
against both real releases, on every route, is tests/integration/test_status.py."""

import pathlib

import pytest

from amijson.answer import Answer
from amijson.errors import AmijsonError
from amijson.queries import QUERIES
from amijson.status import (peer_counts, peer_summary_from_cli, peer_summary_from_event, queue_summary_from_cli,
                            queue_summary_from_event, status_record)
from amijson.records import Records
from amijson.request import Batch

DATA = pathlib.Path(__file__).resolve().parent.parent / "data" / "cli"
STATUS = QUERIES["status"]
FIELDS = ["version", "uptime_seconds", "reload_seconds", "channels", "calls", "calls_processed", "endpoints",
          "endpoints_available", "endpoints_unavailable", "contacts_unreachable", "queues", "queue_callers",
          "longest_wait_seconds", "sip_peers", "sip_peers_monitored", "sip_peers_unmonitored", "sip_peers_online",
          "sip_peers_offline", "iax2_peers", "iax2_peers_monitored", "iax2_peers_unmonitored", "iax2_peers_online",
          "iax2_peers_offline"]
PARTS = ["version", "uptime", "channels", "endpoints", "contacts", "queues", "sip_peers", "iax2_peers"]
SIP_FIELDS = FIELDS[13:18]
IAX2_FIELDS = FIELDS[18:]


def parts(**given):
    """Every part present and empty (a PBX with nothing configured), with ``given`` over it."""
    found = {"version": [{"version": "22.10.1"}], "uptime": [{"system_uptime": 100, "last_reload": 40}],
             "channels": [{"active_channels": 6, "active_calls": 3, "max_calls": None, "calls_processed": 41}],
             "endpoints": [], "contacts": [], "queues": [], "sip_peers": [], "iax2_peers": []}
    found.update(given)
    return found


# --- the combining function ----------------------------------------------------------------

def test_the_record_has_every_field_in_order_whatever_the_parts():
    assert list(status_record(parts())) == FIELDS
    assert list(status_record(dict.fromkeys(PARTS))) == FIELDS
    assert list(status_record({})) == FIELDS


def test_each_field_comes_from_its_part():
    record = status_record(parts(
        endpoints=[{"state": "Not in use"}, {"state": "In use"}, {"state": "Unavailable"}, {"state": "Ringing"}],
        contacts=[{"status": "Avail"}, {"status": "Unavail"}, {"status": "NonQual"}, {"status": "Unavail"}],
        queues=[{"queue": "sales", "callers": 2, "longest_wait": 75}, {"queue": "support", "callers": 1,
                                                                      "longest_wait": 130}],
        sip_peers=[{"status": "OK (1 ms)"}, {"status": "UNREACHABLE"}, {"status": "Unmonitored"},
                   {"status": "UNKNOWN"}],
        iax2_peers=[{"status": "LAGGED (2500 ms)"}, {"status": "Unmonitored"}]))
    assert record == {"version": "22.10.1", "uptime_seconds": 100, "reload_seconds": 40, "channels": 6, "calls": 3,
                      "calls_processed": 41, "endpoints": 4, "endpoints_available": 3, "endpoints_unavailable": 1,
                      "contacts_unreachable": 2, "queues": 2, "queue_callers": 3, "longest_wait_seconds": 130,
                      "sip_peers": 4, "sip_peers_monitored": 3, "sip_peers_unmonitored": 1, "sip_peers_online": 1,
                      "sip_peers_offline": 2, "iax2_peers": 2, "iax2_peers_monitored": 1, "iax2_peers_unmonitored": 1,
                      "iax2_peers_online": 1, "iax2_peers_offline": 0}


@pytest.mark.parametrize("status, kind", [
    ("OK (1 ms)", "online"), ("OK (0 ms)", "online"), ("LAGGED (2500 ms)", "online"), ("UNREACHABLE", "offline"),
    ("UNKNOWN", "offline"), (None, "offline"), ("OK", "offline"), ("Unmonitored", "unmonitored"),
])
def test_a_peer_is_online_offline_or_unmonitored_by_its_status(status, kind):
    """chan_sip's and chan_iax2's peer_status(): OK and LAGGED answered, UNREACHABLE and UNKNOWN
    did not (UNKNOWN: not yet, or never registered), Unmonitored is qualify=no."""
    counts = peer_counts("sip_peers", [{"status": status}])
    assert counts["sip_peers"] == 1
    assert {key[len("sip_peers_"):] for key, value in counts.items() if value and key != "sip_peers"} == \
        ({kind} if kind == "unmonitored" else {"monitored", kind})


def test_the_peer_events_and_cli_records_summarise_alike():
    """SIPpeers' and IAXpeerlist's PeerEntry (the 16 sandbox's, as sent) and the CLI parsers' records."""
    from amijson.parsers import iax2_show_peers
    cli = [peer_summary_from_cli(r) for r in iax2_show_peers.parse((DATA / "iax2-show-peers-16.txt").read_text())]
    events = [{"Event": "PeerEntry", "Channeltype": "IAX", "ObjectName": name, "ChanObjectType": "peer",
               "IPaddress": "127.0.0.1", "Mask": "255.255.255.255", "Port": port, "Dynamic": "no", "Trunk": "no",
               "Encryption": "no", "Status": status}
              for name, port, status in (("trunk-iax", "4669", cli[0]["status"]), ("iax-unmonitored", "4569",
                                         "Unmonitored"), ("iax-silent", "4679", "UNREACHABLE"))]
    assert [peer_summary_from_event(e) for e in events] == cli
    assert cli[1:] == [{"peer": "iax-unmonitored", "status": "Unmonitored"},
                       {"peer": "iax-silent", "status": "UNREACHABLE"}]


def test_an_endpoint_is_available_unless_its_state_is_unavailable():
    states = ["Not in use", "In use", "Busy", "Ringing", "Ring+Inuse", "On Hold", "Unknown", "Invalid", "Unavailable"]
    record = status_record(parts(endpoints=[{"state": state} for state in states]))
    assert (record["endpoints"], record["endpoints_available"], record["endpoints_unavailable"]) == (9, 8, 1)


def test_a_contact_is_unreachable_by_the_clis_short_label_or_amis_long_one():
    statuses = ["Avail", "Unavail", "Unreachable", "Reachable", "NonQual", "Unknown", "Created", "Removed", None]
    assert status_record(parts(contacts=[{"status": s} for s in statuses]))["contacts_unreachable"] == 2


def test_nothing_configured_counts_zero():
    record = status_record(parts())
    assert [record[key] for key in FIELDS[6:]] == [0] * 17


def test_queues_without_callers_have_waited_zero_seconds():
    record = status_record(parts(queues=[{"queue": "sales", "callers": 0, "longest_wait": 0},
                                         {"queue": "support", "callers": 0, "longest_wait": None}]))
    assert (record["queues"], record["queue_callers"], record["longest_wait_seconds"]) == (2, 0, 0)


@pytest.mark.parametrize("missing, nulls", [
    ("endpoints", ["endpoints", "endpoints_available", "endpoints_unavailable"]),
    ("contacts", ["contacts_unreachable"]),
    ("queues", ["queues", "queue_callers", "longest_wait_seconds"]),
    ("version", ["version"]),
    ("uptime", ["uptime_seconds", "reload_seconds"]),
    ("channels", ["channels", "calls", "calls_processed"]),
    ("sip_peers", SIP_FIELDS),
    ("iax2_peers", IAX2_FIELDS),
])
def test_a_part_the_pbx_lacks_makes_its_fields_null_and_no_others(missing, nulls):
    busy = {"endpoints": [{"state": "Not in use"}], "queues": [{"callers": 1, "longest_wait": 9}]}
    known = status_record(parts(**busy))
    record = status_record(parts(**dict(busy, **{missing: None})))
    assert [key for key in FIELDS if record[key] is None] == nulls
    assert {key: value for key, value in record.items() if key not in nulls} == \
        {key: value for key, value in known.items() if key not in nulls}


def test_a_part_that_gave_no_record_leaves_its_fields_null():
    record = status_record(parts(version=[], uptime=[{"system_uptime": 9, "last_reload": None}]))
    assert (record["version"], record["uptime_seconds"], record["reload_seconds"]) == (None, 9, None)


# --- the queue part: QueueSummary over AMI, queue show over rx -------------------------------

def test_queue_summary_and_queue_show_give_the_same_callers_and_longest_wait():
    from amijson.parsers import queue_show
    cli = [queue_summary_from_cli(r) for r in queue_show.parse((DATA / "queue-show-22.txt").read_text())]
    # What QueueSummary said of the same two queues (22.10.1; LongestHoldTime is now minus the
    # oldest caller's start, the number queue show prints as "wait: 0:02").
    events = [{"Event": "QueueSummary", "Queue": "sales", "LoggedIn": "0", "Available": "0", "Callers": "0",
               "HoldTime": "0", "TalkTime": "0", "LongestHoldTime": "0"},
              {"Event": "QueueSummary", "Queue": "support", "LoggedIn": "1", "Available": "1", "Callers": "1",
               "HoldTime": "0", "TalkTime": "0", "LongestHoldTime": "2"}]
    assert cli == [queue_summary_from_event(e) for e in events] == [
        {"queue": "sales", "callers": 0, "longest_wait": 0}, {"queue": "support", "callers": 1, "longest_wait": 2}]


# --- the parts on each route ------------------------------------------------------------------

def test_status_is_eight_requests_on_each_route():
    ami = STATUS.request("status", [], "ami")
    rx = STATUS.request("status", [], "rx")
    assert type(ami) is Batch and type(rx) is Batch
    assert [(r.action, r.command) for r in ami.requests] == [
        ("CoreSettings", None), ("Command", "core show uptime seconds"), ("Command", "core show channels count"),
        ("PJSIPShowEndpoints", None), ("Command", "pjsip show contacts"), ("QueueSummary", None),
        ("SIPpeers", None), ("IAXpeerlist", None)]
    assert [r.command for r in rx.requests] == ["core show version", "core show uptime seconds",
                                                "core show channels count", "pjsip show endpoints",
                                                "pjsip show contacts", "queue show", "sip show peers",
                                                "iax2 show peers"]
    assert rx.cli_only() and not ami.cli_only()
    assert [name for name, _query in STATUS.parts] == PARTS


def test_status_takes_no_filter():
    with pytest.raises(AmijsonError) as caught:
        STATUS.request("status", ["x"], "ami")
    assert (caught.value.code, caught.value.message) == ("usage", "status takes no filter")


# --- Combined.shape: the parts' answers into the one record ------------------------------------

RX_OUTPUT = {
    "core show version": "core-show-version-22.txt",
    "core show uptime seconds": "core-show-uptime-seconds-22.txt",
    "core show channels count": "core-show-channels-count-22.txt",
    "pjsip show endpoints": "pjsip-show-endpoints-22.txt",
    "pjsip show contacts": "pjsip-show-contacts-13.txt",  # one contact Unavail
    "queue show": "queue-show-22.txt",
    "sip show peers": "sip-show-peers-16.txt",
    "iax2 show peers": "iax2-show-peers-16.txt",
}


# The 13 sample's second contact fills its column: the parser's warning, named after the part.
CUT_URI = "pjsip show contacts: records[1].uri may be truncated at 41 characters (fixed-width column)"
# So do a chan_sip peer's and a chan_iax2 peer's name in the 16 captures.
CUT_NAMES = ["sip show peers: records[2].name may be truncated at 25 characters (fixed-width column)",
             "iax2 show peers: records[1].name may be truncated at 15 characters (fixed-width column)"]


def rx_answer(batch, refused=None):
    """A batch's Answer as the rx route gives it: each part's output lines, or for the
    commands in ``refused`` ({command: error}) the error Asterisk's text meant."""
    answer = Answer("rx")
    answer.parts = []
    for request in batch.requests:
        part = Answer("rx")
        error = (refused or {}).get(request.command)
        if error is not None:
            part.error = error
            part.output = [error.message]
        else:
            part.output = (DATA / RX_OUTPUT[request.command]).read_text().rstrip("\n").split("\n")
        answer.parts.append(part)
    return answer


def shaped(answer, batch):
    STATUS.shape(batch, answer)
    assert isinstance(answer.records, Records) and len(answer.records) == 1
    return list(answer.records)[0]


def test_the_parts_output_makes_the_record():
    batch = STATUS.request("status", [], "rx")
    answer = rx_answer(batch)
    assert shaped(answer, batch) == {
        "version": "22.10.1+dfsg+~cs6.17.60671434-1", "uptime_seconds": 45, "reload_seconds": 45, "channels": 13,
        "calls": 6, "calls_processed": 6, "endpoints": 4, "endpoints_available": 2, "endpoints_unavailable": 2,
        "contacts_unreachable": 1, "queues": 2, "queue_callers": 1, "longest_wait_seconds": 2,
        "sip_peers": 3, "sip_peers_monitored": 1, "sip_peers_unmonitored": 2, "sip_peers_online": 0,
        "sip_peers_offline": 1, "iax2_peers": 3, "iax2_peers_monitored": 2, "iax2_peers_unmonitored": 1,
        "iax2_peers_online": 1, "iax2_peers_offline": 1}
    assert answer.warnings == [CUT_URI] + CUT_NAMES


def test_a_command_asterisk_does_not_know_is_a_part_it_lacks_and_a_warning_names_it():
    batch = STATUS.request("status", [], "rx")
    message = "No such command 'queue show' (type 'core show help queue show' for other possible commands)"
    answer = rx_answer(batch, {"queue show": AmijsonError("command_failed", message)})
    record = shaped(answer, batch)
    assert (record["queues"], record["queue_callers"], record["longest_wait_seconds"]) == (None, None, None)
    assert record["endpoints"] == 4 and record["calls"] == 6
    assert answer.warnings == [CUT_URI, "queue show: %s (its fields are null)" % message] + CUT_NAMES


def test_no_chan_sip_makes_its_fields_null_and_a_warning_says_so():
    """Asterisk 21 and later (and a PBX that does not load chan_sip): the CLI command is unknown."""
    batch = STATUS.request("status", [], "rx")
    message = "No such command 'sip show peers' (type 'core show help sip show peers' for other possible commands)"
    answer = rx_answer(batch, {"sip show peers": AmijsonError("command_failed", message)})
    record = shaped(answer, batch)
    assert [record[key] for key in SIP_FIELDS] == [None] * 5
    assert [record[key] for key in IAX2_FIELDS] == [3, 2, 1, 1, 1]
    assert answer.warnings == [CUT_URI, "sip show peers: %s (its fields are null)" % message, CUT_NAMES[1]]


def test_an_action_asterisk_does_not_know_is_a_part_it_lacks():
    batch = STATUS.request("status", [], "ami")
    answer = Answer("ami")
    answer.parts = [Answer("ami") for _request in batch.requests]
    for request, part in zip(batch.requests, answer.parts):
        message = "Invalid/unknown command: %s. Use Action: ListCommands to show available commands." % request.action
        part.error = AmijsonError("action_failed" if request.command is None else "command_failed",
                                  message if request.command is None else "No such command '%s'" % request.command)
    assert shaped(answer, batch) == dict.fromkeys(FIELDS)
    assert len(answer.warnings) == 8 and answer.warnings[0].startswith("CoreSettings: Invalid/unknown command")
    assert answer.warnings[6].startswith("SIPpeers: Invalid/unknown command: SIPpeers.")


def test_an_empty_list_that_ami_reports_as_an_error_counts_zero():
    batch = STATUS.request("status", [], "ami")
    answer = Answer("ami")
    answer.parts = [Answer("ami") for _request in batch.requests]
    answer.parts[0].response = {"Response": "Success", "AsteriskVersion": "16.28.0~dfsg-0+deb11u4"}
    answer.parts[3].error = AmijsonError("action_failed", "No endpoints found")
    for index, name in ((1, "core-show-uptime-seconds-22.txt"), (2, "core-show-channels-count-16.txt"),
                        (4, "pjsip-show-contacts-22.txt")):
        answer.parts[index].output = (DATA / name).read_text().rstrip("\n").split("\n")
    answer.parts[5].records = Records([{"Event": "QueueSummary", "Queue": "q", "Callers": "3",
                                        "LongestHoldTime": "61"}])
    # chan_sip and chan_iax2 loaded, no peers: an empty list, counted 0
    record = shaped(answer, batch)
    assert (record["version"], record["endpoints"], record["endpoints_available"], record["queue_callers"],
            record["longest_wait_seconds"]) == ("16.28.0~dfsg-0+deb11u4", 0, 0, 3, 61)
    assert [record[key] for key in SIP_FIELDS + IAX2_FIELDS] == [0] * 10
    assert answer.warnings == []


def test_any_other_refusal_of_a_part_fails_the_run_naming_the_part():
    batch = STATUS.request("status", [], "rx")
    answer = rx_answer(batch, {"pjsip show contacts": AmijsonError("command_failed", "Command 'pjsip show "
                                                                                      "contacts' failed.")})
    with pytest.raises(AmijsonError) as caught:
        STATUS.shape(batch, answer)
    assert caught.value.code == "command_failed"
    assert caught.value.message == "pjsip show contacts: Command 'pjsip show contacts' failed."
    assert caught.value.answer is answer  # the route and server still reach the document


def test_a_parser_that_fails_on_a_part_costs_that_parts_fields_only(monkeypatch):
    from amijson.parsers import pjsip_contacts

    def broken(*args, **kwargs):
        raise ValueError("a bug")
    monkeypatch.setattr(pjsip_contacts, "parse", broken)
    batch = STATUS.request("status", [], "rx")
    answer = rx_answer(batch)
    record = shaped(answer, batch)
    assert record["contacts_unreachable"] is None and record["endpoints"] == 4
    assert answer.warnings == ["pjsip show contacts: parser failed on this output (ValueError: a bug); "
                               "its fields are null"] + CUT_NAMES


def test_a_parts_warnings_name_the_part():
    batch = STATUS.request("status", [], "rx")
    answer = rx_answer(batch)
    answer.parts[1].warnings.append("output[0]: bytes not valid UTF-8, decoded as latin-1")
    shaped(answer, batch)
    assert answer.warnings == ["core show uptime seconds: output[0]: bytes not valid UTF-8, decoded as latin-1",
                               CUT_URI] + CUT_NAMES
