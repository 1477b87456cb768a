"""A child process without subprocess (amijson/childprocess.py): what asterisk -rx would be
when the control socket cannot be used. Real children (/bin/sh), no stand-ins."""

import os

import pytest

from amijson.childprocess import Process, run_process


def test_exit_code_stdout_and_stderr_come_back():
    code, out, err = run_process(["/bin/sh", "-c", "echo out; echo err >&2; exit 3"], 10)
    assert (code, out, err) == (3, b"out\n", b"err\n")


def test_a_reader_gets_the_output_as_it_comes_then_the_end():
    pieces = []

    class Consumer:
        def feed(self, data, final):
            pieces.append((data, final))

    code, out, _ = run_process(["/bin/sh", "-c", "printf 'a\\n'; sleep 0.1; printf 'b\\n'"], 10, lambda: Consumer())
    assert code == 0 and out == b"a\nb\n"
    assert b"".join(data for data, _ in pieces) == out and pieces[-1] == (b"", True)
    assert all(not final for _, final in pieces[:-1])


def test_a_child_past_its_time_is_killed_and_reaped():
    child = Process(["/bin/sh", "-c", "sleep 30"])
    with pytest.raises(TimeoutError):
        child.wait(0.2)
    with pytest.raises(ChildProcessError):  # already reaped: nothing left behind
        os.waitpid(child.pid, os.WNOHANG)


def test_several_children_run_at_once_and_are_waited_for_in_turn():
    children = [Process(["/bin/sh", "-c", "echo %d" % n]) for n in range(5)]
    assert [child.wait(10)[1] for child in children] == [b"%d\n" % n for n in range(5)]
