"""JSON text for amijson's documents, without importing the ``json`` package.

``json`` pulls in ``re`` and its decoder, which costs more start-up time than the
rest of a run at a few channels. Documents only hold dicts with string keys,
lists, strings, numbers, bools and None, so the C string encoder of ``_json`` (the
one ``json.dumps`` uses) plus a short walk over containers gives the same bytes as
``json.dumps(doc, ensure_ascii=True)``, but for one thing: a float NaN or
infinity is written as null, since ``NaN`` and ``Infinity`` are not JSON. Pure
ASCII output is what PHP's ``json_decode`` and ``jq`` accept whatever the
locale. A small document (a Ping, a few channels) is written by the walk in
Python alone: loading ``_json`` would cost more than it saves there.
"""

_C = None
_INF = float("inf")


def c_json():
    """(encode_basestring_ascii, make_encoder) from ``_json``, loaded on first use."""
    global _C
    if _C is None:
        try:
            from _json import encode_basestring_ascii, make_encoder
        except ImportError:  # pragma: no cover - CPython always has _json
            from json.encoder import py_encode_basestring_ascii as encode_basestring_ascii
            make_encoder = None
        _C = (encode_basestring_ascii, make_encoder)
    return _C


_PRINTABLE_ASCII = bytes(range(0x20, 0x7F))
_PLAIN_ASCII = _PRINTABLE_ASCII.replace(b'"', b"").replace(b"\\", b"")
# Past this length, one C pass deleting the allowed bytes beats str.isprintable,
# which takes a character at a time (a joined column: 0.1 against 0.38 ms).
_LONG = 64


def printable_ascii(text):
    """True when ``text`` is printable ASCII (no control character, no DEL)."""
    if len(text) < _LONG:
        return text.isascii() and text.isprintable()
    return text.isascii() and not text.encode("ascii").translate(None, _PRINTABLE_ASCII)


def plain(text):
    """True when ``text`` goes into JSON as it is, between quotes: printable
    ASCII without a quote or backslash, nothing for ensure_ascii to escape."""
    if len(text) < _LONG:
        return text.isascii() and text.isprintable() and '"' not in text and "\\" not in text
    return text.isascii() and not text.encode("ascii").translate(None, _PLAIN_ASCII)


def json_string(text):
    """A str as a JSON string, ASCII only, as json.dumps writes it."""
    if plain(text):
        return '"' + text + '"'  # nothing to escape, the common case
    return c_json()[0](text)


# Lists longer than this in a document (records, output lines) make it worth
# the C encoder.
SMALL = 64


class JsonItems:
    """Values already written as JSON: ``text`` (ASCII bytes) holds ``count``
    of them, comma-separated. In a list given to ``dumps`` it stands for those values,
    copied into the output as it is; ``expand()`` gives them as Python values.
    ``text`` may be given as a function that writes it, called when the text is
    first needed."""

    __slots__ = ("_text", "count", "expand")

    def __init__(self, text, count, expand):
        self._text = text
        self.count = count
        self.expand = expand

    @property
    def text(self):
        if callable(self._text):
            self._text = self._text()
        return self._text

    def __repr__(self):
        return "JsonItems(%d)" % self.count


def _holds_items(value):
    return type(value) is list and JsonItems in set(map(type, value))


def expand_items(values):
    """A list with every JsonItems replaced by the values it stands for."""
    if not _holds_items(values):
        return values
    out = []
    for item in values:
        if type(item) is JsonItems:
            out.extend(item.expand())
        else:
            out.append(item)
    return out


