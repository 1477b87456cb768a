"""A Batch (several requests of one run: the ``status`` query) on each route, in-process,
against scripted peers and a stand-in ``asterisk``: one session and one login over AMI and
HTTP (its requests pipelined where the server keeps the connection), one ``asterisk -rx``
each, all at once; a refused request stays in its part, anything else fails the run and
leaves nothing behind."""

import os
import time

import pytest

from amijson import ami_http, rx
from amijson.deadline import Deadline
from amijson.errors import AmijsonError
from amijson.request import Batch, Request
from amijson.settings import resolve
from fakeami import ScriptedAmi, aid_line, http_reply_11, http_reply_22

BATCH = Batch([Request("Ping", []), Request("CoreSettings", []), Request.cli("core show uptime seconds")])


def _settings(via, port=None, **extra):
    options = {"user": "fault", "auth": "plain", "timeout": "3", "via": via,
               "console": "/nonexistent/asterisk.ctl"}  # rx: no control socket, the stand-in executable
    options.update(extra)
    settings = resolve(options, {"HOME": "/nonexistent", "AMIJSON_SECRET": "fault-secret",
                                 "AMIJSON_MANAGER_CONF": "/nonexistent"})
    if port is not None:
        settings.port = port
    return settings


def body_for(h):
    """The body Asterisk 22 answers each action of BATCH (and the login) with."""
    action = h["action"].lower()
    if action == "login":
        return b"Response: Success\r\n" + aid_line(h) + b"Message: Authentication accepted\r\n\r\n"
    if action == "ping":
        return b"Response: Success\r\n" + aid_line(h) + b"Ping: Pong\r\n\r\n"
    if action == "command":
        return (b"Response: Success\r\n" + aid_line(h) + b"Message: Command output follows\r\n"
                b"Output: System uptime: 42\r\nOutput: Last reload: 7\r\n\r\n")
    return (b"Response: Error\r\n" + aid_line(h) + b"Message: Invalid/unknown command: %s. Use Action: "
            b"ListCommands to show available commands.\r\n\r\n" % h["action"].encode())


def logged_off(server):
    """The server's actions once the Logoff (sent, never waited for) has come."""
    deadline = time.monotonic() + 2
    while "logoff" not in server.actions() and time.monotonic() < deadline:
        time.sleep(0.01)
    return server.actions()


def check_parts(answer):
    ping, settings, command = answer.parts
    assert ping.response["Ping"] == "Pong" and ping.error is None
    assert settings.error.code == "action_failed" and settings.error.message.startswith("Invalid/unknown command")
    assert command.output == ["System uptime: 42", "Last reload: 7"] and command.error is None


# --- AMI over HTTP ------------------------------------------------------------------------------

def test_http_pipelines_the_requests_after_the_login_on_a_kept_connection():
    connections = []

    def scenario(peer):  # 22: the connection stays; nothing is answered before all three came
        connections.append(peer)
        login = peer.expect_http()
        peer.send(http_reply_22(body_for(login)))
        asked = [peer.expect_http() for _request in BATCH.requests]
        for h in asked:
            peer.send(http_reply_22(body_for(h)))
        logoff = peer.expect_http()
        assert logoff["action"] == "Logoff"
    with ScriptedAmi(scenario) as server:
        answer = ami_http.run_batch(_settings("http", server.port), BATCH, Deadline(3))
        actions = logged_off(server)
    assert answer.route == "http" and answer.server["banner"] == "Asterisk/22.10.1"
    check_parts(answer)
    assert len(connections) == 1 and actions == ["login", "ping", "coresettings", "command", "logoff"]
    assert [h["_cookie"] for h in server.received[1:]] == ['mansession_id=0badcafe'] * 4


def test_http_to_a_server_that_closes_after_every_answer_sends_one_request_a_connection():
    def scenario(peer):  # 11.25.3: Connection: close on every response
        h = peer.expect_http()
        if h is not None:
            peer.send(http_reply_11(body_for(h)))
    with ScriptedAmi(scenario) as server:
        answer = ami_http.run_batch(_settings("http", server.port), BATCH, Deadline(3))
        actions = logged_off(server)
    check_parts(answer)
    assert actions == ["login", "ping", "coresettings", "command", "logoff"]


def test_http_sends_the_rest_again_when_the_server_closes_after_a_pipelined_answer():
    def scenario(peer):  # keeps the connection for the login, then closes after one answer
        while True:
            h = peer.expect_http()
            if h is None:
                return
            if h["action"].lower() in ("login", "logoff"):
                peer.send(http_reply_22(body_for(h)))
            else:
                peer.send(http_reply_11(body_for(h)))
                return  # what else the client sent on this connection is never read
    with ScriptedAmi(scenario) as server:
        answer = ami_http.run_batch(_settings("http", server.port), BATCH, Deadline(3))
        actions = logged_off(server)
    check_parts(answer)
    assert actions[:2] == ["login", "ping"] and actions[-1] == "logoff"
    assert [a for a in actions if a not in ("login", "logoff")][-2:] == ["coresettings", "command"]


