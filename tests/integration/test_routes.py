"""The asterisk -rx route, --via auto, and named queries giving the same records on every route."""

import pathlib
import re
import socket
import stat
import time

import pytest

from conftest import via_http

VOLATILE = {"duration"}  # seconds tick between two runs


def by_uniqueid(records):
    return {r["uniqueid"]: r for r in records}


def assert_same_where_known(left, right):
    """Every field both routes know (non-null on both) is equal; durations within 2 s."""
    assert set(left) == set(right)
    for key in left:
        a, b = left[key], right[key]
        if a is None or b is None:
            continue
        if key in VOLATILE:
            assert abs(a - b) <= 2, (key, a, b)
        else:
            assert a == b, (key, a, b)


def test_channels_same_records_through_ami_command_and_rx(amijson, live_calls, sandbox):
    live_calls(2)
    live_calls(1, "bang")  # a '!' in application data, and a bridge
    ami = amijson("channels").doc
    command = amijson("--via", "ami", "command", "core show channels concise").doc
    rx = amijson("--via", "rx", "channels", env={"AMIJSON_ASTERISK": sandbox["AMIJSON_ASTERISK"]}).doc
    assert ami["route"] == "ami" and rx["route"] == "rx" and rx["parser"] == "core_show_channels.concise"
    assert command["parser"] == "core_show_channels.concise"
    ami_rows, rx_rows = by_uniqueid(ami["records"]), by_uniqueid(rx["records"])
    assert len(ami_rows) >= 8 and set(ami_rows) == set(rx_rows)
    for uniqueid, row in ami_rows.items():
        assert_same_where_known(row, rx_rows[uniqueid])
    # the command document's parser records carry the same channels
    assert {r["uniqueid"] for r in command["records"]} == set(ami_rows)
    bang = [r for r in rx["records"] if r["application"] == "Dial"]
    assert bang and bang[0]["application_data"].endswith(",,,x!y!z") and bang[0]["bridge_id"]


def test_long_lists_come_whole_on_every_route(amijson, live_calls, sandbox):
    # 800 channels: past 64 KiB, where AMI replies are taken as runs and read in
    # fewer, larger pieces, and rx output is parsed while it is written.
    live_calls(400)
    events = amijson("channels").doc
    command = amijson("--via", "ami", "command", "core show channels concise").doc
    rx = amijson("--via", "rx", "channels", env={"AMIJSON_ASTERISK": sandbox["AMIJSON_ASTERISK"]}).doc
    http = amijson("--via", "http", "--http-port", sandbox["AMIJSON_SANDBOX_HTTP_PORT"], "channels").doc
    uniqueids = {r["uniqueid"] for r in events["records"]}
    assert len(events["records"]) == len(uniqueids) == 800
    assert len([line for line in command["output"] if line]) == 800
    assert {r["uniqueid"] for r in command["records"]} == uniqueids
    assert {r["uniqueid"] for r in rx["records"]} == uniqueids
    assert len(http["records"]) == 800 and {r["uniqueid"] for r in http["records"]} == uniqueids
    context = sandbox["AMIJSON_SANDBOX_CONTEXT"]
    assert all(r["context"] == context and r["channel"].startswith("Local/") for r in events["records"])


def test_rx_without_control_socket_is_rx_unavailable(amijson, sandbox, tmp_path):
    root = pathlib.Path(sandbox["AMIJSON_SANDBOX_ROOT"])
    conf = root / "etc/asterisk/amijson-nosocket.conf"
    conf.write_text("[directories]\nastrundir => /var/run/amijson-nowhere\n")
    wrapper = tmp_path / "asterisk"
    wrapper.write_text("#!/bin/sh\nexec chroot '%s' /usr/sbin/asterisk -C /etc/asterisk/amijson-nosocket.conf \"$@\"\n"
                       % root)
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IEXEC)
    try:
        run = amijson("--via", "rx", "channels", env={"AMIJSON_ASTERISK": str(wrapper)})
    finally:
        conf.unlink()
    assert run.returncode == 3 and run.doc["error"]["code"] == "rx_unavailable"
    assert "/var/run/amijson-nowhere/asterisk.ctl" in run.doc["error"]["message"]
    assert run.doc["route"] == "rx"


@pytest.mark.release("22")  # no executable: no Asterisk involved
def test_rx_with_no_executable(amijson, tmp_path):
    run = amijson("--via", "rx", "channels", env={"AMIJSON_ASTERISK": str(tmp_path / "missing")})
    assert run.returncode == 3 and run.doc["error"]["code"] == "rx_unavailable"


