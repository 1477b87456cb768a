"""Which AMI events a caller wants, sans-IO: FILTER operands in, a yes or no per event out.

    Header=value      the header has exactly this value
    Header=pat*ern?   a glob: ``*`` any run of characters, ``?`` any one character
    Header!=value     the header must not have this value (a glob too)

Several filters on one header are alternatives; filters on different headers must all
hold; an exclusion on a header drops what any of its values match. Header names are
matched in any case (``channel`` finds ``Channel``), values exactly as Asterisk sent
them. An event without the header fails an inclusion on it and passes an exclusion.
``Event=`` names events.

The operands come from web forms, so nothing here builds a regular expression from them
for our own matching: a glob is cut at its stars into pieces that must appear in order,
the first at the start and the last at the end, each found leftmost with ``str.find``
(a piece with ``?`` in it checks its literal parts around the find). That costs at most
the value's length times the pattern's, whatever the pattern: ``*a*a*a*a*b`` against a
megabyte of ``a`` is as quick as any other. ``server_filters`` does make POSIX regular
expressions, for Asterisk's own ``Filter`` action, out of escaped values: Asterisk runs
them, and only to spare the wire; our matching stays the truth.
"""

from amijson.errors import AmijsonError
from amijson.inputs import shown

MAX_FILTERS = 64  # operands of one run: more is a mistake, or a page trying to cost us time
MAX_OPERAND = 1024  # characters of one operand
# Characters a header name may hold: what Asterisk's headers use, ChanVariable(name) included.
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.()/")


class Glob:
    """A value pattern: exact text, or ``*`` and ``?`` wildcards (no escapes: a value with
    a literal ``*`` is matched by the ``*`` itself)."""

    __slots__ = ("text", "exact", "_first", "_middle", "_last")

    def __init__(self, text):
        self.text = text
        self.exact = "*" not in text and "?" not in text
        if not self.exact:
            parts = [_Piece(part) for part in text.split("*")]
            self._first = parts[0]
            # With no star the one piece is both ends; with stars, the middle ones float.
            self._last = parts[-1] if len(parts) > 1 else None
            self._middle = [part for part in parts[1:-1] if part.size]

    def matches(self, value):
        if self.exact:
            return value == self.text
        first, last = self._first, self._last
        if last is None:  # "?" but no "*": one piece as long as the value
            return len(value) == first.size and first.at(value, 0)
        end = len(value) - last.size
        if first.size > end or not first.at(value, 0) or not last.at(value, end):
            return False
        position = first.size
        for piece in self._middle:  # leftmost is always best: it leaves the most room for the rest
            position = piece.find(value, position, end)
            if position < 0:
                return False
            position += piece.size
        return True

    def __repr__(self):
        return "Glob(%r)" % self.text


class _Piece:
    """Text between stars: literal chunks at offsets, ``?`` between them."""

    __slots__ = ("size", "chunks", "_anchor")

    def __init__(self, text):
        self.size = len(text)
        self.chunks = []  # (offset, literal text), in order
        offset = 0
        for chunk in text.split("?"):
            if chunk:
                self.chunks.append((offset, chunk))
            offset += len(chunk) + 1
        # find() looks for the longest chunk with str.find, then checks the others there.
        self._anchor = max(self.chunks, key=lambda item: len(item[1])) if self.chunks else None

    def at(self, value, index):
        """True when the piece matches ``value`` at ``index`` (which leaves room for it)."""
        for offset, chunk in self.chunks:
            if not value.startswith(chunk, index + offset):
                return False
        return True

    def find(self, value, start, end):
        """The leftmost index from ``start`` where the piece matches within ``value[:end]``, or -1."""
        last = end - self.size  # the last index the piece may start at
        if last < start:
            return -1
        if self._anchor is None:  # only "?": any place long enough
            return start
        offset, chunk = self._anchor
        if len(self.chunks) == 1 and self.size == len(chunk):  # no "?": one C call
            return value.find(chunk, start, end)
        index = start
        while index <= last:
            found = value.find(chunk, index + offset, last + offset + len(chunk))
            if found < 0:
                return -1
            index = found - offset
            if self.at(value, index):
                return index
            index += 1
        return -1


