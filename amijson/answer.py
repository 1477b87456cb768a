"""What a route brings back: one ``Answer``, whatever the route.

A route (``ami``, ``ami_http``, ``rx``) reaches Asterisk, runs one request and
returns an Answer; the runner alone turns it into the ``Document`` (and a
named query first shapes its records). A ``Batch`` (``amijson.request``) is
answered by one Answer too: its ``parts`` hold one Answer per request, each
with the ``error`` Asterisk gave that request, if any (``action_failed``,
``command_failed``), so that the query decides what a refused part means. A
route that fails raises ``AmijsonError`` with the Answer so far attached
(``error.answer``): the server's identity, the reply that opened a list cut
short, the output of a failed command still reach the document.
"""

from amijson.records import Records


class Answer:
    __slots__ = ("route", "server", "response", "records", "complete", "output", "parser", "warnings", "parts",
                 "error", "outcome")

    def __init__(self, route, server=None):
        self.route = route  # "ami", "ami+tls", "http", "http+tls" or "rx"
        self.server = server  # {host, port, banner, ami_version}, or None where no server was reached
        self.response = None  # the reply's headers (a dict), or None
        self.records = Records()  # list items in order; a query's shape() maps them
        self.complete = None  # the list's closing event, or None
        self.output = None  # a CLI command's output lines, or None
        self.parser = None  # the CLI parser that made the records, or None
        self.warnings = []
        self.parts = None  # a Batch's answer: one Answer per request, in order
        self.error = None  # a part's: the AmijsonError Asterisk answered it with, or None
        self.outcome = None  # what came of an action whose result arrives later (amijson.deferred), or None

    def failed(self, error):
        """``error`` (an AmijsonError) carrying this answer, to raise: what was known
        when the route failed still reaches the document."""
        if error.answer is None:
            error.answer = self
        return error
