"""What Asterisk takes in one request (amijson.limits), against the real sandbox Asterisk:
just under each limit the request runs, just over it amijson refuses it before connecting,
where Asterisk would drop it silently (asterisk -rx), refuse it (AMI's line length) or answer
413 and leave the logged-in session behind (AMI over HTTP)."""

import time


def _command_of(size):
    """'core show uptime xxx...' of ``size`` bytes: Asterisk answers it with its usage text."""
    base = "core show uptime "
    return base + "x" * (size - len(base))


def _real_rx(sandbox, command):
    return sandbox.cmd("rx", command, check=False).stdout


def test_rx_commands_up_to_496_bytes_run_and_longer_ones_are_refused(amijson, sandbox):
    env = {"AMIJSON_ASTERISK": sandbox["AMIJSON_ASTERISK"]}
    # The limit is Asterisk's: the real asterisk -rx runs 496 bytes, and says nothing at 497.
    assert "Usage: core show uptime" in _real_rx(sandbox, _command_of(496))
    assert _real_rx(sandbox, _command_of(497)).strip() == ""
    ran = amijson("--via", "rx", "command", _command_of(496), env=env)
    assert ran.returncode == 1 and ran.doc["error"]["code"] == "command_failed"  # the usage text, as a failure
    refused = amijson("--via", "rx", "command", _command_of(497), env=env)
    assert refused.returncode == 2 and refused.doc["error"]["code"] == "usage", refused.doc
    assert "496" in refused.doc["error"]["message"]
    assert amijson("-rx", _command_of(497), env={**env, "AMIJSON_VIA": "rx"}).returncode == 2


def test_ami_lines_up_to_1024_bytes_and_longer_ones_refused_before_connecting(amijson):
    longest = _command_of(1024 - len("Command: \r\n"))
    ran = amijson("command", longest)
    assert ran.returncode == 1 and ran.doc["error"]["code"] == "command_failed", ran.doc
    assert ran.doc["server"]["banner"] is not None  # it went to Asterisk
    refused = amijson("command", longest + "x")
    assert refused.returncode == 2 and refused.doc["error"]["code"] == "usage", refused.doc
    assert refused.doc["server"] is None  # refused before connecting


def _sessions_of(sandbox, user):
    out = sandbox.cmd("rx", "manager show connected").stdout
    return [line for line in out.splitlines() if line.split()[:1] == [user]]


def test_an_http_body_over_asterisks_limit_is_refused_before_login(amijson, sandbox):
    user = sandbox["AMIJSON_USER"]
    before = _sessions_of(sandbox, user)
    http = ("--via", "http", "--http-port", sandbox["AMIJSON_SANDBOX_HTTP_PORT"])
    refused = amijson(*http, "action", "DBGet", "Family=" + "x" * 60000, "Key=k")
    assert refused.returncode == 2 and refused.doc["error"]["code"] == "usage", refused.doc
    assert "40960" in refused.doc["error"]["message"]
    near = amijson(*http, "action", "DBGet", "Family=" + "x" * 40000, "Key=k")
    assert near.returncode == 1 and near.doc["error"]["code"] == "action_failed", near.doc  # no such entry
    time.sleep(0.3)
    assert _sessions_of(sandbox, user) == before

