"""php-examples/amijson.php with hostile values from a "web form", under the host's PHP and PHP 7.4.

The values go where a PHP page puts them: a query's filter (``amijson(['queues', $v])``,
``amijson(['db', $v])``, and ``amijson_shell(['queues', $v])``) and an action's header values
(``Family=`` of DBGet, ``Queue=`` of QueueStatus). A scripted AMI peer (Asterisk 13.38.3's
framing, tests/fakeami.py) answers on the configured 127.0.0.1:PORT, records every connection and
action, and echoes the queue or family it was asked for. Decoys listen where a value read as an
option would lead: 127.0.0.3 at the configured port (``--host=127.0.0.3``), 127.0.0.1 at the port
a ``--port=N`` value names (``--port=1`` too, when this user may bind it).

Each call must end in the correct answer, with the value reaching the peer exactly as data where
it was sent, or in a clear AmijsonException (``usage`` for NUL, CR, LF, invalid UTF-8); no decoy
may ever see a connection, no shell may run, no PHP warning may appear. One PHP process per PHP
version runs every value. One test repeats hostile queue filters against the real sandbox Asterisk.
"""

import base64
import json
import subprocess
import time

import pytest

from conftest import FAULT_SECRET, amijson_path
from fakeami import Decoy, FakeAmi, aid_line
from test_php import LIBRARY, php_env, php_exe  # noqa: F401 (fixtures: host PHP, then 7.4)


# --- the peer and the decoys ----------------------------------------------------------------------

def _value(h, key):
    return h.get(key, "").encode("utf-8")


def queue_status(h):
    """13.38.3 QueueStatus: listack, one QueueParams for the queue asked for, the complete event."""
    aid = aid_line(h)
    out = b"Response: Success\r\n" + aid + b"EventList: start\r\nMessage: Queue status will follow\r\n\r\n"
    items = 0
    if "queue" in h:
        items = 1
        out += (b"Event: QueueParams\r\nQueue: " + _value(h, "queue") + b"\r\nMax: 0\r\nStrategy: ringall\r\n"
                b"Calls: 0\r\nHoldtime: 0\r\nTalkTime: 0\r\nCompleted: 0\r\nAbandoned: 0\r\nServiceLevel: 0\r\n"
                b"ServicelevelPerf: 0.0\r\nWeight: 0\r\n" + aid + b"\r\n")
    return out + b"Event: QueueStatusComplete\r\n" + aid + b"EventList: Complete\r\nListItems: %d\r\n\r\n" % items


def db_get(h):
    """13.38.3 action_dbget: listack, DBGetResponse, DBGetComplete."""
    aid = aid_line(h)
    return (b"Response: Success\r\n" + aid + b"EventList: start\r\nMessage: Result will follow\r\n\r\n"
            b"Event: DBGetResponse\r\nFamily: " + _value(h, "family") + b"\r\nKey: " + _value(h, "key")
            + b"\r\nVal: v\r\n" + aid + b"\r\n"
            b"Event: DBGetComplete\r\n" + aid + b"EventList: Complete\r\nListItems: 1\r\n\r\n")


def db_get_tree(h):
    """DBGetTree (Asterisk 16+): one entry, its key the full /family/key path."""
    aid = aid_line(h)
    return (b"Response: Success\r\n" + aid + b"EventList: start\r\nMessage: Result will follow\r\n\r\n"
            b"Event: DBGetTreeResponse\r\nKey: /" + _value(h, "family") + b"/k\r\nVal: v\r\n" + aid + b"\r\n"
            b"Event: DBGetTreeComplete\r\n" + aid + b"EventList: Complete\r\nListItems: 1\r\n\r\n")


class RecordingAmi(FakeAmi):
    """FakeAmi that also counts the connections it accepted."""

    def __init__(self, **kwargs):
        self.connections = 0
        super().__init__(**kwargs)

    def _talk(self, conn):
        self.connections += 1
        super()._talk(conn)


