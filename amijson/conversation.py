"""Logging in and answering one request over a manager session, on any route.

Both AMI routes (TCP/TLS in ``amijson.ami``, HTTP in ``amijson.ami_http``)
drive a session that implements ``ManagerSession``; ``converse`` logs in, runs
the request and turns the exchange into an ``Answer``; ``converse_batch`` does
the same for a ``Batch``, its actions in the one session. It lives below the
routes so that no route imports another.
"""

from amijson.answer import Answer
from amijson.document import EventBlock, fallback_warnings, message_to_json, plain_run
from amijson.errors import AmijsonError
from amijson.exchange import is_error
from amijson.records import Records
from amijson.wire import MessageRun


class ManagerSession:
    """What ``converse`` needs of a session (``AmiSession``, ``HttpAmiSession``)."""

    exchange = None  # the ActionExchange under way, so a failure can still show its reply

    def is_verified_tls(self):
        """True when the peer's certificate and host name were verified (the plain secret may go)."""
        raise NotImplementedError

    def login_and_call(self, user, secret, name, headers, auth, events, keep_run=None, output_sink=None,
                       later=None):
        """Log in (``auth``: ``plain`` or ``md5``) and run one action; its ActionExchange
        (``keep_run``, ``output_sink``: see ``ActionExchange``), complete with the event
        ``later`` (an ``amijson.deferred.Later``) names, when given."""
        raise NotImplementedError

    def login_and_call_all(self, user, secret, actions, auth, events):
        """Log in and run each of ``actions`` ((name, headers) pairs) in this one session,
        sent together where the session can; their ActionExchanges, in order."""
        raise NotImplementedError

    def identity(self):
        """(banner or Server header, AMI version or None) of the peer, once known."""
        raise NotImplementedError

    def logoff(self):
        """End the session on Asterisk's side if it logged in; never raises."""
        raise NotImplementedError

    def close(self):
        raise NotImplementedError


def command_lines(reply):
    """A Command reply's output lines, as 16 and later (Output: headers) or 13 (a body) send them."""
    if reply.body is not None:  # Asterisk <= 13: Response: Follows and raw text
        from amijson.clitext import output_lines
        return output_lines(reply.body)
    return reply.get_all("Output")


def _record(answer, message, where, encoding):
    if message.fell_back:
        answer.warnings.extend(fallback_warnings(message, where, encoding))
    return message_to_json(message)


def check_credentials(settings):
    if not settings.user:
        raise AmijsonError("config", "no AMI user: give --user, AMIJSON_USER or user= in a config file")
    if settings.secret is None:
        raise AmijsonError("config", "no secret for AMI user %r: set AMIJSON_SECRET, --secret-file, "
                           "--secret-stdin or secret= in a config file" % settings.user)


def open_transcript(settings):
    """The --debug transcript on stderr (secrets redacted), or None."""
    if not settings.debug:
        return None
    import sys
    from amijson.debug import Transcript
    return Transcript(sys.stderr, [settings.secret])


def answer_over(settings, request, route, open_session, talk=None, reader=None):
    """The Answer to ``request`` over the ManagerSession ``open_session()`` gives (it
    connects, so it runs once the credentials are known to be there); the Answer's
    route is ``route``, or ``route+tls``. ``talk``: ``converse`` (the default) or,
    for a Batch, ``converse_batch``; ``reader``: see ``converse``. AmijsonError
    carries the Answer so far."""
    answer = Answer(route + "+tls" if settings.tls else route,
                    {"host": settings.host, "port": settings.port, "banner": None, "ami_version": None})
    try:
        check_credentials(settings)
        if talk is None:
            converse(settings, request, open_session(), answer, reader)
        else:
            talk(settings, request, open_session(), answer)
    except AmijsonError as exc:
        raise answer.failed(exc)
    return answer


def login_method(auth, session):
    """``plain`` or ``md5``: the method ``auth`` (``--auth``) means over ``session``."""
    if auth == "auto":
        # The plain secret only to a peer whose certificate was verified; to any
        # other, MD5 keeps it off the wire and away from an impostor, at the
        # cost of a round trip.
        return "plain" if session.is_verified_tls() else "md5"
    return auth


def _run_keeper(mapper):
    """What an exchange keeps of a run of list items for a request whose items
    ``mapper`` will map (``Request.list_mapper``): the run's records, mapped now,
    while Asterisk still writes the rest of the list, and their JSON written."""
    if mapper is None:
        return None

    def keep(run):
        if not plain_run(run):
            return run  # fill() takes it message by message
        block = EventBlock(run)
        block.mapped(mapper).items()
        return block
    return keep


def converse(settings, request, session, answer, reader=None):
    """Log in, run ``request`` and fill ``answer`` over ``session`` (a ManagerSession),
    which is closed in the end. ``reader()``, for a CLI command, gives the parser
    (``parsers.OutputParse``) its output goes to while the reply arrives, or None."""
    try:
        auth = login_method(settings.auth, session)
        sink = reader() if reader is not None and request.command is not None else None
        later = request.later if request.later_from == "event" else None
        try:
            exchange = session.login_and_call(settings.user, settings.secret, request.action, request.headers,
                                              auth, settings.events, _run_keeper(request.list_mapper), sink,
                                              later)
        except AmijsonError as exc:
            # Cut off mid-list, or before the event that tells the outcome: the reply
            # that opened the list, or the ack, is still worth showing.
            started = session.exchange
            if started is not None and started.response is not None:
                answer.response = message_to_json(started.response)
                if later is not None and not is_error(started.response):
                    answer.outcome = later.outcome(None)
                    if exc.code == "timeout":
                        exc.message = later.missed(request.action, settings.timeout)
            raise
        finally:
            answer.server["banner"], answer.server["ami_version"] = session.identity()
        fill(answer, request, exchange, settings.fallback_encoding)
        if exchange.tap is not None and answer.output is not None and not exchange.response.fell_back:
            exchange.tap.finish(answer.output)
    finally:
        session.logoff()
        session.close()


