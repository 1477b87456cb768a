"""Started with standard streams closed, as cron jobs and daemons sometimes start
programs: never a traceback, the exit code still tells the outcome."""

import subprocess

from conftest import amijson_path, offline_env
from fakeami import FakeAmi


def ping(h):
    action_id = h.get("actionid", "")
    return b"Response: Success\r\nActionID: %s\r\nPing: Pong\r\nTimestamp: 1.0\r\n\r\n" % action_id.encode()


def shell(tmp_path, redirect, *args):
    with FakeAmi(replies={"ping": ping}) as fake:
        command = " ".join(["'%s'" % amijson_path(), "--port", str(fake.port)] + list(args)) + " " + redirect
        return subprocess.run(["sh", "-c", command], capture_output=True, text=True, env=offline_env(tmp_path),
                              timeout=30)


def test_stdout_closed(tmp_path):
    proc = shell(tmp_path, ">&-", "action", "Ping")
    assert proc.returncode == 0 and proc.stderr == ""


def test_stderr_closed_with_debug(tmp_path):
    proc = shell(tmp_path, "2>&-", "--debug", "action", "Ping")
    assert proc.returncode == 0 and '"Ping":"Pong"' in proc.stdout


def test_stdin_closed(tmp_path):
    proc = shell(tmp_path, "<&-", "action", "Ping")
    assert proc.returncode == 0 and '"ok":true' in proc.stdout
