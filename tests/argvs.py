"""Command lines for the property tests (tests/faults): arbitrary words, with every value that
could reach the network or the disk replaced by a local one, so nothing leaves loopback."""

from hypothesis import strategies as st

ANY_TEXT = st.text(st.characters(blacklist_categories=()), max_size=16)  # surrogates included
LOCAL = {"--host": "127.0.0.1", "--port": "9", "--timeout": "1", "--connect-timeout": "0.5", "--output": "/nonexistent/x",
         "--config": "/nonexistent", "--secret-file": "/nonexistent", "--profiles": "a,b", "--asterisk": "/nonexistent"}


def local(argv):
    """``argv`` with the value of each option in LOCAL (``--opt=V`` or ``--opt V``) made local."""
    out = list(argv)
    for i, word in enumerate(out):
        name, eq, _ = word.partition("=")
        if name in LOCAL:
            if eq:
                out[i] = name + "=" + LOCAL[name]
            elif i + 1 < len(out):
                out[i + 1] = LOCAL[name]
    return out
