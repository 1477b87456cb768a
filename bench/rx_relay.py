"""Reference for scripts/bench: a Python process that passes ``asterisk -rx`` output through.

Runs ``asterisk -rx "core show channels concise"`` with its stdout on a pipe,
reads the pipe until the end and writes the bytes to its own stdout
unchanged: the cost of moving the output through a Python process, before any
parsing or JSON. The executable: AMIJSON_ASTERISK.
"""
import os

asterisk = os.environ["AMIJSON_ASTERISK"]
read_end, write_end = os.pipe()
pid = os.posix_spawn(asterisk, [asterisk, "-rx", "core show channels concise"], os.environ,
                     file_actions=[(os.POSIX_SPAWN_DUP2, write_end, 1)])
os.close(write_end)
chunks = []
while True:
    chunk = os.read(read_end, 65536)
    if not chunk:
        break
    chunks.append(chunk)
os.waitpid(pid, 0)
os.write(1, b"".join(chunks))
