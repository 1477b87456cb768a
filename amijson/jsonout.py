"""JSON text for amijson's documents, without importing the ``json`` package.

``json`` pulls in ``re`` and its decoder, which costs more start-up time than the
rest of a run at a few channels. Documents only hold dicts with string keys,
lists, strings, ints, bools and None, so the C string encoder of ``_json`` (the
one ``json.dumps`` uses) plus a short walk over containers gives the same bytes as
``json.dumps(doc, ensure_ascii=True)``. Pure ASCII output is what PHP's
``json_decode`` and ``jq`` accept whatever the locale.
"""

try:
    from _json import encode_basestring_ascii as _string
    from _json import make_encoder as _make_encoder
except ImportError:  # pragma: no cover - CPython always has _json
    from json.encoder import py_encode_basestring_ascii as _string
    _make_encoder = None


def _compact(value, out):
    if isinstance(value, str):
        out.append(_string(value))
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        sep = "{"
        for key, item in value.items():
            out.append(sep)
            out.append(_string(key))
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
        out.append(float.__repr__(value))
    else:
        raise TypeError("not JSON-serialisable: %r" % type(value).__name__)


def _pretty(value, out, indent):
    pad = "\n" + "  " * (indent + 1)
    if isinstance(value, dict) and value:
        sep = "{" + pad
        for key, item in value.items():
            out.append(sep)
            out.append(_string(key))
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
        out = []
        _pretty(value, out, 0)
        return "".join(out)
    if _make_encoder is not None:
        # The C encoder json.dumps itself uses (compact separators, ASCII only):
        # a 5,000-channel document in a fraction of the Python walk's time.
        encoder = _make_encoder(None, _refuse, _string, None, ":", ",", False, False, True)
        return "".join(encoder(value, 0))
    out = []
    _compact(value, out)
    return "".join(out)


def _refuse(value):
    raise TypeError("not JSON-serialisable: %r" % type(value).__name__)