def test_rx_unknown_command_fails_though_asterisk_exits_0(amijson, sandbox):
    run = amijson("--via", "rx", "command", "no such thing", env={"AMIJSON_ASTERISK": sandbox["AMIJSON_ASTERISK"]})
    assert run.returncode == 1 and run.doc["error"]["code"] == "command_failed"
    assert run.doc["error"]["message"].startswith("No such command")


def test_auto_falls_back_to_rx_when_ami_is_off(amijson, sandbox):
    conf = pathlib.Path(sandbox["AMIJSON_SANDBOX_ROOT"]) / "etc/asterisk/manager.conf"
    original = conf.read_text()
    env = {"AMIJSON_ASTERISK": sandbox["AMIJSON_ASTERISK"]}
    try:
        conf.write_text(original.replace("enabled = yes", "enabled = no", 1))
        sandbox.cmd("rx", "manager reload")
        run = amijson("channels", env=env)
        assert run.returncode == 0 and run.doc["route"] == "rx"
        assert any("AMI not used (connect" in w for w in run.doc["warnings"])
        never = amijson("--via", "ami", "channels", env=env)
        assert never.returncode == 3 and never.doc["route"] == "ami"
    finally:
        conf.write_text(original)
        _switch_ami_back_on(sandbox)
    assert amijson("channels", env=env).doc["route"] == "ami"


def _switch_ami_back_on(sandbox):
    """AMI on again, as the tests after this one expect it. Asterisk 22 does it in a `manager
    reload`. Asterisk 16 opens the port again in that reload, and then often loses it within a
    second (its log: "TCP/TLS accept failed: Bad file descriptor", "TCP/TLS listener thread ended
    abnormally"): an Asterisk bug, not amijson's, so 16 is restarted instead."""
    if sandbox.release == "16":
        sandbox.cmd("down")
        sandbox.cmd("up")
    else:
        sandbox.cmd("rx", "manager reload")
    deadline = time.monotonic() + 5
    while not _accepts(sandbox["AMIJSON_PORT"]):
        assert time.monotonic() < deadline, "AMI does not listen again"
        time.sleep(0.1)


def _accepts(port):
    try:
        socket.create_connection(("127.0.0.1", int(port)), timeout=1).close()
        return True
    except OSError:
        return False


def test_dash_rx_drop_in_gives_uptime_as_integers(amijson, sandbox):
    run = amijson("-rx", "core show uptime seconds", env={"AMIJSON_ASTERISK": sandbox["AMIJSON_ASTERISK"]})
    assert run.returncode == 0 and run.doc["parser"] == "core_show_uptime.seconds"
    (record,) = run.doc["records"]
    assert isinstance(record["system_uptime"], int) and record["system_uptime"] >= 0
    rx = amijson("--via", "rx", "-x", "core show uptime seconds",
                 env={"AMIJSON_ASTERISK": sandbox["AMIJSON_ASTERISK"]}).doc
    assert rx["route"] == "rx" and isinstance(rx["records"][0]["system_uptime"], int)


def test_queues_show_members_and_a_waiting_caller_on_both_routes(amijson, live_calls, sandbox):
    live_calls(1, "queue")
    env = {"AMIJSON_ASTERISK": sandbox["AMIJSON_ASTERISK"]}
    deadline = time.monotonic() + 10  # the call reaches Queue() just after it is answered
    while amijson("queues", "support").doc["records"][0]["calls"] != 1:
        assert time.monotonic() < deadline, "the caller never joined the queue"
        time.sleep(0.1)
    docs = [amijson("queues", "support", env=env).doc, amijson("--via", "rx", "queues", "support", env=env).doc]
    for doc in docs:
        assert doc["ok"], doc["error"]
        (queue,) = doc["records"]
        assert queue["queue"] == "support" and queue["calls"] == 1
        assert sorted(m["interface"] for m in queue["members"]) == ["PJSIP/101", "PJSIP/103"]
        (caller,) = queue["callers"]
        assert caller["position"] == 1 and caller["channel"].startswith("Local/queue@")
    ami, rx = (d["records"][0] for d in docs)
    for key in ("queue", "strategy", "calls", "max_calls", "completed", "abandoned"):
        assert ami[key] == rx[key], key
    assert {m["interface"]: m["status"] for m in ami["members"]} == {m["interface"]: m["status"] for m in rx["members"]}


# Every named query (amijson/queries.py), with the argument it takes where it takes one.
NAMED_QUERIES = [("channels", []), ("calls", []), ("uptime", []), ("version", []), ("endpoints", []),
                 ("contacts", []), ("queues", []), ("queues", ["sales"]), ("peers", []), ("db", ["amijson"]),
                 ("modules", ["pjsip"]), ("bridges", [])]
