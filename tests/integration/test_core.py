"""amijson's core against the real sandbox Asterisk: actions, lists, Command, logins, TLS."""

import os
import pathlib
import re
import shutil
import socket
import subprocess
import threading
import time

import pytest

from conftest import via_http

PHP = shutil.which("php")


def ids_match(doc):
    action_id = doc["response"]["ActionID"]
    return all(record.get("ActionID") == action_id for record in doc["records"]) and (
        doc["complete"] is None or doc["complete"]["ActionID"] == action_id)


def test_core_show_channels_lists_every_live_channel(amijson, live_calls):
    live_calls(3)
    run = amijson("action", "CoreShowChannels")
    doc = run.doc
    assert run.returncode == 0 and doc["ok"] and doc["error"] is None
    assert len(doc["records"]) == 6
    assert {r["Event"] for r in doc["records"]} == {"CoreShowChannel"}
    assert doc["complete"]["Event"] == "CoreShowChannelsComplete"
    assert int(doc["complete"]["ListItems"]) == len(doc["records"])
    assert ids_match(doc)
    # values stay the strings Asterisk sent
    assert all(isinstance(r["Uniqueid"], str) and "." in r["Uniqueid"] for r in doc["records"])
    assert doc["route"] == "ami" and doc["server"]["banner"].startswith("Asterisk Call Manager/")


def test_queue_status_and_summary(amijson):
    doc = amijson("action", "QueueStatus").doc
    assert doc["ok"] and ids_match(doc)
    params = {r["Queue"]: r for r in doc["records"] if r["Event"] == "QueueParams"}
    assert set(params) == {"support", "sales"}
    members = [r for r in doc["records"] if r["Event"] == "QueueMember"]
    assert sorted(m["Location"] for m in members) == ["PJSIP/101", "PJSIP/103"]
    assert all(m["Queue"] == "support" and m["Membership"] == "static" for m in members)

    doc = amijson("action", "QueueSummary", "Queue=support").doc
    assert doc["ok"] and [r["Queue"] for r in doc["records"]] == ["support"]
    assert doc["complete"]["Event"] == "QueueSummaryComplete"


def test_pjsip_show_endpoints(amijson):
    doc = amijson("action", "PJSIPShowEndpoints").doc
    assert doc["ok"] and ids_match(doc)
    assert sorted(r["ObjectName"] for r in doc["records"]) == ["101", "102", "103", "104"]


def test_pjsip_show_endpoints_error_when_there_are_none(amijson, sandbox):
    conf = pathlib.Path(sandbox["AMIJSON_SANDBOX_ROOT"]) / "etc/asterisk/pjsip.conf"
    original = conf.read_text()
    try:
        conf.write_text(original.split("[phone](!)")[0])  # the transport only
        sandbox.cmd("rx", "module reload res_pjsip.so")
        run = amijson("action", "PJSIPShowEndpoints")
        assert run.returncode == 1
        assert run.doc["error"] == {"code": "action_failed", "message": "No endpoints found"}
        assert run.doc["records"] == [] and run.doc["response"]["Response"] == "Error"
    finally:
        conf.write_text(original)
        sandbox.cmd("rx", "module reload res_pjsip.so")
    assert len(amijson("action", "PJSIPShowEndpoints").doc["records"]) == 4


def test_status_with_variables_keeps_variable_an_array(amijson, live_calls):
    live_calls(1)
    channels = amijson("action", "CoreShowChannels").doc["records"]
    channel = channels[0]["Channel"]
    doc = amijson("action", "Status", "Channel=" + channel, "Variables=CHANNEL(state)").doc
    assert doc["ok"] and len(doc["records"]) == 1
    status = doc["records"][0]
    assert status["Channel"] == channel
    assert isinstance(status["Variable"], list) and status["Variable"][0].startswith("CHANNEL(state)=")


def test_dbget_found_and_missing(amijson):
    doc = amijson("action", "DBGet", "Family=amijson/test", "Key=greeting").doc
    assert doc["ok"] and doc["records"][0]["Val"] == "hello"
    run = amijson("action", "DBGet", "Family=amijson/test", "Key=nope")
    assert run.returncode == 1 and run.doc["error"]["code"] == "action_failed"
    assert "not found" in run.doc["error"]["message"]


def test_list_commands_and_ping(amijson):
    doc = amijson("action", "ListCommands").doc
    assert doc["ok"] and "CoreShowChannels" in doc["response"] and doc["records"] == []
    doc = amijson("action", "Ping").doc
    assert doc["ok"] and doc["response"]["Ping"] == "Pong" and doc["output"] is None


def test_unknown_action_is_action_failed(amijson):
    run = amijson("action", "NoSuchAction")
    assert run.returncode == 1 and run.doc["error"]["code"] == "action_failed"
    assert "Invalid/unknown command" in run.doc["error"]["message"]


def test_command_concise_gives_every_line(amijson, live_calls):
    live_calls(2)
    doc = amijson("command", "core show channels concise").doc
    assert doc["ok"] and doc["request"]["command"] == "core show channels concise"
    rows = [line for line in doc["output"] if line]
    assert len(rows) == 4 and all(row.count("!") >= 13 for row in rows)
    assert "Output" not in doc["response"]


