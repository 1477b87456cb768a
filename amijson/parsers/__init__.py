"""CLI text into records: one module per command family, found by a registry.

Each parser module (in the style of ``jc``) has:

* a module docstring with usage, the record schema and an example;
* ``COMMANDS``: a dict from the CLI command it answers to (full words, as
  ``core show channels concise``) to the variant name its ``parse`` takes;
* ``parse(text, variant=None, warnings=None)``: the command's output text (as
  ``asterisk -rx`` prints it, or AMI's output lines joined with ``\\n``) to a list
  of record dicts. Notes for the caller (a value cut by a fixed-width column,
  say) are appended to ``warnings`` when a list is given;
* optionally ``parse_table`` with the same arguments: the same records, where it
  pays (long lists) as an ``amijson.table.Table`` of columns instead of dicts.

``find(command)`` picks the parser for a command: the declared command with the
most words that the command's words match, each typed word being an
abbreviation (a prefix) of the declared one, as Asterisk's CLI accepts them;
of two such, the one with more words typed in full (``channel`` is the command
``core show channel``, not an abbreviation of ``channels``).
Words after the match (``like 10``, a database family) are arguments.

Modules are named after the command they parse (``core show channels`` in
``core_show_channels``; ``NAMED_AFTER`` spells out the names that shorten
theirs), so ``find`` first loads only the module that name points to; it reads every module's ``COMMANDS`` only when that does not settle
the match (an abbreviated command, say).
"""

import sys

from amijson.jsonout import JsonItems, dump_parts
from amijson.records import Records
from amijson.table import Table


def _encode_strings(strings):
    """JSON of a list of strings, without its brackets, as ASCII bytes."""
    return b"".join(dump_parts(strings))[1:-1]

# Modules are imported only when a command needs one: start-up stays small.
MODULES = (
    "core_show_channels",
    "core_show_channel",
    "core_show_calls",
    "core_show_uptime",
    "core_show_version",
    "pjsip_endpoints",
    "pjsip_contacts",
    "pjsip_aors",
    "sip_show_peers",
    "iax2_show_peers",
    "queue_show",
    "database_show",
    "module_show",
    "bridge_show",
    "manager_show_connected",
)

GENERIC = "generic"

# The command a module is named after, where its name does not spell it out.
NAMED_AFTER = {
    "pjsip_endpoints": "pjsip show endpoints",
    "pjsip_contacts": "pjsip show contacts",
    "pjsip_aors": "pjsip show aors",
}
_BY_COMMAND = {NAMED_AFTER.get(name, name.replace("_", " ")): name for name in MODULES}


class Match:
    __slots__ = ("module", "variant", "name", "arguments")

    def __init__(self, module, variant, name, arguments):
        self.module = module
        self.variant = variant
        self.name = name  # what the document's "parser" says
        self.arguments = arguments


def _load(name):
    full = "amijson.parsers." + name
    __import__(full)  # importlib would load warnings and more: start-up time
    return sys.modules[full]


def _table(names=MODULES):
    table = []
    for name in names:
        module = _load(name)
        for command, variant in module.COMMANDS.items():
            table.append((command.split(), variant, name))
    return table


def _named_after(words):
    """The module named after the command's leading words, if there is one."""
    for count in range(len(words), 0, -1):
        name = _BY_COMMAND.get(" ".join(words[:count]))
        if name is not None:
            return name
    return None


def find(command):
    """The ``Match`` for a CLI command, or the generic parser's."""
    words = command.lower().split()
    guess = _named_after(words)
    if guess is not None:
        # A declared command as long as the whole command is the best match any
        # module could declare (longer ones cannot match), so one module decides.
        for declared, variant, name in _table((guess,)):
            if declared == words:
                return _match(declared, variant, name, words)
    best, best_score = None, None
    for declared, variant, name in _table():
        if len(declared) > len(words):
            continue
        if all(declared[i].startswith(words[i]) for i in range(len(declared))):
            # As Asterisk's CLI does: a word typed in full matches that word, never a longer one
            # it begins (``core show channel X`` is not ``core show channels``).
            exact = sum(declared[i] == words[i] for i in range(len(declared)))
            score = (len(declared), exact)
            if best is None or score > best_score:
                best, best_score = (declared, variant, name), score
    if best is None:
        return Match(_load(GENERIC), None, GENERIC, words)
    return _match(*best, words)


