"""amijson's JSON writer gives json.dumps's bytes (compact, ASCII), small
documents through the Python walk and large ones through the C encoder."""

import json
import math
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amijson import jsonout
from amijson.jsonout import JsonItems, dump_parts, dumps

EXAMPLES = int(os.environ.get("AMIJSON_FUZZ_EXAMPLES", "300"))
PROFILE = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))

scalars = st.one_of(st.text(), st.none(), st.booleans(), st.integers(), st.floats())
documents = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=5),
                                                          st.dictionaries(st.text(max_size=5), inner, max_size=5)),
                         max_leaves=30)


def finite(value):
    """``value`` with every NaN or infinity as None: what amijson writes for them."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, list):
        return [finite(item) for item in value]
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    return value


def reference(value):
    return json.dumps(finite(value), ensure_ascii=True, separators=(",", ":"), allow_nan=False)


@PROFILE
@given(st.text())
def test_string_is_what_json_writes(text):
    assert jsonout.json_string(text) == json.dumps(text)


@PROFILE
@given(documents)
def test_small_and_large_documents_are_what_json_writes(value):
    assert dumps(value) == reference(value)
    large = {"records": [value] * (jsonout.SMALL + 1)}
    assert b"".join(dump_parts(large)).decode() == reference(large)


def test_json_items_go_in_as_they_are():
    items = JsonItems(b'{"a":1},{"a":2}', 2, lambda: [{"a": 1}, {"a": 2}])
    doc = {"records": [{"a": 0}, items, JsonItems(b"", 0, list), {"a": 3}], "n": None}
    assert dumps(doc) == reference({"records": [{"a": i} for i in range(4)], "n": None})
    assert dumps(doc, pretty=True) == json.dumps({"records": [{"a": i} for i in range(4)], "n": None}, indent=2)


def test_json_items_text_may_be_written_when_first_needed():
    calls = []

    def write():
        calls.append(1)
        return b'{"a":1}'

    items = JsonItems(write, 1, lambda: [{"a": 1}])
    assert calls == []  # nothing written until the document is
    assert dumps({"records": [items], "n": None}) == reference({"records": [{"a": 1}], "n": None})
    assert items.text == b'{"a":1}' and calls == [1]  # written once, then kept


def test_nan_and_infinity_are_null_on_every_path():
    # json.dumps would write NaN / Infinity: not JSON, and PHP's json_decode returns NULL for the
    # whole document. Small (the walk), large (the C encoder), pretty and Table columns alike.
    from amijson.table import Table

    values = [float("nan"), float("inf"), float("-inf"), 1.5]
    expected = [None, None, None, 1.5]
    assert json.loads(dumps(values)) == expected
    assert json.loads(dumps(values * jsonout.SMALL)) == expected * jsonout.SMALL
    assert json.loads(dumps({"v": values}, pretty=True)) == {"v": expected}
    table = Table(["v"], [values])
    assert json.loads("[" + table.json() + "]") == [{"v": v} for v in expected]


@pytest.mark.parametrize("odd", ["", "\x00", "\x1f", "\x7f", "\t", '"', "\\", "é", "\u2028", " "])
@pytest.mark.parametrize("length", [1, 63, 64, 500])
def test_plain_and_printable_ascii_agree_with_their_definition_short_or_long(odd, length):
    from amijson.jsonout import plain, printable_ascii
    text = ("a" * length)[:-1] + odd if length > 1 else odd or "a"
    printable = all(" " <= c <= "~" for c in text)
    assert printable_ascii(text) is printable
    assert plain(text) is (printable and '"' not in text and "\\" not in text)