# What identifies a record, for the order of a list.
IDENTITY = {"channels": "uniqueid", "endpoints": "endpoint", "contacts": "uri", "queues": "queue", "db": "key",
            "modules": "module", "bridges": "bridge_id", "peers": "name"}
TICKING = {"duration", "wait", "system_uptime", "last_reload"}  # seconds, which tick between two runs
# What Asterisk says for "none"; a query record says null instead (issue 14).
PLACEHOLDERS = {"unknown", "<unknown>", "(None)", ""}


def same_where_known(left, right, path):
    """``left`` and ``right`` hold the same keys, lists of the same length in the same order, and
    equal values wherever both routes know one (a route that cannot know a field says null);
    seconds that tick between two runs may differ by 2."""
    if left is None or right is None:
        return
    if isinstance(left, dict) and isinstance(right, dict):
        assert sorted(left) == sorted(right), "%s: keys %s != %s" % (path, sorted(left), sorted(right))
        for key in left:
            same_where_known(left[key], right[key], "%s.%s" % (path, key))
    elif isinstance(left, list) and isinstance(right, list):
        assert len(left) == len(right), "%s: %d items != %d: %r != %r" % (path, len(left), len(right), left, right)
        for i, (a, b) in enumerate(zip(left, right)):
            same_where_known(a, b, "%s[%d]" % (path, i))
    elif path.rsplit(".", 1)[-1] in TICKING and isinstance(left, int) and isinstance(right, int):
        assert abs(left - right) <= 2, "%s: %r != %r" % (path, left, right)
    else:
        assert left == right, "%s: %r != %r" % (path, left, right)


def placeholders_in(value, path):
    if isinstance(value, dict):
        return [p for key, v in value.items() for p in placeholders_in(v, "%s.%s" % (path, key))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in placeholders_in(v, "%s[%d]" % (path, i))]
    return ["%s = %r" % (path, value)] if isinstance(value, str) and value in PLACEHOLDERS else []


def _calls_of_every_kind(sandbox, amijson, live_calls):
    """Two waiting calls, a bridged call ('!' in its Dial data), and a caller waiting in queue sales
    (no members: nothing rings, so nothing changes between the routes' runs)."""
    live_calls(2)
    live_calls(1, "bang")
    live_calls(1, "sales")
    deadline = time.monotonic() + 10  # the call reaches Queue() just after it is answered
    while "1. Local/sales@" not in sandbox.cmd("rx", "queue show sales").stdout:
        assert time.monotonic() < deadline, "the caller never joined queue sales"
        time.sleep(0.1)


