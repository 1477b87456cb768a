"""Command line: wires options to a route and prints exactly one JSON document.

    amijson [options] action NAME [KEY=VALUE ...]
    amijson [options] command "CLI COMMAND"
    amijson [options] asterisk -rx "CLI COMMAND"   (or through a link named asterisk)

The command line's words (options, verbs, the usage text) are read by
``amijson.cmdline``; this module wires them to a run and writes its output.
Every failure, a usage error included, still prints the one JSON document and
exits with the code of its ``error.code`` (see ``amijson.errors``).
"""

import os
import sys

from amijson import __version__
from amijson.document import REDACTED, Document
from amijson.errors import EXIT_CODES, AmijsonError, print_traceback
from amijson.cmdline import DROP_IN, format_asked, parse_args, usage, verbs
from amijson.inputs import integer, shown as _shown, text
from amijson.request import Request

def build_plan(verb, args, options=None):
    """What to run, as a runner plan: an action, a command, or a named query."""
    from amijson.runner import Plan, QueryPlan
    if verb not in ("action", "command"):
        from amijson.queries import QUERIES  # only loaded for queries: start-up time
        if verb in QUERIES:
            return QueryPlan(verb, args)
    return Plan(build_request(verb, args, not (options or {}).get("no_wait")))


def build_request(verb, args, wait=True):
    if verb == "action":
        if not args:
            raise AmijsonError("usage", "action needs a NAME: amijson action NAME [KEY=VALUE ...]")
        headers = []
        for pair in args[1:]:
            key, eq, value = pair.partition("=")
            if not eq or not key or " " in key or ":" in key:
                raise AmijsonError("usage", "action headers are KEY=VALUE, not %r" % pair)
            headers.append((key, value))
        if args[0].lower() in ("login", "logoff", "challenge"):
            raise AmijsonError("usage", "amijson logs in and off itself; %s is not a request" % args[0])
        return Request.for_action(args[0], headers, wait)
    if verb == "command":
        command = " ".join(args).strip()
        if not command:
            raise AmijsonError("usage", 'command needs the CLI command: amijson command "core show channels"')
        return Request.cli(command)
    raise AmijsonError("usage", "unknown verb %r: expected action, command or a query (see amijson --help)"
                       % verb)


def _write(text, stream):
    """Write ``text`` (a str, or a list of ASCII bytes pieces) to ``stream``."""
    if stream is None:  # started with standard output closed: nobody to tell
        return
    try:
        if isinstance(text, str):
            stream.write(text)
            stream.flush()
            return
        buffer = getattr(stream, "buffer", None)
        if buffer is None:  # a text-only stream (StringIO)
            stream.write(b"".join(text).decode("ascii"))
            stream.flush()
            return
        stream.flush()
        for piece in text:  # megabytes of list text go out without one more copy
            buffer.write(piece)
        buffer.flush()
    except BrokenPipeError:
        # The reader went away (PHP closed the pipe): leave quietly.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, stream.fileno())
        except (OSError, ValueError):
            pass


