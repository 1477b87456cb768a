"""The README's two commands, as written: the demo runs here, and CI runs the other one."""

import json
import os
import re
import subprocess

import pytest

from conftest import REPO

README = (REPO / "README.md").read_text()


def _two_commands():
    """The command lines of the README's 'Two commands' block, comments left out."""
    section = README[README.index("## Two commands"):]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    return [line.split("#", 1)[0].strip() for line in block.splitlines() if line.strip()]


def test_the_readme_names_the_demo_and_the_test_command():
    assert _two_commands() == ["scripts/demo", "scripts/test"]


def test_ci_runs_the_readmes_test_command():
    ci = (REPO / ".ci" / "run").read_text()
    assert re.search(r"^exec %s\b" % re.escape(_two_commands()[1]), ci, re.M), ci


@pytest.mark.release("22")  # scripts/demo runs the default sandbox
def test_the_demo_runs_as_written(sandbox, live_calls):
    """scripts/demo: amijson installed, the sandbox up with two calls, their channels as JSON."""
    demo = _two_commands()[0]
    env = {k: v for k, v in os.environ.items() if k != "AMIJSON_SANDBOX_RELEASE"}  # the default sandbox, 22
    proc = subprocess.run(["bash", "-c", demo], cwd=str(REPO), capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    decoder = json.JSONDecoder()
    text, docs = proc.stdout.strip(), []
    while text:
        doc, end = decoder.raw_decode(text)
        docs.append(doc)
        text = text[end:].strip()
    assert [d["ok"] for d in docs] == [True, True], docs
    assert len(docs[0]["records"]) == 4 and len(docs[1]["records"]) == 4  # two calls, two channels each
    assert "running: yes" in sandbox.cmd("status").stdout
