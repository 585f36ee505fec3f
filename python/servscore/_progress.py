"""Progress on standard error for long jobs, drawn only when the stream is a terminal.

:class:`Progress` is a context manager: with a ``total`` it draws a bar that :meth:`Progress.update`
moves; without one (a single long call into the compiled core, which releases the GIL) a
background thread redraws a spinner with the elapsed seconds. Nothing is written before
``delay`` seconds (:data:`DELAY`) (short calls stay silent), nothing at all to a stream that is not a
terminal, and nothing when progress is switched off (:func:`set_progress`, the CLI's
``--quiet``, or ``enabled=False``). Leaving the block, also by Ctrl-C (KeyboardInterrupt),
erases the line; the exception goes on.

>>> import io
>>> from servscore._progress import Progress
>>> out = io.StringIO()  # not a terminal: nothing is drawn
>>> with Progress("bootstrap", total=10, stream=out) as bar:
...     bar.update(10)
>>> out.getvalue()
''
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from types import TracebackType
from typing import IO, TypeVar

T = TypeVar("T")

#: the package's logger: what was read, skipped and assumed (the CLI adds the only handler)
log = logging.getLogger("servscore")
log.addHandler(logging.NullHandler())  # a library logs; the application decides where it goes

_enabled: bool | None = None  # None: draw whenever stderr is a terminal
_active: list[Progress] = []  # the bars of the blocks running now, innermost last

#: frames of the spinner shown while the length of a job is unknown
SPINNER = "|/-\\"
BAR_WIDTH = 30
#: seconds a job runs before its bar is drawn (shorter jobs draw nothing)
DELAY = 0.5


def set_progress(enabled: bool | None) -> None:
    """Switch progress bars on standard error off (``False``), back to automatic (``None``:
    drawn when standard error is a terminal) or on (``True``, still only on a terminal)."""
    global _enabled  # noqa: PLW0603 - one process-wide default, set by the user or the CLI
    _enabled = enabled


def get_progress() -> bool | None:
    """The setting of :func:`set_progress`."""
    return _enabled


def current() -> Progress | None:
    """The innermost :class:`Progress` block running now (a command's bar that its steps move)."""
    return _active[-1] if _active else None


def stage(label: str, total: int | None = None) -> Progress | None:
    """Start the step ``label`` (of ``total`` steps; None: a spinner) of the innermost running
    :class:`Progress` block, if any, and return that block (None when no block runs)."""
    bar = current()
    if bar is not None:
        bar.stage(label, total)
    return bar


def _isatty(stream: IO[str]) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # a closed or unusual stream
        return False


class Progress:
    """A progress bar (``total`` given) or spinner (``total=None``) on ``stream`` (default:
    standard error) while the block runs; drawn only when the stream is a terminal and
    progress is not switched off. ``enabled`` overrides :func:`set_progress` for this bar."""

    def __init__(
        self,
        label: str,
        total: int | None = None,
        *,
        stream: IO[str] | None = None,
        enabled: bool | None = None,
        delay: float | None = None,
        interval: float = 0.1,
    ) -> None:
        self.label = label
        self.total = total
        self.done = 0
        self.stream = stream if stream is not None else sys.stderr
        on = _enabled if enabled is None else enabled
        self.active = on is not False and _isatty(self.stream)
        self.delay = DELAY if delay is None else delay
        self.interval = interval
        self._start = 0.0
        self._drawn = 0  # width of what is on the line now
        self._frame = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Progress:
        self._start = time.monotonic()
        _active.append(self)
        if self.active:  # the ticker redraws while the main thread waits in the core
            self._thread = threading.Thread(target=self._tick, name="servscore-progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._stop.set()
        if self in _active:
            _active.remove(self)
        if self._thread is not None:
            self._thread.join()
        with self._lock:
            if self._drawn:
                self.stream.write("\r" + " " * self._drawn + "\r")
                self.stream.flush()
                self._drawn = 0

    def stage(self, label: str, total: int | None = None) -> None:
        """Start a new step of the job: ``label``, and ``total`` steps (None: a spinner)."""
        with self._lock:
            self.label, self.total, self.done = label, total, 0
        if self.active and time.monotonic() - self._start >= self.delay:
            self._draw()

    def update(self, n: int = 1) -> None:
        """``n`` more steps of ``total`` done."""
        self.done += n
        if self.active and time.monotonic() - self._start >= self.delay:
            self._draw()

    def _tick(self) -> None:
        if self._stop.wait(self.delay):
            return
        while not self._stop.is_set():
            self._draw()
            self._stop.wait(self.interval)

    def line(self) -> str:
        """What the bar shows now (also when it is not drawn)."""
        secs = time.monotonic() - self._start
        if self.total:
            share = min(1.0, self.done / self.total)
            bar = "#" * int(BAR_WIDTH * share)
            return f"{self.label} [{bar:<{BAR_WIDTH}}] {100 * share:5.1f}% {secs:4.0f} s"
        self._frame += 1
        return f"{self.label} {SPINNER[self._frame % len(SPINNER)]} {secs:4.0f} s"

    def _draw(self) -> None:
        with self._lock:
            if self._stop.is_set() and self._thread is not None and threading.current_thread() is self._thread:
                return
            text = self.line()
            pad = max(0, self._drawn - len(text))
            self.stream.write("\r" + text + " " * pad)
            self.stream.flush()
            self._drawn = len(text)


def progress_iter(items: Iterable[T], label: str, total: int | None = None, **kwargs: object) -> Iterator[T]:
    """Iterate ``items`` under a :class:`Progress` bar advanced by one per item."""
    if total is None:
        try:
            total = len(items)  # type: ignore[arg-type]
        except TypeError:
            total = None
    with Progress(label, total, **kwargs) as bar:  # type: ignore[arg-type]
        for item in items:
            yield item
            bar.update()
