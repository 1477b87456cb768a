"""What a profile lets a caller ask: its allow-list (queries, actions, CLI commands, events).

Asterisk's manager classes are coarse: ``command`` runs any CLI command, ``core
stop now`` included; ``originate`` starts a call into any context. A profile of
the config file may narrow what amijson asks with it::

    [wallboard]
    allow_queries  = channels, calls, queues, status
    allow_commands = core show channels concise, queue show *
    allow_events   = yes

    [click-to-call]
    allow_actions  = Originate
    pin            = Originate Context=from-web, Originate Async=true
    forbid         = Originate Application, Originate Data

``allow_queries``: named queries, each with whatever actions and commands it sends
itself. ``allow_actions``: AMI action names (any case, as Asterisk reads them).
``allow_commands``: CLI commands, word by word; ``*`` stands for any one word, and
a last ``...`` for any further words. ``allow_events``: the events verb. ``pin``:
``ACTION HEADER=VALUE``, the header's only value (amijson adds it when the caller
gave none; any other value, in any copy of the header, is refused); a VALUE with
``*`` or ``?`` is a pattern the header must be given and match (``Originate
Channel=PJSIP/*``: a Local channel would run any context's dialplan), where ``*``
and ``?`` never stand for ``/ @ & , ; |`` or white space. ``forbid``:
``ACTION HEADER``, a header the request may not carry at all. Items are separated
by commas.

A profile with any of these keys (or whose ``[default]`` has one) has a list, and
everything not on it is refused, before anything connects, as ``forbidden`` (exit
7), the message naming the rule. Matching is on what Asterisk will run: a CLI
command is split into words as Asterisk's CLI splits it (``parse_args`` in
``main/cli.c``: spaces and tabs, double quotes, backslash escapes) and its words
compared in any case (``word_match``); ``action Command Command=...`` is the CLI
command it carries, each copy of the header; header names count in any case, each
copy of a header on its own.
"""

from amijson.errors import AmijsonError

KEYS = ("allow_queries", "allow_actions", "allow_commands", "allow_events", "pin", "forbid")
ANY_WORD = "*"
ANY_REST = "..."


def cli_words(command):
    """The words Asterisk's CLI makes of ``command`` (main/cli.c parse_args)."""
    words = []
    current = None  # the word under way, or None between words
    quoted = escaped = False
    text = command.lstrip(" \t\n\v\f\r")
    for ch in text:
        if ch == '"' and not escaped:
            quoted = not quoted
            if quoted and current is None:
                current = []  # a quote after whitespace starts a word, even an empty one
        elif ch in " \t" and not (quoted or escaped):
            if current is not None:
                words.append("".join(current))
                current = None
        elif ch == "\\" and not escaped:
            escaped = True
        else:
            if current is None:
                current = []
            current.append(ch)
            escaped = False
    if current is not None:
        words.append("".join(current))
    return words


def _items(text):
    return [item.strip() for item in text.split(",") if item.strip()]


class CommandPattern:
    """One ``allow_commands`` item: words, ``*`` for any one, a last ``...`` for any more."""

    __slots__ = ("text", "words", "open_end")

    def __init__(self, text):
        self.text = text
        words = [word.lower() for word in cli_words(text)]
        self.open_end = bool(words) and words[-1] == ANY_REST
        self.words = words[:-1] if self.open_end else words

    def matches(self, words):
        if len(words) < len(self.words) or (len(words) > len(self.words) and not self.open_end):
            return False
        return all(want == ANY_WORD or want == got.lower() for want, got in zip(self.words, words))


