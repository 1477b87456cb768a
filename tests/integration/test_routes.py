"""The asterisk -rx route, --via auto, and named queries giving the same records on every route."""

import pathlib
import stat
import time

import pytest

from conftest import sandbox_cmd

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
    http = amijson("--via", "http", "--port", sandbox["AMIJSON_SANDBOX_HTTP_PORT"], "channels").doc
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
        sandbox_cmd("rx", "manager reload")
        run = amijson("channels", env=env)
        assert run.returncode == 0 and run.doc["route"] == "rx"
        assert any("AMI not used (connect" in w for w in run.doc["warnings"])
        never = amijson("--via", "ami", "channels", env=env)
        assert never.returncode == 3 and never.doc["route"] == "ami"
    finally:
        conf.write_text(original)
        sandbox_cmd("rx", "manager reload")
    assert amijson("channels", env=env).doc["route"] == "ami"


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


@pytest.mark.parametrize("query,args", [("db", ["amijson"]), ("bridges", []), ("endpoints", []), ("contacts", []),
                                        ("version", []), ("calls", []), ("uptime", []), ("modules", ["pjsip"])])
def test_named_queries_answer_on_both_routes_with_the_same_keys(amijson, sandbox, live_calls, query, args):
    live_calls(1, "bang")
    env = {"AMIJSON_ASTERISK": sandbox["AMIJSON_ASTERISK"]}
    ami = amijson(query, *args, env=env).doc
    rx = amijson("--via", "rx", query, *args, env=env).doc
    assert ami["ok"] and rx["ok"], (ami["error"], rx["error"])
    assert ami["records"] and len(ami["records"]) == len(rx["records"])
    assert [sorted(r) for r in ami["records"]] == [sorted(r) for r in rx["records"]]
    if query == "db":
        values = {r["key"]: r["value"] for r in ami["records"]}
        assert values["/amijson/test/extension"] == "0123"  # stays a string
        assert values == {r["key"]: r["value"] for r in rx["records"]}
    if query == "contacts":  # the static contacts of endpoints 101 and 102
        assert sorted(r["uri"] for r in ami["records"]) == ["sip:101@127.0.0.1:5070", "sip:102@127.0.0.1:5072"]
    if query == "endpoints":
        assert [r["endpoint"] for r in ami["records"]] == [r["endpoint"] for r in rx["records"]]
        assert [r["state"] for r in ami["records"]] == [r["state"] for r in rx["records"]]
