"""``amijson events`` against scripted hostile peers, and the ways a stream ends.

Each case ends in a correct document (or summary line) or a clear error with the right
exit code, within the deadline plus 1 s, with no traceback; whenever the login was
accepted, the client sends Logoff. The peers follow Asterisk 13.38.3's framing
(tests/fakeami.py) with their own login reply, without the FullyBooted event, so that
the counts below are exactly the events each script sends.
"""

import json
import os
import select
import signal
import subprocess
import sys
import time

import pytest

from conftest import FAULT_SECRET, amijson_path, offline_env
from fakeami import BANNER_13, BANNER_22, ScriptedAmi, _headers, aid_line, challenge_13, login_refused_13
from test_faults import _MEASURE

DEADLINE = 2.0


def newchannel(number, extra=b""):
    return (b"Event: Newchannel\r\nPrivilege: call,all\r\nChannel: Local/%d@amijson-test-00000001;1\r\n"
            b"ChannelState: 4\r\nChannelStateDesc: Ring\r\nCallerIDNum: %d\r\n%sUniqueid: 1700000000.%d\r\n\r\n"
            % (number, number, extra, number))


def hangup(number):
    return (b"Event: Hangup\r\nPrivilege: call,all\r\nChannel: Local/%d@amijson-test-00000001;1\r\n"
            b"Cause: 16\r\nCause-txt: Normal Clearing\r\n\r\n" % number)


class Watcher:
    """A peer's side of an event session: the login, then what the client sends (Filter
    actions answered, Logoff noted) read while the script sends events."""

    def __init__(self, peer, filter_reply=b"Success", command_reply=None, banner=BANNER_13, core_settings=None):
        self.peer = peer
        self.filter_reply = filter_reply
        self.command_reply = command_reply  # h -> the Command's reply; None: never answered
        self.banner = banner
        self.core_settings = core_settings  # h -> CoreSettings' reply; None: never answered
        self.logins = []

    def log_in(self):
        peer = self.peer
        peer.send(self.banner)
        h = peer.expect()
        if h.get("action", "").lower() == "challenge":
            peer.send(challenge_13(h))
            h = peer.expect()
        self.logins.append(h)
        peer.send(b"Response: Success\r\n" + aid_line(h) + b"Message: Authentication accepted\r\n\r\n")
        self.poll()

    def poll(self, wait=0.0):
        """Read and answer what the client sent; True once it sent Logoff or went away."""
        peer = self.peer
        closed = False
        while not closed and select.select([peer.conn], [], [], wait)[0]:
            wait = 0.0
            try:
                data = peer.conn.recv(65536)
            except OSError:  # reset: it went away
                data = b""
            closed = not data
            peer.buf += data.replace(b"\r\n", b"\n")
        while b"\n\n" in peer.buf:
            block, peer.buf = peer.buf.split(b"\n\n", 1)
            h = _headers(block)
            peer.server.received.append(h)
            action = h.get("action", "").lower()
            if action == "filter":
                peer.send(b"Response: " + self.filter_reply + b"\r\n" + aid_line(h)
                          + (b"Message: Permission denied\r\n" if self.filter_reply == b"Error" else b"") + b"\r\n")
            elif action == "command" and self.command_reply is not None:
                peer.send(self.command_reply(h))
            elif action == "coresettings" and self.core_settings is not None:
                peer.send(self.core_settings(h))
            elif action == "logoff":
                if not closed:
                    peer.send(b"Response: Goodbye\r\n" + aid_line(h) + b"Message: Thanks for all the fish.\r\n\r\n")
                return True
        return closed

    def until_gone(self, limit=30):
        end = time.monotonic() + limit
        while time.monotonic() < end and not self.poll(0.1):
            pass


def serve(script):
    """A ScriptedAmi whose connections log in, then run ``script(watcher)``."""
    def scenario(peer):
        watcher = Watcher(peer)
        watcher.log_in()
        script(watcher)
    return ScriptedAmi(scenario)


def logged_off(server, wait=5):
    end = time.monotonic() + wait
    while "logoff" not in server.actions() and time.monotonic() < end:
        time.sleep(0.05)
    return "logoff" in server.actions()


def events(amijson_offline, server, *args, timeout=DEADLINE, expect_json=True):
    run = amijson_offline("--port", str(server.port), "--timeout", str(timeout), *args, timeout=timeout + 30,
                          expect_json=expect_json)
    assert run.elapsed < timeout + 1.0, "took %.1fs past a %ss deadline" % (run.elapsed, timeout)
    return run


# --- the document ----------------------------------------------------------------------------

