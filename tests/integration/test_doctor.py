"""amijson doctor against the sandbox Asterisk, healthy and with each failure made real.

The sandbox (scripts/asterisk-sandbox) is used as it is: a real wrong secret, a user
name Asterisk does not know, its read-only user (amijson_ro: no ``command`` class), a
real 404 from its HTTP server for a /rawman it does not serve (what webenabled = no
gives), its plain AMI port asked for TLS, and its control socket used by an
unprivileged user. What the sandbox cannot show yet without changing its
configuration (webenabled = no itself) is in docs/doctor.md.
"""

import json
import os
import pathlib
import shutil
import subprocess
import tempfile

import jsonschema
import pytest

from conftest import amijson_path, secrets_of

SCHEMA = json.loads((pathlib.Path(__file__).resolve().parents[2] / "amijson" / "doctor.schema.json").read_text())
NAMES = ["settings", "secret", "resolve", "tcp", "tls", "ami", "http", "login", "classes", "allowlist", "rx"]
WRONG_SECRET = "not-the-secret-5e2b7"  # no word of the hints: the output redacts the secret used


def check_document(stdout):
    assert stdout.endswith("\n") and stdout.count("\n") == 1, "not exactly one line: %r" % stdout[:300]
    doc = json.loads(stdout)
    jsonschema.validate(doc, SCHEMA)
    assert [check["name"] for check in doc["checks"]] == NAMES
    return doc


@pytest.fixture
def doctor(amijson, sandbox):
    """``doctor(*options, env=...)``: ``amijson OPTIONS doctor`` against this release's sandbox,
    with its HTTP port and its ``asterisk`` for the rx route."""
    def run(*options, env=None):
        full = {"AMIJSON_HTTP_PORT": sandbox["AMIJSON_SANDBOX_HTTP_PORT"],
                "AMIJSON_ASTERISK": sandbox["AMIJSON_ASTERISK"]}
        full.update(env or {})
        result = amijson(*options, "doctor", env=full, expect_json=False, timeout=60)
        result.doc = check_document(result.stdout)
        result.checks = {check["name"]: check for check in result.doc["checks"]}
        return result
    return run


def test_healthy(doctor, sandbox):
    run = doctor()
    assert run.returncode == 0 and run.doc["ok"], run.doc
    for name in NAMES:
        expected = None if name in ("tls", "allowlist") else True  # not asked for; no allow-list here
        assert run.checks[name]["ok"] is expected, run.checks[name]
    assert run.checks["ami"]["seen"]["asterisk"] == sandbox.release
    assert run.checks["http"]["seen"]["server"].startswith("Asterisk/%s." % sandbox.release)
    classes = run.checks["classes"]["seen"]
    assert classes["command"] and classes["originate"]
    assert "command" in classes["manager_user"]["write"]
    assert classes["event_classes"] == classes["manager_user"]["read"] and "call" in classes["event_classes"]
    assert classes["manager_user"]["acl"] == ["deny 0.0.0.0/0.0.0.0", "allow 127.0.0.1/255.255.255.255"]
    assert run.checks["rx"]["seen"]["answer"].startswith("Asterisk %s." % sandbox.release)


def test_healthy_over_tls(doctor, sandbox):
    run = doctor("--tls", "--port", sandbox["AMIJSON_SANDBOX_TLS_PORT"], "--cafile", sandbox["AMIJSON_SANDBOX_CAFILE"],
                 env={"AMIJSON_HTTP_PORT": sandbox["AMIJSON_SANDBOX_HTTPS_PORT"]})
    assert run.returncode == 0 and run.doc["route"] == "ami+tls", run.doc
    tls = run.checks["tls"]["seen"]
    assert tls["verified"] is True and tls["certificate"]["subject"] == "CN=localhost"
    assert tls["certificate"]["names_host"] is True and "IP:127.0.0.1" in tls["certificate"]["names"]
    assert tls["certificate"]["days_left"] > 300
    assert run.checks["login"]["seen"]["method"] == "plain"  # the certificate was verified
    assert run.checks["http"]["seen"]["url"].startswith("https://")


def test_healthy_over_http(doctor):
    run = doctor("--via", "http")
    assert run.returncode == 0 and run.doc["route"] == "http", run.doc
    assert run.checks["login"]["seen"]["over"] == "HTTP" and run.checks["classes"]["seen"]["command"]


def test_wrong_secret(doctor, sandbox):
    manager_conf = os.path.join(sandbox["AMIJSON_SANDBOX_ROOT"], "etc/asterisk/manager.conf")
    run = doctor("--manager-conf", manager_conf, env={"AMIJSON_SECRET": WRONG_SECRET})
    login = run.checks["login"]
    assert run.returncode == 4 and run.doc["error"]["code"] == "auth", run.doc
    assert login["ok"] is False and "Authentication failed" in login["summary"]
    assert "the secret differs from [amijson]'s secret = in %s" % manager_conf in login["summary"]
    assert "[amijson] section" in login["hint"] and "permit" in login["hint"]
    assert WRONG_SECRET not in run.stdout
    for secret in secrets_of(sandbox):
        assert secret not in run.stdout and secret not in run.stderr


def test_unknown_user(doctor, sandbox):
    manager_conf = os.path.join(sandbox["AMIJSON_SANDBOX_ROOT"], "etc/asterisk/manager.conf")
    run = doctor("--user", "no_such_user", "--manager-conf", manager_conf)
    login = run.checks["login"]
    assert run.returncode == 4 and login["ok"] is False, run.doc
    assert "has no [no_such_user] section: the user does not exist" in login["summary"]


