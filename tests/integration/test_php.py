"""The PHP drop-in (php-examples/): every example run with the real ``php`` against the sandbox.

The decoded JSON each script prints is checked, not only its exit code. The settings reach PHP
through its environment (AMIJSON_HOST, ... and AMIJSON_BIN), never through argv.
"""

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import threading
import time

import pytest

from conftest import REPO, amijson_path, secrets_of

EXAMPLES = REPO / "php-examples"
LIBRARY = EXAMPLES / "amijson.php"


@pytest.fixture(scope="session", params=["php", "php7.4"])
def php_exe(request):
    """The PHP every test here runs under: the host's own (Debian's current php-cli), then PHP 7.4,
    the oldest the library supports (Debian 11's, provisioned by scripts/php74)."""
    if request.param == "php":
        path = shutil.which("php")
        if not path:
            pytest.fail("php is not installed (scripts/test installs php-cli)")
        return path
    try:
        made = subprocess.run([str(REPO / "scripts" / "php74"), "path"], capture_output=True, text=True,
                              timeout=900)
    except subprocess.TimeoutExpired:
        pytest.fail("scripts/php74 path did not finish within 900 s")
    if made.returncode != 0:
        pytest.fail("PHP 7.4 could not be provisioned (exit %d):\n%s" % (made.returncode, made.stderr[-3000:]))
    path = made.stdout.strip()
    version = subprocess.run([path, "-r", "echo PHP_VERSION;"], capture_output=True, text=True, timeout=30)
    assert version.stdout.startswith("7.4."), (version.stdout, version.stderr)
    return path


@pytest.fixture
def php_env(sandbox, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "AMIJSON_BIN": amijson_path(),
        "AMIJSON_HOST": sandbox["AMIJSON_HOST"],
        "AMIJSON_PORT": sandbox["AMIJSON_PORT"],
        "AMIJSON_USER": sandbox["AMIJSON_USER"],
        "AMIJSON_SECRET": sandbox["AMIJSON_SECRET"],
        "AMIJSON_MANAGER_CONF": "/nonexistent",
    }


@pytest.fixture
def php(sandbox, php_env, php_exe, tmp_path):
    """``php(script, *args, env=..., code=...)``: run a script (or inline ``code``), return (proc, decoded stdout);
    ``decode=False``: stdout as it is (an example that prints a line for a person)."""
    known_secrets = secrets_of(sandbox)

    def run(script=None, *args, env=None, code=None, timeout=30, expect_rc=0, decode=True):
        if code is not None:
            script = tmp_path / "snippet.php"
            script.write_text("<?php\nrequire_once %s;\n%s\n" % (json.dumps(str(LIBRARY)), code))
        full = dict(php_env) if env is None else env
        proc = subprocess.run([php_exe, "-d", "display_errors=stderr", "-d", "error_reporting=-1", str(script),
                               *args], capture_output=True, text=True, env=full, timeout=timeout)
        for secret in known_secrets:
            assert secret not in proc.stdout and secret not in proc.stderr, "a secret leaked into PHP's output"
        for bad in ("PHP Warning", "PHP Notice", "PHP Deprecated", "PHP Fatal", "Warning:", "Deprecated:",
                    "Traceback"):
            assert bad not in proc.stderr, proc.stderr
        if expect_rc is not None:
            assert proc.returncode == expect_rc, (proc.returncode, proc.stdout[-2000:], proc.stderr[-2000:])
        return proc, json.loads(proc.stdout) if decode else proc.stdout

    return run


def wait_for(check, seconds=8.0):
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


# --- channels.php -------------------------------------------------------------------------------

def test_channels_php_lists_the_six_live_channels(php, live_calls, sandbox):
    live_calls(3)
    proc, out = php(EXAMPLES / "channels.php")
    assert out["count"] == 6
    assert len(out["channels"]) == 6
    prefix = "Local/wait@%s-" % sandbox["AMIJSON_SANDBOX_CONTEXT"]
    for chan in out["channels"]:
        assert set(chan) == {"channel", "state", "application", "caller_id_num", "duration"}
        assert chan["channel"].startswith(prefix), chan
        assert chan["state"] == "Up"
        # the originating side runs Wait; the dialplan side Answer()s first, then Wait()s
        assert chan["application"] == "Wait" if chan["channel"].endswith(";1") else chan["application"] in (
            "Answer", "Wait"), chan
        assert re.fullmatch(r"\d\d:\d\d:\d\d", chan["duration"]), chan
    assert {c["channel"][-2:] for c in out["channels"]} == {";1", ";2"}
    assert "-> 6 channels" in proc.stderr
    assert proc.stdout.startswith("{\n    \"count\": 6,"), "not JSON_PRETTY_PRINT output"


