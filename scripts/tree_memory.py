"""The peak memory of this process and its children together (the GeoPackage store's writer
processes), for the benchmark scripts: the proportional set size (PSS: a page shared by n processes
counts 1/n in each) from /proc/PID/smaps_rollup, sampled in a thread. RSS would count twice the
pages a child shares with this process between its fork and its exec; ru_maxrss gives the largest
process, not the sum."""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path


def pss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    return 0


def children(pid: int) -> list[int]:
    """Every descendant of ``pid`` (from each thread's children file)."""
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            for child in (task / "children").read_text().split():
                out.append(int(child))
                out.extend(children(int(child)))
    return out


class TreePeak:
    """``with TreePeak() as peak: …`` then ``peak.mb``: the largest PSS sum of this process and
    its descendants, sampled every ``interval`` seconds."""

    def __init__(self, interval: float = 0.1) -> None:
        self.interval, self.peak = interval, 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "TreePeak":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        self._thread.join()

    @property
    def mb(self) -> float:
        return self.peak / 2**20

    def _run(self) -> None:
        me = os.getpid()
        while not self._done.wait(self.interval):
            total = 0
            for pid in [me, *children(me)]:
                with contextlib.suppress(OSError):
                    total += pss_bytes(pid)
            self.peak = max(self.peak, total)
