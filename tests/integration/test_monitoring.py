"""The monitoring formats checked by the real tools, against the sandbox Asterisk, with live calls, a
caller waiting in a queue and endpoints that are Unavailable (103 and 104 have no contact):

* ``promtool check metrics`` (package prometheus) on every query's ``--format prometheus``, and the
  real ``prometheus-node-exporter`` serving what the shipped systemd service wrote with ``--output``;
* the real Zabbix agent (``zabbix_agentd -t``) running the shipped UserParameters, its LLD held to
  Zabbix's rules, and the shipped template's JSONPaths and macros resolved against what it returned;
* ``nagios4 -v`` on a config that includes the shipped definitions, and the real Nagios daemon
  running the shipped checks, its own status file giving their state, output and perfdata.

The tools are Debian packages that scripts/monitoring-tools installs when missing (the ``tools``
fixture runs it). Every process a test starts runs under its own PID and is stopped by it.
"""

import json
import os
import re
import shlex
import socket
import subprocess
import time
import urllib.request

import pytest

from amijson.formats import ONE_RECORD
from amijson.queries import QUERIES
from conftest import REPO, sandbox_cmd
from monitoring import check_lld, parse_exposition, parse_nagios, sample

CONTRIB = REPO / "contrib"
TOOLS = REPO / "scripts" / "monitoring-tools"


@pytest.fixture(scope="session")
def tools():
    """{tool: path} of the real tools, installed first when missing (scripts/monitoring-tools)."""
    started = time.monotonic()
    install = subprocess.run([str(TOOLS), "install"], capture_output=True, text=True, timeout=1800)
    if install.returncode != 0:
        pytest.fail("scripts/monitoring-tools install failed (exit %d):\n%s"
                    % (install.returncode, install.stderr[-3000:]))
    if "installing" in install.stderr:
        print("[monitoring tools installed in %.1f s]" % (time.monotonic() - started))
    paths = subprocess.run([str(TOOLS), "paths"], capture_output=True, text=True, timeout=60)
    assert paths.returncode == 0, paths.stderr
    return dict(line.split(" ", 1) for line in paths.stdout.splitlines())


