"""``amijson --profiles a,b events``: the real Asterisk 22 and 16 watched at once, their events
merged into one document or stream, each with its ``pbx``, and a stopped PBX reported as a fleet
run reports it while the others go on. Both sandboxes are needed at once, so these tests run
once (marked for 22) and bring up 16 too, as tests/integration/test_fleet_sandboxes.py does."""

import json
import subprocess
import time

import jsonschema
import pytest

from conftest import amijson_path
from test_fleet_sandboxes import FLEET_SCHEMA, PROFILES, REGISTRY, fleet  # noqa: F401  (the fixture)


def _ours(box):
    user = box["AMIJSON_USER"]
    return [line for line in box.cmd("rx", "manager show connected").stdout.splitlines()
            if line.split()[:1] == [user]]


@pytest.fixture
def merged(fleet, sandbox, _sandboxes):  # noqa: F811
    """``start(*args)``: amijson over the three profiles, returned once it is logged in to both
    sandboxes; the boxes; and, after the test, no call and no session of ours left on either."""
    env, members, secrets = fleet
    boxes = [sandbox, _sandboxes.get("16")]
    started = []

    def start(*args):
        before = [len(_ours(box)) for box in boxes]
        proc = subprocess.Popen([amijson_path(), "--profiles", ",".join(PROFILES), *args], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=env)
        started.append(proc)
        give_up = time.monotonic() + 15
        while any(len(_ours(box)) <= count for box, count in zip(boxes, before)):
            if proc.poll() is not None or time.monotonic() > give_up:
                proc.kill()
                pytest.fail("not logged in to both sandboxes: %s" % (proc.communicate(),))
            time.sleep(0.05)
        time.sleep(0.5)  # CoreSettings (22) and the Filters have run
        return proc

    yield start, boxes, secrets
    for box in boxes:
        box.cmd("hangup", check=False)
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    give_up = time.monotonic() + 5
    while any(_ours(box) for box in boxes) and time.monotonic() < give_up:
        time.sleep(0.05)
    assert not any(_ours(box) for box in boxes), "an AMI session of ours was left behind"


def _finish(proc, secrets):
    out, err = proc.communicate(timeout=60)
    out, err = out.decode(), err.decode()
    assert "Traceback" not in err, err
    for secret in secrets:
        assert secret not in out and secret not in err
    return out


@pytest.mark.release("22")
def test_one_document_of_both_releases_events_and_the_stopped_one_failed(merged):
    start, (box22, box16), secrets = merged
    proc = start("--timeout", "30", "--count", "4", "events", "Event=Newchannel")
    box22.cmd("calls", "1", "wait")
    box16.cmd("calls", "1", "wait")
    doc = json.loads(_finish(proc, secrets))
    jsonschema.Draft202012Validator(FLEET_SCHEMA, registry=REGISTRY).validate(doc)
    assert proc.returncode == 9 and doc["error"]["code"] == "partial", doc["error"]
    assert [record["pbx"] for record in doc["records"]] == ["pbx22", "pbx22", "pbx16", "pbx16"]
    assert all(list(record)[0] == "pbx" and record["Event"] == "Newchannel" for record in doc["records"])
    assert doc["events"]["bound"] == "count" and doc["events"]["matched"] == 4
    assert doc["summary"] == {"pbxes": 3, "answered": 2, "failed": 1, "errors": {"connect": 1}}
    by_name = {pbx["pbx"]: pbx for pbx in doc["pbxes"]}
    assert by_name["stopped"]["error"]["code"] == "connect"
    assert by_name["pbx22"]["ok"] and by_name["pbx16"]["ok"]
    # Each PBX's own filter form: MatchCriteria on 22.10, the legacy expression on 16.28.
    assert by_name["pbx22"]["events"]["server_filters"] == ["eventfilter(name(Newchannel))"]
    assert by_name["pbx16"]["events"]["server_filters"][0].startswith("(^|[[:cntrl:]])")
    assert (by_name["pbx22"]["events"]["matched"], by_name["pbx16"]["events"]["matched"]) == (2, 2)


@pytest.mark.release("22")
def test_a_merged_stream_until_an_event_of_either(merged):
    """ndjson: the stopped PBX's failure as a gap marker when it happens, each event with its
    pbx, and the --until event (a Hangup on 16) ends the watch of both."""
    start, (box22, box16), secrets = merged
    proc = start("--format", "ndjson", "--timeout", "40", "--until", "Event=Hangup", "events", "Event=Newchannel")
    box22.cmd("calls", "1", "wait")
    box16.cmd("calls", "1", "wait")
    box16.cmd("hangup")
    lines = [json.loads(line) for line in _finish(proc, secrets).splitlines()]
    assert proc.returncode == 9
    (failed,) = [line["gap"] for line in lines if "gap" in line]
    assert failed["pbx"] == "stopped" and failed["failed"]["code"] == "connect"
    events = [line for line in lines if "Event" in line]
    assert [(e["pbx"], e["Event"]) for e in events][:4] == [("pbx22", "Newchannel")] * 2 + [("pbx16", "Newchannel")] * 2
    assert (events[-1]["pbx"], events[-1]["Event"]) == ("pbx16", "Hangup")
    summary = lines[-1]["summary"]
    assert summary["bound"] == "until" and summary["matched"] == len(events)
    assert summary["error"]["code"] == "partial"
    assert [(pbx["pbx"], pbx["ok"]) for pbx in summary["pbxes"]] == [("pbx22", True), ("pbx16", True),
                                                                    ("stopped", False)]