# --- asterisk -rx ---------------------------------------------------------------------------------

STAND_IN = """#!/bin/sh
# asterisk -rx CMD, as Asterisk's console prints it; every command takes %(delay)s s
[ "$1" = -rx ] || exit 64
echo $$ >>'%(pids)s'
sleep %(delay)s
case "$2" in
  "core show uptime seconds") printf 'System uptime: 42\\nLast reload: 7\\n' ;;
  "core show version") printf 'Asterisk 22.10.1 built by nobody @ buildd on a x86_64 running Linux on 2026\\n' ;;
  "gone") printf 'Unable to connect to remote asterisk (does /nowhere/asterisk.ctl exist?)\\n' >&2; exit 1 ;;
  *) printf "No such command '%%s' (type 'core show help %%s' for other possible commands)\\n" "$2" "$2" ;;
esac
"""


@pytest.fixture
def asterisk(tmp_path):
    def make(delay):
        exe = tmp_path / "asterisk"
        exe.write_text(STAND_IN % {"delay": delay, "pids": tmp_path / "pids"})
        exe.chmod(0o755)
        return exe
    return make


def pids(tmp_path):
    path = tmp_path / "pids"
    return [int(line) for line in path.read_text().split()] if path.exists() else []


def test_rx_runs_the_commands_at_once_each_into_its_part(asterisk, tmp_path):
    exe = asterisk(0.4)
    batch = Batch([Request.cli("core show version"), Request.cli("queue show"), Request.cli("core show uptime seconds")])
    started = time.monotonic()
    answer = rx.run_batch(_settings("rx", asterisk=str(exe)), batch, Deadline(3), {"PATH": "/usr/bin:/bin"})
    elapsed = time.monotonic() - started
    assert elapsed < 1.0, elapsed  # three of 0.4 s each, side by side
    version, queues, uptime = answer.parts
    assert answer.route == "rx" and answer.server["executable"] == str(exe) and answer.server["socket"] is None
    assert version.output[0].startswith("Asterisk 22.10.1") and version.error is None
    assert queues.error.code == "command_failed" and queues.error.message.startswith("No such command 'queue show'")
    assert uptime.output == ["System uptime: 42", "Last reload: 7"]


def test_rx_that_cannot_reach_asterisk_fails_the_run_and_leaves_no_child(asterisk, tmp_path):
    exe = asterisk(0.2)
    batch = Batch([Request.cli("gone"), Request.cli("core show version"), Request.cli("queue show")])
    with pytest.raises(AmijsonError) as caught:
        rx.run_batch(_settings("rx", asterisk=str(exe)), batch, Deadline(3), {"PATH": "/usr/bin:/bin"})
    assert caught.value.code == "rx_unavailable" and caught.value.answer.route == "rx"
    assert_gone(pids(tmp_path))


def test_rx_past_the_deadline_is_timeout_and_kills_every_child(asterisk, tmp_path):
    exe = asterisk(30)
    batch = Batch([Request.cli("core show version"), Request.cli("queue show")])
    started = time.monotonic()
    with pytest.raises(AmijsonError) as caught:
        rx.run_batch(_settings("rx", asterisk=str(exe)), batch, Deadline(0.5), {"PATH": "/usr/bin:/bin"})
    assert caught.value.code == "timeout" and time.monotonic() - started < 2
    assert_gone(pids(tmp_path))


def test_rx_refuses_an_action_in_a_batch_before_running_anything(asterisk, tmp_path):
    exe = asterisk(0)
    with pytest.raises(AmijsonError) as caught:
        rx.run_batch(_settings("rx", asterisk=str(exe)), BATCH, Deadline(3), {"PATH": "/usr/bin:/bin"})
    assert caught.value.code == "usage" and "Ping is an AMI action" in caught.value.message
    assert pids(tmp_path) == []


def assert_gone(children):
    """Each child is gone (killed and reaped: no zombie left under this process)."""
    deadline = time.monotonic() + 2
    for pid in children:
        while os.path.exists("/proc/%d" % pid):
            # a shell's sleep may outlive it briefly; the shell itself must be reaped
            with open("/proc/%d/stat" % pid) as stat:
                if stat.read().split(") ", 1)[1].split()[0] == "Z":
                    pytest.fail("child %d left a zombie" % pid)
            assert time.monotonic() < deadline, "child %d still runs" % pid
            time.sleep(0.05)
