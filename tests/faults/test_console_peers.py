"""Hostile and broken peers on the control socket (--via rx, --console PATH): every case ends
in a correct document or a clear error document with the right exit code, within the
deadline plus 1 s, within its memory bound, with no traceback.

A peer is a Unix socket in a thread, scripted byte by byte. Where it plays Asterisk it
follows ``netconsole`` in main/asterisk.c (22.10.1): the banner ``HOST/PID/VERSION\\n``, the
command read as ``cli quit after CMD`` and a NUL, the output, then the connection closed.
No ``asterisk`` executable is there (AMIJSON_ASTERISK=/nonexistent), so nothing falls back.
"""

import grp
import os
import pathlib
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time

import pytest

from conftest import amijson_path, offline_env, validate_document

DEADLINE = 2.0
BANNER = b"pbx/4242/22.10.1\n"
UPTIME = b"System uptime: 42\nLast reload: 7\n"


class ConsolePeer:
    """A scripted control socket: ``scenario(conn)`` runs for each connection, in a thread."""

    def __init__(self, scenario, folder):
        self.scenario = scenario
        self.path = os.path.join(folder, "asterisk.ctl")
        self.received = []
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(self.path)
        self.sock.listen(8)
        self.sock.settimeout(0.1)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.sock.close()
        self.thread.join(5)

    def _serve(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn):
        try:
            self.scenario(conn, self)
        except OSError:
            pass  # amijson hung up: what a hostile peer must expect
        finally:
            conn.close()

    def command(self, conn):
        """What the client sent, up to and without its NUL."""
        data = b""
        conn.settimeout(5)
        while b"\0" not in data:
            chunk = conn.recv(1024)
            if not chunk:
                break
            data += chunk
        self.received.append(data)
        return data.split(b"\0")[0]


def run(peer, *args, timeout=DEADLINE, env=None):
    full = dict(offline_env(pathlib.Path(peer_folder(peer))), AMIJSON_CONSOLE=peer.path, **(env or {}))
    started = time.monotonic()
    proc = subprocess.run([amijson_path(), "--via", "rx", "--timeout", str(timeout), *args], capture_output=True,
                          text=True, env=full, timeout=timeout + 30)
    elapsed = time.monotonic() - started
    assert "Traceback" not in proc.stderr, proc.stderr
    assert elapsed < timeout + 1.0, "took %.1fs past a %ss deadline" % (elapsed, timeout)
    return proc.returncode, validate_document(proc.stdout)


def peer_folder(peer):
    return os.path.dirname(peer.path)


@pytest.fixture
def folder():
    path = tempfile.mkdtemp(prefix="amijson-ctl-")  # short: a socket's path has at most 107 bytes
    yield path
    shutil.rmtree(path, ignore_errors=True)


def serve(folder, scenario):
    return ConsolePeer(scenario, folder)


def asterisk(output, banner=BANNER):
    def scenario(conn, peer):
        conn.sendall(banner)
        peer.command(conn)
        conn.sendall(output)
    return scenario


def test_a_well_behaved_console_answers(folder):
    with serve(folder, asterisk(UPTIME)) as peer:
        code, doc = run(peer, "command", "core show uptime seconds")
    assert code == 0 and doc["route"] == "rx"
    assert peer.received == [b"cli quit after core show uptime seconds\0"]
    assert doc["server"] == {"socket": peer.path, "executable": None, "banner": "pbx/4242/22.10.1",
                             "version": "22.10.1"}
    assert doc["records"] == [{"system_uptime": 42, "last_reload": 7}]


def test_asterisk_s_socket_is_the_console_the_rx_route_reads(folder):
    """amijson as asterisk: -s SOCKET is --console SOCKET (it was refused as not_asterisk)."""
    with serve(folder, asterisk(UPTIME)) as peer:  # the environment names a socket that is not there
        proc = subprocess.run([amijson_path(), "--via", "rx", "asterisk", "-s", peer.path, "-rx", "core show uptime"],
                              capture_output=True, env=dict(offline_env(pathlib.Path(folder)),
                                                            AMIJSON_CONSOLE="/nonexistent/a.ctl"), timeout=30)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, UPTIME, b"")
    assert peer.received[-1].startswith(b"cli quit after core show uptime")


def test_verbose_lines_in_the_output_are_dropped(folder):
    noisy = (b"\xfc  == Setting global variable\n" + b"System uptime: 42\n\xfb  -- Executing [s@x:1] "
             + b"Wait(\"Local/1@x\", \"1\") in new stack\n" + b"Last reload: 7\n\xa0[Dec  1] NOTICE: x\n")
    with serve(folder, asterisk(noisy)) as peer:
        code, doc = run(peer, "command", "core show uptime seconds")
    assert code == 0 and doc["output"] == ["System uptime: 42", "Last reload: 7"]


