"""Several PBXes in one run (--profiles, a --host list), against scripted peers that record what
they receive: each PBX gets its own secret and no other, a stray environment setting cannot send
the fleet elsewhere, one dead or silent PBX costs its own document only, all within the deadline.

The peers speak Asterisk 13.38.3's framing (tests/fakeami.py)."""

import hashlib
import json
import pathlib
import shutil
import subprocess
import time

import jsonschema
import pytest
from referencing import Registry, Resource

from conftest import REPO, SCHEMA, amijson_path
from fakeami import Decoy, FakeAmi, ScriptedAmi, aid_line

FLEET_SCHEMA = json.loads((REPO / "amijson" / "fleet.schema.json").read_text())
REGISTRY = Registry().with_resource("amijson-document", Resource.from_contents(SCHEMA))
SECRETS = {"alpha": "alpha-secret-11", "beta": "beta-secret-22", "gamma": "gamma-secret-33"}
ENV_SECRET = "environment-secret-44"


def ping(h):
    return b"Response: Success\r\n" + aid_line(h) + b"Ping: Pong\r\nTimestamp: 1.0\r\n\r\n"


def channels(name):
    """CoreShowChannels as 13.38.3 sends it: an ack, one event per channel, the complete event."""
    def reply(h):
        aid = aid_line(h)
        out = [b"Response: Success\r\n" + aid + b"EventList: start\r\nMessage: Channels will follow\r\n\r\n"]
        for i in range(2):
            out.append(b"Event: CoreShowChannel\r\n" + aid + b"Channel: PJSIP/%s-%d\r\nChannelStateDesc: Up\r\n"
                       b"Duration: 00:00:0%d\r\n\r\n" % (name.encode(), i, i))
        out.append(b"Event: CoreShowChannelsComplete\r\n" + aid + b"EventList: Complete\r\nListItems: 2\r\n\r\n")
        return b"".join(out)
    return reply


def run(args, env, config=None, timeout=30, prefix=()):
    full = {"PATH": "/usr/bin:/bin", "HOME": str(env["HOME"]), "AMIJSON_MANAGER_CONF": "/nonexistent",
            "AMIJSON_ASTERISK": "/nonexistent"}
    full.update({k: v for k, v in env.items() if k != "HOME"})
    if config is not None:
        full["AMIJSON_CONFIG"] = str(config)
    proc = subprocess.run([*prefix, amijson_path(), *args], capture_output=True, text=True, env=full,
                          timeout=timeout)
    assert "Traceback" not in proc.stderr, proc.stderr
    for secret in list(SECRETS.values()) + [ENV_SECRET]:
        assert secret not in proc.stdout and secret not in proc.stderr, "a secret reached the output"
    return proc


def fleet_document(proc):
    assert proc.stdout.endswith("\n") and proc.stdout.count("\n") == 1, proc.stdout[:300]
    doc = json.loads(proc.stdout)
    jsonschema.Draft202012Validator(FLEET_SCHEMA, registry=REGISTRY).validate(doc)
    for pbx in doc["pbxes"]:  # each one a complete single-PBX document
        jsonschema.validate(pbx, SCHEMA)
    return doc


def write_config(path, profiles, default=""):
    text = "[default]\nuser = fault\n" + default
    for name, body in profiles.items():
        text += "\n[%s]\n%s" % (name, "".join("%s = %s\n" % item for item in body.items()))
    path.write_text(text)
    path.chmod(0o600)
    return path


@pytest.fixture
def peers():
    made = {name: FakeAmi(replies={"ping": ping, "coreshowchannels": channels(name)}) for name in SECRETS}
    yield made
    for peer in made.values():
        peer.close()


@pytest.fixture
def home(tmp_path):
    (tmp_path / "home").mkdir()
    return {"HOME": tmp_path / "home"}


def profiles_for(peers, auth="plain"):
    return {name: {"host": "127.0.0.1", "port": peer.port, "secret": SECRETS[name], "auth": auth}
            for name, peer in peers.items()}


def logins(peer):
    return [h for h in peer.received if h.get("action", "").lower() == "login"]


