"""scripts/install puts amijson on PATH for every user, and --uninstall takes back exactly that.

It runs into a temporary prefix and bin directory (AMIJSON_INSTALL_PREFIX, AMIJSON_INSTALL_BIN),
never /opt or /usr/local/bin of this machine. The installed command is run from fresh login
shells (``env -i bash -lc``), as root and as user nobody, and the PHP library finds it on PATH
with no AMIJSON_BIN."""

import json
import os
import shutil
import subprocess
import tempfile

import pytest

import amijson
from conftest import REPO

INSTALL = REPO / "scripts" / "install"
LIBRARY = REPO / "php-examples" / "amijson.php"


@pytest.fixture
def place():
    """A directory every user may enter (pytest's own tmp_path is root's alone), with an empty
    bin directory and the parent of the prefix; removed afterwards."""
    base = tempfile.mkdtemp(prefix="amijson-install-", dir="/tmp")
    os.chmod(base, 0o755)
    for name in ("bin", "opt"):
        os.mkdir(os.path.join(base, name))
    yield base
    shutil.rmtree(base, ignore_errors=True)


def install_env(place, **extra):
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/root"),
           "AMIJSON_INSTALL_PREFIX": os.path.join(place, "opt", "amijson"),
           "AMIJSON_INSTALL_BIN": os.path.join(place, "bin")}
    env.update(extra)
    return env


def install(place, *args, **extra):
    return subprocess.run([str(INSTALL), *args], capture_output=True, text=True, env=install_env(place, **extra),
                          timeout=600)


def tree(place):
    """Every path under ``place``, relative."""
    return sorted(os.path.relpath(os.path.join(top, name), place)
                  for top, dirs, files in os.walk(place) for name in dirs + files)


def login_shell(script, home, user=None):
    """``script`` in a fresh login shell: nothing of this process's environment but HOME."""
    command = ["env", "-i", "HOME=%s" % home, "bash", "-lc", script]
    if user:
        import pwd
        entry = pwd.getpwnam(user)
        command = ["setpriv", "--reuid=%d" % entry.pw_uid, "--regid=%d" % entry.pw_gid, "--clear-groups"] + command
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def test_install_runs_for_every_user_then_uninstall_leaves_nothing(place, tmp_path):
    before = tree(place)
    prefix, bindir = os.path.join(place, "opt", "amijson"), os.path.join(place, "bin")
    done = install(place)
    assert done.returncode == 0, done.stderr
    link = os.path.join(bindir, "amijson")
    assert os.path.islink(link) and os.readlink(link) == os.path.join(prefix, "bin", "amijson")
    assert "amijson %s installed" % amijson.__version__ in done.stderr

    home = tmp_path / "home"
    home.mkdir()
    shell = login_shell('PATH="%s:$PATH"; command -v amijson; amijson --version; amijson --help' % bindir, home)
    assert shell.returncode == 0, shell.stderr
    lines = shell.stdout.splitlines()
    assert lines[0] == link and lines[1] == "amijson %s" % amijson.__version__
    assert "usage: amijson [options] action NAME" in shell.stdout and "--http-port" in shell.stdout

    # The installed command reads its modules from the code bundle the build made (setup.py).
    verbose = login_shell('PATH="%s:$PATH"; PYTHONVERBOSE=1 amijson --version' % bindir, home)
    assert bundled_imports(verbose.stderr) == {True}, verbose.stderr[-2000:]

    # Another user: everything from the link to the interpreter is open to others.
    nobody = login_shell('PATH="%s:$PATH"; amijson --version; amijson' % bindir, "/", user="nobody")
    assert nobody.stdout.splitlines()[0] == "amijson %s" % amijson.__version__, nobody.stderr
    assert json.loads(nobody.stdout.splitlines()[1])["error"]["code"] == "usage"

    # The PHP library finds it on PATH, with no AMIJSON_BIN.
    found = subprocess.run(["php", "-r", "require %s; echo amijson_find_binary();" % json.dumps(str(LIBRARY))],
                           capture_output=True, text=True, timeout=60,
                           env={"PATH": "%s:/usr/bin:/bin" % bindir, "HOME": str(home)})
    assert found.stdout == link, found.stderr

    again = install(place)  # an upgrade: the same two, replaced
    assert again.returncode == 0, again.stderr
    assert os.readlink(link) == os.path.join(prefix, "bin", "amijson")

    removed = install(place, "--uninstall")
    assert removed.returncode == 0, removed.stderr
    assert tree(place) == before
    assert install(place, "--uninstall").returncode == 0  # nothing left to remove: still fine


def bundled_imports(stderr):
    """For each amijson module but the package itself in Python's verbose import log: whether
    the code bundle loaded it ({True} when all did)."""
    return {"<amijson.CodeBundle object" in line for line in stderr.splitlines()
            if line.startswith("import 'amijson.") and " # <" in line}