class AllowList:
    """A profile's allow-list; ``None`` stands for a profile without one (everything)."""

    def __init__(self, profile, body, where):
        self.profile = profile
        self.where = where  # the config file, named in a refusal
        self.queries = [item.lower() for item in _items(body.get("allow_queries", ""))]
        self.actions = [item.lower() for item in _items(body.get("allow_actions", ""))]
        self.commands = [CommandPattern(item) for item in _items(body.get("allow_commands", ""))]
        self.events = (body.get("allow_events") or "").strip().lower() in ("yes", "true", "on", "1")
        self.pins = {}  # (action, header) lowercased -> value
        for item in _items(body.get("pin", "")):
            action, _, rest = item.partition(" ")
            name, eq, value = rest.strip().partition("=")
            if not eq or not action or not name.strip():
                raise AmijsonError("config", "%s: [%s] pin = %s: write ACTION HEADER=VALUE"
                                   % (where, profile, item))
            self.pins[(action.lower(), name.strip().lower())] = (action, name.strip(), value.strip())
        self.forbidden = {}
        for item in _items(body.get("forbid", "")):
            action, _, name = item.partition(" ")
            if not action or not name.strip() or " " in name.strip():
                raise AmijsonError("config", "%s: [%s] forbid = %s: write ACTION HEADER" % (where, profile, item))
            self.forbidden[(action.lower(), name.strip().lower())] = (action, name.strip())

    @classmethod
    def of(cls, profile, body, where):
        """The list of a profile's settings ``body`` (with ``[default]``'s), or None."""
        if not any(key in body for key in KEYS):
            return None
        return cls(profile or "default", body, where)

    def _refuse(self, rule, what):
        return AmijsonError("forbidden", "profile [%s] of %s does not allow %s (%s)"
                            % (self.profile, self.where, what, rule))

    def _rule(self, key, items):
        return "%s = %s" % (key, ", ".join(items) if items else "(nothing)")

    def check_query(self, name):
        if name.lower() not in self.queries:
            raise self._refuse(self._rule("allow_queries", self.queries), "the query %s" % name)

    def check_events(self):
        if not self.events:
            raise self._refuse("allow_events is not yes", "events")

    def check_command(self, command):
        words = cli_words(command)
        if not any(pattern.matches(words) for pattern in self.commands):
            from amijson.inputs import shown
            raise self._refuse(self._rule("allow_commands", [pattern.text for pattern in self.commands]),
                               "the CLI command %s" % shown(" ".join(words) or command))

    def action_headers(self, action, headers):
        """``headers`` of ``action`` as the list lets them go: every pinned header added
        where missing; ``forbidden`` for an action not on it, a header it forbids, a
        pinned header with another value, or a CLI command (``Command``) not on it."""
        from amijson.inputs import shown
        lower = action.lower()
        if lower == "command":
            commands = [value for key, value in headers if key.lower() == "command"]
            for command in commands or [""]:
                self.check_command(command)
        elif lower not in self.actions:
            raise self._refuse(self._rule("allow_actions", self.actions), "the action %s" % shown(action))
        for key, value in headers:
            pair = (lower, key.strip().lower())
            if pair in self.forbidden:
                raise self._refuse("forbid = %s %s" % self.forbidden[pair], "the header %s" % shown(key))
            pin = self.pins.get(pair)
            if pin is not None and not _pinned(value.strip(), pin[2]):
                raise self._refuse("pin = %s %s=%s" % pin, "the value %s=%s" % (key, shown(value)))
        given = {key.strip().lower() for key, _ in headers}
        missing = [(name, value) for (pinned, key), (_, name, value) in self.pins.items()
                   if pinned == lower and key not in given]
        for name, value in missing:
            if _is_pattern(value):
                raise self._refuse("pin = %s %s=%s" % (action, name, value), "%s without %s" % (shown(action), name))
        return list(headers) + missing if missing else headers


def _is_pattern(value):
    return "*" in value or "?" in value


# What a pin's ``*`` and ``?`` never stand for: the characters that make a dial string lead
# somewhere else (``Local/1@admin/n``, ``PJSIP/a&PJSIP/b``), and white space.
SEPARATORS = frozenset("/@&,;|" + " \t")


def _pinned(value, pin):
    """A header's value against its pin: the same text, or, for a pattern (the admin's own),
    a match where ``*`` is any run and ``?`` any one character other than SEPARATORS."""
    if not _is_pattern(pin):
        return value == pin
    # The positions of the pattern reachable after each character of the value (no backtracking).
    reach = _closure(pin, {0})
    for ch in value:
        step = set()
        for at in reach:
            if at < len(pin):
                want = pin[at]
                if want == "*" and ch not in SEPARATORS:
                    step.add(at)
                elif (want == "?" and ch not in SEPARATORS) or want == ch:
                    step.add(at + 1)
        reach = _closure(pin, step)
        if not reach:
            return False
    return len(pin) in reach


def _closure(pin, positions):
    """``positions`` and those a ``*`` may skip to, matching nothing."""
    found = set(positions)
    for at in sorted(positions):
        while at < len(pin) and pin[at] == "*":
            at += 1
            found.add(at)
    return found
