"""Values a caller gives (argv, environment, config files), checked before use.

Callers pass untrusted values: a PHP page hands over a queue name or a number
from a web form. Each check here turns a value amijson cannot use into a
``usage`` (or, for a config file, ``config``) error that names the value,
instead of a traceback deep inside a socket call or a codec.
"""

from amijson.errors import AmijsonError

MAX_SECONDS = 86400.0  # a deadline longer than a day is a mistake, and time arithmetic past ~1e9 s overflows
MAX_HOST = 253  # a DNS name's longest text form (RFC 1035)
MAX_LABEL = 63
_HOST_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


def shown(value, limit=80):
    """``value`` quoted for a message, cut short, always valid JSON text (a lone
    surrogate from undecodable bytes is shown as its escape)."""
    text = value if len(value) <= limit else value[:limit] + "..."
    return repr(text)


def text(what, value, code="usage"):
    """``value`` if it is text amijson can send and echo: valid UTF-8, no NUL."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise AmijsonError(code, "%s is not valid UTF-8: %s" % (what, shown(value)))
    if "\x00" in value:
        raise AmijsonError(code, "%s contains a NUL character: %s" % (what, shown(value)))
    return value


def integer(what, value, low=1, high=65535):
    """An integer written in ASCII digits only, within [low, high].

    ``int()`` also takes ``" 5"``, ``"+5"``, ``"1_0"`` and other scripts' digits
    (``"٣"``); none of those is a port or a size anyone meant."""
    value = str(value).strip()
    if not (value.isascii() and value.isdigit()) or len(value) > 12 or not low <= int(value) <= high:
        raise AmijsonError("usage", "%s: not a whole number from %d to %d: %s" % (what, low, high, shown(value)))
    return int(value)


def seconds(what, value, high=MAX_SECONDS):
    """A positive, finite number of seconds, at most ``high`` (``nan``, ``inf`` and
    ``1e308`` are refused: a socket timeout of either is an error, not a wait)."""
    value = str(value).strip()
    number = None
    if value.isascii() and "_" not in value:
        try:
            number = float(value)
        except ValueError:
            number = None
    # number - number is 0.0 only for a finite number (nan and inf give nan): no math import.
    if number is None or number - number != 0.0 or not 0 < number <= high:
        raise AmijsonError("usage", "%s: not a number of seconds above 0 and at most %g: %s"
                           % (what, high, shown(value)))
    return number


def host(value):
    """A host name or an IP literal that a resolver can be asked about."""
    value = text("host", value)
    if ":" in value:  # IPv6 literal, with or without brackets
        import ipaddress  # only for IPv6 hosts
        try:
            ipaddress.IPv6Address(value.strip("[]").split("%", 1)[0])  # a %zone suffix names an interface
        except ValueError:
            raise AmijsonError("usage", "host is not a valid IPv6 address: %s" % shown(value))
        return value.strip("[]")
    name = value[:-1] if value.endswith(".") else value
    if not name.isascii():
        try:
            name = name.encode("idna").decode("ascii")  # an international name, as the resolver gets it
        except UnicodeError:
            raise AmijsonError("usage", "host is not a valid host name: %s" % shown(value))
    labels = name.split(".")
    if (not name or len(name) > MAX_HOST or not set(name) <= _HOST_CHARS
            or any(not label or len(label) > MAX_LABEL or label.startswith("-") for label in labels)):
        raise AmijsonError("usage", "host is not a valid host name or address: %s" % shown(value))
    return value


def encoding(value):
    """The name of a text codec that can decode any bytes (with replacement).

    ``rot13`` and ``base64`` are codecs but not text encodings, and
    ``undefined`` fails on every byte: none can decode what Asterisk sends."""
    import codecs
    try:
        info = codecs.lookup(text("--fallback-encoding", value))
        if not getattr(info, "_is_text_encoding", True):
            raise LookupError(value)
        b"\x80\xff abc".decode(info.name, "replace")
    except (LookupError, UnicodeError, TypeError, ValueError):
        raise AmijsonError("usage", "--fallback-encoding: not a text encoding that decodes any bytes: %s"
                           % shown(value))
    return value
