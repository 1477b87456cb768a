"""Reading the files a run is pointed at (config, secret file, manager.conf).

Only regular files are read, and only up to a size limit: a FIFO would block
the run past its deadline before the first byte, and ``/dev/zero`` (or a config
that ``#include``s it) would grow without end. The file is opened without
blocking and checked on the open descriptor, so nothing can be swapped in
between the check and the read.
"""

import os
import stat

MAX_CONFIG_BYTES = 1 << 20  # a config file, or one file it includes; real ones are a few KiB
MAX_SECRET_BYTES = 4096  # a secret file holds one line


class FileRefused(OSError):
    """Not a regular file, or larger than the limit: ``strerror`` says which."""


def read_regular(path, limit):
    """The bytes of regular file ``path``, at most ``limit`` of them (else FileRefused)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise FileRefused(0, "not a regular file (%s)" % _kind(info.st_mode), path)
        if info.st_size > limit:
            raise FileRefused(0, "larger than %d bytes" % limit, path)
        pieces = []
        size = 0
        while True:
            piece = os.read(fd, limit + 1 - size)
            if not piece:
                return b"".join(pieces)
            pieces.append(piece)
            size += len(piece)
            if size > limit:  # grew since the fstat
                raise FileRefused(0, "larger than %d bytes" % limit, path)
    finally:
        os.close(fd)


def _kind(mode):
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a device"),
                       (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a file"
