"""Originate and the AGI action against scripted Asterisk 22 peers: what a real Asterisk will not
do on demand (issue 24; docs/originate.md).

The peers follow Asterisk 22.9.0's main/manager.c and res/res_agi.c (tests/fakeami.py:
asterisk_22 over TCP, HttpAsterisk22 over HTTP, Manager22 for the event mask and the Filter a
session set, which they honour as Asterisk does). Each run goes through ``amijson_offline``: one
schema-valid document, no traceback, no secret. Every run that logged in must also have sent
Logoff, whatever its end: no AMI session left behind.
"""

import re
import time

import pytest

from fakeami import (Decoy, HttpAsterisk22, ScriptedAmi, agi_ack_22, asterisk_22, async_agi_exec_22,
                     extension_missing_22, filter_ack_22, originate_ack_22, originate_failed_22, originate_response_22,
                     permission_denied_22)

DEADLINE = 2.0
CONTEXT = "amijson-test"
ANSWERED = "Local/wait@amijson-test-0000002a;1"
FOREIGN_ID = "someone-else-7"  # another client's ActionID: its OriginateResponse reaches us too
CHANNEL_ID = re.compile(r"amijson-[0-9a-f]{16}\Z")
ROUTES = ["ami", "http"]
MIB = 1 << 20


def originate(*extra, asynchronous="true", channel="Local/wait@" + CONTEXT):
    words = ["action", "Originate", "Channel=" + channel, "Context=" + CONTEXT, "Exten=wait", "Priority=1"]
    if asynchronous is not None:
        words.append("Async=" + asynchronous)
    return words + list(extra)


def run_peer(amijson_offline, route, on_action, *args, code, error=None, timeout=DEADLINE,
             filter_reply=permission_denied_22, waits=(), env=None, logoff=True):
    """amijson over ``route`` against Asterisk 22 whose other actions ``on_action`` answers (see
    fakeami.asterisk_22 / HttpAsterisk22); ``timeout`` None gives no --timeout. Checks the exit
    code, the error code, the deadline (plus 1 s) and, with ``logoff``, that Logoff came.
    The Filter is refused unless ``filter_reply`` says otherwise: a user without the ``system``
    write class, whose session gets every ``call`` event (other clients' among them)."""
    if route == "http":
        scenario = HttpAsterisk22(on_action, filter_reply=filter_reply, waits=waits)
        options = ["--via", "http", "--auth", "plain"]
    else:
        scenario = asterisk_22(on_action, filter_reply=filter_reply)
        options = ["--via", "ami"]
    deadline = timeout if timeout is not None else 40
    with ScriptedAmi(scenario) as server:
        port = ["--http-port" if route == "http" else "--port", str(server.port)]
        limit = ["--timeout", str(timeout)] if timeout is not None else []
        run = amijson_offline(*options, *port, *limit, *args, env=env, timeout=deadline + 30)
        give_up = time.monotonic() + 3  # the peer's thread may not have read the Logoff yet
        while logoff and "logoff" not in server.actions() and time.monotonic() < give_up:
            time.sleep(0.05)
    assert run.elapsed < deadline + 1.0, "took %.1fs past a %ss deadline" % (run.elapsed, deadline)
    assert run.returncode == code, (run.returncode, run.doc)
    if error:
        assert run.doc["error"]["code"] == error, run.doc["error"]
    else:
        assert run.doc["error"] is None, run.doc["error"]
    assert run.doc["route"] == route
    if logoff:
        assert server.actions()[-1] == "logoff", server.actions()
    run.server = server
    run.scenario = scenario
    return run


def filter_ok(h):
    """The Filter acked (22.9.0 action_filter): the peer then sends only events it matches."""
    return filter_ack_22(h)


def sent(run, action):
    """The headers of each ``action`` the peer received, in order."""
    return [h for h in run.server.received if h.get("action", "").lower() == action]


def our_id(run):
    return sent(run, "originate")[0]["actionid"]


# --- an OriginateResponse that never comes ------------------------------------------------------