def test_channels_php_with_no_calls_is_an_empty_list(php, live_calls):
    _, out = php(EXAMPLES / "channels.php")
    assert out == {"count": 0, "channels": []}


@pytest.mark.release("22")  # nothing listens: no Asterisk involved
def test_channels_php_failure_prints_the_error_and_exits_with_amijson_code(php, php_env, unused_port):
    env = dict(php_env, AMIJSON_PORT=str(unused_port), AMIJSON_VIA="ami")
    _, out = php(EXAMPLES / "channels.php", env=env, expect_rc=3)
    assert out["error"]["code"] == "connect"
    assert out["error"]["exit_code"] == 3


# --- queue-summary.php --------------------------------------------------------------------------

def test_queue_summary_members_then_a_waiting_caller(php, live_calls, sandbox):
    _, out = php(EXAMPLES / "queue-summary.php")
    assert set(out["queues"]) == {"support", "sales"}
    support = out["queues"]["support"]
    assert support["strategy"] == "ringall"
    assert [m["location"] for m in support["members"]] == ["PJSIP/101", "PJSIP/103"]
    assert [m["name"] for m in support["members"]] == ["Alice", "Carol"]
    assert all(m["membership"] == "static" for m in support["members"])
    assert support["callers"] == [] and support["calls"] == 0
    assert out["queues"]["sales"]["members"] == []

    context = sandbox["AMIJSON_SANDBOX_CONTEXT"]
    sandbox.cmd("rx", "channel originate Local/queue@%s application Wait 36000" % context)

    def support_callers():
        _, again = php(EXAMPLES / "queue-summary.php", "support")
        assert set(again["queues"]) == {"support"}
        return again["queues"]["support"]["callers"] and again["queues"]["support"]

    support = wait_for(support_callers)
    assert support, "no caller appeared in queue support"
    assert support["calls"] == 1
    assert len(support["callers"]) == 1
    caller = support["callers"][0]
    assert caller["position"] == 1
    assert caller["channel"].startswith("Local/queue@%s-" % context) and caller["channel"].endswith(";2")
    assert [m["location"] for m in support["members"]] == ["PJSIP/101", "PJSIP/103"]


# --- cli-command.php ----------------------------------------------------------------------------

def test_cli_command_default_is_pjsip_show_endpoints(php):
    proc, out = php(EXAMPLES / "cli-command.php")
    assert out["command"] == "pjsip show endpoints"
    # the CLI parser layer fills records: they are printed, with the parser's name
    assert out["from"] == "records" and out["parser"] == "pjsip_endpoints.show"
    assert "output" not in out
    assert sorted(r["endpoint"] for r in out["records"]) == ["101", "102", "103", "104"]
    text = json.dumps(out)
    for endpoint in ("101", "102", "103", "104"):
        assert endpoint in text
    assert "ran: amijson command 'pjsip show endpoints'" in proc.stderr


def test_cli_command_takes_the_command_from_its_arguments(php, sandbox):
    _, out = php(EXAMPLES / "cli-command.php", "core", "show", "version")
    assert out["command"] == "core show version" and out["parser"] == "core_show_version"
    assert out["records"][0]["version"].startswith(sandbox.release + "."), out



def test_cli_command_needs_the_command_class(php, php_env, sandbox):
    env = dict(php_env, AMIJSON_USER=sandbox["AMIJSON_SANDBOX_READONLY_USER"],
               AMIJSON_SECRET=sandbox["AMIJSON_SANDBOX_READONLY_SECRET"])
    _, out = php(EXAMPLES / "cli-command.php", env=env, expect_rc=4)
    assert out["error"]["code"] == "permission" and out["error"]["exit_code"] == 4


# --- errors.php ---------------------------------------------------------------------------------

