"""The monitoring formats against scripted peers: a PBX that cannot be reached or refuses the login
is CRITICAL for Nagios, asterisk_up 0 in a still valid exposition for Prometheus, and amijson's
error document for Zabbix; with several PBXes each format names each PBX; a secret a peer echoes
back is printed by no format. The peers speak Asterisk 13.38.3's framing (tests/fakeami.py)."""

import json
import subprocess
import time

import pytest

from conftest import amijson_path
from fakeami import BANNER_13, FakeAmi, ScriptedAmi, aid_line, challenge_13, pjsip_endpoints_13
from monitoring import check_lld, parse_exposition, parse_nagios, sample

SECRET = "peer-secret-5150"


def endpoints(names):
    """What 13.38.3 answers the endpoints query with over AMI (fakeami.pjsip_endpoints_13):
    PJSIPShowEndpoints, then PJSIPShowEndpoint for each endpoint, and CoreShowChannels."""
    return pjsip_endpoints_13(names)


def refusing(peer):
    """13.38.3 refusing the login (after its one-second pause, shortened), then hanging up."""
    peer.send(BANNER_13)
    headers = peer.expect()
    if headers is not None and headers.get("action", "").lower() == "challenge":
        peer.send(challenge_13(headers))
        headers = peer.expect()
    time.sleep(0.2)
    peer.send(b"Response: Error\r\n" + aid_line(headers or {}) + b"Message: Authentication failed\r\n\r\n")


@pytest.fixture
def good():
    peer = FakeAmi(replies=endpoints([("101", "Not in use"), ("103", "Unavailable")]))
    yield peer
    peer.close()


@pytest.fixture
def refuser():
    peer = ScriptedAmi(refusing)
    yield peer
    peer.close()


def run(args, tmp_path, config=None, env=None):
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    full = {"PATH": "/usr/bin:/bin", "HOME": str(home), "AMIJSON_MANAGER_CONF": "/nonexistent",
            "AMIJSON_ASTERISK": "/nonexistent"}
    if config is not None:
        full["AMIJSON_CONFIG"] = str(config)
    full.update(env or {})
    proc = subprocess.run([amijson_path(), *args], capture_output=True, text=True, env=full, timeout=30)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert SECRET not in proc.stdout and SECRET not in proc.stderr, "a secret reached the output"
    return proc


def single(port):
    return {"AMIJSON_HOST": "127.0.0.1", "AMIJSON_PORT": str(port), "AMIJSON_USER": "monitor",
            "AMIJSON_SECRET": SECRET, "AMIJSON_VIA": "ami"}


def test_a_refused_login_in_each_format(refuser, tmp_path):
    proc = run(["--format", "nagios", "--critical", "count[state=Unavailable]=0", "endpoints"], tmp_path,
               env=single(refuser.port))
    out = parse_nagios(proc.stdout)
    assert proc.returncode == 2 and out.state == "CRITICAL" and "auth: " in out.text
    proc = run(["--format", "prometheus", "endpoints"], tmp_path, env=single(refuser.port))
    metrics = parse_exposition(proc.stdout)
    assert proc.returncode == 4 and sample(metrics, "asterisk_up", pbx="127.0.0.1", query="endpoints") == 0
    assert sample(metrics, "amijson_error", code="auth") == 1
    proc = run(["--format", "zabbix", "endpoints"], tmp_path, env=single(refuser.port))
    assert proc.returncode == 4 and json.loads(proc.stdout)["error"]["code"] == "auth"


def test_an_unreachable_pbx_in_each_format(unused_port, tmp_path):
    proc = run(["--format", "nagios", "endpoints"], tmp_path, env=single(unused_port))
    assert proc.returncode == 2 and parse_nagios(proc.stdout).state == "CRITICAL"
    target = tmp_path / "amijson.prom"
    proc = run(["--format", "prometheus", "--output", str(target), "endpoints"], tmp_path, env=single(unused_port))
    assert proc.returncode == 3 and proc.stdout == ""
    assert sample(parse_exposition(target.read_text()), "asterisk_up", query="endpoints") == 0