@pytest.fixture
def pbx_env(sandbox, tmp_path):
    """The environment a monitoring tool gives amijson on the PBX: the sandbox's AMI login, a
    clean HOME, amijson on PATH (as /usr/local/bin would be)."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "AMIJSON_MANAGER_CONF": "/nonexistent",
           "LANG": "C.UTF-8"}
    env.update({key: sandbox[key] for key in ("AMIJSON_HOST", "AMIJSON_PORT", "AMIJSON_USER", "AMIJSON_SECRET")})
    return env


@pytest.fixture
def busy(sandbox, live_calls, amijson):
    """Two live calls, and a caller waiting in the sales queue, which rings no one, so that
    nothing changes between two runs (hung up afterwards by live_calls)."""
    live_calls(2)
    sandbox_cmd("rx", "channel originate Local/sales@%s application Wait 36000" % sandbox["AMIJSON_SANDBOX_CONTEXT"])
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        queues = {q["queue"]: q for q in amijson("queues").doc["records"]}
        if queues.get("sales", {}).get("callers"):
            return queues
        time.sleep(0.2)
    pytest.fail("no caller reached the sales queue")


def unavailable(amijson):
    return sorted(e["endpoint"] for e in amijson("endpoints").doc["records"] if e["state"] == "Unavailable")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- Prometheus ---------------------------------------------------------------------------

def promtool_check(tools, text):
    check = subprocess.run([tools["promtool"], "check", "metrics"], input=text, capture_output=True, text=True,
                           timeout=60)
    assert check.returncode == 0 and not (check.stdout + check.stderr).strip(), check.stdout + check.stderr + text


@pytest.mark.parametrize("query", list(QUERIES))
def test_promtool_passes_every_query(query, amijson, busy, tools):
    run = amijson("--format", "prometheus", query, expect_json=False)
    promtool_check(tools, run.stdout)
    metrics = parse_exposition(run.stdout)
    answered = run.returncode == 0
    assert sample(metrics, "asterisk_up", pbx="127.0.0.1", query=query) == (1 if answered else 0)
    if not answered:  # chan_sip's peers on 22, say: the error is named, the text still valid
        assert len(metrics["amijson_error"]["samples"]) == 1
        return
    json_run = amijson(query)
    if query not in ONE_RECORD:
        assert sample(metrics, "amijson_records", query=query) == len(json_run.doc["records"])
    if query == "endpoints":
        for endpoint in unavailable(amijson):
            assert sample(metrics, "asterisk_endpoint_state", endpoint=endpoint, state="Unavailable") == 1
    if query == "queues":
        assert sample(metrics, "asterisk_queue_callers", queue="sales") == 1
        assert sample(metrics, "asterisk_queue_callers", queue="support") == 0
        assert sample(metrics, "asterisk_queue_longest_wait_seconds", queue="sales") >= 0
    if query == "status":
        record = json_run.doc["records"][0]
        assert sample(metrics, "asterisk_queues_callers") == record["queue_callers"] == 1
        assert sample(metrics, "asterisk_endpoints_unavailable") == record["endpoints_unavailable"] >= 2
        assert sample(metrics, "asterisk_channels") == record["channels"] >= 6


def _unit(path):
    """(Environment=, ExecStart= lines) of a systemd unit file."""
    environment, commands = {}, []
    for line in path.read_text().splitlines():
        key, _, value = line.partition("=")
        if key == "Environment":
            name, _, text = value.partition("=")
            environment[name] = text
        elif key == "ExecStart":
            commands.append(value)
    return environment, commands


def _expand(command, env):
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: env[m.group(1) or m.group(2)], command)


def test_node_exporter_serves_what_the_shipped_service_wrote(pbx_env, busy, amijson, tools, tmp_path):
    folder = tmp_path / "textfile"
    folder.mkdir()
    environment, commands = _unit(CONTRIB / "prometheus" / "amijson-textfile.service")
    assert environment == {"TEXTFILE_DIR": "/var/lib/prometheus/node-exporter"}  # Debian's textfile folder
    env = dict(pbx_env, TEXTFILE_DIR=str(folder))  # as a drop-in overriding Environment= would
    queries = []
    for command in commands:
        assert command.startswith("-amijson ")  # a failed query does not skip the next one
        argv = shlex.split(_expand(command[1:], env))
        queries.append(argv[-1])
        proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0 and proc.stdout == "" and "Traceback" not in proc.stderr, proc.stderr
    assert sorted(os.listdir(folder)) == sorted("amijson_%s.prom" % query for query in queries)
    for name in os.listdir(folder):
        promtool_check(tools, (folder / name).read_text())

    port = free_port()
    exporter = subprocess.Popen([tools["prometheus-node-exporter"], "--web.listen-address=127.0.0.1:%d" % port,
                                 "--collector.disable-defaults", "--collector.textfile",
                                 "--collector.textfile.directory=%s" % folder],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        text = None
        deadline = time.monotonic() + 30
        while text is None and time.monotonic() < deadline:
            try:
                text = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5).read().decode()
            except OSError:
                assert exporter.poll() is None, exporter.stderr.read().decode()[-2000:]
                time.sleep(0.2)
        assert text is not None, "node_exporter did not answer on 127.0.0.1:%d" % port
    finally:
        exporter.terminate()
        exporter.wait(timeout=30)
    metrics = parse_exposition(text)
    assert sample(metrics, "node_textfile_scrape_error") == 0
    for query in queries:
        assert sample(metrics, "asterisk_up", pbx="127.0.0.1", query=query) == 1
        assert sample(metrics, "node_textfile_mtime_seconds", file=str(folder / ("amijson_%s.prom" % query))) > 0
    for endpoint in unavailable(amijson):
        assert sample(metrics, "asterisk_endpoint_state", endpoint=endpoint, state="Unavailable") == 1
    assert sample(metrics, "asterisk_queue_callers", pbx="127.0.0.1", queue="sales") == 1
    assert sample(metrics, "asterisk_queues_callers", pbx="127.0.0.1") == 1


def test_the_shipped_cron_lines_write_valid_files(pbx_env, busy, tools, tmp_path):
    folder = tmp_path / "textfile"
    folder.mkdir()
    variables, jobs = {}, []
    for line in (CONTRIB / "prometheus" / "amijson.cron").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if re.match(r"^[A-Z_]+=", line):
            name, _, value = line.partition("=")
            variables[name] = value
            continue
        fields = line.split(None, 6)
        assert fields[:5] == ["*"] * 5 and fields[5] == "prometheus", line  # every minute, as prometheus
        jobs.append(fields[6])
    assert variables["TEXTFILE_DIR"] == "/var/lib/prometheus/node-exporter" and "/usr/local/bin" in variables["PATH"]
    # cron runs each job with sh and the file's variables; TEXTFILE_DIR and PATH point here instead
    env = dict(pbx_env, TEXTFILE_DIR=str(folder), PATH="%s:%s" % (pbx_env["PATH"], variables["PATH"]))
    for job in jobs:
        proc = subprocess.run(["/bin/sh", "-c", job], env=env, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0 and proc.stdout == "" and proc.stderr == "", proc.stderr
    assert len(os.listdir(folder)) == len(jobs) == 4
    for name in os.listdir(folder):
        promtool_check(tools, (folder / name).read_text())


def test_systemd_accepts_the_shipped_units(tmp_path):
    import shutil
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed on this host: the unit files went unverified")
    units = [str(CONTRIB / "prometheus" / name) for name in ("amijson-textfile.service", "amijson-textfile.timer")]
    proc = subprocess.run([analyze, "verify", *units], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and not proc.stderr.strip(), proc.stderr


# --- Zabbix ---------------------------------------------------------------------------------

USERPARAMETERS = CONTRIB / "zabbix" / "userparameter_amijson.conf"
TEMPLATE = json.loads((CONTRIB / "zabbix" / "template_asterisk_amijson.json").read_text())


class Agent:
    """The real zabbix_agentd, with a config of its own that includes the shipped UserParameters."""

    def __init__(self, path, folder, env):
        self.path = path
        self.env = env
        self.config = folder / "zabbix_agentd.conf"
        # Timeout is left at the agent's default (3 s): the shipped --timeout must fit in it.
        self.config.write_text("LogType=console\nPidFile=%s\nServer=127.0.0.1\nHostname=amijson-test\n"
                               "Include=%s\n" % (folder / "zabbix_agentd.pid", USERPARAMETERS))

    def test(self, key, env=None):
        """The value ``zabbix_agentd -t KEY`` gives (text items print as [t|VALUE])."""
        proc = subprocess.run([self.path, "-c", str(self.config), "-t", key], capture_output=True, text=True,
                              env=dict(self.env, **(env or {})), timeout=60)
        assert proc.returncode == 0, proc.stderr
        match = re.match(r"^(\S+)\s+\[t\|(.*)\]\n?$", proc.stdout, re.S)
        assert match and match.group(1) == key, "not a text value: %r" % proc.stdout
        return match.group(2)


def jsonpath(path, value):
    """The JSONPaths the template uses: ``$.field`` and ``$[?(@.field=='value')].field.first()``."""
    match = re.match(r"^\$\.(\w+)$", path)
    if match:
        return value[match.group(1)]
    match = re.match(r"^\$\[\?\(@\.(\w+)=='([^']*)'\)\]\.(\w+)\.first\(\)$", path)
    assert match, "a JSONPath this test does not read: %r" % path
    found = [item[match.group(3)] for item in value if item.get(match.group(1)) == match.group(2)]
    assert len(found) == 1, "%s matches %d records" % (path, len(found))
    return found[0]


def macros_in(thing):
    return set(re.findall(r"\{#[A-Z0-9_.]+\}", json.dumps(thing)))


def test_the_zabbix_agent_runs_the_shipped_user_parameters(pbx_env, busy, amijson, tools, tmp_path):
    agent = Agent(tools["zabbix_agentd"], tmp_path, pbx_env)
    (template,) = TEMPLATE["zabbix_export"]["templates"]
    values = {}
    for item in template["items"]:
        if item.get("type", "ZABBIX_PASSIVE") == "ZABBIX_PASSIVE":
            values[item["key"]] = agent.test(item["key"])
            assert item["preprocessing"][0] == {"type": "ERROR_FIELD_JSON", "parameters": ["$.error.message"]}
            assert "error" not in json.loads(values[item["key"]])
    status = json.loads(values["amijson.status"])
    assert list(status) == list(ONE_RECORD["status"])
    for item in template["items"]:  # the dependent items read the status record's fields
        if item.get("type") == "DEPENDENT":
            assert item["master_item"]["key"] in values
            (step,) = item["preprocessing"]
            jsonpath(step["parameters"][0], json.loads(values[item["master_item"]["key"]]))
    for rule in template["discovery_rules"]:
        rows = check_lld(agent.test(rule["key"]))
        assert rows, rule["key"]
        for row in rows:
            assert macros_in(rule["item_prototypes"]) <= set(row), (rule["key"], row)
            for prototype in rule["item_prototypes"]:
                (step,) = prototype["preprocessing"]
                path = step["parameters"][0]
                for name, value in row.items():
                    path = path.replace(name, str(value))
                jsonpath(path, json.loads(values[prototype["master_item"]["key"]]))
    endpoints = check_lld(agent.test("amijson.discovery[endpoints]"))
    assert {row["{#ENDPOINT}"] for row in endpoints if row["{#STATE}"] == "Unavailable"} == set(unavailable(amijson))
    queues = {row["{#QUEUE}"]: row for row in check_lld(agent.test("amijson.discovery[queues]"))}
    assert queues["sales"]["{#CALLS}"] == 1 and queues["support"]["{#CALLS}"] == 0


def test_a_pbx_that_does_not_answer_gives_zabbix_the_error(pbx_env, tools, tmp_path, unused_port):
    agent = Agent(tools["zabbix_agentd"], tmp_path, pbx_env)
    down = {"AMIJSON_PORT": str(unused_port), "AMIJSON_VIA": "ami"}
    for key in ("amijson.status", "amijson.discovery[endpoints]", "amijson.records[queues]"):
        value = json.loads(agent.test(key, down))
        assert value["error"]["code"] == "connect" and value["error"]["message"]  # $.error.message


def test_the_zabbix_template_is_well_formed():
    export = TEMPLATE["zabbix_export"]
    assert export["version"] == "6.0"
    uuids = re.findall(r'"uuid": "([^"]*)"', json.dumps(export, indent=0))
    assert len(uuids) == len(set(uuids)) and all(re.match(r"^[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}$", u)
                                                  for u in uuids)
    keys = set(re.findall(r"^UserParameter=([^,\[]+)", USERPARAMETERS.read_text(), re.M))
    assert keys == {"amijson.status", "amijson.discovery", "amijson.records"}
    (template,) = export["templates"]
    for item in template["items"] + template["discovery_rules"]:
        if item.get("type", "ZABBIX_PASSIVE") == "ZABBIX_PASSIVE":
            assert item["key"].split("[")[0] in keys
    for expression in re.findall(r'"expression": "((?:[^"\\]|\\.)*)"', json.dumps(export)):
        for host in re.findall(r"\(/([^/]+)/", expression):
            assert host == template["template"]


# --- Nagios ----------------------------------------------------------------------------------

NAGIOS_OBJECTS = """
define timeperiod {
    timeperiod_name 24x7
    alias           always
    sunday 00:00-24:00
    monday 00:00-24:00
    tuesday 00:00-24:00
    wednesday 00:00-24:00
    thursday 00:00-24:00
    friday 00:00-24:00
    saturday 00:00-24:00
}
define command {
    command_name    nothing
    command_line    /bin/true
}
define contact {
    contact_name                  admin
    host_notifications_enabled    0
    service_notifications_enabled 0
    host_notification_period      24x7
    service_notification_period   24x7
    host_notification_options     n
    service_notification_options  n
    host_notification_commands    nothing
    service_notification_commands nothing
}
define service {
    name                  generic-service
    register              0
    max_check_attempts    1
    check_interval        60
    retry_interval        60
    check_period          24x7
    notification_interval 0
    notification_period   24x7
    contacts              admin
}
define host {
    host_name             pbx1
    address               127.0.0.1
    hostgroups            asterisk-pbx
    check_command         nothing
    max_check_attempts    1
    check_period          24x7
    notification_interval 0
    notification_period   24x7
    contacts              admin
}
"""


def nagios_config(folder, extra=""):
    """A main config that reads the shipped definitions, and objects of our own around them."""
    (folder / "objects.cfg").write_text(NAGIOS_OBJECTS + extra)
    (folder / "checkresults").mkdir(exist_ok=True)
    (folder / "resource.cfg").write_text("")
    settings = {
        "log_file": folder / "nagios.log", "cfg_file": folder / "objects.cfg",
        "object_cache_file": folder / "objects.cache", "precached_object_file": folder / "objects.precache",
        "resource_file": folder / "resource.cfg", "status_file": folder / "status.dat",
        "temp_file": folder / "nagios.tmp", "temp_path": folder, "lock_file": folder / "nagios.lock",
        "command_file": folder / "nagios.cmd", "check_result_path": folder / "checkresults",
        "nagios_user": "root", "nagios_group": "root", "status_update_interval": 1, "interval_length": 1,
        "service_inter_check_delay_method": "n", "max_service_check_spread": 1,  # every check at once
        "max_host_check_spread": 1, "execute_host_checks": 0,
        "enable_notifications": 0, "check_external_commands": 0, "retain_state_information": 0,
        "use_retained_program_state": 0, "use_retained_scheduling_info": 0, "log_initial_states": 0,
        "illegal_macro_output_chars": "`~$&|'\"<>",  # Debian's nagios.cfg says the same
    }
    lines = ["%s=%s" % item for item in settings.items()] + ["cfg_file=%s" % (CONTRIB / "nagios" / "amijson.cfg")]
    (folder / "nagios.cfg").write_text("\n".join(lines) + "\n")
    return folder / "nagios.cfg"


def test_nagios_accepts_the_shipped_definitions(tools, tmp_path):
    proc = subprocess.run([tools["nagios4"], "-v", str(nagios_config(tmp_path))], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stdout
    assert "Total Warnings: 0" in proc.stdout and "Total Errors:   0" in proc.stdout, proc.stdout
    assert "Checked 3 services" in proc.stdout and "Checked 1 host groups" in proc.stdout
    # and it does check: a service whose command is not defined is refused
    (tmp_path / "broken").mkdir()
    broken = nagios_config(tmp_path / "broken", "define service {\n use generic-service\n host_name pbx1\n"
                           " service_description x\n check_command check_amijson_typo!status\n}\n")
    proc = subprocess.run([tools["nagios4"], "-v", str(broken)], capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0 and "check_amijson_typo" in proc.stdout


def status_dat(path):
    """The service blocks of Nagios' status file: {service_description: {key: value}}."""
    services = {}
    for block in re.findall(r"servicestatus \{\n(.*?)\n\s*\}", path.read_text(), re.S):
        fields = dict(line.strip().split("=", 1) for line in block.splitlines() if "=" in line)
        services[fields["service_description"]] = fields
    return services


