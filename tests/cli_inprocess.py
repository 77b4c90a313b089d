"""``python -m dashboard …`` called in the test's own process: its ``main(argv)`` with stdout and stderr
captured, as a :class:`subprocess.CompletedProcess`.

For tests whose point is what a command does, not that it starts as a process of its own: a new
interpreter pays about a second of imports per command (issue 16).  Tests of processes (parallel
readers, a killed backup, the loader's sandbox) keep their subprocesses.
"""

from __future__ import annotations

import contextlib
import contextvars
import io
import subprocess


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """Run the dashboard command line with ``args``; an uncaught exception propagates (a traceback)."""
    from dashboard.__main__ import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            # in a copy of the context: the command sets who acts (erasure.ACTOR) for its own run only
            code = contextvars.copy_context().run(main, list(args))
        except SystemExit as exit_:  # argparse's errors
            code = exit_.code if isinstance(exit_.code, int) else 1
    return subprocess.CompletedProcess(["python", "-m", "dashboard", *args], code or 0, out.getvalue(), err.getvalue())
