"""Parser for ``pjsip show aors`` (res_pjsip, Asterisk 13 to 22).

Usage::

    from amijson.parsers import pjsip_aors
    records = pjsip_aors.parse(text)

Output: one record per ``Aor:`` row, with the ``Contact:`` rows under it.

================  ==========  ===============================================
field             type        meaning
================  ==========  ===============================================
``aor``           str         the AOR's id
``max_contacts``  int         the AOR's ``max_contacts``
``contacts``      list        one dict per contact: ``uri`` (str), ``hash``
                              (str, 10 characters), ``status`` (str:
                              ``Avail``, ``Unavail``, ``NonQual``, ...),
                              ``rtt_ms`` (float, or None for ``nan``)
================  ==========  ===============================================

Rows: ``%*s:  %-*.*s %12u`` for an AOR (the id's field is
``CLI_LAST_TABSTOP - indent - 12`` wide, the tab stop being where the header's
``<Aor....>`` ends), ``%*s:  %s/%-*.*s %-10.10s %-7.7s %11.3f`` for a contact.
A value that fills its field may have been cut: a warning says so.
``No objects found.`` gives ``[]``; ``Objects found: N`` is not a record.

Example input::

          Aor:  <Aor..............................................>  <MaxContact>
        Contact:  <Aor/ContactUri............................> <Hash....> <Status> <RTT(ms)..>
    ==========================================================================================

          Aor:  101                                                  1
        Contact:  101/sip:101@127.0.0.1:5070                   1042d25ffa NonQual        -nan

          Aor:  103                                                  1

    Objects found: 2

Example output::

    [{"aor": "101", "max_contacts": 1,
      "contacts": [{"uri": "sip:101@127.0.0.1:5070", "hash": "1042d25ffa",
                    "status": "NonQual", "rtt_ms": null}]},
     {"aor": "103", "max_contacts": 1, "contacts": []}]
"""

from amijson.parsers.columns import ascii_digits, truncation_warning
from amijson.parsers.pjsip_contacts import (
    contact_row,
    header_fields,
    is_empty_answer,
    label_of,
    lines_of,
)

COMMANDS = {"pjsip show aors": "default"}


def aor_row(line, colon, spans):
    """``({aor, max_contacts}, truncated_width_or_None)`` of an ``Aor:`` row,
    or (None, None). ``spans``: the ``Aor`` header's groups (may be empty)."""
    tokens = line[colon + 1:].split()
    if len(tokens) < 2 or not ascii_digits(tokens[-1]):
        return None, None
    aor = " ".join(tokens[:-1])
    record = {"aor": aor, "max_contacts": int(tokens[-1])}
    truncated = None
    if spans:
        tabstop = spans[0][1] - 1  # the header's '>' of <Aor....>
        width = tabstop - colon - 12
        start = colon + 3
        if width > 0 and len(aor) >= width and line[start:start + width] == aor[:width]:
            truncated = width
    return record, truncated


def parse(text, variant=None, warnings=None):
    """Records ``{aor, max_contacts, contacts}``."""
    lines = lines_of(text)
    if is_empty_answer(lines):
        return []
    fields, first = header_fields(lines)
    records = []
    for line in lines[first:]:
        label, colon = label_of(line)
        if label == "Aor":
            record, truncated = aor_row(line, colon, fields.get("Aor", []))
            if record is None:
                continue
            truncation_warning(warnings, "records[%d].aor" % len(records), truncated)
            record["contacts"] = []
            records.append(record)
        elif label == "Contact" and records:
            contact, truncated = contact_row(line, colon, fields.get("Contact", []))
            if contact is None:
                continue
            contacts = records[-1]["contacts"]
            truncation_warning(
                warnings, "records[%d].contacts[%d].uri" % (len(records) - 1, len(contacts)), truncated
            )
            del contact["aor"]
            contacts.append(contact)
    return records
