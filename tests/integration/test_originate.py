"""Originate and AGI, whose result Asterisk tells later in an event (issue 24), against the real
Asterisk 22 and 16: every outcome made for real by the sandbox's dialplan (context amijson-test in
scripts/asterisk-sandbox), async and sync, over AMI and over AMI over HTTP.

What both releases send, measured on the sandboxes (the same bytes on 16.28 and 22.10):
- the ack of an Async Originate, at once: ``Response: Success``, ``Message: Originate successfully
  queued``; then ``Event: OriginateResponse``, ``Privilege: call,all``, our ``ActionID``,
  ``Response`` (Success only when answered), ``Channel``, ``Context``/``Exten`` (or
  ``Application``/``Data``), ``Reason``, ``Uniqueid``, ``CallerIDNum``, ``CallerIDName``;
- ``Channel`` is the channel's name (``Local/wait@amijson-test-0000002a;1``) only when it was
  answered; on every failure no channel is kept and it is the one requested
  (``Local/busy@amijson-test``); ``Uniqueid`` is the ``ChannelId`` given, ``<unknown>`` without one;
- Reason: 4 answered, 5 Busy(), 8 Congestion(), 3 ringing past the Timeout, 0 a Local channel into a
  context that does not exist, and 0 too when the called side hangs up before it answers: Reason 1
  (hangup) is the dial's *caller* hanging up (main/dial.c), and an Originate has no caller, so no
  real Originate ever ends ``hangup``;
- without Async the reply waits for the outcome: Success ``Originate successfully queued`` when
  answered, else ``Response: Error``, ``Message: Originate failed``, whatever the cause; a
  destination extension that does not exist is refused at once, ``Extension does not exist.``;
- the AGI action acks ``Added AGI command to queue``; its ``AsyncAGIExec`` (class agi) carries no
  ActionID and spells the id ``CommandId``, with ``Result`` URL-encoded (``200%20result%3D1%0A``);
- the legacy regex ``Filter`` (``Operation: Add``, ``Filter: ActionID: ID[[:space:]]``) is taken by
  both (``Message: Success``) and leaves a session with ``Events: call`` only the matching event,
  over TCP and in WaitEvent's answers; WaitEvent returns as soon as any event is queued in
  Asterisk, even one the filter drops (then with none but ``WaitEventComplete``), else after its
  Timeout in seconds.

Every test hangs up the calls it placed, and leaves no AMI session of the sandbox's user
(``manager show connected``, read through the console, not AMI).
"""

import json
import os
import re
import subprocess
import time

import pytest

from conftest import RELEASES, SELECTED, amijson_path, secrets_of, via_http

CONTEXT = "amijson-test"
# where an answered call goes: the test context's wait extension (answers and waits)
DESTINATION = ("Context=%s" % CONTEXT, "Exten=wait", "Priority=1")
GENERATED_ID = re.compile(r"amijson-[0-9a-f]{16}")
QUEUED = "Originate successfully queued"

# id: (the channel to call, its operands, the Reason Asterisk sends, the outcome word)
OUTCOMES = {
    "answered": ("Local/wait@%s" % CONTEXT, (), "4", "answered"),
    "busy": ("Local/busy@%s" % CONTEXT, (), "5", "busy"),
    "congestion": ("Local/congestion@%s" % CONTEXT, (), "8", "congestion"),
    "no_answer": ("Local/ring@%s" % CONTEXT, ("Timeout=2000",), "3", "no_answer"),
    "failed": ("Local/x@amijson-nowhere", (), "0", "failed"),
    # rings, then hangs up before answering: Reason 0 on 16 and 22, not 1 (see the docstring)
    "hung_up_before_answer": ("Local/hangup@%s" % CONTEXT, (), "0", "failed"),
}
ROUTES = ("ami", "http")


def _sessions_of(sandbox, user):
    out = sandbox.cmd("rx", "manager show connected").stdout
    return [line for line in out.splitlines() if line.split()[:1] == [user]]