def test_command_with_blank_lines_keeps_them(amijson, sandbox):
    doc = amijson("command", "pjsip show endpoints").doc
    rx = sandbox.cmd("rx", "pjsip show endpoints").stdout
    # the same lines asterisk -rx prints, blank ones included (AMI trims one final newline)
    assert doc["output"] == rx[:-1].split("\n")
    assert doc["output"][0] == "" and "" in doc["output"][1:]
    assert any("Objects found: 4" in line for line in doc["output"])


# Commands whose output does not change between two runs (but for "N secs ago").
STEADY_COMMANDS = ["pjsip show endpoints", "pjsip show contacts", "queue show", "queue show support",
                   "database show amijson", "module show like pjsip", "core show version", "core show calls"]


@pytest.mark.parametrize("command", STEADY_COMMANDS)
def test_command_output_is_what_asterisk_rx_prints_on_every_route(amijson, sandbox, live_calls, command):
    """`output` is the lines `asterisk -rx` prints (one final newline trimmed, blank lines kept),
    over AMI's Command action, over HTTP and over rx alike; with a caller waiting in queue sales."""
    live_calls(1, "sales")

    def lines(output):
        return [re.sub(r"\(wait: \d+:\d+", "(wait: M:SS", re.sub(r"\b\d+ secs ago", "N secs ago", line))
                for line in output]

    expected = lines(sandbox.cmd("rx", command).stdout[:-1].split("\n"))
    env = {"AMIJSON_ASTERISK": sandbox["AMIJSON_ASTERISK"]}
    for route in (["--via", "ami"], via_http(sandbox), ["--via", "rx"]):
        doc = amijson(*route, "command", command, env=env).doc
        assert doc["ok"], (route, doc["error"])
        assert lines(doc["output"]) == expected, "%s: output differs from asterisk -rx" % doc["route"]


def test_unknown_command_is_exit_1_with_asterisks_message(amijson):
    run = amijson("command", "no such thing")
    assert run.returncode == 1 and run.doc["ok"] is False
    assert run.doc["error"]["code"] == "command_failed"
    assert run.doc["error"]["message"].startswith("No such command 'no such thing'")
    assert run.doc["output"][0].startswith("No such command")


def test_wrong_secret_is_auth_and_never_echoed(amijson):
    wrong = "wrong-secret-%d" % os.getpid()
    for auth in ("md5", "plain"):
        run = amijson("--auth", auth, "action", "Ping", env={"AMIJSON_SECRET": wrong})
        assert run.returncode == 4 and run.doc["error"]["code"] == "auth"
        assert wrong not in run.stdout and wrong not in run.stderr


def test_user_without_command_class_gets_permission(amijson, sandbox):
    env = {"AMIJSON_USER": sandbox["AMIJSON_SANDBOX_READONLY_USER"],
           "AMIJSON_SECRET": sandbox["AMIJSON_SANDBOX_READONLY_SECRET"]}
    run = amijson("command", "core show uptime", env=env)
    assert run.returncode == 4 and run.doc["error"]["code"] == "permission"
    # the same user may still read
    assert amijson("action", "CoreShowChannels", env=env).returncode == 0


@pytest.mark.parametrize("auth", ["md5", "plain"])
def test_md5_and_plain_logins(amijson, sandbox, auth):
    env = {"AMIJSON_USER": sandbox["AMIJSON_SANDBOX_MD5_USER"],
           "AMIJSON_SECRET": sandbox["AMIJSON_SANDBOX_MD5_SECRET"]}
    run = amijson("--auth", auth, "action", "Ping", env=env)
    assert run.returncode == 0 and run.doc["ok"]


def test_secret_from_file_stdin_config_and_manager_conf(amijson, sandbox, tmp_path):
    secret = sandbox["AMIJSON_SECRET"]
    path = tmp_path / "secret"
    path.write_text(secret + "\n")
    path.chmod(0o600)
    run = amijson("--secret-file", str(path), "action", "Ping", drop=["AMIJSON_SECRET"])
    assert run.doc["ok"] and run.doc["warnings"] == []
    path.chmod(0o644)
    run = amijson("--secret-file", str(path), "action", "Ping", drop=["AMIJSON_SECRET"])
    assert run.doc["ok"] and any("readable by group or others" in w for w in run.doc["warnings"])

    run = amijson("--secret-stdin", "action", "Ping", drop=["AMIJSON_SECRET"], input=secret + "\n")
    assert run.doc["ok"]

    config = tmp_path / "config"
    config.write_text("[default]\nhost = 127.0.0.1\n\n[pbx]\nuser = %s\nsecret = %s\n"
                      % (sandbox["AMIJSON_USER"], secret))
    config.chmod(0o600)
    run = amijson("--config", str(config), "--profile", "pbx", "action", "Ping",
                  drop=["AMIJSON_SECRET", "AMIJSON_USER"])
    assert run.doc["ok"] and run.doc["warnings"] == []

    manager_conf = pathlib.Path(sandbox["AMIJSON_SANDBOX_ROOT"]) / "etc/asterisk/manager.conf"
    run = amijson("--manager-conf", str(manager_conf), "action", "Ping", drop=["AMIJSON_SECRET"])
    assert run.doc["ok"]


