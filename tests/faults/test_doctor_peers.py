"""amijson doctor against scripted peers: each failure ends in a clean failed check, with
the setting to change, the right exit code, within the deadline, no traceback and no
secret in any output; and nothing is sent to a peer that has not shown itself as AMI.

Where a script plays a well-behaved Asterisk it follows Asterisk 13.38.3's framing
(tests/fakeami.py). AMI's and the HTTP server's ports point where nothing listens
(AMIJSON_PORT, AMIJSON_HTTP_PORT) unless a test gives its peer's, so that no sandbox
on 5038 or 8088 answers instead.
"""

import json
import os
import pathlib
import socket
import ssl
import subprocess

import jsonschema
import pytest

from conftest import FAULT_SECRET
from fakeami import FakeAmi, ScriptedAmi, aid_line, command_follows_13, http_reply_22, login_refused_13

REPO = pathlib.Path(__file__).resolve().parents[2]
SCHEMA = json.loads((REPO / "amijson" / "doctor.schema.json").read_text())
NAMES = ["settings", "secret", "resolve", "tcp", "tls", "ami", "http", "login", "classes", "allowlist", "rx"]
DEADLINE = 6.0


def check_document(stdout):
    """Exactly one doctor document on stdout, valid against its schema, every check in order."""
    assert stdout.endswith("\n") and stdout.count("\n") == 1, "not exactly one line: %r" % stdout[:300]
    doc = json.loads(stdout)
    jsonschema.validate(doc, SCHEMA)
    assert [check["name"] for check in doc["checks"]] in ([], NAMES)
    return doc


def checks(doc):
    return {check["name"]: check for check in doc["checks"]}


@pytest.fixture
def doctor(amijson_offline, unused_port):
    """``doctor(*options, env=...)``: ``amijson OPTIONS doctor`` against scripted peers."""
    def run(*options, env=None, timeout=DEADLINE, **kwargs):
        full = {"AMIJSON_PORT": str(unused_port), "AMIJSON_HTTP_PORT": str(unused_port)}
        full.update(env or {})
        result = amijson_offline("--timeout", str(timeout), *options, "doctor", env=full, expect_json=False,
                                 timeout=timeout + 30, **kwargs)
        assert result.elapsed < timeout + 1.0, "took %.1fs past a %ss deadline" % (result.elapsed, timeout)
        result.doc = check_document(result.stdout)
        result.checks = checks(result.doc)
        return result
    return run


# --- Asterisk 13.38.3's ListCommands and `manager show user` --------------------------------

def list_commands_13(command=True):
    """action_listcommands: one header per action the user's write classes allow, ``Name:
    Synopsis  (Priv: classes)``; ``all`` ends every class list, ``<none>`` marks no class."""
    actions = [(b"Ping", b"Keepalive command.", b"<none>"),
               (b"CoreShowChannels", b"List currently active channels.", b"system,reporting,all"),
               (b"Hangup", b"Hangup channel.", b"system,call,all"),
               (b"Getvar", b"Gets a channel variable or function value.", b"call,reporting,all"),
               (b"Setvar", b"Sets a channel variable or function value.", b"call,all"),
               (b"Originate", b"Originate a call.", b"originate,all"),
               (b"UserEvent", b"Send an arbitrary event.", b"user,all")]
    if command:
        actions.append((b"Command", b"Execute Asterisk CLI Command.", b"command,all"))

    def reply(h):
        return (b"Response: Success\r\n" + aid_line(h)
                + b"".join(b"%s: %s  (Priv: %s)\r\n" % action for action in actions) + b"\r\n")
    return reply


MANAGER_SHOW_USER_13 = (b"\n          username: fault\n            secret: <Set>\n               ACL: no\n"
                        b"         read perm: system,call,reporting,all\n"
                        b"        write perm: system,call,command,originate,user,reporting,all\n"
                        b"   displayconnects: yes\n")


def healthy_13(**more):
    replies = {"listcommands": list_commands_13(), "command": command_follows_13(MANAGER_SHOW_USER_13)}
    replies.update(more)
    return FakeAmi(replies=replies)


# --- a healthy peer -------------------------------------------------------------------------

