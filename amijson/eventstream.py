"""Where the events verb's matching events go: the one document, or a stream.

``Collected`` keeps them for the document. ``Stream`` writes each as it comes, as NDJSON
(one JSON object a line, the summary last as ``{"summary": {...}}``) or as Server-Sent
Events (``event:``, ``id:``, ``data:`` and a blank line; a ``: heartbeat`` comment line
when nothing was written for a few seconds; the summary as a last ``summary`` event).

A stream's writing happens in a thread of its own behind a bounded buffer
(``BoundedWriter``): the thread that reads AMI never waits for our reader. Were it to,
Asterisk would queue the events for our session, and past its own limits drop them or
the session without a word. What does not fit in the buffer is dropped here and counted,
in the summary and by a gap marker in the stream (``{"gap": {"dropped": N}}``, an SSE
``gap`` event) written before the next event that fits: never a silent loss.
"""

import os
import sys
import threading
import time

from amijson.jsonout import c_json

HEARTBEAT = 5.0  # seconds without a write before an SSE heartbeat comment
POLL_EVERY = 0.2  # seconds between polls of a quiet pipe for a reader gone (below the watch's 0.25 s tick)


def _make_encoder():
    """Compact ASCII JSON of an event's dict, as ``json.dumps(ensure_ascii=True)`` writes it:
    the C encoder made once (``json.dumps`` makes one per call, a third of its time here)."""
    encode_string, make_encoder = c_json()
    if make_encoder is None:  # pragma: no cover - CPython always has _json
        import json
        return json.JSONEncoder(ensure_ascii=True, separators=(",", ":")).encode

    def refuse(value):
        raise TypeError("not JSON: %r" % type(value))
    encoder = make_encoder(None, refuse, encode_string, None, ":", ",", False, False, True)
    return lambda value: "".join(encoder(value, 0))


_encode = _make_encoder()


class Collected:
    """The matching events, kept for the one document; at most ``max_bytes`` of text."""

    gone = False  # a document has no reader to lose before it is printed

    def __init__(self, max_bytes):
        self.records = []
        self.size = 0
        self.max_bytes = max_bytes
        self.dropped = 0

    def event(self, number, name, record):
        from amijson.errors import AmijsonError
        self.size += sum(len(key) + (len(value) if isinstance(value, str) else sum(map(len, value))) + 4
                         for key, value in record.items())
        if self.size > self.max_bytes:
            raise AmijsonError("protocol", "the matching events came to more than %d MiB; --max-size raises "
                               "the limit, --count or a narrower filter lowers what is kept"
                               % (self.max_bytes >> 20))
        self.records.append(record)

    def tick(self, now):
        pass

    def flush(self):
        pass  # kept until the document is printed

    def reconnected(self, span):
        pass  # the document says it in warnings

    def finish(self, summary):
        pass


