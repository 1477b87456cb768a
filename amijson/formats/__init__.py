"""Output formats besides the JSON document: ``--format nagios|prometheus|zabbix|text``.

Each format is one module, a pure function from the answers of a run to text:

* ``nagios.render(answers, query, thresholds, fleet)``: (the plugin output, exit code 0-3)
* ``prometheus.render(answers, query, duration, fleet)``: the text exposition format
* ``zabbix.render(answers, query, fleet)``: low-level discovery, or the bare record
* ``text.render(answer, kind)``: what ``asterisk -rx`` prints (one PBX only)

``answers`` is a list of ``Result`` (below): one for a single PBX, one per PBX of a
fleet (``--profiles``, a ``--host`` list), each naming its PBX. A format module is
imported only when ``--format`` names it: this package itself imports nothing, so
a plain run pays nothing for it (PHP starts amijson on every page view).

``Output`` is the command line's side: it checks the options a format takes
(``--warning``, ``--critical``, ``--output``) before anything connects, and
``write`` puts the text on standard output or, for ``--output FILE``, into the
file atomically (a temporary file in the same folder, then a rename), as
node_exporter's textfile collector requires.
"""

from amijson.errors import AmijsonError

FORMATS = ("json", "nagios", "prometheus", "zabbix", "text")

# The named queries that answer with one record (a fact about the PBX) rather than
# a list: their numeric fields are what --warning/--critical and the formats read.
# The other queries are lists: a format counts their records, or lists each one.
# Every field of a one-record query, by query (numeric ones are the thresholds').
ONE_RECORD = {
    "status": ("version", "uptime_seconds", "reload_seconds", "channels", "calls", "calls_processed",
               "endpoints", "endpoints_available", "endpoints_unavailable", "contacts_unreachable",
               "queues", "queue_callers", "longest_wait_seconds",
               "sip_peers", "sip_peers_monitored", "sip_peers_unmonitored", "sip_peers_online", "sip_peers_offline",
               "iax2_peers", "iax2_peers_monitored", "iax2_peers_unmonitored", "iax2_peers_online",
               "iax2_peers_offline"),
    "calls": ("active_calls", "max_calls", "calls_processed", "system_uptime"),
    "uptime": ("system_uptime", "last_reload"),
    "version": ("version", "ami_version", "built_by", "build_host", "machine", "os", "build_date"),
}
TEXT_FIELDS = frozenset(("version", "ami_version", "built_by", "build_host", "machine", "os", "build_date"))
# Fields in seconds, and counters (they only grow while Asterisk runs), by name.
SECONDS = frozenset(("uptime_seconds", "reload_seconds", "longest_wait_seconds", "system_uptime", "last_reload",
                     "duration", "wait", "holdtime", "talktime"))
COUNTERS = frozenset(("calls_processed", "completed", "abandoned"))


def numeric_fields(query):
    return tuple(field for field in ONE_RECORD.get(query, ()) if field not in TEXT_FIELDS)


class Result:
    """What a format reads of one PBX's document: its name, its records (dicts), its
    error (``{code, message}`` or None) and warnings; ``document`` is the whole of it."""

    __slots__ = ("pbx", "records", "error", "warnings", "document")

    def __init__(self, pbx, document):
        self.pbx = pbx
        self.document = document
        self.records = list(document.get("records") or [])
        self.error = document.get("error")
        self.warnings = list(document.get("warnings") or [])


def results(pairs):
    """``Result``s from (pbx, document dict) pairs."""
    return [Result(pbx, document) for pbx, document in pairs]


def redact(value, secrets):
    """``value`` (a document, records, text) with every secret in its strings replaced: a
    peer that echoes the secret back (as a queue name, say) never gets it printed."""
    from amijson.document import REDACTED
    if not secrets:
        return value
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, REDACTED)
        return value
    if isinstance(value, dict):
        return {redact(key, secrets): redact(item, secrets) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact(item, secrets) for item in value]
    return value