def test_errors_php_shows_the_three_failures(php):
    _, out = php(EXAMPLES / "errors.php")
    by_case = {r["case"]: r for r in out}
    assert list(by_case) == ["wrong_secret", "unreachable_host", "unknown_action"]
    assert (by_case["wrong_secret"]["code"], by_case["wrong_secret"]["exit_code"]) == ("auth", 4)
    assert (by_case["unreachable_host"]["code"], by_case["unreachable_host"]["exit_code"]) == ("connect", 3)
    assert (by_case["unknown_action"]["code"], by_case["unknown_action"]["exit_code"]) == ("action_failed", 1)
    assert "127.0.0.1" in by_case["unreachable_host"]["message"]
    assert "NoSuchActionAtAll" in by_case["unknown_action"]["message"]
    assert all(r["message"] for r in out)


# --- legacy-swap.php ----------------------------------------------------------------------------

def test_legacy_swap_before_and_after_list_the_same_channels(php, php_env, live_calls, sandbox):
    live_calls(3)
    proc, out = php(EXAMPLES / "legacy-swap.php", env=dict(php_env, AMIJSON_ASTERISK=sandbox["AMIJSON_ASTERISK"]))
    assert "note" not in out
    assert len(out["after"]) == 6
    assert out["before"] == out["after"]
    assert all(name.startswith("Local/wait@%s-" % sandbox["AMIJSON_SANDBOX_CONTEXT"]) for name in out["after"])
    assert "before: " in proc.stderr and "after:  " in proc.stderr


def test_legacy_swap_without_an_asterisk_binary_still_shows_after(php, php_env):
    env = dict(php_env, AMIJSON_ASTERISK="/nonexistent/asterisk")
    _, out = php(EXAMPLES / "legacy-swap.php", env=env)
    assert out["before"] is None and isinstance(out["after"], list) and out["note"]


# --- legacy-unchanged.php -----------------------------------------------------------------------

def _function(path, name):
    """The text of PHP function ``name`` in ``path``, from its doc comment to its closing brace."""
    text = path.read_text()
    start = text.index("function %s(" % name)
    start = text.rindex("/**", 0, start)
    return text[start:text.index("\n}\n", start) + 3]


def test_legacy_unchanged_keeps_the_old_function_to_the_character():
    old = _function(EXAMPLES / "legacy-swap.php", "channels_before")
    assert "asterisk" in old and "-rx" in old
    assert _function(EXAMPLES / "legacy-unchanged.php", "channels_before") == old


def test_legacy_unchanged_over_ami_equals_the_real_asterisk_rx(php, php_env, live_calls, sandbox, tmp_path):
    """The old function, run where `asterisk` on PATH is amijson's link and the PBX is reached over
    AMI (no control socket, no asterisk binary), returns what it returns on the PBX itself with the
    real asterisk -rx (the sandbox's, through AMIJSON_ASTERISK, which the function reads first)."""
    link = tmp_path / "asterisk-link"
    link.mkdir()
    (link / "asterisk").symlink_to(amijson_path())
    over_ami = dict(php_env, PATH="%s:%s" % (link, php_env["PATH"]), AMIJSON_VIA="ami")
    on_the_pbx = dict(php_env, AMIJSON_ASTERISK=sandbox["AMIJSON_ASTERISK"])
    _, idle = php(EXAMPLES / "legacy-unchanged.php", env=over_ami)
    assert idle == {"asterisk": str(link / "asterisk"), "channels": []}
    live_calls(3)
    proc, out = php(EXAMPLES / "legacy-unchanged.php", env=over_ami)
    _, real = php(EXAMPLES / "legacy-unchanged.php", env=on_the_pbx)
    assert out["asterisk"] == str(link / "asterisk") and "6 channels" in proc.stderr
    assert len(out["channels"]) == 6
    assert all(name.startswith("Local/wait@%s-" % sandbox["AMIJSON_SANDBOX_CONTEXT"]) for name in out["channels"])
    assert out["channels"] == real["channels"]


# --- click-to-call.php --------------------------------------------------------------------------

CLICK_TO_CALL = EXAMPLES / "click-to-call.php"


@pytest.fixture
def click_env(php_env, sandbox):
    """click-to-call.php pointed at the sandbox's context, and every call hung up after the test."""
    sandbox.cmd("hangup", check=False)
    yield dict(php_env, AMIJSON_ORIGINATE_CONTEXT=sandbox["AMIJSON_SANDBOX_CONTEXT"])
    sandbox.cmd("hangup", check=False)