def test_each_pbx_gets_its_own_secret_and_no_other(peers, home, tmp_path):
    config = write_config(tmp_path / "fleet.conf", profiles_for(peers))
    proc = run(["--profiles", "gamma,alpha,beta", "action", "Ping"], home, config)
    doc = fleet_document(proc)
    assert proc.returncode == 0 and doc["ok"] and doc["error"] is None
    assert [pbx["pbx"] for pbx in doc["pbxes"]] == ["gamma", "alpha", "beta"]  # the order given
    assert [pbx["server"]["port"] for pbx in doc["pbxes"]] == [peers[n].port for n in ("gamma", "alpha", "beta")]
    assert doc["summary"] == {"pbxes": 3, "answered": 3, "failed": 0, "errors": {}}
    for name, peer in peers.items():
        (login,) = logins(peer)
        assert login["secret"] == SECRETS[name]
        others = [s for n, s in SECRETS.items() if n != name]
        assert not any(secret in json.dumps(peer.received) for secret in others)


def test_md5_logins_are_keyed_by_each_pbx_own_secret(peers, home, tmp_path):
    config = write_config(tmp_path / "fleet.conf", profiles_for(peers, auth="md5"))
    proc = run(["--profiles", "all", "action", "Ping"], home, config)
    assert proc.returncode == 0, proc.stdout
    for name, peer in peers.items():
        (login,) = logins(peer)
        # challenge_13 always sends 1804289383
        assert login["key"] == hashlib.md5(("1804289383" + SECRETS[name]).encode()).hexdigest()
        assert "secret" not in login


def test_the_environment_cannot_send_the_fleet_elsewhere(peers, home, tmp_path):
    decoy = Decoy()
    try:
        config = write_config(tmp_path / "fleet.conf", profiles_for(peers))
        env = dict(home, AMIJSON_HOST="127.0.0.2", AMIJSON_PORT=str(decoy.port), AMIJSON_SECRET=ENV_SECRET,
                   AMIJSON_USER="intruder", AMIJSON_VIA="http", AMIJSON_CONSOLE="/run/other.ctl")
        proc = run(["--profiles", "all", "action", "Ping"], env, config)
        doc = fleet_document(proc)
        assert proc.returncode == 0 and doc["ok"], doc
        assert any("AMIJSON_HOST" in w and "AMIJSON_SECRET" in w and "AMIJSON_CONSOLE" in w and "left out" in w
                   for w in doc["warnings"])
        for name, peer in peers.items():
            (login,) = logins(peer)
            assert login["secret"] == SECRETS[name] and login["username"] == "fault"
        assert decoy.connections == []
    finally:
        decoy.close()


@pytest.mark.parametrize("args,message", [
    (["--profiles", "alpha", "--host", "127.0.0.2"], "--host cannot be combined with --profiles"),
    (["--profiles", "alpha", "--port", "1"], "--port cannot be combined with --profiles"),
    (["--profiles", "alpha", "--secret-stdin"], "--secret-stdin cannot be combined with --profiles"),
    (["--profiles", "alpha", "--console", "/run/other.ctl"], "--console cannot be combined with --profiles"),
    (["--profiles", "alpha,nope"], "no profile [nope]"),
    (["--profiles", "alpha,alpha"], "names 'alpha' more than once"),
    (["--profiles", "alpha,"], "an empty name"),
    (["--profiles", "all", "--debug"], "--debug traces one PBX"),
    (["--profiles", "all", "--parallel", "0"], "--parallel: not a whole number"),
    (["--parallel", "4"], "--parallel is for several PBXes"),
    (["--host", "127.0.0.1,127.0.0.1"], "names '127.0.0.1' more than once"),
])
def test_usage_and_config_errors_end_the_run_before_anything_connects(peers, home, tmp_path, args, message):
    config = write_config(tmp_path / "fleet.conf", profiles_for(peers))
    proc = run(args + ["action", "Ping"], home, config)
    doc = json.loads(proc.stdout)
    assert proc.returncode == 2 and doc["ok"] is False and message in doc["error"]["message"], doc
    assert all(peer.received == [] for peer in peers.values())


