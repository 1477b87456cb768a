"""The rx route's child process: deadline and kill, colour codes, and what a
failing `asterisk -rx` prints. The stand-in executables here print what
asterisk -rx prints in those cases (main/asterisk.c); the real one is tested
against the sandbox in tests/integration/test_routes.py."""

import os
import time

import pytest


def fake_asterisk(tmp_path, body):
    path = tmp_path / "asterisk"
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return str(path)


def test_deadline_kills_a_hanging_asterisk_rx(amijson_offline, tmp_path):
    pid_file = tmp_path / "pid"
    exe = fake_asterisk(tmp_path, "echo $$ > '%s'; exec sleep 30\n" % pid_file)
    run = amijson_offline("--via", "rx", "--timeout", "2", "command", "core show uptime",
                          env={"AMIJSON_ASTERISK": exe})
    assert run.returncode == 5 and run.doc["error"]["code"] == "timeout"
    assert run.elapsed < 3.0
    pid = int(pid_file.read_text())
    # amijson killed and reaped its child before it exited: the PID is gone, not a zombie.
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        pass
    else:
        pytest.fail("asterisk -rx (pid %d) outlived amijson's deadline" % pid)


def test_colour_codes_are_stripped(amijson_offline, tmp_path):
    exe = fake_asterisk(tmp_path, r"printf 'System uptime: \033[1;32;40m42\033[0m\nLast reload: 7\n'" + "\n")
    run = amijson_offline("--via", "rx", "command", "core show uptime seconds", env={"AMIJSON_ASTERISK": exe})
    assert run.returncode == 0
    assert run.doc["output"] == ["System uptime: 42", "Last reload: 7"]
    assert run.doc["records"] == [{"system_uptime": 42, "last_reload": 7}]


def test_unable_to_connect_names_the_socket(amijson_offline, tmp_path):
    exe = fake_asterisk(tmp_path, "echo 'Unable to connect to remote asterisk (does "
                                  "/run/nowhere/asterisk.ctl exist?)' >&2; exit 1\n")
    run = amijson_offline("--via", "rx", "command", "core show uptime", env={"AMIJSON_ASTERISK": exe})
    assert run.returncode == 3 and run.doc["error"]["code"] == "rx_unavailable"
    assert "/run/nowhere/asterisk.ctl does not exist" in run.doc["error"]["message"]


def test_usage_text_is_a_failure_though_exit_is_0(amijson_offline, tmp_path):
    exe = fake_asterisk(tmp_path, "printf 'Usage: core show uptime [seconds]\\n       Shows Asterisk uptime.\\n'\n")
    run = amijson_offline("--via", "rx", "command", "core show uptime bogus", env={"AMIJSON_ASTERISK": exe})
    assert run.returncode == 1 and run.doc["error"]["code"] == "command_failed"
    assert run.doc["error"]["message"].startswith("usage error: core show uptime")


def test_large_output_arrives_whole(amijson_offline, tmp_path):
    exe = fake_asterisk(tmp_path, "i=0; while [ $i -lt 20000 ]; do echo \"line $i\"; i=$((i+1)); done\n")
    run = amijson_offline("--via", "rx", "command", "some long listing", env={"AMIJSON_ASTERISK": exe})
    assert run.doc["output"][0] == "line 0" and run.doc["output"][-1] == "line 19999"
    assert len(run.doc["output"]) == 20000


def test_secret_stdin_left_open_does_not_hang(tmp_path):
    """A caller (PHP's proc_open) that opens stdin and never writes: timeout, not a hang."""
    import subprocess
    from conftest import amijson_path, validate_document
    proc = subprocess.Popen([amijson_path(), "--secret-stdin", "--user", "u", "--timeout", "1", "action", "Ping"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={"PATH": os.environ["PATH"], "HOME": str(tmp_path)})
    started = time.monotonic()
    out, err = proc.stdout.read(), proc.stderr.read()  # stdin stays open, unwritten
    proc.wait(10)
    proc.stdin.close()
    assert time.monotonic() - started < 2.0
    doc = validate_document(out.decode())
    assert proc.returncode == 5 and doc["error"]["code"] == "timeout" and b"Traceback" not in err


def test_auto_falls_back_to_rx_only_for_this_machine(amijson_offline, tmp_path, unused_port):
    """--via auto answers through the local asterisk -rx only when the target is this
    machine: a question about another PBX is never answered by this one."""
    marker = tmp_path / "rx-ran"
    exe = fake_asterisk(tmp_path, "touch '%s'; printf 'System uptime: 42\\nLast reload: 7\\n'\n" % marker)
    env = {"AMIJSON_ASTERISK": exe}
    elsewhere = amijson_offline("--host", "pbx2.invalid", "--port", str(unused_port), "uptime", env=env)
    assert elsewhere.returncode == 3 and elsewhere.doc["error"]["code"] == "connect", elsewhere.doc
    assert elsewhere.doc["route"] == "ami" and not marker.exists()
    for host in ("127.0.0.1", "localhost"):
        local = amijson_offline("--host", host, "--port", str(unused_port), "uptime", env=env)
        assert local.returncode == 0 and local.doc["route"] == "rx", local.doc
        assert "answered through asterisk -rx" in local.doc["warnings"][-1]
