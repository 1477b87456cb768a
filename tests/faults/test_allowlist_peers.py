"""A profile's allow-list, against a peer that records every action it gets.

What the list refuses never connects (a decoy on the profile's port records any connection);
what it allows reaches the peer with its pinned headers; and, over generated requests, nothing
outside the list ever reaches the peer. The peer speaks Asterisk 22.9.0's manager (tests/fakeami.py)."""

import os
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import FAULT_SECRET
from fakeami import (BANNER_22, Decoy, ScriptedAmi, aid_line, challenge_22, login_22, logoff_22,
                     originate_ack_22, originate_response_22)


def _pairs(block):
    pairs = []
    for line in block.replace(b"\r\n", b"\n").split(b"\n"):
        key, _, value = line.decode("utf-8", "replace").partition(":")
        pairs.append((key.strip(), value.strip()))
    return pairs


class RecordingAsterisk(ScriptedAmi):
    """Asterisk 22.9.0 answering every action with Success (an async Originate: the ack, then its
    OriginateResponse, answered); ``actions`` holds each action's (key, value) pairs as sent,
    repeated keys and their case kept."""

    def __init__(self):
        self.actions_sent = []
        super().__init__(self._converse)

    def _converse(self, peer):
        peer.send(BANNER_22)
        while True:
            while b"\r\n\r\n" not in peer.buf:
                data = peer.conn.recv(65536)
                if not data:
                    return
                peer.buf += data
            block, peer.buf = peer.buf.split(b"\r\n\r\n", 1)
            pairs = _pairs(block)
            h = {key.lower(): value for key, value in reversed(pairs)}
            action = h.get("action", "").lower()
            if action not in ("challenge", "login", "logoff", "filter"):
                self.actions_sent.append(pairs)
            if action == "challenge":
                peer.send(challenge_22(h))
            elif action == "login":
                peer.send(login_22(h))
            elif action == "logoff":
                peer.send(logoff_22(h))
                return
            elif action == "originate":
                peer.send(originate_ack_22(h))
                peer.send(originate_response_22(h, reason=4))
            else:
                peer.send(b"Response: Success\r\n" + aid_line(h) + b"Message: Recorded\r\nOutput: ok\r\n\r\n")


CONFIG = """\
[default]
host = 127.0.0.1
port = {port}
user = fault
secret = {secret}

[wall]
allow_queries = uptime
allow_commands = core show channels concise, queue show *

[c2c]
allow_actions = Originate, QueueSummary
pin = Originate Context=from-web, Originate Async=true, Originate Channel=PJSIP/*
forbid = Originate Application, Originate Data

[open]
"""


@pytest.fixture
def peer():
    server = RecordingAsterisk()
    yield server
    server.close()


@pytest.fixture
def decoy():
    server = Decoy(host="127.0.0.1")
    yield server
    server.close()


def config(tmp_path, port):
    path = tmp_path / "amijson.conf"
    path.write_text(CONFIG.format(port=port, secret=FAULT_SECRET))
    path.chmod(0o600)
    return str(path)


DOORS = [
    ("wall", ["queues"]),
    ("wall", ["channels"]),
    ("wall", ["command", "core stop now"]),
    ("wall", ["command", "core  show   channels"]),
    ("wall", ["-rx", "core stop now"]),
    ("wall", ["-x", 'core "stop" now']),
    ("wall", ["--format", "text", "-rx", "core restart now"]),
    ("wall", ["asterisk", "-rx", "core stop now"]),
    ("wall", ["action", "Command", "Command=core stop now"]),
    ("wall", ["action", "command", "Command=queue show a", "command=core stop now"]),
    ("wall", ["action", "CoreShowChannels"]),
    ("c2c", ["action", "Originate", "Channel=PJSIP/101", "Exten=1", "Context=default"]),
    ("c2c", ["action", "Originate", "Channel=PJSIP/101", "Exten=1", "context=from-web", "CONTEXT=default"]),
    ("c2c", ["action", "ORIGINATE", "Channel=PJSIP/101", "Application=System", "Data=id"]),
    ("c2c", ["action", "Originate", "Channel=Local/100@admin", "Exten=1"]),
    ("c2c", ["action", "Originate", "Exten=1"]),
    ("c2c", ["action", "Originate", "Channel=PJSIP/101", "Exten=1", "Async=no"]),
    ("c2c", ["command", "core show channels concise"]),
]


@pytest.mark.parametrize("profile, words", DOORS, ids=[" ".join(w)[:40] for _, w in DOORS])
def test_what_the_list_refuses_never_connects(amijson_offline, tmp_path, decoy, profile, words):
    run = amijson_offline("--config", config(tmp_path, decoy.port), "--profile", profile, *words,
                          expect_json=words[0] not in ("asterisk", "--format"))
    assert run.returncode == 7, (run.stdout, run.stderr)
    if run.doc is not None:
        assert run.doc["error"]["code"] == "forbidden" and "[%s]" % profile in run.doc["error"]["message"]
    else:
        assert "forbidden" in run.stderr
    assert decoy.connections == []


