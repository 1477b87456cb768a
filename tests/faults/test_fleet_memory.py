"""A fleet's memory against hostile peers: the run shares one --max-size budget (amijson/budget.py)
instead of holding --max-size per PBX, --parallel of them at once.

Each hostile peer sends a banner, then endless ``Output:`` lines (one message that never ends),
as fast as amijson reads; honest peers among them answer Ping. The peak memory of the amijson
process is measured (wait4's ru_maxrss, from a small parent: Linux counts the spawning process's
memory in a child's peak) and must stay within a bound that does not grow with the number of
peers, while every honest peer still answers. Before the budget, 64 such peers with --max-size 8
peaked at 283 MB and 256 at 533 MB (some cut by the deadline); with it, 50 to 75 MB."""

import json
import subprocess
import sys
import time

import pytest

from conftest import amijson_path
from fakeami import BANNER_22, FakeAmi, ScriptedAmi, aid_line

MAX_SIZE = 8  # MiB: the run's whole budget
BOUND_MB = 40 + 8 * MAX_SIZE  # a fleet run's own ~40 MB, and the budget's bytes with what reading them costs
DEADLINE = 4
HONEST = 4

BLOCK = b"".join(b"Output: %06d Local/endless@amijson-test-00000001;1 hostile line of output text\r\n" % i
                 for i in range(2048))

_MEASURE = """
import os, sys
pid = os.posix_spawn(sys.argv[1], sys.argv[1:], os.environ)
_, status, usage = os.wait4(pid, 0)
sys.stderr.write("%d %d" % (os.waitstatus_to_exitcode(status), usage.ru_maxrss))
"""


def endless(peer):
    peer.send(BANNER_22)
    while True:  # until amijson hangs up: ScriptedAmi takes the OSError
        peer.send(BLOCK)


def ping(h):
    return b"Response: Success\r\n" + aid_line(h) + b"Ping: Pong\r\nTimestamp: 1.0\r\n\r\n"


@pytest.fixture
def fleet(request):
    """``count`` hostile peers and HONEST honest ones among them, each on a loopback address
    of its own and one port: (peers in --host order, the port, the honest ones' hosts)."""
    count = request.param
    first = ScriptedAmi(endless, host="127.0.1.1")
    hostile = [first] + [ScriptedAmi(endless, host="127.0.%d.%d" % (1 + i // 250, 1 + i % 250), port=first.port)
                         for i in range(1, count)]
    honest = [FakeAmi(replies={"ping": ping}, host="127.0.9.%d" % (1 + i), port=first.port) for i in range(HONEST)]
    peers = list(hostile)
    for i, peer in enumerate(honest):
        peers.insert((i + 1) * count // (HONEST + 1), peer)
    yield peers, first.port, {peer.address[0] for peer in honest}
    for peer in peers:
        peer.close()


@pytest.mark.parametrize("fleet", [64, 256], indirect=True, ids=["64-peers", "256-peers"])
def test_hostile_peers_share_one_budget_and_honest_ones_still_answer(fleet, tmp_path):
    peers, port, honest = fleet
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "AMIJSON_USER": "fault", "AMIJSON_SECRET": "fault-s3cret",
           "AMIJSON_PORT": str(port), "AMIJSON_VIA": "ami", "AMIJSON_MANAGER_CONF": "/nonexistent"}
    hosts = ",".join(peer.address[0] for peer in peers)
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", _MEASURE, amijson_path(), "--host", hosts, "--timeout",
                           str(DEADLINE), "--max-size", str(MAX_SIZE), "action", "Ping"],
                          capture_output=True, env=env, timeout=DEADLINE + 30)
    elapsed = time.monotonic() - started
    code, peak_kb = proc.stderr.decode().split()[-2:]
    peak_mb = int(peak_kb) / 1024
    assert b"Traceback" not in proc.stderr
    doc = json.loads(proc.stdout)
    assert int(code) == 9 and elapsed < DEADLINE + 2
    for pbx in doc["pbxes"]:
        if pbx["pbx"] in honest:
            assert pbx["ok"], pbx["error"]  # hostile peers filling the budget cannot starve these
        else:
            assert pbx["error"]["code"] in ("protocol", "timeout"), pbx["error"]
    assert doc["summary"]["answered"] == HONEST
    assert peak_mb < BOUND_MB, "peak %.0f MB with %d hostile peers sharing --max-size %d" % (
        peak_mb, len(peers) - HONEST, MAX_SIZE)
    print("%d hostile peers, --max-size %d: peak %.0f MB in %.1f s" % (len(peers) - HONEST, MAX_SIZE, peak_mb,
                                                                       elapsed), file=sys.stderr)