def test_a_healthy_peer_passes_every_check_ami_needs(doctor):
    with healthy_13() as server:
        run = doctor("--port", str(server.port))
    assert run.returncode == 0 and run.doc["ok"] and run.doc["error"] is None, run.doc
    assert run.doc["via"] == "auto" and run.doc["route"] == "ami"
    found = run.checks
    for name in ("settings", "secret", "resolve", "tcp", "ami", "login", "classes"):
        assert found[name]["ok"] is True and found[name]["needed"] is True, found[name]
    assert found["tls"]["ok"] is None and not found["tls"]["needed"]
    assert found["ami"]["seen"] == {"banner": "Asterisk Call Manager/2.10.6", "ami_version": "2.10.6",
                                    "asterisk": "12 or 13"}
    assert found["login"]["seen"]["method"] == "md5"
    classes = found["classes"]["seen"]
    assert classes["command"] is True and classes["originate"] is True and classes["actions"] == 8
    # classes an action needs alone; Hangup's "system,call" names neither for sure
    assert classes["action_classes"] == ["call", "command", "originate", "user"]
    assert classes["manager_user"]["write"] == ["system", "call", "command", "originate", "user", "reporting", "all"]
    # the read classes are the event classes this user gets, and the summary says them
    assert classes["event_classes"] == ["system", "call", "reporting", "all"]
    assert "read (the event classes it gets) = system,call,reporting,all" in found["classes"]["summary"]
    # the HTTP check and the rx route failed, but --via auto does not need them
    assert found["http"]["ok"] is False and not found["http"]["needed"]
    assert found["rx"]["ok"] is False and not found["rx"]["needed"]
    # MD5: the secret never crossed the wire; and the session ended with a Logoff
    assert [a for a in server.actions()] == ["challenge", "login", "listcommands", "command", "logoff"]
    assert all("secret" not in h for h in server.received)


# --- the failures ---------------------------------------------------------------------------

def test_a_plain_server_on_the_tls_port(doctor):
    """--tls against a plain AMI server: the TLS check names what the port speaks, and the
    setting to change; nothing (no user name, no secret) is sent to it."""
    with FakeAmi() as server:
        run = doctor("--port", str(server.port), "--tls", "--insecure")
    assert run.returncode == 3 and run.doc["error"]["code"] == "tls", run.doc
    tls = run.checks["tls"]
    assert tls["ok"] is False and tls["needed"] and tls["code"] == "tls"
    assert "speaks plain AMI" in tls["summary"] and "Asterisk Call Manager/2.10.6" in tls["summary"]
    assert tls["seen"]["plain_greeting"].startswith("Asterisk Call Manager/")
    assert "tlsbindaddr" in tls["hint"] and "--port" in tls["hint"] and "--tls" in tls["hint"]
    for name in ("ami", "login", "classes"):
        assert run.checks[name]["ok"] is None and run.checks[name]["summary"].startswith("not run")
    assert server.received == []


def test_a_silent_peer(doctor):
    """A peer that accepts and never sends the banner costs one check, within its step."""
    with ScriptedAmi(lambda peer: peer.wait_closed()) as server:
        run = doctor("--port", str(server.port), "--connect-timeout", "1")
    assert run.returncode == 5 and run.doc["error"]["code"] == "timeout", run.doc
    ami = run.checks["ami"]
    assert ami["ok"] is False and ami["code"] == "timeout"
    assert "sent no AMI banner within 2s" in ami["summary"]
    assert "manager.conf's port" in ami["hint"] and "--via http" in ami["hint"]
    assert run.checks["tcp"]["ok"] is True
    assert run.checks["login"]["ok"] is None
    assert run.elapsed < 4, run.elapsed  # the silent banner cost its step (2 s), not the whole run
    assert server.received == []