def assert_no_session_left(sandbox):
    # Asterisk ends a session as it reads the Logoff, which amijson does not wait for: poll.
    user = sandbox["AMIJSON_USER"]
    give_up = time.monotonic() + 5
    while _sessions_of(sandbox, user) and time.monotonic() < give_up:
        time.sleep(0.05)
    assert _sessions_of(sandbox, user) == [], "an AMI session of %s was left behind" % user


def hang_up(sandbox):
    sandbox.cmd("hangup", check=False)
    assert "0 active channels" in sandbox.cmd("rx", "core show channels count").stdout


@pytest.fixture
def originate(amijson, sandbox):
    """``originate(route, *args)``: amijson over ``route`` (ami or http). Every channel is hung up
    before and after the test, and afterwards no AMI session of the sandbox's user is left."""
    sandbox.cmd("hangup", check=False)

    def run(route, *args, **kwargs):
        options = via_http(sandbox) if route == "http" else []
        result = amijson(*options, *args, **kwargs)
        assert result.doc["route"] == route, result.doc
        return result

    yield run
    hang_up(sandbox)
    assert_no_session_left(sandbox)


def assert_failed(run, code="action_failed", exit_code=1):
    assert run.returncode == exit_code, (run.returncode, run.doc)
    assert run.doc["ok"] is False
    assert run.doc["error"]["code"] == code, run.doc["error"]


# --- Async: the OriginateResponse's outcome --------------------------------------------------


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("case", list(OUTCOMES))
def test_async_originate_reports_the_real_outcome(originate, route, case):
    channel, operands, reason, word = OUTCOMES[case]
    run = originate(route, "--timeout", "10", "action", "Originate", "Channel=" + channel, *DESTINATION,
                    "Async=true", *operands)
    doc = run.doc
    # the ack stays the response; the event is the outcome's
    assert doc["response"]["Response"] == "Success" and doc["response"]["Message"] == QUEUED, doc["response"]
    assert doc["records"] == [] and doc["complete"] is None
    outcome = doc["outcome"]
    assert outcome["awaited"] == "OriginateResponse" and outcome["result"] == word, outcome
    event = outcome["event"]
    assert event["Event"] == "OriginateResponse" and event["Reason"] == reason, event
    assert event["ActionID"] == doc["response"]["ActionID"]
    assert (event["Context"], event["Exten"]) == (CONTEXT, "wait")
    # no ChannelId given: amijson adds one, and Asterisk names the call by it, answered or not
    channel_id = doc["request"]["headers"]["ChannelId"]
    assert GENERATED_ID.fullmatch(channel_id), channel_id
    assert event["Uniqueid"] == channel_id
    if word == "answered":
        assert run.returncode == 0 and doc["ok"] is True and doc["error"] is None, doc
        assert event["Response"] == "Success"
        assert re.fullmatch(re.escape(channel) + r"-[0-9a-f]{8};1", event["Channel"]), event["Channel"]
    else:
        assert_failed(run)
        assert event["Response"] == "Failure"
        assert event["Channel"] == channel  # no channel kept: Asterisk names the one requested
        message = doc["error"]["message"]
        assert word in message and channel in message and reason in message, message
    if word == "no_answer":
        assert 2.0 <= run.elapsed < 6, run.elapsed  # it rang for the Timeout, 2000 ms


@pytest.mark.parametrize("route", ROUTES)
def test_the_filter_leaves_the_session_only_its_own_event(originate, route):
    """The call's own Newchannel, DialBegin, Hangup... (about ten call events on either release)
    never reach the session: Asterisk takes the legacy regex Filter amijson sends after Login and
    applies it to the TCP stream and to WaitEvent alike (--debug shows every message read)."""
    run = originate(route, "--debug", "--timeout", "10", "action", "Originate", "Channel=Local/busy@" + CONTEXT,
                    *DESTINATION, "Async=true")
    assert run.doc["outcome"]["result"] == "busy", run.doc
    read = [line[len("< Event: "):] for line in run.stderr.splitlines() if line.startswith("< Event: ")]
    assert [name for name in read if name != "WaitEventComplete"] == ["OriginateResponse"], read
    assert "> Action: Filter" in run.stderr