def test_user_without_command(doctor, sandbox):
    run = doctor("--user", sandbox["AMIJSON_SANDBOX_READONLY_USER"],
                 env={"AMIJSON_SECRET": sandbox["AMIJSON_SANDBOX_READONLY_SECRET"]})
    classes = run.checks["classes"]
    assert run.returncode == 4 and run.doc["error"]["code"] == "permission", run.doc
    assert run.checks["login"]["ok"] is True
    assert classes["ok"] is False and classes["seen"]["command"] is False and classes["seen"]["originate"] is True
    assert "add command to [amijson_ro]'s write = in manager.conf" in classes["hint"]


def test_http_without_rawman(doctor):
    """A /rawman Asterisk does not serve: its HTTP server's own 404, as with webenabled = no."""
    run = doctor("--via", "http", "--http-prefix", "amijson-nowhere")
    http = run.checks["http"]
    assert run.returncode == 3 and http["ok"] is False and http["needed"], run.doc
    assert "404" in http["summary"] and http["seen"]["server"].startswith("Asterisk/")
    assert "webenabled = yes" in http["hint"] and "--http-prefix" in http["hint"]


def test_http_on_the_ami_port(doctor, sandbox):
    run = doctor("--via", "http", "--http-port", sandbox["AMIJSON_PORT"])
    http = run.checks["http"]
    assert run.returncode == 6 and "speaks AMI over TCP" in http["summary"], run.doc


def test_plain_ami_port_asked_for_tls(doctor, sandbox):
    run = doctor("--tls", "--cafile", sandbox["AMIJSON_SANDBOX_CAFILE"], "--port", sandbox["AMIJSON_PORT"])
    tls = run.checks["tls"]
    assert run.returncode == 3 and run.doc["error"]["code"] == "tls", run.doc
    assert "speaks plain AMI" in tls["summary"] and "tlsbindaddr" in tls["hint"]


def _host_asterisk(sandbox, folder):
    """The sandbox root's asterisk as a host program: through the root's own dynamic loader
    (no chroot, which an unprivileged user may not do), its control socket named by its
    host path in an asterisk.conf of its own."""
    root = pathlib.Path(sandbox["AMIJSON_SANDBOX_ROOT"])
    conf = folder / "asterisk.conf"
    conf.write_text("[directories]\nastrundir => %s\n" % os.path.dirname(sandbox["AMIJSON_SANDBOX_CTL"]))
    launcher = folder / "asterisk"
    libraries = ":".join(str(root / folder) for folder in ("lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu",
                                                             "usr/lib"))  # 16 keeps libasteriskpj in /usr/lib
    launcher.write_text("#!/bin/sh\nexec '%s' --library-path '%s' '%s' -C '%s' \"$@\"\n" % (
        root / "usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", libraries, root / "usr/sbin/asterisk", conf))
    for path in (folder, conf, launcher):
        path.chmod(0o755)
    return launcher


def test_control_socket_unusable_for_an_unprivileged_user(sandbox):
    """--via rx as nobody: the socket (Asterisk's user's, mode 0755) takes write permission to
    connect to. nobody gets CAP_DAC_READ_SEARCH, and nothing more, to reach the sandbox
    under /root (mode 0700): it may read and search, never write, so the socket refuses it
    as it would any other user's program."""
    if shutil.which("setpriv") is None:
        pytest.fail("setpriv (util-linux) is needed to run as an unprivileged user")
    folder = pathlib.Path(tempfile.mkdtemp(prefix="amijson-doctor-"))
    try:
        launcher = _host_asterisk(sandbox, folder)
        as_root = subprocess.run([str(launcher), "-rx", "core show version"], capture_output=True, text=True,
                                 timeout=30)
        assert as_root.stdout.startswith("Asterisk %s." % sandbox.release), as_root
        env = {"PATH": os.environ["PATH"], "HOME": str(folder), "AMIJSON_ASTERISK": str(launcher),
               "AMIJSON_MANAGER_CONF": "/nonexistent"}
        env.update({key: sandbox[key] for key in ("AMIJSON_HOST", "AMIJSON_PORT", "AMIJSON_USER", "AMIJSON_SECRET")})
        env["AMIJSON_HTTP_PORT"] = sandbox["AMIJSON_SANDBOX_HTTP_PORT"]
        proc = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                               "--inh-caps=+dac_read_search", "--ambient-caps=+dac_read_search",
                               amijson_path(), "--via", "rx", "doctor"], capture_output=True, text=True, env=env,
                              timeout=60)
    finally:
        shutil.rmtree(folder)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert sandbox["AMIJSON_SECRET"] not in proc.stdout + proc.stderr
    doc = check_document(proc.stdout)
    rx = {check["name"]: check for check in doc["checks"]}["rx"]
    assert proc.returncode == 3 and doc["error"]["code"] == "rx_unavailable", doc
    socket = rx["seen"]["socket"]
    assert socket["path"] == sandbox["AMIJSON_SANDBOX_CTL"] and socket["exists"] is True
    assert socket["usable"] is False and socket["mode"] == "0755"
    assert rx["seen"]["user"] == "nobody"
    assert "no permission to use control socket" in rx["summary"]
    assert ("only %s may use it (mode 0755)" % socket["owner"]) in rx["hint"]
    assert rx["summary"].endswith("(owner %s, group %s, mode 755): run as %s"
                                  % (socket["owner"], socket["group"], socket["owner"]))  # the group may not write
    assert "astctlpermissions" in rx["hint"]
    # AMI still answers the same user: the other checks pass, and --via rx does not need them
    assert doc["checks"][NAMES.index("login")]["ok"] is True
