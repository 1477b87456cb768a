"""``--format text``: what ``asterisk -rx`` prints, for scripts that cut that text.

* A CLI command (``command``, ``-rx``/``-x``, the ``asterisk`` link): the command's
  output, byte for byte as ``asterisk -rx`` prints it on that PBX, whichever route
  fetched it, with nothing added. ``cli_text`` turns the output lines every route
  gives (AMI's ``Output:`` lines, the Asterisk 13 Command body, rx's output) back
  into that text: AMI's ``action_command`` (main/manager.c, 14 and newer) removes
  exactly one trailing newline and splits the rest on ``\\n``, so the lines joined
  with ``\\n`` and that newline put back are the text. Output that is empty comes
  from AMI as one empty ``Output:`` line: it is printed as nothing, as
  ``asterisk -rx`` prints it (``core show channels concise`` on an idle PBX).
* An AMI action (``action NAME``): AMI's own messages as the CLI shows a manager
  message, one ``Key: Value`` line per header and an empty line after each
  message: the reply, then each list event, then the list's closing event.
* A named query: one ``Key: Value`` block per record, an empty line after each,
  the keys the record's JSON field names: a string as it is, a number as JSON
  writes it, null as nothing, true and false as ``true`` and ``false``, a list of
  strings or numbers joined with ``,``, and a field holding objects (a queue's
  members) as compact JSON. A carriage return or newline inside a value is
  written ``\\r``, ``\\n`` (as Asterisk escapes them in AMI values), so one line is
  always one field.

A run that fails prints one line on standard error, ``amijson: CODE: message``,
and exits with that code's exit status (README, "Exit codes"). A CLI command that
Asterisk refused (``No such command``, a usage text) still prints its text on
standard output, as ``asterisk -rx`` does, but exits 1, where ``asterisk -rx``
exits 0.
"""

from amijson.document import FELL_BACK


def cli_text(lines, warnings=()):
    """A CLI command's output lines (``document.output``) as ``asterisk -rx`` prints them.

    A line whose bytes were not UTF-8 was decoded with the fallback encoding, and the run's
    ``warnings`` say so (``as_sent``): such a line is given back as those bytes (as lone
    surrogates, which ``Output.write`` turns back into the bytes), not as UTF-8."""
    if not lines or lines == [""]:
        return ""
    if warnings:
        lines = as_sent(lines, warnings)
    return "\n".join(lines) + "\n"


def as_sent(lines, warnings):
    """``lines`` with each line the route decoded with the fallback encoding turned back into
    the bytes Asterisk sent. The rx route names each such line (``output[N]: ...``); AMI and
    HTTP only say that some ``Output`` value fell back (``response.Output: ...``): there a line
    is taken for one when its text, encoded with the fallback, is not valid UTF-8 (had those
    been the bytes, they would have been read as UTF-8) and it is not plain ASCII. A PBX that
    mixes UTF-8 and Latin-1 lines in one output is the one case that guess gets wrong: a UTF-8
    line whose characters Latin-1 also has comes out in Latin-1."""
    encoding = None
    exact = set()
    some = False
    for warning in warnings:
        where, found, name = str(warning).partition(FELL_BACK)
        if not found:
            continue
        if where.startswith("output[") and where.endswith("]") and where[7:-1].isdigit():
            exact.add(int(where[7:-1]))
            encoding = name
        elif where.lower().endswith(".output"):
            some = True
            encoding = name
    if encoding is None:
        return lines
    out = []
    for number, line in enumerate(lines):
        if number in exact or (some and _fell_back(line, encoding)):
            try:
                line = line.encode(encoding).decode("utf-8", "surrogateescape")
            except (UnicodeError, LookupError):
                pass
        out.append(line)
    return out


def _fell_back(line, encoding):
    if line.isascii():
        return False
    try:
        line.encode(encoding).decode("utf-8")
    except (UnicodeError, LookupError):
        return True
    return False


def _escaped(text):
    if "\r" in text or "\n" in text:
        text = text.replace("\r", "\\r").replace("\n", "\\n")
    return text


def value_text(value):
    """A record's field as the text after ``Key: ``."""
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return _escaped(value)
    from amijson.jsonout import dumps
    if isinstance(value, (int, float)):
        return dumps(value)
    if isinstance(value, list) and all(item is None or isinstance(item, (str, int, float)) for item in value):
        return ",".join(value_text(item) for item in value)
    return _escaped(dumps(value))


def message_block(fields):
    """An AMI message's headers (the document's form) as the CLI shows a manager message:
    one ``Key: Value`` line each, a header sent more than once a line per value, and an
    empty line at the end."""
    lines = []
    for key, value in fields.items():
        if isinstance(value, list) and all(isinstance(item, str) for item in value) and value:
            lines.extend("%s: %s" % (_escaped(key), _escaped(item)) for item in value)
        else:
            lines.append("%s: %s" % (_escaped(key), value_text(value)))
    return "".join(line + "\n" for line in lines) + "\n"


def record_block(record):
    """A named query's record: lists of strings are one ``Key: a,b`` line, not a line each."""
    return "".join("%s: %s\n" % (_escaped(key), value_text(value)) for key, value in record.items()) + "\n"


def render(answer, kind):
    """The text for ``answer`` (an ``amijson.formats.Result`` of one PBX): what goes to
    standard output. ``kind``: ``command``, ``action`` or ``query``."""
    document = answer.document
    error = answer.error
    if kind == "command":
        if error is not None and error.get("code") != "command_failed":
            return ""
        return cli_text(document.get("output"), answer.warnings)
    if error is not None:
        return ""
    if kind == "action":
        parts = []
        if document.get("response"):
            parts.append(message_block(document["response"]))
        parts.extend(message_block(record) for record in answer.records)
        if document.get("complete"):
            parts.append(message_block(document["complete"]))
        return "".join(parts)
    return "".join(record_block(record) for record in answer.records)


def error_line(error):
    """The one line standard error gets when the run failed: ``amijson: CODE: message``."""
    message = " ".join(str(error.get("message") or "").split())
    return "amijson: %s: %s\n" % (error.get("code"), message)
