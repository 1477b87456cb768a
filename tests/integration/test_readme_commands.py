"""Every command the README and php-examples/README.md show, run as written.

Each ``amijson ...`` line of a ```sh block of README.md, and each ``php ...`` line of
php-examples/README.md's, runs in bash, in the checkout, after
``eval "$(scripts/asterisk-sandbox env)"``: nothing else set but a clean HOME whose config names
the profiles the README uses. Each must exit 0 and print what it promises (a valid document, or
the format it asks for). The few that cannot run here are named in ``CANNOT_RUN`` with the reason.
"""

import json
import os
import re
import shlex
import subprocess

import jsonschema
import pytest

from conftest import REPO, SANDBOX, SCHEMA, secrets_of
from monitoring import check_lld, parse_exposition, parse_nagios

README = REPO / "README.md"
PHP_README = REPO / "php-examples" / "README.md"
DOCTOR_SCHEMA = json.loads((REPO / "amijson" / "doctor.schema.json").read_text())

# A line is left out only for a reason that holds on any machine.
CANNOT_RUN = {
    "--host pbx1.example.net,pbx2.example.net": "placeholder host names, for the syntax",
    "--output /var/lib/prometheus/node-exporter/": "writes into node_exporter's folder (tests/integration/"
                                                   "test_monitoring.py runs the shipped unit that does)",
}
# The profiles the README's fleet examples name, in the HOME config the commands run with.
PROFILES = ("pbx1", "pbx2", "pbx3")


def shell_lines(path, program):
    """The lines of ```sh blocks that run ``program``, comments left out."""
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", path.read_text(), re.S):
        for line in block.splitlines():
            words = shlex.split(line, comments=True)
            if words and words[0] == program:
                lines.append(shlex.join(words))
    return lines


def test_the_readmes_show_commands():
    assert len(shell_lines(README, "amijson")) >= 10
    assert len(shell_lines(PHP_README, "php")) >= 4
    for reason_key in CANNOT_RUN:  # an exemption no line needs is a stale one
        assert any(reason_key in line for line in shell_lines(README, "amijson")), reason_key


@pytest.fixture
def shell(sandbox, tmp_path):
    home = tmp_path / "home"
    (home / ".config" / "amijson").mkdir(parents=True)
    config = home / ".config" / "amijson" / "config"
    config.write_text("".join("[%s]\nhost = %s\nport = %s\nuser = %s\nsecret = %s\n\n"
                              % (name, sandbox["AMIJSON_HOST"], sandbox["AMIJSON_PORT"], sandbox["AMIJSON_USER"],
                                 sandbox["AMIJSON_SECRET"]) for name in PROFILES))
    config.chmod(0o600)
    # the sandbox's own cache stays where it is (scripts/asterisk-sandbox finds it through XDG_CACHE_HOME)
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "LANG": "C.UTF-8", "XDG_CACHE_HOME": cache,
           "AMIJSON_SANDBOX_RELEASE": sandbox.release}
    secrets = secrets_of(sandbox)

    def run(line):
        script = 'eval "$(%s env)"\n%s\n' % (shlex.quote(str(SANDBOX)), line)
        proc = subprocess.run(["bash", "-c", script], cwd=str(REPO), capture_output=True, text=True, env=env,
                              timeout=120)
        assert "Traceback" not in proc.stderr, proc.stderr
        for secret in secrets:
            assert secret not in proc.stdout and secret not in proc.stderr, "a secret reached the output"
        return proc

    return run


