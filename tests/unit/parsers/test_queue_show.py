"""'queue show', with members, callers, colour codes and the service level.

Samples: tests/data/cli/ (cli_samples.py reads them)."""

from amijson.parsers import queue_show

from cli_samples import read, run


ALICE_22 = {
    "name": "Alice", "interface": "PJSIP/101", "state_interface": None, "status": "Not in use",
    "dynamic": False, "realtime": False, "in_call": False, "paused": False, "paused_reason": None,
    "paused_secs": None, "ringinuse": True, "penalty": None, "calls_taken": 0,
    "last_call_secs": None, "login_secs": 46,
}


# The sales queue, no member and no caller, as both releases show it.
EMPTY_SALES = {
    "queue": "sales", "calls": 0, "max_calls": None, "strategy": "leastrecent",
    "holdtime": 0, "talktime": 0, "weight": 0, "completed": 0, "abandoned": 0,
    "service_level_perf": 0.0, "service_level_perf2": 0.0, "service_level": 0,
    "members": [], "callers": [],
}


def test_queue_show_22():
    records, warnings = run(queue_show, "queue-show-22.txt")
    assert warnings == []
    assert [r["queue"] for r in records] == ["sales", "support"]
    sales, support = records
    assert sales == EMPTY_SALES
    assert support["calls"] == 1 and support["strategy"] == "ringall"
    assert support["callers"] == [
        {"position": 1, "channel": "Local/queue@amijson-test-00000004;2", "wait": 2, "priority": 0}]
    assert [m["name"] for m in support["members"]] == ["Carol", "Alice"]
    assert support["members"][0]["status"] == "Unavailable"
    assert support["members"][1] == ALICE_22


def test_queue_show_support_22():
    records, warnings = run(queue_show, "queue-show-support-22.txt")
    assert warnings == [] and len(records) == 1
    assert records[0]["callers"] == [
        {"position": 1, "channel": "Local/queue@amijson-test-00000004;2", "wait": 2, "priority": 0}]
    alice = records[0]["members"][1]
    assert (alice["name"], alice["interface"], alice["status"]) == ("Alice", "PJSIP/101", "Not in use")


def test_queue_show_no_such_queue_and_no_queues():
    assert run(queue_show, "queue-show-nosuch-22.txt") == ([], [])
    assert run(queue_show, "queue-show-noqueues-13.txt") == ([], [])


def test_queue_show_13_without_sl2():
    records, warnings = run(queue_show, "queue-show-13.txt")
    assert warnings == []
    support, sales = records
    assert (support["max_calls"], support["strategy"], support["holdtime"], support["talktime"]) == \
        (10, "rrmemory", 12, 95)
    assert (support["completed"], support["abandoned"], support["service_level_perf"],
            support["service_level_perf2"], support["service_level"]) == (14, 2, 85.7, None, 60)
    bob, carol, sip202 = support["members"]
    assert bob == {
        "name": "Bob", "interface": "SIP/201", "state_interface": None, "status": "In use",
        "dynamic": True, "realtime": False, "in_call": False, "paused": True, "paused_reason": None,
        "paused_secs": None, "ringinuse": False, "penalty": 2, "calls_taken": 5,
        "last_call_secs": 130, "login_secs": None,
    }
    assert (carol["interface"], carol["state_interface"], carol["calls_taken"]) == \
        ("Local/300@agents/n", "SIP/300", 0)
    assert (sip202["name"], sip202["interface"], sip202["realtime"], sip202["status"]) == \
        ("SIP/202", "SIP/202", True, "Unavailable")
    assert support["callers"] == [
        {"position": 1, "channel": "SIP/trunk-00000012", "wait": 65, "priority": 0},
        {"position": 2, "channel": "SIP/trunk-00000013", "wait": 9, "priority": 5},
    ]
    assert sales["members"] == [] and sales["service_level_perf2"] is None