def main(argv=None, environ=None, stdin=None, stdout=None):
    argv = sys.argv[1:] if argv is None else argv
    environ = os.environ if environ is None else environ
    stdout = sys.stdout if stdout is None else stdout
    document = Document()
    pretty = False
    records_only = False
    secret = None
    options = settings = None
    output = None  # a --format other than json (amijson.formats.Output)
    from amijson.deadline import DEFAULT_TIMEOUT, Deadline
    deadline = Deadline(DEFAULT_TIMEOUT)  # the clock starts before anything is read; resolve sets the timeout
    try:
        for number, arg in enumerate(argv, 1):
            text("argument %d" % number, arg)
        options, verb, args = parse_args(argv)
        pretty = bool(options.get("pretty"))
        records_only = bool(options.get("records_only"))
        if options.get("help"):
            _write(usage(), stdout)
            return 0
        if options.get("version"):
            _write("amijson %s\n" % __version__, stdout)
            return 0
        if verb in DROP_IN:
            verb = "command"
        if verb == "asterisk":  # asterisk's command line, printing text
            asked = options.get("format")
            options["format"] = "text"
            output = _output("text", options)  # every failure from here on is said as text
            if asked not in (None, "text"):
                raise AmijsonError("usage", "amijson asterisk prints what asterisk -rx prints (--format text), "
                                   "not --format %s" % _shown(asked))
            from amijson.asterisk_argv import as_asterisk
            verb, args = as_asterisk(options, args, environ)
        if verb == "doctor":  # its own checks and document, loaded for this verb only: start-up time
            from amijson import doctor
            shown, exit_code, secrets = doctor.run(options, args, environ, stdin if stdin is not None else sys.stdin,
                                                   deadline)
            _print(shown, secrets, pretty, stdout)
            return exit_code
        if verb == "events":  # its own module, loaded for this verb only: a stream prints itself
            from amijson import events
            shown, exit_code, secrets = events.run(options, args, environ, stdin if stdin is not None else sys.stdin,
                                                   stdout, deadline)
            if shown is not None:
                _print(shown, secrets, pretty, stdout)
            return exit_code
        output = _output(options.get("format"), options)
        for name in ("count", "until", "for", "buffer", "reconnect"):
            if name in options:
                raise AmijsonError("usage", "--%s is for the events verb" % name)
        if "profiles" in options or "," in options.get("host", ""):
            return _fleet_main(options, verb, args, environ, stdin, stdout, deadline, output)
        if options.get("parallel") is not None:
            raise AmijsonError("usage", "--parallel is for several PBXes (--profiles, or a --host list)")
        if verb is None:
            raise AmijsonError("usage", "nothing to do: amijson [options] VERB, where VERB is %s "
                               "(see amijson --help)" % verbs())
        if output is not None:
            output.check(verb)
        plan = build_plan(verb, args, options)
        from amijson.settings import resolve
        settings = resolve(options, environ, stdin if stdin is not None else sys.stdin, deadline)
        plan = plan.within(settings.allow)
        plan.fit(settings)
        deadline.set(settings.timeout)
        secret = settings.secret
        document.warnings.extend(settings.warnings)
        if options.get("as_asterisk") and settings.asterisk is None:
            from amijson.asterisk_argv import real_asterisk
            settings.asterisk = real_asterisk(environ, os.path.realpath(sys.argv[0])) or "asterisk"
        from amijson.runner import execute
        execute(settings, plan, document, deadline, environ)
        exit_code = 0
    except AmijsonError as exc:
        document.fail(exc.code, exc.message)
        exit_code = exc.exit_code
    except KeyboardInterrupt:
        document.fail("interrupted", "interrupted (SIGINT) before the run finished")
        exit_code = EXIT_CODES["interrupted"]
    except Exception as exc:  # a bug: still one document, the traceback to stderr only
        print_traceback()
        document.fail("internal", "internal error: %s: %s" % (type(exc).__name__, exc))
        exit_code = EXIT_CODES["internal"]
    if options is None:  # the command line could not be read: still answer in the format it asked for
        output = _output("text" if _asterisk_asked(argv) else format_asked(argv), {}, strict=False)
    if output is not None:
        pairs = [(_pbx_name(options or {}, environ, settings), _format_view(document))]
        return _emit(output, pairs, False, deadline, [secret], stdout, exit_code, document.to_dict)
    shown = document.records.json_list() if records_only and exit_code == 0 else document.to_dict()
    _print(shown, [secret], pretty, stdout)
    return exit_code


