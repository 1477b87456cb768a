"""A profile's allow-list on the real Asterisk 22: what it allows runs, on every route; what it
does not is refused before anything connects (tests/faults/test_allowlist_peers.py proves nothing
is sent, with a recording peer); the PHP library throws its own class for it."""

import json
import shutil
import subprocess

import pytest

from conftest import REPO, amijson_path

pytestmark = pytest.mark.release("22")

PROFILES = """\
[default]
host = {host}
port = {port}
http_port = {http_port}
user = {user}
secret = {secret}

[wall]
allow_queries = channels, queues, status
allow_commands = core show channels concise, queue show *

[watch]
allow_events = yes

[c2c]
allow_actions = Originate
pin = Originate Context={context}, Originate Async=true, Originate Channel=Local/*@{context}
forbid = Originate Application, Originate Data
"""


@pytest.fixture
def profiles(sandbox, tmp_path):
    path = tmp_path / "amijson.conf"
    path.write_text(PROFILES.format(host=sandbox["AMIJSON_HOST"], port=sandbox["AMIJSON_PORT"],
                                    http_port=sandbox["AMIJSON_SANDBOX_HTTP_PORT"], user=sandbox["AMIJSON_USER"],
                                    secret=sandbox["AMIJSON_SECRET"], context=sandbox["AMIJSON_SANDBOX_CONTEXT"]))
    path.chmod(0o600)
    sandbox.cmd("hangup", check=False)
    yield str(path)
    sandbox.cmd("hangup", check=False)


@pytest.fixture
def run(amijson, profiles):
    def go(profile, *args, **kwargs):
        return amijson("--config", profiles, "--profile", profile, *args,
                       drop=("AMIJSON_HOST", "AMIJSON_PORT", "AMIJSON_USER", "AMIJSON_SECRET"), **kwargs)
    return go


@pytest.mark.parametrize("via", ["ami", "http", "rx"])
def test_an_allowed_query_and_command_run_on_every_route(run, sandbox, via):
    options = ["--via", via] + (["--console", sandbox["AMIJSON_SANDBOX_CTL"]] if via == "rx" else [])
    query = run("wall", *options, "queues")
    assert query.returncode == 0 and query.doc["route"] == via, query.doc
    assert "support" in [record["queue"] for record in query.doc["records"]]
    command = run("wall", *options, "-rx", 'queue  show "support"')
    assert command.returncode == 0, command.doc
    assert command.doc["output"][0].startswith("support has")


@pytest.mark.parametrize("via", ["ami", "http", "rx"])
def test_what_is_not_allowed_is_refused_on_every_route(run, via):
    for args in (["endpoints"], ["-rx", "core stop now"], ["action", "Command", "Command=core stop now"],
                 ["command", "core  show channels"], ["action", "CoreShowChannels"]):
        refused = run("wall", "--via", via, *args)
        assert refused.returncode == 7 and refused.doc["error"]["code"] == "forbidden", (args, refused.doc)
        assert refused.doc["route"] is None and refused.doc["server"] is None


def test_a_pinned_originate_runs_with_its_pins_and_a_wider_one_is_refused(run, sandbox):
    context = sandbox["AMIJSON_SANDBOX_CONTEXT"]
    placed = run("c2c", "action", "Originate", "Channel=Local/wait@%s" % context, "Exten=wait", "Priority=1",
                 "Timeout=5000")
    assert placed.returncode == 0, placed.doc
    assert placed.doc["request"]["headers"]["Context"] == context and placed.doc["outcome"]["result"] == "answered"
    for extra in (["Context=default"], ["context=%s" % context, "CONTEXT=other"], ["Application=System", "Data=id"]):
        refused = run("c2c", "action", "Originate", "Channel=Local/wait@%s" % context, "Exten=wait", "Priority=1",
                      *extra)
        assert refused.returncode == 7, (extra, refused.doc)
    wider = run("c2c", "action", "Originate", "Channel=Local/100@default", "Exten=wait", "Priority=1")
    assert wider.returncode == 7 and "Channel" in wider.doc["error"]["message"]


def test_php_throws_its_own_class_for_a_refusal(profiles, tmp_path):
    php = shutil.which("php")
    if php is None:
        pytest.fail("php is not installed (scripts/test installs php-cli)")
    script = tmp_path / "forbidden.php"
    script.write_text("<?php\nrequire_once %s;\n" % json.dumps(str(REPO / "php-examples" / "amijson.php")) + """
try {
    amijson(['command', 'core stop now'], ['config' => $argv[1], 'profile' => 'wall']);
    echo "ran\\n";
} catch (AmijsonForbiddenException $e) {
    echo get_class($e), ' ', $e->getErrorCode(), ' ', $e->getExitCode(), "\\n";
}
""")
    proc = subprocess.run([php, str(script), profiles], capture_output=True, text=True, timeout=30,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "AMIJSON_BIN": amijson_path()})
    assert proc.stdout == "AmijsonForbiddenException forbidden 7\n", (proc.stdout, proc.stderr)


def test_doctor_shows_the_list_and_what_the_user_may_do_beyond_it(amijson, profiles):
    run = amijson("--config", profiles, "--profile", "wall", "doctor", expect_json=False,
                  drop=("AMIJSON_HOST", "AMIJSON_PORT", "AMIJSON_USER", "AMIJSON_SECRET"))
    doc = json.loads(run.stdout)
    assert run.returncode == 0, doc
    (check,) = [check for check in doc["checks"] if check["name"] == "allowlist"]
    assert check["ok"] is True and not check["needed"]
    assert check["seen"]["queries"] == ["channels", "queues", "status"]
    beyond = " ".join(check["seen"]["beyond"])
    assert "may run any CLI command" in beyond and "only core show channels concise, queue show *" in beyond
    assert "originate calls into any context" in beyond and "the profile forbids it" in beyond


def test_the_text_doors_obey_the_list_too(run):
    for args in (["--format", "text", "-rx", "queue show support"], ["asterisk", "-rx", "queue show support"]):
        allowed = run("wall", *args, expect_json=False)
        assert allowed.returncode == 0 and allowed.stdout.startswith("support has"), (args, allowed.stderr)
        refused = run("wall", *args[:-1], "core stop now", expect_json=False)
        assert refused.returncode == 7 and refused.stdout == "" and "forbidden" in refused.stderr, args


@pytest.mark.parametrize("via", ["ami", "http"])
def test_events_run_only_where_the_list_allows_them(run, via):
    watched = run("watch", "--via", via, "--for", "1", "events", "Event=Hangup")
    assert watched.returncode == 0 and watched.doc["events"]["bound"] == "for", watched.doc
    refused = run("wall", "--via", via, "--for", "1", "events")
    assert refused.returncode == 7 and refused.doc["error"]["code"] == "forbidden", refused.doc
    assert "allow_events" in refused.doc["error"]["message"] and refused.doc["server"] is None
