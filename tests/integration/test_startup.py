"""What a run imports. At a few channels start-up is most of a run, so each
route loads only what it needs: no ssl without TLS, no subprocess, nothing that
pulls in re, json or argparse, no sockets on the rx route when it runs the executable. Python's own import
log (PYTHONPROFILEIMPORTTIME) of the installed command says what was loaded.
What amijson imports does not depend on the Asterisk release: these run against 22 only."""

import pytest

pytestmark = pytest.mark.release("22")

# Never needed by a small run on any route.
HEAVY = {"ssl", "_ssl", "socket", "subprocess", "re", "json", "argparse", "importlib", "threading", "asyncio",
         "encodings.idna", "hashlib", "_json"}


def imported(run):
    names = set()
    for line in run.stderr.splitlines():
        if line.startswith("import time:") and line.count("|") == 2:
            names.add(line.rsplit("|", 1)[1].strip())
    assert "amijson.cli" in names, "no import log: %r" % run.stderr[:300]
    return names


def test_a_small_ami_run_loads_no_heavy_module(amijson, sandbox, live_calls):
    live_calls(2)  # small: whatever calls were up are gone first (a long list loads _json and re)
    run = amijson("action", "CoreShowChannels", env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert run.doc["ok"], run.doc
    names = imported(run)
    assert "_socket" in names
    assert not names & HEAVY, sorted(names & HEAVY)
    # CLI text helpers and the config file reader: only for a command's output, or a config file
    assert not names & {"amijson.clitext", "amijson.configfile", "amijson.parsers"}, sorted(names)


def test_a_small_rx_run_through_the_executable_loads_no_socket(amijson, sandbox, live_calls):
    live_calls(2)
    run = amijson("--via", "rx", "--asterisk", sandbox["AMIJSON_ASTERISK"], "channels",
                  env={"PYTHONPROFILEIMPORTTIME": "1", "AMIJSON_CONSOLE": "/nonexistent/asterisk.ctl"})
    assert run.doc["ok"] and run.doc["route"] == "rx" and run.doc["server"]["executable"], run.doc
    names = imported(run)
    assert not names & (HEAVY | {"_socket", "amijson.transport", "amijson.session"}), sorted(names & HEAVY)


def test_a_small_rx_run_through_the_socket_loads_only_the_c_modules(amijson, sandbox, live_calls):
    """The control socket through _socket, the reader thread through _thread: neither socket nor
    threading, whose imports cost more than a small run."""
    live_calls(2)
    run = amijson("--via", "rx", "channels", env={"PYTHONPROFILEIMPORTTIME": "1",
                                                   "AMIJSON_CONSOLE": sandbox["AMIJSON_SANDBOX_CTL"]})
    assert run.doc["ok"] and run.doc["server"]["socket"] == sandbox["AMIJSON_SANDBOX_CTL"], run.doc
    names = imported(run)
    assert "_socket" in names
    assert not names & (HEAVY | {"amijson.transport", "amijson.session"}), sorted(names & HEAVY)


def test_tls_loads_ssl(amijson, sandbox):
    # the same log shows what TLS brings, so the checks above can see a module
    run = amijson("--tls", "--port", sandbox["AMIJSON_SANDBOX_TLS_PORT"], "--cafile", sandbox["AMIJSON_SANDBOX_CAFILE"],
                  "--host", "localhost", "action", "Ping", env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert run.doc["ok"], run.doc
    assert {"ssl", "socket"} <= imported(run)


def loaded_from_bundle(stderr):
    """{module: True when its loader was the code bundle} from Python's verbose import log."""
    found = {}
    for line in stderr.splitlines():
        if line.startswith("import 'amijson") and " # <" in line:
            name = line.split("'")[1]
            found[name] = "<amijson.CodeBundle object" in line
    return found


def test_the_installed_command_reads_its_modules_from_the_code_bundle(amijson, sandbox, live_calls):
    """pip built the bundle with the package (setup.py): every module a run imports but the
    package itself comes from it (docs/design.md, "The code bundle")."""
    live_calls(2)
    run = amijson("action", "CoreShowChannels", env={"PYTHONVERBOSE": "1"})
    assert run.doc["ok"], run.doc
    found = loaded_from_bundle(run.stderr)
    assert found.pop("amijson") is False
    assert {"amijson.cli", "amijson.session", "amijson.wire", "amijson.jsonout"} <= set(found), sorted(found)
    assert all(found.values()), sorted(name for name, bundled in found.items() if not bundled)
