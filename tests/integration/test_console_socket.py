"""The rx route through the sandbox's control socket: the same bytes as `asterisk -rx` for
every parser's command, on 16 and 22, and while the daemon logs verbosely with calls coming
and going; no asterisk executable needed."""

import subprocess
import threading

import pytest

from amijson import parsers
from amijson.deadline import Deadline
from amijson.clitext import output_lines, strip_ansi
from amijson.rx import ConsoleConnection, decode_lines


def registry_commands():
    """Every command a parser declares (amijson/parsers, COMMANDS), in the registry's order."""
    commands = []
    for name in parsers.MODULES:
        commands.extend(parsers._load(name).COMMANDS)
    return commands


def asterisk_rx(sandbox, command):
    """What the sandbox's own `asterisk -rx COMMAND` writes, as bytes."""
    return subprocess.run([sandbox["AMIJSON_ASTERISK"], "-rx", command], capture_output=True, check=True,
                          timeout=60).stdout


def console_read(sandbox, command):
    """What amijson's rx route reads from the socket for COMMAND (the route's own reader)."""
    connection = ConsoleConnection(sandbox["AMIJSON_SANDBOX_CTL"], Deadline(20))
    connection.open(command)
    return connection.read(64 << 20)


def same_as_asterisk_rx(sandbox, amijson, command, attempts=5):
    """The socket's bytes, and the document's output lines, equal `asterisk -rx`'s. A command whose
    output ticks (uptimes, durations) is read between two runs of asterisk -rx and must equal one
    of them, within a few attempts."""
    for _ in range(attempts):
        before = asterisk_rx(sandbox, command)
        read = console_read(sandbox, command)
        run = amijson("--via", "rx", "command", command, env={"AMIJSON_CONSOLE": sandbox["AMIJSON_SANDBOX_CTL"],
                                                              "AMIJSON_ASTERISK": "/nonexistent"})
        after = asterisk_rx(sandbox, command)
        if read in (before, after) and run.doc["output"] in (_lines(before), _lines(after)):
            assert run.doc["server"]["socket"] == sandbox["AMIJSON_SANDBOX_CTL"]
            return run.doc
    assert read == before or read == after, (command, read[:500], before[:500])
    assert run.doc["output"] in (_lines(before), _lines(after)), command


def _lines(raw):
    """asterisk -rx's bytes as the document's output lines (UTF-8, else Latin-1 per line; colour removed)."""
    return output_lines(strip_ansi(decode_lines(raw, "latin-1", [])))


def test_the_socket_reads_what_asterisk_rx_writes_for_every_parsers_command(sandbox, amijson, live_calls):
    live_calls(2)
    live_calls(1, "bang")  # a bridge, and a '!' in application data
    live_calls(1, "latin1")  # a caller name that is not UTF-8
    commands = registry_commands()
    assert "core show channels concise" in commands and "database show" in commands
    channel = next(line.split("!")[0] for line in asterisk_rx(sandbox, "core show channels concise").decode(
        "latin-1").splitlines() if line.startswith("Local/bang@"))
    for command in commands + ["core show channel %s" % channel, "queue show support", "module show like pjsip"]:
        if command == "core show channel":
            continue  # needs a channel's name (above)
        doc = same_as_asterisk_rx(sandbox, amijson, command)
        assert doc is not None


def test_the_version_and_banner_come_from_the_socket(sandbox, amijson):
    run = amijson("--via", "rx", "command", "core show version",
                  env={"AMIJSON_CONSOLE": sandbox["AMIJSON_SANDBOX_CTL"], "AMIJSON_ASTERISK": "/nonexistent"})
    server = run.doc["server"]
    assert run.returncode == 0 and run.doc["route"] == "rx", run.doc
    assert server["socket"] == sandbox["AMIJSON_SANDBOX_CTL"] and server["executable"] is None
    assert server["version"].startswith(sandbox.release + ".")
    assert run.doc["output"][0].startswith("Asterisk %s " % server["version"])
    host, pid, version = server["banner"].split("/", 2)
    assert pid.isdigit() and version == server["version"]


def test_the_socket_alone_is_enough(sandbox, amijson):
    """What a monitoring container that mounts only the daemon's run directory has: the socket,
    and no asterisk executable anywhere."""
    run = amijson("--via", "rx", "channels", env={"AMIJSON_CONSOLE": sandbox["AMIJSON_SANDBOX_CTL"],
                                                   "AMIJSON_ASTERISK": "/nonexistent", "PATH": "/nonexistent"})
    assert run.returncode == 0 and run.doc["parser"] == "core_show_channels.concise", run.doc
    assert run.doc["server"]["socket"] == sandbox["AMIJSON_SANDBOX_CTL"]


STEADY = ["core show version", "module show like res_pjsip", "pjsip show endpoints", "pjsip show aors", "database show",
          "core show help"]  # no counts that calls change (module show has use counts)


def test_identical_while_the_daemon_logs_verbosely_and_calls_come_and_go(sandbox, amijson, live_calls):
    """`core set verbose 5` over AMI sets the daemon's own level (over the socket it would set the
    level of that one console, gone once the command ends), and calls are originated while the
    commands are read: every Executing and Dial line is logged meanwhile."""
    context = sandbox["AMIJSON_SANDBOX_CONTEXT"]
    assert amijson("--via", "ami", "command", "core set verbose 5").returncode == 0
    stop = threading.Event()
    made = []

    def churn():
        while not stop.is_set():
            subprocess.run([sandbox["AMIJSON_ASTERISK"], "-rx", "channel originate Local/echo@%s application Wait 1"
                            % context], capture_output=True, timeout=30)
            made.append(1)

    worker = threading.Thread(target=churn, daemon=True)
    worker.start()
    try:
        for _ in range(3):
            for command in STEADY:
                same_as_asterisk_rx(sandbox, amijson, command)
    finally:
        stop.set()
        worker.join(30)
        amijson("--via", "ami", "command", "core set verbose 0")
    assert len(made) >= 3, "no calls were made during the reads"


@pytest.mark.parametrize("console", ["off", "/nonexistent/asterisk.ctl"])
def test_the_executable_answers_when_asked_or_when_the_socket_is_not_there(sandbox, amijson, console):
    run = amijson("--via", "rx", "command", "core show version",
                  env={"AMIJSON_CONSOLE": console, "AMIJSON_ASTERISK": sandbox["AMIJSON_ASTERISK"]})
    assert run.returncode == 0, run.doc
    assert run.doc["server"] == {"socket": None, "executable": sandbox["AMIJSON_ASTERISK"], "banner": None,
                                 "version": None}
    assert run.doc["output"] == _lines(asterisk_rx(sandbox, "core show version"))