def check_output(line, proc):
    """What the line promises: its format's output, or one valid document."""
    words = shlex.split(line)
    fmt = words[words.index("--format") + 1] if "--format" in words else "json"
    if fmt == "nagios":  # its exit code is the check's state, OK to CRITICAL here
        assert proc.returncode in (0, 1, 2), (line, proc.returncode, proc.stdout, proc.stderr)
        parse_nagios(proc.stdout)
        return
    assert proc.returncode == 0, (line, proc.returncode, proc.stdout[-2000:], proc.stderr[-2000:])
    if fmt == "prometheus":
        parse_exposition(proc.stdout)
    elif fmt == "zabbix":
        if proc.stdout.lstrip().startswith("["):
            check_lld(proc.stdout)
        else:
            assert isinstance(json.loads(proc.stdout), dict)
    elif fmt == "text":
        assert proc.stdout.strip(), line
    elif words[1] == "doctor":
        jsonschema.validate(json.loads(proc.stdout), DOCTOR_SCHEMA)
    else:
        assert proc.stdout.endswith("\n") and proc.stdout.count("\n") == 1 or "--pretty" in words, proc.stdout[:300]
        doc = json.loads(proc.stdout)
        if "--records" in words:
            assert isinstance(doc, list), line
        elif "--profiles" in words or ("--host" in words and "," in words[words.index("--host") + 1]):
            assert doc["ok"] is True and doc["pbxes"], doc
            for pbx in doc["pbxes"]:
                jsonschema.validate(pbx, SCHEMA)
        else:
            jsonschema.validate(doc, SCHEMA)
            assert doc["ok"] is True, doc


@pytest.mark.release("22")  # the README's own sandbox, the default one
@pytest.mark.parametrize("line", shell_lines(README, "amijson"))
def test_each_readme_command_runs_as_written(line, shell):
    for key, reason in CANNOT_RUN.items():
        if key in line:
            pytest.skip(reason)
    check_output(line, shell(line))


@pytest.mark.release("22")
@pytest.mark.parametrize("line", shell_lines(PHP_README, "php"))
def test_each_php_readme_command_runs_as_written(line, shell):
    proc = shell(line)
    assert proc.returncode == 0, (line, proc.stdout[-2000:], proc.stderr[-2000:])
    for bad in ("PHP Warning", "PHP Notice", "PHP Deprecated", "Warning:", "Deprecated:"):
        assert bad not in proc.stderr, proc.stderr
    assert json.loads(proc.stdout) is not None


def readme_manager_user():
    """The read = and write = classes of the README's first manager.conf user."""
    block = next(b for b in re.findall(r"```ini\n(.*?)```", README.read_text(), re.S) if "[general]" in b)
    user = block.split("[amijson]", 1)[1]
    return {key: re.search(r"^%s = ([\w,]+)" % key, user, re.M).group(1) for key in ("read", "write")}


def test_the_readmes_manager_user_answers_every_query(amijson, sandbox):
    """The sandbox's amijson_least has exactly the README user's classes, and that is enough for
    every named query, a CLI command and the actions the README shows."""
    conf = open(os.path.join(sandbox["AMIJSON_SANDBOX_ROOT"], "etc/asterisk/manager.conf")).read()
    least = conf.split("[%s]" % sandbox["AMIJSON_SANDBOX_LEAST_USER"], 1)[1].split("\n[", 1)[0]
    assert {key: re.search(r"^%s = ([\w,]+)" % key, least, re.M).group(1) for key in ("read", "write")} \
        == readme_manager_user(), "the README's manager.conf user and the sandbox's amijson_least differ"
    env = {"AMIJSON_USER": sandbox["AMIJSON_SANDBOX_LEAST_USER"],
           "AMIJSON_SECRET": sandbox["AMIJSON_SANDBOX_LEAST_SECRET"], "AMIJSON_VIA": "ami"}
    from amijson.queries import QUERIES
    for question in [[q] for q in QUERIES] + [["command", "core show channels concise"],
                                               ["action", "CoreShowChannels"],
                                               ["action", "DBGet", "Family=amijson/cidname", "Key=5551234"]]:
        run = amijson(*question, env=env)
        if question == ["peers"] and sandbox.release != "16":
            # no chan_sip (gone from 21 on): SIPpeers is unknown, not a question of classes
            assert run.returncode == 1 and "chan_sip is not loaded" in run.doc["error"]["message"], run.doc
            continue
        assert run.returncode == 0 and run.doc["ok"], (question, run.doc["error"])