def test_click_to_call_answered_exits_0_with_the_channel(php, click_env, sandbox):
    """TO=wait answers; the answered call goes on to extension FROM (wait too) and stays up."""
    context = sandbox["AMIJSON_SANDBOX_CONTEXT"]
    proc, line = php(CLICK_TO_CALL, "wait", "wait", env=click_env, decode=False)
    assert re.fullmatch(r"answered: Local/wait@%s-[0-9a-f]{8};1\n" % re.escape(context), line), line
    assert re.search(r"-> answered, ChannelId amijson-[0-9a-f]{16}$", proc.stderr, re.M), proc.stderr
    assert "Timeout=30000" in proc.stderr and "Async=true" in proc.stderr
    concise = sandbox.cmd("rx", "core show channels concise").stdout
    assert line.split(": ", 1)[1].strip() in concise, concise


@pytest.mark.parametrize("to,settings,word", [
    ("busy", {}, "busy"),
    ("ring", {"AMIJSON_ORIGINATE_RING": "2"}, "no_answer"),
    ("wait", {"AMIJSON_ORIGINATE_CHANNEL": "Local/{TO}@amijson-nowhere"}, "failed"),   # no such context
], ids=["busy", "no_answer", "failed"])
def test_click_to_call_not_answered_exits_1_with_the_outcome(php, click_env, sandbox, to, settings, word):
    started = time.monotonic()
    proc, line = php(CLICK_TO_CALL, "wait", to, env=dict(click_env, **settings), decode=False, expect_rc=1)
    assert line.startswith(word + ": Local/" + to + "@") and line.count("\n") == 1, (line, proc.stderr)
    assert "action_failed (exit 1): Originate ended %s" % word in proc.stderr, proc.stderr
    assert time.monotonic() - started < 15


@pytest.mark.release("22")  # refused before amijson starts: no Asterisk involved
@pytest.mark.parametrize("to", ["1@elsewhere", "PJSIP/101&PJSIP/102", "101,20", "x" * 33, "", "1;2", "\u00e9"])
def test_click_to_call_refuses_what_cannot_be_dialled(php, php_env, tmp_path, to):
    marker = tmp_path / "ran"
    spy = tmp_path / "amijson-spy"
    spy.write_text("#!/bin/sh\ntouch %s\n" % marker)
    spy.chmod(0o755)
    proc, line = php(CLICK_TO_CALL, "100", to, env=dict(php_env, AMIJSON_BIN=str(spy)), decode=False, expect_rc=2)
    assert line.startswith("error: usage: TO ") and line.count("\n") == 1, line
    assert not marker.exists(), "amijson ran for a TO it should have refused"


# --- json_decode with JSON_THROW_ON_ERROR -------------------------------------------------------

THROWING_DECODE = r"""
$bin = escapeshellarg(getenv('AMIJSON_BIN'));
$raw = shell_exec("$bin action CoreShowChannels");
$doc = json_decode($raw, true, 512, JSON_THROW_ON_ERROR);
$rawFail = shell_exec("$bin action NoSuchAction");
$fail = json_decode($rawFail, true, 512, JSON_THROW_ON_ERROR);
$lib = amijson(['--records', 'action', 'CoreShowChannels']);
$viaShell = amijson_shell(['action', 'CoreShowChannels']);
try {
    amijson_shell(['action', 'NoSuchAction']);
    $shellFail = null;
} catch (AmijsonException $e) {
    $shellFail = ['code' => $e->getErrorCode(), 'exit_code' => $e->getExitCode(),
                  'ok' => $e->getDocument()['ok']];
}
echo json_encode([
    'ascii' => !preg_match('/[^\x00-\x7f]/', $raw . $rawFail),
    'names' => array_column($doc['records'], 'CallerIDName'),
    'warnings' => $doc['warnings'],
    'fail' => ['ok' => $fail['ok'], 'code' => $fail['error']['code']],
    'lib_names' => array_column($lib, 'CallerIDName'),
    'shell_names' => array_column($viaShell['records'], 'CallerIDName'),
    'shell_fail' => $shellFail,
], JSON_THROW_ON_ERROR);
"""


