"""The runner (amijson/runner.py) in-process, through ``runner.execute``: which route answers
(``--via auto`` and its fallback to ``asterisk -rx``), an empty list that AMI reports as an error,
and the one policy for a parser that fails.

AMI is a scripted in-memory connection (fakeami.ScriptedConnection, Asterisk 13.38.3's
framing) or a refusal to connect; ``asterisk -rx`` is a stand-in for its process
(``childprocess.run_process``): nothing is spawned and no connection is made. The installed command makes the
same fallback decision in tests/faults/test_rx_process.py; Plan.finish's parser policy is also
checked on its own in tests/faults/test_route_answers.py."""

import json
import os
import pathlib

import pytest

from amijson import ami, childprocess, parsers, rx
from amijson.cli import build_plan
from amijson.deadline import Deadline
from amijson.document import Document
from amijson.errors import AmijsonError
from amijson.jsonout import dumps
from amijson.runner import execute
from amijson.settings import resolve
from fakeami import ScriptedConnection, aid_line, command_follows_13, login_refused_13

DATA = pathlib.Path(__file__).resolve().parent.parent / "data" / "cli"
SECRET = "runner-secret"
UPTIME = b"System uptime: 42\nLast reload: 7\n"
UPTIME_RECORDS = [{"system_uptime": 42, "last_reload": 7}]
REFUSED = "connection to 127.0.0.1:5038 refused: Connection refused"


def refused():
    raise AmijsonError("connect", REFUSED)


class Pbx:
    """What a run can reach. ``ami()`` gives the AMI connection (a ScriptedConnection) or raises
    as transport.connect would; ``rx_output`` is what asterisk -rx prints, handed to the route's
    reader in pieces when ``stream`` (as the real process's pipe would) and else all at the end."""

    def __init__(self, tmp_path):
        self.ami = refused
        self.connects = []
        self.rx_output = UPTIME
        self.rx_runs = []
        self.stream = False
        self.fed = False  # a parser took the output as it came
        self.asterisk = tmp_path / "asterisk"  # found, never run
        self.asterisk.write_text("#!/bin/sh\nexit 99\n")
        self.asterisk.chmod(0o755)

    def connect(self, host, port, *args, **kwargs):
        self.connects.append((host, port))
        return self.ami()

    def run_process(self, argv, timeout, reader=None):
        self.rx_runs.append(argv)
        consumer = reader() if reader is not None and self.stream else None
        if consumer is not None:
            self.fed = True
            for start in range(0, len(self.rx_output), 5000):  # cut anywhere, as a pipe does
                consumer.feed(self.rx_output[start:start + 5000], False)
            consumer.feed(b"", True)
        return 0, self.rx_output, b""


@pytest.fixture
def pbx(monkeypatch, tmp_path):
    world = Pbx(tmp_path)
    monkeypatch.setattr(ami, "connect", world.connect)
    monkeypatch.setattr(childprocess, "run_process", world.run_process)
    return world


def ask(pbx, verb, *args, **options):
    """(the document as JSON reads it, the AmijsonError or None) of one run."""
    given = {"host": "127.0.0.1", "user": "fault", "timeout": "3", "asterisk": str(pbx.asterisk),
             "console": "/nonexistent/asterisk.ctl"}  # no control socket here: the executable answers
    given.update(options)
    given = {key: value for key, value in given.items() if value is not None}
    settings = resolve(given, {"HOME": "/nonexistent", "AMIJSON_SECRET": SECRET,
                               "AMIJSON_MANAGER_CONF": "/nonexistent"})
    document = Document()
    error = None
    try:
        execute(settings, build_plan(verb, list(args)), document, Deadline(3), {"PATH": os.defpath})
    except AmijsonError as exc:
        error = exc
        document.fail(exc.code, exc.message)
    return json.loads(dumps(document.to_dict())), error


# --- --via auto: when rx answers instead of AMI --------------------------------------------

@pytest.mark.parametrize("host", ["127.0.0.1", "::1"])
def test_auto_answers_through_rx_when_ami_is_refused_on_this_machine(pbx, host):
    doc, error = ask(pbx, "command", "core show uptime seconds", host=host)
    assert error is None and doc["ok"], doc
    assert doc["route"] == "rx"
    assert doc["server"] == {"socket": None, "executable": str(pbx.asterisk), "banner": None, "version": None}
    assert doc["records"] == UPTIME_RECORDS and doc["parser"] == "core_show_uptime.seconds"
    assert doc["output"] == ["System uptime: 42", "Last reload: 7"]
    assert doc["warnings"] == ["AMI not used (connect: %s); answered through asterisk -rx" % REFUSED]
    assert pbx.connects == [(host, 5038)]
    assert pbx.rx_runs == [[str(pbx.asterisk), "-rx", "core show uptime seconds"]]