@pytest.mark.parametrize("greeting", [b"\x00\xff\xfe garbage \x01\x02\n", b"Asterisk Call Manager/5.0.4\r\n",
                                      b"HTTP/1.1 400 Bad Request\r\n\r\n", b"x" * 100000])
def test_a_peer_that_is_no_console_is_a_protocol_error(folder, greeting):
    def scenario(conn, peer):
        conn.sendall(greeting)
        time.sleep(5)
    with serve(folder, scenario) as peer:
        code, doc = run(peer, "command", "core show uptime")
    assert code == 6 and doc["error"]["code"] == "protocol", doc
    assert peer.path in doc["error"]["message"]


def test_too_many_consoles_is_rx_unavailable(folder):
    with serve(folder, lambda conn, peer: conn.sendall(b"No more connections allowed\n")) as peer:
        code, doc = run(peer, "command", "core show uptime")
    assert code == 3 and doc["error"]["code"] == "rx_unavailable"
    assert "No more connections allowed" in doc["error"]["message"]


# "channels" is parsed as it comes (a reader thread reads while the output is parsed); a
# command whose parser takes the whole output is read in one thread: both ways end alike.
ONE_THREAD, STREAMED = ("command", "core show uptime"), ("channels",)


@pytest.mark.parametrize("verb", [ONE_THREAD, STREAMED], ids=["one-thread", "streamed"])
@pytest.mark.parametrize("banner", [b"", BANNER])
def test_a_peer_that_never_answers_nor_closes_is_a_timeout(folder, banner, verb):
    def scenario(conn, peer):
        conn.sendall(banner)
        time.sleep(DEADLINE + 5)
    with serve(folder, scenario) as peer:
        code, doc = run(peer, *verb)
    assert code == 5 and doc["error"]["code"] == "timeout" and peer.path in doc["error"]["message"]


def test_a_peer_that_closes_before_the_banner(folder):
    with serve(folder, lambda conn, peer: None) as peer:
        code, doc = run(peer, "command", "core show uptime")
    assert code == 6 and "without a banner" in doc["error"]["message"]


@pytest.mark.parametrize("verb", [ONE_THREAD, STREAMED], ids=["one-thread", "streamed"])
def test_a_peer_that_dribbles_a_byte_every_100ms_is_cut_at_the_deadline(folder, verb):
    def scenario(conn, peer):
        conn.sendall(BANNER)
        while True:
            conn.sendall(b"x")
            time.sleep(0.1)
    with serve(folder, scenario) as peer:
        code, doc = run(peer, *verb)
    assert code == 5 and doc["error"]["code"] == "timeout"


def endless(line):
    def scenario(conn, peer):
        conn.sendall(BANNER)
        peer.command(conn)
        block = line * (65536 // len(line) + 1)
        while True:
            conn.sendall(block)
    return scenario


# Spawns argv from a small process and prints its exit code and peak memory (kB) on stderr:
# Linux counts a spawning process's memory in its child's peak, and pytest's is large.
_MEASURE = """
import os, sys
pid = os.posix_spawn(sys.argv[1], sys.argv[1:], os.environ)
_, status, usage = os.wait4(pid, 0)
sys.stderr.write("%d %d" % (os.waitstatus_to_exitcode(status), usage.ru_maxrss))
"""


def measured(peer, *args, timeout):
    env = dict(offline_env(pathlib.Path(peer_folder(peer))), AMIJSON_CONSOLE=peer.path)
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", _MEASURE, amijson_path(), "--via", "rx", "--timeout", str(timeout),
                           *args], capture_output=True, env=env, timeout=timeout + 30)
    elapsed = time.monotonic() - started
    code, peak_kb = proc.stderr.decode().split()[-2:]
    assert "Traceback" not in proc.stderr.decode()
    assert elapsed < timeout + 1.0, "took %.1fs past a %ss deadline" % (elapsed, timeout)
    return int(code), validate_document(proc.stdout.decode()), int(peak_kb) / 1024


@pytest.mark.parametrize("line", [b"Local/1@x-00000001;1!x!s!1!Up!Wait!1!!!!3!2!!1764562800.1\n",
                                  b"y" * 1000000, b"\xfb  -- verbose without end\n"],
                         ids=["endless-lines", "one-huge-line", "endless-verbose"])
def test_endless_output_stops_at_max_size_or_the_deadline_within_bounded_memory(folder, line):
    with serve(folder, endless(line)) as peer:
        code, doc, peak_mb = measured(peer, "--max-size", "8", "channels", timeout=5)
    if line.startswith(b"\xfb"):  # all dropped: nothing counts against --max-size, the deadline ends it
        assert code == 5 and doc["error"]["code"] == "timeout", doc
    else:
        assert code == 6 and doc["error"]["code"] == "protocol" and "8 MiB" in doc["error"]["message"], doc
    # What was parsed as it came is held until the end: about 18 times the text (144 MB measured)
    assert peak_mb < 250, "peak memory %.0f MB with --max-size 8" % peak_mb


