"""The ``status`` query on each real release: one record, the same on ami, http and rx, with
live calls, a caller waiting in a queue and an unreachable contact; each field what the query
or command it comes from says on its own; and one session for all eight requests. chan_sip and
chan_iax2 peers on 16 (the sandbox's reachable, unreachable, unmonitored and long-named ones);
on 22, which has no chan_sip (and does not load chan_iax2), their fields null and a warning each."""

import pathlib
import time

import pytest

FIELDS = ["version", "uptime_seconds", "reload_seconds", "channels", "calls", "calls_processed", "endpoints",
          "endpoints_available", "endpoints_unavailable", "contacts_unreachable", "queues", "queue_callers",
          "longest_wait_seconds"]
PEER_FIELDS = ["sip_peers", "sip_peers_monitored", "sip_peers_unmonitored", "sip_peers_online", "sip_peers_offline",
               "iax2_peers", "iax2_peers_monitored", "iax2_peers_unmonitored", "iax2_peers_online",
               "iax2_peers_offline"]
# The 16 sandbox's peers (scripts/asterisk-sandbox): chan_sip's trunk1 (OK), trunk10 (UNREACHABLE),
# desk-unmonitored and trunk-carrier-with-a-33-char-name (UNKNOWN: never registered); chan_iax2's
# trunk-iax (OK), iax-silent (UNREACHABLE) and iax-unmonitored.
PEERS_16 = dict(zip(PEER_FIELDS, [4, 3, 1, 1, 2, 3, 2, 1, 1, 1]))
CUT_NAMES_16 = ["sip show peers: records[1].name may be truncated at 25 characters (fixed-width column)",
                "iax2 show peers: records[1].name may be truncated at 15 characters (fixed-width column)"]
# Where a part's module is not loaded, the action (AMI) or the command (rx) Asterisk does not know.
PEER_SOURCES = {"ami": ("SIPpeers: Invalid/unknown command", "IAXpeerlist: Invalid/unknown command"),
                "rx": ("sip show peers: No such command 'sip show peers'",
                       "iax2 show peers: No such command 'iax2 show peers'")}
TICKING = {"uptime_seconds", "reload_seconds", "longest_wait_seconds"}  # seconds pass between two runs
ROUTES = ("ami", "http", "rx")

# A PJSIP endpoint whose static contact is qualified every second and never answers (nothing
# listens on its port): within a second or two its contact is Unavail, the endpoint Unavailable.
UNREACHABLE = """
; amijson tests/integration/test_status.py: a contact that is qualified and never answers
[199](phone)
aors = 199
[199]
type = aor
max_contacts = 1
contact = sip:199@127.0.0.1:5099
qualify_frequency = 1
qualify_timeout = 0.5
"""


def via(sandbox, route):
    return {"ami": ("--via", "ami"), "http": ("--via", "http", "--http-port", sandbox["AMIJSON_SANDBOX_HTTP_PORT"]),
            "rx": ("--via", "rx")}[route]


def status(amijson, sandbox, route, *options):
    run = amijson(*options, *via(sandbox, route), "status", env={"AMIJSON_ASTERISK": sandbox["AMIJSON_ASTERISK"]})
    assert run.returncode == 0 and run.doc["ok"], run.doc
    assert run.doc["route"] == route, run.doc
    (record,) = run.doc["records"]
    assert list(record) == FIELDS + PEER_FIELDS
    assert all(isinstance(record[key], int) for key in FIELDS[1:]), record
    if sandbox.release == "16":
        # only rx reads the CLI's tables, which cut the 33-character chan_sip name and the
        # 15-character chan_iax2 one (it fills the column): the parts' records say so
        assert run.doc["warnings"] == ([] if route != "rx" else CUT_NAMES_16), run.doc
        assert all(isinstance(record[key], int) for key in PEER_FIELDS), record
    else:  # no chan_sip, no chan_iax2: null, and a warning names each part
        assert [record[key] for key in PEER_FIELDS] == [None] * 10, record
        sources = PEER_SOURCES["rx" if route == "rx" else "ami"]
        assert len(run.doc["warnings"]) == 2, run.doc["warnings"]
        for warning, source in zip(run.doc["warnings"], sources):
            assert warning.startswith(source) and warning.endswith("(its fields are null)"), warning
    return run.doc, record


def records(amijson, *args, env=None):
    run = amijson(*args, env=env)
    assert run.returncode == 0, run.doc
    return run.doc["records"]


def differences(left, right):
    """The fields two records disagree on (seconds within 2 s of each other agree)."""
    return {key: (left[key], right[key]) for key in FIELDS + PEER_FIELDS
            if not (left[key] == right[key] or key in TICKING and abs(left[key] - right[key]) <= 2)}