def test_a_dead_pbx_costs_its_own_document_only(peers, home, tmp_path, unused_port):
    profiles = profiles_for(peers)
    profiles["dead"] = {"host": "127.0.0.1", "port": unused_port, "secret": "dead-secret-55"}
    config = write_config(tmp_path / "fleet.conf", profiles)
    proc = run(["--profiles", "alpha,dead,beta", "channels"], home, config)
    doc = fleet_document(proc)
    assert proc.returncode == 9 and doc["ok"] is False
    assert doc["error"] == {"code": "partial", "message": "1 of 3 PBXes failed (connect 1)"}
    assert doc["summary"] == {"pbxes": 3, "answered": 2, "failed": 1, "errors": {"connect": 1}}
    alpha, dead, beta = doc["pbxes"]
    assert dead["error"]["code"] == "connect" and dead["pbx"] == "dead"
    assert [r["channel"] for r in alpha["records"]] == ["PJSIP/alpha-0", "PJSIP/alpha-1"]
    assert [r["duration"] for r in beta["records"]] == [0, 1]

    proc = run(["--profiles", "alpha,dead,beta", "--records", "channels"], home, config)
    assert proc.returncode == 9
    records = json.loads(proc.stdout)
    assert [(r["pbx"], r["channel"]) for r in records] == [
        ("alpha", "PJSIP/alpha-0"), ("alpha", "PJSIP/alpha-1"), ("beta", "PJSIP/beta-0"), ("beta", "PJSIP/beta-1")]
    assert list(records[0])[0] == "pbx"
    assert "amijson: dead: connect: " in proc.stderr


def test_a_silent_pbx_does_not_hold_the_run_past_its_deadline(peers, home, tmp_path):
    silent = ScriptedAmi(lambda peer: peer.wait_closed(60))  # accepts, never says a word
    try:
        profiles = profiles_for(peers)
        profiles["silent"] = {"host": "127.0.0.1", "port": silent.port, "secret": "silent-secret-66"}
        config = write_config(tmp_path / "fleet.conf", profiles)
        started = time.monotonic()
        proc = run(["--timeout", "2", "--profiles", "silent,alpha", "action", "Ping"], home, config)
        elapsed = time.monotonic() - started
        doc = fleet_document(proc)
        assert elapsed < 3.5, elapsed
        assert proc.returncode == 9 and [p["ok"] for p in doc["pbxes"]] == [False, True]
        assert doc["pbxes"][0]["error"]["code"] == "timeout"
    finally:
        silent.close()


def test_parallel_one_still_answers_every_pbx_in_order(peers, home, tmp_path):
    config = write_config(tmp_path / "fleet.conf", profiles_for(peers))
    proc = run(["--parallel", "1", "--profiles", "beta,gamma,alpha", "action", "Ping"], home, config)
    doc = fleet_document(proc)
    assert proc.returncode == 0 and [p["pbx"] for p in doc["pbxes"]] == ["beta", "gamma", "alpha"]


def test_a_host_list_shares_the_settings_and_names_each_pbx_by_host(home):
    first = FakeAmi(replies={"ping": ping})
    second = FakeAmi(replies={"ping": ping}, host="127.0.0.3", port=first.port)
    try:
        env = dict(home, AMIJSON_USER="fault", AMIJSON_SECRET=ENV_SECRET, AMIJSON_PORT=str(first.port))
        proc = run(["--host", "127.0.0.1,127.0.0.3", "action", "Ping"], env)
        doc = fleet_document(proc)
        assert proc.returncode == 0 and [p["pbx"] for p in doc["pbxes"]] == ["127.0.0.1", "127.0.0.3"]
        for peer in (first, second):
            (login,) = logins(peer)
            assert "key" in login and "secret" not in login  # md5 by default: no plain secret on the wire
    finally:
        first.close()
        second.close()


LOCAL_SECRET = "local-manager-secret-55"