@pytest.fixture
def offline(tmp_path):
    """The recording peer, the decoys, and PHP's environment pointing at the peer."""
    server = RecordingAmi(replies={"queuestatus": queue_status, "dbget": db_get, "dbgettree": db_get_tree})
    decoys = [Decoy("127.0.0.3", server.port), Decoy("127.0.0.1")]
    try:
        decoys.append(Decoy("127.0.0.1", 1))   # where --port=1 leads; binding it needs root
    except OSError:
        pass
    home = tmp_path / "home"
    home.mkdir()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "AMIJSON_BIN": amijson_path(),
           "AMIJSON_HOST": "127.0.0.1", "AMIJSON_PORT": str(server.port), "AMIJSON_USER": "fault",
           "AMIJSON_SECRET": FAULT_SECRET, "AMIJSON_ASTERISK": "/nonexistent",
           "AMIJSON_CONSOLE": "/nonexistent/asterisk.ctl",
           "AMIJSON_MANAGER_CONF": "/nonexistent", "AMIJSON_TIMEOUT": "5"}
    yield server, decoys, env
    server.close()
    for decoy in decoys:
        decoy.close()


PHP_PROBLEMS = ("PHP Warning", "PHP Notice", "PHP Deprecated", "PHP Fatal", "Warning:", "Notice:", "Deprecated:",
                "Fatal error", "Traceback")


def run_php(php_exe, tmp_path, code, env, *args, timeout=300):
    """Run ``code`` after requiring the library, every PHP diagnostic shown; return the decoded stdout.
    The script itself also turns any PHP error into a ``php_errors`` entry (see PRELUDE)."""
    script = tmp_path / "probe.php"
    script.write_text("<?php\nrequire_once %s;\n%s\n%s\n" % (json.dumps(str(LIBRARY)), PRELUDE, code))
    proc = subprocess.run([php_exe, "-d", "display_errors=stderr", "-d", "error_reporting=-1", str(script), *args],
                          capture_output=True, text=True, env=env, timeout=timeout)
    for bad in PHP_PROBLEMS:
        assert bad not in proc.stderr, proc.stderr
    assert proc.returncode == 0, (proc.returncode, proc.stdout[-2000:], proc.stderr[-2000:])
    assert FAULT_SECRET not in proc.stdout and FAULT_SECRET not in proc.stderr
    out = json.loads(proc.stdout)
    assert out.pop("php_errors") == [], proc.stdout
    return out


PRELUDE = r"""
$phpErrors = [];
set_error_handler(function ($level, $message, $file, $line) use (&$phpErrors) {
    $phpErrors[] = "$level: $message at $file:$line";
    return true;
});
/** ['ok' => true, 'result' => ...] or ['ok' => false, 'code' => ..., 'exit_code' => ...]. */
function outcome(callable $f): array
{
    try {
        return ['ok' => true, 'result' => $f()];
    } catch (AmijsonException $e) {
        return ['ok' => false, 'code' => $e->getErrorCode(), 'exit_code' => $e->getExitCode(),
                'message' => $e->getMessage()];
    }
}
function finish(array $out): void
{
    global $phpErrors;
    echo json_encode($out + ['php_errors' => $phpErrors], JSON_THROW_ON_ERROR), "\n";
}
"""


# --- hostile values through the library -------------------------------------------------------------

HOSTILE = r"""
$values = json_decode(file_get_contents($argv[1]), true);
$calls = [
    // the whole document: its request headers show where the value went
    'queues' => function ($v) { return amijson(['queues', $v]); },
    'db' => function ($v) { return amijson(['db', $v], ['records' => true]); },
    'dbget' => function ($v) { return amijson(['action', 'DBGet', 'Family=' . $v, 'Key=k'], ['records' => true]); },
    'queuestatus' => function ($v) { return amijson(['action', 'QueueStatus', 'Queue=' . $v], ['records' => true]); },
    'shell_queues' => function ($v) { return amijson_shell(['queues', $v], ['records' => true]); },
];
$rows = [];
foreach ($values as $encoded) {
    $value = base64_decode($encoded, true);
    $row = [];
    foreach ($calls as $name => $call) {
        $row[$name] = outcome(function () use ($call, $value) { return $call($value); });
    }
    $rows[] = $row;
}
// --records before the verb still works, next to the records opt
$compat = outcome(function () { return amijson(['--records', 'action', 'QueueStatus', 'Queue=compat']); });
finish(['rows' => $rows, 'compat' => $compat]);
"""

