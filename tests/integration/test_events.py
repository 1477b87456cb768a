"""``amijson events`` against the real Asterisk 22 and 16: a call's events as it is placed
and hung up, the bounds, the filters, the stream framings, and no session left behind."""

import json
import subprocess
import time

import pytest

from conftest import _clean_home, amijson_path, secrets_of, validate_document

CONTEXT = "amijson-test"
SECOND_LEG = "Channel=Local/wait@%s-*;2" % CONTEXT  # the leg that runs the dialplan's wait extension


def _sessions(sandbox):
    user = sandbox["AMIJSON_USER"]
    out = sandbox.cmd("rx", "manager show connected").stdout
    return [line for line in out.splitlines() if line.split()[:1] == [user]]


@pytest.fixture
def watch(sandbox, tmp_path):
    """``watch(*args)`` starts amijson with ARGS and returns once its session is logged in
    (Popen, stdout and stderr piped); every call is hung up and every session of ours
    gone after the test."""
    env = _clean_home(tmp_path)
    env.update({key: sandbox[key] for key in ("AMIJSON_HOST", "AMIJSON_PORT", "AMIJSON_USER", "AMIJSON_SECRET")})
    sandbox.cmd("hangup", check=False)
    started = []

    def start(*args):
        before = len(_sessions(sandbox))
        proc = subprocess.Popen([amijson_path(), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        started.append(proc)
        give_up = time.monotonic() + 10
        while len(_sessions(sandbox)) <= before:  # logged in: the session shows its user
            assert proc.poll() is None and time.monotonic() < give_up, proc.communicate()
            time.sleep(0.05)
        time.sleep(0.2)  # the Filter actions, sent with the Login, have run
        return proc

    yield start
    sandbox.cmd("hangup", check=False)
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    give_up = time.monotonic() + 5
    while _sessions(sandbox) and time.monotonic() < give_up:
        time.sleep(0.05)
    assert _sessions(sandbox) == [], "an AMI session of ours was left behind"
    for proc in started:
        if not proc.stderr.closed:  # communicate() read and closed it: the test checked it
            assert b"Traceback" not in proc.stderr.read()


def document(proc, sandbox):
    out, err = proc.communicate(timeout=60)
    for secret in secrets_of(sandbox):
        assert secret not in out.decode() and secret not in err.decode()
    return validate_document(out.decode())


def test_a_calls_events_from_newchannel_to_hangup_in_order(watch, sandbox):
    proc = watch("--timeout", "40", "--until", "Event=Hangup", "--until", SECOND_LEG, "events", SECOND_LEG)
    sandbox.cmd("calls", "1", "wait")
    sandbox.cmd("hangup")
    doc = document(proc, sandbox)
    assert proc.returncode == 0, doc["error"]
    names = [record["Event"] for record in doc["records"]]
    assert names[0] == "Newchannel" and names[-1] == "Hangup", names
    assert "Newexten" in names and names.index("Newexten") < names.index("Hangup")
    # One channel, its own events only (a TestEvent names the channel but carries no Uniqueid).
    assert len({record["Uniqueid"] for record in doc["records"] if "Uniqueid" in record}) == 1, doc["records"]
    assert all(record["Channel"].endswith(";2") for record in doc["records"])
    summary = doc["events"]
    assert summary["bound"] == "until" and summary["matched"] == len(names) and summary["seen"] >= len(names)
    assert summary["server_filters"], "Asterisk %s took no Filter" % sandbox.release


def test_until_an_event_the_filters_leave_out(watch, sandbox):
    """The --until event is kept whatever the filters say: Asterisk's Filter lets it by too."""
    proc = watch("--timeout", "30", "--until", "Event=Hangup", "events", "Event=Newchannel")
    sandbox.cmd("calls", "1", "wait")
    sandbox.cmd("hangup")
    doc = document(proc, sandbox)
    assert proc.returncode == 0, doc["error"]
    assert [record["Event"] for record in doc["records"]] == ["Newchannel", "Newchannel", "Hangup"]
    assert len(doc["events"]["server_filters"]) == 2


def test_count_and_what_the_server_filter_saves(watch, sandbox):
    proc = watch("--timeout", "30", "--count", "2", "events", "Event=Newchannel", "Channel=Local/wait@%s-*" % CONTEXT)
    sandbox.cmd("calls", "1", "wait")
    doc = document(proc, sandbox)
    assert proc.returncode == 0, doc["error"]
    assert sorted(record["Channel"][-2:] for record in doc["records"]) == [";1", ";2"]
    summary = doc["events"]
    assert summary["bound"] == "count" and summary["matched"] == 2
    # Asterisk sent only Newchannel events (the Filter) of the call class (the login's mask).
    assert summary["seen"] == 2, summary


def test_the_filter_form_follows_the_release(watch, sandbox):
    """22 (22.10) takes MatchCriteria, asked after CoreSettings named the point release; 16.28
    has only the legacy expressions. Either way Asterisk sends only Newchannel events."""
    proc = watch("--debug", "--timeout", "30", "--count", "2", "events", "Event=Newchannel")
    sandbox.cmd("calls", "1", "wait")
    out, err = proc.communicate(timeout=60)
    doc = validate_document(out.decode())
    assert proc.returncode == 0, doc["error"]
    assert doc["events"]["seen"] == 2
    transcript = err.decode()
    if sandbox.release == "22":
        assert "> Action: CoreSettings" in transcript and "< AsteriskVersion: 22." in transcript
        assert "> MatchCriteria: name(Newchannel)\n" in transcript
        assert doc["events"]["server_filters"] == ["eventfilter(name(Newchannel))"]
    else:
        assert "CoreSettings" not in transcript and "MatchCriteria" not in transcript
        assert doc["events"]["server_filters"] == ["(^|[[:cntrl:]])[Ee][Vv][Ee][Nn][Tt]: Newchannel[[:cntrl:]]"]
    received = [line for line in transcript.splitlines() if line.startswith("< Event: ")]
    assert received == ["< Event: Newchannel"] * 2, received


def test_exclusions_held_back_by_asterisk_22(watch, sandbox):
    proc = watch("--debug", "--timeout", "30", "--for", "4", "--events", "call,dialplan", "events", "Event!=VarSet",
                 "Event!=Newexten")
    sandbox.cmd("calls", "1", "wait")
    out, err = proc.communicate(timeout=60)
    doc = validate_document(out.decode())
    assert proc.returncode == 0, doc["error"]
    names = {record["Event"] for record in doc["records"]}
    received = {line[len("< Event: "):] for line in err.decode().splitlines() if line.startswith("< Event: ")}
    assert "Newchannel" in names and not names & {"VarSet", "Newexten"}
    if sandbox.release == "22":
        assert doc["events"]["server_filters"] == ["eventfilter(action(exclude),name(VarSet))",
                                                   "eventfilter(action(exclude),name(Newexten))"]
        assert not received & {"VarSet", "Newexten"}, "Asterisk 22 sent what its filter excludes"
        assert doc["events"]["seen"] == doc["events"]["matched"]
    else:
        assert doc["events"]["server_filters"] == []
        # Newexten came (the dialplan ran) and was left out by our matching alone.
        assert "Newexten" in received and doc["events"]["seen"] > doc["events"]["matched"]


def test_exclusion_and_glob(watch, sandbox):
    proc = watch("--timeout", "30", "--count", "1", "events", "Event=New*l", "Channel!=*;1")
    sandbox.cmd("calls", "1", "wait")
    doc = document(proc, sandbox)
    assert proc.returncode == 0, doc["error"]
    (record,) = doc["records"]
    assert record["Event"] == "Newchannel" and record["Channel"].endswith(";2")


def test_for_is_a_window(watch, sandbox):
    proc = watch("--for", "4", "events", "Event=Newchannel")
    sandbox.cmd("calls", "1", "wait")
    doc = document(proc, sandbox)
    assert proc.returncode == 0 and doc["events"]["bound"] == "for" and len(doc["records"]) == 2
    assert 3.5 < doc["events"]["seconds"] < 6


def test_the_deadline_before_count_is_exit_5_with_the_events(watch, sandbox):
    proc = watch("--timeout", "4", "--count", "5", "events", "Event=Newchannel")
    sandbox.cmd("calls", "1", "wait")
    doc = document(proc, sandbox)
    assert proc.returncode == 5 and doc["error"]["code"] == "timeout" and len(doc["records"]) == 2
    assert doc["events"]["bound"] == "timeout"


def test_a_latin1_caller_name(watch, sandbox):
    proc = watch("--timeout", "30", "--count", "1", "events", "Event=NewCallerid", "CallerIDName=Jos*")
    sandbox.cmd("calls", "1", "latin1")
    doc = document(proc, sandbox)
    assert proc.returncode == 0, doc["error"]
    assert doc["records"][0]["CallerIDName"] == "Jos\u00e9 M\u00fcller"
    assert "records[0].CallerIDName: bytes not valid UTF-8, decoded as latin-1" in doc["warnings"]


def test_ndjson_framing(watch, sandbox):
    proc = watch("--format", "ndjson", "--timeout", "30", "--count", "2", "events", "Event=Newchannel")
    sandbox.cmd("calls", "1", "wait")
    out, err = proc.communicate(timeout=60)
    lines = [json.loads(line) for line in out.decode().splitlines()]
    assert proc.returncode == 0 and err == b"" and len(lines) == 3
    assert [line["Event"] for line in lines[:2]] == ["Newchannel", "Newchannel"]
    assert lines[2]["summary"]["bound"] == "count" and lines[2]["summary"]["ok"] is True


def test_sse_framing(watch, sandbox):
    proc = watch("--format", "sse", "--timeout", "30", "--count", "2", "events", "Event=Newchannel")
    sandbox.cmd("calls", "1", "wait")
    out, err = proc.communicate(timeout=60)
    blocks = out.decode().split("\n\n")
    assert proc.returncode == 0 and err == b"" and blocks[-1] == ""
    for number, block in enumerate(blocks[:2], 1):
        event, id_line, data = block.split("\n")
        assert (event, id_line) == ("event: Newchannel", "id: %d" % number)
        assert json.loads(data[len("data: "):])["Event"] == "Newchannel"
    assert blocks[2].startswith("event: summary\ndata: ")
    assert json.loads(blocks[2].split("data: ", 1)[1])["matched"] == 2


def test_a_stream_whose_reader_goes_logs_off(watch, sandbox):
    proc = watch("--format", "ndjson", "events", "Event=Newchannel")
    sandbox.cmd("calls", "1", "wait")
    assert json.loads(proc.stdout.readline())["Event"] == "Newchannel"
    proc.stdout.close()
    sandbox.cmd("hangup")
    sandbox.cmd("calls", "1", "wait")  # more events: the next write finds the reader gone
    assert proc.wait(10) == 0


def test_over_tls(watch, sandbox):
    proc = watch("--tls", "--cafile", sandbox["AMIJSON_SANDBOX_CAFILE"], "--port", sandbox["AMIJSON_SANDBOX_TLS_PORT"],
                 "--timeout", "30", "--count", "2", "events", "Event=Newchannel")
    sandbox.cmd("calls", "1", "wait")
    doc = document(proc, sandbox)
    assert proc.returncode == 0 and doc["route"] == "ami+tls" and len(doc["records"]) == 2, doc["error"]


def test_http_and_tcp_give_the_same_events(watch, sandbox):
    """AMI over HTTP (WaitEvent after WaitEvent) and over TCP, side by side on one call."""
    args = ("--timeout", "40", "--until", "Event=Hangup", "--until", SECOND_LEG, "events", SECOND_LEG)
    over_http = watch("--via", "http", "--http-port", sandbox["AMIJSON_SANDBOX_HTTP_PORT"], *args)
    over_tcp = watch(*args)
    sandbox.cmd("calls", "1", "wait")
    sandbox.cmd("hangup")
    http_doc, tcp_doc = document(over_http, sandbox), document(over_tcp, sandbox)
    assert over_http.returncode == 0 and over_tcp.returncode == 0, (http_doc["error"], tcp_doc["error"])
    assert (http_doc["route"], tcp_doc["route"]) == ("http", "ami")
    assert [r["Event"] for r in http_doc["records"]] == [r["Event"] for r in tcp_doc["records"]]
    assert http_doc["records"][0]["Event"] == "Newchannel" and http_doc["records"][-1]["Event"] == "Hangup"
    assert http_doc["events"]["server_filters"] == tcp_doc["events"]["server_filters"] != []


def _restart_asterisk(sandbox):
    """A real restart of the AMI listener: ``core restart now`` closes every AMI session and the
    listener, and Asterisk starts again in the same process (the sandbox's PID stands). A
    ``manager reload`` would not do: Asterisk keeps its sessions across it, whatever it changes."""
    sandbox.cmd("rx", "core restart now", check=False)
    give_up = time.monotonic() + 60
    time.sleep(1)
    while sandbox.cmd("rx", "core waitfullybooted", check=False).returncode != 0:
        assert time.monotonic() < give_up, "Asterisk %s did not come back" % sandbox.release
        time.sleep(0.5)


def test_reconnect_across_a_restart_of_asterisk(watch, sandbox):
    """--reconnect: the stream goes on after the listener came back, the gap marked with its span."""
    proc = watch("--format", "ndjson", "--reconnect", "--timeout", "120", "--count", "4", "events", "Event=Newchannel")
    sandbox.cmd("calls", "1", "wait")
    first = [json.loads(proc.stdout.readline()) for _ in range(2)]
    _restart_asterisk(sandbox)
    give_up = time.monotonic() + 30
    while len(_sessions(sandbox)) == 0:  # logged in again
        assert proc.poll() is None and time.monotonic() < give_up, proc.communicate()
        time.sleep(0.1)
    time.sleep(0.5)  # its Filters have run
    sandbox.cmd("calls", "1", "wait")
    out, err = proc.communicate(timeout=60)
    lines = first + [json.loads(line) for line in out.decode().splitlines()]
    assert proc.returncode == 0 and b"Traceback" not in err, err
    assert [line.get("Event") for line in lines[:2]] == ["Newchannel"] * 2
    gap = lines[2]["gap"]["reconnected"]
    assert set(gap) == {"lost", "back", "seconds"} and gap["lost"] < gap["back"] and gap["seconds"] > 0
    assert [line.get("Event") for line in lines[3:5]] == ["Newchannel"] * 2
    summary = lines[5]["summary"]
    assert summary["reconnects"] == 1 and summary["matched"] == 4 and summary["bound"] == "count"
    assert "connection lost at %s" % gap["lost"] in summary["warnings"][-1]
    # The restarted Asterisk's channels are new ones: its first channel number again, or a new Uniqueid.
    assert {line["Uniqueid"] for line in lines[:2]}.isdisjoint(line["Uniqueid"] for line in lines[3:5])


def test_without_reconnect_a_restart_ends_the_run_with_connect(watch, sandbox):
    proc = watch("--timeout", "60", "--count", "4", "events", "Event=Newchannel")
    sandbox.cmd("calls", "1", "wait")
    time.sleep(1)  # the two Newchannels reached amijson
    _restart_asterisk(sandbox)
    doc = document(proc, sandbox)
    assert proc.returncode == 3 and doc["error"]["code"] == "connect", doc["error"]
    assert [record["Event"] for record in doc["records"]] == ["Newchannel"] * 2
    assert doc["events"]["bound"] == "error" and doc["events"]["reconnects"] == 0


def test_rx_has_no_events(amijson):
    run = amijson("--via", "rx", "--count", "1", "events")
    assert run.returncode == 2 and "--via ami" in run.doc["error"]["message"]


# --- the user's read classes ------------------------------------------------------------------

@pytest.mark.parametrize("via", ["ami", "http"])
def test_permission_a_user_without_the_events_class_is_told_at_once(amijson, sandbox, via):
    """amijson_least (read = system,reporting) would get no Hangup event ever: Asterisk sends
    a session only the events of its read classes. The run says so at once, naming call."""
    user = sandbox["AMIJSON_SANDBOX_LEAST_USER"]
    env = {"AMIJSON_USER": user, "AMIJSON_SECRET": sandbox["AMIJSON_SANDBOX_LEAST_SECRET"], "AMIJSON_VIA": via,
           "AMIJSON_HTTP_PORT": sandbox["AMIJSON_SANDBOX_HTTP_PORT"]}
    run = amijson("--timeout", "20", "--count", "1", "events", "Event=Hangup", env=env)
    assert run.returncode == 4 and run.doc["error"]["code"] == "permission", run.doc
    assert run.elapsed < 5, "waited %.1fs for events that never come" % run.elapsed
    message = run.doc["error"]["message"]
    assert "read = system,reporting lacks call" in message, message
    assert "add call to [%s]'s read = in manager.conf (read = system,reporting,call)" % user in message
    assert run.doc["route"] == via and run.doc["events"]["bound"] == "error"


def test_permission_the_full_user_still_gets_its_events(watch, sandbox):
    """The same question from a user whose read classes hold call: the check passes, unsaid."""
    proc = watch("--timeout", "30", "--count", "1", "events", "Event=Newchannel")
    sandbox.cmd("calls", "1", "wait")
    doc = document(proc, sandbox)
    assert proc.returncode == 0 and doc["records"][0]["Event"] == "Newchannel", doc["error"]
    assert doc["warnings"] == []