def test_auto_answers_through_rx_when_ami_is_not_configured(pbx):
    doc, error = ask(pbx, "command", "core show uptime seconds", user=None)
    assert error is None and doc["route"] == "rx" and doc["records"] == UPTIME_RECORDS
    assert doc["warnings"][-1].startswith("AMI not used (config: no AMI user")
    assert pbx.connects == []  # the credentials are checked before connecting


def test_a_named_query_falls_back_to_its_cli_command(pbx):
    """Over AMI the 'version' query is the CoreSettings action; over rx, 'core show version'."""
    pbx.rx_output = (DATA / "core-show-version-22.txt").read_bytes()
    doc, error = ask(pbx, "version")
    assert error is None and doc["route"] == "rx"
    assert doc["request"] == {"action": "Command", "headers": {"Command": "core show version"},
                              "command": "core show version"}
    assert doc["parser"] == "core_show_version"
    assert [r["version"] for r in doc["records"]] == ["22.10.1+dfsg+~cs6.17.60671434-1"]
    assert pbx.rx_runs == [[str(pbx.asterisk), "-rx", "core show version"]]


STATUS_OUTPUT = {"core show version": "core-show-version-16.txt", "core show uptime seconds":
                 "core-show-uptime-seconds-16.txt", "core show channels count": "core-show-channels-count-16.txt",
                 "pjsip show endpoints": "pjsip-show-endpoints-16.txt", "pjsip show contacts":
                 "pjsip-show-contacts-16.txt", "queue show": "queue-show-16.txt",
                 "sip show peers": "sip-show-peers-16.txt", "iax2 show peers": "iax2-show-peers-16.txt"}


class _RxProcess:
    """Stands in for childprocess.Process: asterisk -rx CMD prints CMD's sample, nothing is spawned."""

    started = []

    def __init__(self, argv, piped=False):
        self.argv = argv
        _RxProcess.started.append(argv[2])

    def wait(self, timeout, on_output=None):
        return 0, (DATA / STATUS_OUTPUT[self.argv[2]]).read_bytes(), b""

    def kill(self):
        pass


def test_a_query_made_of_parts_falls_back_to_rx_as_a_whole(pbx, monkeypatch):
    """status over AMI is eight requests in one session; refused there, all eight go to rx."""
    monkeypatch.setattr(childprocess, "Process", _RxProcess)
    _RxProcess.started = []
    doc, error = ask(pbx, "status")
    assert error is None and doc["route"] == "rx" and doc["ok"]
    assert doc["warnings"] == ["AMI not used (connect: %s); answered through asterisk -rx" % REFUSED,
                               # the 16 captures' names that fill their columns: rx may say so
                               "sip show peers: records[2].name may be truncated at 25 characters (fixed-width column)",
                               "iax2 show peers: records[1].name may be truncated at 15 characters "
                               "(fixed-width column)"]
    assert _RxProcess.started == list(STATUS_OUTPUT)
    assert doc["request"] == {"action": None, "headers": {}, "command": None, "parts": [
        {"action": "Command", "headers": {"Command": command}, "command": command} for command in STATUS_OUTPUT]}
    assert doc["records"] == [{
        "version": "16.28.0~dfsg-0+deb11u4", "uptime_seconds": 4, "reload_seconds": 4, "channels": 13,
        "calls": 6, "calls_processed": 6, "endpoints": 4, "endpoints_available": 2, "endpoints_unavailable": 2,
        "contacts_unreachable": 0, "queues": 2, "queue_callers": 1, "longest_wait_seconds": 2,
        "sip_peers": 3, "sip_peers_monitored": 1, "sip_peers_unmonitored": 2, "sip_peers_online": 0,
        "sip_peers_offline": 1, "iax2_peers": 3, "iax2_peers_monitored": 2, "iax2_peers_unmonitored": 1,
        "iax2_peers_online": 1, "iax2_peers_offline": 1}]
    assert (doc["response"], doc["output"], doc["parser"], doc["complete"]) == (None, None, None, None)


def _timeout():
    raise AmijsonError("timeout", "deadline of 3s passed while connecting to 127.0.0.1:5038")


def _refusing_login():
    return ScriptedConnection(replies={"login": login_refused_13}, closes_after=("login",))