CALLS = ("queues", "db", "dbget", "queuestatus", "shell_queues")
SENT = {"queues": ("queuestatus", "queue"), "db": ("dbgettree", "family"), "dbget": ("dbget", "family"),
        "queuestatus": ("queuestatus", "queue"), "shell_queues": ("queuestatus", "queue")}


def hostile_values(decoy_port, pwned):
    p = str(pwned).encode()
    return [
        b"--host=127.0.0.3", b"--port=1", b"--port=%d" % decoy_port, b"-x", b"-rx", b"--", b"--help",
        b"--records", b"--pretty", b"--via=rx", b"--config=/etc/passwd", b"--secret-file=/etc/shadow",
        b"--timeout=99999", b"'\"", b"it's", b"$(touch " + p + b")", b"`touch " + p + b"`", b"a; touch " + p,
        b"a | touch " + p, b"x" * 300, b"caf\xc3\xa9",
        # refused: by the library (NUL) or by amijson before it connects (CR, LF, invalid UTF-8)
        b"a\nAction: Originate", b"a\r\nAction: Originate\r\nChannel: Local/1@x", b"a\rb", b"a\x00b",
        b"\x00--host=127.0.0.3", b"\xff\xfe", b"ok\xc3",
    ]


def refused_by(value):
    """'library' (NUL), 'amijson' (CR, LF, invalid UTF-8), or None for a value that is plain data."""
    if b"\x00" in value:
        return "library"
    if b"\r" in value or b"\n" in value:
        return "amijson"
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        return "amijson"
    return None


def check_answer(name, text, result):
    """The correct answer for a value that is data: the peer's echo of exactly that value."""
    if name == "queues":
        assert result["request"]["headers"] == {"Queue": text}, result["request"]
        assert result["route"] == "ami" and result["error"] is None
        assert [r["queue"] for r in result["records"]] == [text]
    elif name in ("queuestatus", "shell_queues"):
        key = "Queue" if name == "queuestatus" else "queue"
        assert [r[key] for r in result] == [text], result
    elif name == "db":
        assert [(r["family"], r["name"], r["value"]) for r in result] == [(text, "k", "v")], result
    elif name == "dbget":
        assert [(r["Family"], r["Key"], r["Val"]) for r in result] == [(text, "k", "v")], result


def test_hostile_values_through_the_php_library(php_exe, offline, tmp_path):  # noqa: F811
    server, decoys, env = offline
    pwned = tmp_path / "pwned"
    values = hostile_values(decoys[1].port, pwned)
    (tmp_path / "values.json").write_text(json.dumps([base64.b64encode(v).decode() for v in values]))
    out = run_php(php_exe, tmp_path, HOSTILE, env, str(tmp_path / "values.json"))

    for decoy in decoys:
        assert decoy.connections == [], "a value moved a connection to %s:%d" % decoy.address
    assert not pwned.exists(), "a value ran a shell command"
    assert len(out["rows"]) == len(values)

    expected_sent = []
    for value, row in zip(values, out["rows"]):
        assert set(row) == set(CALLS)
        refused = refused_by(value)
        for name in CALLS:
            result = row[name]
            if refused is not None:
                # the library refuses a NUL itself (no exit code); amijson refuses the rest with exit 2,
                # which amijson_shell() cannot see
                exit_code = None if refused == "library" or name == "shell_queues" else 2
                assert (result["ok"], result["code"], result["exit_code"]) == (False, "usage", exit_code), \
                    (value, name, result)
                continue
            assert result["ok"] is True, (value, name, result)
            check_answer(name, value.decode("utf-8"), result["result"])
            expected_sent.append(SENT[name] + (value.decode("utf-8"),))
    # the compatible form: --records before the verb gives the records array
    assert out["compat"]["ok"] is True and [r["Queue"] for r in out["compat"]["result"]] == ["compat"]
    expected_sent.append(("queuestatus", "queue", "compat"))

    # The peer saw exactly the requests above, in order, the value where it was put and nowhere else:
    # no Originate, no other header, nothing from a refused value.
    requests = [h for h in server.received if h.get("action", "").lower() not in ("challenge", "login", "logoff")]
    assert [(h["action"].lower(), field, h[field]) for h, (_, field, _) in zip(requests, expected_sent)] \
        == expected_sent
    assert len(requests) == len(expected_sent)
    for h in requests:
        assert set(h) == {"action", "actionid", "queue"} or set(h) == {"action", "actionid", "family"} \
            or set(h) == {"action", "actionid", "family", "key"}, h
    # one connection per call that was not refused, each logged in (MD5) and off
    assert server.connections == len(expected_sent)
    actions = server.actions()
    assert actions.count("login") == actions.count("logoff") == actions.count("challenge") == len(expected_sent)
    for h in server.received:
        for field in h.values():
            assert "\x00" not in field and "Originate" not in field and FAULT_SECRET not in field, h