@pytest.mark.parametrize("route", ROUTES)
def test_a_channel_id_given_is_kept_and_names_the_failure(originate, route):
    mine = "mine-%d.%s" % (time.time_ns() % 10 ** 9, route)
    run = originate(route, "--timeout", "10", "action", "Originate", "Channel=Local/busy@" + CONTEXT,
                    "Application=Wait", "Data=5", "Async=yes", "ChannelId=" + mine)
    assert_failed(run)
    assert run.doc["request"]["headers"]["ChannelId"] == mine
    event = run.doc["outcome"]["event"]
    assert run.doc["outcome"]["result"] == "busy"
    assert event["Uniqueid"] == mine and event["Reason"] == "5"
    # the application form: Application and Data in place of Context and Exten
    assert (event["Application"], event["Data"]) == ("Wait", "5") and "Context" not in event


@pytest.mark.parametrize("route", ROUTES)
def test_an_originate_asterisk_refuses_has_no_outcome(originate, route):
    """16 and 22 check the destination extension before they queue anything."""
    run = originate(route, "--timeout", "10", "action", "Originate", "Channel=Local/wait@" + CONTEXT,
                    "Context=amijson-nowhere", "Exten=s", "Priority=1", "Async=true")
    assert_failed(run)
    assert run.doc["response"]["Response"] == "Error"
    assert run.doc["response"]["Message"] == "Extension does not exist."
    assert run.doc["outcome"] is None
    assert run.elapsed < 5


# --- Sync: the reply is the outcome ----------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("case", list(OUTCOMES))
def test_sync_originate_waits_for_its_reply(originate, route, case):
    """Without Async, Asterisk replies once the call is answered or has failed; no --timeout: the
    run's deadline follows the Timeout (5 s here, 2 s for no_answer: the default 10 s stays)."""
    channel, operands, _, word = OUTCOMES[case]
    run = originate(route, "action", "Originate", "Channel=" + channel, *DESTINATION,
                    *(operands or ("Timeout=5000",)))
    doc = run.doc
    assert GENERATED_ID.fullmatch(doc["request"]["headers"]["ChannelId"])
    if word == "answered":
        assert run.returncode == 0 and doc["ok"] is True and doc["error"] is None, doc
        assert doc["response"]["Response"] == "Success" and doc["response"]["Message"] == QUEUED
        assert doc["outcome"] == {"awaited": None, "result": "answered", "event": None}
    else:
        assert_failed(run)
        assert doc["response"]["Response"] == "Error" and doc["response"]["Message"] == "Originate failed"
        assert doc["outcome"] == {"awaited": None, "result": None, "event": None}
    if word == "no_answer":
        assert 2.0 <= run.elapsed < 6, run.elapsed


# --- Deadlines ---------------------------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES)
def test_no_wait_returns_at_the_ack_and_the_call_carries_the_channel_id(originate, amijson, route):
    run = originate(route, "--no-wait", "action", "Originate", "Channel=Local/ring@" + CONTEXT, *DESTINATION,
                    "Async=true", "Timeout=20000")
    assert run.returncode == 0 and run.doc["ok"] is True, run.doc
    assert run.doc["outcome"] is None
    assert run.doc["response"]["Message"] == QUEUED
    assert run.elapsed < 3, run.elapsed
    # the call rings on: its channel has the id amijson added (the teardown hangs it up)
    channel_id = run.doc["request"]["headers"]["ChannelId"]
    assert GENERATED_ID.fullmatch(channel_id)
    give_up = time.monotonic() + 5
    while True:
        channels = amijson("action", "CoreShowChannels").doc["records"]
        if channel_id in [c["Uniqueid"] for c in channels] or time.monotonic() > give_up:
            break
        time.sleep(0.1)
    assert channel_id in [c["Uniqueid"] for c in channels], channels


