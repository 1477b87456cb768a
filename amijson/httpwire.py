"""HTTP/1.1, the client side, for AMI over HTTP (sans-IO: bytes in, responses out).

Asterisk's HTTP server (``http.conf``) answers ``POST /rawman`` with the same
``Key: Value`` text a TCP session would carry (``amijson.wire`` parses it), a
``Content-Length`` and a session cookie (``mansession_id``). A proxy in front
of it may answer in chunks, or close the connection to end a body; all three
framings are read here. ``http.client`` is not used: it imports the ``email``
package, which costs more start-up time than a whole small run.

    request = format_request("POST", "/rawman", "pbx:8088", [("Cookie", ...)],
                             form_body([("Action", "Ping")]))
    reader = ResponseReader(max_body=64 << 20)
    response = reader.feed(data)    # None until a whole response is in
    response = reader.end()         # at end of stream: a body that ran to it

Every number the peer sends (status code, Content-Length, chunk sizes) is read
strictly: ASCII digits only, of a bounded count. ``int()`` alone would take
``-1``, ``+5``, ``1_0``, a leading space and other scripts' digits, and a chunk
of size ``-1`` once made the reader keep all it was sent.
"""


class HttpError(Exception):
    """The peer's bytes are not an HTTP/1.x response."""


class BodyTooLarge(HttpError):
    """A body larger than the reader's ``max_body``: ``size`` bytes came or were
    announced (``announced``: by Content-Length or a chunk size, before its bytes)."""

    def __init__(self, size, limit, announced):
        super().__init__("a body of %s%d bytes, more than the %d allowed"
                         % ("at least " if not announced else "", size, limit))
        self.size = size
        self.limit = limit
        self.announced = announced


class Response:
    __slots__ = ("status", "reason", "headers", "body", "keep_alive")

    def __init__(self, status, reason, headers, body, keep_alive):
        self.status = status
        self.reason = reason
        self.headers = headers  # [(name lowercased, value)], in order
        self.body = body
        self.keep_alive = keep_alive  # the connection may carry the next request

    def header(self, name):
        """The first value of header ``name`` (lowercase), or None."""
        for key, value in self.headers:
            if key == name:
                return value
        return None


# Form values are percent-encoded byte by byte; these go as they are (RFC 3986 unreserved).
_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def _form_quote(text):
    return "".join(chr(b) if b in _UNRESERVED else "%%%02X" % b for b in text.encode("utf-8"))


def form_body(pairs):
    """``application/x-www-form-urlencoded`` bytes of ``(key, value)`` pairs, in order
    (a repeated key, such as Originate's ``Variable``, stays repeated)."""
    return "&".join(_form_quote(key) + "=" + _form_quote(value) for key, value in pairs).encode("ascii")


def format_request(method, path, host, headers=(), body=b""):
    """Bytes of one request. CR or LF in a header would end it early and smuggle
    in more, so they are refused (ValueError)."""
    lines = ["%s %s HTTP/1.1" % (method, path), "Host: " + host]
    lines.extend("%s: %s" % pair for pair in headers)
    if body or method == "POST":
        lines.append("Content-Type: application/x-www-form-urlencoded")
        lines.append("Content-Length: %d" % len(body))
    for line in lines:
        if "\r" in line or "\n" in line:
            raise ValueError("an HTTP header may not contain CR or LF: %r" % line.split(":", 1)[0])
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def cookie_value(set_cookie, name):
    """The value ``Set-Cookie: name="value"; ...`` gives, quotes removed, or None."""
    if not set_cookie:
        return None
    first = set_cookie.split(";", 1)[0]
    key, eq, value = first.partition("=")
    if not eq or key.strip().lower() != name.lower():
        return None
    return value.strip().strip('"') or None


MAX_HEAD = 65536  # a response head longer than this is not from an HTTP server
# Bounds on the peer's numbers: 18 decimal digits stay under 10**18 bytes, 16 hex
# digits under 2**64; no real body comes near either.
MAX_LENGTH_DIGITS = 18
MAX_CHUNK_DIGITS = 16
# A chunk-size line (size and extensions) longer than this is not from an HTTP
# server either; nor is a trailer longer than MAX_HEAD.
MAX_CHUNK_LINE = 4096

