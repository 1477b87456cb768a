"""Byte identity with ``asterisk -rx`` (issue 19), against the real sandbox Asterisk 22 and 16.

For every command the CLI parsers know (the registry's ``COMMANDS``), a ``No such command`` and a
usage error, ``--format text`` over AMI, over AMI over HTTP and through the rx route prints exactly
the bytes the sandbox's own ``asterisk -rx`` prints; only the exit code differs where Asterisk
refused the command (1, where ``asterisk -rx`` exits 0). The same holds for amijson started through
a link named ``asterisk`` and for ``amijson asterisk -rvx``. The Asterisk 13 Command format, which
neither sandbox speaks, comes from the scripted server in tests/fakeami.py (its transcript follows
13.38.3's main/manager.c), fed the real 22 or 16 text.

Output that moves with the clock (uptime, durations, "last call N secs ago") is compared with an
``asterisk -rx`` run just before and one just after, and the whole comparison retried a few
times when the clock ticked in between. ``manager show connected`` names the session that asks:
over AMI and HTTP that is amijson's own, which ``asterisk -rx`` does not have, so that one row and
the count it adds are taken out before comparing (``without_own_session``).
"""

import os
import re
import subprocess
import time

import pytest

from conftest import amijson_path, secrets_of, via_http
from fakeami import FakeAmi, command_follows_13

from amijson.parsers import MODULES, _load

REGISTRY = sorted({command for name in MODULES for command in _load(name).COMMANDS})
NO_SUCH = "no such thing here"
USAGE = "core show channel"  # needs a channel name: Asterisk answers with its usage text
EXTRA = [NO_SUCH, "queue show support", "queue show nosuch", "database show amijson", "module show like pjsip",
         "core show help core show uptime"]
COMMANDS = REGISTRY + [command for command in EXTRA if command not in REGISTRY]
# What Asterisk refuses: usage texts (a missing argument), and No such command; chan_sip's and
# chan_iax2's commands where they are not loaded (22 has no chan_sip: it was removed in 21, and its
# sandbox does not load chan_iax2; the 16 sandbox loads both).
REFUSED = {NO_SUCH, USAGE, "module show like", "sip show peers like", "iax2 show peers like"}
CHAN_SIP = {"sip show peers", "iax2 show peers", "iax2 show peers registered"}
ROUTES = ("ami", "http", "rx")


def rx(sandbox, command):
    """What the sandbox's own ``asterisk -rx`` prints, as bytes."""
    proc = subprocess.run([sandbox["AMIJSON_ASTERISK"], "-rx", command], capture_output=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def base_env(sandbox, tmp_path):
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "AMIJSON_MANAGER_CONF": "/nonexistent"}
    env.update({key: sandbox[key] for key in ("AMIJSON_HOST", "AMIJSON_PORT", "AMIJSON_USER", "AMIJSON_SECRET")})
    return env


def run(argv, env, sandbox):
    """(exit code, stdout bytes, stderr text) of a command, checked for tracebacks and secrets."""
    proc = subprocess.run(argv, capture_output=True, env=env, timeout=60)
    err = proc.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err, err
    for secret in secrets_of(sandbox):
        assert secret.encode() not in proc.stdout and secret not in err, "a secret leaked"
    return proc.returncode, proc.stdout, err


def route_args(route, sandbox):
    if route == "http":
        return via_http(sandbox)
    return ["--via", route]


def without_own_session(text, user):
    """``manager show connected`` without the rows of ``user`` (amijson's own session over AMI or
    HTTP), its count lowered by as many."""
    lines = text.decode().split("\n")
    kept = [line for line in lines if not (line.startswith("  ") and line.split()[:1] == [user])]
    removed = len(lines) - len(kept)
    out = []
    for line in kept:
        match = re.fullmatch(r"(\d+) users? connected\.", line)
        out.append("%d users connected." % (int(match.group(1)) - removed) if match else line)
    return "\n".join(out).encode()


