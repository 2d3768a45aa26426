"""Peak memory of a block of code in this process, from Linux's own count: the peak resident
size (VmHWM) is reset before the block (/proc/self/clear_refs) and read after it."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

_STATUS = Path("/proc/self/status")


def _kib(field: str) -> int:
    for line in _STATUS.read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


@contextmanager
def peak_growth_mb() -> Iterator[Callable[[], float]]:
    """``with peak_growth_mb() as grown: …`` then ``grown()``: how far the peak resident size
    rose above the size at the start, in MB."""
    Path("/proc/self/clear_refs").write_text("5")  # reset the peak to the current size
    start = _kib("VmRSS")
    result: list[float] = []
    try:
        yield lambda: result[0]
    finally:
        result.append((_kib("VmHWM") - start) / 1024)