# --- values the library refuses before anything starts --------------------------------------------------

REFUSED = r"""
$marker = $argv[1];
$spy = $argv[2];   // an executable that creates $marker if it is ever started
class Named { public function __toString(): string { return 'support'; } }
$cases = [
    'nul_arg' => function () use ($spy) { return amijson(['queues', "a\0b"], ['binary' => $spy]); },
    'nul_opt' => function () use ($spy) { return amijson(['channels'], ['host' => "h\0", 'binary' => $spy]); },
    'nul_env_value' => function () use ($spy) { return amijson(['channels'], ['env' => ['X' => "a\0"], 'binary' => $spy]); },
    'nul_env_name' => function () use ($spy) { return amijson(['channels'], ['env' => ["A\0B" => 'x'], 'binary' => $spy]); },
    'env_name_eq' => function () use ($spy) { return amijson(['channels'], ['env' => ['AMIJSON_HOST=1' => 'x'], 'binary' => $spy]); },
    'nul_binary' => function () { return amijson(['channels'], ['binary' => "/bin/true\0x"]); },
    'array_arg' => function () use ($spy) { return amijson(['queues', ['--host=127.0.0.3']], ['binary' => $spy]); },
    'object_arg' => function () use ($spy) { return amijson(['queues', new stdClass()], ['binary' => $spy]); },
    'array_opt' => function () use ($spy) { return amijson(['channels'], ['host' => ['x'], 'binary' => $spy]); },
    'shell_nul' => function () use ($spy) { return amijson_shell(['queues', "a\0b"], ['binary' => $spy]); },
    'shell_array' => function () use ($spy) { return amijson_shell(['queues', ['x']], ['binary' => $spy]); },
    'shell_nul_opt' => function () use ($spy) { return amijson_shell(['channels'], ['host' => "h\0", 'binary' => $spy]); },
];
$out = [];
foreach ($cases as $name => $case) {
    $r = outcome($case);
    unset($r['message']);
    $out[$name] = $r;
}
$out['spy_ran'] = file_exists($marker);
// an object with __toString() is a string: it runs, with that string as the filter
$out['stringable'] = outcome(function () { return amijson(['queues', new Named()], ['records' => true]); });
finish($out);
"""


def test_refused_values_never_start_anything(php_exe, offline, tmp_path):  # noqa: F811
    server, decoys, env = offline
    marker = tmp_path / "spy-ran"
    spy = tmp_path / "spy"
    spy.write_text("#!/bin/sh\ntouch '%s'\necho '{\"ok\": true, \"error\": null}'\n" % marker)
    spy.chmod(0o755)
    out = run_php(php_exe, tmp_path, REFUSED, env, str(marker), str(spy))
    assert out.pop("spy_ran") is False and not marker.exists(), "a refused value started the executable"
    stringable = out.pop("stringable")
    assert stringable["ok"] is True and [r["queue"] for r in stringable["result"]] == ["support"]
    assert out == {name: {"ok": False, "code": "usage", "exit_code": None} for name in out}, out
    assert [h.get("queue") for h in server.received if h.get("action") == "QueueStatus"] == ["support"]


# --- the watchdog ---------------------------------------------------------------------------------------