class BoundedWriter:
    """Bytes to ``stream`` from a thread of its own, at most ``limit`` bytes waiting.
    ``put`` never blocks: what does not fit is refused (the caller counts it).

    ``write_now`` lets the calling thread write itself when that cannot block: nothing
    queued or being written, and the output a regular file, or a pipe with nothing in it
    (an empty pipe takes up to its size without waiting, whatever its pages hold). A
    reader that keeps up keeps its pipe empty, and then no hand-over to the thread, with
    its lock and wake-ups and the interpreter's lock passed back and forth, is paid at all
    (in a storm, the most of what the thread cost)."""

    def __init__(self, stream, limit):
        self.stream = stream
        self.limit = limit
        self.queue = []
        self.waiting = 0  # bytes in the queue
        self.gone = False  # the reader closed its end (EPIPE)
        self.closing = False
        self.busy = False  # the thread is writing a chunk
        self.direct, self.pipe_size = _direct_kind(stream)
        self.fd = stream.fileno() if self.direct else None
        self.last_write = time.monotonic()
        self.next_poll = 0.0  # when reader_gone polls the pipe again
        self.condition = threading.Condition()
        self.thread = threading.Thread(target=self._pump, name="amijson-writer", daemon=True)
        self.thread.start()

    def put(self, data, droppable=True):
        """True when ``data`` was queued; False when it was dropped (no room) or the reader is gone."""
        with self.condition:
            was_empty = not self.queue
            queued = self.queue_locked(data, droppable)
            if was_empty and self.queue:
                self.condition.notify()  # the writer waits only on an empty queue
        return queued

    def queue_locked(self, data, droppable=True):
        """``put`` for a caller that holds ``condition`` and wakes the writer itself (when
        the queue was empty before): many pieces queued for one lock and one wake-up."""
        if self.gone:
            return False
        if droppable and self.waiting + len(data) > self.limit:
            return False
        self.queue.append(data)
        self.waiting += len(data)
        return True

    def can_write_now(self, size):
        """True when ``write_now`` of ``size`` bytes cannot block; the caller holds ``condition``."""
        if self.direct is None or self.queue or self.busy or self.gone:
            return False
        if self.direct == "file":
            return True
        import fcntl
        import termios
        try:
            unread = int.from_bytes(fcntl.ioctl(self.fd, termios.FIONREAD, b"\0\0\0\0"), sys.byteorder)
        except OSError:
            self.direct = None  # not a pipe that says: the thread writes from now on
            return False
        return unread == 0 and size <= self.pipe_size

    def write_now(self, data):
        """Write ``data`` in the calling thread (after ``can_write_now``, under ``condition``)."""
        self._deliver(data)

    def _deliver(self, data):
        """Write ``data`` to the stream; False once the reader is gone (EPIPE above all)."""
        try:
            _write(self.stream, data)
        except (OSError, ValueError):
            self.gone = True
            _quiet(self.stream)
            return False
        self.last_write = time.monotonic()
        return True

    def _pump(self):
        while True:
            with self.condition:
                self.busy = False
                while not self.queue and not self.closing:
                    self.condition.wait()
                if not self.queue:
                    return
                chunk = b"".join(self.queue)
                self.queue = []
                self.waiting = 0
                self.busy = True
            if not self._deliver(chunk):
                return

    def close(self, wait):
        """Write what is queued (for at most ``wait`` seconds), then stop the thread."""
        with self.condition:
            self.closing = True
            self.condition.notify()
        self.thread.join(wait)

    def reader_gone(self):
        """True once the reader closed its end: seen by a failed write, or, while
        nothing is written, by polling the pipe (a quiet stream still notices), at
        most once per POLL_EVERY: asked after every read of AMI, a poll each time
        was a syscall per read in a storm."""
        if self.gone:
            return True
        now = time.monotonic()
        if now < self.next_poll:
            return False
        self.next_poll = now + POLL_EVERY
        try:
            fd = self.stream.fileno()
        except (AttributeError, OSError, ValueError):
            return False
        import select
        if not hasattr(select, "poll"):
            return False
        poller = select.poll()
        poller.register(fd, select.POLLERR | select.POLLHUP)
        try:
            if poller.poll(0):
                self.gone = True
        except OSError:
            pass
        return self.gone


def _direct_kind(stream):
    """("fifo", its size) or ("file", 0) when the calling thread may write ``stream``
    itself once it knows a write cannot block; (None, 0) for anything else (a terminal, a
    socket, a stream without a descriptor): only the thread writes those."""
    import stat
    try:
        mode = os.fstat(stream.fileno()).st_mode
    except (AttributeError, OSError, ValueError):
        return None, 0
    if stat.S_ISREG(mode):
        return "file", 0
    if stat.S_ISFIFO(mode):
        import fcntl
        try:
            return "fifo", fcntl.fcntl(stream.fileno(), getattr(fcntl, "F_GETPIPE_SZ", 1032))
        except OSError:
            return None, 0
    return None, 0


def _write(stream, data):
    buffer = getattr(stream, "buffer", None)
    if buffer is None:  # a text stream (StringIO, in tests): the output is ASCII
        stream.write(data.decode("ascii"))
    else:
        buffer.write(data)
        buffer.flush()
        return
    stream.flush()


