"""Parser for ``core show channel NAME`` (one channel's details).

Usage::

    from amijson.parsers import core_show_channel
    records = core_show_channel.parse(text)

Output: one record (none when the output names no channel, as for
``No such channel``). Asterisk prints ``Label: value`` lines under
``-- General --`` and ``--   PBX   --``, then the channel variables, the CDR
variables and (13 and later) the media streams.

=====================  ==============  ========================================
field                  type            meaning
=====================  ==============  ========================================
``<label>``            str or None     every ``Label: value`` line of the
                                       General and PBX sections, the label in
                                       snake case (``Caller ID Name`` ->
                                       ``caller_id_name``, ``UniqueID`` ->
                                       ``uniqueid``); ``(N/A)`` is None. Asterisk
                                       16's ``Call Identifer`` is
                                       ``call_identifier`` as on 22
``priority``           int or None     the dialplan priority
``elapsed_seconds``    int or None     ``Elapsed Time`` (``1h2m3s``) in seconds
``variables``          object          channel variables, name -> value
``cdr_variables``      object          CDR variables of the first CDR level,
                                       name -> value
``streams``            list            ``{name, type, state, group, formats}``
                                       per media stream (``[]`` before 13)
=====================  ==============  ========================================

Example input::

     -- General --
               Name: PJSIP/101-00000001
           UniqueID: 1796095000.5
          Caller ID: 101
     Caller ID Name: (N/A)
       Elapsed Time: 0h1m3s
     --   PBX   --
            Context: default
           Priority: 2
     Call Identifer: [C-00000003]
          Variables:
    DIALSTATUS=ANSWER
      CDR Variables:
    level 1: dst=100

     -- Streams --
    Name: audio-0
        Type: audio
        State: sendrecv
        Group: -1
        Formats: (ulaw)

Example output::

    [{"name": "PJSIP/101-00000001", "uniqueid": "1796095000.5",
      "caller_id": "101", "caller_id_name": null, "elapsed_time": "0h1m3s",
      "context": "default", "priority": 2, "call_identifier": "[C-00000003]",
      "elapsed_seconds": 63, "variables": {"DIALSTATUS": "ANSWER"},
      "cdr_variables": {"dst": "100"},
      "streams": [{"name": "audio-0", "type": "audio", "state": "sendrecv",
                   "group": "-1", "formats": "(ulaw)"}]}]
"""

from amijson.parsers.columns import int_or_none, strip_ansi

COMMANDS = {
    "core show channel": "default",
}

# Labels Asterisk spelled differently between releases, as 22 spells them.
_SAME_LABEL = {"call identifer": "call identifier"}


def _snake(label):
    label = _SAME_LABEL.get(label.lower(), label.lower())
    return "_".join(label.replace(".", " ").replace("/", " ").split())


def _elapsed_seconds(text):
    """``1h2m3s`` to seconds, or None."""
    total, number = 0, ""
    for char in text or "":
        if char in "0123456789":
            number += char
        elif char in "hms" and number:
            total += int(number) * {"h": 3600, "m": 60, "s": 1}[char]
            number = ""
        else:
            return None
    return total if text and not number else None


def parse(text, variant=None, warnings=None):
    record = {}
    variables, cdr_variables, streams = {}, {}, []
    section = None
    for raw in strip_ansi(text or "").splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("--") and line.endswith("--"):
            section = line.strip("- ").lower()  # general, pbx, streams
            continue
        if section != "streams" and line in ("Variables:", "CDR Variables:"):
            section = "variables" if line == "Variables:" else "cdr"
            continue
        if section == "variables":
            name, equals, value = line.partition("=")
            if equals:
                variables[name] = value
            continue
        if section == "cdr":
            if line.startswith("level 1: "):
                name, equals, value = line[len("level 1: "):].partition("=")
                if equals:
                    cdr_variables[name] = value
            continue
        label, colon, value = line.partition(":")
        if not colon:
            if warnings is not None and section is not None:
                warnings.append("unrecognised line ignored: %r" % line)
            continue
        value = value.strip()
        if section == "streams":
            if label == "Name":
                streams.append({"name": value})
            elif streams and label.strip().lower() in ("type", "state", "group", "formats"):
                streams[-1][label.strip().lower()] = value
            continue
        if section in ("general", "pbx"):
            record[_snake(label.strip())] = None if value == "(N/A)" else value
    if not record:
        return []
    if "priority" in record:
        record["priority"] = int_or_none(record["priority"])
    record["elapsed_seconds"] = _elapsed_seconds(record.get("elapsed_time"))
    record["variables"] = variables
    record["cdr_variables"] = cdr_variables
    record["streams"] = [{key: stream.get(key) for key in ("name", "type", "state", "group", "formats")}
                         for stream in streams]
    return [record]
