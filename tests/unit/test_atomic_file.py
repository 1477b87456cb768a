"""--output's file (amijson/formats/atomic_file.py): written atomically through descriptors, so that
another user who can write in the folder cannot make amijson change a file's mode (tried for real,
as nobody); the mode an admin chose kept; a new file's mode independent of umask 000; any name the
file system takes, and a name it cannot take refused before anything connects."""

import io
import os
import shutil
import socket
import stat
import subprocess
import tempfile
import time

import pytest

from amijson.cli import main
from amijson.errors import AmijsonError
from amijson.formats.atomic_file import writable_path, write_atomically

NOBODY = 65534

# Run as nobody: replace every temporary file that shows up in the folder with a link to the
# victim, until the parent writes "stop" to standard input or the time runs out; print how many
# were replaced. The loop is bounded (seconds) so that a failing run cannot hang.
SWAPPER = r"""
import os, select, sys, time
folder, victim, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
end = time.monotonic() + seconds
swapped = 0
print("ready", flush=True)
while time.monotonic() < end and not select.select([sys.stdin], [], [], 0)[0]:
    for entry in os.scandir(folder):
        if entry.name.endswith(".tmp") and not entry.is_symlink():
            try:
                os.unlink(entry.path)
                os.symlink(victim, entry.path)
                swapped += 1
            except OSError:
                pass
print(swapped, flush=True)
"""


@pytest.fixture
def nobodys_folder():
    """A folder owned by nobody (mode 0755), as the textfile folder is prometheus's, in a
    place nobody can reach (the test's tmp_path is root's, mode 0700)."""
    folder = tempfile.mkdtemp(prefix="amijson-output-")
    os.chmod(folder, 0o755)
    os.chown(folder, NOBODY, NOBODY)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_another_user_swapping_the_temporary_file_never_changes_a_files_mode(nobodys_folder, tmp_path):
    """Root writes --output in nobody's folder while nobody swaps each temporary file for a link
    to a root-owned 0600 file: that file keeps its mode and content (chmod by path followed the
    link and made it readable, within a few writes)."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.fail("this test runs as root, with setpriv (util-linux), to be a second user")
    victim = tmp_path / "shadow"
    victim.write_text("root's secret\n")
    victim.chmod(0o600)
    target = os.path.join(nobodys_folder, "amijson_status.prom")
    swapper = subprocess.Popen(["setpriv", "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY, "--clear-groups",
                                "/usr/bin/python3", "-c", SWAPPER, nobodys_folder, str(victim), "8"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert swapper.stdout.readline() == "ready\n"
        writes = failures = 0
        end = time.monotonic() + 2.5
        while time.monotonic() < end and writes < 3000 and stat.S_IMODE(victim.stat().st_mode) == 0o600:
            try:
                write_atomically(target, b"asterisk_up 1\n")
            except OSError:
                failures += 1  # the temporary file went away under us: nothing written, nothing changed
            writes += 1
    finally:
        out, _ = swapper.communicate("stop\n", timeout=15)
    swapped = int(out.split()[-1])
    assert stat.S_IMODE(victim.stat().st_mode) == 0o600, "after %d writes, %d swaps" % (writes, swapped)
    assert victim.read_text() == "root's secret\n" and victim.stat().st_uid == 0
    assert swapped > 0, "nobody never caught a temporary file in %d writes: the test proved nothing" % writes


def test_a_folder_everyone_may_write_without_the_sticky_bit_is_refused(tmp_path):
    folder = tmp_path / "open"
    folder.mkdir()
    folder.chmod(0o777)
    with pytest.raises(AmijsonError) as caught:
        writable_path(str(folder / "a.prom"))
    assert caught.value.code == "usage" and "no sticky bit" in caught.value.message
    with pytest.raises(AmijsonError):
        write_atomically(str(folder / "a.prom"), b"x\n")  # checked again on the folder amijson opened
    assert os.listdir(folder) == []
    folder.chmod(0o1777)  # /tmp's mode: others cannot replace amijson's files there
    write_atomically(writable_path(str(folder / "a.prom")), b"x\n")
    assert (folder / "a.prom").read_bytes() == b"x\n"


@pytest.mark.parametrize("mode", [0o600, 0o444, 0o640, 0o664])
def test_an_existing_files_mode_is_kept(tmp_path, mode):
    target = tmp_path / "a.prom"
    target.write_text("old\n")
    target.chmod(mode)
    write_atomically(str(target), b"new\n")
    assert target.read_text() == "new\n" and stat.S_IMODE(target.stat().st_mode) == mode


@pytest.mark.parametrize("umask, mode", [(0o000, 0o644), (0o022, 0o644), (0o077, 0o600), (0o027, 0o640)])
def test_a_new_file_is_0644_less_the_umask(tmp_path, umask, mode):
    before = os.umask(umask)
    try:
        write_atomically(str(tmp_path / "a.prom"), b"new\n")
    finally:
        os.umask(before)
    assert stat.S_IMODE((tmp_path / "a.prom").stat().st_mode) == mode


def test_a_link_in_files_place_is_replaced_not_followed(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_text("keep\n")
    elsewhere.chmod(0o600)
    (tmp_path / "a.prom").symlink_to(elsewhere)
    write_atomically(str(tmp_path / "a.prom"), b"new\n")
    assert not (tmp_path / "a.prom").is_symlink() and (tmp_path / "a.prom").read_text() == "new\n"
    assert elsewhere.read_text() == "keep\n" and stat.S_IMODE(elsewhere.stat().st_mode) == 0o600


def test_a_250_character_name_is_written(tmp_path):
    name = "a" * 245 + ".prom"
    path = writable_path(str(tmp_path / name))
    write_atomically(path, b"asterisk_up 1\n")
    assert os.listdir(tmp_path) == [name] and (tmp_path / name).read_bytes() == b"asterisk_up 1\n"


def test_a_name_the_file_system_cannot_take_is_refused_before_anything_connects(tmp_path):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.setblocking(False)
        out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
        environ = {"HOME": "/nonexistent", "AMIJSON_PORT": str(listener.getsockname()[1]), "AMIJSON_USER": "u",
                   "AMIJSON_SECRET": "s3cret-x", "AMIJSON_VIA": "ami"}
        name = "a" * 251 + ".prom"  # 256 bytes: one past NAME_MAX
        code = main(["--format", "prometheus", "--output", str(tmp_path / name), "uptime"], environ,
                    io.StringIO(""), out)
        with pytest.raises(BlockingIOError):
            listener.accept()  # nobody connected
    out.flush()
    assert code == 2 and out.buffer.getvalue() == b"" and os.listdir(tmp_path) == []
    with pytest.raises(AmijsonError) as caught:
        writable_path(str(tmp_path / name))
    assert "256 bytes long" in caught.value.message and "at most 255" in caught.value.message
