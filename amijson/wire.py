"""AMI framing, sans-IO: bytes in, banner and messages out; actions to bytes.

Nothing here touches a socket. A transport feeds whatever it received to
``AmiParser.feed`` and gets back the complete items found so far; the parser
keeps the partial rest for the next call. ``format_action`` turns an action
into the bytes to send.

As in h11, the parser is split in two: a ``ReceiveBuffer`` holds the bytes
and every position in them (where the next message starts, how far each
search for a message's end got), and ``AmiParser`` decides what the bytes are
(banner, message, Command body, run). Whichever way a message was framed, one
function, ``split_message``, turns it into its fields (``split_fields`` is its
fast half, for text already known to be plain).

What the server sends (checked against Asterisk 22 and Asterisk's source):

* one banner line, ``Asterisk Call Manager/<AMI version>\\r\\n``, with no blank
  line after it, so it is read on its own;
* messages of ``Key: Value`` lines ended by an empty line. ``\\r\\n`` and bare
  ``\\n`` are both accepted as line ends, so ``\\r\\n\\n`` and stray ``\\n``
  before the CRLF (``Message: No endpoints found\\n\\r\\n``) frame correctly.
  Empty messages are skipped;
* the Command reply of Asterisk 13 and older: ``Response: Follows``, its
  headers, then raw CLI text with bare ``\\n`` (blank lines and
  ``Key: value``-looking lines included) up to ``--END COMMAND--``, which may
  be glued to the last line. The parser reads that body verbatim; the format is
  picked from the reply itself, never from the banner.

Values are decoded per message: UTF-8 when the bytes are UTF-8, else per value
with ``fallback_encoding`` (Latin-1 by default, which maps every byte, so
nothing is ever dropped). The keys whose value fell back are listed on the
message so the document can say so.

Long lists are the one place where speed is the parser's job: 5,000 channels
are 2.6 MB of text that Asterisk sends faster than a message-at-a-time parser in
Python can take it. Once a stream is long (``run_after`` bytes), consecutive
messages with the shape of the message before them (the same keys in the same
order, the same routing values, printable ASCII) are not parsed one by one: a
regular expression built from that shape checks the whole stretch at once and
it comes out as one ``MessageRun``, its JSON written with a few bytes.replace
calls while the rest is still arriving.
"""

END_COMMAND = b"--END COMMAND--"
BANNER_PREFIX = "Asterisk Call Manager/"
# A banner is one short line; anything longer without a newline is not AMI.
MAX_BANNER = 1024
# One message (or Command body) larger than this is refused rather than buffered
# without end: a hostile or broken peer must not exhaust memory.
DEFAULT_MAX_MESSAGE = 64 * 1024 * 1024


# Runs start once a stream has brought this much: below it, the ``re`` import
# (several milliseconds) would cost more than runs save.
DEFAULT_RUN_AFTER = 64 * 1024
# Header values that decide where a message goes (its kind, its action, whether
# it ends a list): the same in every message of a run.
ROUTING_KEYS = frozenset(("response", "event", "actionid", "eventlist"))


class ProtocolError(Exception):
    """The peer does not speak AMI, or broke its framing."""


class Banner:
    __slots__ = ("text", "version")

    def __init__(self, text, version):
        self.text = text
        self.version = version

    def __repr__(self):
        return "Banner(%r)" % self.text