class Filter:
    """One operand: a header (lowercase), its pattern, and whether it excludes."""

    __slots__ = ("operand", "header", "glob", "exclude")

    def __init__(self, operand, header, glob, exclude):
        self.operand = operand
        self.header = header
        self.glob = glob
        self.exclude = exclude


def parse_filter(operand, what="filter"):
    """The ``Filter`` an operand stands for; a ``usage`` error naming it when it is not one."""
    if len(operand) > MAX_OPERAND:
        raise AmijsonError("usage", "%s is longer than %d characters: %s" % (what, MAX_OPERAND, shown(operand)))
    name, eq, value = operand.partition("=")
    exclude = name.endswith("!")
    if exclude:
        name = name[:-1]
    if not eq or not name[:1].isalpha() or not set(name) <= _NAME_CHARS:
        raise AmijsonError("usage", "%s must be Header=value, Header=glob (* and ?) or Header!=value, not %s"
                           % (what, shown(operand)))
    for bad, said in (("\r", "CR"), ("\n", "LF"), ("\x00", "NUL")):
        if bad in value:
            raise AmijsonError("usage", "%s %s holds a %s character" % (what, shown(operand), said))
    return Filter(operand, name.lower(), Glob(value), exclude)


class EventFilter:
    """The conjunction of FILTER operands (see the module docstring); no operand: every event."""

    def __init__(self, operands, what="filter"):
        if len(operands) > MAX_FILTERS:
            raise AmijsonError("usage", "at most %d filters, not %d" % (MAX_FILTERS, len(operands)))
        self.filters = [parse_filter(operand, what) for operand in operands]
        # header -> (its inclusions' globs, its exclusions' globs), in the order given
        self.by_header = {}
        for item in self.filters:
            pair = self.by_header.setdefault(item.header, ([], []))
            pair[1 if item.exclude else 0].append(item.glob)
        self._checks = [(header, tuple(include), tuple(exclude))
                        for header, (include, exclude) in self.by_header.items()]

    def __bool__(self):
        return bool(self.filters)

    def matches(self, message):
        """True when the ``wire.Message`` passes every header's filters."""
        for header, include, exclude in self._checks:
            if header not in message:
                if include:
                    return False
                continue
            values = message.get_all(header) if message.repeats else (message.get(header),)
            if include and not any(glob.matches(value) for value in values for glob in include):
                return False
            if exclude and any(glob.matches(value) for value in values for glob in exclude):
                return False
        return True

    def event_names(self):
        """The event names the filters allow, when ``Event=`` names them all exactly
        (lowercase), else None: any event may pass."""
        include = self.by_header.get("event", ((), ()))[0]
        if not include or not all(glob.exact for glob in include):
            return None
        return {glob.text.lower() for glob in include}

    def server_filters(self):
        """Regular expressions for Asterisk's legacy ``Filter`` action (POSIX extended, matched
        against each event's text, ``Key: Value`` lines ended by CRLF): the inclusions of one
        header (``Event`` when there are some), which Asterisk takes as alternatives. Every
        event our matching keeps passes them; [] when no header has inclusions."""
        chosen = self.by_header.get("event")
        if chosen is None or not chosen[0]:
            chosen = next(((header, pair) for header, pair in self.by_header.items() if pair[0]), None)
            if chosen is None:
                return []
            header, (include, _) = chosen
        else:
            header, include = "event", chosen[0]
        # A line starts the text or follows its LF; the value ends at the line's CR.
        return [_line_regex(header, glob) for glob in include]

    def match_criteria(self, exclusions=True):
        """Filters in the ``MatchCriteria`` form (Asterisk 18.26, 20.11, 21.6, 22.1 and
        later): (criteria, pattern) pairs, the inclusions first, then (with ``exclusions``)
        the exclusions of the ``Event`` header. Every event our matching keeps passes them;
        [] of inclusions when any event may match.

        Asterisk's ``header(H)`` compares H's name in its own case and skips a line whose
        value is empty, and ``name(N)`` compares the event's name exactly; ours compare
        header names in any case. So ``header()`` is used for ``Event`` alone, whose
        spelling every event shares; another header is matched with a regular expression
        over the event's text (as the legacy form does), behind ``name(N)`` when the event
        names are exact: Asterisk then runs the expression on those events only."""
        included = self._criteria_included()
        if not exclusions:
            return included
        return included + [entry for glob in self.by_header.get("event", ((), ()))[1]
                           for entry in _event_criteria(glob, exclude=True)]

    def _criteria_included(self):
        names = self.by_header.get("event", ((), ()))[0]
        other = next(((header, pair[0]) for header, pair in self.by_header.items() if header != "event" and pair[0]),
                     None)
        if not names:
            return [("", _line_regex(other[0], glob)) for glob in other[1]] if other else []
        if other is not None and len(names) * len(other[1]) > MAX_CRITERIA:
            other = None  # the names alone: fewer filters for Asterisk to try on every event
        entries = []
        for glob in names:
            if glob.exact and _plain_name(glob.text) and other is not None:
                entries.extend(("name(%s),method(regex)" % glob.text, _line_regex(other[0], value))
                               for value in other[1])
                continue
            found = _event_criteria(glob)
            if not found:
                return []  # this name may be any event's: no filter lets through all we keep
            entries.extend(found)
        return entries