def _parts(value, encode, out):
    """Append ``value``'s JSON to ``out`` as str and bytes pieces: lists (the
    top level, or a top-level dict's values) may hold JsonItems, whose text
    goes in as it is."""
    if _holds_items(value):
        pieces = []  # JSON text for one or more items each
        plain = []
        for item in value:
            if type(item) is JsonItems:
                if plain:
                    pieces.append(encode(plain)[1:-1])
                    plain = []
                if item.count:
                    pieces.append(item.text)
            else:
                plain.append(item)
        if plain:
            pieces.append(encode(plain)[1:-1])
        out.append("[")
        for index, piece in enumerate(pieces):
            if index:
                out.append(",")
            out.append(piece)
        out.append("]")
    elif type(value) is dict and any(_holds_items(v) for v in value.values()):
        separator = "{"
        for key, item in value.items():
            out.append(separator + json_string(key) + ":")
            _parts(item, encode, out)
            separator = ","
        out.append("}")
    else:
        out.append(encode(value))


def _compact(value, out):
    if isinstance(value, str):
        out.append(json_string(value))
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        sep = "{"
        for key, item in value.items():
            out.append(sep)
            out.append(json_string(key))
            out.append(":")
            _compact(item, out)
            sep = ","
        out.append("}")
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append("[]")
            return
        sep = "["
        for item in value:
            out.append(sep)
            _compact(item, out)
            sep = ","
        out.append("]")
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        if value != value or value in (_INF, -_INF):
            out.append("null")  # json.dumps writes NaN or Infinity, which json_decode and jq refuse
        else:
            out.append(float.__repr__(value))
    else:
        raise TypeError("not JSON-serialisable: %r" % type(value).__name__)


def _pretty(value, out, indent):
    pad = "\n" + "  " * (indent + 1)
    if isinstance(value, dict) and value:
        sep = "{" + pad
        for key, item in value.items():
            out.append(sep)
            out.append(json_string(key))
            out.append(": ")
            _pretty(item, out, indent + 1)
            sep = "," + pad
        out.append("\n" + "  " * indent + "}")
    elif isinstance(value, (list, tuple)) and value:
        sep = "[" + pad
        for item in value:
            out.append(sep)
            _pretty(item, out, indent + 1)
            sep = "," + pad
        out.append("\n" + "  " * indent + "]")
    else:
        _compact(value, out)


def dumps(value, pretty=False):
    if pretty:
        if type(value) is dict:
            value = {key: expand_items(item) for key, item in value.items()}
        out = []
        _pretty(expand_items(value), out, 0)
        return "".join(out)
    return b"".join(dump_parts(value)).decode("ascii")


def dump_parts(value):
    """Compact JSON of ``value`` as a list of ASCII bytes pieces. A long list's
    text (JsonItems) is one of the pieces as it is: written out piece by piece,
    several megabytes are never copied into one string."""
    make_encoder = None if _small(value) else c_json()[1]
    if make_encoder is not None:
        # The C encoder json.dumps itself uses (compact separators, ASCII only):
        # a 5,000-channel document in a fraction of the Python walk's time.
        # allow_nan=False: it raises on NaN and infinity, which the walk writes as null.
        encoder = make_encoder(None, _refuse, c_json()[0], None, ":", ",", False, False, False)

        def encode(v):
            try:
                return "".join(encoder(v, 0))
            except ValueError:
                return _walk(v)
    else:
        encode = _walk
    out = []
    _parts(value, encode, out)
    pieces = []
    text = []
    for part in out:  # neighbouring str pieces become one bytes piece
        if type(part) is str:
            text.append(part)
            continue
        if text:
            pieces.append("".join(text).encode("ascii"))
            text = []
        pieces.append(part if type(part) is bytes else part.encode("ascii"))
    if text:
        pieces.append("".join(text).encode("ascii"))
    return pieces


def _small(value):
    # A JsonItems counts as one value: its text is copied, not encoded, so a
    # long list that came as JsonItems leaves little for the encoder to do.
    count = 0
    for item in value.values() if type(value) is dict else (value,):
        if type(item) is list:
            count += len(item)
    return count <= SMALL


def _walk(value):
    out = []
    _compact(value, out)
    return "".join(out)


def _refuse(value):
    raise TypeError("not JSON-serialisable: %r" % type(value).__name__)
