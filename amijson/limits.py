"""What Asterisk takes in one request, by route, checked before connecting.

Past these limits Asterisk drops or refuses a request, some of them without a
word: ``asterisk -rx`` with a longer command prints nothing and exits 0, which
would read as an empty success. A request over a limit is a ``usage`` error
before anything connects, so no session is opened for it either (over HTTP,
Asterisk 22 answers a body over its limit with 413 after the login, and that
session then stays behind even after a Logoff).

The numbers come from Asterisk's source (the same at 16.28.0, 22.10.1 and
master) and were measured on the 22 sandbox:

* the console socket reads ``cli quit after CMD`` and its NUL into a 512-byte
  buffer (``main/asterisk.c``): CMD may have 496 bytes;
* AMI over TCP reads a line into a 1025-byte buffer (``main/manager.c``): a
  header line with its CRLF may have 1024 bytes, and an action 128 lines;
* Asterisk's HTTP server takes a form body of at most 40960 bytes
  (``main/http.c``).
"""

from amijson.errors import AmijsonError

RX_MAX_COMMAND = 496  # bytes of the CLI command, UTF-8
AMI_MAX_LINE = 1024  # bytes of one "Key: value\r\n" line
AMI_MAX_LINES = 128  # header lines of one action, Action and ActionID included
HTTP_MAX_BODY = 40960  # bytes of one POST's form body
ACTION_ID_ROOM = 32  # an ActionID amijson makes is shorter than this


def check(request, route):
    """A ``usage`` error when Asterisk would not take ``request`` on ``route``
    (``ami``, ``http`` or ``rx``), or when a value would end its line early."""
    if route == "rx":
        if "\r" in request.command or "\n" in request.command:  # the console reads one line per command
            raise AmijsonError("usage", "a CLI command may not contain CR or LF")
        size = len(request.command.encode("utf-8"))
        if size > RX_MAX_COMMAND:
            raise AmijsonError("usage", "the CLI command has %d bytes; through the console socket (asterisk -rx) "
                               "Asterisk runs at most %d and silently drops a longer one" % (size, RX_MAX_COMMAND))
        return
    headers = [("Action", request.action)] + list(request.headers)
    for key, value in headers:
        if "\r" in key + value or "\n" in key + value:  # would end the line and smuggle in more headers
            raise AmijsonError("usage", "a header may not contain CR or LF: %r" % key)
    if len(headers) + 1 > AMI_MAX_LINES:
        raise AmijsonError("usage", "the action has %d headers; Asterisk takes at most %d lines per action"
                           % (len(headers) - 1, AMI_MAX_LINES - 2))
    if route == "http":
        from amijson.httpwire import form_body
        size = len(form_body(headers)) + ACTION_ID_ROOM
        if size > HTTP_MAX_BODY:
            raise AmijsonError("usage", "the action's form body has about %d bytes; Asterisk's HTTP server takes "
                               "at most %d (AMI over TCP takes lines of up to %d bytes each)"
                               % (size, HTTP_MAX_BODY, AMI_MAX_LINE))
        return
    for key, value in headers:
        size = len(key.encode("utf-8")) + len(value.encode("utf-8")) + 4  # ": " and CRLF
        if size > AMI_MAX_LINE:
            raise AmijsonError("usage", "the %s header line has %d bytes; Asterisk takes at most %d per line "
                               "(with its CRLF) and refuses the action" % (key, size, AMI_MAX_LINE))