def test_queue_show_with_ansi_colour():
    text = read("queue-show-color-18.txt")
    assert "\x1b[1;32;40mNot in use\x1b[0m" in text
    records, warnings = run(queue_show, None, text=text)
    assert warnings == []
    support = records[1]
    assert (support["service_level_perf"], support["service_level_perf2"], support["weight"]) == (91.7, 88.2, 2)
    alice, bob, carol, pjsip104 = support["members"]
    assert (alice["status"], alice["calls_taken"], alice["last_call_secs"], alice["login_secs"]) == \
        ("Not in use", 12, 305, 7200)
    assert bob["state_interface"] == "Custom:bob" and bob["penalty"] == 1
    assert bob["dynamic"] and bob["in_call"] and bob["ringinuse"] is False and bob["status"] == "In use"
    assert carol["paused"] and carol["paused_reason"] == "Lunch break" and carol["paused_secs"] == 600
    assert carol["dynamic"] and carol["status"] == "Not in use"
    assert pjsip104["realtime"] and pjsip104["interface"] == "PJSIP/104" and pjsip104["status"] == "Unavailable"
    assert [c["wait"] for c in support["callers"]] == [65, 9]
    assert support["callers"][1]["priority"] == 10


def test_queue_show_colourless_equals_coloured_after_stripping():
    import re

    text = read("queue-show-color-18.txt")
    assert queue_show.parse(re.sub(r"\x1b\[[0-9;]*m", "", text)) == queue_show.parse(text)


def test_queue_show_no_final_newline_trailing_spaces():
    text = read("queue-show-support-22.txt").rstrip("\n")
    text = "\n".join(line + "  " for line in text.splitlines())
    records = queue_show.parse(text)
    assert records[0]["members"][1] == ALICE_22
    assert records[0]["callers"][0]["wait"] == 2


def test_queue_show_penalty_in_parentheses_and_paused_without_reason():
    line = "      Dave (PJSIP/105) (with penalty 3) (ringinuse enabled) (paused was 12 secs ago) (Busy) has taken no calls yet"
    text = ("q has 0 calls (max unlimited) in 'ringall' strategy (0s holdtime, 0s talktime), "
            "W:0, C:0, A:0, SL:0.0%, SL2:0.0% within 0s\n   Members: \n" + line + "\n   No Callers\n")
    member = queue_show.parse(text)[0]["members"][0]
    assert (member["penalty"], member["paused"], member["paused_reason"], member["paused_secs"], member["status"]) == \
        (3, True, None, 12, "Busy")


def test_queue_service_level_reads_alike_from_ami_and_cli():
    # One reading of the field on both routes; JSON has no NaN for it to become.
    from amijson.parsers.columns import float_or_none
    from amijson.queries import queues_from_events
    assert [float_or_none(t) for t in ("87.5", "0.0", "nan", "", None, "n/a")] == [87.5, 0.0, None, None, None, None]
    params = {"Event": "QueueParams", "Queue": "q1", "Max": "0", "ServicelevelPerf": "nan"}
    assert queues_from_events([params])[0]["service_level_perf"] is None
    params["ServicelevelPerf"] = "87.5"
    assert queues_from_events([params])[0]["service_level_perf"] == 87.5


# Asterisk 16.28 (real captures): Carol and Alice logged in 4 s before, a caller waiting in support.
CAROL_16 = dict(ALICE_22, name="Carol", interface="PJSIP/103", status="Unavailable", login_secs=4)
ALICE_16 = dict(ALICE_22, login_secs=4)
CALLER_16 = {"position": 1, "channel": "Local/queue@amijson-test-00000005;2", "wait": 2, "priority": 0}


def test_queue_show_16():
    records, warnings = run(queue_show, "queue-show-16.txt")
    assert warnings == []
    assert [r["queue"] for r in records] == ["sales", "support"]
    sales, support = records
    assert sales == EMPTY_SALES
    assert (support["calls"], support["strategy"], support["max_calls"]) == (1, "ringall", None)
    assert support["members"] == [CAROL_16, ALICE_16]
    assert support["callers"] == [CALLER_16]


def test_queue_show_support_16_and_no_such_queue():
    records, warnings = run(queue_show, "queue-show-support-16.txt")
    assert warnings == [] and len(records) == 1
    assert records[0]["queue"] == "support" and records[0]["calls"] == 1
    assert records[0]["members"] == [CAROL_16, ALICE_16] and records[0]["callers"] == [CALLER_16]
    assert records == run(queue_show, "queue-show-16.txt")[0][1:]
    assert read("queue-show-nosuch-16.txt") == "No such queue: nosuch.\n"
    assert run(queue_show, "queue-show-nosuch-16.txt") == ([], [])