def test_an_answer_in_each_format(good, tmp_path):
    proc = run(["--format", "nagios", "--warning", "count[state=Unavailable]=0", "endpoints"], tmp_path,
               env=single(good.port))
    out = parse_nagios(proc.stdout)
    assert proc.returncode == 1 and out.state == "WARNING"
    assert out.perfdata["count"]["value"] == 2 and out.perfdata["count[state:Unavailable]"]["value"] == 1
    proc = run(["--format", "prometheus", "endpoints"], tmp_path, env=single(good.port))
    metrics = parse_exposition(proc.stdout)
    assert proc.returncode == 0 and sample(metrics, "asterisk_endpoint_state", endpoint="103", state="Unavailable") == 1
    proc = run(["--format", "zabbix", "endpoints"], tmp_path, env=single(good.port))
    rows = check_lld(proc.stdout)
    assert proc.returncode == 0 and [row["{#ENDPOINT}"] for row in rows] == ["101", "103"]


def test_a_peer_that_echoes_the_secret_never_gets_it_printed(tmp_path):
    def settings(h):  # 13.38.3 CoreSettings, its version replaced by the secret
        return (b"Response: Success\r\n" + aid_line(h) + b"AMIversion: 2.10.6\r\nAsteriskVersion: "
                + SECRET.encode() + b"\r\nSystemName: \r\nCoreMaxCalls: 0\r\n\r\n")
    peer = FakeAmi(replies=dict(endpoints([(SECRET, "Unavailable"), ("x" + SECRET, "In use")]),
                                coresettings=settings))
    try:
        for args in (["--format", "nagios", "version"], ["--format", "prometheus", "version"],
                     ["--format", "prometheus", "endpoints"], ["--format", "zabbix", "endpoints"],
                     ["--format", "zabbix", "--pretty", "version"]):
            proc = run(args, tmp_path, env=single(peer.port))  # run() asserts the secret is nowhere
            assert proc.returncode in (0, 1) and "********" in proc.stdout, proc.stdout
    finally:
        peer.close()


def test_several_pbxes_each_named_in_each_format(good, refuser, unused_port, tmp_path):
    config = tmp_path / "fleet.conf"
    config.write_text("[default]\nuser = monitor\nsecret = %s\nauth = plain\nvia = ami\n"
                      "[good]\nport = %d\n[refusing]\nport = %d\n[dead]\nport = %d\n"
                      % (SECRET, good.port, refuser.port, unused_port))
    config.chmod(0o600)
    fleet = ["--profiles", "good,refusing,dead"]

    proc = run(fleet + ["--format", "nagios", "--warning", "count[state=Unavailable]=0", "endpoints"], tmp_path, config)
    out = parse_nagios(proc.stdout)
    assert proc.returncode == 2 and out.text == ("AMIJSON CRITICAL - endpoints of 3 PBXes: "
                                                 "2 CRITICAL (refusing, dead), 1 WARNING (good)")
    assert [line.split(":")[0] for line in out.long_text] == ["good", "refusing", "dead"]
    assert out.long_text[1].startswith("refusing: CRITICAL - auth: ")
    assert out.perfdata["good::count"]["value"] == 2 and set(out.perfdata) == {"good::count",
                                                                               "good::count[state:Unavailable]"}

    proc = run(fleet + ["--format", "prometheus", "endpoints"], tmp_path, config)
    metrics = parse_exposition(proc.stdout)
    assert proc.returncode == 9
    assert [(labels["pbx"], value) for labels, value in metrics["asterisk_up"]["samples"]] == [
        ("good", 1), ("refusing", 0), ("dead", 0)]
    assert sample(metrics, "amijson_error", pbx="dead", code="connect") == 1
    assert sample(metrics, "asterisk_endpoint_state", pbx="good", endpoint="101") == 1

    proc = run(fleet + ["--format", "zabbix", "endpoints"], tmp_path, config)
    rows = check_lld(proc.stdout)
    assert proc.returncode == 9 and {row["{#PBX}"] for row in rows} == {"good"} and len(rows) == 2

    proc = run(["--profiles", "refusing,dead", "--format", "zabbix", "endpoints"], tmp_path, config)
    doc = json.loads(proc.stdout)  # nothing answered: the fleet document says why
    assert proc.returncode == 9 and doc["error"]["code"] == "partial" and len(doc["pbxes"]) == 2


def test_a_fleet_that_cannot_start_is_unknown(tmp_path):
    proc = run(["--profiles", "a,b", "--format", "nagios", "endpoints"], tmp_path, env={"AMIJSON_CONFIG": "/none"})
    out = parse_nagios(proc.stdout)
    assert proc.returncode == 3 and out.text.startswith("AMIJSON UNKNOWN - config: config file not found")
    proc = run(["--profiles", "a,b", "--format", "prometheus", "endpoints"], tmp_path, env={"AMIJSON_CONFIG": "/none"})
    assert proc.returncode == 2 and sample(parse_exposition(proc.stdout), "amijson_error", code="config") == 1