def certificate(tmp_path, *extra):
    """(a TLS server context, the certificate's path): a fresh self-signed certificate for
    CN=localhost, valid one day, with ``extra`` openssl req options."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-keyout", str(key),
                    "-out", str(cert), "-subj", "/CN=localhost", *extra], check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    return context, cert


class TlsAmi(FakeAmi):
    """FakeAmi behind a TLS handshake."""

    def __init__(self, context, **kwargs):
        self.context = context
        super().__init__(**kwargs)

    def _converse(self, peer):
        try:
            peer.conn = self.context.wrap_socket(peer.conn, server_side=True)
        except (ssl.SSLError, OSError):
            return
        super()._converse(peer)


def test_a_certificate_that_does_not_name_the_host(doctor, tmp_path):
    context, cert = certificate(tmp_path, "-addext", "subjectAltName=DNS:localhost")
    with TlsAmi(context) as server:
        run = doctor("--port", str(server.port), "--tls", "--cafile", str(cert))
    tls = run.checks["tls"]
    assert run.returncode == 3 and tls["ok"] is False and tls["code"] == "tls", run.doc
    facts = tls["seen"]["certificate"]
    assert facts["subject"] == "CN=localhost" and facts["names"] == ["DNS:localhost"]
    assert facts["names_host"] is False and facts["days_left"] == 0 and len(facts["sha256"]) == 64
    assert "names DNS:localhost, not 127.0.0.1" in tls["hint"] and "subjectAltName" in tls["hint"]
    assert [h.get("action") for h in server.received] == []


def test_a_certificate_nobody_here_trusts(doctor, tmp_path):
    context, _ = certificate(tmp_path, "-addext", "subjectAltName=IP:127.0.0.1")
    with TlsAmi(context) as server:
        run = doctor("--port", str(server.port), "--tls")
    tls = run.checks["tls"]
    assert run.returncode == 3 and tls["ok"] is False, run.doc
    assert tls["seen"]["certificate"]["names_host"] is True
    assert "--cafile" in tls["hint"] and "CN=localhost" in tls["hint"]


def test_a_verified_certificate_that_expires_soon(doctor, tmp_path):
    context, cert = certificate(tmp_path, "-addext", "subjectAltName=IP:127.0.0.1")
    with TlsAmi(context, replies={"listcommands": list_commands_13(),
                                  "command": command_follows_13(MANAGER_SHOW_USER_13)}) as server:
        run = doctor("--port", str(server.port), "--tls", "--cafile", str(cert))
    tls = run.checks["tls"]
    assert run.returncode == 0 and tls["ok"] is True and tls["seen"]["verified"] is True, run.doc
    assert tls["hint"] == "the certificate expires in 0 days: renew manager.conf's tlscertfile"
    assert run.checks["login"]["seen"]["method"] == "plain"  # verified: the plain login, as a run would
    assert server.received[0]["secret"] == FAULT_SECRET


def test_a_silent_tls_peer(doctor):
    """Accepts, then neither speaks nor finishes a TLS handshake."""
    with ScriptedAmi(lambda peer: peer.wait_closed()) as server:
        run = doctor("--port", str(server.port), "--tls", "--insecure", "--connect-timeout", "1")
    tls = run.checks["tls"]
    assert run.returncode == 5 and tls["ok"] is False and tls["code"] == "timeout", run.doc
    assert "tlsbindaddr" in tls["hint"]


@pytest.mark.parametrize("greeting, words", [
    (b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n", "not an AMI banner"),
    (bytes(range(256)) * 4, "AMI banner"),
])
def test_a_peer_that_is_not_ami(doctor, greeting, words):
    def scenario(peer):
        peer.send(greeting)
        peer.wait_closed(5)
    with ScriptedAmi(scenario) as server:
        run = doctor("--port", str(server.port))
    ami = run.checks["ami"]
    assert run.returncode == 6 and ami["ok"] is False and ami["code"] == "protocol", run.doc
    assert words in ami["summary"] and "--port" in ami["hint"]
    assert server.received == []


def test_a_wrong_secret(doctor):
    """Asterisk refuses a wrong secret, an unknown user and a denied address alike: the hint
    names all three, and the secret is nowhere in the output."""
    with FakeAmi(replies={"login": login_refused_13}) as server:
        run = doctor("--port", str(server.port))
    assert run.returncode == 4 and run.doc["error"]["code"] == "auth", run.doc
    login = run.checks["login"]
    assert login["ok"] is False and login["code"] == "auth"
    assert "Authentication failed" in login["summary"]
    hint = login["hint"]
    assert "secret" in hint and "AMIJSON_SECRET" in hint  # 1) the secret, and where it came from
    assert "[fault] section" in hint  # 2) the user
    assert "permit" in hint and "127.0.0.1" in hint  # 3) the ACL, and the address this machine connects from
    assert login["seen"]["from_address"] == "127.0.0.1"
    assert run.checks["classes"]["ok"] is None
    assert server.actions() == ["challenge", "login", "listcommands"]
    assert all("secret" not in h for h in server.received)


def test_a_wrong_secret_against_this_machines_manager_conf(doctor, tmp_path):
    """On the PBX itself (loopback), with its manager.conf readable, the doctor says which of
    the three it is, without showing either secret."""
    conf = tmp_path / "manager.conf"
    conf.write_text("[general]\nenabled = yes\n\n[fault]\nsecret = the-real-one-4c1d\nread = all\nwrite = all\n")
    with FakeAmi(replies={"login": login_refused_13}) as server:
        wrong = doctor("--port", str(server.port), "--manager-conf", str(conf))
        unknown = doctor("--port", str(server.port), "--manager-conf", str(conf), "--user", "ghost")
    assert "the secret differs from [fault]'s secret = in %s" % conf in wrong.checks["login"]["summary"]
    assert wrong.checks["login"]["seen"]["manager_conf"] == {"path": str(conf), "user_found": True,
                                                           "secret_matches": False, "acl": False}
    assert "has no [ghost] section: the user does not exist" in unknown.checks["login"]["summary"]
    for run in (wrong, unknown):
        assert "the-real-one-4c1d" not in run.stdout + run.stderr


def test_a_login_the_acl_refuses(doctor, tmp_path):
    """The user exists and the secret is right: what is left is the ACL (or a manager.conf
    Asterisk has not reloaded)."""
    conf = tmp_path / "manager.conf"
    conf.write_text("[fault]\nsecret = %s\ndeny = 0.0.0.0/0.0.0.0\npermit = 10.0.0.0/255.0.0.0\n" % FAULT_SECRET)
    with FakeAmi(replies={"login": login_refused_13}) as server:
        run = doctor("--port", str(server.port), "--manager-conf", str(conf))
    login = run.checks["login"]
    assert run.returncode == 4 and login["seen"]["manager_conf"]["secret_matches"] is True, run.doc
    assert login["seen"]["manager_conf"]["acl"] is True
    assert ("[fault] in %s exists and its secret is the one used: its ACL refuses 127.0.0.1, or Asterisk has not "
            "reloaded the file" % conf) in login["summary"]


def test_a_user_without_the_command_class(doctor):
    with healthy_13(listcommands=list_commands_13(command=False)) as server:
        run = doctor("--port", str(server.port))
    assert run.returncode == 4 and run.doc["error"]["code"] == "permission", run.doc
    classes = run.checks["classes"]
    assert classes["ok"] is False and classes["code"] == "permission"
    assert classes["seen"]["command"] is False and classes["seen"]["originate"] is True
    assert classes["seen"]["manager_user"] is None  # `manager show user` takes the command class itself
    assert classes["seen"]["event_classes"] is None
    assert "command: NO" in classes["summary"]
    assert "add command to [fault]'s write = in manager.conf" in classes["hint"]
    assert "calls" in classes["hint"] and "uptime" in classes["hint"] and "status" in classes["hint"]
    assert "command" not in server.actions()


def test_a_peer_that_goes_silent_after_the_login(doctor):
    """The login passed; ListCommands never comes: the classes check fails, the login does not."""
    def silent(h):
        return b""
    with healthy_13(listcommands=silent) as server:
        run = doctor("--port", str(server.port), "--connect-timeout", "1")
    assert run.checks["login"]["ok"] is True
    classes = run.checks["classes"]
    assert run.returncode == 5 and classes["ok"] is False and classes["code"] == "timeout", run.doc
    assert server.actions()[-1] == "logoff"  # what was left of the run ended the session


# --- AMI over HTTP --------------------------------------------------------------------------

def test_http_against_nothing(doctor, unused_port):
    run = doctor("--via", "http", "--http-port", str(unused_port))
    http = run.checks["http"]
    assert run.returncode == 3 and http["ok"] is False and http["needed"], run.doc
    assert "http.conf" in http["hint"] and "enabled = yes" in http["hint"] and "bindport = %d" % unused_port \
        in http["hint"]
    assert run.checks["login"]["ok"] is None
    # AMI's checks ran too, against AMI's default port, and are not needed
    assert not run.checks["tcp"]["needed"]


def test_http_against_the_ami_port(doctor):
    with FakeAmi() as server:
        run = doctor("--via", "http", "--http-port", str(server.port))
    http = run.checks["http"]
    assert run.returncode == 6 and http["ok"] is False and http["code"] == "protocol", run.doc
    assert "speaks AMI over TCP" in http["summary"] and "bindport" in http["hint"]


def test_http_without_rawman_names_webenabled_and_the_prefix(doctor):
    """What Asterisk answers when manager.conf says webenabled = no (or the prefix is not
    http.conf's): 404 for /rawman, from its own HTTP server (main/http.c)."""
    def scenario(peer):
        while peer.expect_http() is not None:
            peer.send(http_reply_22(b"<html>404 Not Found</html>", status=b"404 Not Found"))
    with ScriptedAmi(scenario) as server:
        run = doctor("--via", "http", "--http-port", str(server.port))
    http = run.checks["http"]
    assert run.returncode == 3 and http["ok"] is False, run.doc
    assert http["seen"]["server"] == "Asterisk/22.10.1"
    assert "webenabled = yes" in http["hint"] and "--http-prefix" in http["hint"]


def test_http_healthy_then_login_and_classes_over_it(doctor):
    """--via http: login and classes go over HTTP, in the session the check opened."""
    def scenario(peer):
        replies = {"challenge": lambda h: b"Response: Success\r\n" + aid_line(h) + b"Challenge: 1804289383\r\n\r\n",
                   "login": lambda h: b"Response: Success\r\n" + aid_line(h) + b"Message: Authentication accepted"
                                      b"\r\n\r\n",
                   "listcommands": list_commands_13(command=False),
                   "logoff": lambda h: b"Response: Goodbye\r\n" + aid_line(h) + b"\r\n"}
        while True:
            h = peer.expect_http()
            if h is None:
                return
            peer.send(http_reply_22(replies[h["action"].lower()](h)))
    with ScriptedAmi(scenario) as server:
        run = doctor("--via", "http", "--http-port", str(server.port))
    assert run.checks["http"]["ok"] is True and run.checks["login"]["seen"]["over"] == "HTTP", run.doc
    assert run.checks["classes"]["ok"] is False and run.returncode == 4
    assert [h["action"].lower() for h in server.received] == ["challenge", "challenge", "login", "listcommands",
                                                              "logoff"]
    assert all("secret" not in h for h in server.received)


# --- the rx route, the secret, usage ----------------------------------------------------------

def test_rx_without_its_socket(doctor, tmp_path):
    fake = tmp_path / "asterisk"
    fake.write_text("#!/bin/sh\necho 'Unable to connect to remote asterisk (does %s/asterisk.ctl exist?)' >&2\n"
                    "exit 1\n" % tmp_path)
    fake.chmod(0o755)
    run = doctor("--via", "rx", env={"AMIJSON_ASTERISK": str(fake)})
    rx = run.checks["rx"]
    assert run.returncode == 3 and rx["ok"] is False and rx["code"] == "rx_unavailable", run.doc
    assert rx["seen"]["socket"] == {"path": "%s/asterisk.ctl" % tmp_path, "exists": False}
    assert rx["seen"]["executable"]["path"] == str(fake) and rx["seen"]["executable"]["mode"] == "0755"
    assert "Asterisk is not running here" in rx["hint"]
    # --via rx needs nothing of AMI
    assert [c["name"] for c in run.doc["checks"] if c["needed"]] == ["settings", "rx"]


def test_rx_socket_facts(tmp_path):
    """The control socket's owner, group and mode, and whether this user may use it."""
    from amijson.rx import control_socket, socket_reason
    path = tmp_path / "asterisk.ctl"
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(path))
        os.chmod(path, 0o750)
        facts = control_socket("Unable to connect to remote asterisk (does %s exist?)" % path)
    assert facts["exists"] is True and facts["mode"] == "0750" and facts["path"] == str(path)
    assert facts["usable"] is os.access(path, os.R_OK | os.W_OK)
    facts.update(usable=False, owner="asterisk", group="voice")
    assert socket_reason(facts) == ("no permission to use control socket %s (owner asterisk, group voice, mode 750): "
                                    "run as asterisk" % path)  # connecting takes write permission
    for mode, who in (("0770", "run as asterisk or a member of group voice"), ("0000", "nobody may")):
        facts["mode"] = mode
        assert socket_reason(facts).endswith(who)


