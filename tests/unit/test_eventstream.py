"""amijson.eventstream: a stream's framing, and the bounded buffer's accounting when the
events of a read are handed to the writer together (``Stream.flush``) rather than one by one."""

import io
import os
import json
import threading
import time

from hypothesis import given, settings, strategies as st

from amijson.eventstream import Stream

# Header names and values as AMI may bring them: quotes, backslashes, control characters,
# text that is not ASCII (the encoder writes \u escapes), empty values.
TEXT = st.text(alphabet=st.characters(max_codepoint=0x2FF) | st.sampled_from('"\\\t\x7f€'), max_size=12)
RECORD = st.dictionaries(TEXT, TEXT | st.lists(TEXT, min_size=1, max_size=3), max_size=6)
NAME = st.sampled_from(["Newchannel", "Hangup", "Queue_Member", "odd name", "", None])


def careful(kind, number, name, record):
    """A frame as the stream's documentation says it, event by event, through json.dumps."""
    text = json.dumps(record, ensure_ascii=True, separators=(",", ":"))
    if kind == "ndjson":
        return text + "\n"
    sse = name if name and name.isascii() and name.replace("_", "").isalnum() else "ami"
    return "event: %s\nid: %d\ndata: %s\n\n" % (sse, number, text)


@settings(max_examples=150, deadline=None)
@given(kind=st.sampled_from(["ndjson", "sse"]),
       events=st.lists(st.tuples(NAME, RECORD, st.booleans()), max_size=25))
def test_batched_frames_are_the_careful_frames(kind, events):
    """Whatever reads the events come in (a flush after some of them, not after others),
    the stream writes exactly what framing each event alone through json.dumps gives."""
    out = io.StringIO()
    stream = Stream(kind, out, 1 << 20)
    expected = []
    for number, (name, record, flush_after) in enumerate(events, 1):
        stream.event(number, name, record)
        expected.append(careful(kind, number, name, record))
        if flush_after:
            stream.flush()
    stream.finish({"ok": True}, wait=10)
    summary = careful(kind, 0, "summary", {"summary": {"ok": True}} if kind == "ndjson" else {"ok": True})
    if kind == "sse":
        summary = summary.replace("id: 0\n", "")
    assert out.getvalue() == "".join(expected) + summary
    assert stream.dropped == 0


class GatedOutput:
    """A reader that sleeps: each write waits until the gate opens."""

    def __init__(self):
        self.gate = threading.Event()
        self.parts = []
        self.writing = False

    def write(self, text):
        self.writing = True
        self.gate.wait(10)
        self.parts.append(text)
        self.writing = False

    def flush(self):
        pass

    def wake(self, writer):
        """The reader takes all that waits, then sleeps again."""
        self.gate.set()
        for _ in range(1000):
            with writer.condition:
                if not writer.queue and not self.writing:
                    break
            time.sleep(0.001)
        self.gate.clear()


@settings(max_examples=40, deadline=None)
@given(kind=st.sampled_from(["ndjson", "sse"]),
       reads=st.lists(st.tuples(st.integers(1, 12), st.booleans()), min_size=2, max_size=12),
       limit=st.integers(60, 600))
def test_what_does_not_fit_is_dropped_counted_and_marked(kind, reads, limit):
    """A reader that sleeps while reads of several events each arrive, and wakes now and
    then: every event is either written, in order, or dropped; the gap markers add up to
    the count dropped and each stands before the next event written (or the summary)."""
    sleeping_reader(kind, reads, limit)


def test_a_sleeping_reader_makes_drops():
    """The case where room must run out: twenty events of 70 bytes behind 200."""
    assert sleeping_reader("ndjson", [(1, False), (20, False)], 200) > 0
    assert sleeping_reader("sse", [(3, False), (20, True), (5, False)], 200) > 0


