"""An answer's records behind one interface, however they were made.

A short list's records are dicts. A long list's are kept in bulk, each block in
the form that was cheapest to make and will be cheapest to write:

* a ``Table`` (``amijson.table``): columns, from a CLI parser's ``parse_table``
  or a named query's ``FieldMap`` applied a column at a time;
* an ``EventBlock`` (``amijson.document``): a run of same-shaped AMI list events
  (``wire.MessageRun``) kept as the JSON text made while they were read.

``Records`` holds dicts and blocks in order, and is the only place that tells
them apart. Everyone else uses it as a sequence of dicts: ``len()``,
iteration, ``==`` with a list; ``map(mapper)`` gives the mapped records (a whole
block at once when the mapper has a ``table`` form), ``json_list()`` the value a
document writes (dicts and ``jsonout.JsonItems``, text copied as it is).

A block has ``count``, ``dicts()``, ``items()`` (its ``JsonItems``),
``table(keys)`` (a ``Table`` holding at least ``keys``) and ``mapped(mapper)``
(``mapper.table`` of it; an ``EventBlock`` keeps the one it made while the list
was still arriving).
"""


class Records:
    __slots__ = ("_parts", "_count")

    def __init__(self, dicts=()):
        self._parts = list(dicts)  # record dicts and blocks, in order
        self._count = len(self._parts)  # records, kept as they come: len() is asked once per record

    @classmethod
    def of(cls, found):
        """Records from what a parser returns: a list of dicts, or a block."""
        if type(found) is list:
            return cls(found)
        records = cls()
        records.add(found)
        return records

    def append(self, record):
        self._parts.append(record)
        self._count += 1

    def add(self, block):
        """Append a block (several records at once); an empty one adds nothing."""
        if block.count:
            self._parts.append(block)
            self._count += block.count

    def __len__(self):
        return self._count

    def __bool__(self):
        return bool(self._parts)

    def __iter__(self):
        for part in self._parts:
            if type(part) is dict:
                yield part
            else:
                yield from part.dicts()

    def __eq__(self, other):
        if type(other) is Records or type(other) is list:
            return list(self) == list(other)
        return NotImplemented

    def __repr__(self):
        return "Records(%d)" % len(self)

    def map(self, mapper):
        """``mapper`` over every record, as new Records. A mapper with a ``table``
        form (``queries.FieldMap``) takes each block a column at a time, reading
        only its ``sources``; any other mapper takes one dict at a time."""
        by_table = hasattr(mapper, "table")
        out = Records()
        for part in self._parts:
            if type(part) is dict:
                out.append(mapper(part))
            elif by_table:
                out.add(part.mapped(mapper))
            else:
                mapped = list(map(mapper, part.dicts()))
                out._parts.extend(mapped)
                out._count += len(mapped)
        return out

    def json_list(self):
        """The records as a document writes them: dicts, and each block's JsonItems."""
        return [part if type(part) is dict else part.items() for part in self._parts]
