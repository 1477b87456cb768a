"""The code bundle (setup.py's write_bundle, amijson.CodeBundle): a build of the package holds
every module's code in one file, and an import takes a module from it only while the module's
source is the one it was made from, for the Python that made it.

Each case builds the bundle into a copy of the package and imports from it in a fresh
interpreter (-I: nothing of this environment's paths), as an installed amijson would."""

import importlib.util
import json
import shutil
import subprocess
import sys

import pytest

from conftest import REPO


def load_setup():
    spec = importlib.util.spec_from_file_location("amijson_setup", REPO / "setup.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # not __main__: setup() is not called
    return module


SETUP = load_setup()


@pytest.fixture
def build_lib(tmp_path):
    """A copy of the package as a build leaves it, with its bundle."""
    shutil.copytree(REPO / "amijson", tmp_path / "amijson", ignore=shutil.ignore_patterns("__pycache__", "*.marshal"))
    SETUP.write_bundle(str(tmp_path))
    return tmp_path


def loaders(build_lib, *modules, code=""):
    """{module: the class name of its loader} after importing ``modules`` from build_lib."""
    script = ("import sys, json; sys.path.insert(0, %r)\n"
              "import importlib\n"
              "for name in %r: importlib.import_module(name)\n"
              "%s\n"
              "print(json.dumps({n: type(m.__loader__).__name__ for n, m in sys.modules.items()"
              " if n.startswith('amijson')}))" % (str(build_lib), modules, code))
    run = subprocess.run([sys.executable, "-I", "-c", script], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.splitlines()[-1])


def test_every_module_but_the_package_itself_comes_from_the_bundle(build_lib):
    found = loaders(build_lib, "amijson.cli", "amijson.runner", "amijson.parsers.core_show_channels",
                    "amijson.formats")
    assert found.pop("amijson") == "SourceFileLoader"  # it reads the bundle
    assert found and set(found.values()) == {"CodeBundle"}, found
    assert {"amijson.cli", "amijson.parsers", "amijson.parsers.core_show_channels", "amijson.formats"} <= set(found)


def test_a_bundled_module_looks_like_its_file(build_lib):
    script = ("import amijson.cli as m, amijson.parsers as p\n"
              "print(m.__file__, m.__spec__.origin, p.__path__[0], m.__doc__)")
    run = subprocess.run([sys.executable, "-I", "-c", "import sys; sys.path.insert(0, %r)\n%s" % (str(build_lib), script)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    file, origin, parsers, doc = run.stdout.split()
    assert file == origin == str(build_lib / "amijson" / "cli.py")
    assert parsers == str(build_lib / "amijson" / "parsers")
    assert doc == "None"  # built without docstrings: nothing reads them at run time


def test_a_changed_source_is_imported_from_itself(build_lib):
    with open(build_lib / "amijson" / "records.py", "a") as handle:
        handle.write("\nCHANGED = True  # an edit after the build\n")
    found = loaders(build_lib, "amijson.records", "amijson.document",
                    code="assert sys.modules['amijson.records'].CHANGED")
    assert found["amijson.records"] == "SourceFileLoader"
    assert found["amijson.document"] == "CodeBundle"


def test_a_removed_source_is_not_imported_from_the_bundle(build_lib):
    (build_lib / "amijson" / "answer.py").unlink()
    script = ("import sys; sys.path.insert(0, %r)\n"
              "try:\n    import amijson.answer\nexcept ImportError:\n    print('gone')" % str(build_lib))
    run = subprocess.run([sys.executable, "-I", "-c", script], capture_output=True, text=True, timeout=60)
    assert run.stdout.strip() == "gone", (run.stdout, run.stderr)


def test_another_pythons_bundle_is_left_alone(build_lib):
    path = next((build_lib / "amijson").glob("codebundle.*.marshal"))
    data = bytearray(path.read_bytes())
    length = int.from_bytes(data[:4], "little")
    index = bytes(data[4:4 + length])
    magic = importlib.util.MAGIC_NUMBER
    assert index.count(magic) == 1
    path.write_bytes(bytes(data[:4]) + index.replace(magic, bytes([magic[0] ^ 1]) + magic[1:]) + bytes(data[4 + length:]))
    found = loaders(build_lib, "amijson.cli")
    assert set(found.values()) == {"SourceFileLoader"}, found


def test_a_traceback_shows_the_module_and_its_line(build_lib):
    """Compiled under its path in the package: linecache finds the source on sys.path."""
    script = ("import sys, traceback; sys.path.insert(0, %r)\n"
              "from amijson.inputs import integer\n"
              "try:\n    integer('--count', 'many')\n"
              "except Exception:\n    print(traceback.format_exc())" % str(build_lib))
    run = subprocess.run([sys.executable, "-I", "-c", script], capture_output=True, text=True, timeout=60)
    assert 'File "amijson/inputs.py", line' in run.stdout, run.stdout + run.stderr
    assert "raise " in run.stdout.split('File "amijson/inputs.py"')[-1], run.stdout