@pytest.fixture
def unreachable_contact(sandbox):
    """An unreachable contact (endpoint 199), unless the sandbox has one already; the
    configuration is put back afterwards."""
    def contacts():
        return sandbox.cmd("rx", "pjsip show contacts").stdout

    if " Unavail " in contacts():
        yield
        return
    conf = pathlib.Path(sandbox["AMIJSON_SANDBOX_ROOT"]) / "etc/asterisk/pjsip.conf"
    original = conf.read_text()
    try:
        conf.write_text(original + UNREACHABLE)
        sandbox.cmd("rx", "module reload res_pjsip.so")
        deadline = time.monotonic() + 15
        while "199/sip:199@127.0.0.1:5099" not in contacts() or " Unavail " not in contacts():
            assert time.monotonic() < deadline, "the contact of endpoint 199 did not turn Unavail:\n" + contacts()
            time.sleep(0.2)
        yield
    finally:
        conf.write_text(original)
        sandbox.cmd("rx", "module reload res_pjsip.so")


@pytest.fixture
def busy(sandbox, live_calls, amijson, unreachable_contact):
    """Two calls, a caller waiting in queue sales (which has no members: nothing rings, so the
    channels stay as they are between the routes' runs), and an unreachable contact."""
    live_calls(2)
    live_calls(1, "sales")
    deadline = time.monotonic() + 15
    while not any(q["queue"] == "sales" and q["callers"] for q in records(amijson, "queues")):
        assert time.monotonic() < deadline, "no caller reached the sales queue"
        time.sleep(0.2)


def test_status_is_the_same_record_on_every_route(amijson, sandbox, busy):
    # Another run between two of ours (a call ending, a qualify) can change a count: the three
    # routes are asked again, up to five times, until one round agrees.
    for _attempt in range(5):
        found = {route: status(amijson, sandbox, route)[1] for route in ROUTES}
        disagree = {route: differences(found["ami"], found[route]) for route in ROUTES[1:]}
        if not any(disagree.values()):
            break
        time.sleep(0.5)
    assert not any(disagree.values()), (disagree, found)
    record = found["ami"]
    assert record["channels"] >= 6 and record["calls"] >= 3 and record["calls_processed"] >= 3
    assert (record["endpoints"], record["endpoints_unavailable"]) == (5, 3)  # 103, 104 and 199
    assert record["endpoints_available"] == 2 and record["contacts_unreachable"] == 1
    assert (record["queues"], record["queue_callers"]) == (2, 1) and record["longest_wait_seconds"] >= 0
    assert record["uptime_seconds"] >= record["reload_seconds"] >= 0
    assert {key: record[key] for key in PEER_FIELDS} == (PEERS_16 if sandbox.release == "16"
                                                         else dict.fromkeys(PEER_FIELDS))


def test_each_field_is_what_its_source_says(amijson, sandbox, busy):
    for _attempt in range(5):
        record = status(amijson, sandbox, "ami")[1]
        endpoints = records(amijson, "endpoints")
        contacts = records(amijson, "contacts")
        queues = records(amijson, "queues")
        (counts,) = records(amijson, "command", "core show channels count")
        (uptime,) = records(amijson, "uptime")
        (version,) = records(amijson, "version")
        expected = {
            "version": version["version"],
            "uptime_seconds": uptime["system_uptime"],
            "reload_seconds": uptime["last_reload"],
            "channels": counts["active_channels"],
            "calls": counts["active_calls"],
            "calls_processed": counts["calls_processed"],
            "endpoints": len(endpoints),
            "endpoints_available": sum(e["state"] != "Unavailable" for e in endpoints),
            "endpoints_unavailable": sum(e["state"] == "Unavailable" for e in endpoints),
            "contacts_unreachable": sum(c["status"] == "Unavail" for c in contacts),
            "queues": len(queues),
            "queue_callers": sum(len(q["callers"]) for q in queues),
            "longest_wait_seconds": max((c["wait"] for q in queues for c in q["callers"]), default=0),
        }
        expected.update(peer_counts_of(amijson, sandbox))
        if not differences(record, expected):
            break
    assert not differences(record, expected), (record, expected)
    assert version["version"] == records(amijson, "--via", "rx", "version",
                                         env={"AMIJSON_ASTERISK": sandbox["AMIJSON_ASTERISK"]})[0]["version"]


def peer_counts_of(amijson, sandbox):
    """What the peers query (SIPpeers) and ``iax2 show peers`` say, counted; None without them."""
    if sandbox.release != "16":
        return dict.fromkeys(PEER_FIELDS)
    counts = {}
    for prefix, peers in (("sip_peers", records(amijson, "peers")),
                          ("iax2_peers", records(amijson, "command", "iax2 show peers"))):
        statuses = [p["status"] for p in peers]
        monitored = [s for s in statuses if s != "Unmonitored"]
        online = [s for s in monitored if s.startswith(("OK (", "LAGGED ("))]
        counts.update({prefix: len(statuses), prefix + "_monitored": len(monitored),
                       prefix + "_unmonitored": len(statuses) - len(monitored), prefix + "_online": len(online),
                       prefix + "_offline": len(monitored) - len(online)})
    return counts


