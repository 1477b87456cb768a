"""The sandbox itself: a real Asterisk of each release (22 and 16), reachable the ways the tests need,
on loopback only, and each release beside the other."""

import os
import re
import socket
import ssl
import subprocess
import sys
import time

import pytest

from conftest import RELEASES, SANDBOX, SELECTED, parse_exports


def test_core_show_version_through_ami_is_the_sandbox_release(amijson, sandbox):
    run = amijson("command", "core show version")
    assert run.returncode == 0, run.stdout
    match = re.match(r"Asterisk (\d+)\.", run.doc["output"][0])
    assert match, run.doc["output"]
    assert match.group(1) == sandbox.release


def test_up_twice_is_idempotent_and_fast(sandbox):
    started = time.monotonic()
    again = sandbox.cmd("up")
    assert time.monotonic() - started < 15
    settings = parse_exports(again.stdout)
    assert settings == dict(sandbox)


def test_calls_3_gives_6_channels(sandbox, live_calls):
    live_calls(3)
    out = sandbox.cmd("rx", "core show channels concise").stdout
    rows = [line for line in out.splitlines() if line.strip()]
    assert len(rows) == 6
    assert all(row.startswith("Local/wait@%s-" % sandbox["AMIJSON_SANDBOX_CONTEXT"]) for row in rows)


def test_tls_port_verifies_against_exported_ca(sandbox):
    context = ssl.create_default_context(cafile=sandbox["AMIJSON_SANDBOX_CAFILE"])
    for name in ("127.0.0.1", "localhost"):
        with socket.create_connection(("127.0.0.1", int(sandbox["AMIJSON_SANDBOX_TLS_PORT"])), timeout=5) as raw:
            with context.wrap_socket(raw, server_hostname=name) as tls:
                assert tls.recv(100).startswith(b"Asterisk Call Manager/")


def test_http_manager_answers(sandbox):
    import urllib.request
    url = "http://127.0.0.1:%s/rawman?action=ping" % sandbox["AMIJSON_SANDBOX_HTTP_PORT"]
    body = urllib.request.urlopen(url, timeout=5).read().decode()
    assert "Response:" in body


def test_status_names_version_and_root(sandbox):
    out = sandbox.cmd("status").stdout
    assert "running: yes" in out and "version: Asterisk %s." % sandbox.release in out
    assert "release: %s " % sandbox.release in out
    assert sandbox["AMIJSON_SANDBOX_ROOT"] in out


def _our_asterisk_pids(root):
    """The Asterisk daemons (`asterisk -f`) running in ``root``; an `asterisk -rx` of the moment,
    which runs there as root, is not one."""
    pids = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                if os.readlink("/proc/%s/root" % pid) != root:
                    continue
                with open("/proc/%s/cmdline" % pid, "rb") as cmdline:
                    if b"-f" in cmdline.read().split(b"\0"):
                        pids.append(int(pid))
            except OSError:
                pass
    return pids


def test_down_leaves_no_process_and_no_mount_then_up_again(sandbox):
    root = os.path.realpath(sandbox["AMIJSON_SANDBOX_ROOT"])
    # An unrelated process that merely looks like asterisk must survive down.
    decoy = subprocess.Popen(["sleep", "60"])
    try:
        assert _our_asterisk_pids(root)
        sandbox.cmd("down")
        assert _our_asterisk_pids(root) == []
        with open("/proc/mounts") as mounts:
            assert not [line for line in mounts if " %s/" % root in line or " %s " % root in line]
        assert decoy.poll() is None
    finally:
        decoy.kill()
        sandbox.cmd("up")
    assert "running: yes" in sandbox.cmd("status").stdout


def test_up_on_a_busy_machine_waits_for_the_start(sandbox):
    # Right after the launch, Asterisk's process has not run chroot(2) yet, so its root is still /.
    # On a busy machine `up` used to read that as "asterisk exited during start" (half of the
    # starts failed with every core busy); `up` must tell a slow start from an exit.
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
               for _ in range(2 * (os.cpu_count() or 1))]
    try:
        for _ in range(4):
            sandbox.cmd("down")
            up = sandbox.cmd("up", check=False, timeout=120)
            assert up.returncode == 0, up.stderr
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()
        sandbox.cmd("up")
    assert "running: yes" in sandbox.cmd("status").stdout


def test_asterisk_runs_as_the_packages_user_not_root(sandbox):
    # As Debian's service runs it: root only to start and chroot, then the asterisk user; the
    # manager secrets it reads are not readable by other users.
    root = os.path.realpath(sandbox["AMIJSON_SANDBOX_ROOT"])
    pids = _our_asterisk_pids(root)
    assert pids
    for pid in pids:
        with open("/proc/%d/status" % pid) as status:
            ids = dict(line.split(":", 1) for line in status if line.startswith(("Uid", "Gid")))
        assert all(int(value) != 0 for value in ids["Uid"].split()), ids
        assert all(int(value) != 0 for value in ids["Gid"].split()), ids
    for secret_file in ("etc/asterisk/manager.conf", "etc/asterisk/keys/server.key"):
        assert os.stat(os.path.join(root, secret_file)).st_mode & 0o007 == 0, secret_file


