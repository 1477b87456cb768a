"""amijson: one Asterisk Manager Interface action or CLI command, printed as one JSON document."""

__version__ = "0.1.0"


class CodeBundle:
    """Imports amijson's modules from the one file the build wrote (setup.py), so that a run
    reads one file instead of one per module (docs/design.md, "The code bundle").

    ``table`` maps a module's dotted name to (its path under ``root``, the size its source had,
    whether it is a package, where its marshalled code starts and ends in ``codes``). A module whose source is gone or changed size
    is left to Python's own import, as is every module the bundle lacks."""

    def __init__(self, root, table, codes):
        self.root = root
        self.table = table
        self.codes = codes

    def find_spec(self, name, path=None, target=None):
        entry = self.table.get(name)
        if entry is None:
            return None
        from os import stat

        relative, size, is_package = entry[:3]
        origin = self.root + relative
        try:
            if stat(origin).st_size != size:
                return None
        except OSError:
            return None
        import sys

        spec = sys.modules["_frozen_importlib"].ModuleSpec(name, self, origin=origin, is_package=is_package)
        if is_package:
            spec.submodule_search_locations = [origin.rpartition("/")[0]]
        spec.has_location = True
        return spec

    def create_module(self, spec):
        return None  # the default module

    def exec_module(self, module):
        from marshal import loads

        start, end = self.table[module.__name__][3:]
        exec(loads(self.codes[start:end]), module.__dict__)


def _use_code_bundle():
    import sys

    folder = __path__[0]
    try:
        with open("%s/codebundle.%s.marshal" % (folder, sys.implementation.cache_tag), "rb") as handle:
            data = handle.read()
    except OSError:
        return  # a source checkout or an editable install: no bundle
    from marshal import loads

    data = memoryview(data)
    length = int.from_bytes(data[:4], "little") + 4
    magic, table = loads(data[4:length])
    if magic == sys.modules["_frozen_importlib_external"].MAGIC_NUMBER:
        sys.meta_path.insert(0, CodeBundle(folder.rpartition("/")[0] + "/", table, data[length:]))


_use_code_bundle()
