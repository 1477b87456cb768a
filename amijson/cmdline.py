"""The command line's words: its options (a table, as data), the verbs, the usage text.

``parse_args`` needs no ``argparse`` (whose import alone costs a third of a
small run). Options come first and end at the verb or at ``--``: every word
after it is an operand, never an option. ``amijson.cli`` wires what is read
here to a run.
"""

from amijson.errors import AmijsonError
from amijson.inputs import shown as _shown

USAGE = """\
usage: amijson [options] action NAME [KEY=VALUE ...]
       amijson [options] command "CLI COMMAND"
       amijson [options] -rx "CLI COMMAND"      (drop-in for asterisk -rx; also -x)
       amijson [options] QUERY [FILTER]         {queries}
       amijson [options] events [FILTER ...]    AMI events that match Header=value, Header=glob,
                                                Header!=value (docs/events.md)
       amijson [options] doctor                 why a run gets no data: each check, with a hint
       amijson [options] asterisk -rx "CMD"     asterisk's command line, printing its text (a link
                                                named asterisk runs this; see docs/text.md)

Runs one AMI action or CLI command and prints one JSON document. Options come
before the verb: every word after it (or after --) is an operand, never an option.

connection:
  --host HOST            Asterisk host (AMIJSON_HOST; default 127.0.0.1)
  --port PORT            AMI port (AMIJSON_PORT; default 5038, 5039 with --tls)
  --user USER            manager user (AMIJSON_USER)
  --tls                  AMI over TLS, certificate and host name verified
  --cafile PATH          CA certificates for --tls (AMIJSON_CAFILE)
  --insecure             TLS without verification (said in warnings)
  --auth auto|md5|plain  login method: plain (Secret), md5 (Challenge, then Login with the
                         key); auto (default): plain only over verified TLS, md5 otherwise
  --timeout SECONDS      one deadline for the whole run (default 10)
  --connect-timeout S    deadline for connecting (default 3)
  --events MASK          event mask sent at login (default off)
  --no-wait              an action whose result Asterisk tells later (Originate with Async,
                         AGI): return at its reply, without waiting for the event
  --via auto|ami|http|rx route: AMI, AMI over Asterisk's HTTP server (/rawman), or the local
                         control socket as `asterisk -rx` uses it (AMIJSON_VIA; default auto:
                         AMI, and rx when AMI cannot be reached)
  --http-port PORT       port of AMI over HTTP, for --via http (AMIJSON_HTTP_PORT; default
                         8088, 8089 with --tls: http.conf's bindport, tlsbindport)
  --http-prefix PREFIX   http.conf's prefix, for --via http (AMIJSON_HTTP_PREFIX)
  --console PATH         control socket for the rx route (AMIJSON_CONSOLE; default astctl in
                         astrundir of /etc/asterisk/asterisk.conf, /var/run/asterisk/asterisk.ctl);
                         off: run the asterisk executable instead
  --asterisk PATH        asterisk executable for the rx route when the socket cannot be
                         reached (AMIJSON_ASTERISK)
secret (never on the command line):
  AMIJSON_SECRET, --secret-file PATH, --secret-stdin, secret= in a config file,
  or the user's secret in /etc/asterisk/manager.conf (--manager-conf PATH)
config:
  --config PATH          INI config file (AMIJSON_CONFIG; else ~/.config/amijson/config,
                         /etc/amijson.conf)
  --profile NAME         profile section of the config file (AMIJSON_PROFILE)
several PBXes (one document, a "pbx" key on each record with --records; exit 9 when any failed):
  --profiles NAMES|all   each named profile of the config file (comma-separated), at once
  --host H1,H2,...       several hosts, the other settings shared
  --parallel N           most PBXes asked at once (default 64)
output:
  --format json|nagios|prometheus|zabbix|text
                         json: the document (default); nagios: a plugin's status line,
                         perfdata and exit code; prometheus: the text exposition format;
                         zabbix: low-level discovery, or a one-record query's record
                         (named queries only; see docs/monitoring.md); text: a CLI
                         command's output exactly as asterisk -rx prints it, Key: Value
                         blocks for an action or a query, a failure on stderr (docs/text.md)
  --warning FIELD=RANGE, --critical FIELD=RANGE
                         nagios thresholds, repeatable: a numeric field of a one-record
                         query (status calls=50), or count / count[FIELD=VALUE] of a list
  --output FILE          prometheus: write FILE atomically (for the textfile collector)
  --pretty               indented JSON
  --format ndjson|sse    events: a JSON line per event / Server-Sent Events, as they come
  --count N, --until FILTER, --for SECONDS
                         events: stop after N matching events, at (and with) the first event
                         matching FILTER (repeatable: all must hold), or after SECONDS
  --buffer MIB           events: a stream's buffer for a slow reader; past it events are
                         dropped and counted (default 8)
  --reconnect            events: log in again after a lost connection, the gap marked
  --records              print only the records array (a failure still prints the
                         error document; the exit code tells which)
  --fallback-encoding E  decoding for bytes that are not UTF-8 (default latin-1)
  --debug                the AMI exchange on stderr (secret and MD5 key redacted)
  --max-size MIB         most AMI text one run accepts (AMIJSON_MAX_SIZE; default 64)
  --version, --help
"""

QUERY_COLUMN = 48  # where the queries' list starts on its usage lines


def usage():
    """The --help text: the named queries come from their registry (``amijson.queries``)."""
    from amijson.queries import QUERIES
    lines = [""]
    for name, query in QUERIES.items():
        item = query.usage(name) + ","
        if lines[-1] and QUERY_COLUMN + len(lines[-1]) + 1 + len(item) > 92:
            lines.append("")
        lines[-1] = (lines[-1] + " " + item).lstrip()
    return USAGE.replace("{queries}", ("\n" + " " * QUERY_COLUMN).join(lines)[:-1])