def test_a_port_another_process_holds_is_replaced_by_a_free_one(sandbox):
    # Another Asterisk on the machine may hold 5038: the sandbox must not start beside it and
    # let the tests talk to that one. up picks a free port, says so, and prints it.
    port = int(sandbox["AMIJSON_PORT"])
    sandbox.cmd("down")
    decoy = socket.socket()
    try:
        decoy.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        decoy.bind(("0.0.0.0", port))
        decoy.listen(1)
        up = sandbox.cmd("up", check=False, timeout=120)
        assert up.returncode == 0, up.stderr
        moved = parse_exports(up.stdout)
        assert int(moved["AMIJSON_PORT"]) != port
        assert "is taken by another process; using %s for AMI_PORT" % moved["AMIJSON_PORT"] in up.stderr
        assert parse_exports(sandbox.cmd("env").stdout) == moved  # the ports in use, not the defaults
        ping = subprocess.run(["amijson", "--port", moved["AMIJSON_PORT"], "action", "Ping"], capture_output=True,
                              text=True, timeout=30, env=dict(os.environ, **{k: moved[k] for k in (
                                  "AMIJSON_HOST", "AMIJSON_USER", "AMIJSON_SECRET")}))
        assert '"Ping":"Pong"' in ping.stdout, ping.stdout
        sandbox.cmd("down")
    finally:
        decoy.close()
    again = sandbox.cmd("up")
    assert parse_exports(again.stdout) == dict(sandbox)


def _listening_sockets(pid):
    """(protocol, address, port) of each listening TCP socket and unconnected UDP socket (what
    `ss -lntu` lists) that process ``pid`` holds."""
    inodes = set()
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            target = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:["):-1])
    found = []
    for table, listening in (("tcp", "0A"), ("tcp6", "0A"), ("udp", "07"), ("udp6", "07")):
        with open("/proc/net/" + table) as rows:
            next(rows)
            for row in rows:
                fields = row.split()
                if fields[9] in inodes and fields[3] == listening:
                    hexaddr, hexport = fields[1].split(":")
                    raw = bytes.fromhex(hexaddr)
                    # /proc/net shows each 32-bit word of the address in host (little-endian) order
                    raw = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
                    family = socket.AF_INET if len(raw) == 4 else socket.AF_INET6
                    found.append((table, socket.inet_ntop(family, raw), int(hexport, 16)))
    return found


def test_only_loopback_listens(sandbox):
    # Every socket the sandbox's Asterisk listens on (as `ss -lntup` shows them) is on loopback:
    # its services on their ports, and pjproject's resolver sockets, preloaded onto loopback too.
    (pid,) = _our_asterisk_pids(os.path.realpath(sandbox["AMIJSON_SANDBOX_ROOT"]))
    found = _listening_sockets(pid)
    assert found
    assert [s for s in found if s[1] not in ("127.0.0.1", "::1")] == [], found
    ports = {(proto.rstrip("6"), port) for proto, _, port in found}
    for key, proto in (("AMIJSON_PORT", "tcp"), ("AMIJSON_SANDBOX_TLS_PORT", "tcp"),
                       ("AMIJSON_SANDBOX_HTTP_PORT", "tcp"), ("AMIJSON_SANDBOX_HTTPS_PORT", "tcp")):
        assert (proto, int(sandbox[key])) in ports, (key, found)
    if sandbox.release == "16":  # chan_sip and chan_iax2, loaded there, on loopback like the rest
        for key in ("AMIJSON_SANDBOX_CHAN_SIP_PORT", "AMIJSON_SANDBOX_IAX_PORT"):
            assert ("udp", int(sandbox[key])) in ports, (key, found)
    else:
        assert "AMIJSON_SANDBOX_CHAN_SIP_PORT" not in sandbox


def test_two_ups_at_once_start_one_asterisk(sandbox):
    # up takes the sandbox's lock: the second waits for the first, then finds it running.
    root = os.path.realpath(sandbox["AMIJSON_SANDBOX_ROOT"])
    sandbox.cmd("down")
    env = dict(os.environ, AMIJSON_SANDBOX_RELEASE=sandbox.release)
    ups = [subprocess.Popen([str(SANDBOX), "up"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
           for _ in range(2)]
    results = [up.communicate(timeout=180) + (up.returncode,) for up in ups]
    try:
        assert [rc for _, _, rc in results] == [0, 0], results
        assert parse_exports(results[0][0]) == parse_exports(results[1][0]) == dict(sandbox)
        assert len(_our_asterisk_pids(root)) == 1
    finally:
        sandbox.cmd("up")


def test_each_release_runs_beside_the_other_and_down_stops_only_its_own(sandbox, _sandboxes):
    others = [r for r in RELEASES if r != sandbox.release and r in SELECTED]
    if not others:
        pytest.skip("AMIJSON_TEST_RELEASES leaves the other releases out")
    other = _sandboxes.get(others[0])
    mine_root = os.path.realpath(sandbox["AMIJSON_SANDBOX_ROOT"])
    other_root = os.path.realpath(other["AMIJSON_SANDBOX_ROOT"])
    assert mine_root != other_root
    ports = ("AMIJSON_PORT", "AMIJSON_SANDBOX_TLS_PORT", "AMIJSON_SANDBOX_HTTP_PORT", "AMIJSON_SANDBOX_HTTPS_PORT")
    assert not {sandbox[k] for k in ports} & {other[k] for k in ports}
    other_pids = _our_asterisk_pids(other_root)
    assert other_pids and _our_asterisk_pids(mine_root)
    try:
        sandbox.cmd("down")
        assert _our_asterisk_pids(mine_root) == []
        assert _our_asterisk_pids(other_root) == other_pids
        assert "running: yes" in other.cmd("status").stdout
        assert "Asterisk %s." % other.release in other.cmd("rx", "core show version").stdout
    finally:
        sandbox.cmd("up")
    assert "running: yes" in sandbox.cmd("status").stdout