class Message:
    """One AMI message: its ``(key, value)`` pairs in the order sent.

    Keys compare case-insensitively; a repeated key keeps every value.
    ``kind`` comes from the first line only: ``response`` for ``Response:``,
    ``event`` for ``Event:`` (so ``OriginateResponse``, an event carrying a
    ``Response:`` header, is an event), ``other`` for anything else.
    ``body`` holds the raw text of an Asterisk 13 ``Response: Follows`` reply.
    """

    __slots__ = ("_pairs", "body", "fell_back", "fields", "_keys", "repeats")

    def __init__(self, pairs, body=None, fell_back=(), key_cache=None, fields=None):
        # fields: key as sent -> value (the last, if a key repeats exactly);
        # _keys: lowercase key -> the spelling sent first. Messages of one list
        # share their key sequence, so _keys comes from a per-parser cache.
        # When no key repeats, pairs are fields' items and are not stored twice.
        self.fields = dict(pairs) if fields is None else fields
        self._pairs = pairs
        self.body = body
        self.fell_back = fell_back
        names = tuple(self.fields)
        keys = key_cache.get(names) if key_cache is not None else None
        if keys is None:
            keys = {}
            for name in names:
                keys.setdefault(name.lower(), name)
            if key_cache is not None:
                key_cache[names] = keys
        self._keys = keys
        # True when some key occurs more than once (in any case).
        self.repeats = len(keys) != (len(self.fields) if pairs is None else len(pairs))

    @property
    def pairs(self):
        """The ``(key, value)`` pairs in the order sent."""
        if self._pairs is None:
            return list(self.fields.items())
        return self._pairs

    @property
    def kind(self):
        if not self.fields:
            return "other"
        first = next(iter(self.fields)).lower()  # dicts keep the first key first
        if first == "response":
            return "response"
        if first == "event":
            return "event"
        return "other"

    def get(self, key, default=None):
        """The first value of ``key`` (any case), or ``default``."""
        if not self.repeats:
            value = self.fields.get(key)  # the spelling asked for is nearly always the one sent
            if value is not None:
                return value
        lower = key.lower()
        name = self._keys.get(lower)
        if name is None:
            return default
        if self.repeats:
            # Stop at the first match: a Command reply repeats Output thousands
            # of times after the headers that get() is asked for.
            for sent, value in self._pairs:
                if sent.lower() == lower:
                    return value
        return self.fields[name]

    def get_all(self, key):
        lower = key.lower()
        return [v for k, v in self.pairs if k.lower() == lower]

    def __contains__(self, key):
        return key.lower() in self._keys

    def __repr__(self):
        return "Message(%r%s)" % (self.pairs, ", body=%r" % self.body if self.body is not None else "")

    def __eq__(self, other):
        return (isinstance(other, Message) and self.pairs == other.pairs
                and self.body == other.body and list(self.fell_back) == list(other.fell_back))


class MessageRun:
    """Consecutive messages that share one shape, kept as their wire text.

    ``template`` is a ``Message`` with that shape: the same keys in the same
    order, each once, and the same routing values (Response, Event, ActionID,
    EventList), so whatever decides where a message goes decides it alike for
    ``template`` and for every message of the run. ``count`` messages;
    ``raw`` their bytes, each ``Key: Value`` line ended by CRLF and each message
    by a blank line, printable ASCII only.
    ``json()`` writes their JSON objects, comma-separated (ASCII bytes): for each
    message exactly what the compact ASCII encoder writes for its fields' dict;
    ``messages()`` and ``columns()`` read them as messages or a column at a time.
    """

    __slots__ = ("template", "count", "raw")

    def __init__(self, template, count, raw):
        self.template = template
        self.count = count
        self.raw = raw

    def json(self):
        raw = self.raw[:-4]
        if raw.count(b": ") != self.count * len(self.template.fields):
            # A value holds ": ", which the replacing below would take for a key's end.
            import json
            return json.dumps([m.fields for m in self.messages()], separators=(",", ":"))[1:-1].encode("ascii")
        # Only the line ends and the ": " after each key change, and quotes and
        # backslashes (the only characters JSON escapes in printable ASCII).
        text = raw.replace(b"\\", b"\\\\").replace(b'"', b'\\"')
        text = text.replace(b"\r\n\r\n", b'"},{"').replace(b"\r\n", b'","').replace(b": ", b'":"')
        return b"".join((b'{"', text, b'"}'))

    def messages(self):
        """The run as ``Message`` objects, as the message-at-a-time path reads them."""
        cache = {}  # the messages share their keys
        return [split_fields(text, cache) for text in self.raw[:-4].decode("ascii").split("\r\n\r\n")]

    def columns(self, keys):
        """The values of each of ``keys`` in the run's messages, in order: one
        list of strings per key, all None for a key the run does not have."""
        names = tuple(self.template.fields)
        wanted = [name for name in names if name in keys]  # in the messages' order
        found = {}
        if wanted:
            rows = _columns_pattern(names, wanted).findall(self.raw.decode("ascii"))
            if len(wanted) == 1:
                found[wanted[0]] = rows  # one group: findall gives the strings themselves
            else:
                found = dict(zip(wanted, map(list, zip(*rows))))
        return [found[key] if key in found else [None] * self.count for key in keys]

    def __repr__(self):
        return "MessageRun(%d x %r)" % (self.count, tuple(self.template.fields))