def ack_only(session, h):
    reply = originate_ack_22(h)
    return reply if session.http else session.peer.send(reply)


@pytest.mark.parametrize("route", ROUTES)
def test_an_originate_response_that_never_comes_ends_at_the_deadline(amijson_offline, route):
    run = run_peer(amijson_offline, route, ack_only, *originate(), code=5, error="timeout", filter_reply=filter_ok)
    assert run.elapsed > DEADLINE - 0.5, "gave up at %.1fs, before the deadline" % run.elapsed
    assert run.doc["response"]["Message"] == "Originate successfully queued"  # the ack, kept
    assert run.doc["outcome"] == {"awaited": "OriginateResponse", "result": None, "event": None}
    assert run.doc["ok"] is False
    message = run.doc["error"]["message"]
    assert "OriginateResponse" in message and "call" in message, message  # the read class it needs
    assert run.doc["records"] == [] and run.doc["complete"] is None
    if route == "http":
        assert run.scenario.wait_events >= 1


# --- other clients' events, and ours before the ack ---------------------------------------------

def foreign_then_ours(session, h):
    """The Filter refused: another client's OriginateResponse (a busy call) comes first."""
    foreign = originate_response_22(h, reason=5, channel="Local/busy@amijson-test-00000001;1",
                                    action_id=FOREIGN_ID)
    ours = originate_response_22(h, reason=4, channel=ANSWERED)
    if session.http:
        session.event(foreign)
        session.event(ours)
        return originate_ack_22(h)
    session.peer.send(originate_ack_22(h))
    session.event(foreign)
    time.sleep(0.2)  # two reads on amijson's side
    session.event(ours)


@pytest.mark.parametrize("route", ROUTES)
def test_another_clients_originate_response_first_is_ignored(amijson_offline, route):
    run = run_peer(amijson_offline, route, foreign_then_ours, *originate(), code=0)
    outcome = run.doc["outcome"]
    assert outcome["awaited"] == "OriginateResponse" and outcome["result"] == "answered", outcome
    event = outcome["event"]
    assert event["ActionID"] == our_id(run) and event["ActionID"] != FOREIGN_ID
    assert (event["Event"], event["Response"], event["Reason"], event["Channel"]) == (
        "OriginateResponse", "Success", "4", ANSWERED)
    assert run.doc["ok"] is True and run.doc["response"]["Message"] == "Originate successfully queued"


def test_another_clients_event_in_a_later_wait_event_over_http(amijson_offline):
    """Over HTTP: the first WaitEvent hands out another client's event only, a later one ours."""
    def ack(session, h):
        session.originate = h
        return originate_ack_22(h)

    def foreign(session):
        session.event(originate_response_22(session.originate, reason=5, action_id=FOREIGN_ID))

    def ours(session):
        session.event(originate_response_22(session.originate, reason=4, channel=ANSWERED))
    run = run_peer(amijson_offline, "http", ack, *originate(), code=0, waits=[foreign, ours])
    assert run.doc["outcome"]["result"] == "answered"
    assert run.doc["outcome"]["event"]["ActionID"] == our_id(run)
    assert run.scenario.wait_events == 2


def test_ours_before_the_ack(amijson_offline):
    """fast_originate runs in its own thread: a call that fails at once can send its event before
    action_originate sends the ack."""
    def event_first(session, h):
        session.event(originate_response_22(h, reason=0, channel="Local/nowhere@nocontext",
                                            response="Failure"))
        session.peer.send(originate_ack_22(h))
    run = run_peer(amijson_offline, "ami", event_first, *originate(channel="Local/nowhere@nocontext"), code=1,
                   error="action_failed", filter_reply=filter_ok)
    assert run.doc["response"]["Message"] == "Originate successfully queued"
    assert run.doc["outcome"]["result"] == "failed"
    assert run.doc["outcome"]["event"]["Uniqueid"] == sent(run, "originate")[0]["channelid"]
    assert "failed" in run.doc["error"]["message"] and "Local/nowhere@nocontext" in run.doc["error"]["message"]


