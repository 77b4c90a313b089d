"""Parsing untrusted files in a subprocess (隔离读取) with a memory and a time limit.

A reader can abort the whole process on a crafted file (python-calamine allocating
512 GiB for a cell at XFD1048576, MEASURED.md), so :func:`analyse_isolated` runs
:func:`loaders.analysis.analyse_file` in a child forked from a forkserver that has the
readers imported already (tens of milliseconds a file, not a fresh interpreter).  The
child gets an address-space limit; the parent kills it after the time limit.  If it
dies, only it dies, and the caller gets a FileReport whose error says why.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import resource
import sys
import threading
import time
import traceback
import types
from multiprocessing.connection import Connection

from core.labels import t
from loaders import limits
from loaders.analysis import FileReport, analyse_file
from loaders.safety import FileError, check_file

_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload(["loaders.warmup"])  # readers imported and warmed once
_LOCK = threading.Lock()  # one parse at a time: two children could each take the memory limit


def _address_space() -> int:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[0])
    return pages * os.sysconf("SC_PAGE_SIZE")


def _check_only(data: bytes, file_name: str) -> FileReport | None:
    """The pre-parse checks alone (loaders.safety): None when the file passes, else its refusal."""
    try:
        check_file(data, file_name)
    except FileError as err:
        return FileReport(file_name, hashlib.sha256(data).hexdigest(), error=str(err))
    return None


def _child(conn: Connection, data: bytes, file_name: str, options: dict, memory_mb: int, work=analyse_file) -> None:
    os.environ["RUST_BACKTRACE"] = "0"  # a reader that aborts says one line, not a stack trace
    cap = _address_space() + memory_mb * limits.MB
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    try:
        conn.send(work(data, file_name, **options))
    except MemoryError:
        conn.send(FileReport(file_name, hashlib.sha256(data).hexdigest(), error=t("file.reader_crashed")))
    except Exception as err:  # noqa: BLE001 - a bug of ours must not look like a bad file, nor vanish
        # The place of the bug goes into the message (no traceback on the user's terminal).
        frame = traceback.extract_tb(err.__traceback__)[-1]
        where = f"{os.path.basename(frame.filename)}:{frame.lineno}"
        message = t("file.internal_error", error=f"{type(err).__name__}: {str(err)[:200]} @ {where}")
        conn.send(FileReport(file_name, hashlib.sha256(data).hexdigest(), error=message))
    finally:
        conn.close()


def _start_without_main(child: multiprocessing.process.BaseProcess) -> None:
    """Start ``child`` without multiprocessing re-running the __main__ module in it.

    Streamlit runs each page script as ``__main__``; multiprocessing would execute it again
    in the child to rebuild the main module.  The child needs nothing from __main__, so
    a bare module stands in while the start-up data is taken.
    """
    real = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        child.start()
    finally:
        sys.modules["__main__"] = real


def analyse_isolated(
    data: bytes,
    file_name: str,
    *,
    seconds: float = limits.PARSE_SECONDS,
    memory_mb: int = limits.PARSE_MEMORY_MB,
    **options: object,
):
    """:func:`loaders.analysis.analyse_file` in a limited subprocess; same arguments and result.

    A child that is killed, aborts or runs out of memory gives a FileReport with
    error 文件过大或格式异常; one that runs past ``seconds`` is killed and reported.
    Raises nothing for a bad file.
    """
    sha = hashlib.sha256(data).hexdigest()
    check = options.pop("check", True)
    deadline = time.monotonic() + seconds
    with _LOCK:
        # The pre-parse checks (loaders.safety) run in the reading child beside the reader, on the other
        # core: a file they refuse is refused with their reason the moment they find it, and the child,
        # whatever it has read, is killed unheard.  A reader that crashes the child before the checks
        # have spoken (a crafted file can abort it at once) gets them again in a child of their own,
        # so that the user still hears why.
        options["check"] = "alongside" if check else False
        reading = _spawn(data, file_name, options, memory_mb, analyse_file)
        try:
            report = _wait(reading, file_name, sha, deadline, seconds)
        finally:
            _end(*reading)
        crashed = FileReport(file_name, sha, error=t("file.reader_crashed"))
        report = report or crashed
        if check and report.error == crashed.error:
            checking = _spawn(data, file_name, {}, memory_mb, _check_only)
            try:
                refusal = _wait(checking, file_name, sha, deadline, seconds)
            finally:
                _end(*checking)
            if refusal is not None and refusal.error not in (crashed.error, _timeout(seconds)):
                return refusal
        return report


def _spawn(data: bytes, file_name: str, options: dict, memory_mb: int, work):
    receiver, sender = _CONTEXT.Pipe(duplex=False)
    child = _CONTEXT.Process(target=_child, args=(sender, data, file_name, options, memory_mb, work), daemon=True)
    _start_without_main(child)
    sender.close()
    return child, receiver


def _wait(spawned, file_name: str, sha: str, deadline: float, seconds: float) -> FileReport | None:
    """What a child sent (a FileReport, or None from a check that passed), or the report of its end."""
    _, receiver = spawned
    if receiver.poll(max(0.0, deadline - time.monotonic())):
        try:
            return receiver.recv()
        except (EOFError, OSError):
            return FileReport(file_name, sha, error=t("file.reader_crashed"))
    return FileReport(file_name, sha, error=_timeout(seconds))


def _timeout(seconds: float) -> str:
    return t("file.reader_timeout", seconds=int(seconds))


def _end(child, receiver) -> None:
    receiver.close()
    if child.is_alive():
        child.kill()
    child.join(5)