# A value in a run: printable ASCII (one charset scan; excluding ": " as well
# took 2.2 times as long over a long list). A ": " in a value matters only to
# MessageRun.json, which counts them, and a query that maps the run never asks.
VALUE_PATTERN = rb"[ -~]*"


_COLUMN_PATTERNS = {}  # (keys of a run's messages, keys wanted) -> compiled pattern


def _columns_pattern(names, wanted):
    """An expression matching one message of a run whose keys are ``names``, a
    group for the value of each key in ``wanted``: ``findall`` over the run
    gives a row per message, in one pass that makes only the strings wanted
    (splitting every line and slicing off its key made twice as many)."""
    key = (names, tuple(wanted))
    pattern = _COLUMN_PATTERNS.get(key)
    if pattern is None:
        import re  # runs come only after it is loaded

        # A run's values hold no CR (see MessageRun): "[^\r]*" is the whole value.
        pattern = _COLUMN_PATTERNS[key] = re.compile("".join(
            re.escape(name + ": ") + ("([^\r]*)\r\n" if name in wanted else "[^\r]*\r\n")
            for name in names) + "\r\n")
    return pattern


# A message of more fields than this gets its run pattern on its shape's second message; a
# reply or a list's closing event (three to six fields) gets it at once, as it always did.
EAGER_PATTERN_FIELDS = 8


def _run_pattern(message):
    """The compiled expression matching any number of messages shaped like
    ``message`` (see ``MessageRun``), or None when its shape cannot make runs."""
    if message.repeats or message.body is not None or message.fell_back or not message.fields:
        return None
    import re  # only long streams get here

    parts = []
    for key, value in message.fields.items():
        if not key.isascii() or not key.isprintable():
            return None
        if key.lower() in ROUTING_KEYS:
            if not value.isascii() or not value.isprintable() or ": " in value:
                return None
            parts.append(re.escape(("%s: %s\r\n" % (key, value)).encode("ascii")))
        else:
            parts.append(re.escape((key + ": ").encode("ascii")) + VALUE_PATTERN + b"\r\n")
    return re.compile(b"(?:" + b"".join(parts) + b"\r\n)+")


def _crlf_only(data):
    """True when every CR and LF in ``data`` is part of a CRLF."""
    crlf = data.count(b"\r\n")
    return data.count(b"\n") == crlf and data.count(b"\r") == crlf


def _decode(raw, fallback):
    """Decode one value: UTF-8, else the fallback. Returns (text, fell_back)."""
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        return raw.decode(fallback, "replace"), True


def _split_header(line):
    """``Key: Value`` to (key, value). The server separates them with ": ", so
    the key ends at the first ": " (a key may itself hold a colon, as
    ``ChanVariable(IAX2/10.0.0.1:4569-1)`` does); without one, at the first
    colon (``Key:`` or ``Key:value``). Further spaces belong to the value (CLI
    output lines are indented). A line starting with a colon has the empty key;
    a line without a colon has key ``None``."""
    colon = line.find(b": ")
    if colon >= 0:
        return line[:colon], line[colon + 2:]
    colon = line.find(b":")
    if colon < 0:
        return None, line
    return line[:colon], line[colon + 1:]


# --- splitting a message into its fields ----------------------------------------------

def split_fields(text, key_cache=None):
    """The ``Message`` of a plain message's text, or None when it is not plain.

    Plain: ``Key: Value`` lines separated by CRLF, with no other CR or LF (the
    caller makes sure of that) and a ": " on every line; each line is split at
    its first ": ", in a few C calls for the whole message. None when some line
    has no ": ": ``split_message`` reads that one line by line. ``key_cache``
    (a dict the caller keeps) lets the messages of one list share their key
    lookup."""
    pairs = [line.split(": ", 1) for line in text.split("\r\n")]
    try:
        fields = dict(pairs)
    except ValueError:  # a line without ": "
        return None
    if len(fields) == len(pairs):
        return Message(None, key_cache=key_cache, fields=fields)
    return Message(list(map(tuple, pairs)), key_cache=key_cache, fields=fields)