def test_pipx_install_gets_the_code_bundle(tmp_path):
    """pipx (Debian's) installs amijson in a virtual environment of its own and links the
    command; the link runs with the modules from the bundle, as pip and scripts/install do."""
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "PIPX_HOME": str(tmp_path / "pipx"),
           "PIPX_BIN_DIR": str(tmp_path / "bin")}
    done = subprocess.run(["pipx", "install", str(REPO)], capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    command = tmp_path / "bin" / "amijson"
    assert command.is_symlink()
    run = subprocess.run([str(command), "--version"], capture_output=True, text=True, timeout=60,
                         env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONVERBOSE": "1"})
    assert run.stdout == "amijson %s\n" % amijson.__version__, run.stderr[-2000:]
    assert bundled_imports(run.stderr) == {True}, run.stderr[-2000:]
    gone = subprocess.run(["pipx", "uninstall", "amijson"], capture_output=True, text=True, env=env, timeout=120)
    assert gone.returncode == 0 and not command.exists(), gone.stderr


def test_the_default_bin_directory_is_on_every_login_path(tmp_path):
    """/usr/local/bin, where scripts/install links amijson by default, is on the PATH a login
    shell gives root and other users (Debian's /etc/profile)."""
    for user, home in ((None, str(tmp_path)), ("nobody", "/")):
        shell = login_shell('echo "$PATH"', home, user=user)
        assert "/usr/local/bin" in shell.stdout.strip().split(":"), (user, shell.stdout)


def test_install_refuses_what_it_did_not_make_and_uninstall_leaves_it(place):
    prefix, bindir = os.path.join(place, "opt", "amijson"), os.path.join(place, "bin")
    os.mkdir(prefix)
    with open(os.path.join(prefix, "data"), "w") as handle:
        handle.write("someone else's\n")
    refused = install(place)
    assert refused.returncode == 1 and "scripts/install did not make it" in refused.stderr
    left = install(place, "--uninstall")
    assert left.returncode == 0 and "left %s alone" % prefix in left.stderr
    assert os.path.exists(os.path.join(prefix, "data"))
    os.remove(os.path.join(prefix, "data"))

    # Another amijson in the bin directory (a pip install, say): neither replaced nor removed.
    other = os.path.join(bindir, "amijson")
    with open(other, "w") as handle:
        handle.write("#!/bin/sh\n")
    refused = install(place)
    assert refused.returncode == 1 and "is not the link to" in refused.stderr
    assert install(place, "--uninstall").returncode == 0 and os.path.isfile(other)


def test_relative_or_root_prefixes_are_refused(place):
    for prefix in ("opt/amijson", "/"):
        refused = install(place, AMIJSON_INSTALL_PREFIX=prefix)
        assert refused.returncode == 1 and "absolute path" in refused.stderr, refused.stderr


def test_asterisk_link_in_a_folder_of_its_own_and_uninstall_takes_it(place):
    """--asterisk-link: PREFIX/asterisk-link/asterisk -> amijson, on no PATH by itself; a script whose
    PATH starts with that folder runs amijson as asterisk, for root and for other users."""
    before = tree(place)
    prefix = os.path.join(place, "opt", "amijson")
    done = install(place, "--asterisk-link")
    assert done.returncode == 0, done.stderr
    folder = os.path.join(prefix, "asterisk-link")
    assert os.listdir(folder) == ["asterisk"]
    assert os.readlink(os.path.join(folder, "asterisk")) == os.path.join(prefix, "bin", "amijson")
    assert "put %s first in the PATH" % folder in done.stderr
    assert not os.path.exists(os.path.join(place, "bin", "asterisk"))  # never next to amijson's own link
    for user, home in ((None, place), ("nobody", "/")):
        shell = login_shell('PATH="%s:$PATH"; command -v asterisk; asterisk -c; echo "exit $?"; '
                            'AMIJSON_PORT=1 AMIJSON_VIA=ami AMIJSON_USER=u AMIJSON_SECRET=s3cret-x '
                            'asterisk -rx "core show uptime"; echo "exit $?"' % folder, home, user=user)
        lines = shell.stdout.splitlines()
        assert lines == [os.path.join(folder, "asterisk"), "exit 8", "exit 3"], (user, shell.stdout, shell.stderr)
        errors = shell.stderr.splitlines()
        assert errors[0].startswith("amijson: not_asterisk: this is amijson, not Asterisk"), shell.stderr
        assert errors[1].startswith("amijson: connect: "), shell.stderr
    removed = install(place, "--uninstall")
    assert removed.returncode == 0, removed.stderr
    assert tree(place) == before


def test_asterisk_link_is_refused_where_a_real_asterisk_is_installed(place, tmp_path):
    real = tmp_path / "sbin"
    real.mkdir()
    (real / "asterisk").write_text("#!/bin/sh\necho real\n")
    (real / "asterisk").chmod(0o755)
    before = tree(place)
    refused = install(place, "--asterisk-link", PATH="%s:%s" % (real, os.environ["PATH"]))
    assert refused.returncode == 1 and "a real Asterisk is installed on this machine (%s/asterisk)" % real \
        in refused.stderr, refused.stderr
    assert tree(place) == before
