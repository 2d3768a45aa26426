"""The download files of an app, on disk: each (layer, format, CRS) is written once per version
(and approvals) into a folder of this process in the system's temporary folder, then sent from
there (``send_file``: ranges, ETag, Last-Modified), never held in memory. A GeoPackage of a
million parcels is hundreds of MB.

Where: the system's temporary folder, named as ``scratch`` names its folders
(``gis-downloads-<pid>-<random>``), so it works for a PostGIS store too and for a store on a
read-only disk; it is removed when the process ends, and a killed server's folder is removed by
the next process that makes a scratch folder (``scratch.remove_orphans``). The files of the last
``KEEP`` versions are kept; older versions' files are removed when a new version's are made."""

from __future__ import annotations

import atexit
import ctypes
import os
import shutil
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Hashable

from ..scratch import remove_orphans, scratch_dir

#: versions whose files are kept (the published one, the newest, a few a planner looked at)
KEEP = 4


@dataclass(frozen=True)
class Built:
    path: Path
    filename: str   # the name the file is downloaded under
    media_type: str


class DownloadFiles:
    def __init__(self, keep: int = KEEP) -> None:
        self.keep = keep
        self._folder: Path | None = None
        self._lock = threading.Lock()  # guards the tables below
        self._building: dict[tuple, threading.Lock] = {}
        self._built: dict[tuple, Built] = {}
        self._versions: OrderedDict[Hashable, Path] = OrderedDict()

    def get(self, token: Hashable, key: str, build: Callable[[Path], tuple[Path, str, str]]) -> Built:
        """The file of ``key`` at ``token`` (version, approvals): made once by ``build(folder)``
        (which writes into the empty ``folder`` and returns the file, its name and media type);
        a request asking for a file being made waits for it."""
        with self._lock:
            found = self._built.get((token, key))
            if found is not None and found.path.exists():
                self._versions.move_to_end(token)
                return found
            building = self._building.setdefault((token, key), threading.Lock())
        with building:
            with self._lock:
                found = self._built.get((token, key))
                if found is not None and found.path.exists():
                    return found
                folder = self._version_folder(token)
            with scratch_dir("export") as work:  # a killed build leaves nothing in the kept folder
                try:
                    path, filename, media = build(work)
                finally:
                    _release_memory()
                kept = Path(tempfile.mkdtemp(dir=folder)) / path.name
                os.replace(path, kept)
            with self._lock:
                built = self._built[(token, key)] = Built(kept, filename, media)
                self._building.pop((token, key), None)
                return built

    def _version_folder(self, token: Hashable) -> Path:
        """The folder of a version's files (under the lock); the oldest versions' beyond ``keep``
        are removed with their files."""
        if token not in self._versions or not self._versions[token].exists():
            self._versions[token] = Path(tempfile.mkdtemp(prefix="v-", dir=self._root()))
            while len(self._versions) > self.keep:
                old, path = self._versions.popitem(last=False)
                self._built = {k: v for k, v in self._built.items() if k[0] != old}
                shutil.rmtree(path, ignore_errors=True)
        self._versions.move_to_end(token)
        return self._versions[token]

    def _root(self) -> Path:
        if self._folder is None or not self._folder.exists():
            base = Path(tempfile.gettempdir())
            remove_orphans(base)
            self._folder = Path(tempfile.mkdtemp(prefix=f"gis-downloads-{os.getpid()}-", dir=base))
            atexit.register(shutil.rmtree, self._folder, True)
        return self._folder

    def close(self) -> None:
        """Remove every file (the app is done)."""
        with self._lock:
            if self._folder is not None:
                shutil.rmtree(self._folder, ignore_errors=True)
            self._folder, self._built, self._versions = None, {}, OrderedDict()


def _release_memory() -> None:
    """Give the slices' freed memory back to the system: glibc keeps what a thread freed in that
    thread's arena, and each download may run on another of the server's threads."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass
