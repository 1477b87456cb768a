"""Read INI-style files: amijson's own config and Asterisk's manager.conf.

One reader serves both because Asterisk's format is INI with extras:
``key => value`` beside ``key = value``, ``;`` comments, ``#include`` and
``#tryinclude`` of other files (relative to the including file's folder, globs
allowed), and sections that inherit from templates: ``[name](!)`` is a template,
``[user](tmpl1,tmpl2)`` starts from those templates' keys, ``[user](+)`` adds
to an earlier section of the same name.

``read_sections(path)`` returns ``{section: {key: value}}`` with section names
as written and keys lowercased (Asterisk and amijson both compare them
case-insensitively). The first value of a repeated key wins, as in
``manager.conf``'s lookups. The ``configparser`` module is not used: it would
cost start-up time and cannot read Asterisk's syntax.
"""

import os

from amijson.files import MAX_CONFIG_BYTES, read_regular

MAX_INCLUDE_DEPTH = 10
MAX_TOTAL_BYTES = 4 * MAX_CONFIG_BYTES  # a file and all it includes: includes may not multiply the limit


class ConfigFileError(Exception):
    pass


def _strip_comment(line):
    # ";" starts a comment unless escaped as "\;" (Asterisk's rule).
    out = []
    i = 0
    while i < len(line):
        ch = line[i]
        if ch == "\\" and line[i + 1:i + 2] == ";":
            out.append(";")
            i += 2
            continue
        if ch == ";":
            break
        out.append(ch)
        i += 1
    return "".join(out).strip()


def _include_targets(directive, base_dir):
    target = directive.strip().strip('"').strip("<>").strip()
    if not os.path.isabs(target):
        target = os.path.join(base_dir, target)
    if any(ch in target for ch in "*?["):
        import glob  # only when a config really uses a pattern
        return sorted(glob.glob(target))
    return [target]


def read_sections(path, _depth=0, _state=None):
    """Parse ``path`` (and what it includes) into ``{section: {key: value}}``."""
    if _state is None:
        _state = {"sections": {}, "templates": {}, "current": None, "own": set(), "read": 0}
    if _depth > MAX_INCLUDE_DEPTH:
        raise ConfigFileError("includes nested deeper than %d at %s" % (MAX_INCLUDE_DEPTH, path))
    try:
        data = read_regular(path, min(MAX_CONFIG_BYTES, MAX_TOTAL_BYTES - _state["read"]))
    except OSError as exc:
        raise ConfigFileError("cannot read %s: %s" % (path, exc.strerror or exc))
    _state["read"] += len(data)
    text = data.decode("utf-8", "replace")
    base_dir = os.path.dirname(path) or "."
    sections = _state["sections"]
    templates = _state["templates"]
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if stripped.startswith("#"):
            word, _, rest = stripped.partition(" ")
            if word in ("#include", "#tryinclude"):
                for target in _include_targets(rest, base_dir):
                    if word == "#tryinclude" and not os.path.exists(target):
                        continue
                    read_sections(target, _depth + 1, _state)
            continue  # other "#" lines are INI comments
        line = _strip_comment(raw)
        if not line:
            continue
        if line.startswith("["):
            close = line.find("]")
            if close < 0:
                raise ConfigFileError("%s:%d: unclosed section header" % (path, number))
            name = line[1:close].strip()
            options = line[close + 1:].strip()
            parents = []
            is_template = False
            if options.startswith("(") and options.endswith(")"):
                for part in options[1:-1].split(","):
                    part = part.strip()
                    if part == "!":
                        is_template = True
                    elif part and part != "+":
                        parents.append(part)
            target = templates if is_template else sections
            body = target.setdefault(name, {}) if "+" in options else {}
            for parent in parents:
                for key, value in templates.get(parent, sections.get(parent, {})).items():
                    body.setdefault(key, value)
            target[name] = body
            _state["current"] = body
            _state["own"] = set()
            continue
        if "=" not in line:
            continue  # Asterisk ignores such lines with a warning; so do we
        key, _, value = line.partition("=")
        value = value[1:] if value.startswith(">") else value
        body = _state["current"]
        if body is None:
            body = sections.setdefault("", {})
            _state["current"] = body
            _state["own"] = set()
        key = key.strip().lower()
        # A section's own value beats its templates'; its first value beats a repeat.
        if key not in _state["own"]:
            _state["own"].add(key)
            body[key] = value.strip()
    return sections
