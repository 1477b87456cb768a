"""Shared test fixtures.

Integration tests (tests/integration/) run the installed ``amijson`` command as a
subprocess against the sandbox Asterisk. Every test that talks to Asterisk runs
against each real release the sandbox provides (``RELEASES``: 22 and 16), its id
ending in ``[22]`` or ``[16]``; ``@pytest.mark.release("22")`` keeps a test that
does not depend on the release on one of them. Each release's sandbox comes up
once per session, the first time a test needs it, and goes down at the end if
this session started it. When a sandbox cannot come up, its tests fail with the
reason.

``AMIJSON_TEST_NO_SANDBOX=1`` skips the integration tests for a quick unit-only
run, and ``AMIJSON_TEST_RELEASES=22`` runs them against 22 only; the run says so
loudly. CI refuses both, and fails a run in which no test ran against 16.
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
# The real Asterisk releases scripts/asterisk-sandbox runs (AMIJSON_SANDBOX_RELEASE), newest first.
RELEASES = ("22", "16")
DEFAULT_RELEASE = "22"
SELECTED = tuple(r for r in os.environ.get("AMIJSON_TEST_RELEASES", ",".join(RELEASES)).replace(",", " ").split())
_left_out = []
_left_out_releases = []
_release_by_nodeid = {}   # each collected sandbox test's release
_results = {}             # nodeid: passed, failed or skipped
_current_release = [DEFAULT_RELEASE]   # the release of the sandbox the running test uses
_bring_up = {}            # release: how its sandbox came up, and how long that took
_seconds = {}             # release: time its tests took (setup, call and teardown)


def pytest_configure(config):
    config.addinivalue_line("markers", "release(*names): run this sandbox test against these releases only "
                                       "(default: every release in conftest.RELEASES)")


def pytest_sessionstart(session):
    if OPTED_OUT and IN_CI:
        raise pytest.UsageError("AMIJSON_TEST_NO_SANDBOX is not allowed in CI: integration tests must run")
    unknown = [r for r in SELECTED if r not in RELEASES]
    if unknown or not SELECTED:
        raise pytest.UsageError("AMIJSON_TEST_RELEASES=%r: name releases among %s"
                                % (os.environ.get("AMIJSON_TEST_RELEASES"), ", ".join(RELEASES)))
    if IN_CI and set(SELECTED) != set(RELEASES):
        raise pytest.UsageError("AMIJSON_TEST_RELEASES is not allowed to leave a release out in CI: "
                                "every test that talks to Asterisk runs against %s" % " and ".join(RELEASES))


def pytest_generate_tests(metafunc):
    """Every test that uses the sandbox (directly or through amijson, live_calls, php...) runs once
    per release, or per release its ``release`` marker names."""
    if "sandbox" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker("release")
    releases = [str(r) for r in marker.args] if marker else list(RELEASES)
    assert releases and set(releases) <= set(RELEASES), "release marker names %r" % (releases,)
    metafunc.parametrize("sandbox", releases, indirect=True, ids=releases)


def release_of(item):
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("sandbox") if callspec else None


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "/integration/" in str(item.fspath):
            item.add_marker(pytest.mark.integration)
            if OPTED_OUT and not IN_CI:
                _left_out.append(item.nodeid)
                item.add_marker(pytest.mark.skip(reason="AMIJSON_TEST_NO_SANDBOX=1: integration test left out"))
                continue
        release = release_of(item)
        if release:
            _release_by_nodeid[item.nodeid] = release
        if release and release not in SELECTED:
            _left_out_releases.append(item.nodeid)
            item.add_marker(pytest.mark.skip(reason="AMIJSON_TEST_RELEASES=%s: Asterisk %s left out"
                                             % (",".join(SELECTED), release)))


def pytest_runtest_logreport(report):
    # One outcome per test: failed if any phase failed, else skipped or passed.
    release = _release_by_nodeid.get(report.nodeid)
    if release is None:
        return
    _seconds[release] = _seconds.get(release, 0.0) + report.duration
    if report.failed:
        outcome = "failed"
    elif report.skipped:
        outcome = "skipped"
    elif report.when == "call":
        outcome = "passed"
    else:
        return
    if _results.get(report.nodeid) != "failed":
        _results[report.nodeid] = outcome


def _counts(release):
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    for nodeid, outcome in _results.items():
        if _release_by_nodeid[nodeid] == release:
            counts[outcome] += 1
    return counts


def _release_summary():
    lines = []
    for release in RELEASES:
        counts = _counts(release)
        lines.append("Asterisk %s: %d tests ran (%d passed, %d failed), %d skipped, in %.0f s%s"
                     % (release, counts["passed"] + counts["failed"], counts["passed"], counts["failed"],
                        counts["skipped"], _seconds.get(release, 0.0),
                        "; sandbox %s" % _bring_up[release] if release in _bring_up else ""))
    return lines


def _missing_releases():
    """Releases no test ran against, though tests ran against another one (a skipped or
    deselected release). Nothing is missing in a run that used no sandbox at all."""
    ran = {r: _counts(r)["passed"] + _counts(r)["failed"] for r in RELEASES}
    if not any(ran.values()):
        return []
    return [r for r in RELEASES if not ran[r]]


def pytest_sessionfinish(session, exitstatus):
    if IN_CI and _missing_releases() and session.exitstatus == 0:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter):
    if _results:
        terminalreporter.write_sep("=", "sandbox releases")
        for line in _release_summary():
            terminalreporter.write_line(line)
    if _left_out:
        terminalreporter.write_sep("!", "SANDBOX OPTED OUT: %d integration tests NOT RUN" % len(_left_out),
                                   red=True, bold=True)
        terminalreporter.write_line("AMIJSON_TEST_NO_SANDBOX=1 was set; this run proves nothing against "
                                    "a real Asterisk. CI never opts out.")
    if _left_out_releases:
        terminalreporter.write_sep("!", "RELEASES LEFT OUT: %d sandbox tests NOT RUN" % len(_left_out_releases),
                                   red=True, bold=True)
        terminalreporter.write_line("AMIJSON_TEST_RELEASES=%s was set; CI runs every release (%s)."
                                    % (",".join(SELECTED), ", ".join(RELEASES)))
    missing = _missing_releases()
    if missing and IN_CI:
        terminalreporter.write_sep("!", "NO TEST RAN AGAINST ASTERISK %s" % " OR ".join(missing), red=True, bold=True)
        terminalreporter.write_line("CI fails this run: every release must be tested.")


def sandbox_cmd(*args, release=None, check=True, timeout=300):
    """scripts/asterisk-sandbox ARGS for ``release`` (default: the release of the sandbox the
    running test uses, else 22)."""
    env = dict(os.environ, AMIJSON_SANDBOX_RELEASE=release or _current_release[0])
    return subprocess.run([str(SANDBOX), *args], capture_output=True, text=True, timeout=timeout, check=check,
                          env=env)


def parse_exports(text):
    settings = {}
    for line in text.splitlines():
        if line.startswith("export ") and "=" in line:
            key, _, value = line[len("export "):].partition("=")
            settings[key] = value
    return settings


class Sandbox(dict):
    """One running sandbox: its settings (the ``export`` lines of ``asterisk-sandbox up``) as a
    dict, its ``release``, and ``cmd(...)``, scripts/asterisk-sandbox for that release."""

    def __init__(self, release, settings, started_here):
        super().__init__(settings)
        self.release = release
        self.started_here = started_here

    def cmd(self, *args, **kwargs):
        return sandbox_cmd(*args, release=self.release, **kwargs)


class Sandboxes:
    """The session's sandboxes, each brought up the first time a test asks for it."""

    LOCK_WAIT = 3600   # seconds another session may hold a sandbox before this one gives up

    def __init__(self):
        self.running = {}
        self.failures = {}
        self.locks = []

    def get(self, release):
        if release in self.failures:
            pytest.fail(self.failures[release])
        if not self.locks:
            # every release's lock at once, in one order: two sessions never hold one each
            for each in RELEASES:
                if each in SELECTED:
                    self._lock(each, sandbox_cmd("status", release=each, check=False).stdout)
        if release not in self.running:
            self.running[release] = self._up(release)
        return self.running[release]

    def _lock(self, release, status):
        """One test session per sandbox at a time: tests hang up every call, restart Asterisk and
        rewrite its configuration, so two sessions on one sandbox (two developers, a demo's
        shell aside) fail each other's tests. A second session waits here for the first."""
        import fcntl
        root = [line.split(": ", 1)[1] for line in status.splitlines() if line.startswith("root: ")]
        if not root:
            return
        folder = os.path.dirname(root[0])
        os.makedirs(folder, exist_ok=True)
        lock = open(os.path.join(folder, "pytest.lock"), "w")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            sys.__stderr__.write("\n[sandbox %s: another test session uses it; waiting (up to %d min)]\n"
                                 % (release, self.LOCK_WAIT // 60))
            deadline = time.monotonic() + self.LOCK_WAIT
            while True:
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        lock.close()
                        self.failures[release] = "another test session held the %s sandbox for %d s" % (
                            release, self.LOCK_WAIT)
                        pytest.fail(self.failures[release])
                    time.sleep(1)
        self.locks.append(lock)

    def _up(self, release):
        was_running = "running: yes" in sandbox_cmd("status", release=release, check=False).stdout
        started = time.monotonic()
        try:
            up = sandbox_cmd("up", release=release, check=False, timeout=900)
        except subprocess.TimeoutExpired:
            self.failures[release] = "scripts/asterisk-sandbox up (release %s) did not finish within 900 s" % release
            pytest.fail(self.failures[release])
        if up.returncode != 0:
            self.failures[release] = ("the sandbox Asterisk %s did not come up (exit %d):\n%s"
                                      % (release, up.returncode, up.stderr[-3000:]))
            pytest.fail(self.failures[release])
        settings = parse_exports(up.stdout)
        assert settings.get("AMIJSON_SANDBOX_RELEASE") == release, settings
        _bring_up[release] = "%s in %.1f s" % ("was running, reloaded" if was_running else "brought up",
                                                time.monotonic() - started)
        return Sandbox(release, settings, started_here=not was_running)

    def close(self):
        if os.environ.get("AMIJSON_SANDBOX_KEEP") != "1":
            for release, box in self.running.items():
                if box.started_here:
                    sandbox_cmd("down", release=release, check=False)
        for lock in self.locks:
            lock.close()


@pytest.fixture(scope="session")
def _sandboxes():
    boxes = Sandboxes()
    yield boxes
    boxes.close()


@pytest.fixture
def sandbox(request, _sandboxes):
    """The sandbox of this test's release (its id's ``[22]`` or ``[16]``): a ``Sandbox``, the
    settings dict of ``asterisk-sandbox up``, with ``.release`` and ``.cmd(...)``."""
    release = getattr(request, "param", DEFAULT_RELEASE)
    box = _sandboxes.get(release)
    _current_release[0] = release
    yield box
    _current_release[0] = DEFAULT_RELEASE


@pytest.fixture
def live_calls(sandbox):
    """Factory: ``live_calls(n)`` originates n waiting calls; all channels are hung up afterwards."""
    def make(count, extension="wait"):
        sandbox.cmd("calls", str(count), extension)
    sandbox.cmd("hangup", check=False)
    yield make
    sandbox.cmd("hangup", check=False)


def amijson_path():
    path = shutil.which("amijson")
    if not path:
        pytest.fail("the amijson command is not installed on PATH (run the tests through scripts/test)")
    return path


def via_http(sandbox, tls=False):
    """The options that send a run over the sandbox's AMI over HTTP (HTTPS with ``tls``)."""
    port = sandbox["AMIJSON_SANDBOX_HTTPS_PORT" if tls else "AMIJSON_SANDBOX_HTTP_PORT"]
    return ["--via", "http"] + (["--tls"] if tls else []) + ["--http-port", port]


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
                "AMIJSON_ASTERISK": "/nonexistent", "AMIJSON_CONSOLE": "/nonexistent/asterisk.ctl"})
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


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Each phase's report on the test item (``item.rep_call``...): a fixture's teardown can tell
    a failed test, and save what shows why (the live page's screenshot)."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, "rep_" + report.when, report)