def same_as_rx(sandbox, command, produce, attempts=5):
    """Run ``produce()`` (exit code, stdout, stderr) between two ``asterisk -rx`` runs until its
    stdout equals one of them; the last (code, stdout, stderr, before, after)."""
    for _ in range(attempts):
        before = rx(sandbox, command)
        code, out, err = produce()
        after = rx(sandbox, command)
        if command == "manager show connected":
            out = without_own_session(out, sandbox["AMIJSON_USER"])
        if out in (before, after):
            break
        time.sleep(0.3)
    return code, out, err, before, after


def expected_code(command, text, release):
    """1 where Asterisk refused the command (its text says so; asterisk -rx itself exits 0)."""
    refused = command in REFUSED or (command in CHAN_SIP and release != "16")
    assert not refused or text.startswith((b"No such command '", b"Usage: ")), (command, text[:200])
    return 1 if refused else 0


@pytest.fixture
def calls_up(live_calls):
    """Two waiting calls (four Local channels), a bridged one and one whose caller name is in
    Latin-1 bytes: the channel, bridge and queue commands then have rows to print."""
    live_calls(2)
    live_calls(1, "bang")
    live_calls(1, "latin1")  # a caller name in Latin-1 bytes: core show channel shows it
    time.sleep(0.5)


def test_every_parser_command_is_byte_identical_on_every_route(sandbox, calls_up, tmp_path):
    env = base_env(sandbox, tmp_path)
    env["AMIJSON_ASTERISK"] = sandbox["AMIJSON_ASTERISK"]
    assert USAGE in REGISTRY and len(REGISTRY) >= 20, REGISTRY
    differences = []
    concise = rx(sandbox, "core show channels concise").decode().splitlines()
    channel = concise[0].split("!", 1)[0]
    latin1 = next(line.split("!", 1)[0] for line in concise if line.startswith("Local/latin1@") and
                  line.split("!", 1)[0].endswith(";2"))
    assert channel.startswith("Local/"), channel
    assert b"Jos\xe9 M\xfcller" in rx(sandbox, "core show channel " + latin1)
    for command in COMMANDS + ["core show channel " + channel, "core show channel " + latin1]:
        for route in ROUTES:
            argv = [amijson_path(), "--format", "text"] + route_args(route, sandbox) + ["command", command]
            code, out, err, before, after = same_as_rx(sandbox, command, lambda: run(argv, env, sandbox))
            if out not in (before, after):
                differences.append("%s over %s: amijson printed %r, asterisk -rx %r" % (command, route, out[:300],
                                                                                       after[:300]))
                continue
            want = expected_code(command, out, sandbox.release)
            if code != want:
                differences.append("%s over %s: exit %d, expected %d (%s)" % (command, route, code, want, err))
            elif want == 0 and err:
                differences.append("%s over %s: stderr %r on success" % (command, route, err))
            elif want == 1 and not (err.startswith("amijson: command_failed: ") and err.count("\n") == 1):
                differences.append("%s over %s: stderr %r" % (command, route, err))
    assert not differences, "\n".join(differences)


def test_no_such_command_and_a_usage_error_print_what_asterisk_prints(sandbox, tmp_path):
    env = base_env(sandbox, tmp_path)
    env["AMIJSON_ASTERISK"] = sandbox["AMIJSON_ASTERISK"]
    for command, starts in ((NO_SUCH, b"No such command 'no such thing here'"), (USAGE, b"Usage: core show channel")):
        real = rx(sandbox, command)
        assert real.startswith(starts), real
        for route in ROUTES:
            code, out, err = run([amijson_path(), "--format", "text"] + route_args(route, sandbox)
                                 + ["command", command], env, sandbox)
            assert (code, out) == (1, real), (route, code, out, err)
            assert err.startswith("amijson: command_failed: ") and err.count("\n") == 1, err


@pytest.fixture
def link(tmp_path):
    """A folder holding amijson's link named ``asterisk``, as scripts/install --asterisk-link makes."""
    folder = tmp_path / "asterisk-link"
    folder.mkdir()
    (folder / "asterisk").symlink_to(amijson_path())
    return folder