def split_message(raw, fallback="latin-1", key_cache=None):
    """The ``Message`` of one message's bytes: every way AMI text becomes fields
    goes through here (or ``split_fields``, its fast half).

    ``raw`` is one message as the parser frames it: lines ended by CRLF or LF,
    without the blank line after them and the last line's LF (a CR before that
    LF may remain). Valid UTF-8 with CRLF line ends and a ": " on
    every line, the common message, is split by ``split_fields``; anything
    else line by line, exactly: a bare CR kept in its value, a line without a
    colon continuing the value before it, values that are not UTF-8 decoded
    with ``fallback`` and named in ``fell_back``."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    else:
        if text[-1:] == "\r":
            text = text[:-1]
        # A stray CR (the line-by-line path strips it exactly), or bare LF line ends.
        bare = text.replace("\r\n", "")
        if "\r" in bare or "\n" in bare:
            text = None
    if text is not None:
        message = split_fields(text, key_cache)
        if message is not None:
            return message
    return _split_lines(raw.split(b"\n"), None, fallback, key_cache)


def _split_lines(lines, body, fallback, key_cache):
    """The careful half of ``split_message``: ``lines`` (bytes; one CR at the end
    of each is dropped) one at a time, and ``body``, the raw text of an Asterisk
    13 Command reply, or None."""
    pairs = []
    fell_back = []
    for line in lines:
        if line[-1:] == b"\r":
            line = line[:-1]
        key, value = _split_header(line)
        if key is None:
            if not line:
                continue
            # A line without a colon continues the previous value (a bare
            # "\n" inside a value); nothing is dropped.
            if pairs:
                k, v = pairs[-1]
                text, bad = _decode(line, fallback)
                pairs[-1] = (k, v + "\n" + text)
                if bad:
                    fell_back.append(k)
                continue
            key, value = b"", line
        k, bad_key = _decode(key, fallback)
        v, bad = _decode(value, fallback)
        pairs.append((k, v))
        if bad or bad_key:
            fell_back.append(k)
    text_body = None
    if body is not None:
        text_body, bad = _decode(body, fallback)
        if bad:
            # Decode line by line so only the lines that need it fall back.
            parts = []
            for raw_line in body.split(b"\n"):
                part, line_bad = _decode(raw_line, fallback)
                parts.append(part)
            text_body = "\n".join(parts)
            fell_back.append("Output")
    return Message(pairs, text_body, tuple(fell_back), key_cache)


# --- the bytes received ---------------------------------------------------------------

class ReceiveBuffer:
    """The bytes received and not taken yet, and how far each search in them got.

    ``data`` holds them from ``start`` on; what lies before ``start`` is taken,
    and ``compact()`` drops it (``data`` stays the one bytearray, changed in
    place). ``received`` counts every byte fed. A reader
    takes from the front a line (``maybe_extract_line``), a block ended by a
    blank line (``maybe_extract_block``), or bytes up to an end it found itself
    (``extract``). A reader that matches many messages at once reads ``data`` in
    place up to ``last_blank()`` and then sets ``start`` past what it took.

    Searches remember where they stopped, so a message that grows over many
    feeds (a 5,000-line Command reply) is scanned once, not once per feed;
    ``compact()`` shifts those positions with the bytes, in this one place.
    Nothing here knows AMI beyond its line ends: CRLF or a bare LF, and a
    message ended by an empty line.
    """

    __slots__ = ("data", "start", "received", "_crlf_from", "_lf_from", "_lf_pos", "_blank", "_blank_from")

    def __init__(self):
        self.data = bytearray()
        self.start = 0
        self.received = 0
        # A block's end: "\n\r\n" is searched for from _crlf_from on; "\n\n" from
        # _lf_from on, and _lf_pos is the one found last (-1: none ahead).
        self._crlf_from = 0
        self._lf_from = 0
        self._lf_pos = -1
        # The last "\r\n\r\n" in data (-1: none), and how far data has been
        # searched for one: a message growing without end is searched once.
        self._blank = -1
        self._blank_from = 0

    def feed(self, data):
        self.data += data
        self.received += len(data)

    def __len__(self):
        """The bytes not taken yet."""
        return len(self.data) - self.start

    def peek(self, size):
        """Up to ``size`` bytes at the front, left there."""
        return bytes(self.data[self.start:self.start + size])

    def skip_blank_lines(self):
        """Take the empty lines (CRLF or LF) at the front; True when bytes remain."""
        data = self.data
        start = self.start
        while True:
            if data.startswith(b"\r\n", start):
                start += 2
            elif data.startswith(b"\n", start):
                start += 1
            else:
                break
        self.start = start
        return start < len(data)

    def extract(self, end, next_start=None):
        """The bytes from the front up to ``end`` (an index in ``data``, as a
        search in it gives), taken; the front moves on to ``next_start`` (``end``
        when not given), past a line end the caller found."""
        out = bytes(self.data[self.start:end])
        self.start = end if next_start is None else next_start
        return out

    def maybe_extract_line(self):
        """The first line, taken, without its LF and the CRs before it; None while
        its LF has not come."""
        nl = self.data.find(b"\n", self.start)
        if nl < 0:
            return None
        return self.extract(nl, nl + 1).rstrip(b"\r")

    def maybe_extract_block(self):
        """The block at the front, taken with the blank line that ends it (the
        first LF followed by CRLF or LF), or None while that has not come. The
        bytes returned stop at the last line's LF: a CR before it is kept."""
        data = self.data
        start = self.start
        crlf = data.find(b"\n\r\n", max(start, self._crlf_from))
        if crlf < 0:
            self._crlf_from = max(start, len(data) - 2)
        if self._lf_pos < start:
            # The "\n\n" found last lies behind us: search on from where the last
            # search stopped, so a long CRLF-only stream is scanned once.
            self._lf_pos = data.find(b"\n\n", max(start, self._lf_from))
            if self._lf_pos < 0:
                self._lf_from = max(start, len(data) - 1)
        lf = self._lf_pos
        if crlf >= 0 and (lf < 0 or crlf < lf):
            return self.extract(crlf, crlf + 3)
        if lf >= 0:
            return self.extract(lf, lf + 2)
        return None

    def last_blank(self):
        """Where the last CRLF blank line ("\\r\\n\\r\\n") in ``data`` starts, or -1;
        only bytes not searched before are searched. Every message before it is
        whole (it may lie before ``start``: then none is)."""
        if self._blank_from < len(self.data):
            found = self.data.rfind(b"\r\n\r\n", max(0, self._blank_from - 3))
            if found >= 0:
                self._blank = found
            self._blank_from = len(self.data)
        return self._blank

    def lines_ahead(self, offset, most=None):
        """(where the bytes not taken start in the stream, the complete lines among
        them from ``offset`` bytes past that start on, within ``most`` bytes when
        given), nothing taken."""
        start = self.start + offset
        stop = len(self.data) if most is None else start + most
        end = self.data.rfind(b"\n", start, stop) + 1
        where = self.received - (len(self.data) - self.start)
        return where, bytes(self.data[start:end]) if end > start else b""

    def compact(self):
        """Drop the bytes taken, shifting every position kept with them; the
        number of bytes left (not taken yet)."""
        start = self.start
        if not start:
            return len(self.data)
        del self.data[:start]
        self.start = 0
        self._crlf_from = max(0, self._crlf_from - start)
        self._lf_from = max(0, self._lf_from - start)
        self._lf_pos = self._lf_pos - start if self._lf_pos >= start else -1
        self._blank = self._blank - start if self._blank >= start else -1
        self._blank_from = max(0, self._blank_from - start)
        return len(self.data)