MAX_CRITERIA = 32  # MatchCriteria filters of one run (Asterisk tries each on every event)
# Event names that may stand in ``name(...)``: Asterisk splits the criteria at spaces,
# commas and ")"; any other name is matched with ``header(Event)``.
_PLAIN_NAME = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.")
_METHODS = {(False, False): "exact", (False, True): "starts_with", (True, False): "ends_with",
            (True, True): "contains"}


def _plain_name(text):
    return bool(text) and set(text) <= _PLAIN_NAME


def _event_criteria(glob, exclude=False):
    """[(criteria, pattern)] for one glob on the event's name: ``name(N)`` for an exact
    plain name, else ``header(Event)`` with the method its stars say. [] when the glob
    cannot be said safely (an inclusion: every event may match; an exclusion: not sent,
    which only lets more through)."""
    action = "action(exclude)," if exclude else ""
    text = glob.text
    if glob.exact and _plain_name(text):
        return [(action + "name(%s)" % text, "")]
    if glob.matches(""):  # Asterisk skips a header whose value is empty
        return []
    star_first, star_last = text.startswith("*"), text.endswith("*")
    literal = text[star_first:len(text) - star_last]
    # Asterisk drops a pattern's leading "!" (it means exclude) and leading blanks.
    clean = literal and "*" not in literal and "?" not in literal and literal[0] not in " \t!" \
        and literal[-1] not in " \t"
    if clean:
        return [(action + "header(Event),method(%s)" % _METHODS[star_first, star_last], literal)]
    if exclude:
        return []  # a "?" is any run of bytes there: it would exclude more than we do
    return [("header(Event),method(regex)", "^%s$" % _ere_glob(text))]


def _line_regex(header, glob):
    """The legacy Filter's expression for one inclusion: a line ``Header: value`` of the
    event's text, the header's name in any case. The value is said up to its first wildcard
    or character that is not printable ASCII, and the rest left to our matching: Asterisk
    runs the expression in its locale, and the sandbox's 22 held back a Latin-1 caller name
    that ``[^[:cntrl:]]*`` should match, while our matching takes such bytes as Latin-1."""
    name = "".join("[%s%s]" % (c.upper(), c.lower()) if c.isalpha() else _ere_literal(c) for c in header)
    text = glob.text
    cut = next((index for index, char in enumerate(text) if char in "*?" or not " " <= char <= "~"), len(text))
    end = "[[:cntrl:]]" if cut == len(text) else ""  # the whole value said: the line ends there
    return "(^|[[:cntrl:]])%s: %s%s" % (name, "".join(_ere_literal(char) for char in text[:cut]), end)


_ERE_SPECIAL = frozenset(".[]()*+?{}|^$\\")


def _ere_literal(char):
    if char not in _ERE_SPECIAL:
        return char
    if char == "\\":
        return "\\\\"
    if char == "^":
        return "\\^"
    return "[%s]" % char  # in a bracket every other special character stands for itself


def _ere_glob(text):
    """A glob as POSIX ERE, one line's text at most. ``?`` becomes any run of
    non-control bytes: Asterisk's regex counts bytes, and a character of a
    multibyte encoding must not fail there where it passes here."""
    out = []
    for char in text:
        if char == "*" or char == "?":
            out.append("[^[:cntrl:]]*")
        else:
            out.append(_ere_literal(char))
    return "".join(out)