def _match(declared, variant, name, words):
    shown = name if variant in (None, "default") else "%s.%s" % (name, variant)
    return Match(_load(name), variant, shown, words[len(declared):])


def parse(command, text, warnings):
    """(parser name, ``Records``) for a command's output text. A parser that
    has ``parse_table`` (the same records, a long list of them as an
    ``amijson.table.Table``) answers through it."""
    match = find(command)
    parse = getattr(match.module, "parse_table", match.module.parse)
    return match.name, Records.of(parse(text, variant=match.variant, warnings=warnings))


class OutputParse:
    """Parses a command's output while it still arrives (rx, and AMI's Command reply).

    For a parser variant listed in its module's ``LINEWISE``, a piece of output
    cut at a line end that ``parse_table`` takes as a ``Table`` gives the same
    records on its own as within the whole output. ``feed`` takes the output's
    bytes as they come and parses each complete piece, so that most of the work
    is done by the time the command exits; ``records`` then gives the parser's
    name and the records (``mapper``, a FieldMap, applied), or None when any
    piece could not be taken that way and the whole output must be parsed."""

    # Smaller pieces cost more in per-piece overhead than the overlap saves.
    PIECE = 16384

    def __init__(self, match, mapper=None):
        self.match = match
        self.mapper = mapper
        self.pending = []  # bytes not parsed yet, as they came
        self.pending_size = 0
        self.records_so_far = Records()
        self.lines_so_far = []  # the output's lines as JSON, a JsonItems per piece
        self.failed = False
        self.finished = False  # the final piece came: records() and output_items() hold them all

    @classmethod
    def for_command(cls, command, mapper=None):
        """An OutputParse for ``command``, or None when its parser is not line-wise."""
        match = find(command)
        if match.variant not in getattr(match.module, "LINEWISE", ()) or match.arguments:
            return None
        return cls(match, mapper)

    def feed(self, data, final=False):
        if self.failed:
            return
        try:
            self._feed(data, final)
        except Exception:  # a parser bug: the whole-output parse at the end reports it
            self.failed = True

    def _feed(self, data, final):
        self.finished = final
        if data:
            self.pending.append(data)
            self.pending_size += len(data)
        if not final and (self.pending_size < self.PIECE or b"\n" not in data):
            return  # nothing new to cut at: no join of what waits
        data = b"".join(self.pending)
        cut = len(data) if final else data.rfind(b"\n") + 1
        rest = data[cut:]
        self.pending = [rest] if rest else []
        self.pending_size = len(rest)
        if not cut:
            return
        try:
            text = data[:cut].decode("utf-8")
        except UnicodeDecodeError:  # the careful decoding at the end says which lines fall back
            self.failed = True
            return
        if "\x1b" in text or "\r" in text:
            self.failed = True
            return
        lines = (text[:-1] if text.endswith("\n") else text).split("\n")
        self.lines_so_far.append(JsonItems(_encode_strings(lines), len(lines), lambda: lines))
        warnings = []
        table = self.match.module.parse_table(text, variant=self.match.variant, warnings=warnings)
        if warnings or type(table) is not Table:
            self.failed = True
            return
        block = self.mapper.table(table) if self.mapper else table
        block.items()  # written now, while the command still runs
        self.records_so_far.add(block)

    def output_items(self, count):
        """The output's ``count`` lines as JsonItems, or None (the lines come
        from the output as a whole then)."""
        if self.failed or not self.finished or self.pending_size or not self.lines_so_far \
                or sum(item.count for item in self.lines_so_far) != count:
            return None
        return self.lines_so_far

    def records(self):
        """(parser name, records) once all output was fed, or None."""
        if self.failed or not self.finished or self.pending_size:
            return None
        return self.match.name, self.records_so_far