WATCHDOG = r"""
$parsed = [
    amijson_option_value(['--timeout', '3', 'queues', '--timeout', '99999'], '--timeout'),
    amijson_option_value(['queues', '--timeout=99999'], '--timeout'),
    amijson_option_value(['--pretty', '--timeout=4', '--', 'queues'], '--timeout'),
    amijson_option_value(['--user', '--timeout', 'command', 'x'], '--timeout'),
    amijson_option_value(['-rx=core show uptime', '--timeout', '99999'], '--timeout'),
    amijson_option_value(['action', 'DBGet', 'Family=--timeout', '99999'], '--timeout'),
];
// A child that never ends: with '--timeout 0.5' before the verb, the watchdog kills it 15.5 s on,
// whatever '--timeout 99999' among the data says.
$started = microtime(true);
$killed = outcome(function () use ($argv) {
    return amijson(['--timeout', '0.5', 'queues', '--timeout', '99999'], ['binary' => $argv[1]]);
});
unset($killed['message']);
finish(['parsed' => $parsed, 'killed' => $killed, 'seconds' => microtime(true) - $started]);
"""


def test_the_watchdog_reads_timeout_only_before_the_verb(php_exe, tmp_path):  # noqa: F811
    sleeper = tmp_path / "sleeper"
    sleeper.write_text("#!/bin/sh\nexec sleep 120\n")
    sleeper.chmod(0o755)
    home = tmp_path / "home"
    home.mkdir()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home)}
    started = time.monotonic()
    out = run_php(php_exe, tmp_path, WATCHDOG, env, str(sleeper), timeout=60)
    assert out["parsed"] == ["3", None, "4", None, None, None]
    assert out["killed"] == {"ok": False, "code": "killed", "exit_code": None}
    assert 15.0 <= out["seconds"] < 25.0, out["seconds"]
    assert time.monotonic() - started < 30


# --- the real Asterisk ------------------------------------------------------------------------------------

SANDBOX_FILTERS = r"""
$values = json_decode(file_get_contents($argv[1]), true);
$out = [];
foreach ($values as $v) {
    $doc = outcome(function () use ($v) { return amijson(['queues', $v]); });
    $action = outcome(function () use ($v) {
        return amijson(['action', 'QueueStatus', 'Queue=' . $v], ['records' => true]);
    });
    $out[] = ['doc' => $doc, 'action' => $action];
}
$support = outcome(function () { return amijson(['queues', 'support'], ['records' => true]); });
$refused = outcome(function () { return amijson(['queues', "support\r\nAction: Originate"]); });
unset($refused['message']);
finish(['filters' => $out, 'support' => $support, 'refused' => $refused]);
"""


@pytest.mark.release("22")  # the values never reach past amijson's argv; 22 answers for both releases
def test_hostile_queue_filters_against_the_real_asterisk(php_exe, php_env, sandbox, tmp_path):  # noqa: F811
    """Asterisk 22 asked for queues named like options or shell code: no such queue, an empty answer,
    and the known queue still answers; a value with CR LF never reaches it."""
    decoy = Decoy("127.0.0.3", int(sandbox["AMIJSON_PORT"]))
    pwned = tmp_path / "pwned"
    values = ["--host=127.0.0.3", "--records", "-x", "--", "--via=rx", "'\"", "$(touch %s)" % pwned,
              "`touch %s`" % pwned, "q" * 300]
    (tmp_path / "values.json").write_text(json.dumps(values))
    try:
        out = run_php(php_exe, tmp_path, SANDBOX_FILTERS, php_env, str(tmp_path / "values.json"), timeout=120)
    finally:
        decoy.close()
    assert decoy.connections == [] and not pwned.exists()
    for value, row in zip(values, out["filters"]):
        doc = row["doc"]
        assert doc["ok"] is True, (value, doc)
        assert doc["result"]["request"]["headers"] == {"Queue": value}
        assert doc["result"]["route"] == "ami" and doc["result"]["records"] == [], (value, doc)
        server = doc["result"]["server"]
        assert (server["host"], server["port"]) == (sandbox["AMIJSON_HOST"], int(sandbox["AMIJSON_PORT"])), server
        assert row["action"] == {"ok": True, "result": []}, (value, row["action"])
    assert out["support"]["ok"] is True and [r["queue"] for r in out["support"]["result"]] == ["support"]
    assert out["refused"] == {"ok": False, "code": "usage", "exit_code": 2}