def test_json_decode_throw_on_error_accepts_latin1_names_and_failures(php, live_calls):
    live_calls(1, "latin1")
    _, out = php(code=THROWING_DECODE)
    assert out["ascii"] is True
    assert "Jos\u00e9 M\u00fcller" in out["names"]
    assert any("CallerIDName" in w and "latin-1" in w for w in out["warnings"]), out["warnings"]
    assert out["fail"] == {"ok": False, "code": "action_failed"}
    assert "Jos\u00e9 M\u00fcller" in out["lib_names"]
    assert "Jos\u00e9 M\u00fcller" in out["shell_names"]
    # shell_exec has no exit code: the failure is known from the document alone
    assert out["shell_fail"] == {"code": "action_failed", "exit_code": None, "ok": False}


# --- the library itself -------------------------------------------------------------------------

LIBRARY_CASES = r"""
function outcome(callable $f) {
    try {
        $r = $f();
        return ['ok' => true, 'result' => $r];
    } catch (AmijsonException $e) {
        return ['ok' => false, 'code' => $e->getErrorCode(), 'exit_code' => $e->getExitCode()];
    } catch (InvalidArgumentException $e) {
        return ['ok' => false, 'code' => 'invalid_argument'];
    }
}
echo json_encode([
    'ping' => outcome(function () { return amijson(['action', 'Ping'])['response']['Ping']; }),
    'missing_binary' => outcome(function () { return amijson(['action', 'Ping'], ['binary' => '/nonexistent/amijson']); }),
    'not_json' => outcome(function () { return amijson(['action', 'Ping'], ['binary' => '/bin/echo']); }),
    'records_failure' => outcome(function () { return amijson(['--records', 'action', 'NoSuchAction']); }),
    'opts_override_env' => outcome(function () { return amijson(['action', 'Ping'], ['user' => 'nobody-here']); }),
    'shell_refuses_secret' => outcome(function () { return amijson_shell(['action', 'Ping'], ['secret' => 'x']); }),
    'shell_missing_binary' => outcome(function () { return amijson_shell(['action', 'Ping'], ['binary' => '/nonexistent/amijson']); }),
]);
"""


def test_library_outcomes(php):
    _, out = php(code=LIBRARY_CASES)
    assert out["ping"] == {"ok": True, "result": "Pong"}
    assert out["missing_binary"] == {"ok": False, "code": "not_found", "exit_code": None}
    assert out["not_json"] == {"ok": False, "code": "bad_output", "exit_code": 0}
    assert out["records_failure"] == {"ok": False, "code": "action_failed", "exit_code": 1}
    assert out["opts_override_env"] == {"ok": False, "code": "auth", "exit_code": 4}
    assert out["shell_refuses_secret"] == {"ok": False, "code": "invalid_argument"}
    assert out["shell_missing_binary"] == {"ok": False, "code": "bad_output", "exit_code": None}


def test_amijson_is_found_on_path_without_amijson_bin(php, php_env, tmp_path):
    code = "echo json_encode(amijson(['--records', 'action', 'CoreShowChannels']) !== null);"
    env = {k: v for k, v in php_env.items() if k != "AMIJSON_BIN"}
    env["PATH"] = "%s:/usr/bin:/bin" % os.path.dirname(amijson_path())
    _, out = php(code=code, env=env)
    assert out is True
    env["PATH"] = "/usr/bin:/bin"
    # After PATH the library looks in /usr/local/bin, where scripts/install links amijson.
    if shutil.which("amijson", path="/usr/bin:/bin:/usr/local/bin"):
        pytest.skip("an amijson is installed system-wide")
    proc, _ = php(code="try { amijson(['action', 'Ping']); } catch (AmijsonException $e) "
                       "{ echo json_encode([$e->getErrorCode(), $e->getMessage()]); }", env=env)
    assert json.loads(proc.stdout) == ["not_found", "no 'amijson' on PATH (/usr/bin:/bin) nor in /usr/local/bin; "
                                                    "run scripts/install, or set AMIJSON_BIN or opts['binary']"]


# --- the secret travels by environment, never in argv -------------------------------------------

