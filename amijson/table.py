"""Records as columns, for lists too long to handle a record at a time.

A 5,000-channel list is 5,000 records of a dozen or more fields. Built as
dicts and encoded one value at a time, that is several Python operations per
value; kept as one list per key, each step (splitting the text, converting a
field, writing JSON) is a few calls that run in C over a whole column.

``Table(keys, columns)``: ``columns[i]`` holds the values of ``keys[i]``, one
per record, all columns of one length. ``json()`` writes the records exactly as
``jsonout.dumps`` writes ``dicts()`` (compact, ASCII only), without the commas
and brackets of the list around them, so that ``jsonout.JsonItems`` can carry
them into a document.

Column functions (``Column``): a converter used record by record (``text``,
``integer`` in ``amijson.queries``) can carry a ``.column`` version that takes
a whole column at once; ``convert_column`` uses it when there is one.
"""

from itertools import repeat

from amijson.jsonout import JsonItems, c_json, dumps, json_string, plain

# Stands for null in a column of strings written inside quotes: a printable
# column cannot hold it, so '"\x00"' in the text can only be such a null.
_NULL_MARK = "\x00"
_STR_NULL = {None: _NULL_MARK}.get
_NULL = {None: "null"}.get
_BOOL = {True: "true", False: "false", None: "null"}.get


class Table:
    """A block of records (see ``amijson.records``) as columns."""

    __slots__ = ("keys", "columns", "count", "_items")

    def __init__(self, keys, columns):
        self.keys = list(keys)
        self.columns = list(columns)
        self.count = len(self.columns[0]) if self.columns else 0
        self._items = None

    def __len__(self):
        return self.count

    def column(self, key):
        """The values of ``key``; all None when the table has no such key (as
        ``dict.get`` gives for a record without it)."""
        try:
            return self.columns[self.keys.index(key)]
        except ValueError:
            return [None] * self.count

    def table(self, keys):
        """The table itself: ``column`` gives all None for a key it lacks."""
        return self

    def mapped(self, mapper):
        return mapper.table(self)

    def dicts(self):
        keys = self.keys
        return [dict(zip(keys, row)) for row in zip(*self.columns)]

    def json(self):
        """The records as JSON objects, comma-separated."""
        if not self.count:
            return ""
        if not self.keys:
            return ",".join(repeat("{}", self.count))
        fields = []
        values = []
        marked = False
        for key, column in zip(self.keys, self.columns):
            form, written, has_mark = _column_json(column)
            fields.append(json_string(key).replace("%", "%%") + ":" + form)
            if written is not None:
                values.append(written)
            marked = marked or has_mark
        width = len(values)
        flat = [None] * (width * self.count)
        for index, written in enumerate(values):
            flat[index::width] = written
        text = ",".join(repeat("{" + ",".join(fields) + "}", self.count)) % tuple(flat)
        return text.replace('"%s"' % _NULL_MARK, "null") if marked else text

    def items(self):
        """The table as ``JsonItems`` for a document's records, written once: the
        rx route writes each piece while the command still runs."""
        if self._items is None:
            self._items = JsonItems(self.json().encode("ascii"), self.count, self.dicts)
        return self._items


def _column_json(column):
    """(format, values or None when the format holds it all, uses the null
    mark) to write one column with ``%``."""
    try:
        joined = "".join(column)  # the common case, all strings, in one C call
        kinds = {str}
        has_none = False
    except TypeError:
        kinds = set(map(type, column))
        joined = None
    if kinds == {type(None)}:
        return "null", None, False
    if joined is None:
        has_none = type(None) in kinds
        kinds.discard(type(None))
    if kinds <= {str}:
        if joined is None:
            joined = "".join(filter(None, column))
        if plain(joined):
            # Nothing to escape: the values go between quotes as they are.
            if not has_none:
                if column.count(column[0]) == len(column):
                    # One value in every record (a state, a context): written
                    # into the format once rather than once per record.
                    return '"%s"' % column[0].replace("%", "%%"), None, False
                return '"%s"', column, False
            return '"%s"', list(map(_STR_NULL, column, column)), True
        string = c_json()[0]
        return "%s", [string(value) if value is not None else "null" for value in column], False
    if kinds <= {int} or kinds == {bool}:
        lookup = _BOOL if kinds == {bool} else _NULL
        if not has_none and column.count(column[0]) == len(column):  # one type: 1 == True is not met
            return "%s" % lookup(column[0], column[0]), None, False
        return "%s", list(map(lookup, column, column)), False
    return "%s", [dumps(value) for value in column], False


def decimals(strings):
    """True when every string is a non-empty run of ASCII digits, checked in
    one pass over them all: ``int()`` of each is then the plain reading."""
    joined = "".join(strings)
    return joined.isascii() and joined.isdecimal() and "" not in strings


def convert_column(convert, column):
    """``convert`` applied to every value of ``column``, at once when it can."""
    bulk = getattr(convert, "column", None)
    if bulk is not None:
        return bulk(column)
    return list(map(convert, column))
