"""amijson: one Asterisk Manager Interface action or CLI command, printed as one JSON document."""

__version__ = "0.1.0"


class CodeBundle:
    """Imports amijson's modules from the one file the build wrote (setup.py), so that a run
    reads one file instead of one per module (docs/design.md, "The code bundle").

    ``table`` maps a module's dotted name to (its path under ``root``, the size its source had,
    whether it is a package, where its marshalled code starts and ends after ``base`` in the
    open file ``fd``: read when imported, so a run reads only the code it runs). A module whose source is gone or changed size
    is left to Python's own import, as is every module the bundle lacks."""

    def __init__(self, root, table, fd, base):
        self.root = root
        self.table = table
        self.fd = fd
        self.base = base

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
        from os import pread

        start, end = self.table[module.__name__][3:]
        exec(loads(pread(self.fd, end - start, self.base + start)), module.__dict__)


def _use_code_bundle():
    import os
    import sys

    folder = __path__[0]
    try:
        # Kept open for the run (close-on-exec): reading the whole file would cost more than
        # reading, as each import comes, only the code the run needs.
        fd = os.open("%s/codebundle.%s.marshal" % (folder, sys.implementation.cache_tag),
                     os.O_RDONLY | os.O_CLOEXEC)
    except (OSError, AttributeError):
        return  # a source checkout or an editable install: no bundle
    from marshal import loads

    length = int.from_bytes(os.pread(fd, 4, 0), "little")
    magic, table = loads(os.pread(fd, length, 4))
    if magic == sys.modules["_frozen_importlib_external"].MAGIC_NUMBER:
        sys.meta_path.insert(0, CodeBundle(folder.rpartition("/")[0] + "/", table, fd, 4 + length))
    else:
        os.close(fd)


_use_code_bundle()
