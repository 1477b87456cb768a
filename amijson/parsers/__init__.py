"""CLI text into records: one module per command family, found by a registry.

Each parser module (in the style of ``jc``) has:

* a module docstring with usage, the record schema and an example;
* ``COMMANDS``: a dict from the CLI command it answers to (full words, as
  ``core show channels concise``) to the variant name its ``parse`` takes;
* ``parse(text, variant=None, warnings=None)``: the command's output text (as
  ``asterisk -rx`` prints it, or AMI's output lines joined with ``\\n``) to a list
  of record dicts. Notes for the caller (a value cut by a fixed-width column,
  say) are appended to ``warnings`` when a list is given.

``find(command)`` picks the parser for a command: the declared command with the
most words that the command's words match, each typed word being an
abbreviation (a prefix) of the declared one, as Asterisk's CLI accepts them.
Words after the match (``like 10``, a database family) are arguments.
"""

import importlib

# Modules are imported only when a command needs one: start-up stays small.
MODULES = (
    "core_show_channels",
    "core_show_calls",
    "core_show_uptime",
    "core_show_version",
    "pjsip_endpoints",
    "pjsip_contacts",
    "pjsip_aors",
    "sip_show_peers",
    "queue_show",
    "database_show",
    "module_show",
    "bridge_show",
    "manager_show_connected",
)

GENERIC = "generic"


class Match:
    __slots__ = ("module", "variant", "name", "arguments")

    def __init__(self, module, variant, name, arguments):
        self.module = module
        self.variant = variant
        self.name = name  # what the document's "parser" says
        self.arguments = arguments


def _load(name):
    return importlib.import_module("amijson.parsers." + name)


def _table():
    table = []
    for name in MODULES:
        module = _load(name)
        for command, variant in module.COMMANDS.items():
            table.append((command.split(), variant, name))
    return table


def find(command):
    """The ``Match`` for a CLI command, or the generic parser's."""
    words = command.lower().split()
    best = None
    for declared, variant, name in _table():
        if len(declared) > len(words):
            continue
        if all(declared[i].startswith(words[i]) for i in range(len(declared))):
            if best is None or len(declared) > len(best[0]):
                best = (declared, variant, name)
    if best is None:
        return Match(_load(GENERIC), None, GENERIC, words)
    declared, variant, name = best
    shown = name if variant in (None, "default") else "%s.%s" % (name, variant)
    return Match(_load(name), variant, shown, words[len(declared):])


def parse(command, text, warnings):
    """(parser name, records) for a command's output text."""
    match = find(command)
    records = match.module.parse(text, variant=match.variant, warnings=warnings)
    return match.name, records
