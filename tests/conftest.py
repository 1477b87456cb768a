"""Shared test fixtures.

Integration tests (tests/integration/) run the installed ``amijson`` command as a
subprocess against the sandbox Asterisk, which the session-scoped ``sandbox``
fixture brings up once. When it cannot come up, those tests fail with the
reason. ``AMIJSON_TEST_NO_SANDBOX=1`` skips them for a quick unit-only run, and
the run says so loudly; under CI it is refused.
"""

import json
import os
import pathlib
import shutil
import subprocess
import sys
import time

import pytest

REPO = pathlib.Path(__file__).resolve().parent.parent
SANDBOX = REPO / "scripts" / "asterisk-sandbox"
SCHEMA = json.loads((REPO / "amijson" / "document.schema.json").read_text())
OPTED_OUT = os.environ.get("AMIJSON_TEST_NO_SANDBOX") == "1"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
_left_out = []


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "/integration/" in str(item.fspath):
            item.add_marker(pytest.mark.integration)
            if OPTED_OUT and not IN_CI:
                _left_out.append(item.nodeid)
                item.add_marker(pytest.mark.skip(reason="AMIJSON_TEST_NO_SANDBOX=1: integration test left out"))


def pytest_sessionstart(session):
    if OPTED_OUT and IN_CI:
        raise pytest.UsageError("AMIJSON_TEST_NO_SANDBOX is not allowed in CI: integration tests must run")


def pytest_terminal_summary(terminalreporter):
    if _left_out:
        terminalreporter.write_sep("!", "SANDBOX OPTED OUT: %d integration tests NOT RUN" % len(_left_out),
                                   red=True, bold=True)
        terminalreporter.write_line("AMIJSON_TEST_NO_SANDBOX=1 was set; this run proves nothing against "
                                    "a real Asterisk. CI never opts out.")


def sandbox_cmd(*args, check=True, timeout=300):
    return subprocess.run([str(SANDBOX), *args], capture_output=True, text=True, timeout=timeout, check=check)


def parse_exports(text):
    settings = {}
    for line in text.splitlines():
        if line.startswith("export ") and "=" in line:
            key, _, value = line[len("export "):].partition("=")
            settings[key] = value
    return settings


@pytest.fixture(scope="session")
def sandbox():
    """The sandbox's settings (the ``export`` lines of ``asterisk-sandbox up``)."""
    was_running = "running: yes" in sandbox_cmd("status", check=False).stdout
    try:
        up = sandbox_cmd("up", check=False, timeout=600)
    except subprocess.TimeoutExpired:
        pytest.fail("scripts/asterisk-sandbox up did not finish within 600 s")
    if up.returncode != 0:
        pytest.fail("the sandbox Asterisk did not come up (exit %d):\n%s" % (up.returncode, up.stderr[-3000:]))
    settings = parse_exports(up.stdout)
    settings["_started_here"] = not was_running
    yield settings
    if settings["_started_here"] and os.environ.get("AMIJSON_SANDBOX_KEEP") != "1":
        sandbox_cmd("down", check=False)


@pytest.fixture
def live_calls(sandbox):
    """Factory: ``live_calls(n)`` originates n waiting calls; all channels are hung up afterwards."""
    def make(count, extension="wait"):
        sandbox_cmd("calls", str(count), extension)
    sandbox_cmd("hangup", check=False)
    yield make
    sandbox_cmd("hangup", check=False)


def amijson_path():
    path = shutil.which("amijson")
    if not path:
        pytest.fail("the amijson command is not installed on PATH (run the tests through scripts/test)")
    return path


class Run:
    def __init__(self, proc, elapsed):
        self.returncode = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.elapsed = elapsed
        self.doc = None


def validate_document(stdout):
    """Exactly one JSON document on stdout, valid against the schema."""
    import jsonschema

    assert stdout.endswith("\n") and stdout.count("\n") == 1, "not exactly one line of output: %r" % stdout[:300]
    doc = json.loads(stdout)
    jsonschema.validate(doc, SCHEMA)
    return doc


def secrets_of(settings):
    return [v for k, v in settings.items() if k.endswith("SECRET") and v]


def make_runner(base, secrets):
    """``run(*args, env={...})``: the installed amijson as PHP and shells run it.

    Every run's output is checked: one schema-valid document, no traceback, and
    none of ``secrets`` anywhere in stdout or stderr."""

    def run(*args, env=None, drop=(), input=None, timeout=60, expect_json=True):
        full = dict(base)
        full.update(env or {})
        for key in drop:
            full.pop(key, None)
        started = time.monotonic()
        proc = subprocess.run([amijson_path(), *args], capture_output=True, text=True, env=full,
                              input=input, timeout=timeout)
        result = Run(proc, time.monotonic() - started)
        assert "Traceback" not in proc.stderr, proc.stderr
        for secret in secrets:
            assert secret not in proc.stdout and secret not in proc.stderr, "a secret leaked into the output"
        if expect_json:
            result.doc = validate_document(proc.stdout)
        return result

    return run


def _clean_home(tmp_path):
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return {"PATH": os.environ["PATH"], "HOME": str(home), "AMIJSON_MANAGER_CONF": "/nonexistent"}


@pytest.fixture
def amijson(sandbox, tmp_path):
    """The installed amijson against the sandbox (see make_runner)."""
    base = _clean_home(tmp_path)
    base.update({key: sandbox[key] for key in ("AMIJSON_HOST", "AMIJSON_PORT", "AMIJSON_USER", "AMIJSON_SECRET")})
    return make_runner(base, secrets_of(sandbox))


FAULT_SECRET = "fault-secret-7f3a9"


def offline_env(tmp_path):
    """Environment for amijson against scripted peers: a clean HOME, the fault user."""
    env = _clean_home(tmp_path)
    env.update({"AMIJSON_HOST": "127.0.0.1", "AMIJSON_USER": "fault", "AMIJSON_SECRET": FAULT_SECRET,
                "AMIJSON_ASTERISK": "/nonexistent"})
    return env


@pytest.fixture
def amijson_offline(tmp_path):
    """The installed amijson with no sandbox: for scripted peers on loopback."""
    return make_runner(offline_env(tmp_path), [FAULT_SECRET])


@pytest.fixture(scope="session")
def python_exe():
    return sys.executable


@pytest.fixture
def unused_port():
    """A loopback port nothing listens on."""
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
