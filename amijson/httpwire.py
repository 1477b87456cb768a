"""HTTP/1.1, the client side, for AMI over HTTP (sans-IO: bytes in, responses out).

Asterisk's HTTP server (``http.conf``) answers ``POST /rawman`` with the same
``Key: Value`` text a TCP session would carry (``amijson.wire`` parses it), a
``Content-Length`` and a session cookie (``mansession_id``). A proxy in front
of it may answer in chunks, or close the connection to end a body; all three
framings are read here. ``http.client`` is not used: it imports the ``email``
package, which costs more start-up time than a whole small run.

    request = format_request("POST", "/rawman", "pbx:8088", [("Cookie", ...)],
                             form_body([("Action", "Ping")]))
    reader = ResponseReader()
    response = reader.feed(data)    # None until a whole response is in
    response = reader.end()         # at end of stream: a body that ran to it
"""


class HttpError(Exception):
    """The peer's bytes are not an HTTP/1.x response."""


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


class ResponseReader:
    """Reads one response after another from the bytes of one connection."""

    def __init__(self, method="POST"):
        self.method = method
        self._buf = bytearray()
        self._head = None  # (status, reason, headers, keep_alive) once the head is in
        self._length = None  # Content-Length, or None: chunked, or to the end of the stream
        self._chunked = False
        self._chunks = []
        self._chunk_left = None

    def feed(self, data):
        """Take ``data``; return the complete Response, or None while one is not in yet."""
        self._buf += data
        if self._head is None and not self._read_head():
            return None
        status, reason, headers, keep_alive = self._head
        if status in (204, 304) or 100 <= status < 200 or self.method == "HEAD":
            return self._done(b"")
        if self._chunked:
            body = self._read_chunks()
            return None if body is None else self._done(body)
        if self._length is None:
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
        self._chunks = []
        self._chunk_left = None
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
        if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
            raise HttpError("not an HTTP response: %r" % lines[0][:80])
        status = int(parts[1])
        reason = parts[2] if len(parts) > 2 else ""
        headers = []
        for line in lines[1:]:
            name, colon, value = line.partition(":")
            if not colon:
                raise HttpError("malformed header line: %r" % line[:80])
            headers.append((name.strip().lower(), value.strip()))
        fields = dict(headers)
        connection = fields.get("connection", "").lower()
        keep_alive = "close" not in connection and (parts[0] != "HTTP/1.0" or "keep-alive" in connection)
        if "chunked" in fields.get("transfer-encoding", "").lower():
            self._chunked = True
        elif "content-length" in fields:
            length = fields["content-length"]
            if not length.isdigit():
                raise HttpError("bad Content-Length: %r" % length)
            self._length = int(length)
        else:
            keep_alive = False  # the body runs to the end of the stream
        self._head = (status, reason, headers, keep_alive)
        return True

    def _read_chunks(self):
        """The whole body once the last chunk and trailer are in, else None."""
        buf = self._buf
        while True:
            if self._chunk_left is None:
                end = buf.find(b"\r\n")
                if end < 0:
                    return None
                size = bytes(buf[:end]).split(b";", 1)[0].strip()
                try:
                    self._chunk_left = int(size, 16)
                except ValueError:
                    raise HttpError("bad chunk size: %r" % size[:20])
                del buf[:end + 2]
            if self._chunk_left == 0:
                end = buf.find(b"\r\n")  # trailer fields, then an empty line
                while end > 0:
                    del buf[:end + 2]
                    end = buf.find(b"\r\n")
                if end < 0:
                    return None
                del buf[:2]
                return b"".join(self._chunks)
            if len(buf) < self._chunk_left + 2:
                return None
            self._chunks.append(bytes(buf[:self._chunk_left]))
            del buf[:self._chunk_left + 2]
            self._chunk_left = None
