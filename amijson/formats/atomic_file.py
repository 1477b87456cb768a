"""``--output FILE``: the text written to FILE atomically, and nothing else touched.

What it promises (docs/monitoring.md, "--output"):

* A reader sees the old FILE or the new one, never a part: the text goes to a
  temporary file in FILE's folder, is flushed to disk, then renamed over FILE.
* Every step works on descriptors, never on a path that another user could swap
  in between: the folder is opened once and everything else is relative to it;
  the temporary file is created there with ``O_CREAT | O_EXCL | O_NOFOLLOW`` (it
  cannot be someone else's file nor a link), and its mode is set with ``fchmod``
  on the open file. amijson running as root in a folder another user owns (the
  textfile folder belongs to ``prometheus``) never changes the mode of, nor
  writes to, a file that user points it at.
* A folder that everyone may write to without the sticky bit (``o+w``, no
  ``+t``) is refused: any user could replace FILE there.
* The mode: FILE's own when it exists as a regular file (an admin's 0600 or 0444
  stays); a new FILE is 0644 less what the umask takes away (readable by the
  collector's user; umask 000 does not make it writable by everyone).
* The temporary name is short (``.amijson.<16 hex>.tmp``, which the textfile
  collector skips), so any name the file system takes for FILE works; a name it
  cannot take (longer than the folder's ``NAME_MAX``) is refused before anything
  connects.
"""

import os
import stat

from amijson.errors import AmijsonError

NEW_FILE_MODE = 0o644
TEMPORARY_PREFIX = ".amijson."
TEMPORARY_SUFFIX = ".tmp"
_ATTEMPTS = 16  # O_EXCL names taken by chance (or by another user) before giving up


def writable_path(path):
    """``--output``'s file, when it can be written: its folder exists, this user may write
    there, others may not replace it, and the name fits the file system. A usage error
    otherwise, before anything connects."""
    from amijson.inputs import shown, text
    path = text("--output", path)
    if not path or path.endswith("/") or os.path.isdir(path):
        raise AmijsonError("usage", "--output names a file, not a folder: %s" % shown(path))
    folder, name = os.path.split(os.path.abspath(path))
    if name in (".", ".."):
        raise AmijsonError("usage", "--output names a file, not a folder: %s" % shown(path))
    if not os.path.isdir(folder):
        raise AmijsonError("usage", "--output: the folder %s does not exist" % shown(folder))
    if not os.access(folder, os.W_OK | os.X_OK):
        raise AmijsonError("usage", "--output: this user may not write in %s" % shown(folder))
    _check_folder(os.stat(folder), folder)
    try:
        name_max = os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        name_max = 255
    if len(os.fsencode(name)) > name_max:
        raise AmijsonError("usage", "--output: the file name is %d bytes long, and %s takes at most %d: %s"
                           % (len(os.fsencode(name)), shown(folder), name_max, shown(name)))
    return path


def _check_folder(status, folder):
    """Refuse a folder every user may write to without the sticky bit: any of them could
    replace FILE (or the temporary file) there, whatever amijson does."""
    from amijson.inputs import shown
    if status.st_mode & stat.S_IWOTH and not status.st_mode & stat.S_ISVTX:
        raise AmijsonError("usage", "--output: every user may write in %s and it has no sticky bit, so any of "
                                    "them could replace the file: chmod o-w or +t it" % shown(folder))


def new_file_mode():
    """0644 less what the umask takes away."""
    mask = os.umask(0)  # the only way to read it; set back at once (one thread runs here)
    os.umask(mask)
    return NEW_FILE_MODE & ~mask


def write_atomically(path, data):
    """Write ``data`` to ``path``: readers see the old file or the new one, and nothing but
    the temporary file amijson created itself is written or has its mode set."""
    folder, name = os.path.split(os.path.abspath(path))
    folder_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        _check_folder(os.fstat(folder_fd), folder)
        try:  # FILE's own mode, from FILE itself: a link there is not followed
            found = os.stat(name, dir_fd=folder_fd, follow_symlinks=False)
            mode = stat.S_IMODE(found.st_mode) if stat.S_ISREG(found.st_mode) else new_file_mode()
        except FileNotFoundError:
            mode = new_file_mode()
        temporary, fd = _create_temporary(folder_fd)
        try:
            with os.fdopen(fd, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fchmod(stream.fileno(), mode)  # on the file amijson holds open, never by its name
                os.fsync(stream.fileno())
            os.rename(temporary, name, src_dir_fd=folder_fd, dst_dir_fd=folder_fd)
        except BaseException:
            try:
                os.unlink(temporary, dir_fd=folder_fd)
            except OSError:
                pass
            raise
        try:
            os.fsync(folder_fd)  # the rename itself, on disk
        except OSError:
            pass
    finally:
        os.close(folder_fd)


def _create_temporary(folder_fd):
    """(name, descriptor) of a new, empty file in the folder, made by this call: O_EXCL
    fails on any name that exists, a link included, and O_NOFOLLOW never goes through one."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    for _ in range(_ATTEMPTS):
        name = TEMPORARY_PREFIX + os.urandom(8).hex() + TEMPORARY_SUFFIX
        try:
            return name, os.open(name, flags, 0o600, dir_fd=folder_fd)
        except FileExistsError:
            continue
    raise FileExistsError(17, "no free temporary name after %d attempts" % _ATTEMPTS)