# --- Reason, as sent, and the word beside it ----------------------------------------------------

REASONS = [("4", "answered"), ("1", "hangup"), ("5", "busy"), ("8", "congestion"), ("3", "no_answer"),
           ("0", "failed"), ("2", "unknown"), ("99", "unknown"), ("abc", "unknown"), ("", "unknown"),
           ("4x", "unknown"), ("-4", "unknown"), ("\u2074", "unknown")]


def answering(reason, response=None, channel=ANSWERED):
    def on_action(session, h):
        event = originate_response_22(h, reason=reason, response=response, channel=channel)
        if session.http:
            session.event(event)
            return originate_ack_22(h)
        session.peer.send(originate_ack_22(h))
        session.event(event)
    return on_action


@pytest.mark.parametrize("reason,word", REASONS, ids=["%s-%s" % (w, r.encode("unicode_escape").decode() or "empty")
                                                      for r, w in REASONS])
def test_each_reason_gives_its_word(amijson_offline, reason, word):
    code, error = (0, None) if word == "answered" else (1, "action_failed")
    run = run_peer(amijson_offline, "ami", answering(reason), *originate(), code=code, error=error)
    outcome = run.doc["outcome"]
    assert outcome["awaited"] == "OriginateResponse" and outcome["result"] == word, outcome
    assert outcome["event"]["Reason"] == reason  # as sent, a string
    assert run.doc["ok"] is (word == "answered")
    if error:
        message = run.doc["error"]["message"]
        assert word in message and ANSWERED in message, message


@pytest.mark.parametrize("route", ROUTES)
def test_a_reason_that_is_not_a_number_is_unknown(amijson_offline, route):
    run = run_peer(amijson_offline, route, answering("abc", response="Failure"), *originate(), code=1,
                   error="action_failed")
    assert run.doc["outcome"]["result"] == "unknown" and run.doc["outcome"]["event"]["Reason"] == "abc"
    assert "unknown" in run.doc["error"]["message"]


def test_reason_4_with_response_failure_is_not_ok(amijson_offline):
    """ok needs both: Response Success and the result answered."""
    run = run_peer(amijson_offline, "ami", answering("4", response="Failure"), *originate(), code=1,
                   error="action_failed")
    assert run.doc["ok"] is False and run.doc["outcome"]["event"]["Response"] == "Failure"


def test_busy_message_names_the_outcome_and_the_channel(amijson_offline):
    busy = "Local/busy@amijson-test-0000002a;1"
    run = run_peer(amijson_offline, "ami", answering("5", channel=busy), *originate(), code=1, error="action_failed")
    assert run.doc["error"]["message"] == "Originate ended busy (Reason 5): " + busy


# --- 1 MB events --------------------------------------------------------------------------------

def big_events(session, h):
    """The Filter refused: a 1 MiB event of another channel, then ours with a 1 MiB CallerIDName."""
    unrelated = (b"Event: Newchannel\r\nPrivilege: call,all\r\nChannel: PJSIP/101-00000001\r\nCallerIDName: "
                 + b"u" * MIB + b"\r\nUniqueid: 1764567890.1\r\n\r\n")
    ours = originate_response_22(h, reason=4, channel=ANSWERED, caller_id_name=b"n" * MIB)
    if session.http:
        session.event(unrelated)
        session.event(ours)
        return originate_ack_22(h)
    session.peer.send(originate_ack_22(h))
    session.event(unrelated)
    session.event(ours)


@pytest.mark.parametrize("route", ROUTES)
def test_a_1mib_unrelated_event_then_ours_with_a_1mib_value(amijson_offline, route):
    run = run_peer(amijson_offline, route, big_events, *originate(), code=0, timeout=10)
    event = run.doc["outcome"]["event"]
    assert event["CallerIDName"] == "n" * MIB and event["Channel"] == ANSWERED
    assert run.doc["outcome"]["result"] == "answered"
    assert "u" * 1000 not in run.stdout  # the other channel's event is in no part of the document