@pytest.mark.parametrize("ami_answer, args, options, code", [
    (refused, ("command", "core show uptime seconds"), {"host": "192.0.2.1"}, "connect"),
    (refused, ("command", "core show uptime seconds"), {"via": "ami"}, "connect"),
    (refused, ("action", "Ping"), {}, "connect"),
    (refused, ("command", "core show uptime seconds"), {"asterisk": "/nonexistent/asterisk"}, "connect"),
    (_timeout, ("command", "core show uptime seconds"), {}, "timeout"),
    (_refusing_login, ("command", "core show uptime seconds"), {}, "auth"),
], ids=["another-host", "via-ami-by-name", "an-action-has-no-cli-twin", "no-asterisk-here",
        "not-a-refusal", "asterisk-answered"])
def test_auto_does_not_fall_back(pbx, ami_answer, args, options, code):
    """Only AMI that is not there (refused, not configured) on this machine, for a question
    rx can ask, with an asterisk executable here, falls back; anything else is the error."""
    pbx.ami = ami_answer
    doc, error = ask(pbx, *args, **options)
    assert error is not None and error.code == code, doc
    assert doc["route"] == "ami" and doc["error"]["code"] == code
    assert pbx.rx_runs == []
    assert not any("answered through" in warning for warning in doc["warnings"])


# --- an empty list that AMI reports as an error ----------------------------------------------

def _error_reply(message):
    def reply(h):
        return b"Response: Error\r\n" + aid_line(h) + b"Message: " + message + b"\r\n\r\n"
    return reply


@pytest.mark.parametrize("query, args, action, message, code", [
    ("db", ("nothing",), "dbgettree", b"Database entry not found", None),
    ("db", ("nothing",), "dbgettree", b"Permission denied", "permission"),
    ("bridges", (), "bridgelist", b"Database entry not found", "action_failed"),  # another query's words
], ids=["db-family-none", "db-not-allowed", "bridges-other-words"])
def test_an_empty_list_said_as_an_error_is_no_records(pbx, query, args, action, message, code):
    connection = ScriptedConnection(replies={action: _error_reply(message)})
    pbx.ami = lambda: connection
    doc, error = ask(pbx, query, *args)
    assert doc["route"] == "ami" and doc["records"] == []
    assert doc["response"]["Message"] == message.decode()
    if code is None:
        assert error is None and doc["ok"], doc
    else:
        assert error.code == code and doc["error"]["code"] == code


# --- one policy for a parser that fails ------------------------------------------------------

def _parser_bug(*args, **kwargs):
    raise ValueError("a parser bug")


def _ami_with_uptime():
    return ScriptedConnection(replies={"command": command_follows_13(UPTIME)})


@pytest.mark.parametrize("via", ["ami", "rx"])
@pytest.mark.parametrize("verb, args", [("command", ("core show uptime seconds",)), ("uptime", ())])
def test_a_parser_that_fails_costs_the_records_not_the_run(pbx, monkeypatch, via, verb, args):
    """The run still succeeds with the reply and the output lines; records empty, and a warning."""
    monkeypatch.setattr(parsers, "parse", _parser_bug)
    pbx.ami = _ami_with_uptime
    doc, error = ask(pbx, verb, *args, via=via)
    assert error is None and doc["ok"] and doc["route"] == via, doc
    assert doc["output"] == ["System uptime: 42", "Last reload: 7"]
    assert doc["records"] == [] and doc["parser"] is None
    assert doc["warnings"] == ["parser failed on this output (ValueError: a parser bug); records left empty"]


def test_a_parser_failure_that_is_an_amijson_error_keeps_its_code(pbx, monkeypatch):
    def refuses(*args, **kwargs):
        raise AmijsonError("protocol", "not the output of that command")
    monkeypatch.setattr(parsers, "parse", refuses)
    pbx.ami = _ami_with_uptime
    doc, error = ask(pbx, "command", "core show uptime seconds")
    assert error.code == "protocol" and doc["error"]["message"] == "not the output of that command"
    assert not any(warning.startswith("parser failed") for warning in doc["warnings"])


# --- output parsed as it comes, or at the end: one document -----------------------------------

def test_output_parsed_while_rx_runs_gives_what_parsing_it_whole_gives(pbx):
    lines = (DATA / "core-show-channels-concise-22.txt").read_bytes().splitlines(keepends=True)
    # The common shape only (a '!' inside the data needs the line-by-line reading at the end).
    lines = [line for line in lines if line.count(b"!") == 13]
    pbx.rx_output = b"".join(lines * 50)  # some 60 KiB: several pieces
    pbx.stream = True
    streamed, error = ask(pbx, "command", "core show channels concise", via="rx")
    assert error is None and pbx.fed
    pbx.stream = False
    whole, error = ask(pbx, "command", "core show channels concise", via="rx")
    assert error is None
    assert streamed == whole
    assert whole["parser"] == "core_show_channels.concise" and len(whole["records"]) == len(lines) * 50
    assert whole["output"] == pbx.rx_output.decode().splitlines()