def test_status_is_one_session_and_names_its_parts(amijson, sandbox):
    doc, _record = status(amijson, sandbox, "ami", "--debug")
    assert doc["request"]["action"] is None and doc["request"]["command"] is None
    assert [(p["action"], p["command"]) for p in doc["request"]["parts"]] == [
        ("CoreSettings", None), ("Command", "core show uptime seconds"), ("Command", "core show channels count"),
        ("PJSIPShowEndpoints", None), ("Command", "pjsip show contacts"), ("QueueSummary", None),
        ("SIPpeers", None), ("IAXpeerlist", None)]
    assert (doc["response"], doc["output"], doc["parser"]) == (None, None, None)
    run = amijson("--debug", "status")
    sent = [line[10:] for line in run.stderr.splitlines() if line.startswith("> Action: ")]
    assert sent == ["Challenge", "Login", "CoreSettings", "Command", "Command", "PJSIPShowEndpoints", "Command",
                    "QueueSummary", "SIPpeers", "IAXpeerlist", "Logoff"]
    http = amijson("--debug", *via(sandbox, "http"), "status")
    # HTTP: the same requests after the login, pipelined (its Logoff is not in the transcript)
    assert [line[10:] for line in http.stderr.splitlines() if line.startswith("> Action: ")] == sent[:-1]


def test_status_without_the_command_class_is_permission_and_names_it(amijson, sandbox):
    run = amijson("status", env={"AMIJSON_USER": sandbox["AMIJSON_SANDBOX_READONLY_USER"],
                                 "AMIJSON_SECRET": sandbox["AMIJSON_SANDBOX_READONLY_SECRET"]})
    assert run.returncode == 4 and run.doc["error"]["code"] == "permission"
    assert "command" in run.doc["error"]["message"] and run.doc["records"] == []


def test_the_uptime_on_ami_and_rx_agree_to_the_second(amijson, sandbox):
    """Both read Asterisk's own clock through core show uptime seconds; a second may tick."""
    rx = status(amijson, sandbox, "rx")[1]
    ami = status(amijson, sandbox, "ami")[1]
    assert 0 <= ami["uptime_seconds"] - rx["uptime_seconds"] <= 1
    assert 0 <= ami["reload_seconds"] - rx["reload_seconds"] <= 1


# Zabbix's template "Asterisk by HTTP" (docs/monitoring.md, defect 1) turns the words of `core show
# uptime` into seconds: each "N year(s)", "N week(s)", ... "N second(s)" it finds, times the unit,
# with a year as 220,752,000 s, which is 365 weeks. Restated here, not copied.
TEMPLATE_UNITS = (("year", 220752000), ("week", 604800), ("day", 86400), ("hour", 3600), ("minute", 60),
                  ("second", 1))
# Asterisk's units (main/cli.c, print_uptimestr, the same in 16 and 22): a year is 365 days.
ASTERISK_UNITS = (("year", 365 * 86400), ("week", 7 * 86400), ("day", 86400), ("hour", 3600), ("minute", 60))


def template_uptime_seconds(words):
    import re
    total = 0
    for unit, seconds in TEMPLATE_UNITS:
        found = re.search(r"(\d+) %ss?" % unit, words)
        total += int(found.group(1)) * seconds if found else 0
    return total


def asterisk_uptime_words(seconds):
    """What `core show uptime` prints after "System uptime: " for ``seconds`` (print_uptimestr:
    each unit only when strictly more than one of it is left, seconds last, "0 seconds" alone)."""
    words = []
    for unit, size in ASTERISK_UNITS:
        if seconds > size:
            count, seconds = divmod(seconds, size)
            words.append("%d %s%s" % (count, unit, "" if count == 1 else "s"))
    if seconds > 0 or not words:
        words.append("%d second%s" % (seconds, "" if seconds == 1 else "s"))
    return ", ".join(words)


def test_the_template_counts_a_year_as_365_weeks(amijson, sandbox):
    """The template's reading of the sandbox's real `core show uptime` is right under a year, and
    amijson's uptime_seconds is the same number; a year more, as Asterisk counts and prints it,
    and the template reads it as seven (defect 1), while amijson reads Asterisk's own count."""
    before = status(amijson, sandbox, "ami")[1]["uptime_seconds"]
    run = amijson("command", "core show uptime")
    after = status(amijson, sandbox, "ami")[1]["uptime_seconds"]
    assert run.doc["ok"], run.doc
    (line,) = [line for line in run.doc["output"] if line.startswith("System uptime: ")]
    words = line[len("System uptime: "):]
    (uptime,) = [s for s in range(before, after + 1) if asterisk_uptime_words(s) == words]  # Asterisk's words
    assert template_uptime_seconds(words) == uptime  # under a year the template agrees with amijson
    year = 365 * 86400
    for seconds in (uptime + year, uptime + year + 2 * 604800 + 3 * 86400):
        later = asterisk_uptime_words(seconds)
        assert later.startswith("1 year, ")
        assert template_uptime_seconds(later) - seconds == 6 * year  # a year read as 7: 189,216,000 s too many
        from amijson import parsers  # amijson's own reading of the same words (core show uptime)
        (record,) = parsers.parse("core show uptime", "System uptime: %s\n" % later, [])[1]
        assert record["system_uptime"] == seconds
    # the example in docs/monitoring.md
    assert template_uptime_seconds("1 year, 2 weeks") == 221961600
    assert asterisk_uptime_words(32745600) == "1 year, 2 weeks"