@pytest.mark.parametrize("route", ROUTES)
def test_1mib_events_past_max_size_1_are_a_clean_protocol_error(amijson_offline, route):
    run = run_peer(amijson_offline, route, big_events, "--max-size", "1", *originate(), code=6, error="protocol",
                   timeout=10)
    assert "--max-size" in run.doc["error"]["message"]
    assert run.doc["response"]["Message"] == "Originate successfully queued"


# --- what the peer received: event mask, Filter, ChannelId --------------------------------------

@pytest.mark.parametrize("route", ROUTES)
def test_login_events_call_a_filter_on_our_action_id_and_a_channel_id_added(amijson_offline, route):
    run = run_peer(amijson_offline, route, answering("4"), *originate(), code=0, filter_reply=filter_ok)
    actions = run.server.actions()
    assert sent(run, "login")[0]["events"].lower() == "call"
    filters = sent(run, "filter")
    assert len(filters) == 1 and actions.index("filter") < actions.index("originate"), actions
    assert filters[0]["operation"].lower() == "add"
    ours = our_id(run)
    assert filters[0]["filter"] == "ActionID: %s[[:space:]]" % ours.replace(".", "\\.")
    channel_id = sent(run, "originate")[0]["channelid"]
    assert CHANNEL_ID.match(channel_id), channel_id
    assert run.doc["request"]["headers"]["ChannelId"] == channel_id
    # The filter held: the peer, honouring it as Asterisk does, still sent our event.
    assert run.doc["outcome"]["event"]["Uniqueid"] == channel_id


@pytest.mark.parametrize("route", ROUTES)
def test_a_channel_id_given_is_kept(amijson_offline, route):
    run = run_peer(amijson_offline, route, answering("4"), *originate("ChannelId=my-call-1"), code=0,
                   filter_reply=filter_ok)
    (sent_originate,) = sent(run, "originate")
    assert sent_originate["channelid"] == "my-call-1"
    assert run.doc["request"]["headers"]["ChannelId"] == "my-call-1"
    assert run.doc["outcome"]["event"]["Uniqueid"] == "my-call-1"


def test_each_channel_id_is_new(amijson_offline):
    ids = set()
    for _ in range(3):
        run = run_peer(amijson_offline, "ami", answering("4"), *originate(), code=0)
        ids.add(sent(run, "originate")[0]["channelid"])
    assert len(ids) == 3


def test_a_refused_filter_is_fine_and_other_events_are_skipped(amijson_offline):
    """A user without ``system`` write: Filter refused, every call event comes; only ours counts."""
    def noisy(session, h):
        session.peer.send(originate_ack_22(h))
        for i in range(50):
            session.event(b"Event: Newstate\r\nPrivilege: call,all\r\nChannel: PJSIP/10%d-0000000%d\r\n"
                          b"ChannelState: 5\r\nChannelStateDesc: Ringing\r\n\r\n" % (i % 4, i))
        session.event(originate_response_22(h, reason=3, channel=ANSWERED))
    run = run_peer(amijson_offline, "ami", noisy, *originate(), code=1, error="action_failed",
                   filter_reply=permission_denied_22)
    assert run.doc["outcome"]["result"] == "no_answer"
    assert run.doc["records"] == []


@pytest.mark.parametrize("spelling", ["true", "YES", "on", "T", "1", "y", "True"])
def test_every_async_spelling_asterisk_takes_waits(amijson_offline, spelling):
    run = run_peer(amijson_offline, "ami", answering("4"), *originate(asynchronous=spelling), code=0)
    assert run.doc["outcome"]["awaited"] == "OriginateResponse"


# --- sync Originate, --no-wait, a refused Originate ---------------------------------------------

