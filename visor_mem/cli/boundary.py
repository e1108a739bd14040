"""The one error boundary of the ``visor`` command.

Every exception that leaves a command ends here and becomes one line on
stderr plus an exit code:

=====================================  =====  ======================================
exception                              exit   stderr
=====================================  =====  ======================================
``VisorError``                         its    ``str(exc)`` (``file:line:col: field: msg``)
                                       code   (ConfigError/StoreError/UsageError: 2)
click usage errors                     2      click's usage message
Ctrl-C, SIGTERM/HUP/QUIT               130   ``interrupted``
``ReaderGone`` (``visor … | head``)    141    nothing (128 + SIGPIPE, as a shell would)
anything else                          70     ``visor: internal error: Type: msg (details in LOG)``
=====================================  =====  ======================================

70 is ``EX_SOFTWARE`` from sysexits.h: it keeps a bug in visor apart from
exit 1 (a step failed) and 2 (the user's input was wrong), so CI scripts can
tell them apart.  The traceback goes to a log file, not the terminal.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TextIO

import click

from visor_mem.errors import VisorError

EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141
EXIT_USAGE = 2

STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)
"""Handled like Ctrl-C (SIGINT, which Python already turns into KeyboardInterrupt)."""


class ReaderGone(Exception):
    """Whoever read our stdout has gone (``visor run -o json | head -1``).

    Commands raise it in place of ``BrokenPipeError``, which click would turn
    into a silent ``sys.exit(1)``: exit 1 means "a step failed" here.
    """


def guarded(command: Callable[[], int], stderr: TextIO | None = None) -> int:
    """Run ``command``; turn whatever it raises into a message on stderr and an exit code."""
    err = stderr if stderr is not None else sys.stderr
    try:
        with sigterm_as_interrupt():
            return command()
    except VisorError as exc:
        _say(err, str(exc))
        return exc.exit_code
    except click.ClickException as exc:
        exc.show(file=err)
        return EXIT_USAGE
    except (KeyboardInterrupt, click.Abort):
        _say(err, "interrupted")
        return EXIT_INTERRUPTED
    except ReaderGone:
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except Exception as exc:
        log = write_crash_log(exc, os.environ)
        _say(err, f"visor: internal error: {type(exc).__name__}: {_first_line(exc)} (details in {log})")
        return EXIT_INTERNAL


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """While inside, SIGTERM (and SIGHUP, SIGQUIT) raise ``KeyboardInterrupt`` in the main thread.

    CI runners and ``timeout(1)`` stop jobs with SIGTERM; handling it like
    Ctrl-C lets the engine close the store through its normal unwinding
    (committed steps kept, nothing torn), kill every command's process group
    (no command outlives the run: a closed terminal sends SIGHUP) and exit 130.
    """
    if not _in_main_thread():
        yield
        return
    previous = {signum: signal.signal(signum, _raise_interrupt) for signum in STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def write_crash_log(exc: BaseException, environ: Mapping[str, str]) -> Path:
    """Write the traceback of ``exc`` to a new log file and return its path."""
    import traceback  # here, not at the top: only a crash pays for it (start-up matters)

    text = "".join(traceback.format_exception(exc))
    name = f"crash-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"
    for folder in _log_folders(environ):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / name
            path.write_text(text, encoding="utf-8")
        except OSError:
            continue
        return path
    # Nowhere writable: the message must still say something useful.
    return Path(os.devnull)


def _log_folders(environ: Mapping[str, str]) -> list[Path]:
    """Where crash logs may go, best first (XDG state dir, then the temp dir)."""
    import tempfile  # only a crash pays for it

    state = environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return [Path(state) / "visor", Path(tempfile.gettempdir()) / "visor"]


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else ""


def _say(stream: TextIO, line: str) -> None:
    stream.write(line + "\n")
    stream.flush()


def _silence_stdout() -> None:
    """After EPIPE, point stdout at /dev/null so the interpreter's final flush stays quiet."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass  # stdout is not a real file (tests); nothing will be flushed to a pipe
    finally:
        os.close(devnull)