class SilentListener:
    """Accepts connections and never says a word, so amijson keeps waiting for a banner."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.conns.append(conn)

    def close(self):
        self.stop.set()
        self.thread.join(2)
        for conn in self.conns:
            conn.close()
        self.sock.close()


def _read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return b""


def _children_of(ppid):
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        stat = _read("/proc/%s/stat" % entry).decode(errors="replace")
        if stat and int(stat.rpartition(")")[2].split()[1]) == ppid:
            found.append(int(entry))
    return found


@pytest.mark.release("22")  # a silent listener of the test's own: no Asterisk involved
def test_secret_is_in_environ_not_in_argv_of_amijson(php_env, php_exe, tmp_path):
    secret = "php-argv-probe-" + secrets.token_hex(12)
    secret_path = tmp_path / "secret"
    secret_path.write_text(secret)
    secret_path.chmod(0o600)
    listener = SilentListener()
    script = tmp_path / "probe.php"
    script.write_text("""<?php
require_once %s;
$secret = trim(file_get_contents($argv[1]));
try {
    amijson(['--timeout', '3', 'action', 'Ping'],
            ['secret' => $secret, 'user' => 'amijson', 'host' => '127.0.0.1', 'port' => (int) $argv[2]]);
    echo json_encode(['code' => null]);
} catch (AmijsonException $e) {
    echo json_encode(['code' => $e->getErrorCode(), 'exit_code' => $e->getExitCode()]);
}
""" % json.dumps(str(LIBRARY)))
    env = {k: v for k, v in php_env.items() if k != "AMIJSON_SECRET"}   # PHP itself never holds it in env
    binary = amijson_path().encode()
    started = time.monotonic()
    proc = subprocess.Popen([php_exe, str(script), str(secret_path), str(listener.port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        def our_amijson():
            for pid in _children_of(proc.pid):
                if binary in _read("/proc/%d/cmdline" % pid):
                    return pid
            return None

        pid = wait_for(our_amijson, seconds=2.5)
        assert pid, "no amijson process started by PHP was seen under /proc"
        cmdline = _read("/proc/%d/cmdline" % pid)
        environ = _read("/proc/%d/environ" % pid)
        assert binary in cmdline and b"Ping" in cmdline
        assert secret.encode() not in cmdline
        assert ("AMIJSON_SECRET=" + secret).encode() in environ.split(b"\0")
        # amijson is PHP's direct child: no /bin/sh in between
        assert proc.pid in [int(_read("/proc/%d/stat" % pid).decode().rpartition(")")[2].split()[1])]
        # and no process on the machine has the secret in its argv
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                assert secret.encode() not in _read("/proc/%s/cmdline" % entry), entry
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        listener.close()
    assert json.loads(out) == {"code": "timeout", "exit_code": 5}, (out, err)
    assert secret not in out and secret not in err
    assert time.monotonic() - started < 8


def test_library_runs_the_http_route_from_opts(php, php_env, sandbox):
    code = ("$d = amijson(['action', 'Ping'], ['via' => 'http', 'http_port' => (int) getenv('HTTP_PORT')]);\n"
            "echo json_encode(['route' => $d['route'], 'ping' => $d['response']['Ping']]);")
    _, out = php(code=code, env=dict(php_env, HTTP_PORT=sandbox["AMIJSON_SANDBOX_HTTP_PORT"]))
    assert out == {"route": "http", "ping": "Pong"}


# --- events: amijson_events() and watch-calls.php ------------------------------------------------

def _our_sessions(sandbox):
    user = sandbox["AMIJSON_USER"]
    return [line for line in sandbox.cmd("rx", "manager show connected").stdout.splitlines()
            if line.split()[:1] == [user]]


def _watch_a_call(proc, sandbox):
    """Place a call while ``proc`` (a PHP script watching events) runs; its decoded output, once
    it ended cleanly. The call is hung up in any case."""
    try:
        sandbox.cmd("calls", "1", "wait")
        out, err = proc.communicate(timeout=30)
    finally:
        sandbox.cmd("hangup", check=False)
    assert proc.returncode == 0 and err == "", (out, err)
    return json.loads(out)


def _start_watching(php_exe, php_env, sandbox, script, *args):
    """Start PHP running ``script``; return once its amijson has logged in."""
    sandbox.cmd("hangup", check=False)
    proc = subprocess.Popen([php_exe, "-d", "display_errors=stderr", "-d", "error_reporting=-1", str(script), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=php_env)
    assert wait_for(lambda: _our_sessions(sandbox) or proc.poll() is not None), "amijson never logged in"
    assert proc.poll() is None, proc.communicate()
    time.sleep(0.3)  # the Filter actions, sent with the Login, have run
    return proc


def test_watch_calls_php_tells_a_call_starting_and_ending(php_exe, php_env, sandbox):
    proc = _start_watching(php_exe, php_env, sandbox, EXAMPLES / "watch-calls.php", "6")
    try:
        sandbox.cmd("calls", "1", "wait")
        sandbox.cmd("hangup")
        out, err = proc.communicate(timeout=30)
    finally:
        sandbox.cmd("hangup", check=False)
    assert proc.returncode == 0, (out, err)
    assert "Warning" not in err and "Deprecated" not in err
    doc = json.loads(out)
    whats = [(event["what"], event["channel"][-2:]) for event in doc["events"]]
    assert sorted(whats) == [("ended", ";1"), ("ended", ";2"), ("started", ";1"), ("started", ";2")], whats
    assert [what for what, _ in whats][:2] == ["started", "started"]
    assert doc["summary"]["bound"] == "for" and doc["summary"]["matched"] == 4
    assert "started Local/wait@amijson-test-" in err  # told as it happened
    assert wait_for(lambda: not _our_sessions(sandbox)), "an AMI session was left behind"


def test_dropping_the_generator_ends_amijson(php_exe, php_env, sandbox, tmp_path):
    """An unbounded stream, left after its first event: the child is gone, its session too."""
    script = tmp_path / "first-event.php"
    script.write_text("<?php\nrequire_once %s;\n" % json.dumps(str(LIBRARY)) + """
