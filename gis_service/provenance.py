"""Where the store's layers came from: the checksum of each source file, kept in the store's
layer catalog at build time, and the check that the store still matches layers/ (after a
refused build the store holds the previous files' layers: validating it would check a plan that
is no longer on disk). No Flask here."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from .errors import InputError
from .layerio import file_sha256

#: the parts of a Shapefile whose change changes the layer
_SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")


def file_digest(path: Path) -> str:
    """sha256 of a layer's file; of a Shapefile, of its parts' checksums in order."""
    if path.suffix.lower() != ".shp":
        return file_sha256(path)
    parts = sorted(p for p in path.parent.glob(path.stem + ".*")
                   if p.stem == path.stem and p.suffix.lower() in _SHAPEFILE_PARTS)
    return hashlib.sha256("".join(file_sha256(p) for p in parts).encode()).hexdigest()


def changed_since_build(stored: pd.DataFrame, current: dict[str, Path]) -> list[str]:
    """The catalog layers whose file is not the one the store was built from: '<layer> ← <file>'.
    ``stored`` is the store's layer catalog, ``current`` each catalog layer's file now."""
    built = dict(zip(stored["name"], stored["sha256"])) if "sha256" in stored.columns else {}
    changed = []
    for name, path in current.items():
        if built.get(name) != (file_digest(path) if path.is_file() else None):
            changed.append(f"{name} ← {path.name}")
    return changed


def require_current(stored: pd.DataFrame, current: dict[str, Path], store_label: str) -> None:
    """Refuse to validate a store that does not hold the layers on disk now."""
    if "sha256" not in stored.columns:
        raise InputError("kho dữ liệu không ghi mã kiểm tra của tệp nguồn / the store does not record its "
                         "source files' checksums (built by an older version): run gis-service build",
                         file=store_label)
    changed = changed_since_build(stored, current)
    if changed:
        raise InputError("kho dữ liệu không khớp các tệp trong layers/ (lần xây dựng cuối bị từ chối?) / "
                         "the store was not built from the files now in layers/ (was the last build "
                         f"refused?): {'; '.join(changed)}. Fix them and run gis-service build; "
                         "validate checks only what the store holds", file=store_label)