@pytest.mark.parametrize("query,args", NAMED_QUERIES, ids=[" ".join([q] + a) for q, a in NAMED_QUERIES])
def test_every_named_query_gives_the_same_records_on_every_route(amijson, sandbox, live_calls, query, args):
    _calls_of_every_kind(sandbox, amijson, live_calls)
    docs = {"ami": amijson("--via", "ami", query, *args).doc,
            "http": amijson(*via_http(sandbox), query, *args).doc,
            "rx": amijson("--via", "rx", query, *args, env={"AMIJSON_ASTERISK": sandbox["AMIJSON_ASTERISK"]}).doc}
    assert {route: doc["route"] for route, doc in docs.items()} == {"ami": "ami", "http": "http", "rx": "rx"}
    if query == "peers" and sandbox.release != "16":
        # chan_sip: 22 has none (it was removed in 21). It fails everywhere, and says why: SIPpeers
        # is an unknown action over AMI, sip show peers an unknown command over rx.
        assert {route: (doc["error"] or {}).get("code") for route, doc in docs.items()} == \
            {"ami": "action_failed", "http": "action_failed", "rx": "command_failed"}, docs
        for doc in docs.values():  # says why, and what to ask instead
            assert "chan_sip is not loaded; it was removed in Asterisk 21" in doc["error"]["message"]
            assert "'endpoints'" in doc["error"]["message"]
        return
    for route, doc in docs.items():
        assert doc["ok"], (route, doc["error"])
    rx = docs["rx"]["records"]
    assert rx
    # Every disagreement is named, not only the first one.
    problems = []
    from amijson.queries import QUERIES
    for route in ("ami", "http"):  # whole values where an action answers: only rx may say one was cut
        cut = [w for w in docs[route]["warnings"] if "may be truncated" in w]
        if QUERIES[query].action is not None and cut:
            problems.append("%s warns of cut values: %r" % (route, cut))
    if query == "peers":  # rx cuts the 33-character name at 25, and says so; AMI has it whole
        assert "records[1].name may be truncated at 25 characters (fixed-width column)" in docs["rx"]["warnings"]
        whole = docs["ami"]["records"][1]["name"]
        assert whole == "trunk-carrier-with-a-33-char-name" and rx[1]["name"] == whole[:25]
        rx = [dict(r, name=whole) if i == 1 else r for i, r in enumerate(rx)]
    for route in ("ami", "http"):
        records = docs[route]["records"]
        if query in IDENTITY:
            key = IDENTITY[query]
            order, rx_order = [r[key] for r in records], [r[key] for r in rx]
            if order != rx_order:
                problems.append("%s lists %s in another order than rx: %r != %r" % (route, query, order, rx_order))
                records = sorted(records, key=lambda r: rx_order.index(r[key]) if r[key] in rx_order else -1)
        try:
            same_where_known(records, rx, "%s vs rx: records" % route)
        except AssertionError as error:
            problems.append(str(error))
    if query != "version":  # its strings are facts of the build ("on a unknown running Linux"), not "none"
        for route, doc in docs.items():
            found = placeholders_in(doc["records"], "records")
            if found:
                problems.append("%s keeps Asterisk's placeholders for none: %s" % (route, ", ".join(found)))
    if query == "endpoints":  # every route can know how many channels an endpoint has
        for route, doc in docs.items():
            channels = {r["endpoint"]: r["channels"] for r in doc["records"]}
            if channels != {"101": 0, "102": 0, "103": 0, "104": 0}:
                problems.append("%s: channels of each endpoint %r, expected 0 each" % (route, channels))
    assert not problems, "\n".join(problems)
    if query == "db":
        values = {r["key"]: r["value"] for r in rx}
        assert values["/amijson/test/extension"] == "0123"  # stays a string
    if query == "contacts":  # the static contacts of endpoints 101 and 102
        assert sorted(r["uri"] for r in rx) == ["sip:101@127.0.0.1:5070", "sip:102@127.0.0.1:5072"]
    if query == "queues":
        sales = [q for q in rx if q["queue"] == "sales"]
        assert sales[0]["calls"] == 1 and sales[0]["callers"][0]["channel"].startswith("Local/sales@")
    if query == "bridges":
        assert len(rx) == 1 and rx[0]["channels"] == 2
    if query == "channels":
        assert len(rx) == 10  # 2 each: two waiting calls, the bang call and the call it dials, the caller


# Commands whose `output` is compared route by route (issue 14, item 6: `queue show` over AMI on 16
# was said to have one more trailing empty Output line than over rx). test_core.py compares steady
# commands' output with `asterisk -rx` on each route; these run with calls of every kind up.
OUTPUT_COMMANDS = ["queue show", "core show channels", "pjsip show endpoints", "database show"]


@pytest.mark.parametrize("command", OUTPUT_COMMANDS)
def test_command_output_is_the_same_on_every_route(amijson, sandbox, live_calls, command):
    """One rule for `output` on every route (docs/usage.md): the lines `asterisk -rx` prints with
    exactly one final newline removed. Asterisk's other trailing blank lines are kept, on every
    route: `queue show` ends each queue with a blank line, `pjsip show endpoints` its count."""
    _calls_of_every_kind(sandbox, amijson, live_calls)

    def steady(lines):  # seconds that tick between the runs
        return [re.sub(r"\(wait: \d+:\d+", "(wait: M:SS", re.sub(r"\b\d+ secs ago", "N secs ago", line))
                for line in lines]

    printed = sandbox.cmd("rx", command).stdout
    assert printed.endswith("\n")
    expected = steady(printed[:-1].split("\n"))
    env = {"AMIJSON_ASTERISK": sandbox["AMIJSON_ASTERISK"]}
    outputs = {}
    for route, args in (("ami", ["--via", "ami"]), ("http", via_http(sandbox)), ("rx", ["--via", "rx"])):
        doc = amijson(*args, "command", command, env=env).doc
        assert doc["ok"] and doc["route"] == route, (route, doc["error"])
        outputs[route] = steady(doc["output"])
    for route, lines in outputs.items():
        assert lines == expected, "%s: output is not what asterisk -rx prints (its last lines %r, rx: %r)" % (
            route, lines[-3:], expected[-3:])
    if command in ("queue show", "pjsip show endpoints"):
        # Asterisk ends these with a blank line: one empty last line on every route, not two, not none
        assert printed.endswith("\n\n") and not printed.endswith("\n\n\n")
        assert expected[-1] == "" and expected[-2] != ""
    if command == "queue show":
        assert any(line.startswith("      1. Local/sales@") for line in expected)  # the waiting caller
    if command == "core show channels":
        assert expected[-3:-1] == ["10 active channels", "5 active calls"]
    if command == "database show":
        assert "/amijson/test/extension                           : 0123                     " in expected