_DIGITS = b"0123456789"
_HEXDIGITS = b"0123456789abcdefABCDEF"
# Control characters, which a chunk extension may not hold (HTAB may: it is whitespace).
_CONTROLS = bytes(range(0x20)).replace(b"\t", b"") + b"\x7f"


def _is_digits(text, most):
    """True when ``text`` (str) is 1 to ``most`` ASCII digits and nothing else."""
    return 0 < len(text) <= most and text.isascii() and not text.encode("ascii").translate(None, _DIGITS)


def chunk_size(line):
    """The size a chunk-size line (bytes, CRLF removed) gives, or HttpError.

    RFC 9112 section 7.1: ``1*HEXDIG *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] )``.
    Extensions mean nothing to amijson and are skipped; only control characters
    in them are refused, since those could hide a line end."""
    size, semicolon, extensions = line.partition(b";")
    if semicolon:
        size = size.rstrip(b" \t")  # BWS before the first ";"
        if extensions.translate(None, _CONTROLS) != extensions:
            raise HttpError("bad chunk extension: %r" % line[:40])
    if not 0 < len(size) <= MAX_CHUNK_DIGITS or size.translate(None, _HEXDIGITS):
        raise HttpError("bad chunk size: %r" % line[:40])
    return int(size, 16)


def content_length(values):
    """The body length the Content-Length header ``values`` (every one received,
    each possibly a comma list) give, or HttpError. RFC 9112 section 6.3: the same
    number repeated is that number; differing numbers are an unrecoverable error."""
    numbers = set()
    for value in values:
        for item in value.split(","):
            item = item.strip(" \t")
            if not _is_digits(item, MAX_LENGTH_DIGITS):
                raise HttpError("bad Content-Length: %r" % value[:40])
            numbers.add(int(item))
    if len(numbers) != 1:
        raise HttpError("differing Content-Length values: %r" % ", ".join(values)[:80])
    return numbers.pop()