@pytest.mark.parametrize("route", ROUTES)
def test_an_explicit_timeout_before_the_event_keeps_the_ack(originate, route):
    run = originate(route, "--timeout", "2", "action", "Originate", "Channel=Local/ring@" + CONTEXT,
                    *DESTINATION, "Async=true", "Timeout=20000")
    assert_failed(run, "timeout", 5)
    assert run.doc["response"]["Message"] == QUEUED
    assert run.doc["outcome"] == {"awaited": "OriginateResponse", "result": None, "event": None}
    message = run.doc["error"]["message"]
    assert "OriginateResponse" in message and "call" in message, message
    assert run.elapsed < 3.5, run.elapsed


@pytest.mark.parametrize("mode", ["async", "sync"])
def test_the_default_deadline_follows_the_originate_timeout(originate, mode):
    """No --timeout: the run lasts max(10, Timeout/1000 + 5) s. A short Timeout (2000) ends with
    its outcome at once, well inside the default 10 s; a sync Timeout of 11000 outlasts the default
    10 s and still ends with Asterisk's reply, not in a timeout."""
    if mode == "async":
        run = originate("ami", "action", "Originate", "Channel=Local/ring@" + CONTEXT, *DESTINATION,
                        "Async=true", "Timeout=2000")
        assert run.doc["outcome"]["result"] == "no_answer", run.doc
        assert 2.0 <= run.elapsed < 6, run.elapsed
    else:
        run = originate("ami", "action", "Originate", "Channel=Local/ring@" + CONTEXT, *DESTINATION,
                        "Timeout=11000")
        assert run.doc["response"]["Message"] == "Originate failed", run.doc
        assert 11.0 <= run.elapsed < 16, run.elapsed
    assert_failed(run)


@pytest.mark.release("22")
def test_a_sync_timeout_longer_than_an_explicit_deadline_is_refused_before_connecting(amijson):
    """Without Async the reply comes only once the call ended: a run that would end first is refused."""
    run = amijson("--timeout", "5", "action", "Originate", "Channel=Local/ring@" + CONTEXT, *DESTINATION,
                  "Timeout=20000")
    assert_failed(run, "usage", 2)
    assert run.doc["server"] is None
    message = run.doc["error"]["message"]
    assert re.search(r"\b5\b", message) and "20000" in message, message


# --- The AGI action: AsyncAGIExec by CommandID -----------------------------------------------


def agi_channel(amijson, sandbox):
    """A call whose Local ;2 side runs AGI(agi:async) (the test context's agi extension): its name."""
    sandbox.cmd("calls", "1", "agi")
    give_up = time.monotonic() + 5
    while True:
        channels = amijson("action", "CoreShowChannels").doc["records"]
        in_agi = [c["Channel"] for c in channels if c.get("Application") == "AGI"]
        if in_agi or time.monotonic() > give_up:
            break
        time.sleep(0.1)
    assert len(in_agi) == 1, channels
    return in_agi[0]