def test_what_the_list_allows_reaches_the_peer_with_its_pins(amijson_offline, tmp_path, peer):
    path = config(tmp_path, peer.port)
    run = amijson_offline("--config", path, "--profile", "c2c", "action", "originate", "Channel=PJSIP/101",
                          "Exten=102", "Priority=1")
    assert run.returncode == 0, run.doc
    assert run.doc["outcome"]["result"] == "answered"  # Async was pinned: the event was waited for
    (sent,) = peer.actions_sent
    assert ("Context", "from-web") in sent and ("Async", "true") in sent
    run = amijson_offline("--config", path, "--profile", "wall", "-rx", "QUEUE  show \"support\"")
    assert run.returncode == 0, run.doc
    assert peer.actions_sent[-1][1:] == [("ActionID", peer.actions_sent[-1][1][1]),
                                         ("Command", 'QUEUE  show "support"')]


def test_each_profile_of_a_fleet_keeps_its_own_list(amijson_offline, tmp_path, decoy):
    from test_fleet import fleet_document
    path = config(tmp_path, decoy.port)
    run = amijson_offline("--config", path, "--profiles", "open,wall", "command", "core stop now", expect_json=False)
    doc = fleet_document(run)
    assert run.returncode == 7 and doc["error"]["code"] == "forbidden" and "[wall]" in doc["error"]["message"]
    assert decoy.connections == []


# --- nothing outside the list reaches the peer, whatever the request -------------------------

ACTIONS = st.sampled_from(["Originate", "originate", "ORIGINATE", "Command", "command", "QueueSummary",
                           "queuesummary", "CoreShowChannels", "Redirect", "DBGet"])
NAMES = st.sampled_from(["Context", "context", "CONTEXT", "Application", "application", "Data", "DATA",
                         "Channel", "channel", "Command", "COMMAND", "Exten", "Async", "async", "Queue"])
VALUES = st.sampled_from(["from-web", "from-web ", "default", "", "System", "PJSIP/101", "pjsip/101",
                          "Local/1@admin", "core stop now", "queue show a", "core show channels concise",
                          "QUEUE SHOW \"x\"", "true", "no", "core  show channels  concise"])


def oracle(pairs):
    """Whether an action the peer got is inside [c2c]+[wall]'s rules, judged without amijson's code:
    the action in any case; Originate with every Context exactly from-web, every Channel a PJSIP
    one, Async true, no Application or Data; QueueSummary anything."""
    headers = [(key.lower(), value) for key, value in pairs]
    action = headers[0][1].lower()
    if action == "queuesummary":
        return True
    if action != "originate":
        return False
    values = {}
    for key, value in headers:
        values.setdefault(key, []).append(value)
    return (all(value == "from-web" for value in values.get("context", []))
            and values.get("channel") and all(value.startswith("PJSIP/") for value in values["channel"])
            and values.get("async") == ["true"] and "application" not in values and "data" not in values)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(action=ACTIONS, headers=st.lists(st.tuples(NAMES, VALUES), max_size=5))
def test_nothing_outside_the_list_reaches_the_peer(tmp_path_factory, action, headers):
    from io import StringIO
    from amijson import cli
    server = RecordingAsterisk()
    try:
        path = config(tmp_path_factory.mktemp("c"), server.port)
        argv = ["--config", path, "--profile", "c2c", "--timeout", "3", "action", action]
        argv += ["%s=%s" % pair for pair in headers]
        out = StringIO()
        code = cli.main(argv, {"HOME": "/nonexistent", "AMIJSON_MANAGER_CONF": "/nonexistent"}, stdout=out)
        assert code in (0, 1, 2, 5, 7), out.getvalue()
        for pairs in server.actions_sent:
            assert oracle(pairs), pairs
        if code == 7:
            assert server.actions_sent == []
    finally:
        server.close()


# --- a profile locked to a Unix user ----------------------------------------------------------

def run_locked(tmp_path, system, args, env_extra=()):
    """The installed amijson with its system config at ``system`` (the only change: the module
    constant), as the user running the tests."""
    code = ("import amijson.settings as settings; settings.SYSTEM_CONFIG = %r\n"
            "from amijson.cli import run; run()" % system)
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path)}
    env.update(env_extra)
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=30)


def test_a_locked_user_gets_its_profile_and_cannot_widen_it(tmp_path, peer, decoy):
    import getpass
    system = tmp_path / "system.conf"
    system.write_text(CONFIG.format(port=peer.port, secret=FAULT_SECRET)
                      + "[locked]\n%s = wall\n" % getpass.getuser())
    other = config(tmp_path, decoy.port)
    allowed = run_locked(tmp_path, str(system), ["-rx", "queue show support"], {"AMIJSON_TIMEOUT": "5"})
    assert allowed.returncode == 0, allowed.stdout
    for args, env in ((["--profile", "c2c", "-rx", "queue show x"], {}),
                      (["--config", other, "-rx", "queue show x"], {}),
                      (["-rx", "queue show x"], {"AMIJSON_CONFIG": other}),
                      (["-rx", "queue show x"], {"AMIJSON_PROFILE": "open"}),
                      (["-rx", "queue show x"], {"AMIJSON_HOST": "127.0.0.2"}),
                      (["--port", str(decoy.port), "-rx", "queue show x"], {}),
                      (["-rx", "queue show x"], {"AMIJSON_SECRET": "other"}),
                      (["--profiles", "wall,open", "-rx", "queue show x"], {}),
                      (["-rx", "core stop now"], {})):
        refused = run_locked(tmp_path, str(system), args, env)
        assert refused.returncode == 7, (args, env, refused.stdout)
        assert '"forbidden"' in refused.stdout and FAULT_SECRET not in refused.stdout
    assert decoy.connections == []
    assert [pairs[0][1] for pairs in peer.actions_sent] == ["Command"]