def test_an_endless_flood_stops_at_count(amijson_offline):
    def flood(watcher):
        number = 0
        try:
            while not watcher.poll():
                watcher.peer.send(b"".join(newchannel(number + i) for i in range(200)))
                number += 200
        except OSError:  # the client stopped reading and went: what it sent last is still here
            watcher.poll()
    with serve(flood) as server:
        run = events(amijson_offline, server, "--count", "5", "events", "Event=Newchannel")
        assert logged_off(server)
    assert run.returncode == 0, run.doc
    assert [r["CallerIDNum"] for r in run.doc["records"]] == ["0", "1", "2", "3", "4"]
    summary = run.doc["events"]
    assert (summary["bound"], summary["matched"], summary["seen"], summary["dropped"]) == ("count", 5, 5, 0)
    assert summary["filters"] == ["Event=Newchannel"] and run.doc["route"] == "ami"


def test_only_matching_events_in_arrival_order(amijson_offline):
    def script(watcher):
        watcher.peer.send(newchannel(1) + hangup(2) + newchannel(3) + hangup(1) + newchannel(4))
        watcher.until_gone()
    with serve(script) as server:
        run = events(amijson_offline, server, "--count", "3", "events", "Event=Hangup", "Event=Newchannel",
                     "Channel!=Local/4@*")
    assert run.returncode == 0
    assert [(r["Event"], r["Channel"][:7]) for r in run.doc["records"]] == [
        ("Newchannel", "Local/1"), ("Hangup", "Local/2"), ("Newchannel", "Local/3")]


def test_until_includes_the_event_that_ends_it(amijson_offline):
    def script(watcher):
        watcher.peer.send(newchannel(1) + newchannel(2) + hangup(1) + newchannel(3))
        watcher.until_gone()
    with serve(script) as server:
        run = events(amijson_offline, server, "--until", "Event=Hangup", "--until", "Channel=Local/1@*",
                     "events", "Event=Newchannel")
        assert logged_off(server)
    assert run.returncode == 0
    assert [r["Event"] for r in run.doc["records"]] == ["Newchannel", "Newchannel", "Hangup"]
    assert run.doc["events"]["bound"] == "until" and run.doc["events"]["until"] == ["Event=Hangup", "Channel=Local/1@*"]


def test_for_is_a_window_and_success(amijson_offline):
    def script(watcher):
        watcher.peer.send(newchannel(1))
        watcher.until_gone()
    with serve(script) as server:
        run = events(amijson_offline, server, "--for", "0.5", "events")
        assert logged_off(server)
    assert run.returncode == 0 and run.doc["events"]["bound"] == "for" and len(run.doc["records"]) == 1
    assert 0.4 < run.doc["events"]["seconds"] < 1.5


def test_an_event_of_a_megabyte(amijson_offline):
    name = b"x" * 1_000_000

    def script(watcher):
        watcher.peer.send(newchannel(1, b"CallerIDName: " + name + b"\r\n") + newchannel(2))
        watcher.until_gone()
    with serve(script) as server:
        run = events(amijson_offline, server, "--count", "2", "events")
    assert run.returncode == 0 and len(run.doc["records"][0]["CallerIDName"]) == 1_000_000
    with serve(script) as server:
        run = events(amijson_offline, server, "--max-size", "1", "--for", "1", "events", "CallerIDName=x*y")
        assert logged_off(server)
    assert run.returncode == 0 and run.doc["records"] == []  # matched nowhere, kept nowhere: no limit reached


def test_an_event_past_max_size_is_a_protocol_error(amijson_offline):
    def script(watcher):
        watcher.peer.send(b"Event: Newchannel\r\nCallerIDName: " + b"x" * (3 << 20))
        watcher.until_gone()
    with serve(script) as server:
        run = events(amijson_offline, server, "--max-size", "1", "--count", "1", "events")
        assert logged_off(server)
    assert run.returncode == 6 and run.doc["error"]["code"] == "protocol"


def test_half_an_event_then_silence_is_the_deadline(amijson_offline):
    def script(watcher):
        watcher.peer.send(newchannel(1) + b"Event: Hangup\r\nChannel: Local/1@amijson-te")
        watcher.until_gone()
    with serve(script) as server:
        run = events(amijson_offline, server, "--count", "2", "events")
        assert logged_off(server)
    assert run.returncode == 5 and run.doc["error"]["code"] == "timeout"
    assert "with 1 of 2 events matched" in run.doc["error"]["message"]
    assert len(run.doc["records"]) == 1 and run.doc["events"]["bound"] == "timeout"


def test_bytes_not_utf8_are_latin1_and_said(amijson_offline):
    def script(watcher):
        watcher.peer.send(newchannel(1, b"CallerIDName: Jos\xe9 M\xfcller\r\n"))
        watcher.until_gone()
    with serve(script) as server:
        run = events(amijson_offline, server, "--count", "1", "events")
    assert run.returncode == 0 and run.doc["records"][0]["CallerIDName"] == "Jos\u00e9 M\u00fcller"
    assert run.doc["warnings"] == ["records[0].CallerIDName: bytes not valid UTF-8, decoded as latin-1"]