@pytest.mark.parametrize("spelling", [None, "false", "NO", "off", "0", "f"])
def test_sync_originate_answered(amijson_offline, spelling):
    def answered(session, h):
        session.peer.send(originate_ack_22(h))  # a sync Originate's Success: the same words
    run = run_peer(amijson_offline, "ami", answered, *originate("Timeout=1000", asynchronous=spelling), code=0)
    assert run.doc["outcome"] == {"awaited": None, "result": "answered", "event": None}
    assert run.doc["ok"] is True


def test_sync_originate_failed(amijson_offline):
    def failed(session, h):
        session.peer.send(originate_failed_22(h))
    run = run_peer(amijson_offline, "ami", failed, *originate("Timeout=1000", asynchronous=None), code=1,
                   error="action_failed")
    assert run.doc["outcome"] == {"awaited": None, "result": None, "event": None}
    assert run.doc["response"]["Message"] == "Originate failed"


def test_sync_originate_deadline_covers_its_timeout(amijson_offline):
    """No --timeout: a sync Originate's deadline is max(10, Timeout/1000 + 5), 35 s for the
    default 30,000 ms, so a reply at 10.5 s (past the usual 10 s) still counts."""
    def slow(session, h):
        time.sleep(10.5)
        session.peer.send(originate_ack_22(h))
    run = run_peer(amijson_offline, "ami", slow, *originate(asynchronous=None), code=0, timeout=None)
    assert run.elapsed > 10.5
    assert run.doc["outcome"]["result"] == "answered"


def test_an_originate_refused_has_no_outcome(amijson_offline):
    """22 checks the extension before it dials: an Error reply, nothing to wait for."""
    def refused(session, h):
        session.peer.send(extension_missing_22(h))
    run = run_peer(amijson_offline, "ami", refused, *originate(), code=1, error="action_failed")
    assert run.doc["outcome"] is None
    assert run.elapsed < 1.5, "waited %.1fs after an Error reply" % run.elapsed


@pytest.mark.parametrize("route", ROUTES)
def test_no_wait_returns_at_the_ack(amijson_offline, route):
    run = run_peer(amijson_offline, route, ack_only, "--no-wait", *originate(), code=0)
    assert run.doc["outcome"] is None and run.doc["ok"] is True
    assert run.doc["response"]["Message"] == "Originate successfully queued"
    assert run.elapsed < 1.5, "waited %.1fs with --no-wait" % run.elapsed
    if route == "http":
        assert run.scenario.wait_events == 0


def test_other_actions_have_outcome_null(amijson_offline):
    def pong(session, h):
        session.peer.send(b"Response: Success\r\nActionID: %s\r\nPing: Pong\r\n\r\n" % h["actionid"].encode())
    run = run_peer(amijson_offline, "ami", pong, "action", "Ping", code=0)
    assert run.doc["outcome"] is None
    assert sent(run, "login")[0]["events"].lower() == "off" and not sent(run, "filter")


# --- the AGI action: AsyncAGIExec by CommandID --------------------------------------------------

def agi(result):
    def on_action(session, h):
        event = async_agi_exec_22(h, result=result)
        if session.http:
            session.event(event)
            return agi_ack_22(h)
        session.peer.send(agi_ack_22(h))
        session.event(event)
    return on_action


AGI = ["action", "AGI", "Channel=Local/wait@amijson-test-0000002a;2", "Command=VERBOSE hi 1"]


@pytest.mark.parametrize("route", ROUTES)
def test_agi_waits_for_async_agi_exec_with_its_command_id(amijson_offline, route):
    """Asterisk sends the id back under the header ``CommandId`` (res_agi.c), in an ``agi`` class
    event with no ActionID: the Filter, if any, must let it through."""
    run = run_peer(amijson_offline, route, agi(b"200%20result%3D1%0A"), *AGI, code=0, filter_reply=filter_ok)
    assert sent(run, "login")[0]["events"].lower() == "agi"
    command_id = sent(run, "agi")[0]["commandid"]
    assert CHANNEL_ID.match(command_id), command_id
    assert run.doc["request"]["headers"]["CommandID"] == command_id
    outcome = run.doc["outcome"]
    assert outcome["awaited"] == "AsyncAGIExec" and outcome["result"] == "done", outcome
    assert outcome["event"]["CommandId"] == command_id
    assert outcome["event"]["Result"] == "200%20result%3D1%0A"


