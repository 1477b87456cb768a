"""The test tree itself: pytest imports each test module by its file name (no packages here),
so two test files of one name in different folders stop the whole collection. A quick run of
tests/unit alone would not see it; this test does."""

import collections
import pathlib

TESTS = pathlib.Path(__file__).resolve().parent.parent


def test_every_test_module_name_is_unique():
    by_name = collections.defaultdict(list)
    for path in TESTS.rglob("test_*.py"):
        by_name[path.name].append(str(path.relative_to(TESTS)))
    assert {name: paths for name, paths in by_name.items() if len(paths) > 1} == {}
