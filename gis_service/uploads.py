"""Receiving files from outside: the write token, and unpacking archives safely (no path leaving
the folder, no link, no zip bomb) on every path a file comes in by: a web upload, the CLI's
import-neighbour, a catalog layer given as a .zip. No Flask here; the web layer passes bytes."""

from __future__ import annotations

import hmac
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from .errors import InputError, Unauthorized
from .layerio import ACCEPTED, VECTOR_SUFFIXES

MAX_MEMBERS = 200
#: an archive may expand to at most this many times the upload limit
EXPANSION_FACTOR = 4
#: a layer file of our own (catalog, register) given as a .zip may expand to at most this much
MAX_EXPANDED_BYTES = 512 * 1024 * 1024
_CHUNK = 1 << 20


def check_write_token(configured: str, given: str | None) -> None:
    """Every write needs the configured token; an empty configuration disables writes."""
    if not configured:
        raise Unauthorized("ghi dữ liệu bị tắt / writes are disabled (GIS_SERVICE_WRITE_TOKEN is not set)")
    if not given or not hmac.compare_digest(configured.encode(), given.encode()):
        raise Unauthorized("thiếu hoặc sai mã ghi / missing or wrong write token")


def check_size(path: Path, limit: int, label: str) -> None:
    """A file given on the command line is held to the web upload's size limit."""
    if not path.is_file():
        raise InputError("không tìm thấy tệp / file not found", file=label)
    size = path.stat().st_size
    if size > limit:
        raise InputError(f"tệp lớn hơn giới hạn {limit:,} byte / the file is larger than the limit of "
                         f"{limit:,} bytes ({size:,}); GIS_SERVICE_UPLOAD_MAX_BYTES sets it", file=label)


def save_upload(data: bytes, filename: str, folder: Path, max_expanded: int) -> tuple[Path, str]:
    """Write an uploaded file into ``folder``; the vector file to read and its name for messages
    (see ``vector_source``). A Shapefile comes zipped: its parts cannot come in one field."""
    name = Path(filename or "").name
    suffix = Path(name).suffix.lower()
    if suffix not in VECTOR_SUFFIXES and suffix != ".zip" or suffix == ".shp":
        raise InputError(f"gửi GeoPackage, GeoJSON hoặc Shapefile nén zip / send a GeoPackage (.gpkg), GeoJSON (.geojson) or zipped Shapefile (.zip); "
                         f"accepted: {ACCEPTED}, .zip", file=name or "(no file name)", field="file")
    path = folder / ("upload" + suffix)
    path.write_bytes(data)
    return vector_source(path, folder, max_expanded, label=name)


def vector_source(path: Path, folder: Path, max_expanded: int, label: str) -> tuple[Path, str]:
    """The vector file to read from ``path`` and its name for messages: the file itself, or the
    one layer inside a zip, unpacked into ``folder`` (``extract_zip``'s limits)."""
    if path.suffix.lower() != ".zip":
        return path, label
    extracted = folder / "unzipped"
    extract_zip(path, extracted, max_expanded, label=label)
    found = sorted(p for p in extracted.rglob("*") if p.suffix.lower() in VECTOR_SUFFIXES and p.is_file())
    layers = [p for p in found if p.suffix.lower() != ".json"] or found  # a .json beside a layer: metadata
    if len(layers) != 1:
        listed = f": {', '.join(p.name for p in layers)}" if layers else ""
        raise InputError(f"tệp nén phải có đúng một lớp / the archive must hold exactly one layer ({ACCEPTED}), found {len(layers)}{listed}",
                         file=label, field="file")
    return layers[0], f"{label} → {layers[0].relative_to(extracted).as_posix()}"


def extract_zip(archive: Path, target: Path, max_expanded: int, label: str | None = None) -> None:
    """Unpack ``archive`` into ``target``, refusing absolute paths and paths with '..' (zip-slip),
    links, too many members, and more than ``max_expanded`` bytes actually written (zip bomb:
    sizes in the headers are not trusted, the bytes are counted while unpacking)."""
    label = label or archive.name
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError, EOFError):
        raise InputError("tệp zip hỏng / not a valid zip archive", file=label) from None
    with zf:
        members = zf.infolist()
        if len(members) > MAX_MEMBERS:
            raise InputError(f"tệp nén có quá nhiều tệp / the archive has {len(members)} files, more than {MAX_MEMBERS}", file=label)
        target.mkdir(parents=True, exist_ok=True)
        written = 0
        for info in members:
            dest = _member_path(info, target, label)
            if info.is_dir():
                dest.mkdir(parents=True, exist_ok=True)
                continue
            written = _unpack(zf, info, dest, written, max_expanded, label)


def _member_path(info: zipfile.ZipInfo, target: Path, label: str) -> Path:
    inner = PurePosixPath(info.filename.replace("\\", "/"))
    dest = (target / inner).resolve()
    if inner.is_absolute() or ".." in inner.parts or not dest.is_relative_to(target.resolve()):
        raise InputError("tệp trong zip ghi ra ngoài thư mục / archive member would be written outside its folder (zip-slip); refused",
                         file=label, feature=info.filename)
    if (info.external_attr >> 16) & 0o170000 == 0o120000:
        raise InputError("tệp trong zip là liên kết tượng trưng / archive member is a symbolic link; refused", file=label, feature=info.filename)
    return dest


def _unpack(zf: zipfile.ZipFile, info: zipfile.ZipInfo, dest: Path, written: int, max_expanded: int,
            label: str) -> int:
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        with zf.open(info) as src, open(dest, "wb") as out:
            while chunk := src.read(_CHUNK):
                written += len(chunk)
                if written > max_expanded:
                    raise InputError(f"tệp nén bung ra quá lớn / the archive expands to more than {max_expanded:,} bytes "
                                     "(zip bomb?); refused", file=label, feature=info.filename)
                out.write(chunk)
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, zlib.error, EOFError, OSError) as exc:
        # a broken or encrypted member, a compression zipfile does not know, a name too long
        raise InputError(f"không giải nén được / cannot be unpacked: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}",
                         file=label, feature=info.filename) from None
    return written
