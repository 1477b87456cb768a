"""The console socket's protocol (what ``asterisk -rx`` speaks), sans-IO: bytes in, output out.

Asterisk's control socket (``asterisk.ctl`` in ``astrundir``) greets each client with one
line, ``HOSTNAME/PID/VERSION\\n`` (``netconsole`` in ``main/asterisk.c``). ``asterisk -rx
CMD`` answers it with ``cli quit after CMD`` and a NUL; the daemon runs the command, writes
its output and closes the connection. The client relays what it reads, except the
verbose and log lines the daemon sends to remote consoles: those start with a byte
whose high bit is set (the verbose level, negated, that ``logger.c`` puts first).
``ast_remotecontrol`` in ``main/asterisk.c`` (the same in 16 and 22) tests the first
byte of each line (``*curline > 0``, a signed char) and drops the line, up to and with
its newline, when it is not positive; the part of a line that a read cuts off follows
its start. ``ConsoleReader`` applies that rule to the bytes in any pieces.

Two things ``asterisk -rx`` does that depend on how its reads of 511 bytes fall, and
so are not followed here: a NUL byte (which the daemon never writes: it writes with
``strlen``) ends the processing of that read, and a read that brings only dropped
lines ends the client. Here a NUL byte is dropped, and reading goes on until the
daemon closes the connection (or the run's deadline passes).
"""

MAX_BANNER = 512  # the daemon formats its banner into 512 bytes (netconsole's outbuf)
COMMAND_PREFIX = b"cli quit after "


class ConsoleError(Exception):
    """The peer does not speak the console protocol (``text``: what it sent instead, if a line)."""

    def __init__(self, message, text=None):
        super().__init__(message)
        self.text = text


def command_bytes(command):
    """What the client writes for one command: the daemon runs it, then closes."""
    return COMMAND_PREFIX + command.encode("utf-8") + b"\0"


class Banner:
    __slots__ = ("line", "host", "pid", "version")

    def __init__(self, line, host, pid, version):
        self.line, self.host, self.pid, self.version = line, host, pid, version


def parse_banner(line):
    """A ``Banner`` from the greeting line (without its newline), or ConsoleError."""
    text = line.decode("utf-8", "replace")
    parts = text.split("/", 2)
    if len(parts) != 3 or not parts[1].isdigit() or not parts[1].isascii() or not parts[2]:
        raise ConsoleError("the peer did not greet as an Asterisk console (HOST/PID/VERSION)", text)
    return Banner(text, parts[0], int(parts[1]), parts[2])


class ConsoleReader:
    """Bytes from the console socket in, in any pieces; ``feed`` returns the command's
    output in them (verbose and log lines dropped), once the banner has come
    (``banner``). ConsoleError when the first line is not a banner."""

    __slots__ = ("banner", "_head", "_at_line_start", "_dropping")

    def __init__(self):
        self.banner = None
        self._head = b""  # the banner line so far
        self._at_line_start = True
        self._dropping = False  # within a line that started with a marker byte

    def feed(self, data):
        if self.banner is None:
            data = self._feed_banner(data)
        if not data:
            return b""
        # Most pieces are plain ASCII text with no marker byte and no NUL: as they are.
        if not self._dropping and data.isascii() and b"\0" not in data:
            self._at_line_start = data[-1:] == b"\n"
            return data
        return self._filter(data)

    def _feed_banner(self, data):
        end = data.find(b"\n")
        if end < 0:
            self._head += data
            if len(self._head) >= MAX_BANNER:
                raise ConsoleError("the peer sent %d bytes without ending its first line, which an Asterisk "
                                   "console's banner does" % len(self._head))
            return b""
        line = self._head + data[:end]
        self._head = b""
        if len(line) >= MAX_BANNER:
            raise ConsoleError("the peer's first line has %d bytes, longer than an Asterisk console's banner"
                               % len(line))
        self.banner = parse_banner(line)
        return data[end + 1:]

    def _filter(self, data):
        if b"\0" in data:
            data = data.replace(b"\0", b"")
        out = []
        start, size = 0, len(data)
        at_line_start, dropping = self._at_line_start, self._dropping
        while start < size:
            end = data.find(b"\n", start)
            end = size if end < 0 else end + 1
            if at_line_start:
                dropping = data[start] >= 0x80
            if not dropping:
                out.append(data[start:end])
            at_line_start = data[end - 1] == 0x0A
            start = end
        self._at_line_start, self._dropping = at_line_start, dropping
        return b"".join(out)

    def finish(self):
        """At the end of the stream: ConsoleError when no banner came."""
        if self.banner is None:
            if self._head:
                raise ConsoleError("the peer closed the connection before ending its first line",
                                   self._head[:200].decode("utf-8", "replace"))
            raise ConsoleError("the peer closed the connection without a banner")
