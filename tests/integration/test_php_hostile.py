"""php-examples/amijson.php with hostile values from a "web form", under the host's PHP and PHP 7.4.

The values go where a PHP page puts them: a query's filter and an action's header values. A
scripted AMI peer (Asterisk 13.38.3's framing, tests/fakeami.py) answers on the configured host and
records every action; a decoy on 127.0.0.2, at the port the values name, records any connection.
No value may reach the decoy, run a shell, or become an option: each call ends in a correct answer
with the value sent as data, or in a clear AmijsonException. One test repeats a hostile filter
against the real sandbox Asterisk."""

import base64
import json
import subprocess

import pytest

from conftest import FAULT_SECRET, amijson_path
from fakeami import Decoy, FakeAmi, aid_line, db_get_13, queue_status_13
from test_php import LIBRARY, php, php_env, php_exe  # noqa: F401 (fixtures: host PHP, then 7.4)

SCRIPT = r"""<?php
require_once %(library)s;
$values = json_decode(file_get_contents($argv[1]), true);
$calls = [
    'queues' => function ($v) { return ['queues', $v]; },
    'db' => function ($v) { return ['db', $v]; },
    'dbget' => function ($v) { return ['action', 'DBGet', 'Family=' . $v, 'Key=k']; },
    'queuestatus' => function ($v) { return ['action', 'QueueStatus', 'Queue=' . $v]; },
];
$out = [];
foreach ($values as $encoded) {
    $value = base64_decode($encoded);
    $row = [];
    foreach ($calls as $name => $make) {
        try {
            $records = amijson($make($value), ['records' => true]);
            $row[$name] = ['ok' => true, 'records' => count($records)];
        } catch (AmijsonException $e) {
            $row[$name] = ['ok' => false, 'code' => $e->getErrorCode()];
        }
    }
    $out[] = $row;
}
echo json_encode($out), "\n";
"""


def db_get_tree(h):
    aid = aid_line(h)
    return (b"Response: Success\r\n" + aid + b"EventList: start\r\nMessage: Result will follow\r\n\r\n"
            b"Event: DBGetTreeComplete\r\n" + aid + b"EventList: Complete\r\nListItems: 0\r\n\r\n")


def hostile_values(decoy, tmp_path):
    pwned = tmp_path / "pwned"
    return pwned, [
        b"--host=127.0.0.2", b"--port=%d" % decoy.port, b"-x", b"--", b"--help", b"--records", b"--via=rx",
        b"--config=/etc/passwd", b"-rx", b"'\"", b"$(touch %s)" % str(pwned).encode(),
        b"`touch %s`" % str(pwned).encode(), b"a; touch " + str(pwned).encode(), b"x" * 300,
        b"a\nAction: Originate", b"a\rb", b"a\x00b", b"\xff\xfe", b"caf\xc3\xa9",
    ]


def expected_code(value):
    """None for a value that is plain data; 'usage' for one amijson (or the library) refuses."""
    if b"\x00" in value or b"\r" in value or b"\n" in value:
        return "usage"
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        return "usage"
    return None


def test_hostile_values_through_the_php_library(php_exe, tmp_path):  # noqa: F811
    server = FakeAmi(replies={"queuestatus": queue_status_13, "dbget": db_get_13, "dbgettree": db_get_tree})
    decoy = Decoy()
    try:
        pwned, values = hostile_values(decoy, tmp_path)
        (tmp_path / "values.json").write_text(json.dumps([base64.b64encode(v).decode() for v in values]))
        script = tmp_path / "hostile.php"
        script.write_text(SCRIPT % {"library": json.dumps(str(LIBRARY))})
        env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "AMIJSON_BIN": amijson_path(),
               "AMIJSON_HOST": "127.0.0.1", "AMIJSON_PORT": str(server.port), "AMIJSON_USER": "fault",
               "AMIJSON_SECRET": FAULT_SECRET, "AMIJSON_ASTERISK": "/nonexistent",
               "AMIJSON_MANAGER_CONF": "/nonexistent", "AMIJSON_TIMEOUT": "5"}
        proc = subprocess.run([php_exe, "-d", "display_errors=stderr", "-d", "error_reporting=-1", str(script),
                               str(tmp_path / "values.json")], capture_output=True, text=True, env=env, timeout=300)
        assert proc.returncode == 0 and proc.stderr == "", proc.stderr
        assert FAULT_SECRET not in proc.stdout
        rows = json.loads(proc.stdout)
    finally:
        server.close()
        decoy.close()
    assert decoy.connections == [], "a value moved a connection to the decoy"
    assert not pwned.exists(), "a value ran a shell command"
    sent = {(h.get("action", "").lower(), h.get("queue", h.get("family"))) for h in server.received}
    for value, row in zip(values, rows):
        code = expected_code(value)
        for name, result in row.items():
            if code is not None:
                assert result == {"ok": False, "code": code}, (value, name, result)
                continue
            text = value.decode("utf-8")
            if name in ("queues", "db", "queuestatus"):
                assert result == {"ok": True, "records": 0}, (value, name, result)
            else:  # the peer has no such AstDB entry
                assert result == {"ok": False, "code": "action_failed"}, (value, name, result)
            action = {"queues": "queuestatus", "db": "dbgettree"}.get(name, name)
            assert (action, text) in sent, (value, name)
    # Refused values never reached the peer, not even the start of a line.
    for h in server.received:
        for key, field in h.items():
            assert "\x00" not in field and "Originate" not in field, (key, field)


def test_a_hostile_queue_filter_against_the_real_asterisk(php, sandbox):
    """The real Asterisk asked for a queue named '--host=127.0.0.2': no such queue, an empty answer."""
    proc, doc = php(code="echo json_encode(amijson(['queues', '--host=127.0.0.2'], ['records' => true])), \"\\n\";")
    assert doc == []
    proc, doc = php(code="echo json_encode(amijson(['queues', 'support'], ['records' => true])), \"\\n\";")
    assert [r["queue"] for r in doc] == ["support"]


def test_the_watchdog_reads_timeout_only_before_the_verb(php):
    """A '--timeout 99999' among the caller's values must not stretch the PHP-side watchdog."""
    proc, doc = php(code=r"""echo json_encode([
        amijson_option_value(['--timeout', '3', 'queues', '--timeout', '99999'], '--timeout'),
        amijson_option_value(['queues', '--timeout=99999'], '--timeout'),
        amijson_option_value(['--pretty', '--timeout=4', '--', 'queues'], '--timeout'),
        amijson_option_value(['--user', '--timeout', 'command', 'x'], '--timeout'),
    ]), "\n";""")
    assert doc == ["3", None, "4", None]


def test_a_nul_byte_is_refused_before_amijson_starts(php):
    proc, doc = php(code=r"""
        $codes = [];
        foreach ([[['queues', "a\0b"], []], [['channels'], ['host' => "h\0"]]] as [$args, $opts]) {
            try { amijson($args, $opts); $codes[] = 'ran'; }
            catch (AmijsonException $e) { $codes[] = [$e->getErrorCode(), $e->getExitCode()]; }
        }
        echo json_encode($codes), "\n";""")
    assert doc == [["usage", None], ["usage", None]]