def test_tls_verifies_against_the_sandbox_ca(amijson, sandbox):
    tls = ["--tls", "--port", sandbox["AMIJSON_SANDBOX_TLS_PORT"]]
    run = amijson(*tls, "--cafile", sandbox["AMIJSON_SANDBOX_CAFILE"], "action", "Ping")
    assert run.returncode == 0 and run.doc["route"] == "ami+tls" and run.doc["warnings"] == []


def test_tls_fails_against_another_ca(amijson, sandbox, tmp_path):
    other = tmp_path / "other-ca.crt"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", str(tmp_path / "k"), "-out", str(other), "-subj", "/CN=other CA"],
                   check=True, capture_output=True)
    tls = ["--tls", "--port", sandbox["AMIJSON_SANDBOX_TLS_PORT"]]
    run = amijson(*tls, "--cafile", str(other), "action", "Ping")
    assert run.returncode == 3 and run.doc["error"]["code"] == "tls"


def test_tls_insecure_works_with_a_warning(amijson, sandbox):
    run = amijson("--tls", "--port", sandbox["AMIJSON_SANDBOX_TLS_PORT"], "--insecure", "action", "Ping")
    assert run.returncode == 0 and any("verification is off" in w for w in run.doc["warnings"])


@pytest.mark.skipif(PHP is None, reason="php-cli missing: scripts/test installs it")
def test_latin1_caller_name_decodes_in_php(amijson, live_calls, tmp_path):
    live_calls(1, "latin1")
    run = amijson("action", "CoreShowChannels")
    names = [r["CallerIDName"] for r in run.doc["records"]]
    assert "José Müller" in names
    assert any("CallerIDName: bytes not valid UTF-8, decoded as latin-1" in w for w in run.doc["warnings"])
    script = tmp_path / "decode.php"
    script.write_text('<?php $d = json_decode(stream_get_contents(STDIN), true, 512, JSON_THROW_ON_ERROR);\n'
                      'foreach ($d["records"] as $r) { echo $r["CallerIDName"], "\\n"; }\n')
    php = subprocess.run([PHP, str(script)], input=run.stdout, capture_output=True, text=True, check=True)
    assert "José Müller" in php.stdout.splitlines()


def test_events_on_while_calls_churn_still_only_own_records(amijson, sandbox, live_calls):
    live_calls(2)
    stop = threading.Event()

    def churn():
        while not stop.is_set():
            sandbox.cmd("rx", "channel originate Local/echo@%s application Wait 1"
                        % sandbox["AMIJSON_SANDBOX_CONTEXT"], check=False)
            time.sleep(0.05)

    worker = threading.Thread(target=churn)
    worker.start()
    try:
        for _ in range(15):
            doc = amijson("--events", "on", "action", "CoreShowChannels").doc
            assert doc["ok"] and ids_match(doc)
            assert {r["Event"] for r in doc["records"]} == {"CoreShowChannel"}
            assert int(doc["complete"]["ListItems"]) == len(doc["records"])
    finally:
        stop.set()
        worker.join()


@pytest.mark.release("22")  # a silent listener of the test's own: no Asterisk involved
def test_silent_listener_times_out_within_deadline(amijson):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    accepted = []
    thread = threading.Thread(target=lambda: accepted.append(server.accept()))
    thread.start()
    try:
        run = amijson("--port", str(server.getsockname()[1]), "--timeout", "2", "action", "Ping")
        assert run.returncode == 5 and run.doc["error"]["code"] == "timeout"
        assert run.elapsed < 3.0
    finally:
        thread.join(5)
        for conn, _ in accepted:
            conn.close()
        server.close()


def _sessions_of(sandbox, user):
    out = sandbox.cmd("rx", "manager show connected").stdout
    return [line for line in out.splitlines() if line.split()[:1] == [user]]


def test_two_hundred_runs_leave_no_session_behind(amijson, sandbox):
    user = sandbox["AMIJSON_USER"]
    assert _sessions_of(sandbox, user) == []
    for i in range(200):
        run = amijson("action", "Ping") if i % 2 else amijson("command", "core show uptime")
        assert run.returncode == 0
    # Asterisk ends a session as it reads the Logoff, which amijson does not wait for: poll.
    give_up = time.monotonic() + 5
    while _sessions_of(sandbox, user) and time.monotonic() < give_up:
        time.sleep(0.05)
    assert _sessions_of(sandbox, user) == []


def test_host_name_resolves_and_tls_checks_it(amijson, sandbox):
    run = amijson("--host", "localhost", "--tls", "--port", sandbox["AMIJSON_SANDBOX_TLS_PORT"],
                  "--cafile", sandbox["AMIJSON_SANDBOX_CAFILE"], "action", "Ping")
    assert run.returncode == 0 and run.doc["server"]["host"] == "localhost"
    bad = amijson("--host", "no-such-host.invalid", "action", "Ping")
    assert bad.returncode == 3 and bad.doc["error"]["code"] == "connect"