# What Asterisk may answer one request of a Batch with, and the others still be
# worth having: the query decides what it means (a module not loaded, an empty list).
REFUSALS = frozenset(("action_failed", "command_failed"))


def converse_batch(settings, batch, session, answer):
    """Log in once, run every request of ``batch`` (an ``amijson.request.Batch``) in that
    session and put an Answer per request in ``answer.parts``; ``session`` is closed in
    the end. A request Asterisk refused keeps its error in its Answer (``error``); any
    other failure (the login, permission, the connection, the deadline) ends the run.
    A batch with a ``follow_up`` then runs its second round in the same session (the
    details of what the first round listed), all in one write, their Answers appended."""
    try:
        try:
            exchanges = session.login_and_call_all(settings.user, settings.secret,
                                                   [(request.action, request.headers) for request in batch.requests],
                                                   login_method(settings.auth, session), settings.events)
        finally:
            answer.server["banner"], answer.server["ami_version"] = session.identity()
        answer.parts = _parts(settings, answer, batch.requests, exchanges)
        if batch.follow_up is not None:
            batch.followed = list(batch.follow_up(answer.parts))
            if batch.followed:
                exchanges = session.call_all([(request.action, request.headers) for request in batch.followed])
                answer.parts += _parts(settings, answer, batch.followed, exchanges)
    finally:
        session.logoff()
        session.close()


def _parts(settings, answer, requests, exchanges):
    """An Answer per request: its records, or the refusal Asterisk gave it (``error``)."""
    parts = []
    for request, exchange in zip(requests, exchanges):
        part = Answer(answer.route, answer.server)
        try:
            fill(part, request, exchange, settings.fallback_encoding)
        except AmijsonError as exc:
            if exc.code not in REFUSALS:
                raise
            part.error = exc
        parts.append(part)
    return parts


def fill(answer, request, exchange, encoding):
    """The answer from one action's exchange; AmijsonError when Asterisk said Error."""
    reply = exchange.response
    is_command = request.command is not None
    answer.warnings.extend(fallback_warnings(reply, "response", encoding))
    answer.response = message_to_json(reply, skip=("output",) if is_command else ())
    records = answer.records = Records()
    for item in exchange.records:
        if type(item) is EventBlock:  # a run kept as it came (_run_keeper)
            records.add(item)
        elif type(item) is MessageRun:  # runs are ASCII: nothing falls back in them
            if plain_run(item):
                records.add(EventBlock(item))
            else:
                for message in item.messages():
                    records.append(message_to_json(message))
        elif item.fell_back:  # only the rare record with non-UTF-8 bytes pays for its warning's text
            records.append(_record(answer, item, "records[%d]" % len(records), encoding))
        else:
            records.append(message_to_json(item))
    if exchange.complete is not None:
        answer.complete = _record(answer, exchange.complete, "complete", encoding)
    message = reply.get("Message") or ""
    if is_command:
        lines = command_lines(reply)
        answer.output = lines
        if is_error(reply):
            if message == "Permission denied":
                raise AmijsonError("permission", "user may not run CLI commands (no 'command' write class): "
                                   "Permission denied")
            failure = next((line for line in lines if line.strip()), None) if lines else None
            raise AmijsonError("command_failed", failure or message or "command failed")
        # 14+ says Error itself; the 13 format only has the text to go by.
        failure = None
        if reply.body is not None:
            from amijson.clitext import cli_failure
            failure = cli_failure(lines, request.command)
        if failure:
            raise AmijsonError("command_failed", failure)
        return
    if request.later_from is not None:
        _outcome(answer, request, exchange, encoding)
    if is_error(reply):
        code = "permission" if message == "Permission denied" else "action_failed"
        raise AmijsonError(code, message or "%s failed" % request.action)
    if exchange.list_error is not None:
        raise AmijsonError("action_failed", exchange.list_error.get("Message") or "list failed")


def _outcome(answer, request, exchange, encoding):
    """``answer.outcome`` for an action whose result comes later (``request.later``):
    from the awaited event, or from the reply itself when the action did not run in the
    background (Originate without Async: Success only once answered). AmijsonError
    ``action_failed`` when the event tells of anything but success."""
    later = request.later
    reply = exchange.response
    if request.later_from == "reply":
        answer.outcome = later.outcome_of_reply(reply)
        if is_error(reply) and (reply.get("Message") or "") == later.sync_failure:
            raise AmijsonError("action_failed", later.sync_failed())
        return
    if is_error(reply):
        return  # refused: nothing runs, nothing will be told
    event = exchange.awaited.event
    if event.fell_back:
        answer.warnings.extend(fallback_warnings(event, "outcome.event", encoding))
    answer.outcome = later.outcome(event)
    ok, word = later.result(event)
    if not ok:
        raise AmijsonError("action_failed", later.ended(request.action, word, event))