def _quiet(stream):
    """Point ``stream``'s descriptor at /dev/null: the exit's last flush must not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
    except (OSError, ValueError, AttributeError):
        pass


class Stream:
    """Matching events written as they come, in ``kind`` (``ndjson`` or ``sse``) framing."""

    def __init__(self, kind, stream, limit, secrets=()):
        self.kind = kind
        self.writer = BoundedWriter(stream, limit)
        self.dropped = 0
        self.gap = 0  # dropped since the last event written
        self.pending = []  # the events framed since the last flush, not yet offered to the writer
        self.last_heartbeat = time.monotonic()
        from amijson.jsonout import json_string
        self.secrets = [json_string(secret)[1:-1] for secret in secrets]

    @property
    def gone(self):
        return self.writer.reader_gone()

    def _frame(self, name, number, payload):
        text = _encode(payload)
        for secret in self.secrets:  # a peer that echoes the secret never gets it printed
            if secret in text:
                from amijson.document import REDACTED
                text = text.replace(secret, REDACTED)
        if self.kind == "ndjson":
            return (text + "\n").encode("ascii")
        head = "event: %s\n" % _sse_name(name)
        if number is not None:
            head += "id: %d\n" % number
        return (head + "data: " + text + "\n\n").encode("ascii")

    def _gap(self):
        marker = {"gap": {"dropped": self.gap}} if self.kind == "ndjson" else {"dropped": self.gap}
        return self._frame("gap", None, marker)

    def event(self, number, name, record):
        """Frame the event; ``flush`` offers it to the writer, with the others of its read."""
        self.pending.append(self._frame(name, number, record))

    def flush(self):
        """Offer the pending events to the writer, under one lock and with one wake-up: each
        that fits is queued, each that does not is dropped and counted, and a gap marker
        goes with the next event that fits, never alone."""
        frames = self.pending
        if not frames:
            return
        self.pending = []
        writer = self.writer
        with writer.condition:
            if not self.gap:
                data = b"".join(frames)
                if writer.can_write_now(len(data)):
                    writer.write_now(data)
                    if writer.gone:  # the reader went away: these are not written
                        self.dropped += len(frames)
                        self.gap += len(frames)
                    return
            was_empty = not writer.queue
            for frame in frames:
                if self.gap:
                    frame = self._gap() + frame
                if writer.queue_locked(frame):
                    self.gap = 0
                else:
                    self.dropped += 1
                    self.gap += 1
            if was_empty and writer.queue:
                writer.condition.notify()

    def reconnected(self, span):
        """A gap of another kind: the connection was lost over ``span`` ({lost, back, seconds})."""
        self.marker({"reconnected": span})

    def marker(self, payload):
        """A gap marker saying what happened (``payload``), never dropped: ``{"gap": payload}``
        in NDJSON, a ``gap`` event in SSE. The events before it go first."""
        self.flush()
        self.writer.put(self._frame("gap", None, {"gap": payload} if self.kind == "ndjson" else payload),
                        droppable=False)

    def tick(self, now):
        self.flush()
        if self.kind == "sse" and now - max(self.writer.last_write, self.last_heartbeat) >= HEARTBEAT:
            self.last_heartbeat = now
            self.writer.put(b": heartbeat\n\n", droppable=False)

    def finish(self, summary, wait=2.0):
        """The summary, last; then wait (at most ``wait`` seconds) for the writer to be done."""
        self.flush()
        if self.gap:  # the last events dropped: marked too, so the markers add up to the summary's count
            self.writer.put(self._gap(), droppable=False)
        payload = {"summary": summary} if self.kind == "ndjson" else summary
        self.writer.put(self._frame("summary", None, payload), droppable=False)
        self.writer.close(wait)


def _sse_name(name):
    """An event's SSE type: its AMI name when that is a plain word, else ``ami``."""
    if name and name.isascii() and name.replace("_", "").isalnum():
        return name
    return "ami"
