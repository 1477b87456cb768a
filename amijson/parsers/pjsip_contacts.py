"""Parser for ``pjsip show contacts`` (res_pjsip, Asterisk 13 to 22).

Usage::

    from amijson.parsers import pjsip_contacts
    records = pjsip_contacts.parse(text)

Output: one record per ``Contact:`` row.

============  =============  ===============================================
field         type           meaning
============  =============  ===============================================
``aor``       str            the AOR the contact belongs to
``uri``       str            the contact URI (may be cut by the fixed-width
                             column: a warning says so)
``hash``      str            the first 10 characters of the contact's id hash
``status``    str            short status label: ``Avail``, ``Unavail``,
                             ``NonQual``, ``Unknown``, ``Created``,
                             ``Removed``
``rtt_ms``    float or None  round-trip time in milliseconds; None when
                             Asterisk printed ``nan`` (not qualified, or not
                             available)
============  =============  ===============================================

The output starts with a blank line, a header
(``  Contact:  <Aor/ContactUri....> <Hash....> <Status> <RTT(ms)..>``), a line
of ``=``, a blank line, the rows, and ``Objects found: N`` (not a record).
``No objects found.`` gives ``[]``.

Rows are ``%*s:  %s/%-*.*s %-10.10s %-7.7s %11.3f``: the AOR, a ``/`` and the
URI share one field that ends where the header's ``<Aor/ContactUri...>`` ends;
a URI that fills that field may have been cut.

Example input::

      Contact:  <Aor/ContactUri..............................> <Hash....> <Status> <RTT(ms)..>
    ==========================================================================================

      Contact:  101/sip:101@127.0.0.1:5070                     1042d25ffa NonQual        -nan

    Objects found: 1

Example output::

    [{"aor": "101", "uri": "sip:101@127.0.0.1:5070", "hash": "1042d25ffa",
      "status": "NonQual", "rtt_ms": null}]

The helpers ``header_fields``, ``contact_row`` and ``number_or_none`` are
shared with ``pjsip_aors`` and ``pjsip_endpoints``.
"""

from amijson.parsers.columns import float_or_none, strip_ansi, truncation_warning

COMMANDS = {"pjsip show contacts": "default"}

EMPTY_MESSAGES = ("No objects found.",)


def lines_of(text):
    """The text's lines, ANSI codes and trailing blanks (and ``\\r``) removed."""
    return [line.rstrip() for line in strip_ansi(text or "").splitlines()]


def is_empty_answer(lines):
    """True for ``No objects found.`` / ``Unable to find object X.`` output."""
    for line in lines:
        stripped = line.strip()
        if not stripped:
            continue
        return stripped in EMPTY_MESSAGES or stripped.startswith("Unable to find object ")
    return True


def label_of(line):
    """``(label, colon_index)`` of a ``%*s: ...`` line, or ``(None, -1)``."""
    colon = line.find(":")
    if colon < 0:
        return None, -1
    label = line[:colon].strip()
    if not label or " " in label:
        return None, -1
    return label, colon


def header_fields(lines):
    """``({label: [(start, end), ...]}, index after the ``====`` line)``.

    The header block comes before the line of ``=``; each of its lines is
    ``<Label>:  <Field....>  <Field....>``. The spans are where each
    ``<...>`` group is, ``end`` exclusive. Without a ``====`` line: ({}, 0)."""
    fields = {}
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped and set(stripped) == {"="}:
            return fields, index + 1
        label, colon = label_of(line)
        if label is None:
            continue
        spans = []
        position = colon
        while True:
            start = line.find("<", position)
            if start < 0:
                break
            end = line.find(">", start)
            if end < 0:
                break
            spans.append((start, end + 1))
            position = end + 1
        fields.setdefault(label, spans)
    return {}, 0


def number_or_none(text):
    """``12.345`` to 12.345; ``nan``/``-nan``/``inf``/anything else to None."""
    return float_or_none(text)


def contact_row(line, colon, spans):
    """``({aor, uri, hash, status, rtt_ms}, truncated_width_or_None)`` of a
    ``Contact:`` row, or (None, None) when it is not one.

    ``spans`` are the ``Contact`` header's groups (may be empty): the first one
    ends where the ``Aor/ContactUri`` field ends."""
    tokens = line[colon + 1:].split()
    if len(tokens) < 4:
        return None, None
    aor_uri = " ".join(tokens[:-3])
    aor, slash, uri = aor_uri.partition("/")
    record = {
        "aor": aor,
        "uri": uri if slash else None,
        "hash": tokens[-3],
        "status": tokens[-2],
        "rtt_ms": number_or_none(tokens[-1]),
    }
    truncated = None
    if spans:
        start = colon + 3
        end = spans[0][1]
        if end - start > 0 and len(line) >= end and line[end - 1] != " " and \
                line[start:end].strip() == aor_uri:
            truncated = end - start - len(aor) - 1
    return record, truncated


def parse(text, variant=None, warnings=None):
    """Records ``{aor, uri, hash, status, rtt_ms}``, one per ``Contact:`` row."""
    lines = lines_of(text)
    if is_empty_answer(lines):
        return []
    fields, first = header_fields(lines)
    spans = fields.get("Contact", [])
    records = []
    for line in lines[first:]:
        label, colon = label_of(line)
        if label != "Contact":
            continue
        record, truncated = contact_row(line, colon, spans)
        if record is None:
            continue
        truncation_warning(warnings, "records[%d].uri" % len(records), truncated)
        records.append(record)
    return records