def verbs():
    """Every verb, as the no-arguments message lists them: the forms of the usage lines,
    with the named queries from their registry in place of QUERY."""
    from amijson.queries import QUERIES
    forms = []
    for line in USAGE.split("\n\n", 1)[0].splitlines():
        if "[options]" not in line:  # a usage line's continuation
            continue
        form = line.partition("[options]")[2].strip().split("  ")[0]
        if form.startswith("QUERY"):
            form = "a query (%s)" % ", ".join(query.usage(name) for name, query in QUERIES.items())
        forms.append(form)
    return " | ".join(forms)


# option -> (setting name, takes a value)
OPTIONS = {
    "--host": ("host", True),
    "--port": ("port", True),
    "--user": ("user", True),
    "--tls": ("tls", False),
    "--cafile": ("cafile", True),
    "--insecure": ("insecure", False),
    "--auth": ("auth", True),
    "--timeout": ("timeout", True),
    "--connect-timeout": ("connect_timeout", True),
    "--events": ("events", True),
    "--no-wait": ("no_wait", False),
    "--pretty": ("pretty", False),
    "--records": ("records_only", False),
    "--debug": ("debug", False),
    "--max-size": ("max_size", True),
    "--profile": ("profile", True),
    "--profiles": ("profiles", True),
    "--parallel": ("parallel", True),
    "--config": ("config", True),
    "--secret-file": ("secret_file", True),
    "--secret-stdin": ("secret_stdin", False),
    "--fallback-encoding": ("fallback_encoding", True),
    "--manager-conf": ("manager_conf", True),
    "--via": ("via", True),
    "--http-port": ("http_port", True),
    "--http-prefix": ("http_prefix", True),
    "--asterisk": ("asterisk", True),
    "--console": ("console", True),
    "--format": ("format", True),
    "--warning": ("warning", True),
    "--critical": ("critical", True),
    "--output": ("output", True),
    "--count": ("count", True),
    "--until": ("until", True),
    "--for": ("for", True),
    "--buffer": ("buffer", True),
    "--reconnect": ("reconnect", False),
    "--help": ("help", False),
    "-h": ("help", False),
    "--version": ("version", False),
}


# Options that may be given more than once: each value is kept, in order (a list).
REPEATED = frozenset(("warning", "critical", "until"))


# Words that end the options: everything after them is an operand, whatever
# it starts with. A PHP page passes a queue name or a number from a web form
# after the verb; read as an option, "--host=elsewhere" would send the login there.
DROP_IN = ("-rx", "-x")


def parse_args(argv):
    """(options dict, verb, operands).

    Options come first and end at the verb (``action``, ``command``, a query
    name, or ``-rx``/``-x``) or at ``--``: every word after that is an operand,
    never an option, whatever it starts with."""
    options = {}
    i = 0
    while i < len(argv):
        arg = argv[i]
        i += 1
        if arg == "--":
            rest = argv[i:]
            return (options, rest[0], rest[1:]) if rest else (options, None, [])
        if not arg.startswith("-") or arg == "-":
            return options, arg, argv[i:]
        name, eq, inline = arg.partition("=")
        if name in ("--secret", "--password"):
            raise AmijsonError("usage", "the secret is never taken from the command line (any user can read "
                               "it with ps): use AMIJSON_SECRET, --secret-file, --secret-stdin or a config file")
        if name in DROP_IN:
            return options, name, _drop_in_command(name, inline if eq else None, argv[i:])
        if name not in OPTIONS:
            raise AmijsonError("usage", "unknown option %s (see amijson --help)" % _shown(name))
        key, takes_value = OPTIONS[name]
        if takes_value:
            if eq:
                value = inline
            elif i < len(argv):
                value = argv[i]
                i += 1
            else:
                raise AmijsonError("usage", "%s needs a value" % name)
            if key in REPEATED:
                options.setdefault(key, []).append(value)
            else:
                options[key] = value
        else:
            if eq:
                raise AmijsonError("usage", "%s takes no value" % name)
            options[key] = True
    return options, None, []


def _drop_in_command(name, inline, rest):
    """The one operand of ``-rx``/``-x``: the whole CLI command.

    No Asterisk CLI command starts with ``-``, so such a word is refused rather
    than run: it is an option put in the wrong place, or a value that tries to
    pass for one (``asterisk -rx`` itself would read it as an option)."""
    if inline is None:
        if not rest:
            raise AmijsonError("usage", '%s needs the CLI command: amijson %s "core show channels"' % (name, name))
        inline, rest = rest[0], rest[1:]
    if rest:
        raise AmijsonError("usage", "%s takes the whole CLI command as one word; nothing may follow it "
                           "(options go before %s)" % (name, name))
    if inline.lstrip().startswith("-"):
        raise AmijsonError("usage", "%s %s: a CLI command never starts with '-' (options go before %s)"
                           % (name, _shown(inline), name))
    return [inline]


def format_asked(argv):
    """The value of ``--format`` among the options of a command line that could not be
    parsed (an unknown option, say), so that the error still comes in that format."""
    i = 0
    found = None
    while i < len(argv):
        arg = argv[i]
        i += 1
        if arg == "--" or not arg.startswith("-") or arg == "-" or arg in DROP_IN:
            break
        name, eq, inline = arg.partition("=")
        key, takes_value = OPTIONS.get(name, (None, False))
        if takes_value and not eq:
            inline = argv[i] if i < len(argv) else None
            i += 1
        if key == "format" and inline is not None:
            found = inline
    return found
