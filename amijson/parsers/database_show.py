"""Parser for ``database show [family [keytree]]``.

Usage::

    from amijson.parsers import database_show
    records = database_show.parse(text)

Asterisk prints each entry as ``%-50s: %-25s`` (key padded to 50 characters,
``: ``, value padded to 25) and ends with ``N results found.`` (not a record).

============  ====  ===========================================================
field         type  meaning
============  ====  ===========================================================
``key``       str   the full key, as ``/amijson/test/greeting``
``family``    str   the key without its last component and leading slash
                    (``amijson/test``)
``name``      str   the key's last component (``greeting``)
``value``     str   the value, trailing padding removed
============  ====  ===========================================================

The key ends at the first ``: `` at or after column 50 (where the padding puts
it for a key shorter than 50 characters), so a ``: `` inside a short key
survives; for a longer key, at the first ``: ``.

Example input::

    /amijson/test/greeting                            : hello
    1 results found.

Example output::

    [{"key": "/amijson/test/greeting", "family": "amijson/test",
      "name": "greeting", "value": "hello"}]
"""

from amijson.parsers.columns import is_count_line, strip_ansi

COMMANDS = {"database show": "default"}

_KEY_WIDTH = 50


def _is_trailer(line):
    return is_count_line(line, ("results", "result"), "found.")


def _split(line):
    """(key, value) or None."""
    # A key of up to 50 characters: the padding puts ": " at column 50.
    if line[_KEY_WIDTH:_KEY_WIDTH + 2] == ": " or line[_KEY_WIDTH:] == ":":
        return line[:_KEY_WIDTH].rstrip(), line[_KEY_WIDTH + 2:]
    index = line.find(": ")
    if index < 0:
        if line.rstrip().endswith(":"):
            return line.rstrip()[:-1].rstrip(), ""
        return None
    return line[:index].rstrip(), line[index + 2:]


def parse(text, variant=None, warnings=None):
    """One record per database entry."""
    records = []
    for raw in strip_ansi(text or "").splitlines():
        line = raw.rstrip("\r\n")
        if not line.strip():
            continue
        if _is_trailer(line.strip()):
            continue
        pair = _split(line)
        if pair is None:
            if warnings is not None:
                warnings.append("unrecognised line ignored: %r" % line.strip())
            continue
        key, value = pair
        family, _slash, name = key.rpartition("/")
        records.append(
            {
                "key": key,
                "family": family.lstrip("/"),
                "name": name,
                "value": value.rstrip(" "),
            }
        )
    return records
