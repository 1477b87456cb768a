"""scripts/demo ends by saying what to try next and how to stop the sandbox; what it suggests
runs, as printed, in a shell of its own."""

import json
import os
import subprocess

import pytest

from conftest import REPO


def _next_steps(stderr):
    """The indented command lines after "Try next", and the line that says how to stop."""
    text = stderr[stderr.index("Try next"):]
    lines = text.splitlines()[1:]
    commands = []
    for line in lines:
        if not line.startswith("  "):
            break
        commands.append(line.strip())
    stop = next(line for line in lines if line.startswith("To stop the sandbox"))
    return commands, stop


@pytest.mark.release("22")  # scripts/demo runs the default sandbox
def test_the_demo_says_what_to_try_next_and_it_runs(sandbox, live_calls, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "AMIJSON_SANDBOX_RELEASE"}  # the default sandbox, 22
    demo = subprocess.run(["scripts/demo"], cwd=str(REPO), capture_output=True, text=True, timeout=600, env=env)
    assert demo.returncode == 0, demo.stderr[-3000:]
    commands, stop = _next_steps(demo.stderr)
    assert commands[0] == 'eval "$(scripts/asterisk-sandbox env)"', commands
    assert len(commands) >= 3 and all(" " in c and c.split()[0].endswith("amijson") for c in commands[1:]), commands
    assert stop.endswith(": scripts/asterisk-sandbox down"), stop

    # Each suggestion, as printed, after the env line, in a shell that has none of the settings.
    home = tmp_path / "home"
    home.mkdir()
    clean = {"PATH": env["PATH"], "HOME": env.get("HOME", str(home))}
    for command in commands[1:]:
        run = subprocess.run(["bash", "-c", commands[0] + "\n" + command], cwd=str(REPO), capture_output=True,
                             text=True, timeout=60, env=clean)
        assert run.returncode == 0, (command, run.stdout[-2000:], run.stderr[-2000:])
        doc = json.loads(run.stdout)
        assert doc["ok"] is True and doc["error"] is None, (command, doc)
    assert "running: yes" in sandbox.cmd("status").stdout