class Output:
    """A ``--format`` other than json, as the command line asked for it."""

    def __init__(self, name, options):
        self.name = name
        self.options = options
        self.query = None
        self.kind = None  # --format text: what the run asked (command, action or query)
        self.thresholds = []
        self.path = None  # --output's file, once checked
        self.unwritable = None  # why --output's file cannot be written: nothing is, then

    def check(self, verb, fleet=False):
        """Every usage error of the format's options, before anything connects. When
        ``--output`` names a file, the text goes there, a usage error's included (the
        file stays valid); when that file cannot be written, nothing is printed but the
        reason, on standard error."""
        options = self.options
        if options.get("output") is not None and self.name == "prometheus":
            try:
                self.path = writable_path(options["output"])
            except AmijsonError as exc:
                self.unwritable = exc.message
                raise
        if options.get("records_only"):
            raise AmijsonError("usage", "--records is for the JSON document; --format %s prints its own" % self.name)
        if options.get("pretty") and self.name != "zabbix":
            raise AmijsonError("usage", "--pretty is for JSON output (--format json or zabbix)")
        given = [name for name in ("warning", "critical") if options.get(name)]
        if given and self.name != "nagios":
            raise AmijsonError("usage", "--%s is for --format nagios" % given[0])
        if options.get("output") is not None and self.name != "prometheus":
            raise AmijsonError("usage", "--output is for --format prometheus (node_exporter's textfile collector)")
        from amijson.queries import QUERIES
        if self.name == "text":
            if fleet:
                raise AmijsonError("usage", "--format text is for one PBX (asterisk -rx answers for one); "
                                            "use --format json for several")
            if verb in ("command", "action"):
                self.kind = verb
                return
            if verb in QUERIES:
                self.kind, self.query = "query", verb
                return
            return  # no verb, or an unknown one: build_plan says why
        if verb not in QUERIES:
            raise AmijsonError("usage", "--format %s reads a named query's records (%s), not %s"
                               % (self.name, ", ".join(QUERIES), "a verb" if verb is None else repr(verb)))
        self.query = verb
        if self.name == "nagios":
            from amijson.formats import nagios
            self.thresholds = nagios.thresholds(verb, options.get("warning") or [], options.get("critical") or [])

    def render(self, pairs, fleet, duration, secrets, failure=None):
        """(text, exit code or None: the run's own). ``pairs``: (pbx, document dict) for each
        PBX asked; ``failure``: the error of a run that ended before any PBX was asked. The
        text is None where the format prints amijson's JSON document instead (zabbix, when
        the run failed)."""
        found = results(redact(pairs, secrets))
        failure = redact(failure, secrets)
        query = self.query  # None when the command line named no query (a usage error)
        if self.name == "nagios":
            from amijson.formats import nagios
            return nagios.render(found, query, self.thresholds, fleet, failure)
        if self.name == "prometheus":
            from amijson.formats import prometheus
            return prometheus.render(found, query, duration, fleet, failure), None
        if self.name == "text":
            from amijson.formats import text
            return (text.render(found[0], self.kind) if found and self.kind else ""), None
        from amijson.formats import zabbix
        return zabbix.render(found, query, fleet, pretty=bool(self.options.get("pretty"))), None

    def write(self, text, stdout, write):
        """``text`` to ``--output`` (atomically) or to standard output (``write(bytes_pieces, stdout)``)."""
        try:  # text: a CLI line Asterisk sent in another encoding holds its bytes as surrogates
            data = text.encode("utf-8", "surrogateescape" if self.name == "text" else "strict")
        except UnicodeEncodeError:
            data = text.encode("utf-8", "replace")  # a lone surrogate (undecodable bytes in the environment) is "?"
        if self.unwritable is not None:
            return _complain(self.unwritable)
        if self.path is None:
            write([data] if hasattr(stdout, "buffer") else data.decode("utf-8"), stdout)
            return True
        try:
            write_atomically(self.path, data)
        except OSError as exc:
            return _complain("--output %s: cannot write: %s" % (self.path, exc.strerror or exc))
        return True


def _complain(message):
    import sys
    if sys.stderr is not None:
        sys.stderr.write("amijson: %s\n" % message)
    return False


def writable_path(path):
    """``--output``'s file, when its folder exists and this user may write there."""
    import os
    from amijson.inputs import shown, text
    path = text("--output", path)
    folder = os.path.dirname(os.path.abspath(path))
    if not path or path.endswith("/") or os.path.isdir(path):
        raise AmijsonError("usage", "--output names a file, not a folder: %s" % shown(path))
    if not os.path.isdir(folder):
        raise AmijsonError("usage", "--output: the folder %s does not exist" % shown(folder))
    if not os.access(folder, os.W_OK | os.X_OK):
        raise AmijsonError("usage", "--output: this user may not write in %s" % shown(folder))
    return path


def write_atomically(path, data):
    """Write ``data`` to ``path`` so that a reader sees the old file or the new one, never a
    part: a temporary file in the same folder (the textfile collector skips names not ending
    in ``.prom``), flushed to disk, then renamed over ``path``. Readable as a file created
    under the umask would be (mkstemp alone would make it 0600)."""
    import os
    import tempfile
    folder, name = os.path.split(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix="." + name + ".", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(temporary, 0o666 & ~mask)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