@pytest.mark.parametrize("form", [["-rx"], ["-x"], ["-r", "-x"], ["-rvx"], ["-rvvvvx"]])
def test_the_asterisk_link_prints_what_asterisk_rx_prints(sandbox, calls_up, link, tmp_path, form):
    env = base_env(sandbox, tmp_path)
    env["PATH"] = "%s:%s" % (link, env["PATH"])
    env["AMIJSON_VIA"] = "ami"
    for command in ("core show channels concise", "pjsip show endpoints", "database show", "queue show", NO_SUCH):
        code, out, err, before, after = same_as_rx(
            sandbox, command, lambda: run(["asterisk"] + form + [command], env, sandbox))
        assert out in (before, after), (command, out, after)
        assert code == (1 if command == NO_SUCH else 0), (command, code, err)


def test_amijson_asterisk_verb_and_options_before_it(sandbox, tmp_path):
    env = base_env(sandbox, tmp_path)
    code, out, err = run([amijson_path()] + via_http(sandbox) + ["asterisk", "-rvx", "database show amijson"],
                         env, sandbox)
    assert (code, out) == (0, rx(sandbox, "database show amijson")), err


def test_a_command_that_starts_with_a_dash_is_data(sandbox, link, tmp_path):
    env = base_env(sandbox, tmp_path)
    env["PATH"] = "%s:%s" % (link, env["PATH"])
    for value in ("--host=127.0.0.2", "-c", "-rx"):
        code, out, err = run(["asterisk", "-rx", value], env, sandbox)
        assert code == 1 and out == rx(sandbox, value) and out.startswith(b"No such command"), (value, out, err)


@pytest.mark.parametrize("args", [["-c"], ["-r"], ["-g", "-c"], ["-f"], [], ["-V"], ["-rx", "x", "-U", "asterisk"]])
def test_anything_but_one_command_is_not_asterisk(sandbox, link, tmp_path, args):
    env = base_env(sandbox, tmp_path)
    env["PATH"] = "%s:%s" % (link, env["PATH"])
    started = time.monotonic()
    code, out, err = run(["asterisk"] + args, env, sandbox)
    assert code == 8 and out == b"" and time.monotonic() - started < 5, (code, out, err)
    assert err.startswith("amijson: not_asterisk: this is amijson, not Asterisk") and err.count("\n") == 1, err


@pytest.mark.release("22")  # nothing listens: the fallback is what is tested
def test_the_rx_fallback_never_runs_the_link_itself(sandbox, link, tmp_path, unused_port):
    """AMI down, the link first on PATH: --via auto falls back to rx, which must take the real
    asterisk further down PATH, never the link (that would ask itself again, and again)."""
    env = base_env(sandbox, tmp_path)
    env["AMIJSON_PORT"] = str(unused_port)
    real = tmp_path / "real"
    real.mkdir()
    (real / "asterisk").symlink_to(sandbox["AMIJSON_ASTERISK"])
    env["PATH"] = "%s:%s:%s" % (link, real, env["PATH"])
    code, out, err = run(["asterisk", "-rx", "database show amijson"], env, sandbox)
    assert (code, out, err) == (0, rx(sandbox, "database show amijson"), "")
    # No real one at all: a clear failure at once, not the link starting itself.
    env["PATH"] = "%s:%s" % (link, os.environ["PATH"])
    started = time.monotonic()
    code, out, err = run(["asterisk", "-rx", "database show amijson"], env, sandbox)
    assert time.monotonic() - started < 10 and out == b"" and code in (3, 8), (code, err)
    assert err.count("\n") == 1 and err.startswith("amijson: "), err
    # amijson itself (not as asterisk), with the link on PATH: its rx route says what happened.
    code, out, err = run([amijson_path(), "--format", "text", "command", "database show amijson"], env, sandbox)
    assert code == 3 and out == b"" and "AMIJSON_ASTERISK" in err, (code, err)


@pytest.mark.parametrize("command", ["pjsip show endpoints", "database show amijson", "core show channels concise",
                                     "queue show", "module show like pjsip", NO_SUCH, USAGE])
