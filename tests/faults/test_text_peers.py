"""--format text and amijson as ``asterisk`` against scripted peers and arbitrary command lines:
every outcome is text on standard output (or nothing), at most one line on standard error, an exit
code from the table, never a traceback, an internal error or a secret. The peers speak Asterisk
13.38.3's framing (tests/fakeami.py)."""

import contextlib
import io
import subprocess

from hypothesis import HealthCheck, given, settings, strategies as st

from amijson.cli import main
from amijson.cmdline import OPTIONS
from amijson.errors import EXIT_CODES
from amijson.queries import QUERIES
from argvs import ANY_TEXT, local
from conftest import amijson_path
from fakeami import ScriptedAmi, FakeAmi, aid_line, challenge_13, command_follows_13, BANNER_13

SECRET = "peer-secret-7781"
WORDS = st.one_of(
    st.sampled_from(sorted(OPTIONS) + ["--", "action", "command", "-rx", "-x", "asterisk", "-r", "-rvx", "-c",
                                       "-g", "-C", "-s", "-V", "-xcore show uptime"] + sorted(QUERIES)),
    ANY_TEXT,
)
ENVIRON = {"HOME": "/nonexistent", "AMIJSON_HOST": "127.0.0.1", "AMIJSON_PORT": "9", "AMIJSON_USER": "u",
           "AMIJSON_SECRET": "not-a-real-secret", "AMIJSON_TIMEOUT": "1", "AMIJSON_CONNECT_TIMEOUT": "0.5",
           "AMIJSON_ASTERISK": "/nonexistent", "AMIJSON_MANAGER_CONF": "/nonexistent", "AMIJSON_VIA": "ami"}


def _run_in_process(argv):
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(argv, dict(ENVIRON), io.StringIO("stdin-secret\n"), out)
    out.flush()
    return code, out.buffer.getvalue().decode("utf-8"), err.getvalue()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([["--format", "text"], ["asterisk"], ["--format", "text", "asterisk"]]), st.lists(WORDS, max_size=7))
def test_any_command_line_ends_in_text_and_one_line(prefix, argv):
    argv = prefix + [word for word in local(argv) if not word.startswith("--format")]
    code, out, err = _run_in_process(argv)
    if code == 0 and out.startswith(("usage: amijson", "amijson ")):
        return  # --help, --version
    assert code in EXIT_CODES.values() and code != 70, (argv, code, out, err)
    assert "Traceback" not in err and "internal" not in err, err
    assert not out.startswith("{"), out  # never the JSON document
    if code != 0:
        assert err.startswith("amijson: ") and err.count("\n") == 1, (argv, err)
    if argv[0] == "asterisk":
        assert code in (1, 2, 3, 4, 5, 6, 8), (argv, code, err)


def run(args, env):
    full = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "AMIJSON_MANAGER_CONF": "/nonexistent",
            "AMIJSON_ASTERISK": "/nonexistent", "AMIJSON_HOST": "127.0.0.1", "AMIJSON_USER": "monitor",
            "AMIJSON_SECRET": SECRET, "AMIJSON_VIA": "ami"}
    full.update(env)
    proc = subprocess.run([amijson_path(), *args], capture_output=True, env=full, timeout=30)
    err = proc.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err, err
    assert SECRET.encode() not in proc.stdout and SECRET not in err, "a secret reached the output"
    return proc.returncode, proc.stdout, err


def test_a_peer_that_echoes_the_secret_in_cli_output_never_gets_it_printed():
    text = ("Secret: %s\nnext line\n" % SECRET).encode()
    with FakeAmi(replies={"command": command_follows_13(text)}) as peer:
        for args in (["--format", "text", "command", "core show settings"],
                     ["asterisk", "-rx", "core show settings"]):
            code, out, err = run(args, {"AMIJSON_PORT": str(peer.port)})
            assert code == 0 and out == b"Secret: ********\nnext line\n", (out, err)


def test_a_peer_that_echoes_the_secret_in_an_error_never_gets_it_printed():
    def echoing(peer):
        peer.send(BANNER_13)
        headers = peer.expect()
        if headers is not None and headers.get("action", "").lower() == "challenge":
            peer.send(challenge_13(headers))
            headers = peer.expect()
        peer.send(b"Response: Error\r\n" + aid_line(headers or {})
                  + b"Message: Authentication failed for " + SECRET.encode() + b"\r\n\r\n")
    with ScriptedAmi(echoing) as peer:
        code, out, err = run(["asterisk", "-rx", "core show uptime"], {"AMIJSON_PORT": str(peer.port)})
    assert code == 4 and out == b"" and err.startswith("amijson: auth: ") and err.count("\n") == 1, (code, err)


def test_a_peer_that_goes_silent_is_a_timeout_line_within_the_deadline():
    import time

    def silent(peer):
        peer.send(BANNER_13)
        time.sleep(5)
    with ScriptedAmi(silent) as peer:
        started = time.monotonic()
        code, out, err = run(["asterisk", "-rx", "core show uptime"],
                             {"AMIJSON_PORT": str(peer.port), "AMIJSON_TIMEOUT": "1"})
    assert time.monotonic() - started < 2.5
    assert code == 5 and out == b"" and err.startswith("amijson: timeout: ") and err.count("\n") == 1, (code, err)


def test_asterisk_13_command_bodies_as_text():
    """13.38.3's action_command: the raw text, --END COMMAND-- glued to a last line without a
    newline; empty output. Printed as the text, a newline at the end (docs/text.md)."""
    for body, shown in ((b"\n Endpoint:  x  \n\nObjects found: 1\n\n", b"\n Endpoint:  x  \n\nObjects found: 1\n\n"),
                        (b"no newline at the end", b"no newline at the end\n"), (b"", b"")):
        with FakeAmi(replies={"command": command_follows_13(body)}) as peer:
            code, out, err = run(["--format", "text", "command", "core show x"], {"AMIJSON_PORT": str(peer.port)})
        assert (code, out, err) == (0, shown, ""), (body, out, err)
