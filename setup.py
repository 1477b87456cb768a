"""setuptools' own build (pyproject.toml holds the metadata), plus amijson's code bundle.

A run imports some twenty of amijson's modules, and reading each one's file costs more than
its code: the bundle holds every module's compiled code in one file, which amijson/__init__.py
reads once (docs/design.md, "The code bundle"). The sources stay one module per concern; the
bundle is made here, by the interpreter that builds the wheel, and used only by that Python
version (its magic number) and only for a module whose source still has the size it had.
An editable install gets no bundle: its sources change under it.
"""

import importlib.util
import marshal
import os
import sys

PACKAGE = "amijson"


def bundle_name():
    return "codebundle.%s.marshal" % sys.implementation.cache_tag


def write_bundle(build_lib):
    """Compile every module of the package under build_lib into one file in the package."""
    table = {}
    codes = []
    offset = 0
    top = os.path.join(build_lib, PACKAGE)
    for folder, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if not name.endswith(".py"):
                continue
            path = os.path.join(folder, name)
            relative = os.path.relpath(path, build_lib).replace(os.sep, "/")
            dotted = relative[:-3].replace("/", ".")
            is_package = name == "__init__.py"
            if is_package:
                dotted = dotted[:-len(".__init__")]
            if dotted == PACKAGE:
                continue  # it reads the bundle, so it is imported the usual way
            with open(path, "rb") as handle:
                source = handle.read()
            # The relative name is what tracebacks show; linecache finds it on sys.path.
            # Without docstrings (nothing reads them at run time), a fifth less to read.
            code = compile(source, relative, "exec", dont_inherit=True, optimize=2)
            blob = marshal.dumps(code)
            table[dotted] = (relative, len(source), is_package, offset, offset + len(blob))
            offset += len(blob)
            codes.append(blob)
    # The index, then every module's code: a run unmarshals the index and only the code it imports.
    index = marshal.dumps((importlib.util.MAGIC_NUMBER, table))
    with open(os.path.join(top, bundle_name()), "wb") as handle:
        handle.write(len(index).to_bytes(4, "little") + index + b"".join(codes))


if __name__ == "__main__":  # setuptools runs it so; tests import write_bundle alone
    from setuptools import setup
    from setuptools.command.build_py import build_py

    class BuildWithBundle(build_py):
        def run(self):
            super().run()
            if not getattr(self, "editable_mode", False):
                write_bundle(self.build_lib)

    setup(cmdclass={"build_py": BuildWithBundle})
