"""amijson as ``asterisk`` (amijson/asterisk_argv.py): the command lines scripts use to run one
CLI command, read as Asterisk's getopt reads them; everything else refused as not Asterisk."""

import os

import pytest

from amijson.asterisk_argv import command, read, real_asterisk
from amijson.errors import EXIT_CODES, AmijsonError


@pytest.mark.parametrize("args, cmd", [
    (["-rx", "core show channels concise"], "core show channels concise"),
    (["-x", "core show uptime"], "core show uptime"),
    (["-r", "-x", "core show uptime"], "core show uptime"),
    (["-rvx", "core show uptime"], "core show uptime"),
    (["-rvvvvx", "queue show"], "queue show"),
    (["-vvv", "-r", "-x", "queue show", "-q"], "queue show"),
    (["-xcore show calls"], "core show calls"),
    (["-rxcore show calls"], "core show calls"),
    (["-x", "first", "-x", "second"], "second"),  # getopt: the last one counts
    (["-r", "-d", "-T", "-B", "-W", "-m", "-R", "-L", "5", "-M", "10", "-x", "core show version"],
     "core show version"),
    (["-rx", "core show version", "--"], "core show version"),
])
def test_the_one_command_scripts_run(args, cmd):
    assert command(args) == cmd


@pytest.mark.parametrize("value", ["-c", "--help", "-rx", "-x core", "--host=elsewhere", "-g -c"])
def test_the_value_of_x_is_data_even_when_it_starts_with_a_dash(value):
    assert command(["-rx", value]) == value
    assert command(["-r", "-x", value]) == value


@pytest.mark.parametrize("args, why", [
    (["-c"], "-c starts Asterisk with a console"),
    (["-g"], "-g makes Asterisk dump core"),
    (["-f"], "-f starts Asterisk in the foreground"),
    (["-F"], "daemon"),
    (["-U", "asterisk", "-G", "asterisk"], "-U sets Asterisk's user"),
    (["-cvvv"], "-c starts"),
    (["-rx", "core show uptime", "-c"], "-c starts"),
    (["-r"], "without -x"),
    (["-rvvv"], "without -x"),
    ([], "without -x"),
    (["-V"], "-V prints Asterisk's version"),
    (["-h"], "-h prints Asterisk's help"),
    (["--help"], "it has no option '--help'"),
    (["--version"], "no option"),
    (["-C", "/etc/asterisk/asterisk.conf", "-rx", "core show uptime"], "another asterisk.conf"),
    (["-y"], "asterisk has no option '-y'"),
    (["-nrx", "core show uptime"], "-n"),
])
def test_anything_else_is_not_asterisk(args, why):
    with pytest.raises(AmijsonError) as caught:
        command(args)
    assert caught.value.code == "not_asterisk" and EXIT_CODES["not_asterisk"] == 8
    assert "this is amijson, not Asterisk" in caught.value.message and why in caught.value.message
    assert "\n" not in caught.value.message


@pytest.mark.parametrize("args, why", [
    (["-rx"], "-x needs a value"),
    (["-r", "-x"], "-x needs a value"),
    (["-L"], "-L needs a value"),
    (["-rx", "core show", "uptime"], "unexpected argument 'uptime'"),
    (["core show uptime"], "unexpected argument"),
    (["-rx", "x", "--", "y"], "unexpected argument 'y'"),
    (["-rx", "  "], "empty"),
])
def test_a_broken_command_line_is_a_usage_error(args, why):
    with pytest.raises(AmijsonError) as caught:
        command(args)
    assert caught.value.code == "usage" and why in caught.value.message


def test_the_rx_route_never_finds_amijsons_own_link(tmp_path):
    own = tmp_path / "venv" / "amijson"
    own.parent.mkdir()
    own.write_text("#!/bin/sh\n")
    own.chmod(0o755)
    links = tmp_path / "links"
    links.mkdir()
    (links / "asterisk").symlink_to(own)
    real = tmp_path / "sbin"
    real.mkdir()
    (real / "asterisk").write_text("#!/bin/sh\n")
    (real / "asterisk").chmod(0o755)
    path = os.pathsep.join([str(links), str(real)])
    assert real_asterisk({"PATH": path}, os.path.realpath(own)) == str(real / "asterisk")
    assert real_asterisk({"PATH": str(links)}, os.path.realpath(own)) in (None, "/usr/sbin/asterisk",
                                                                         "/usr/local/sbin/asterisk", "/sbin/asterisk")


@pytest.mark.parametrize("args, socket", [
    (["-s", "/run/pbx2/asterisk.ctl", "-rx", "core show uptime"], "/run/pbx2/asterisk.ctl"),
    (["-rx", "core show uptime", "-s", "/run/a.ctl"], "/run/a.ctl"),
    (["-rs", "/run/a.ctl", "-x", "core show uptime"], "/run/a.ctl"),
    (["-s/run/a.ctl", "-rx", "core show uptime"], "/run/a.ctl"),
    (["-s", "off", "-rx", "core show uptime"], "./off"),  # a file named off, not --console's word
    (["-rx", "core show uptime"], None),
])
def test_s_names_the_control_socket_as_console(args, socket):
    line = read(args)
    assert (line.command, line.console) == ("core show uptime", socket)
    options = {}
    line.apply(options)
    assert options.get("console") == socket


def test_s_and_another_console_option_is_a_usage_error():
    with pytest.raises(AmijsonError) as caught:
        read(["-s", "/run/a.ctl", "-rx", "core show uptime"]).apply({"console": "/run/b.ctl"})
    assert caught.value.code == "usage" and "name two control sockets" in caught.value.message
    read(["-s", "/run/a.ctl", "-rx", "x"]).apply({"console": "/run/a.ctl"})  # the same one twice is fine
    with pytest.raises(AmijsonError) as caught:
        read(["-s", "", "-rx", "x"])
    assert caught.value.code == "usage" and "path is empty" in caught.value.message
