"""``--format zabbix``: what a Zabbix item reads.

* A list query gives low-level discovery (LLD): one object per record, each field a
  macro, ``[{"{#ENDPOINT}": "101", "{#STATE}": "Unavailable", "{#CHANNELS}": 0, ...}]``.
  Zabbix takes only strings and numbers in macros, so a null becomes ``""``, true and
  false ``1`` and ``0``, a list of strings one comma-separated string (``{#AORS}``),
  and a list of objects (a queue's members and callers) is left out. Macro names are
  the field names in capitals.
* A one-record query (``status``, ``calls``, ``uptime``, ``version``) gives the bare
  record, ``{"version": "22.10.1", "channels": 6, ...}``: dependent items pick its
  fields by JSONPath (``$.channels``).
* With several PBXes (``--profiles``, a ``--host`` list) each object also has
  ``{#PBX}`` (the profile name, or the host); a one-record query then gives a list of
  records, each with ``{#PBX}`` and ``pbx`` (for a JSONPath filter, which cannot name a
  macro: Zabbix would expand it), and a PBX that failed has ``error`` instead of the
  fields. A list query leaves a failed PBX's records out (its discovered entities
  stay until Zabbix's lifetime for lost resources ends).
* When the run fails (a single PBX, or every PBX of a fleet), amijson prints its JSON
  document, with ``error.code`` and ``error.message``: the shipped template's
  "Check for error in JSON" step (``$.error.message``) makes the item unsupported with
  that message. Nothing goes to standard error, which the agent would mix into the value.
"""

from amijson.formats import ONE_RECORD


def macro(field):
    return "{#%s}" % "".join(c if c.isalnum() and c.isascii() else "_" for c in field.upper())


def macro_value(value):
    """A field as a macro value: a string or a number, never null, a list or an object."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, (str, int, float)):
        return value
    if isinstance(value, list):
        return ",".join(str(macro_value(item)) for item in value)
    return str(value)


def discovery_rows(records, pbx=None):
    """One LLD object per record. A field that holds objects in any record (a queue's
    members) is left out of every row, so each row has the same macros."""
    structured = {field for record in records for field, value in record.items() if _structured(value)}
    rows = []
    for record in records:
        row = {} if pbx is None else {"{#PBX}": pbx}
        for field, value in record.items():
            if field not in structured:
                row.setdefault(macro(field), macro_value(value))
        rows.append(row)
    return rows


def _structured(value):
    return isinstance(value, dict) or (isinstance(value, list) and any(isinstance(item, (dict, list))
                                                                          for item in value))


def render(answers, query, fleet, pretty=False):
    """The JSON text for ``answers`` (``amijson.formats.Result``), or None when the run failed
    (a single PBX, or every PBX of a fleet): amijson's own JSON document then says why."""
    from amijson.jsonout import dumps
    if not answers or all(answer.error is not None for answer in answers):
        return None
    if not fleet:
        records = answers[0].records
        if query in ONE_RECORD:
            shown = records[0] if records else {}
        else:
            shown = discovery_rows(records)
        return dumps(shown, pretty) + "\n"
    shown = []
    for answer in answers:
        if query in ONE_RECORD:
            row = {"{#PBX}": answer.pbx, "pbx": answer.pbx}
            if answer.error is not None:
                row["error"] = {"code": answer.error.get("code"), "message": answer.error.get("message")}
            elif answer.records:
                row.update((key, value) for key, value in answer.records[0].items() if key not in row)
            shown.append(row)
        elif answer.error is None:
            shown.extend(discovery_rows(answer.records, answer.pbx))
    return dumps(shown, pretty) + "\n"