def test_a_banner_then_nothing(amijson_offline):
    def scenario(peer):
        peer.send(BANNER_13)
        peer.wait_closed()
    with ScriptedAmi(scenario) as server:
        run = events(amijson_offline, server, "--count", "1", "events")
    assert run.returncode == 5 and run.doc["error"]["code"] == "timeout"


def test_the_connection_lost_keeps_the_events(amijson_offline):
    def script(watcher):
        watcher.peer.send(newchannel(1))
    with serve(script) as server:
        run = events(amijson_offline, server, "--count", "2", "events")
    assert run.returncode == 3 and run.doc["error"]["code"] == "connect" and len(run.doc["records"]) == 1


# --- what goes to Asterisk -------------------------------------------------------------------

def test_login_mask_and_server_filter(amijson_offline):
    def script(watcher):
        watcher.poll(0.5)
        watcher.peer.send(hangup(1))
        watcher.until_gone()
    with serve(script) as server:
        run = events(amijson_offline, server, "--count", "1", "events", "Event=Hangup", "Event=Newchannel",
                     "Channel=Local/*")
    login = next(h for h in server.received if h.get("action", "").lower() == "login")
    assert login["events"] == "call"
    sent = [h["filter"] for h in server.received if h.get("action", "").lower() == "filter"]
    assert sent == ["(^|[[:cntrl:]])[Ee][Vv][Ee][Nn][Tt]: Hangup[[:cntrl:]]",
                    "(^|[[:cntrl:]])[Ee][Vv][Ee][Nn][Tt]: Newchannel[[:cntrl:]]"]
    assert run.returncode == 0 and run.doc["events"]["server_filters"] == sent


def _core_settings(version):
    """CoreSettings' reply as Asterisk 22 sends it (main/manager.c, action_coresettings), or
    the error a user without the system and reporting write classes gets."""
    def reply(h):
        if version is None:
            return b"Response: Error\r\n" + aid_line(h) + b"Message: Permission denied\r\n\r\n"
        return (b"Response: Success\r\n" + aid_line(h) + b"AMIversion: 11.0.0\r\nAsteriskVersion: "
                + version.encode() + b"\r\nSystemName: \r\nCoreMaxCalls: 0\r\n\r\n")
    return reply


@pytest.mark.parametrize("version, sent", [
    ("22.1.0", [{"operation": "Add", "matchcriteria": "name(Hangup)"}]),
    ("22.0.0", [{"operation": "Add", "filter": "(^|[[:cntrl:]])[Ee][Vv][Ee][Nn][Tt]: Hangup[[:cntrl:]]"}]),
    (None, [{"operation": "Add", "filter": "(^|[[:cntrl:]])[Ee][Vv][Ee][Nn][Tt]: Hangup[[:cntrl:]]"}]),
], ids=["22.1 MatchCriteria", "22.0 legacy", "CoreSettings refused legacy"])
def test_an_ami_11_banner_asks_core_settings_which_form(amijson_offline, version, sent):
    """AMI 11.0.0 is any 22: MatchCriteria came with 22.1, so the point release decides."""
    def scenario(peer):
        watcher = Watcher(peer, banner=BANNER_22, core_settings=_core_settings(version))
        watcher.log_in()
        watcher.poll(0.5)
        peer.send(hangup(1))
        watcher.until_gone()
    with ScriptedAmi(scenario) as server:
        run = events(amijson_offline, server, "--count", "1", "events", "Event=Hangup")
    actions = [h.get("action", "").lower() for h in server.received]
    assert actions[:3] == ["challenge", "login", "coresettings"] and actions.count("coresettings") == 1
    filters = [{k: v for k, v in h.items() if k not in ("action", "actionid")} for h in server.received
               if h.get("action", "").lower() == "filter"]
    assert filters == sent
    assert actions.index("filter") > actions.index("coresettings")
    assert run.returncode == 0 and len(run.doc["events"]["server_filters"]) == 1


def test_no_filter_no_core_settings(amijson_offline):
    def scenario(peer):
        watcher = Watcher(peer, banner=BANNER_22, core_settings=_core_settings("22.10.1"))
        watcher.log_in()
        peer.send(hangup(1))
        watcher.until_gone()
    with ScriptedAmi(scenario) as server:
        run = events(amijson_offline, server, "--count", "1", "events")
    assert run.returncode == 0 and server.actions() == ["challenge", "login", "logoff"]