def sleeping_reader(kind, reads, limit):
    out = GatedOutput()
    stream = Stream(kind, out, limit)
    number = 0
    for size, wake in reads:
        for _ in range(size):
            number += 1
            stream.event(number, "Newchannel", {"Event": "Newchannel", "Seq": str(number), "Pad": "x" * 40})
        stream.flush()
        if wake:
            out.wake(stream.writer)
    out.gate.set()
    stream.finish({"ok": True, "dropped": stream.dropped}, wait=10)
    text = "".join(out.parts)
    if kind == "ndjson":
        lines = [json.loads(line) for line in text.splitlines()]
    else:
        lines = []
        for block in text.split("\n\n")[:-1]:
            head = dict(line.split(": ", 1) for line in block.split("\n"))
            data = json.loads(head["data"])
            lines.append({"gap": data} if head["event"] == "gap" else
                         {"summary": data} if head["event"] == "summary" else data)
    written, marked = [], 0
    for index, line in enumerate(lines):
        if "gap" in line:
            marked += line["gap"]["dropped"]
            assert "gap" not in lines[index + 1]  # a marker goes with what follows it
        elif "summary" not in line:
            written.append(int(line["Seq"]))
    assert "summary" in lines[-1] and lines[-1]["summary"]["dropped"] == stream.dropped
    assert written == sorted(written)
    assert len(written) + stream.dropped == number
    assert marked == stream.dropped
    return stream.dropped


def parse_ndjson(text):
    lines = [json.loads(line) for line in text.splitlines()]
    written = [int(line["Seq"]) for line in lines if "Seq" in line]
    marked = sum(line["gap"]["dropped"] for line in lines if "gap" in line)
    return lines, written, marked


def drain(fd, into):
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            return
        into.append(chunk)


@settings(max_examples=30, deadline=None)
@given(events=st.lists(st.tuples(NAME, RECORD, st.booleans()), max_size=25))
def test_a_pipe_that_keeps_up_gets_the_careful_frames(events):
    """To a pipe whose reader keeps up, the reading thread writes itself when the pipe is
    empty, the writer thread when not: the bytes are the careful frames all the same."""
    read_end, write_end = os.pipe()
    parts = []
    reader = threading.Thread(target=drain, args=(read_end, parts))
    reader.start()
    with open(write_end, "w") as out:
        stream = Stream("ndjson", out, 1 << 20)
        assert stream.writer.direct == "fifo"
        expected = []
        for number, (name, record, flush_after) in enumerate(events, 1):
            stream.event(number, name, record)
            expected.append(careful("ndjson", number, name, record))
            if flush_after:
                stream.flush()
        stream.finish({"ok": True}, wait=10)
    reader.join(10)
    os.close(read_end)
    assert b"".join(parts).decode() == "".join(expected) + '{"summary":{"ok":true}}\n'


def test_a_pipe_whose_reader_sleeps_drops_what_does_not_fit():
    """Past the pipe's own size and the buffer's, events are dropped, counted and marked,
    and the order of what is written holds, whichever thread wrote it."""
    read_end, write_end = os.pipe()
    out = open(write_end, "w")
    stream = Stream("ndjson", out, 16 << 10)
    number = 0
    for _ in range(40):  # 400 events of about 1 KiB: six times what the pipe and the buffer hold
        for _ in range(10):
            number += 1
            stream.event(number, "Newchannel", {"Event": "Newchannel", "Seq": str(number), "Pad": "x" * 1000})
        stream.flush()
    assert stream.dropped > 0
    parts = []
    reader = threading.Thread(target=drain, args=(read_end, parts))
    reader.start()  # the reader wakes
    stream.finish({"dropped": stream.dropped}, wait=10)
    out.close()
    reader.join(10)
    os.close(read_end)
    lines, written, marked = parse_ndjson(b"".join(parts).decode())
    assert written == sorted(written) and len(written) + stream.dropped == number == 400
    assert marked == stream.dropped == lines[-1]["summary"]["dropped"]


def test_a_pipe_closed_by_its_reader_ends_the_stream():
    """EPIPE on a write the reading thread made itself: the reader is gone, and what that
    write held is counted as dropped."""
    read_end, write_end = os.pipe()
    out = open(write_end, "w")
    stream = Stream("ndjson", out, 1 << 20)
    stream.event(1, "Hangup", {"Event": "Hangup"})
    stream.flush()
    assert os.read(read_end, 100) == b'{"Event":"Hangup"}\n'
    os.close(read_end)
    stream.event(2, "Hangup", {"Event": "Hangup"})
    stream.flush()
    assert stream.gone and stream.dropped == 1
