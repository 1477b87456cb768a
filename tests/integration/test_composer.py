"""The PHP library as a Composer package (php-examples/composer.json), installed by the real
``composer`` (Debian's package; scripts/test installs it) into a fresh project through a "path"
repository, with the network off; then a script of that project calls amijson() through
vendor/autoload.php against the sandbox, and the channels example runs on the autoloaded library."""

import json
import os
import shutil
import subprocess

import pytest

from conftest import REPO, amijson_path

PACKAGE = REPO / "php-examples"
NAME = json.loads((PACKAGE / "composer.json").read_text())["name"]

APP_SCRIPT = r"""<?php
require __DIR__ . '/vendor/autoload.php';

$ping = amijson(['action', 'Ping']);
$channels = amijson(['channels'], ['records' => true]);
try {
    amijson(['action', 'NoSuchAction']);
    $failure = null;
} catch (AmijsonException $e) {
    $failure = [$e->getErrorCode(), $e->getExitCode()];
}
echo json_encode([
    'from' => (new ReflectionFunction('amijson'))->getFileName(),
    'ping' => $ping['response']['Ping'],
    'route' => $ping['route'],
    'channels' => count($channels),
    'failure' => $failure,
]), "\n";
"""

# The example, as shipped in the package, on the library the autoloader loaded: its own
# require_once of amijson.php finds the file already included.
EXAMPLE_SCRIPT = r"""<?php
require __DIR__ . '/vendor/autoload.php';
require __DIR__ . '/vendor/%s/channels.php';
""" % NAME


def composer_env(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "COMPOSER_HOME": str(home / "composer"),
        "COMPOSER_CACHE_DIR": str(home / "cache"),
        "COMPOSER_DISABLE_NETWORK": "1",   # the path repository is all it may use
        "COMPOSER_NO_INTERACTION": "1",
        "COMPOSER_ALLOW_SUPERUSER": "1",
    }


@pytest.fixture
def composer():
    path = shutil.which("composer")
    if not path:
        pytest.fail("composer is not installed (scripts/test installs Debian's composer package)")
    return path


def test_the_package_is_valid(composer, tmp_path):
    proc = subprocess.run([composer, "validate", "--strict", "--no-check-publish", str(PACKAGE / "composer.json")],
                          capture_output=True, text=True, env=composer_env(tmp_path), timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    package = json.loads((PACKAGE / "composer.json").read_text())
    assert package["autoload"] == {"files": ["amijson.php"]}
    assert package["require"]["php"] == ">=7.4"


@pytest.mark.release("22")  # installing a PHP package does not depend on the Asterisk release
def test_a_project_installs_the_package_and_calls_amijson_through_the_autoloader(composer, sandbox, live_calls,
                                                                                tmp_path):
    app = tmp_path / "app"
    app.mkdir()
    (app / "composer.json").write_text(json.dumps({
        "name": "example/app",
        "type": "project",
        # symlink false: a copy, as a VCS or archive install would give, not a link into the checkout
        "repositories": [{"type": "path", "url": str(PACKAGE), "options": {"symlink": False}}],
        "require": {NAME: "*@dev"},
    }, indent=4))
    env = composer_env(tmp_path)
    installed = subprocess.run([composer, "install", "--no-plugins", "--no-scripts", "--no-progress"], cwd=str(app),
                               capture_output=True, text=True, env=env, timeout=300)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    vendored = app / "vendor" / NAME
    assert not vendored.is_symlink() and (vendored / "amijson.php").read_bytes() == \
        (PACKAGE / "amijson.php").read_bytes()
    lock = json.loads((app / "composer.lock").read_text())
    assert [p["name"] for p in lock["packages"]] == [NAME]

    (app / "app.php").write_text(APP_SCRIPT)
    (app / "example.php").write_text(EXAMPLE_SCRIPT)
    live_calls(1)
    # amijson found on PATH (no AMIJSON_BIN); the sandbox's settings in the environment
    run_env = {"PATH": "%s:/usr/bin:/bin" % os.path.dirname(amijson_path()), "HOME": env["HOME"],
               "AMIJSON_MANAGER_CONF": "/nonexistent"}
    run_env.update({key: sandbox[key] for key in ("AMIJSON_HOST", "AMIJSON_PORT", "AMIJSON_USER", "AMIJSON_SECRET")})
    proc = subprocess.run(["php", "app.php"], cwd=str(app), capture_output=True, text=True, env=run_env, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Warning" not in proc.stderr and "Deprecated" not in proc.stderr, proc.stderr
    out = json.loads(proc.stdout)
    assert out == {"from": str(vendored / "amijson.php"), "ping": "Pong", "route": "ami", "channels": 2,
                   "failure": ["action_failed", 1]}, out

    example = subprocess.run(["php", "example.php"], cwd=str(app), capture_output=True, text=True, env=run_env,
                             timeout=60)
    assert example.returncode == 0, example.stdout + example.stderr
    assert json.loads(example.stdout)["count"] == 2
    assert (app / "vendor" / "composer" / "autoload_files.php").read_text().count("amijson.php") == 1
