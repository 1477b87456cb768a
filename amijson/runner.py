"""Choose the route (AMI, or ``asterisk -rx``), run the request, parse CLI text.

``--via ami`` never falls back, nor does ``--via http`` (AMI over Asterisk's
HTTP server, the same actions as over AMI). ``--via rx`` runs CLI commands through the local
control socket, as ``asterisk -rx`` does. ``--via auto`` (the default) tries AMI; when AMI cannot be
reached or is not configured (refused, no answer to connect, no user or
secret), the target is this machine (``amijson.locality``) and a control socket
or an ``asterisk`` executable is here, it answers through rx and says in ``warnings`` why AMI was
passed over. A question about another host is never answered by this one. An
answer from Asterisk, an error included (a wrong secret, a refused command),
is never retried elsewhere.
"""

from amijson.errors import AmijsonError
from amijson.request import Batch

# AMI failures that mean "AMI is not there", as opposed to an answer from it.
UNREACHABLE = frozenset(("connect", "config"))


def _run(route, settings, request, deadline, environ, plan):
    """``route``'s Answer; a route that hands CLI output over as it comes (rx, and AMI's
    Command reply over TCP) calls ``reader`` for a parser to feed it to. A ``Batch`` (a
    query made of parts) goes to its ``run_batch``."""
    if type(request) is Batch:
        return route.run_batch(settings, request, deadline, environ)

    def reader():
        plan.streamed = plan.output_parse(request)
        return plan.streamed

    return route.run(settings, request, deadline, environ, reader)


def execute(settings, plan, document, deadline, environ):
    """Run ``plan`` on the chosen route and write its Answer into ``document``.

    ``plan.request(route)`` gives the Request for a route (``ami`` or ``rx``): a
    named query asks AMI with an action and rx with a CLI command; a query made
    of parts gives a ``Batch`` of them, which the route answers in one run.
    ``plan.finish(request, answer)`` turns what came back into records. The
    runner is the only writer of the document's answer fields: a route returns
    an Answer, or raises with the Answer so far attached."""
    try:
        plan = plan.within(settings.allow)
        request, answer = _answer(settings, plan, document, deadline, environ)
        plan.finish(request, answer)
    except AmijsonError as exc:
        if exc.answer is not None:
            document.take(exc.answer)
        explain = getattr(plan, "explain", None)
        if explain is not None:
            explain(exc)
        raise
    document.take(answer)
    streamed = plan.streamed
    if request.command is not None and streamed is not None and document.output is not None:
        document.output_items = streamed.output_items(len(document.output))


def _answer(settings, plan, document, deadline, environ):
    """(the request that was answered, its Answer)."""
    from amijson.routes import AUTO, BY_NAME, ROUTES
    first = BY_NAME["ami" if settings.via == AUTO else settings.via]
    request = _start(plan, first, document)
    try:
        return request, _run(first, settings, request, deadline, environ, plan)
    except AmijsonError as exc:
        if plan.empty_answer(request, exc):
            from amijson.records import Records
            exc.answer.records = Records()
            return request, exc.answer
        fallback = next((route for route in ROUTES if route.fallback), None)
        if (settings.via != AUTO or exc.code not in UNREACHABLE  # a route asked for by name
                or fallback is None
                or not _cli_only(plan.request(_kind(fallback)))  # an AMI action has no CLI twin
                or not fallback.available(settings, environ)
                or not _is_this_machine(settings.host, deadline)):
            raise
        document.warnings.append("%s not used (%s: %s); answered through %s"
                                 % (first.label, exc.code, exc.message, fallback.label))
        request = _start(plan, fallback, document)
        return request, _run(fallback, settings, request, deadline, environ, plan)


def _cli_only(request):
    return request.cli_only() if type(request) is Batch else request.command is not None


def _kind(route):
    """What a route is asked: ``ami`` (an action, a CLI command as the Command action) or ``rx``
    (the CLI command itself)."""
    return "ami" if route.runs_actions else "rx"


def _is_this_machine(host, deadline):
    from amijson.locality import is_this_machine
    return is_this_machine(host, deadline)


