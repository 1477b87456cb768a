"""Facts about CLI output text that hold whichever way it was fetched.

Asterisk 14 and newer flag a failed CLI command with ``Response: Error``. The
Command reply of Asterisk 13 and older (``Response: Follows``) and
``asterisk -rx`` (which exits 0 whatever happened) carry no such flag: the
failure is only in the text, written by main/cli.c. ``cli_failure`` reads it
there so every route reports the same failure.
"""


def output_lines(text):
    """CLI text to lines as AMI's ``Output:`` format does it: exactly one
    trailing newline removed, the rest split on ``\\n``."""
    if text.endswith("\n"):
        text = text[:-1]
    if "\r" not in text:
        return text.split("\n")
    return [line[:-1] if line.endswith("\r") else line for line in text.split("\n")]


def cli_failure(lines, command):
    """The failure message when ``lines`` are the CLI's failure text, else None."""
    first = next((line.strip() for line in lines if line.strip()), "")
    if first.startswith("No such command '"):
        return first
    if first.startswith("Command '") and (first.endswith("' failed.") or first.endswith("during shutdown")):
        return first
    if first.startswith("You don't have permissions to run '"):
        return first
    # A usage text is the handler's answer to bad syntax, except when usage is
    # what was asked for.
    asked_help = command.strip().lower().startswith(("help", "core show help"))
    if first.startswith("Usage: ") and not asked_help:
        return "usage error: " + first[len("Usage: "):]
    return None


def strip_ansi(text):
    """Remove ESC [ ... m colour sequences (what Asterisk's term_strip removes)."""
    if "\x1b" not in text:
        return text
    out = []
    i = 0
    while True:
        j = text.find("\x1b", i)
        if j < 0:
            out.append(text[i:])
            return "".join(out)
        out.append(text[i:j])
        k = j + 1
        if text[k:k + 1] == "[":
            k += 1
            while k < len(text) and (text[k].isdecimal() or text[k] == ";"):
                k += 1
            if text[k:k + 1] == "m":
                k += 1
        i = k