def _fleet_main(options, verb, args, environ, stdin, stdout, deadline, output=None):
    """Several PBXes (``amijson.fleet``): one fleet document, or with ``--records`` every
    record with its ``pbx``; exit 0 when every PBX answered ok, 9 when any failed. With a
    ``--format`` (``output``), that format for every PBX."""
    from amijson import fleet
    warnings = []
    members = []
    records_only = bool(options.get("records_only"))
    shown = error = None
    try:
        if verb is None:
            raise AmijsonError("usage", "nothing to do: amijson --profiles NAMES [options] action NAME | "
                               "command \"CLI\" | QUERY")
        if output is not None:
            output.check(verb, fleet=True)
        parallel = fleet.DEFAULT_PARALLEL
        if options.get("parallel") is not None:
            parallel = integer("--parallel", options["parallel"], 1, fleet.MAX_PARALLEL)
        plan = build_plan(verb, args, options)  # a usage error ends the run before anything connects
        members = fleet.members(options, environ, stdin if stdin is not None else sys.stdin, deadline, warnings)
        for member in members:  # each profile's own allow-list, before anything connects
            plan.within(member.settings.allow).fit(member.settings)
        deadline.set(max([deadline.seconds] + [member.settings.timeout for member in members]))
        fleet.run(members, lambda: build_plan(verb, args, options), deadline, environ, parallel)
        error, exit_code = fleet.outcome(members)
        if output is not None:
            pass  # the format's own text, below
        elif records_only:
            shown = fleet.records(members)
            for member in members:  # the records cannot say which PBX failed; standard error does
                if member.document.error is not None and sys.stderr is not None:
                    sys.stderr.write("amijson: %s: %s: %s\n" % (member.name, member.document.error["code"],
                                                                 member.document.error["message"]))
        else:
            shown = fleet.document(members, warnings, error)
    except AmijsonError as exc:
        shown, exit_code = fleet.failed_document(warnings, exc.code, exc.message), exc.exit_code
    except KeyboardInterrupt:
        shown = fleet.failed_document(warnings, "interrupted", "interrupted (SIGINT) before the run finished")
        exit_code = EXIT_CODES["interrupted"]
    except Exception as exc:  # a bug: still one document, the traceback to stderr only
        print_traceback()
        shown = fleet.failed_document(warnings, "internal", "internal error: %s: %s" % (type(exc).__name__, exc))
        exit_code = EXIT_CODES["internal"]
    secrets = [member.settings.secret for member in members]
    if output is not None:
        failure = shown["error"] if shown is not None else None  # the run ended before every PBX answered
        pairs = [] if failure else [(member.name, _format_view(member.document)) for member in members]
        return _emit(output, pairs, True, deadline, secrets, stdout, exit_code,
                     lambda: shown if failure else fleet.document(members, warnings, error), failure)
    _print(shown, secrets, bool(options.get("pretty")), stdout)
    return exit_code


def _output(name, options, strict=True):
    """The ``--format`` asked for: None for json (the document), else an
    ``amijson.formats.Output``; only then is the formats package loaded."""
    if name is None or name == "json":
        given = [option for option in ("--warning", "--critical", "--output") if options.get(option[2:])]
        if given and strict:
            raise AmijsonError("usage", "%s is for --format %s" % (given[0], "prometheus" if given[0] == "--output"
                                                                  else "nagios"))
        return None
    from amijson.formats import FORMATS, Output
    if name not in FORMATS:
        if not strict:
            return None
        raise AmijsonError("usage", "--format must be %s or %s, not %s" % (", ".join(FORMATS[:-1]), FORMATS[-1],
                                                                           _shown(name)))
    return Output(name, options)


def _pbx_name(options, environ, settings):
    """The PBX a single run asked, as the formats name it (as a fleet names each): the
    profile's name when one was chosen, else the host."""
    profile = options.get("profile") or environ.get("AMIJSON_PROFILE")
    if profile:
        return profile
    if settings is not None:
        return settings.host
    from amijson.settings import Settings
    return options.get("host") or environ.get("AMIJSON_HOST") or Settings().host


def _format_view(document):
    """What a format reads of a Document: its records as dicts, its error and warnings, and
    for --format text the CLI output and the AMI messages."""
    return {"records": list(document.records), "error": document.error, "warnings": list(document.warnings),
            "output": document.output, "response": document.response, "complete": document.complete}


def _asterisk_asked(argv):
    """True when a command line that could not be parsed was asterisk's (``asterisk ...``)."""
    return bool(argv) and argv[0] == "asterisk"