def test_agi_result_not_200_is_failed(amijson_offline):
    run = run_peer(amijson_offline, "ami", agi(b"510%20Invalid%20or%20unknown%20command%0A"),
                   *AGI, "CommandID=mine-1", code=1, error="action_failed")
    assert sent(run, "agi")[0]["commandid"] == "mine-1"
    assert run.doc["outcome"]["result"] == "failed"


def test_agi_another_command_ids_event_is_ignored(amijson_offline):
    def two(session, h):
        session.peer.send(agi_ack_22(h))
        session.event(async_agi_exec_22(h, result=b"510%20x%0A", command_id="someone-else"))
        session.event(async_agi_exec_22(h))
    run = run_peer(amijson_offline, "ami", two, *AGI, code=0)
    assert run.doc["outcome"]["result"] == "done"


def test_agi_event_that_never_comes(amijson_offline):
    def ack(session, h):
        session.peer.send(agi_ack_22(h))
    run = run_peer(amijson_offline, "ami", ack, *AGI, code=5, error="timeout")
    assert run.doc["outcome"] == {"awaited": "AsyncAGIExec", "result": None, "event": None}
    assert "AsyncAGIExec" in run.doc["error"]["message"]


# --- usage errors, before anything connects -----------------------------------------------------

USAGE = [
    (["Async=maybe"], [], ["maybe"]),
    (["Async=true", "Timeout=abc"], [], ["abc"]),
    (["Async=true", "Timeout=1.5"], [], ["1.5"]),
    (["Async=true", "Timeout=-5"], [], ["-5"]),
    (["Timeout=30000"], ["--timeout", "5"], ["5", "30"]),
    ([], ["--timeout", "5"], ["5", "30"]),           # Timeout's default: 30,000 ms
    (["Async=no", "Timeout=20000"], ["--timeout", "19"], ["19", "20"]),
]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("operands,options,named", USAGE,
                         ids=["async-maybe", "timeout-abc", "timeout-1.5", "timeout-negative", "sync-too-short",
                              "sync-default-timeout", "sync-no"])
def test_usage_errors_before_anything_connects(amijson_offline, route, operands, options, named):
    decoy = Decoy()
    try:
        port = ["--http-port" if route == "http" else "--port", str(decoy.port)]
        words = ["action", "Originate", "Channel=Local/wait@" + CONTEXT, "Context=" + CONTEXT, "Exten=wait",
                 "Priority=1"] + operands
        run = amijson_offline("--via", route, "--host", "127.0.0.2", *port, *options, *words)
        time.sleep(0.1)
    finally:
        decoy.close()
    assert decoy.connections == []
    assert run.returncode == 2 and run.doc["error"]["code"] == "usage", run.doc
    for value in named:
        assert value in run.doc["error"]["message"], run.doc["error"]["message"]


def test_an_explicit_timeout_from_the_environment_counts_too(amijson_offline):
    decoy = Decoy()
    try:
        run = amijson_offline("--host", "127.0.0.2", "--port", str(decoy.port), *originate(asynchronous=None),
                              env={"AMIJSON_TIMEOUT": "5"})
    finally:
        decoy.close()
    assert decoy.connections == []
    assert run.returncode == 2 and run.doc["error"]["code"] == "usage", run.doc


@pytest.mark.parametrize("action", [originate(), AGI])
def test_rx_names_the_routes_that_run_actions(amijson_offline, action):
    decoy = Decoy()
    try:
        run = amijson_offline("--host", "127.0.0.2", "--port", str(decoy.port), "--via", "rx", *action)
    finally:
        decoy.close()
    assert decoy.connections == []
    assert run.returncode == 2 and run.doc["error"]["code"] == "usage", run.doc
    message = run.doc["error"]["message"]
    assert "--via ami" in message and "--via http" in message, message
