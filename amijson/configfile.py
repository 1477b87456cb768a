"""Read INI-style files: amijson's own config and Asterisk's manager.conf.

One reader serves both because Asterisk's format is INI with extras:
``key => value`` beside ``key = value``, ``;`` comments, ``#include`` and
``#tryinclude`` of other files (relative to the including file's folder, globs
allowed), and sections that inherit from templates: ``[name](!)`` is a template,
``[user](tmpl1,tmpl2)`` starts from those templates' keys, ``[user](+)`` adds
to an earlier section of the same name.

``read_sections(path, strict)`` returns a ``Sections``: ``{section: {key: value}}``
with section names as written and keys lowercased (Asterisk and amijson both
compare them case-insensitively), plus where each section starts and which keys
it inherited from which parent. The first value of a repeated key wins, as in
``manager.conf``'s lookups, and a key before any section is ignored, as Asterisk
does. amijson's own config is read ``strict``: there a key before the first
section, a section given twice (``(+)`` aside) and a key given twice in one
section are errors naming the line, since each of them silently sent settings,
a secret among them, where the file's author did not mean them.

The ``configparser`` module is not used: it cannot read Asterisk's syntax
(manager.conf), it would take ``[b](a)`` inheritance and ``=>`` from amijson's
own config, which the same reader gives both files, and its imports cost start-up
time. Its strict mode's rules (no duplicate section or key, no key outside a
section) are this reader's strict ones.
"""

import os

from amijson.files import MAX_CONFIG_BYTES, read_regular

MAX_INCLUDE_DEPTH = 10
MAX_TOTAL_BYTES = 4 * MAX_CONFIG_BYTES  # a file and all it includes: includes may not multiply the limit


class ConfigFileError(Exception):
    pass


class Sections(dict):
    """``{section: {key: value}}`` in the file's order; ``where[section]``: the
    ``path:line`` of its header; ``inherited[section]``: ``{key: parent}`` for each
    key it took from a parent (``[b](a)``) rather than set itself; ``templates``:
    the ``(!)`` sections, which are no profile."""

    def __init__(self):
        dict.__init__(self)
        self.where = {}
        self.inherited = {}
        self.templates = {}

    def parent(self, name):
        """A parent's keys: a template, or an earlier section."""
        return self.templates.get(name, self.get(name))


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


def read_sections(path, strict=False, _depth=0, _state=None):
    """Parse ``path`` (and what it includes) into ``Sections``; ``strict`` for amijson's own
    config (see above)."""
    if _state is None:
        _state = {"sections": Sections(), "current": None, "name": None, "own": set(), "read": 0}
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
    templates = sections.templates
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if stripped.startswith("#"):
            word, _, rest = stripped.partition(" ")
            if word in ("#include", "#tryinclude"):
                for target in _include_targets(rest, base_dir):
                    if word == "#tryinclude" and not os.path.exists(target):
                        continue
                    read_sections(target, strict, _depth + 1, _state)
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
            adding = "+" in options
            if strict and not adding and name in target:
                raise ConfigFileError("%s:%d: [%s] is given a second time (first at %s): each section once, or "
                                      "[%s](+) to add to it" % (path, number, name, sections.where[name], name))
            body = target.setdefault(name, {}) if adding else {}
            inherited = sections.inherited.setdefault(name, {}) if adding else {}
            for parent in parents:
                for key, value in (sections.parent(parent) or {}).items():
                    if key not in body:
                        body[key] = value
                        inherited[key] = parent
            target[name] = body
            sections.inherited[name] = inherited
            sections.where.setdefault(name, "%s:%d" % (path, number))
            _state["current"], _state["name"] = body, name
            _state["own"] = set()
            continue
        if "=" not in line:
            continue  # Asterisk ignores such lines with a warning; so do we
        key, _, value = line.partition("=")
        value = value[1:] if value.startswith(">") else value
        key = key.strip().lower()
        body = _state["current"]
        if body is None:
            if strict:
                raise ConfigFileError("%s:%d: %s is set before any [section]: put it under [default] or a "
                                      "profile" % (path, number, key or "a key"))
            continue  # Asterisk: "no category context", the line is ignored
        # A section's own value beats its templates'; its first value beats a repeat.
        if key in _state["own"]:
            if strict:
                raise ConfigFileError("%s:%d: %s is given twice in [%s]" % (path, number, key, _state["name"]))
            continue
        _state["own"].add(key)
        body[key] = value.strip()
        sections.inherited[_state["name"]].pop(key, None)
    return sections