def test_a_secret_file_others_can_read(doctor, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text(FAULT_SECRET + "\n")
    secret.chmod(0o644)
    with healthy_13() as server:
        run = doctor("--port", str(server.port), "--secret-file", str(secret), env={"AMIJSON_SECRET": ""})
    found = run.checks["secret"]
    assert run.returncode == 0 and found["ok"] is True, run.doc  # it works, and the hint says what to fix
    assert found["seen"]["source"] == "secret-file" and found["seen"]["file"]["mode"] == "0644"
    assert found["hint"] == "chmod 600 %s: group or others can read the secret" % secret
    assert any("chmod 600" in w for w in run.doc["warnings"])


def test_no_secret(doctor, tmp_path):
    run = doctor(env={"AMIJSON_SECRET": ""})
    found = run.checks["secret"]
    assert run.returncode == 2 and found["ok"] is False and found["code"] == "config", run.doc
    assert "AMIJSON_SECRET" in found["hint"] and "--secret-file" in found["hint"]
    assert run.checks["login"]["ok"] is None


@pytest.mark.parametrize("args, words", [
    (["doctor", "extra"], "doctor takes no operands"),
    (["--format", "nagios", "doctor"], "--format is not for doctor"),
    (["--profiles", "a,b", "doctor"], "doctor examines one PBX"),
])
def test_usage_errors(amijson_offline, args, words):
    run = amijson_offline(*args, expect_json=False)
    doc = check_document(run.stdout)
    assert run.returncode == 2 and doc["error"]["code"] == "usage" and words in doc["error"]["message"], doc
    assert doc["checks"] == []


def test_a_bad_setting_fails_the_settings_check(doctor):
    run = doctor("--via", "carrier-pigeon")
    assert run.returncode == 2 and run.checks["settings"]["ok"] is False, run.doc
    assert "--via must be" in run.checks["settings"]["summary"]
    assert all(c["ok"] is None for c in run.doc["checks"][1:])


def test_ordinary_runs_do_not_load_the_doctor(amijson_offline):
    with healthy_13(ping=lambda h: b"Response: Success\r\n" + aid_line(h) + b"Ping: Pong\r\n\r\n") as server:
        run = amijson_offline("--port", str(server.port), "action", "Ping", env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert run.returncode == 0, run.doc
    assert "amijson.cli" in run.stderr and "amijson.doctor" not in run.stderr


def test_the_schema_names_every_check():
    from amijson import doctor
    assert list(doctor.NAMES) == NAMES == SCHEMA["$defs"]["check"]["properties"]["name"]["enum"]
    assert set(doctor.NEEDS) == {"ami", "http", "rx"}
    for needs in doctor.NEEDS.values():
        assert set(needs) <= set(NAMES)


@pytest.mark.parametrize("version, release", [("11.0.0", "22"), ("5.0.4", "16"), ("3.0.0", "14"),
                                              ("2.10.6", "12 or 13"), ("1.3", "11"), ("1.1", "1.6 or 1.8"),
                                              ("x", None), ("", None), ("99999.1", None)])
def test_the_release_an_ami_version_implies(version, release):
    from amijson.doctor_state import asterisk_release
    assert asterisk_release(version) == release


def test_interrupted_is_still_one_document(tmp_path):
    """Ctrl-C in the middle: one document, the checks so far, exit 130."""
    import pexpect
    from conftest import amijson_path, offline_env

    with ScriptedAmi(lambda peer: peer.wait_closed(15)) as server:
        env = offline_env(tmp_path)
        child = pexpect.spawn(amijson_path(), ["--port", str(server.port), "--timeout", "10", "doctor"], env=env,
                              encoding="utf-8", timeout=10)
        import time
        time.sleep(1.0)  # waiting for the banner
        child.sendintr()
        child.expect(pexpect.EOF)
        child.close()
    shown = child.before.replace("\r\n", "\n")
    doc = check_document(shown[shown.index("{"):].strip() + "\n")
    assert child.exitstatus == 130 and doc["error"]["code"] == "interrupted", doc
    assert checks(doc)["tcp"]["ok"] is True and checks(doc)["ami"]["summary"] == "not run: interrupted"
    assert "Traceback" not in child.before