def with_hosts_file(path):
    """Run a command in a mount namespace of its own where ``path`` is /etc/hosts: a real
    resolver answer for a name, without touching the machine's own file."""
    if shutil.which("unshare") is None:
        pytest.fail("unshare (util-linux) is needed to give the resolver a hosts file of the test's")
    return ("unshare", "-m", "--propagation", "private", "sh", "-c", 'mount --bind "$0" /etc/hosts && exec "$@"',
            str(path))


def test_the_local_secret_goes_to_each_host_that_is_this_machine_wherever_listed(home, tmp_path):
    """A name that stands for this machine and another address, listed first, gets no secret and
    its own document says why; the next host, this machine, gets manager.conf's secret (it got
    none, and its document named the other host)."""
    hosts = tmp_path / "hosts"
    hosts.write_text("127.0.0.1 localhost\n127.0.0.1 mixed.amijson.test\n192.0.2.7 mixed.amijson.test\n")
    manager = tmp_path / "manager.conf"
    manager.write_text("[monitor]\nsecret = %s\n" % LOCAL_SECRET)
    manager.chmod(0o600)
    peer = FakeAmi(replies={"ping": ping})
    try:
        env = dict(home, AMIJSON_USER="monitor", AMIJSON_PORT=str(peer.port), AMIJSON_MANAGER_CONF=str(manager))
        proc = run(["--host", "mixed.amijson.test,127.0.0.1", "action", "Ping"], env, prefix=with_hosts_file(hosts))
        assert LOCAL_SECRET not in proc.stdout + proc.stderr
        doc = fleet_document(proc)
    finally:
        peer.close()
    mixed, local = doc["pbxes"]
    assert mixed["pbx"] == "mixed.amijson.test" and mixed["error"]["code"] == "config"
    assert mixed["warnings"] == ["the secret for 'monitor' in %s was not used: 'mixed.amijson.test' is not only "
                                 "this machine: it stands for 192.0.2.7 too" % manager]
    assert local["pbx"] == "127.0.0.1" and local["ok"] and local["warnings"] == []
    (login,) = logins(peer)  # the one login: this machine's, keyed by its secret
    assert login["key"] == hashlib.md5(("1804289383" + LOCAL_SECRET).encode()).hexdigest()


@pytest.mark.parametrize("hosts", ["127.0.0.1,127.0.0.1.", "::1,0:0::1", "PBX.example,pbx.example.",
                                   "127.0.0.1,127.1"])
def test_one_pbx_written_twice_in_a_host_list_is_a_usage_error(home, hosts):
    peer = FakeAmi(replies={"ping": ping})
    try:
        env = dict(home, AMIJSON_USER="fault", AMIJSON_SECRET=ENV_SECRET, AMIJSON_PORT=str(peer.port))
        proc = run(["--host", hosts, "action", "Ping"], env)
    finally:
        peer.close()
    doc = fleet_document(proc)
    first, second = hosts.split(",")
    assert proc.returncode == 2 and doc["error"] == {
        "code": "usage", "message": "--host names one PBX twice: %r and %r are the same host; list it once"
                                    % (first, second)}
    assert peer.received == []


def test_a_secret_echoed_by_one_pbx_is_redacted(home, tmp_path):
    def echo(h):
        return (b"Response: Success\r\n" + aid_line(h) + b"Ping: Pong\r\nEcho: " + SECRETS["alpha"].encode()
                + b"\r\n\r\n")
    hostile = FakeAmi(replies={"ping": echo})
    try:
        config = write_config(tmp_path / "fleet.conf", {
            "alpha": {"host": "127.0.0.1", "port": hostile.port, "secret": SECRETS["alpha"]}})
        proc = run(["--profiles", "alpha", "action", "Ping"], home, config)  # run() asserts the secret is absent
        doc = fleet_document(proc)
        assert doc["pbxes"][0]["response"]["Echo"] == "********"
        assert "the secret appeared in Asterisk's answer and was redacted" in doc["warnings"]
    finally:
        hostile.close()


def test_the_fleet_schema_is_installed_beside_the_single_one():
    import amijson
    installed = pathlib.Path(amijson.__file__).parent
    for name in ("document.schema.json", "fleet.schema.json"):
        assert (installed / name).read_text() == (REPO / "amijson" / name).read_text()