def _emit(output, pairs, fleet, deadline, secrets, stdout, exit_code, document_json, failure=None):
    """The output stage of a ``--format`` other than json: its text on standard output or
    in ``--output``'s file; the format's exit code (nagios), else the run's."""
    import time
    secrets = [secret for secret in secrets if secret and len(secret) >= MIN_REDACTED_SECRET]
    try:
        text, code = output.render(pairs, fleet, time.monotonic() - deadline.start, secrets, failure)
    except Exception as exc:  # a bug in the format: said plainly, the traceback to stderr only
        print_traceback()
        message = "internal error in --format %s: %s: %s" % (output.name, type(exc).__name__, exc)
        if output.name == "nagios":
            _write("AMIJSON UNKNOWN - %s\n" % " ".join(message.replace("|", "/").split()), stdout)
            return 3
        shown = document_json()
        shown["ok"], shown["error"] = False, {"code": "internal", "message": message}
        _print(shown, secrets, False, stdout)
        return EXIT_CODES["internal"]
    if text is None:  # the format shows amijson's own document here (zabbix, when the run failed)
        _print(document_json(), secrets, bool(output.options.get("pretty")), stdout)
        return exit_code
    if not output.write(text, stdout, _write):
        return EXIT_CODES["usage"]
    if output.name == "text":  # a failure: one line on standard error
        error = failure or (pairs[0][1]["error"] if pairs else None)
        if error is not None and sys.stderr is not None:
            from amijson.formats import redact
            from amijson.formats.text import error_line
            try:
                sys.stderr.write(redact(error_line(error), secrets))
                sys.stderr.flush()
            except (OSError, ValueError):
                pass
    return exit_code if code is None else code




def _print(shown, secrets, pretty, stdout):
    """Write ``shown`` as JSON, no secret in it."""
    from amijson.jsonout import dump_parts, dumps
    pieces = [dumps(shown, True).encode("ascii")] if pretty else dump_parts(shown)
    secrets = [secret for secret in secrets if secret and len(secret) >= MIN_REDACTED_SECRET]
    if secrets:
        pieces = _redact_secrets(pieces, secrets, shown, pretty)
    _write(pieces + [b"\n"], stdout)


def run():
    """The amijson command: ``main()``, then exit at once.

    By then the document is written and flushed. The interpreter's teardown
    (freeing every module and object one by one) would add about a millisecond,
    a tenth of a small run, and do nothing for anyone."""
    argv = sys.argv[1:]
    if sys.argv and os.path.basename(sys.argv[0]) == "asterisk":  # a link named asterisk: every word is asterisk's
        argv = ["asterisk"] + argv
    environ = dict(os.environ)
    # Children (the rx route's asterisk) inherit the mark: amijson's own asterisk link, started
    # by this run, refuses at once instead of asking the PBX again, and again.
    os.environ["AMIJSON_RUNNING"] = "1"
    code = main(argv, environ)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # closed, gone or None: nothing left to say there
            pass
    os._exit(code)


# A secret this short would match ordinary values; redacting it would corrupt data.
MIN_REDACTED_SECRET = 4


def _redact_secrets(pieces, secrets, shown, pretty):
    """No secret reaches the output, even if a peer echoes it back: where one
    appears, the document is written again with it replaced, and (unless only
    records are shown) a warning says so."""
    from amijson.jsonout import dumps, json_string
    found = [escaped for escaped in sorted({json_string(secret)[1:-1] for secret in secrets}, key=len, reverse=True)
             if _contains(pieces, escaped.encode("ascii"))]
    if not found:
        return pieces
    if type(shown) is dict:
        shown["warnings"].append("the secret appeared in Asterisk's answer and was redacted")
    text = dumps(shown, pretty)
    for escaped in found:
        text = text.replace(escaped, REDACTED)
    return [text.encode("ascii")]


def _contains(pieces, needle):
    """``needle`` in the pieces joined, across their boundaries too."""
    keep = len(needle) - 1
    tail = b""
    for piece in pieces:
        if needle in piece or (keep and needle in tail + piece[:keep]):
            return True
        if keep:
            tail = (tail + piece[-keep:])[-keep:]
    return False
