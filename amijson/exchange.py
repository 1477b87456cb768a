"""One action's reply, picked out of the message stream (sans-IO).

An ``ActionExchange`` is fed every message read after its action was sent and
keeps only what carries its ``ActionId``:

* the reply (first ``Response:`` message with our ActionID). ``Error`` ends the
  action. A reply that opens an event list (``EventList: start`` in any case,
  or, before Asterisk 13.2, an ack saying ``... will follow``) makes it wait
  for the list;
* the list items: events with our ActionID, in order, until the one with
  ``EventList: Complete`` or, for lists older than 13.2 that lack that header,
  the event whose name ends in ``Complete``. A ``Response: Error`` after the ack
  (CoreShowChannelMap can send one) also ends it.

* the event that tells what came of the action, for an action whose result
  arrives later (``awaited``, an ``amijson.deferred.Awaited``): before or after
  the reply, whichever Asterisk writes first. The exchange is done once both are
  there, or at the reply when it is an Error (then nothing follows).

Everything else (unsolicited events, FullyBooted, other clients' ActionIDs,
an event that reuses our ActionID before our reply came) is counted in
``unrelated`` and never mixed into the result.

A ``MessageRun`` (many messages of one shape, see ``amijson.wire``) is decided
by its template: its messages all have the template's routing headers. A run of
list items is kept whole in ``records`` (as ``keep_run`` makes of it, while the
rest of the list still arrives); any other run is taken message by message.
"""

import os

from amijson.wire import MessageRun


class ActionIdCounter:
    """Short ActionIDs from a counter. The PID prefix keeps them distinct from
    other clients' (``OriginateResponse`` carries the originator's ActionID to
    every session), and they stay far below Asterisk's ~240-byte limit."""

    def __init__(self, prefix=None):
        self.prefix = prefix if prefix is not None else "aj%d." % os.getpid()
        self.count = 0

    def next(self):
        self.count += 1
        return "%s%d" % (self.prefix, self.count)


def is_error(message):
    return (message.get("Response") or "").lower() == "error"


def opens_list(reply):
    if (reply.get("EventList") or "").lower() == "start":
        return True
    # Before 13.2 list acks had no EventList header, only their wording.
    return (reply.get("Message") or "").lower().endswith("will follow")


def closes_list(event):
    if (event.get("EventList") or "").lower() == "complete":
        return True
    return (event.get("Event") or "").lower().endswith("complete")


class ActionExchange:
    def __init__(self, action_id, keep_run=None, output_sink=None, awaited=None):
        self.action_id = action_id
        self.awaited = awaited
        # What to keep of a run of list items, made as it arrives (None: the run itself):
        # work done here overlaps Asterisk still writing the list.
        self.keep_run = keep_run
        # A Command reply's output lines, handed to output_sink while the reply arrives.
        self.tap = OutputTap(action_id, output_sink) if output_sink is not None else None
        self.response = None
        self.records = []
        self.complete = None
        self.list_error = None  # a Response: Error that arrived after the list ack
        self.is_list = False
        self.done = False
        self.unrelated = 0

    def handle(self, message):
        """Take one message (or run); return True once the action's reply is complete."""
        if type(message) is MessageRun:
            return self._handle_run(message)
        awaited = self.awaited
        if awaited is not None and not self.done and awaited.take(message):
            self.done = self.response is not None
            return self.done
        if self.done or message.get("ActionID", "").strip() != self.action_id:
            self.unrelated += 1
            return self.done
        kind = message.kind
        if self.response is None:
            if kind != "response":
                self.unrelated += 1  # our ActionID on an event before our reply
                return False
            self.response = message
            if is_error(message):
                self.done = True
            elif opens_list(message):
                self.is_list = True
            else:
                self.done = awaited is None or awaited.event is not None
            return self.done
        if kind == "event":
            if closes_list(message):
                self.complete = message
                self.done = True
            else:
                self.records.append(message)
        elif kind == "response" and is_error(message):
            self.list_error = message
            self.done = True
        else:
            self.unrelated += 1
        return self.done

    def waiting_for(self, name):
        """What a read of this exchange waits for, as a timeout says it."""
        if self.response is None:
            return "waiting for the reply to %s" % name
        if self.awaited is not None and not self.is_list:
            return "waiting for %s, the outcome of %s" % (self.awaited.row.event, name)
        return "before the %s list completed" % name

    def _handle_run(self, run):
        template = run.template
        if (not self.done and self.response is not None and template.kind == "event"
                and template.get("ActionID", "").strip() == self.action_id and not closes_list(template)):
            # Every message of it is a list item.
            self.records.append(run if self.keep_run is None else self.keep_run(run))
            return False
        done = False
        for message in run.messages():
            done = self.handle(message)
        return done


class OutputTap:
    """A Command reply's output, handed on while the reply still arrives.

    Asterisk 14 and later write the reply only once the command has run:
    ``Response: Success``, the ActionID, ``Message: Command output follows``, then
    an ``Output:`` line per line of output, one write each. A long output takes
    many reads, and the whole message is framed only at its end. ``take(parser)``
    (an ``AmiParser``, after each read) hands the complete ``Output:`` lines of
    our reply that have come since (the CLI text, each line ended by LF) to
    ``sink.feed`` (a ``parsers.OutputParse``), so that they are parsed while the
    rest arrives. It starts once the message still arriving begins with our
    reply's head, and takes nothing more once that message is whole.
    ``finish(lines)``, given the reply's output lines, feeds the ones not handed
    on yet and ends the output. A line that is not ``Output:`` (or holds a bare CR
    or LF) breaks the tap: the sink is never ended, so it gives no records, and
    the whole output is parsed as usual."""

    __slots__ = ("head", "sink", "start", "offset", "lines", "broken")

    def __init__(self, action_id, sink):
        self.head = b"Response: Success\r\nActionID: %s\r\nMessage: Command output follows\r\n" \
            % action_id.encode("ascii")
        self.sink = sink
        self.start = None  # where our reply starts in the stream, once seen
        self.offset = 0  # bytes of it taken
        self.lines = 0  # output lines handed on
        self.broken = False

    def take(self, parser):
        if self.broken:
            return
        if self.start is None:
            # Only as much as the head: a long message ahead of our reply is not copied each read.
            start, data = parser.unfinished(0, len(self.head))
            if data != self.head:
                return  # not our reply (yet): the login's, an event, or too little of it
            self.start = start
            self.offset = len(self.head)
        start, data = parser.unfinished(self.offset)
        if start != self.start:
            return  # the reply is whole: finish() has the rest
        if not data:
            return
        ends = data.count(b"\r\n")
        if (not data.startswith(b"Output: ") or data.count(b"\r\nOutput: ") != ends - 1
                or data.count(b"\n") != ends or data.count(b"\r") != ends):
            self.broken = True
            return
        self.sink.feed(data[8:-2].replace(b"\r\nOutput: ", b"\n") + b"\n")
        self.offset += len(data)
        self.lines += ends

    def finish(self, lines):
        """End the output with the ``lines`` (str) not handed on, once the tap has started."""
        if self.start is not None and not self.broken:
            self.sink.feed("\n".join(lines[self.lines:]).encode("utf-8"), final=True)
