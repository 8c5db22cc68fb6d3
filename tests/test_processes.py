"""A runtime's process that has ended counts as ended, even while it is still this process's unreaped child."""

import subprocess

from bansos360 import processes


def test_an_ended_child_is_not_alive_and_a_running_one_is():
    child = subprocess.Popen(["sleep", "60"], start_new_session=True)
    try:
        assert processes.alive(child.pid)
        processes.end_groups([child.pid], timeout=30)
        # a zombie is still found by kill(pid, 0); before this module a stop waited out its whole timeout for it
        assert not processes.alive(child.pid)
    finally:
        child.kill()