@pytest.mark.parametrize("route", ROUTES)
def test_agi_waits_for_async_agi_exec(originate, amijson, sandbox, route):
    channel = agi_channel(amijson, sandbox)
    done = originate(route, "--timeout", "10", "action", "AGI", "Channel=" + channel, "Command=VERBOSE hi 1")
    assert done.returncode == 0 and done.doc["ok"] is True and done.doc["error"] is None, done.doc
    assert done.doc["response"]["Message"] == "Added AGI command to queue"
    command_id = done.doc["request"]["headers"]["CommandID"]
    assert GENERATED_ID.fullmatch(command_id), command_id
    outcome = done.doc["outcome"]
    assert outcome["awaited"] == "AsyncAGIExec" and outcome["result"] == "done", outcome
    event = outcome["event"]
    assert event["Event"] == "AsyncAGIExec" and event["Channel"] == channel
    assert event["CommandId"] == command_id  # Asterisk's spelling in the event
    assert event["Result"] == "200%20result%3D1%0A"  # "200 result=1\n", URL-encoded as sent

    mine = "mine-%d" % (time.time_ns() % 10 ** 9)
    unknown = originate(route, "--timeout", "10", "action", "AGI", "Channel=" + channel, "Command=NO SUCH COMMAND",
                        "CommandID=" + mine)
    assert_failed(unknown)
    assert unknown.doc["request"]["headers"]["CommandID"] == mine
    assert unknown.doc["outcome"]["result"] == "failed"
    assert unknown.doc["outcome"]["event"]["CommandId"] == mine
    assert unknown.doc["outcome"]["event"]["Result"].startswith("510%20")  # Invalid or unknown command

    # the other side of the call is not in AGI: Asterisk refuses the action, nothing to wait for
    other = channel[:-2] + ";1"
    refused = originate(route, "--timeout", "10", "action", "AGI", "Channel=" + other, "Command=VERBOSE hi 1")
    assert_failed(refused)
    assert refused.doc["response"]["Message"] == "Failed to add AGI command to channel %s queue" % other
    assert refused.doc["outcome"] is None
    assert refused.elapsed < 5


# --- Several PBXes: each its own outcome -------------------------------------------------------


@pytest.mark.release("22")
@pytest.mark.parametrize("case", ["answered", "busy"])
def test_each_pbx_of_profiles_has_its_own_outcome(sandbox, _sandboxes, tmp_path, case):
    """Both sandboxes as profiles of one config file (as tests/integration/test_fleet_sandboxes.py)."""
    if not set(RELEASES) <= set(SELECTED):
        pytest.skip("needs every release's sandbox (AMIJSON_TEST_RELEASES=%s)" % ",".join(SELECTED))
    boxes = {"pbx22": sandbox, "pbx16": _sandboxes.get("16")}
    config = tmp_path / "amijson.conf"
    config.write_text("".join("[%s]\nhost = %s\nport = %s\nuser = %s\nsecret = %s\n\n"
                              % (name, box["AMIJSON_HOST"], box["AMIJSON_PORT"], box["AMIJSON_USER"],
                                 box["AMIJSON_SECRET"]) for name, box in boxes.items()))
    config.chmod(0o600)
    (tmp_path / "home").mkdir()
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path / "home"), "AMIJSON_MANAGER_CONF": "/nonexistent",
           "AMIJSON_CONFIG": str(config)}
    channel, operands, reason, word = OUTCOMES[case]
    for box in boxes.values():
        box.cmd("hangup", check=False)
    try:
        proc = subprocess.run([amijson_path(), "--profiles", "pbx22,pbx16", "--timeout", "10", "action",
                               "Originate", "Channel=" + channel, *DESTINATION, "Async=true", *operands],
                              capture_output=True, text=True, env=env, timeout=60)
    finally:
        for box in boxes.values():
            hang_up(box)
    assert "Traceback" not in proc.stderr, proc.stderr
    for secret in (s for box in boxes.values() for s in secrets_of(box)):
        assert secret not in proc.stdout and secret not in proc.stderr
    doc = json.loads(proc.stdout)
    assert [pbx["pbx"] for pbx in doc["pbxes"]] == ["pbx22", "pbx16"]
    for pbx in doc["pbxes"]:
        assert pbx["outcome"]["result"] == word and pbx["outcome"]["event"]["Reason"] == reason, pbx
        assert pbx["outcome"]["event"]["Uniqueid"] == pbx["request"]["headers"]["ChannelId"]
        assert pbx["ok"] is (word == "answered")
    if word == "answered":
        assert proc.returncode == 0 and doc["ok"] is True, doc
    else:
        assert proc.returncode == 9 and doc["error"]["code"] == "partial", doc
        assert all(pbx["error"]["code"] == "action_failed" for pbx in doc["pbxes"])
    for box in boxes.values():
        assert_no_session_left(box)
