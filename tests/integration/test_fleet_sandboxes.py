"""Several real PBXes in one run: the Asterisk 22 and 16 sandboxes and a stopped one, named as
profiles of one config file. Each PBX's document in the fleet document is the document a single
run against that PBX gives (with ``pbx`` added), whatever the other members do; and the PHP
example php-examples/fleet.php shows them as a table, with the host PHP and PHP 7.4.

Both sandboxes are needed at once, so these tests run once (marked for 22) and bring up 16 too."""

import json
import os
import subprocess

import jsonschema
import pytest
from referencing import Registry, Resource

from conftest import REPO, RELEASES, SCHEMA, SELECTED, amijson_path, secrets_of
from test_php import EXAMPLES, php_exe  # noqa: F401  (the host PHP, then PHP 7.4)

FLEET_SCHEMA = json.loads((REPO / "amijson" / "fleet.schema.json").read_text())
REGISTRY = Registry().with_resource("amijson-document", Resource.from_contents(SCHEMA))
PROFILES = ("pbx22", "pbx16", "stopped")


@pytest.fixture
def fleet(sandbox, _sandboxes, tmp_path, unused_port):
    """(environment, config file, {profile: settings}) for the three PBXes: both sandboxes and a
    port on which nothing listens."""
    if not set(RELEASES) <= set(SELECTED):
        pytest.skip("the fleet tests need every release's sandbox (AMIJSON_TEST_RELEASES=%s)" % ",".join(SELECTED))
    boxes = {"pbx22": sandbox, "pbx16": _sandboxes.get("16")}
    members = {name: {"host": box["AMIJSON_HOST"], "port": box["AMIJSON_PORT"], "user": box["AMIJSON_USER"],
                      "secret": box["AMIJSON_SECRET"]} for name, box in boxes.items()}
    members["stopped"] = dict(members["pbx22"], port=str(unused_port))
    config = tmp_path / "amijson.conf"
    config.write_text("".join("[%s]\n%s\n" % (name, "".join("%s = %s\n" % item for item in settings.items()))
                              for name, settings in members.items()))
    config.chmod(0o600)
    home = tmp_path / "home"
    home.mkdir()
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "AMIJSON_MANAGER_CONF": "/nonexistent",
           "AMIJSON_CONFIG": str(config)}
    for box in boxes.values():
        box.cmd("hangup", check=False)
    secrets = [s for box in boxes.values() for s in secrets_of(box)]
    return env, members, secrets


def run(env, secrets, *args):
    proc = subprocess.run([amijson_path(), *args], capture_output=True, text=True, env=env, timeout=60)
    assert "Traceback" not in proc.stderr, proc.stderr
    for secret in secrets:
        assert secret not in proc.stdout and secret not in proc.stderr, "a secret reached the output"
    assert proc.stdout.endswith("\n") and proc.stdout.count("\n") == 1, proc.stdout[:300]
    return proc, json.loads(proc.stdout)


def without_action_id(value):
    """The document but for the ActionIDs in its response, records and complete event, which
    differ from run to run (they name the process that sent the action)."""
    if isinstance(value, dict):
        return {k: without_action_id(v) for k, v in value.items() if k != "ActionID"}
    if isinstance(value, list):
        return [without_action_id(v) for v in value]
    return value


@pytest.mark.release("22")
@pytest.mark.parametrize("question", [["endpoints"], ["queues"], ["command", "core show channels count"],
                                      ["action", "CoreShowChannels"]], ids=" ".join)
def test_each_pbx_document_is_its_single_run(fleet, question):
    env, members, secrets = fleet
    proc, doc = run(env, secrets, "--profiles", ",".join(PROFILES), *question)
    assert proc.returncode == 9, proc.stderr
    jsonschema.Draft202012Validator(FLEET_SCHEMA, registry=REGISTRY).validate(doc)
    assert [pbx["pbx"] for pbx in doc["pbxes"]] == list(PROFILES)
    assert doc["ok"] is False and doc["error"]["code"] == "partial"
    assert doc["summary"]["pbxes"] == 3 and doc["summary"]["answered"] == 2 and doc["summary"]["failed"] == 1
    for name, in_fleet in zip(PROFILES, doc["pbxes"]):
        single_proc, single = run(env, secrets, "--profile", name, *question)
        assert in_fleet.pop("pbx") == name
        assert without_action_id(in_fleet) == without_action_id(single), name
        assert (single_proc.returncode == 0) == single["ok"], (name, single_proc.returncode)
    assert [pbx["server"]["port"] for pbx in doc["pbxes"]] == [int(members[name]["port"]) for name in PROFILES]
    assert doc["summary"]["errors"] == {doc["pbxes"][2]["error"]["code"]: 1}


@pytest.mark.release("22")
def test_records_name_their_pbx(fleet):
    env, members, secrets = fleet
    proc, records = run(env, secrets, "--profiles", "all", "--records", "endpoints")
    assert proc.returncode == 9
    assert {r["pbx"] for r in records} == {"pbx22", "pbx16"}
    for record in records:
        assert list(record)[0] == "pbx"
    per_pbx = {name: sorted(r["endpoint"] for r in records if r["pbx"] == name) for name in ("pbx22", "pbx16")}
    assert per_pbx["pbx22"] == per_pbx["pbx16"] and per_pbx["pbx22"], per_pbx
    assert "stopped" in proc.stderr


@pytest.mark.release("22")
def test_fleet_php_tables_every_pbx_one_down(fleet, php_exe):
    env, members, secrets = fleet
    subprocess.run([str(REPO / "scripts" / "asterisk-sandbox"), "calls", "2", "wait"], check=True, timeout=120,
                   capture_output=True, env=dict(os.environ, AMIJSON_SANDBOX_RELEASE="16"))
    try:
        _, single = run(env, secrets, "--profile", "pbx16", "command", "core show channels count")
        proc = subprocess.run([php_exe, "-d", "display_errors=stderr", "-d", "error_reporting=-1",
                               str(EXAMPLES / "fleet.php")], capture_output=True, text=True, timeout=60,
                              env=dict(env, AMIJSON_BIN=amijson_path()))
    finally:
        subprocess.run([str(REPO / "scripts" / "asterisk-sandbox"), "hangup"], timeout=120, capture_output=True,
                       env=dict(os.environ, AMIJSON_SANDBOX_RELEASE="16"))
    for bad in ("PHP Warning", "PHP Notice", "PHP Deprecated", "Warning:", "Deprecated:", "Traceback"):
        assert bad not in proc.stderr, proc.stderr
    for secret in secrets:
        assert secret not in proc.stdout and secret not in proc.stderr
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    out = json.loads(proc.stdout)
    rows = {row["pbx"]: row for row in out["pbxes"]}
    assert list(rows) == list(PROFILES)
    assert rows["pbx22"] == {"pbx": "pbx22", "ok": True, "channels": 0, "calls": 0, "error": None}
    counted = single["records"][0]
    assert counted["active_channels"] == 4, counted
    assert rows["pbx16"] == {"pbx": "pbx16", "ok": True, "channels": 4, "calls": counted["active_calls"],
                             "error": None}
    assert rows["stopped"]["ok"] is False and rows["stopped"]["channels"] is None and rows["stopped"]["error"]
    assert out["summary"]["answered"] == 2 and out["summary"]["failed"] == 1
    table = proc.stderr.splitlines()
    assert table[0].split() == ["PBX", "CHANNELS", "CALLS", "ERROR"]
    assert table[2].split()[:3] == ["pbx16", "4", str(counted["active_calls"])], table