# --- the parser -----------------------------------------------------------------------

class AmiParser:
    """Incremental AMI reader. ``feed(data)`` returns the new complete items:
    one ``Banner`` first (unless ``expect_banner`` is false, as over HTTP), then
    ``Message`` objects and ``MessageRun``s. ``ProtocolError`` is the only
    exception it raises. The bytes and the positions in them are a
    ``ReceiveBuffer``'s; the parser decides what the bytes are."""

    def __init__(self, expect_banner=True, fallback_encoding="latin-1",
                 max_message=DEFAULT_MAX_MESSAGE, run_after=DEFAULT_RUN_AFTER):
        b"".decode(fallback_encoding)  # fail early on an unknown encoding (LookupError)
        self._buf = ReceiveBuffer()
        self._want_banner = expect_banner
        self._fallback = fallback_encoding
        self._max = max_message
        self._key_cache = {}
        # MessageRuns (None: never): after run_after bytes; the shape of the last
        # message taken; shapes seen -> (pattern, template message, key), the pattern None
        # until a second message of the shape came; None for a shape that makes no runs.
        self._run_after = run_after
        self._shape = None
        self._shapes = {}

    def feed(self, data):
        buf = self._buf
        if data:
            buf.feed(data)
        items = []
        if self._want_banner:
            banner = self._read_banner()
            if banner is None:
                return items
            items.append(banner)
        self._bulk(items)
        # Blank lines between messages are skipped (empty messages are ignored).
        data = buf.data
        while buf.skip_blank_lines():
            if data[buf.start:buf.start + 17].lower() == b"response: follows":
                if not self._follows(items):
                    break
            else:
                block = buf.maybe_extract_block()
                if block is None:
                    break
                items.append(split_message(block, self._fallback, self._key_cache))
            if self._runs_on():  # past one odd message, runs may go on
                self._bulk_runs(items)
        if buf.compact() > self._max:
            raise ProtocolError("a message exceeds %d bytes without ending" % self._max)
        return items

    def _bulk(self, items):
        """Frame every complete message in the buffer at once when the stream is
        plain (CRLF only, UTF-8, no Command body), as a long event list is:
        split and decode in a few C calls instead of a search per message.
        Leaves the buffer as it is when the message-by-message path must go."""
        buf = self._buf
        end = buf.last_blank()
        if end < 0:
            return
        if self._runs_on():
            self._bulk_runs(items)
            return
        chunk = bytes(buf.data[buf.start:end])
        if not _crlf_only(chunk) or b"response: follows" in chunk.lower():
            return
        try:
            text = chunk.decode("utf-8")
        except UnicodeDecodeError:
            return
        cache = self._key_cache
        for block in text.split("\r\n\r\n"):
            block = block.lstrip("\r\n")  # blank lines between messages
            if block:
                # A line without ": ": the careful path decides.
                items.append(split_fields(block, cache)
                             or split_message(block.encode("utf-8"), self._fallback, cache))
        buf.start = end + 4

    def _runs_on(self):
        return self._run_after is not None and self._buf.received >= self._run_after

    def _bulk_runs(self, items):
        """``_bulk`` for a long stream, from the buffer's front: messages one by
        one, and every stretch that has the shape of the message before it as
        one ``MessageRun``. Stops at anything the careful path must frame: a
        bare CR or LF, an Asterisk 13 Command body."""
        buf = self._buf
        data = buf.data
        pos = buf.start
        size = buf.last_blank() + 4  # complete messages end there
        if size <= pos:
            return
        shape = self._shape
        while pos < size:
            if data.startswith(b"\r\n", pos):  # blank lines between messages
                pos += 2
                continue
            if shape is not None and shape[0] is not None:
                match = shape[0].match(data, pos, size)
                if match is not None:
                    end = match.end()
                    raw = bytes(data[pos:end])
                    items.append(MessageRun(shape[1], raw.count(b"\r\n\r\n"), raw))
                    pos = end
                    continue
            end = data.find(b"\r\n\r\n", pos, size)
            block = bytes(data[pos:end])
            if not _crlf_only(block) or block[:17].lower() == b"response: follows":
                self._shape = None
                buf.start = pos
                return
            message = split_message(block, self._fallback, self._key_cache)
            if shape is not None and shape[0] is None and self._shape_of(message) is shape:
                shape = self._compiled(shape)  # a second message of the shape: runs from it on
                if shape is not None:
                    continue
            items.append(message)
            shape = self._shape_of(message)
            pos = end + 4
        self._shape = shape
        buf.start = pos

    def _shape_of(self, message):
        """(pattern, template, key) for runs shaped like ``message``, or None where that
        shape makes no runs. A message of many fields gets its pattern (``_compiled``) only
        when a second message of its shape comes: many short lists (one detail action per
        endpoint, each with its own ActionID) bring shapes that never repeat, and a
        hundred-field event's pattern costs milliseconds to compile. A smaller one's is
        compiled at once, as it always was: the run then starts at the next message
        without that message being split first."""
        fields = message.fields
        key = (tuple(fields), message.repeats,
               tuple(v for k, v in fields.items() if k.lower() in ROUTING_KEYS))
        try:
            return self._shapes[key]
        except KeyError:
            shape = self._shapes[key] = (None, message, key)
            return shape if len(fields) > EAGER_PATTERN_FIELDS else self._compiled(shape)

    def _compiled(self, shape):
        """``shape`` with its pattern compiled, or None when its messages make no runs."""
        pattern = _run_pattern(shape[1])
        compiled = self._shapes[shape[2]] = (pattern, shape[1], shape[2]) if pattern is not None else None
        return compiled

    def unfinished(self, offset, most=None):
        """(where the message still arriving starts in the stream, its complete
        lines from ``offset`` bytes into it, within ``most`` bytes when given):
        what has come of a long message that ``feed`` has not returned yet. A
        message is whole once that place moves on."""
        return self._buf.lines_ahead(offset, most)

    def _read_banner(self):
        buf = self._buf
        line = buf.maybe_extract_line()
        if line is None:
            if len(buf) > MAX_BANNER:
                raise ProtocolError("no AMI banner: %r" % buf.peek(60))
            return None
        buf.compact()  # what follows is searched as if it had come alone
        self._want_banner = False
        text, _ = _decode(line, self._fallback)
        marker = text.find("Call Manager/")
        if marker < 0:
            raise ProtocolError("not an AMI banner: %r" % text[:80])
        return Banner(text, text[marker + len("Call Manager/"):].strip())

    def _follows(self, items):
        """Asterisk <= 13 Command reply: headers end in CRLF, then raw CLI text up
        to --END COMMAND--, then a blank line. False while it has not all come."""
        buf = self._buf
        data = buf.data
        marker = data.find(END_COMMAND, buf.start)
        if marker < 0:
            return False
        # The marker line ends (CRLF, or LF when glued oddly), then a blank line.
        line_end = data.find(b"\n", marker)
        if line_end < 0:
            return False
        rest = bytes(data[line_end + 1:line_end + 3])
        if rest == b"\r\n":
            end = line_end + 3
        elif rest[:1] == b"\n":
            end = line_end + 2
        elif rest in (b"", b"\r"):
            return False  # the blank line is still on its way
        else:
            end = line_end + 1  # no blank line after the marker: tolerate it
        block = buf.extract(marker, end)
        lines = []
        pos = 0
        # Headers are the leading CRLF-terminated "Key: value" lines (Response,
        # Privilege, ActionID); body lines end in a bare LF.
        while True:
            nl = block.find(b"\n", pos)
            if nl < 0 or nl == pos or block[nl - 1:nl] != b"\r":
                break
            key, _ = _split_header(block[pos:nl - 1])
            if key is None or b" " in key:
                break
            lines.append(block[pos:nl - 1])
            pos = nl + 1
        items.append(_split_lines(lines, block[pos:], self._fallback, self._key_cache))
        return True


def format_action(name, headers=()):
    """Bytes of one action: ``Action: name`` then each ``(key, value)`` pair.

    CR or LF inside a key or value would let a value smuggle extra headers into
    the request, so they are refused (ValueError)."""
    lines = ["Action: " + name]
    for key, value in headers:
        lines.append("%s: %s" % (key, value))
    for line in lines:
        if "\r" in line or "\n" in line:
            raise ValueError("a header may not contain CR or LF: %r" % line.split(":", 1)[0])
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")