def test_asterisk_13_command_format_prints_the_same_text(sandbox, tmp_path, command):
    """The 13 reply (Response: Follows, the raw text, --END COMMAND--: fakeami.command_follows_13,
    after 13.38.3's action_command) fed this PBX's own text gives that text back."""
    env = base_env(sandbox, tmp_path)
    text = rx(sandbox, command)
    with FakeAmi(replies={"command": command_follows_13(text)}) as fake:
        env["AMIJSON_PORT"] = str(fake.port)
        code, out, err = run([amijson_path(), "--format", "text", "command", command], env, sandbox)
    assert out == text, (out, text)
    assert code == (1 if command in (NO_SUCH, USAGE) else 0), (code, err)


@pytest.mark.parametrize("where", ["home", "AMIJSON_CONFIG"])
def test_the_link_reaches_the_pbx_from_amijsons_own_config_and_profile(sandbox, link, tmp_path, where):
    """No AMIJSON_HOST, USER or SECRET: the PBX comes from a profile of amijson's config file (the
    user's own, or the one AMIJSON_CONFIG names), chosen by AMIJSON_PROFILE; over HTTP, as the
    profile says."""
    home = tmp_path / "home"
    (home / ".config" / "amijson").mkdir(parents=True)
    config = home / ".config" / "amijson" / "config" if where == "home" else tmp_path / "www.conf"
    config.write_text("[default]\nhost = 192.0.2.1\n\n[pbx]\nhost = %s\nuser = %s\nsecret = %s\nvia = http\n"
                      "http_port = %s\n" % (sandbox["AMIJSON_HOST"], sandbox["AMIJSON_USER"], sandbox["AMIJSON_SECRET"],
                                            sandbox["AMIJSON_SANDBOX_HTTP_PORT"]))
    config.chmod(0o600)
    env = {"PATH": "%s:%s" % (link, os.environ["PATH"]), "HOME": str(home), "AMIJSON_MANAGER_CONF": "/nonexistent",
           "AMIJSON_PROFILE": "pbx"}
    if where != "home":
        env["AMIJSON_CONFIG"] = str(config)
    code, out, err = run(["asterisk", "-rx", "database show amijson"], env, sandbox)
    assert (code, out, err) == (0, rx(sandbox, "database show amijson"), "")


@pytest.mark.parametrize("route", ROUTES)
def test_a_query_is_a_key_value_block_per_record_of_its_json(sandbox, tmp_path, route):
    """The same query in JSON and in text: one block per record, each field one `key: value` line."""
    env = base_env(sandbox, tmp_path)
    env["AMIJSON_ASTERISK"] = sandbox["AMIJSON_ASTERISK"]
    import json
    _, raw, _ = run([amijson_path(), "--records"] + route_args(route, sandbox) + ["endpoints"], env, sandbox)
    records = json.loads(raw)
    code, out, err = run([amijson_path(), "--format", "text"] + route_args(route, sandbox) + ["endpoints"], env, sandbox)
    assert code == 0 and err == "", err
    blocks = out.decode().split("\n\n")
    assert blocks[-1] == "" and len(blocks) - 1 == len(records) >= 4
    for block, record in zip(blocks, records):
        lines = block.split("\n")
        assert [line.split(": ", 1)[0] for line in lines] == list(record)
        assert "endpoint: %s" % record["endpoint"] in lines


def test_an_action_is_amis_messages_as_key_value_blocks(sandbox, tmp_path):
    env = base_env(sandbox, tmp_path)
    code, out, err = run([amijson_path(), "--format", "text", "action", "DBGet", "Family=amijson/test",
                          "Key=greeting"], env, sandbox)
    assert code == 0 and err == "", err
    blocks = out.decode().split("\n\n")
    assert blocks[0].startswith("Response: Success\n") and "Val: hello" in blocks[1] and blocks[-1] == ""
    code, out, err = run([amijson_path(), "--format", "text", "action", "NoSuchActionAtAll"], env, sandbox)
    assert code == 1 and out == b"" and err.startswith("amijson: action_failed: ") and err.count("\n") == 1