def _start(plan, route, document):
    """The request for ``route``, shown in the document and checked against what
    Asterisk takes there."""
    from amijson.limits import check
    request = plan.request(_kind(route))
    if type(request) is Batch:
        document.set_requests(request.requests)
        if route.runs_actions or request.cli_only():
            for part in request.requests:
                check(part, route.name)
        return request
    document.set_request(request.action, request.headers, request.command)
    if not route.runs_actions and request.command is None:
        return request  # the route refuses an action itself, naming it
    check(request, route.name)
    return request


class _Streamed:
    streamed = None  # the OutputParse a route fed the output to as it came, if any

    def streamed_records(self):
        """(parser name, records) made while the output came, or None."""
        return self.streamed.records() if self.streamed is not None else None


class Plan(_Streamed):
    """A plain action or CLI command: the same request on every route; a
    command's output becomes records through the CLI parser registry."""

    def __init__(self, request):
        self._request = request

    def request(self, route):
        return self._request

    def within(self, allow):
        """This plan as ``allow`` (a profile's amijson.allowlist.AllowList, or None) lets it
        run: ``forbidden`` when it does not, its pinned headers added."""
        request = self._request
        if allow is None:
            return self
        if request.command is not None:
            allow.check_command(request.command)
            return self
        headers = allow.action_headers(request.action, request.headers)
        if headers is request.headers:
            return self
        from amijson.request import Request
        return Plan(Request.for_action(request.action, headers, request.wait))

    def fit(self, settings):
        """Make ``settings.timeout`` cover what the request itself may take (amijson.deferred)."""
        if self._request.later_from is not None:
            from amijson.deferred import fit_timeout
            fit_timeout(self._request, settings)

    def empty_answer(self, request, error):
        return False

    def output_parse(self, request):
        if request.command is None:
            return None
        from amijson.parsers import OutputParse
        return OutputParse.for_command(request.command)

    def finish(self, request, answer):
        if request.command is not None and answer.output is not None:
            parsed = self.streamed_records()
            if parsed is not None:
                answer.parser, answer.records = parsed
            else:
                _parse_output(request.command, answer)


class QueryPlan(_Streamed):
    """A named query (amijson.queries): action over AMI, CLI command over rx."""

    def __init__(self, name, args):
        from amijson.queries import QUERIES
        self.name = name
        self.query = QUERIES[name]
        self.args = args

    def request(self, route):
        return self.query.request(self.name, self.args, route)

    def within(self, allow):
        """A named query runs as a whole where ``allow`` names it (its own actions and commands)."""
        if allow is not None:
            allow.check_query(self.name)
        return self

    def fit(self, settings):
        """A query takes no longer than the run's own timeout."""

    def empty_answer(self, request, error):
        # PJSIPShowEndpoints and friends answer an empty list with an error.
        return error.code == "action_failed" and error.message in self.query.empty_errors

    def output_parse(self, request):
        return self.query.output_parse(request)

    def finish(self, request, answer):
        _records_or_warning(answer, lambda: self.query.shape(request, answer, self.streamed_records()))

    def explain(self, error):
        """Add the query's word for a CLI command Asterisk does not have (a module gone)."""
        hint = self.query.missing_hint
        from amijson.queries import UNKNOWN_SOURCE  # an unknown action (SIPpeers) or CLI command
        if hint and error.code in ("command_failed", "action_failed") and error.message.startswith(UNKNOWN_SOURCE):
            error.message = "%s: %s" % (error.message, hint)


def _parse_output(command, answer):
    from amijson import parsers

    def parse():
        answer.parser, answer.records = parsers.parse(command, "\n".join(answer.output), answer.warnings)
    _records_or_warning(answer, parse)


def _records_or_warning(answer, make):
    """Run ``make``, which sets the answer's records. One policy for a parser or a query
    mapping that fails on what Asterisk sent (a bug of ours): the run still succeeds with
    the output lines and the reply, records empty, and a warning that says so, for a
    command and a named query alike."""
    try:
        make()
    except AmijsonError:
        raise
    except Exception as exc:  # a parser bug must not cost the caller the output lines
        answer.warnings.append("parser failed on this output (%s: %s); records left empty"
                               % (type(exc).__name__, exc))
        from amijson.records import Records
        answer.parser, answer.records = None, Records()
