"""The AMI route: one action or CLI command over TCP or TLS, into a Document."""

from amijson.document import fallback_warnings, message_to_json, run_records
from amijson.errors import AmijsonError
from amijson.session import AmiSession
from amijson.transport import connect
from amijson.exchange import is_error
from amijson.wire import MessageRun


def _command_lines(reply):
    if reply.body is not None:  # Asterisk <= 13: Response: Follows and raw text
        from amijson.clitext import output_lines
        return output_lines(reply.body)
    return reply.get_all("Output")


def _record(document, message, where, encoding):
    if message.fell_back:
        document.warnings.extend(fallback_warnings(message, where, encoding))
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


def run(settings, request, document, deadline):
    document.route = "ami+tls" if settings.tls else "ami"
    document.server = {"host": settings.host, "port": settings.port, "banner": None, "ami_version": None}
    check_credentials(settings)
    connection = connect(settings.host, settings.port, deadline, settings.connect_timeout,
                         tls=settings.tls, cafile=settings.cafile, insecure=settings.insecure)
    answer(settings, request, document,
           AmiSession(connection, settings.fallback_encoding, open_transcript(settings), settings.max_size << 20))


def answer(settings, request, document, session):
    """Log in, run ``request`` and fill ``document``, over any session with AmiSession's
    interface (``is_verified_tls``, ``login_and_call``, ``exchange``, ``identity``, ``logoff``,
    ``close``); the session is closed in the end."""
    try:
        auth = settings.auth
        if auth == "auto":
            # The plain secret only to a peer whose certificate was verified; to any
            # other, MD5 keeps it off the wire and away from an impostor, at the
            # cost of a round trip.
            auth = "plain" if session.is_verified_tls() else "md5"
        try:
            exchange = session.login_and_call(settings.user, settings.secret, request.action, request.headers,
                                              auth, settings.events)
        except AmijsonError:
            # Cut off mid-list: the reply that opened the list is still worth showing.
            started = session.exchange
            if started is not None and started.response is not None:
                document.response = message_to_json(started.response)
            raise
        finally:
            document.server["banner"], document.server["ami_version"] = session.identity()
        fill(document, request, exchange, settings.fallback_encoding)
    finally:
        session.logoff()
        session.close()


def _count(records):
    return sum(getattr(r, "count", 1) for r in records)


def fill(document, request, exchange, encoding):
    """The document from one action's exchange; AmijsonError when Asterisk said Error."""
    reply = exchange.response
    is_command = request.command is not None
    document.warnings.extend(fallback_warnings(reply, "response", encoding))
    document.response = message_to_json(reply, skip=("output",) if is_command else ())
    records = document.records = []
    for item in exchange.records:
        if type(item) is MessageRun:  # runs are ASCII: nothing falls back in them
            found = run_records(item)
            if isinstance(found, list):
                records.extend(found)
            else:
                records.append(found)
        elif item.fell_back:  # only the rare record with non-UTF-8 bytes pays for its warning's text
            records.append(_record(document, item, "records[%d]" % _count(records), encoding))
        else:
            records.append(message_to_json(item))
    if exchange.complete is not None:
        document.complete = _record(document, exchange.complete, "complete", encoding)
    message = reply.get("Message") or ""
    if is_command:
        lines = _command_lines(reply)
        document.output = lines
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
    if is_error(reply):
        code = "permission" if message == "Permission denied" else "action_failed"
        raise AmijsonError(code, message or "%s failed" % request.action)
    if exchange.list_error is not None:
        raise AmijsonError("action_failed", exchange.list_error.get("Message") or "list failed")
