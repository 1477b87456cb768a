"""Parser for ``module show`` and ``module show like <pattern>``.

Usage::

    from amijson.parsers import module_show
    warnings = []
    records = module_show.parse(text, warnings=warnings)

The header is ``Module Description Use Count Status Support Level`` (Asterisk
13+, rows ``%-30s %-40.40s %-10d %-11s %13s``); Asterisk 12 has no ``Support
Level``; 11 and older only ``Module Description Use Count``. The trailer
``N modules loaded`` is not a record. A module name longer than 30 characters
pushes the rest of its row to the right, so the row is read from the module
name on: the description is the 40 characters after it.

=================  ===========  ==============================================
field              type         meaning
=================  ===========  ==============================================
``module``         str          module file name (``app_dial.so``)
``description``    str          description (cut at 40 characters by Asterisk:
                                a warning is added when it fills the column)
``use_count``      int or None  use count
``status``         str or None  ``Running``, ``Not Running``, ...; None when
                                the version has no Status column
``support_level``  str or None  ``core``, ``extended``, ``deprecated``, ...;
                                None when the version has no such column
=================  ===========  ==============================================

Example input::

    Module                         Description                              Use Count  Status      Support Level
    app_dial.so                    Dialing Application                      1          Running              core
    1 modules loaded

Example output::

    [{"module": "app_dial.so", "description": "Dialing Application",
      "use_count": 1, "status": "Running", "support_level": "core"}]
"""

from amijson.parsers.columns import (column_spans, find_header, int_or_none, is_count_line, strip_ansi,
                                      truncation_warning)

COMMANDS = {
    "module show": "default",
    "module show like": "like",
}

_NAMES = ["Module", "Description", "Use Count", "Status", "Support Level"]


def _is_trailer(line):
    return is_count_line(line, ("modules", "module"), "loaded")


def parse(text, variant=None, warnings=None):
    """One record per module row."""
    lines = [l.rstrip() for l in strip_ansi(text or "").splitlines()]
    header_index = find_header(lines, ("Module", "Description"), "module", warnings, _is_trailer)
    if header_index < 0:
        return []
    header = lines[header_index]
    spans = {name: (start, end) for name, start, end in column_spans(header, _NAMES)}
    desc_start, desc_end = spans["Description"]
    if desc_end is not None:
        desc_width = desc_end - desc_start - 1
    else:
        desc_width = 40
    has_status = "Status" in spans
    has_support = "Support Level" in spans
    records = []
    for line in lines[header_index + 1:]:
        if not line.strip() or _is_trailer(line.strip()):
            continue
        module = line.split()[0]
        module_end = line.index(module) + len(module)
        start = max(desc_start, module_end + 1)
        description = line[start:start + desc_width].rstrip()
        rest = line[start + desc_width:].split()
        use_count = int_or_none(rest[0]) if rest else None
        if use_count is not None:
            rest.pop(0)
        status = support = None
        if has_support and rest:
            support = rest.pop()
        if has_status and rest:
            status = " ".join(rest)
        if len(description) >= desc_width:
            truncation_warning(warnings, "records[%d].description" % len(records), desc_width)
        records.append(
            {
                "module": module,
                "description": description,
                "use_count": use_count,
                "status": status,
                "support_level": support,
            }
        )
    return records
