"""amijson.eventfleet: several PBXes' events into one sink, each with its pbx, the merged
bounds, and how the merged run's outcome is said."""

import io
import json

from amijson.errors import AmijsonError
from amijson.eventfleet import Merged, MemberSink, Watched, merged_bound, outcome, pbx_summary
from amijson.events import Watch
from amijson.eventstream import Collected, Stream


def _merged(count=None, until=(), sink=None):
    options = {"until": list(until)}
    if count is not None:
        options["count"] = str(count)
    else:
        options["for"] = "5"
    return Merged(sink if sink is not None else Collected(1 << 20), Watch(options, ["Event=Newchannel"]))


def test_events_of_every_pbx_numbered_in_merged_order_with_pbx_first():
    merged = _merged(count=3)
    alpha, beta = MemberSink(merged, "alpha"), MemberSink(merged, "beta")
    alpha.event(1, "Newchannel", {"Event": "Newchannel", "Channel": "a1"})
    beta.event(1, "Newchannel", {"Event": "Newchannel", "Channel": "b1", "pbx": "spoofed"})
    assert not alpha.gone
    alpha.event(2, "Newchannel", {"Event": "Newchannel", "Channel": "a2"})
    assert merged.sink.records == [{"pbx": "alpha", "Event": "Newchannel", "Channel": "a1"},
                                   {"pbx": "beta", "Event": "Newchannel", "Channel": "b1"},
                                   {"pbx": "alpha", "Event": "Newchannel", "Channel": "a2"}]
    assert [list(record)[0] for record in merged.sink.records] == ["pbx"] * 3
    # --count 3 is the merged stream's: both PBXes see the run over, and a late event is not kept.
    assert (merged.done, merged.bound, alpha.gone, beta.gone) == (True, "count", True, True)
    beta.event(2, "Newchannel", {"Event": "Newchannel", "Channel": "b2"})
    assert len(merged.sink.records) == 3 and merged.matched == 3


def test_the_first_until_event_of_any_pbx_ends_the_merged_run():
    merged = _merged(until=["Event=Hangup", "Cause=16"])
    alpha, beta = MemberSink(merged, "alpha"), MemberSink(merged, "beta")
    alpha.event(1, "Hangup", {"Event": "Hangup", "Cause": "17"})
    assert not merged.done
    beta.event(1, "Hangup", {"Event": "Hangup", "cause": ["16"]})  # header names in any case, repeats as lists
    assert (merged.done, merged.bound) == (True, "until")
    assert merged.sink.records[-1]["pbx"] == "beta"


def test_a_stream_marks_a_failure_and_a_reconnection_with_their_pbx():
    out = io.StringIO()
    merged = _merged(count=5, sink=Stream("ndjson", out, 1 << 20))
    beta = MemberSink(merged, "beta")
    beta.failed(AmijsonError("connect", "cannot connect to 127.0.0.1:5999: Connection refused"))
    beta.reconnected({"lost": "2026-12-07T15:40:01.250Z", "back": "2026-12-07T15:40:02.850Z", "seconds": 1.6})
    beta.event(1, "Newchannel", {"Event": "Newchannel"})
    merged.sink.finish({"ok": True}, 5)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert lines[0] == {"gap": {"pbx": "beta", "failed": {"code": "connect",
                                                          "message": "cannot connect to 127.0.0.1:5999: Connection refused"}}}
    assert lines[1]["gap"]["reconnected"]["pbx"] == "beta" and lines[1]["gap"]["reconnected"]["seconds"] == 1.6
    assert lines[2] == {"pbx": "beta", "Event": "Newchannel"} and lines[3] == {"summary": {"ok": True}}


class _Member:
    def __init__(self, name):
        self.name = name


def _watched(name, bound, error=None):
    item = Watched(_Member(name))
    item.tally.bound, item.error = bound, error
    return item


def test_the_merged_outcome_is_said_as_a_fleet_run_says_it():
    from amijson.deadline import Deadline
    merged = _merged(count=3)
    ok, refused = _watched("a", "for"), _watched("b", "error", AmijsonError("auth", "login refused"))
    assert merged_bound(merged, [ok, refused]) == "for"
    error = outcome(merged, [ok, refused], Deadline(10))
    assert error.code == "partial" and error.message == "1 of 2 PBXes failed (auth 1)"
    assert outcome(merged, [ok], Deadline(10)) is None
    late = _watched("c", "timeout", AmijsonError("timeout", "deadline of 10s passed"))
    assert merged_bound(merged, [ok, late]) == "timeout"
    assert outcome(merged, [ok, late], Deadline(10)).code == "timeout"
    # A PBX whose watch the merged run ended shows the merged run's bound.
    merged.end("count")
    assert pbx_summary(_watched("d", "reader_gone"), "count")["bound"] == "count"
    assert pbx_summary(refused, "count")["bound"] == "error" and not pbx_summary(refused, "count")["ok"]