def test_a_refused_filter_is_a_warning(amijson_offline):
    def scenario(peer):
        watcher = Watcher(peer, filter_reply=b"Error")
        watcher.log_in()
        watcher.poll(0.5)
        peer.send(hangup(1))
        watcher.until_gone()
    with ScriptedAmi(scenario) as server:
        run = events(amijson_offline, server, "--count", "1", "events", "Event=Hangup")
    assert run.returncode == 0 and run.doc["events"]["server_filters"] == []
    assert "Filter action refused" in run.doc["warnings"][0] and "Permission denied" in run.doc["warnings"][0]


def test_an_unknown_event_name_asks_every_class(amijson_offline):
    def script(watcher):
        watcher.peer.send(newchannel(1))
        watcher.until_gone()
    with serve(script) as server:
        events(amijson_offline, server, "--count", "1", "events", "Event=New*")
    assert next(h for h in server.received if h.get("action", "").lower() == "login")["events"] == "on"


# --- usage ----------------------------------------------------------------------------------

@pytest.mark.parametrize("args, why", [
    (["events"], "need a bound"),
    (["--count", "0", "events"], "--count"),
    (["--for", "nan", "events"], "--for"),
    (["--count", "1", "events", "Channel"], "Header=value"),
    (["--count", "1", "events", "A=b\nAction: Originate"], "LF"),
    (["--until", "x", "events"], "--until"),
    (["--count", "1", "--via", "rx", "events"], "rx route"),
    (["--count", "1", "--format", "nagios", "events"], "ndjson"),
    (["--buffer", "2", "--count", "1", "events"], "--buffer is for a stream"),
    (["--count", "1", "action", "Ping"], "--count is for the events verb"),
    (["--timeout", "2", "--for", "5", "events"], "not shorter than --timeout"),
])
def test_usage_errors(amijson_offline, args, why):
    run = amijson_offline(*args)
    assert run.returncode == 2 and run.doc["error"]["code"] == "usage" and why in run.doc["error"]["message"]


def test_a_value_after_the_verb_is_never_an_option(amijson_offline, unused_port):
    run = amijson_offline("--port", str(unused_port), "--count", "1", "events", "--host=elsewhere")
    assert run.returncode == 2 and "Header=value" in run.doc["error"]["message"]


# --- streams -----------------------------------------------------------------------------------

