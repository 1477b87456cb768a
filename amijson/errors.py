"""The failures amijson tells apart, each with its ``error.code`` and exit code.

The exit codes are part of the interface scripts rely on (README, "Exit codes"):

====  =====================================================================
 0    ok
 1    Asterisk answered Error: ``action_failed``, ``command_failed``
 2    usage or configuration: ``usage``, ``config``
 3    cannot connect or TLS failure: ``connect``, ``tls``, ``rx_unavailable``
 4    ``auth`` (login refused) or ``permission`` (the user lacks the class)
 5    ``timeout``: the deadline passed
 6    ``protocol``: the peer does not speak AMI, or broke its framing
 7    ``forbidden``: the profile's allow-list (or its lock) does not let the run ask this
 8    ``not_asterisk``: run as ``asterisk`` with a command line that is not
      one command to run (``-c``, ``-g``, no ``-x``): this is amijson
 9    ``partial``: several PBXes were asked (``--profiles``) and some failed
130  ``interrupted``: stopped by SIGINT (Ctrl-C), as shells report it
====  =====================================================================
"""

EXIT_CODES = {
    "action_failed": 1,
    "command_failed": 1,
    "usage": 2,
    "config": 2,
    "connect": 3,
    "tls": 3,
    "rx_unavailable": 3,
    "auth": 4,
    "permission": 4,
    "timeout": 5,
    "protocol": 6,
    "forbidden": 7,
    "not_asterisk": 8,
    "partial": 9,
    "interrupted": 130,
    "internal": 70,
}


class AmijsonError(Exception):
    """A failure that ends the run with an error document."""

    def __init__(self, code, message):
        super().__init__(message)
        if code not in EXIT_CODES:
            raise ValueError("unknown error code %r" % code)
        self.code = code
        self.message = message
        self.answer = None  # the route's amijson.answer.Answer so far, when a route failed
        self.details = None  # facts behind the message, for a diagnosis (amijson doctor), or None

    @property
    def exit_code(self):
        return EXIT_CODES[self.code]


def print_traceback():
    """The traceback of an ``internal`` error, on standard error only (never in the
    document, which may reach a web page)."""
    import sys
    if sys.stderr is not None:
        import traceback
        traceback.print_exc(file=sys.stderr)
