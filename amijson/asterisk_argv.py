"""amijson as ``asterisk``: the command lines scripts use to run one CLI command.

When the command is started through a link named ``asterisk`` (argv[0]), or as
``amijson [options] asterisk ARGS``, ARGS are read as Asterisk's own ``main()``
reads them (getopt, ``BC:cde:FfG:ghIiL:M:mnpqRrs:TtU:VvWXx:`` in main/asterisk.c of
16 and 22): flags may be grouped (``-rvx``), ``-x`` takes the next word, or the
rest of its own (``-xcore show uptime``), as its value whatever it starts with
(the command is data, never an option), the last ``-x`` counts, and ``--`` ends
the options. What is accepted is what ``asterisk`` itself runs in remote-console
mode with ``-x``: ``-r``, ``-R``, ``-v``, ``-d``, ``-q``, ``-m``, ``-T``, ``-B``,
``-W``, ``-L N``, ``-M N``, which change nothing here, and ``-s SOCKET``, the
control socket, which is amijson's ``--console SOCKET`` (the socket the rx route
uses). The command goes to the PBX that amijson's own settings name (config file,
profile, environment), and its output is printed as ``--format text`` prints it.

Anything else is refused with ``not_asterisk`` (exit 8), in one line that says
this is amijson: no ``-x`` (an interactive console), options that start or
control a daemon (``-c``, ``-f``, ``-g``, ``-U``...), ``-V`` and ``-h``, and
``-C`` (another asterisk.conf: amijson reads no settings there, and running the
command on another PBX than the one asked would be worse).
"""


from amijson.errors import AmijsonError
from amijson.inputs import shown

# getopt's letters (main/asterisk.c): those that take a value.
WITH_VALUE = frozenset("CeGLMsUx")
# Accepted with -x: Asterisk itself runs them in remote-console mode.
REMOTE_OK = frozenset("BdLMmqRrsTvWx")
KNOWN = frozenset("BCcdeFfGghIiLMmnpqRrsTtUVvWXx")

WHY = {
    "c": "starts Asterisk with a console", "f": "starts Asterisk in the foreground",
    "F": "starts Asterisk as a daemon", "g": "makes Asterisk dump core", "G": "sets Asterisk's group",
    "U": "sets Asterisk's user", "e": "sets Asterisk's minimum free memory", "i": "initialises crypto keys",
    "I": "is an obsolete timing option", "n": "turns colour off in Asterisk's own console",
    "p": "runs Asterisk at high priority", "t": "caches Asterisk's record files",
    "X": "enables #exec in asterisk.conf", "V": "prints Asterisk's version", "h": "prints Asterisk's help",
    "C": "names another asterisk.conf",
}

NOT_ASTERISK = "this is amijson, not Asterisk: it runs one CLI command (asterisk -rx \"CMD\") on the PBX " \
               "its own settings name"


class AsteriskCommandLine:
    """What an ``asterisk`` command line asks: the one CLI ``command``, and the control
    socket of ``-s`` (``console``, or None)."""

    __slots__ = ("command", "console")

    def __init__(self, command, console):
        self.command = command
        self.console = console

    def apply(self, options):
        """``options`` (amijson's) for this command line: ``-s SOCKET`` as ``--console
        SOCKET``; the two naming different sockets is a usage error."""
        if self.console is None:
            return
        given = options.get("console")
        if given is not None and given != self.console:
            raise AmijsonError("usage", "asterisk -s %s and --console %s name two control sockets: give one"
                               % (shown(self.console), shown(given)))
        options["console"] = self.console


def as_asterisk(options, args, environ):
    """``asterisk ARGS`` (a link named asterisk, or ``amijson asterisk``): the verb and
    operands of the one CLI command ARGS run, printed as text; ``options`` take ``-s``."""
    options["as_asterisk"] = True
    if environ.get("AMIJSON_RUNNING") == "1":
        raise AmijsonError("not_asterisk", "%s; amijson started it as the asterisk executable of its rx "
                           "route: set AMIJSON_ASTERISK (or --asterisk) to the real asterisk" % NOT_ASTERISK)
    line = read(args)
    line.apply(options)
    return "command", [line.command]


def command(args):
    """The CLI command of an ``asterisk`` command line (``args``: the words after argv[0])."""
    return read(args).command


def read(args):
    """The ``AsteriskCommandLine`` of ``args`` (the words after argv[0]); AmijsonError
    ``not_asterisk`` for anything but one command to run."""
    console = None
    found = None
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "--":
            if i < len(args):
                raise _extra(args[i])
            break
        if not arg.startswith("-") or arg == "-":
            raise _extra(arg)
        if arg.startswith("--"):
            raise AmijsonError("not_asterisk", "%s; it has no option %s" % (NOT_ASTERISK, shown(arg)))
        j = 1
        while j < len(arg):
            letter = arg[j]
            j += 1
            if letter not in KNOWN:
                raise AmijsonError("not_asterisk", "%s; asterisk has no option %s" % (NOT_ASTERISK, shown("-" + letter)))
            if letter not in REMOTE_OK:
                raise AmijsonError("not_asterisk", "%s; -%s %s, which amijson does not do"
                                   % (NOT_ASTERISK, letter, WHY.get(letter, "is Asterisk's own")))
            if letter in WITH_VALUE:
                if j < len(arg):
                    value = arg[j:]
                elif i < len(args):
                    value = args[i]
                    i += 1
                else:
                    raise AmijsonError("usage", "asterisk: option -%s needs a value%s"
                                       % (letter, ': asterisk -rx "core show channels"' if letter == "x" else ""))
                if letter == "x":
                    found = value
                elif letter == "s":
                    console = _socket_path(value)
                break
    if found is None:
        raise AmijsonError("not_asterisk", "%s; give it -rx \"CMD\" (without -x, asterisk would open an "
                                           "interactive console)" % NOT_ASTERISK)
    if not found.strip():
        raise AmijsonError("usage", "asterisk -x: the CLI command is empty")
    return AsteriskCommandLine(found, console)


def _socket_path(value):
    """``-s``'s value as ``--console`` takes it: a path (``off``, the word that turns the
    socket off for ``--console``, is a file of that name here, as it is for asterisk)."""
    from amijson.inputs import text
    value = text("asterisk -s", value)
    if not value.strip():
        raise AmijsonError("usage", "asterisk -s: the control socket's path is empty")
    return "./off" if value == "off" else value


def _extra(word):
    return AmijsonError("usage", "asterisk: unexpected argument %s: the CLI command is one word after -x "
                                 "(quote it: asterisk -rx \"core show channels\")" % shown(word))


def real_asterisk(environ, own):
    """The first ``asterisk`` executable on PATH (then /usr/sbin...) that is not this
    program (``own``, its resolved path): the rx route must never start amijson's own
    link, which would ask itself again. None when there is none."""
    from amijson.rx import find_executable
    return find_executable(None, environ, skip=own)