def stream(server, tmp_path, *args):
    return subprocess.Popen([amijson_path(), "--port", str(server.port), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=offline_env(tmp_path))


def trickle(watcher, interval=0.05):
    number = 0
    while not watcher.poll(interval):
        watcher.peer.send(newchannel(number))
        number += 1


def test_ndjson_lines_and_a_marked_summary(tmp_path):
    with serve(trickle) as server:
        proc = stream(server, tmp_path, "--format", "ndjson", "--count", "3", "events")
        out, err = proc.communicate(timeout=30)
        assert logged_off(server)
    lines = [json.loads(line) for line in out.decode().splitlines()]
    assert proc.returncode == 0 and err == b""
    assert [line["CallerIDNum"] for line in lines[:3]] == ["0", "1", "2"]
    assert lines[3]["summary"]["bound"] == "count" and lines[3]["summary"]["matched"] == 3 and len(lines) == 4


def test_each_line_comes_as_it_arrives(tmp_path):
    def slow(watcher):
        watcher.peer.send(newchannel(1))
        watcher.poll(3)  # the first line must be out long before the next event
        watcher.peer.send(newchannel(2))
        watcher.until_gone()
    with serve(slow) as server:
        proc = stream(server, tmp_path, "--format", "ndjson", "--count", "2", "events")
        started = time.monotonic()
        first = json.loads(proc.stdout.readline())
        assert time.monotonic() - started < 2.5 and first["CallerIDNum"] == "1"
        proc.communicate(timeout=30)
    assert proc.returncode == 0


def test_sse_framing_heartbeat_and_summary(tmp_path):
    def script(watcher):
        watcher.peer.send(newchannel(1) + hangup(1))
        watcher.until_gone()
    with serve(script) as server:
        proc = stream(server, tmp_path, "--format", "sse", "--for", "5.6", "events")
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0 and err == b""
    blocks = out.decode().split("\n\n")
    assert blocks[-1] == ""
    assert blocks[0].startswith("event: Newchannel\nid: 1\ndata: {")
    assert blocks[1].startswith("event: Hangup\nid: 2\ndata: {")
    assert json.loads(blocks[1].split("data: ", 1)[1])["Cause"] == "16"
    assert ": heartbeat" in blocks[2:-2]
    summary = blocks[-2]
    assert summary.startswith("event: summary\ndata: ")
    assert json.loads(summary.split("data: ", 1)[1])["bound"] == "for"


def test_an_unbounded_stream_ends_quietly_when_its_reader_goes(tmp_path):
    with serve(trickle) as server:
        proc = stream(server, tmp_path, "--format", "ndjson", "events")
        for _ in range(3):
            json.loads(proc.stdout.readline())
        proc.stdout.close()  # the reader goes away: the next write gets EPIPE
        assert proc.wait(10) == 0
        assert logged_off(server)
    assert proc.stderr.read() == b""


def test_a_quiet_stream_notices_its_reader_is_gone(tmp_path):
    def quiet(watcher):
        watcher.until_gone()
    with serve(quiet) as server:
        proc = stream(server, tmp_path, "--format", "ndjson", "events")
        time.sleep(0.5)
        proc.stdout.close()
        assert proc.wait(10) == 0
        assert logged_off(server)


@pytest.mark.parametrize("sign, bound", [(signal.SIGTERM, "sigterm"), (signal.SIGINT, "sigint")])
def test_a_signal_ends_a_stream_quietly(tmp_path, sign, bound):
    with serve(trickle) as server:
        proc = stream(server, tmp_path, "--format", "ndjson", "events")
        json.loads(proc.stdout.readline())
        proc.send_signal(sign)
        out, err = proc.communicate(timeout=10)
        assert logged_off(server)
    assert proc.returncode == 0 and err == b""
    assert json.loads(out.decode().splitlines()[-1])["summary"]["bound"] == bound


def sleepy_reader(tmp_path, total):
    """A stream of ``total`` 1 KB events to a reader that sleeps 3 s before it reads:
    (its lines as JSON, the peak memory of amijson in MiB)."""
    padding = b"AccountCode: " + b"p" * 900 + b"\r\n"

    def flood(watcher):
        watcher.peer.send(b"".join(newchannel(number, padding) for number in range(total)))
        watcher.until_gone()
    with serve(flood) as server:
        # Spawned from a small process that reports its peak (tests/faults/test_faults.py's
        # _MEASURE): a child of the test process would count pytest's memory in its own.
        proc = subprocess.Popen([sys.executable, "-c", _MEASURE, amijson_path(), "--port", str(server.port),
                                 "--format", "ndjson", "--buffer", "1", "--count", str(total), "events"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=offline_env(tmp_path))
        time.sleep(3)  # nobody reads: the pipe and then the buffer fill
        out, err = proc.communicate(timeout=60)
        assert logged_off(server)
    code, peak_kb = err.decode().split()
    assert code == "0"
    return [json.loads(line) for line in out.decode().splitlines()], int(peak_kb) / 1024


def test_a_reader_that_sleeps_costs_events_counted_never_reading_ami(tmp_path):
    """The writer is stuck on a full pipe; AMI is still read (the flood ends at --count),
    what did not fit in a 1 MiB buffer is dropped, counted and marked, and the peak memory
    does not grow with the flood."""
    peaks = []
    for total in (20000, 60000):
        lines, peak = sleepy_reader(tmp_path, total)
        peaks.append(peak)
        summary = lines[-1]["summary"]
        written = [line for line in lines[:-1] if "Event" in line]
        gaps = [line["gap"]["dropped"] for line in lines[:-1] if "gap" in line]
        assert summary["matched"] == total and summary["bound"] == "count"
        assert summary["dropped"] > 0 and len(written) + summary["dropped"] == total
        assert sum(gaps) == summary["dropped"]
        numbers = [int(line["CallerIDNum"]) for line in written]
        assert numbers == sorted(numbers)  # order kept around the gaps
    assert peaks[1] < peaks[0] + 8, "peak memory grew with the flood: %s MiB" % peaks  # 60 MB came, 3 times 20


def test_a_line_is_out_within_milliseconds(tmp_path):
    """At a light load, the median delay from the peer's write to our line is under 5 ms."""
    sent = []

    def paced(watcher):
        for number in range(30):
            watcher.poll(0.05)
            sent.append(time.monotonic())
            watcher.peer.send(newchannel(number))
        watcher.until_gone()
    with serve(paced) as server:
        proc = stream(server, tmp_path, "--format", "ndjson", "--count", "30", "events")
        got = []
        for _ in range(30):
            proc.stdout.readline()
            got.append(time.monotonic())
        proc.communicate(timeout=10)
    delays = sorted(after - before for after, before in zip(got, sent))
    assert delays[len(delays) // 2] < 0.005, delays


@pytest.mark.parametrize("kind", ["ndjson", "sse"])
def test_a_stream_that_fails_ends_with_its_summary(amijson_offline, unused_port, kind):
    bad = amijson_offline("--format", kind, "events", "Channel", expect_json=False)
    refused = amijson_offline("--format", kind, "--port", str(unused_port), "events", expect_json=False)
    for run, code, error in ((bad, 2, "usage"), (refused, 3, "connect")):
        assert run.returncode == code and run.stderr == ""
        line = run.stdout.splitlines()[-1 if kind == "ndjson" else 1]
        summary = json.loads(line)["summary"] if kind == "ndjson" else json.loads(line[len("data: "):])
        assert summary["ok"] is False and summary["error"]["code"] == error
    assert refused.stdout.startswith("event: summary\n" if kind == "sse" else '{"summary":')


@pytest.mark.parametrize("allow, code", [("allow_queries = channels\n", 7), ("allow_events = yes\n", 0)])
def test_a_profiles_allow_list_decides_events(amijson_offline, tmp_path, allow, code):
    def script(watcher):
        watcher.peer.send(hangup(1))
        watcher.until_gone()
    with serve(script) as server:
        config = tmp_path / "amijson.conf"
        config.write_text("[web]\nport = %d\n%s" % (server.port, allow))
        run = amijson_offline("--config", str(config), "--profile", "web", "--count", "1", "events")
        connected = bool(server.received)
    assert run.returncode == code, run.doc
    if code:
        assert run.doc["error"]["code"] == "forbidden" and "allow_events" in run.doc["error"]["message"]
        assert not connected  # refused before anything connects
    else:
        assert run.doc["records"][0]["Event"] == "Hangup"


def test_reconnect_logs_in_again_and_marks_the_gap(tmp_path):
    """The first connection brings two events and closes; the next one is refused, the
    one after brings the rest: every event arrives, and the gap is marked with its span."""
    connections = []

    def scenario(peer):
        connections.append(time.monotonic())
        if len(connections) == 2:
            return  # closed before the banner: an attempt that fails
        watcher = Watcher(peer)
        watcher.log_in()
        first = len(connections) == 1
        peer.send(newchannel(1) + newchannel(2) if first else newchannel(3) + newchannel(4))
        if not first:
            watcher.until_gone()
    with ScriptedAmi(scenario) as server:
        proc = stream(server, tmp_path, "--format", "ndjson", "--reconnect", "--count", "4", "events")
        out, err = proc.communicate(timeout=30)
        assert logged_off(server)
    lines = [json.loads(line) for line in out.decode().splitlines()]
    assert proc.returncode == 0 and err == b""
    assert [line.get("CallerIDNum") for line in lines if "Event" in line] == ["1", "2", "3", "4"]
    (gap,) = [line["gap"]["reconnected"] for line in lines if "gap" in line]
    assert "Event" in lines[1] and "gap" in lines[2]  # where the loss was
    assert 1.0 < gap["seconds"] < 5 and gap["lost"] < gap["back"]  # 0.5 s, then 1 s after the failed attempt
    summary = lines[-1]["summary"]
    assert summary["reconnects"] == 1 and summary["matched"] == 4 and "connection lost at" in summary["warnings"][0]
    assert len(connections) == 3


def test_without_reconnect_a_lost_connection_ends_the_stream(tmp_path):
    def script(watcher):
        watcher.peer.send(newchannel(1))
    with serve(script) as server:
        proc = stream(server, tmp_path, "--format", "ndjson", "--count", "4", "events")
        out, _ = proc.communicate(timeout=30)
    lines = [json.loads(line) for line in out.decode().splitlines()]
    assert proc.returncode == 3 and lines[0]["CallerIDNum"] == "1"
    assert lines[-1]["summary"]["error"]["code"] == "connect"


# --- the user's read classes (manager show user) ---------------------------------------------

# `scripts/asterisk-sandbox rx 'manager show user amijson_least'` on 22 (16's is the same), as
# Asterisk 22's Command action sends it: each line an Output header.
LEAST_USER_22 = ["", "          username: amijson_least", "            secret: <Set>", "               ACL: yes",
                 "         read perm: system,reporting", "        write perm: system,command,reporting",
                 "   displayconnects: yes", "allowmultiplelogin: yes", "         Variables: ", "ACL: (unnamed)",
                 "---------------------------------------------", "  0:  deny - 0.0.0.0/0.0.0.0",
                 "  1: allow - 127.0.0.1/255.255.255.255"]


def manager_show_user_22(lines):
    def reply(h):
        return (b"Response: Success\r\n" + aid_line(h) + b"Message: Command output follows\r\n"
                + b"".join(b"Output: %s\r\n" % line.encode() for line in lines) + b"\r\n")
    return reply


def command_refused_22(h):
    """A user without the command write class: Asterisk 22's answer to Command."""
    return b"Response: Error\r\n" + aid_line(h) + b"Message: Permission denied\r\n\r\n"


def test_a_user_whose_read_classes_lack_the_events_is_told_at_once(amijson_offline):
    def scenario(peer):
        watcher = Watcher(peer, command_reply=manager_show_user_22(LEAST_USER_22))
        watcher.log_in()
        watcher.until_gone()  # no event ever: Asterisk sends none of a class the user lacks
    with ScriptedAmi(scenario) as server:
        run = events(amijson_offline, server, "--count", "1", "events", "Event=Hangup", "Event=DTMFEnd",
                     "Event=PeerStatus", timeout=10)
        assert logged_off(server)
    assert run.returncode == 4 and run.doc["error"]["code"] == "permission", run.doc
    assert run.elapsed < 5, "waited %.1fs for events that never come" % run.elapsed
    message = run.doc["error"]["message"]
    assert "read = system,reporting lacks call, dtmf" in message, message
    assert "add call, dtmf to [fault]'s read = in manager.conf (read = system,reporting,call,dtmf)" in message
    assert "DTMFEnd, Hangup events" in message and "PeerStatus" not in message  # system: the user has it
    assert run.doc["events"]["bound"] == "error" and run.doc["events"]["matched"] == 0
    # sent right behind the Login and its Filters (in the same write): no round trip of its own
    actions = [h.get("action", "").lower() for h in server.received]
    assert actions[actions.index("login") + 1:actions.index("login") + 5] == ["filter"] * 3 + ["command"], actions
    command = next(h for h in server.received if h.get("action", "").lower() == "command")
    assert command["command"] == "manager show user fault"


def one_hangup(command_reply):
    """A peer that answers ``manager show user`` with ``command_reply``, then sends one Hangup."""
    def scenario(peer):
        watcher = Watcher(peer, command_reply=command_reply)
        watcher.log_in()
        watcher.poll(0.3)
        peer.send(hangup(1))
        watcher.until_gone()
    return scenario


def test_a_user_whose_read_classes_cover_the_events_watches_as_before(amijson_offline):
    lines = [line.replace("system,reporting", "system,call,reporting") for line in LEAST_USER_22]
    with ScriptedAmi(one_hangup(manager_show_user_22(lines))) as server:
        run = events(amijson_offline, server, "--count", "1", "events", "Event=Hangup")
    assert run.returncode == 0 and run.doc["ok"], run.doc
    assert run.doc["warnings"] == [] and run.doc["records"][0]["Event"] == "Hangup"


def test_without_the_command_class_a_warning_and_the_old_watch(amijson_offline):
    with ScriptedAmi(one_hangup(command_refused_22)) as server:
        run = events(amijson_offline, server, "--count", "1", "events", "Event=Hangup")
    assert run.returncode == 0 and run.doc["ok"], run.doc
    assert run.doc["records"][0]["Event"] == "Hangup"
    assert len(run.doc["warnings"]) == 1, run.doc["warnings"]
    assert "fault's read classes could not be checked" in run.doc["warnings"][0]
    assert "command write class" in run.doc["warnings"][0]


def test_without_the_command_class_a_stream_says_it_in_its_summary(amijson_offline):
    with ScriptedAmi(one_hangup(command_refused_22)) as server:
        run = events(amijson_offline, server, "--count", "1", "--format", "ndjson", "events", "Event=Hangup",
                     expect_json=False)
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    assert lines[0]["Event"] == "Hangup" and lines[-1]["summary"]["ok"] is True
    assert "read classes could not be checked" in lines[-1]["summary"]["warnings"][0]


def test_no_event_named_no_check(amijson_offline):
    def script(watcher):
        watcher.peer.send(newchannel(1))
        watcher.until_gone()
    with serve(script) as server:
        run = events(amijson_offline, server, "--count", "1", "events", "Channel=Local/*")
    assert run.returncode == 0, run.doc
    assert "command" not in server.actions()  # nothing named needs a class: nothing asked


# --- several PBXes merged (amijson.eventfleet) -----------------------------------------------

def _refusing(peer):
    """A PBX whose login fails: Asterisk 13.38.3 answers, then ends the session."""
    peer.send(BANNER_13)
    h = peer.expect()
    if h.get("action", "").lower() == "challenge":
        peer.send(challenge_13(h))
        h = peer.expect()
    peer.send(login_refused_13(h))


def _merged_peers(tmp_path):
    """alpha: two Newchannels after a second, then waits; beta: one at once, then closes its end
    (lost, no --reconnect); gamma: refuses the login. Their config file's path and servers."""
    def alpha(watcher):
        watcher.poll(1.0)
        watcher.peer.send(newchannel(1) + newchannel(2))
        watcher.until_gone()

    def beta(watcher):
        watcher.peer.send(newchannel(3))
        watcher.poll(0.3)
    servers = {"alpha": serve(alpha), "beta": serve(beta), "gamma": ScriptedAmi(_refusing)}
    config = tmp_path / "amijson.conf"
    config.write_text("[default]\nuser = fault\nsecret = %s\n" % FAULT_SECRET + "".join(
        "[%s]\nhost = 127.0.0.1\nport = %d\n" % (name, server.port) for name, server in servers.items()))
    config.chmod(0o600)
    return config, servers


def _merged_env(tmp_path, config):
    env = offline_env(tmp_path)
    for key in ("AMIJSON_HOST", "AMIJSON_USER", "AMIJSON_SECRET"):
        env.pop(key)
    env["AMIJSON_CONFIG"] = str(config)
    return env


def test_merged_document_a_lost_pbx_and_a_refused_one_reported_the_others_go_on(tmp_path):
    config, servers = _merged_peers(tmp_path)
    with servers["alpha"], servers["beta"], servers["gamma"]:
        proc = subprocess.run([amijson_path(), "--profiles", "alpha,beta,gamma", "--timeout", "5", "--count", "3",
                               "events", "Event=Newchannel"], capture_output=True, text=True,
                              env=_merged_env(tmp_path, config), timeout=30)
        assert logged_off(servers["alpha"])
    assert "Traceback" not in proc.stderr and FAULT_SECRET not in proc.stdout + proc.stderr
    doc = json.loads(proc.stdout)
    from test_fleet import FLEET_SCHEMA, REGISTRY
    import jsonschema
    jsonschema.Draft202012Validator(FLEET_SCHEMA, registry=REGISTRY).validate(doc)
    assert proc.returncode == 9 and doc["error"]["code"] == "partial"
    assert [(r["pbx"], r["CallerIDNum"]) for r in doc["records"]] == [("beta", "3"), ("alpha", "1"), ("alpha", "2")]
    assert doc["events"]["bound"] == "count" and doc["events"]["matched"] == 3
    assert doc["summary"] == {"pbxes": 3, "answered": 1, "failed": 2, "errors": {"auth": 1, "connect": 1}}
    alpha, beta, gamma = doc["pbxes"]
    assert alpha["ok"] and alpha["events"]["matched"] == 2 and alpha["events"]["bound"] == "count"
    assert beta["error"]["code"] == "connect" and beta["events"]["matched"] == 1
    assert gamma["error"]["code"] == "auth"


def test_merged_stream_says_each_failure_as_it_happens(tmp_path):
    config, servers = _merged_peers(tmp_path)
    with servers["alpha"], servers["beta"], servers["gamma"]:
        proc = subprocess.run([amijson_path(), "--profiles", "alpha,beta,gamma", "--format", "ndjson", "--count", "3",
                               "events"], capture_output=True, text=True, env=_merged_env(tmp_path, config),
                              timeout=30)
        assert logged_off(servers["alpha"])
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert proc.returncode == 9 and "Traceback" not in proc.stderr
    failed = {line["gap"]["pbx"]: line["gap"]["failed"]["code"] for line in lines if "gap" in line}
    assert failed == {"beta": "connect", "gamma": "auth"}
    assert [(line["pbx"], line["CallerIDNum"]) for line in lines if "Event" in line] == \
        [("beta", "3"), ("alpha", "1"), ("alpha", "2")]
    # The failures come before alpha's events: they were said when they happened.
    assert max(i for i, line in enumerate(lines) if "gap" in line) < \
        min(i for i, line in enumerate(lines) if line.get("pbx") == "alpha")
    summary = lines[-1]["summary"]
    assert summary["bound"] == "count" and summary["error"]["code"] == "partial"
    assert [(p["pbx"], p["ok"]) for p in summary["pbxes"]] == [("alpha", True), ("beta", False), ("gamma", False)]


def test_merged_usage_errors(tmp_path):
    config, servers = _merged_peers(tmp_path)
    env = _merged_env(tmp_path, config)
    with servers["alpha"], servers["beta"], servers["gamma"]:
        _usage_errors(env)
    assert not any(server.received for server in servers.values())  # nothing connected


def _usage_errors(env):
    for args, said in ((["--parallel", "2"], "--parallel is not for events"),
                       (["--profiles", "alpha,nope"], "nope")):
        full = ["--profiles", "alpha,beta"] + args if args[0] != "--profiles" else args
        proc = subprocess.run([amijson_path(), *full, "--count", "1", "events"], capture_output=True, text=True,
                              env=env, timeout=30)
        doc = json.loads(proc.stdout)
        assert proc.returncode == 2 and said in doc["error"]["message"], doc


def test_a_host_list_merges_too_each_event_named_by_its_host(amijson_offline):
    """--host a,b: the same settings on every host, each event with the host it came from."""
    def script(watcher):
        watcher.peer.send(newchannel(len(watcher.logins)))
        watcher.until_gone()
    with serve(script) as server:
        run = amijson_offline("--host", "127.0.0.1,localhost", "--port", str(server.port), "--timeout", "5",
                              "--count", "2", "--records", "events", "Event=Newchannel", expect_json=False)
        assert logged_off(server)
    records = json.loads(run.stdout)
    assert run.returncode == 0 and sorted(record["pbx"] for record in records) == ["127.0.0.1", "localhost"]
    assert all(list(record)[:2] == ["pbx", "Event"] for record in records)