$events = amijson_events(['Event=Newchannel']);
foreach ($events as $event) {
    $first = $event['Event'];
    break;
}
$started = microtime(true);
unset($events);
echo json_encode(['first' => $first, 'seconds' => microtime(true) - $started]), "\\n";
""")
    doc = _watch_a_call(_start_watching(php_exe, php_env, sandbox, script), sandbox)
    assert doc["first"] == "Newchannel" and doc["seconds"] < 3  # the child ended promptly, and was waited for
    assert wait_for(lambda: not _our_sessions(sandbox)), "an AMI session was left behind"


def test_amijson_events_throws_the_streams_error(php):
    _, out = php(code="""
try {
    foreach (amijson_events(['Channel'], ['--count', '1']) as $event) {
    }
    echo json_encode(['thrown' => false]);
} catch (AmijsonException $e) {
    echo json_encode(['thrown' => $e->getErrorCode(), 'exit' => $e->getExitCode()]);
}""")
    assert out == {"thrown": "usage", "exit": 2}


def test_php_reads_the_sse_stream_as_a_browser_would(php_exe, php_env, sandbox, tmp_path):
    """PHP passes --format sse on, as a page would to an EventSource; here it parses the blocks
    itself as the EventSource algorithm does (field: value lines, a blank line ends an event,
    a line starting with ':' is a comment)."""
    script = tmp_path / "sse.php"
    script.write_text("<?php\n" + """
$command = [getenv('AMIJSON_BIN'), '--format', 'sse', '--count', '2', '--timeout', '30', 'events', 'Event=Newchannel'];
$proc = proc_open($command, [1 => ['pipe', 'w'], 2 => ['file', '/dev/null', 'w']], $pipes);
$events = [];
$current = [];
while (($line = fgets($pipes[1])) !== false) {
    $line = rtrim($line, "\\n");
    if ($line === '') {
        if ($current) {
            $events[] = $current;
        }
        $current = [];
    } elseif ($line[0] !== ':') {
        [$field, $value] = explode(': ', $line, 2);
        $current[$field] = $field === 'data' ? json_decode($value, true, 512, JSON_THROW_ON_ERROR) : $value;
    }
}
fclose($pipes[1]);
echo json_encode(['events' => $events, 'exit' => proc_close($proc)]), "\\n";
""")
    doc = _watch_a_call(_start_watching(php_exe, php_env, sandbox, script), sandbox)
    assert doc["exit"] == 0
    assert [(e["event"], e.get("id")) for e in doc["events"]] == [("Newchannel", "1"), ("Newchannel", "2"),
                                                                   ("summary", None)]
    assert doc["events"][0]["data"]["Event"] == "Newchannel" and doc["events"][2]["data"]["matched"] == 2
