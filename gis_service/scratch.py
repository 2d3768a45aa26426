"""Scratch folders for uploads, archives being expanded and exports being packed: one way to make
them. Each is named ``gis-<kind>-<pid>-<random>`` in the system's temporary folder and removed when
its work ends; a process killed with SIGKILL runs no clean-up, so making a scratch folder first
removes the ones whose process no longer runs (what a killed server, build or import left).

A process in another PID namespace sharing the same temporary folder would look dead: give such
services their own TMPDIR."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

_NAME = re.compile(r"gis-[a-z]+-(\d+)-[\w-]+")


@contextmanager
def scratch_dir(kind: str) -> Iterator[Path]:
    """A new empty folder for this piece of work, removed with everything in it afterwards."""
    base = Path(tempfile.gettempdir())
    remove_orphans(base)
    path = Path(tempfile.mkdtemp(prefix=f"gis-{kind}-{os.getpid()}-", dir=base))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def remove_orphans(base: Path) -> list[Path]:
    """Remove the scratch folders in ``base`` whose process is gone; returns them."""
    removed = []
    for path in base.glob("gis-*"):
        match = _NAME.fullmatch(path.name)
        if match and path.is_dir() and not _running(int(match.group(1))):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it runs
        return True
    return True
