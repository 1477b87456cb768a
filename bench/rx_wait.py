"""Reference for scripts/bench: the least any Python wrapper of ``asterisk -rx`` costs.

Starts the interpreter, runs ``asterisk -rx "core show channels concise"``
with this process's own stdout (the bench reads it, as it reads asterisk -rx
alone), and waits for it. It reads nothing and writes nothing itself, so its
time over ``asterisk -rx`` is the interpreter's start and one spawn: what the
rx target's allowance (1.25 x ``python -c pass``) has to cover before any output
is parsed. The executable: AMIJSON_ASTERISK.
"""
import os

asterisk = os.environ["AMIJSON_ASTERISK"]
pid = os.posix_spawn(asterisk, [asterisk, "-rx", "core show channels concise"], os.environ)
os.waitpid(pid, 0)
