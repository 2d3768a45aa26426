"""Receiving files from outside: the write token, and unpacking uploaded archives safely (no path
leaving the folder, no zip bomb). No Flask here; the web layer passes bytes and a file name."""

from __future__ import annotations

import hmac
import zipfile
from pathlib import Path, PurePosixPath

from .errors import InputError, Unauthorized

VECTOR_SUFFIXES = (".gpkg", ".geojson", ".json", ".shp")
MAX_MEMBERS = 200
#: an archive may expand to at most this many times the upload limit
EXPANSION_FACTOR = 4
_CHUNK = 1 << 20


def check_write_token(configured: str, given: str | None) -> None:
    """Every write needs the configured token; an empty configuration disables writes."""
    if not configured:
        raise Unauthorized("ghi dữ liệu bị tắt / writes are disabled (GIS_SERVICE_WRITE_TOKEN is not set)")
    if not given or not hmac.compare_digest(configured.encode(), given.encode()):
        raise Unauthorized("thiếu hoặc sai mã ghi / missing or wrong write token")


def save_upload(data: bytes, filename: str, folder: Path, max_expanded: int) -> Path:
    """Write an uploaded file into ``folder`` and return the vector file to read: the file itself,
    or the one vector file inside a zip (a zipped Shapefile, GeoPackage or GeoJSON)."""
    name = Path(filename or "").name
    suffix = Path(name).suffix.lower()
    if suffix not in VECTOR_SUFFIXES + (".zip",) or suffix == ".shp":
        raise InputError("send a GeoPackage (.gpkg), GeoJSON (.geojson) or zipped Shapefile (.zip)",
                         file=name or "(no file name)", field="file")
    path = folder / ("upload" + suffix)
    path.write_bytes(data)
    if suffix != ".zip":
        return path
    extracted = folder / "unzipped"
    extract_zip(path, extracted, max_expanded, label=name)
    found = sorted(p for p in extracted.rglob("*") if p.suffix.lower() in VECTOR_SUFFIXES)
    if len(found) != 1:
        raise InputError(f"the archive must hold exactly one .shp, .gpkg or .geojson, found {len(found)}"
                         + (f": {', '.join(p.name for p in found)}" if found else ""), file=name, field="file")
    return found[0]


def extract_zip(archive: Path, target: Path, max_expanded: int, label: str | None = None) -> None:
    """Unpack ``archive`` into ``target``, refusing absolute paths and paths with '..' (zip-slip),
    links, too many members, and more than ``max_expanded`` bytes actually written (zip bomb:
    sizes in the headers are not trusted, the bytes are counted while unpacking)."""
    label = label or archive.name
    try:
        zf = zipfile.ZipFile(archive)
    except zipfile.BadZipFile:
        raise InputError("not a valid zip archive", file=label) from None
    with zf:
        members = zf.infolist()
        if len(members) > MAX_MEMBERS:
            raise InputError(f"the archive has {len(members)} files, more than {MAX_MEMBERS}", file=label)
        target.mkdir(parents=True, exist_ok=True)
        root = target.resolve()
        written = 0
        for info in members:
            inner = PurePosixPath(info.filename.replace("\\", "/"))
            dest = (target / inner).resolve()
            if inner.is_absolute() or ".." in inner.parts or not dest.is_relative_to(root):
                raise InputError("archive member would be written outside its folder (zip-slip); refused",
                                 file=label, feature=info.filename)
            if (info.external_attr >> 16) & 0o170000 == 0o120000:
                raise InputError("archive member is a symbolic link; refused", file=label, feature=info.filename)
            if info.is_dir():
                dest.mkdir(parents=True, exist_ok=True)
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, open(dest, "wb") as out:
                while chunk := src.read(_CHUNK):
                    written += len(chunk)
                    if written > max_expanded:
                        raise InputError(f"the archive expands to more than {max_expanded:,} bytes "
                                         "(zip bomb?); refused", file=label, feature=info.filename)
                    out.write(chunk)