class ResponseReader:
    """Reads one response after another from the bytes of one connection.

    ``max_body``: the most body bytes (decoded, for a chunked body) one response
    may bring; past it, or at a Content-Length or chunk size announcing more,
    ``BodyTooLarge``. None: no limit."""

    def __init__(self, method="POST", max_body=None):
        self.method = method
        self.max_body = max_body
        self._buf = bytearray()
        self._head = None  # (status, reason, headers, keep_alive) once the head is in
        self._length = None  # Content-Length, or None: chunked, or to the end of the stream
        self._chunked = False
        self._body = bytearray()  # a chunked body's data so far
        self._chunk_left = None
        self._trailer_size = None  # bytes of the trailer so far, once the last chunk came

    def feed(self, data):
        """Take ``data``; return the complete Response, or None while one is not in yet."""
        self._buf += data
        if self._head is None and not self._read_head():
            return None
        status, reason, headers, keep_alive = self._head
        if not self._has_body(status):
            return self._done(b"")
        if self._chunked:
            body = self._read_chunks()
            return None if body is None else self._done(body)
        if self._length is None:
            self._check_size(len(self._buf), announced=False)
            return None  # ends with the connection: see end()
        if len(self._buf) < self._length:
            return None
        body = bytes(self._buf[:self._length])
        del self._buf[:self._length]
        return self._done(body)

    def end(self):
        """The stream ended: the response whose body ran to its end, or HttpError."""
        if self._head is not None and not self._chunked and self._length is None:
            body = bytes(self._buf)
            self._buf.clear()
            return self._done(body, keep_alive=False)
        if self._head is None and not self._buf:
            raise HttpError("the connection closed before any response")
        raise HttpError("the connection closed in the middle of a response")

    def _done(self, body, keep_alive=None):
        status, reason, headers, alive = self._head
        self._head = None
        self._length = None
        self._chunked = False
        self._body = bytearray()
        self._chunk_left = None
        self._trailer_size = None
        return Response(status, reason, headers, body, alive if keep_alive is None else keep_alive)

    def _read_head(self):
        buf = self._buf
        end = buf.find(b"\r\n\r\n")
        if end < 0:
            # A server that is not HTTP gives itself away in its first line.
            if len(buf) >= 5 and not buf.startswith(b"HTTP/"):
                raise HttpError("not an HTTP response: %r" % bytes(buf[:40]))
            if len(buf) > MAX_HEAD:
                raise HttpError("response head longer than %d bytes" % MAX_HEAD)
            return False
        lines = bytes(buf[:end]).decode("latin-1").split("\r\n")
        del buf[:end + 4]
        parts = lines[0].split(" ", 2)
        # RFC 9112 section 4: HTTP/1.DIGIT, then a status code of exactly 3 digits, 100 to 599.
        version, code = parts[0], parts[1] if len(parts) > 1 else ""
        if (len(version) != 8 or not version.startswith("HTTP/1.") or not _is_digits(version[7:], 1)
                or len(code) != 3 or not _is_digits(code, 3) or not "1" <= code[0] <= "5"):
            raise HttpError("not an HTTP response: %r" % lines[0][:80])
        status = int(code)
        reason = parts[2] if len(parts) > 2 else ""
        headers = []
        for line in lines[1:]:
            name, colon, value = line.partition(":")
            if not colon:
                raise HttpError("malformed header line: %r" % line[:80])
            # Only SP and HTAB are whitespace here (RFC 9110 section 5.6.3): str.strip()
            # would also take the Latin-1 NBSP and NEL, and " \xa05" would read as 5.
            headers.append((name.strip(" \t").lower(), value.strip(" \t")))
        fields = dict(headers)
        connection = fields.get("connection", "").lower()
        keep_alive = "close" not in connection and (version != "HTTP/1.0" or "keep-alive" in connection)
        if "chunked" in fields.get("transfer-encoding", "").lower():
            self._chunked = True
        elif "content-length" in fields:
            self._length = content_length([value for name, value in headers if name == "content-length"])
            if self._has_body(status):
                self._check_size(self._length, announced=True)  # before any of it is read
        else:
            keep_alive = False  # the body runs to the end of the stream
        self._head = (status, reason, headers, keep_alive)
        return True

    def _has_body(self, status):
        return not (status in (204, 304) or 100 <= status < 200 or self.method == "HEAD")

    def _check_size(self, size, announced):
        if self.max_body is not None and size > self.max_body:
            raise BodyTooLarge(size, self.max_body, announced)

    def _read_chunks(self):
        """The whole body once the last chunk and trailer are in, else None.
        Each chunk's size is checked against ``max_body`` before its data is
        waited for, and its data is copied once, into the body."""
        buf = self._buf
        body = self._body
        limit = self.max_body if self.max_body is not None else float("inf")
        while self._trailer_size is None:
            if self._chunk_left is None:
                end = buf.find(b"\r\n", 0, MAX_CHUNK_LINE + 2)
                if end < 0:
                    if len(buf) > MAX_CHUNK_LINE:
                        raise HttpError("chunk-size line longer than %d bytes" % MAX_CHUNK_LINE)
                    return None
                size = chunk_size(bytes(buf[:end]))
                if len(body) + size > limit:  # _check_size, inline: this runs once per chunk
                    raise BodyTooLarge(len(body) + size, limit, True)
                del buf[:end + 2]
                if size == 0:
                    self._trailer_size = 0
                    break
                self._chunk_left = size
            left = self._chunk_left
            if len(buf) < left + 2:
                return None
            if buf[left:left + 2] != b"\r\n":
                raise HttpError("chunk data not followed by CRLF: %r" % bytes(buf[left:left + 2]))
            body += buf[:left]
            del buf[:left + 2]
            self._chunk_left = None
        # Trailer fields (ignored), then an empty line; all of them within MAX_HEAD.
        while True:
            end = buf.find(b"\r\n")
            if end < 0 and self._trailer_size + len(buf) <= MAX_HEAD:
                return None
            self._trailer_size += end + 2
            if end < 0 or self._trailer_size > MAX_HEAD:
                raise HttpError("trailer longer than %d bytes" % MAX_HEAD)
            del buf[:end + 2]
            if end == 0:
                return bytes(body)