def test_nagios_runs_the_shipped_checks(pbx_env, busy, amijson, tools, tmp_path):
    config = nagios_config(tmp_path)
    daemon = subprocess.Popen([tools["nagios4"], str(config)], env=pbx_env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        services = {}
        while time.monotonic() < deadline:
            if (tmp_path / "status.dat").exists():
                services = status_dat(tmp_path / "status.dat")
                if len(services) == 3 and all(s["has_been_checked"] == "1" for s in services.values()):
                    break
            assert daemon.poll() is None, daemon.stderr.read().decode()[-2000:]
            time.sleep(0.5)
        else:
            pytest.fail("Nagios did not run the three checks within 60 s: %r" % services)
    finally:
        daemon.terminate()
        daemon.wait(timeout=30)
    results = {}
    for name, fields in services.items():
        text = fields["plugin_output"] + (" | " + fields["performance_data"] if fields["performance_data"] else "")
        parsed = parse_nagios(text + "\n")
        assert int(fields["current_state"]) == {"OK": 0, "WARNING": 1, "CRITICAL": 2, "UNKNOWN": 3}[parsed.state]
        results[name] = parsed
    endpoints = results["Asterisk endpoints"]
    down = unavailable(amijson)
    assert endpoints.state == ("WARNING" if down else "OK")
    assert endpoints.perfdata["count[state:Unavailable]"]["value"] == len(down) >= 2
    contacts = [c for c in amijson("contacts").doc["records"] if c["status"] == "Unavail"]
    assert results["Asterisk contacts"].state == ("WARNING" if contacts else "OK")
    status = amijson("status").doc["records"][0]
    assert results["Asterisk status"].state == ("WARNING" if status["uptime_seconds"] < 600 else "OK")
    assert results["Asterisk status"].perfdata["queue_callers"]["value"] == 1
    assert results["Asterisk status"].perfdata["uptime_seconds"]["warn"] == "600:"


# --- every format, on every release -----------------------------------------------------------

def test_nagios_thresholds_on_a_list(amijson, busy):
    down = unavailable(amijson)
    run = amijson("--format", "nagios", "--critical", "count[state=Unavailable]=%d" % (len(down) - 1),
                  "--warning", "count=1", "endpoints", expect_json=False)
    out = parse_nagios(run.stdout)
    assert run.returncode == 2 and out.state == "CRITICAL"
    assert out.perfdata["count[state:Unavailable]"] == {"value": len(down), "uom": "", "warn": "",
                                                         "crit": str(len(down) - 1), "min": "0", "max": ""}
    run = amijson("--format", "nagios", "--warning", "count=@0", "queues", expect_json=False)
    assert run.returncode == 0 and parse_nagios(run.stdout).perfdata["count"]["value"] == 2


def test_each_format_names_each_pbx_of_a_fleet(amijson, sandbox, busy, tmp_path, unused_port):
    config = tmp_path / "fleet.conf"
    config.write_text("[default]\nuser = %s\nsecret = %s\nhost = 127.0.0.1\n[pbx-a]\nport = %s\n[pbx-b]\nport = %s\n"
                      "[pbx-down]\nport = %d\nvia = ami\n"
                      % (sandbox["AMIJSON_USER"], sandbox["AMIJSON_SECRET"], sandbox["AMIJSON_PORT"],
                         sandbox["AMIJSON_PORT"], unused_port))
    config.chmod(0o600)
    fleet = ["--config", str(config), "--profiles", "pbx-a,pbx-b,pbx-down"]
    run = amijson(*fleet, "--format", "nagios", "queues", expect_json=False)
    out = parse_nagios(run.stdout)
    assert run.returncode == 2 and out.text == "AMIJSON CRITICAL - queues of 3 PBXes: 1 CRITICAL (pbx-down), 2 OK"
    assert out.perfdata["pbx-a::count"]["value"] == out.perfdata["pbx-b::count"]["value"] == 2
    run = amijson(*fleet, "--format", "prometheus", "queues", expect_json=False)
    metrics = parse_exposition(run.stdout)
    assert run.returncode == 9
    assert sample(metrics, "asterisk_queue_callers", pbx="pbx-a", queue="sales") == 1
    assert sample(metrics, "asterisk_queue_callers", pbx="pbx-b", queue="sales") == 1
    assert sample(metrics, "asterisk_up", pbx="pbx-down") == 0
    run = amijson(*fleet, "--format", "zabbix", "queues", expect_json=False)
    rows = check_lld(run.stdout)
    assert sorted((row["{#PBX}"], row["{#QUEUE}"]) for row in rows) == [
        ("pbx-a", "sales"), ("pbx-a", "support"), ("pbx-b", "sales"), ("pbx-b", "support")]


def test_status_in_every_format_is_the_json_record(amijson, busy):
    record = amijson("status").doc["records"][0]
    assert record["queue_callers"] == 1 and record["endpoints_unavailable"] >= 2 and record["calls"] >= 2
    run = amijson("--format", "nagios", "--warning", "queue_callers=0", "--critical", "endpoints_unavailable=10",
                  "status", expect_json=False)
    out = parse_nagios(run.stdout)
    assert run.returncode == 1 and "queue_callers=1 (warning 0)" in out.text
    numeric = {k: v for k, v in record.items() if isinstance(v, int)}
    assert {label: perf["value"] for label, perf in out.perfdata.items() if perf["value"] is not None} \
        == pytest.approx(numeric, abs=5)  # a second may pass between the two runs
    run = amijson("--format", "zabbix", "status", expect_json=False)
    zabbix = json.loads(run.stdout)
    assert list(zabbix) == list(record) and zabbix["queue_callers"] == 1 and zabbix["version"] == record["version"]