def test_streamed_output_with_verbose_lines_in_small_pieces(folder):
    """The concise listing a line per write, verbose lines between them, as the parse goes on."""
    rows = [b"Local/w@x-%08d;1!x!w!1!Up!Wait!36000!!!!3!1!!1795680213.%d\n" % (i, i) for i in range(3000)]

    def scenario(conn, peer):
        conn.sendall(BANNER)
        peer.command(conn)
        for number, row in enumerate(rows):
            conn.sendall(row)
            if number % 100 == 0:
                conn.sendall(b"\xfb  -- Executing [s@x:1] Wait in new stack\n")
    with serve(folder, scenario) as peer:
        code, doc = run(peer, "channels", timeout=20)
    assert code == 0 and doc["parser"] == "core_show_channels.concise", doc["error"]
    assert [r["channel"] for r in doc["records"]] == [row.split(b"!")[0].decode() for row in rows]
    assert doc["output"] == [row[:-1].decode() for row in rows]


def test_a_huge_line_within_max_size_arrives_whole(folder):
    with serve(folder, asterisk(b"z" * 3000000 + b"\n")) as peer:
        code, doc = run(peer, "command", "core show help x", timeout=10)
    assert code == 0 and doc["output"] == ["z" * 3000000]


def test_a_socket_nobody_listens_on_names_it(folder):
    path = os.path.join(folder, "asterisk.ctl")
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(path)
    stale.close()  # bound, never listening: what a stopped Asterisk leaves behind
    env = dict(offline_env(pathlib.Path(folder)), AMIJSON_CONSOLE=path)
    proc = subprocess.run([amijson_path(), "--via", "rx", "command", "core show uptime"], capture_output=True,
                          text=True, env=env, timeout=30)
    doc = validate_document(proc.stdout)
    assert proc.returncode == 3 and doc["error"]["code"] == "rx_unavailable"
    assert "%s exists but no Asterisk listens on it" % path in doc["error"]["message"]


def test_a_missing_socket_and_no_executable(folder):
    path = os.path.join(folder, "nothing", "asterisk.ctl")
    env = dict(offline_env(pathlib.Path(folder)), AMIJSON_CONSOLE=path)
    proc = subprocess.run([amijson_path(), "--via", "rx", "command", "core show uptime"], capture_output=True,
                          text=True, env=env, timeout=30)
    doc = validate_document(proc.stdout)
    assert proc.returncode == 3 and doc["error"]["code"] == "rx_unavailable"
    assert doc["error"]["message"].startswith("control socket %s does not exist" % path)
    assert "no asterisk executable to run instead" in doc["error"]["message"]


def test_permission_denied_names_the_socket_its_owner_group_mode_and_who_may_connect(folder):
    """As nobody, against a socket of root's with mode 0755: connecting needs write permission."""
    if shutil.which("setpriv") is None:
        pytest.fail("setpriv (util-linux) is needed to run as an unprivileged user")
    os.chmod(folder, 0o755)
    with serve(folder, asterisk(UPTIME)) as peer:
        os.chmod(peer.path, 0o755)
        group = grp.getgrgid(os.stat(peer.path).st_gid).gr_name
        env = dict(offline_env(pathlib.Path(folder)), AMIJSON_CONSOLE=peer.path)
        proc = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", amijson_path(),
                               "--via", "rx", "command", "core show uptime"], capture_output=True, text=True,
                              env=env, timeout=30)
    assert "Traceback" not in proc.stderr, proc.stderr
    doc = validate_document(proc.stdout)
    assert proc.returncode == 3 and doc["error"]["code"] == "rx_unavailable", doc
    owner = "root"
    assert doc["error"]["message"].startswith(
        "no permission to use control socket %s (owner %s, group %s, mode 755): run as %s"
        % (peer.path, owner, group, owner)), doc["error"]["message"]


def test_console_off_runs_the_executable_though_the_socket_answers(folder, tmp_path):
    exe = tmp_path / "asterisk"
    exe.write_text("#!/bin/sh\nprintf 'System uptime: 1\\nLast reload: 1\\n'\n")
    exe.chmod(stat.S_IRWXU)
    with serve(folder, asterisk(UPTIME)) as peer:
        code, doc = run(peer, "--console", "off", "command", "core show uptime seconds",
                        env={"AMIJSON_ASTERISK": str(exe)})
    assert code == 0 and peer.received == []
    assert doc["server"] == {"socket": None, "executable": str(exe), "banner": None, "version": None}
    assert doc["records"] == [{"system_uptime": 1, "last_reload": 1}]
