"""Legacy Vietnamese 8-bit encodings: TCVN3 (ABC, TCVN 5712:1993 VN3) and VNI-Windows.

Shapefile DBFs from Vietnamese offices often hold text in one of these without a .cpg, so
GDAL reads it as Latin-1 mojibake (``Th«n 2`` for TCVN3, ``Thoân 2`` for VNI; both are
``Thôn 2``). This module decodes the raw bytes, and tells the encodings apart by which
decoding gives real Vietnamese syllables. It never guesses: when two readings are both
plausible, or none is, it raises :class:`AmbiguousEncoding`.

- TCVN3 has one byte per letter: 67 lowercase letters, the 7 uppercase ``Ă Â Ê Ô Ơ Ư Đ`` and
  the no-break space (0xA0). Uppercase letters with a tone have no code: the ABC fonts draw them
  with an all-capitals font (.VnTimeH) from the lowercase codes. They are therefore encoded with
  the lowercase code and decoded as lowercase, except in a word (or a whole value) whose other
  letters are all capitals, which is read in capitals (``X· NGHÜA`` → ``XÃ NGHĨA``).
- VNI-Windows writes a base letter followed by a diacritic byte (``aù`` = á, ``aâ`` = â,
  ``aá`` = ấ); ``ơ ư đ`` and the i-letters (and ỵ) are single bytes. Uppercase uses the same
  pattern with the bytes 0x20 lower.
- In both, bytes 0x80–0x9F are read as the Windows-1252 punctuation Word puts into documents
  typed in these fonts (curly quotes, dashes); in VNI, 0xA0–0xBF keep their Latin-1 symbols.

Checked against public references: the TCVN 5712 table of the X11 TCVN converter (its
0xA0–0xFF half is VN3 plus VN1's capitals) and the VNI table of the xvnkb keyboard driver.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from .errors import InputError

if TYPE_CHECKING:
    import pandas as pd

LEGACY = ("tcvn3", "vni")
#: every encoding a DBF text field may be read with; the first two are Python codecs
ENCODINGS = ("utf-8", "cp1258") + LEGACY

#: tone marks in the order of the tables below: none, sắc, huyền, hỏi, ngã, nặng
TONES = ("", "\u0301", "\u0300", "\u0309", "\u0303", "\u0323")
_TONE_MARKS = frozenset(TONES[1:])
BASE_VOWELS = "aăâeêioôơuưy"

# Per base vowel, its six forms (TONES order) as hex bytes.
_TCVN3_ROWS = {
    "a": "61 B8 B5 B6 B7 B9", "ă": "A8 BE BB BC BD C6", "â": "A9 CA C7 C8 C9 CB",
    "e": "65 D0 CC CE CF D1", "ê": "AA D5 D2 D3 D4 D6", "i": "69 DD D7 D8 DC DE",
    "o": "6F E3 DF E1 E2 E4", "ô": "AB E8 E5 E6 E7 E9", "ơ": "AC ED EA EB EC EE",
    "u": "75 F3 EF F1 F2 F4", "ư": "AD F8 F5 F6 F7 F9", "y": "79 FD FA FB FC FE",
}
_TCVN3_OTHERS = {"đ": "AE", "Ă": "A1", "Â": "A2", "Ê": "A3", "Ô": "A4", "Ơ": "A5", "Ư": "A6",
                 "Đ": "A7", "\u00a0": "A0"}
_VNI_ROWS = {  # lowercase; the uppercase row is the same with letters and high bytes 0x20 lower
    "a": "61 61F9 61F8 61FB 61F5 61EF", "ă": "61EA 61E9 61E8 61FA 61FC 61EB",
    "â": "61E2 61E1 61E0 61E5 61E3 61E4", "e": "65 65F9 65F8 65FB 65F5 65EF",
    "ê": "65E2 65E1 65E0 65E5 65E3 65E4", "i": "69 ED EC E6 F3 F2",
    "o": "6F 6FF9 6FF8 6FFB 6FF5 6FEF", "ô": "6FE2 6FE1 6FE0 6FE5 6FE3 6FE4",
    "ơ": "F4 F4F9 F4F8 F4FB F4F5 F4EF", "u": "75 75F9 75F8 75FB 75F5 75EF",
    "ư": "F6 F6F9 F6F8 F6FB F6F5 F6EF", "y": "79 79F9 79F8 79FB 79F5 EE",
}
_VNI_OTHERS = {"đ": "F1"}
#: Windows-1252 punctuation kept by both encodings (quotes, dashes, ellipsis, bullet, €, ™)
_PUNCTUATION = {b: bytes([b]).decode("cp1252") for b in b"\x80\x85\x91\x92\x93\x94\x95\x96\x97\x99"}
#: non-letters that count neither for nor against a reading when scoring
_NEUTRAL = frozenset(_PUNCTUATION.values()) | set("\u00a0°²³±")


def _letter(base: str, tone: int) -> str:
    return unicodedata.normalize("NFC", base + TONES[tone])


def _vni_upper(code: bytes) -> bytes:
    return bytes(b - 0x20 if (0x61 <= b <= 0x7A or b >= 0xE0) else b for b in code)


def _build_tables() -> tuple[dict[str, bytes], dict[str, bytes]]:
    tcvn3: dict[str, bytes] = {k: bytes.fromhex(v) for k, v in _TCVN3_OTHERS.items()}
    vni: dict[str, bytes] = {}
    for base in BASE_VOWELS:
        for tone, (t_hex, v_hex) in enumerate(zip(_TCVN3_ROWS[base].split(), _VNI_ROWS[base].split())):
            lower = _letter(base, tone)
            tcvn3[lower] = bytes.fromhex(t_hex)
            vni[lower], vni[lower.upper()] = bytes.fromhex(v_hex), _vni_upper(bytes.fromhex(v_hex))
    for letter, v_hex in _VNI_OTHERS.items():
        vni[letter], vni[letter.upper()] = bytes.fromhex(v_hex), _vni_upper(bytes.fromhex(v_hex))
    vni.update({chr(b): bytes([b]) for b in range(0xA0, 0xC0)})
    for table in (tcvn3, vni):
        table.update({char: bytes([b]) for b, char in _PUNCTUATION.items()})
    return tcvn3, vni


#: Unicode letter → bytes. TCVN3 holds no uppercase toned letters (see the module notes).
ENCODE_TABLES: dict[str, dict[str, bytes]] = dict(zip(LEGACY, _build_tables()))
#: the 134 non-ASCII Vietnamese letters (67 lowercase with tones or ă â đ ê ô ơ ư, and their capitals)
_LOWER = [_letter(base, tone) for base in BASE_VOWELS for tone in range(6)] + ["đ"]
VIETNAMESE_LETTERS = "".join(c + c.upper() for c in _LOWER if not c.isascii())
#: lowercase letters that TCVN3 also uses for their capitals (every toned vowel)
_TCVN3_SHARED = frozenset(c for c in VIETNAMESE_LETTERS if c.islower()
                          and any(m in unicodedata.normalize("NFD", c) for m in _TONE_MARKS))
_SHARED_CAPITALS = frozenset(c.upper() for c in _TCVN3_SHARED)
_DECODE_TABLES: dict[str, dict[bytes, str]] = {
    name: {code: char for char, code in table.items() if not code.isascii()} for name, table in ENCODE_TABLES.items()}


class LegacyDecodeError(ValueError):
    """A byte (or pair) that the encoding does not assign."""

    def __init__(self, encoding: str, raw: bytes, position: int) -> None:
        self.encoding, self.raw, self.position = encoding, raw, position
        super().__init__(f"byte 0x{raw[position]:02X} at position {position} is not {encoding.upper()}")


class AmbiguousEncoding(ValueError):
    """No single reading of the values is plausible Vietnamese: refuse to guess."""

    def __init__(self, plausible: list[str], sample: bytes | None) -> None:
        self.plausible, self.sample = plausible, sample
        vi, en = ((f"đọc được theo cả {' và '.join(plausible)}", f"readable as any of {', '.join(plausible)}")
                  if plausible else ("không bảng mã nào cho tiếng Việt hợp lệ", "no encoding gives valid Vietnamese"))
        example = f" (e.g. {sample!r})" if sample else ""
        super().__init__(f"không xác định được bảng mã, {vi} / cannot tell the encoding, {en}{example}")


def encode_legacy(text: str, encoding: str) -> bytes:
    """Unicode text → TCVN3 or VNI bytes (ASCII passes through). Raises ValueError on a
    character the encoding lacks. TCVN3 writes an uppercase toned letter with its lowercase code."""
    name = _legacy_name(encoding)
    table, out = ENCODE_TABLES[name], bytearray()
    for char in unicodedata.normalize("NFC", text):
        code = table.get(char.lower() if char in _SHARED_CAPITALS and name == "tcvn3" else char)
        if code is None and not char.isascii():
            raise ValueError(f"{char!r} has no {encoding.upper()} code")
        out += code if code is not None else char.encode("ascii")
    return bytes(out)


def decode_legacy(raw: bytes, encoding: str) -> str:
    """TCVN3 or VNI bytes → Unicode (NFC). Raises :class:`LegacyDecodeError` on a byte the
    encoding does not assign, so a wrong encoding never yields mojibake silently."""
    name = _legacy_name(encoding)
    table, out, i = _DECODE_TABLES[name], [], 0
    while i < len(raw):
        pair = raw[i:i + 2]
        if name == "vni" and len(pair) == 2 and pair in table:
            out.append(table[pair])
            i += 2
            continue
        byte = raw[i:i + 1]
        if byte in table:
            out.append(table[byte])
        elif raw[i] < 0x80:
            out.append(chr(raw[i]))
        else:
            raise LegacyDecodeError(name, raw, i)
        i += 1
    text = "".join(out)
    return _restore_capitals(text) if name == "tcvn3" else text


def decode(raw: bytes, encoding: str) -> str:
    """Decode with any of :data:`ENCODINGS` (or another Python codec), to NFC Unicode. cp1258
    writes tones as combining marks; NFC composes them into the precomposed letters."""
    if encoding in LEGACY:
        return decode_legacy(raw, encoding)
    return unicodedata.normalize("NFC", raw.decode(encoding))


def detect(values: list[bytes]) -> str | None:
    """'tcvn3' or 'vni' when the values are in that legacy encoding; None when they are ASCII,
    UTF-8 or Windows-1258. Raises :class:`AmbiguousEncoding` when it cannot tell."""
    found = guess_encoding(values)
    return found if found in LEGACY else None


def guess_encoding(values: list[bytes], *, limit: int = 2000) -> str:
    """The encoding of raw text values: 'ascii', 'utf-8', 'cp1258', 'tcvn3' or 'vni'.

    Values that decode as UTF-8 are UTF-8 (legacy bytes almost never form valid UTF-8).
    Otherwise each candidate decodes every value; a candidate that fails on any byte is out,
    and the others are scored by their words that hold non-ASCII letters: a valid Vietnamese
    syllable counts for, any other word or stray symbol against. A candidate is plausible when
    at least 90 % of those words are syllables. Exactly one plausible candidate wins; none or
    several raise :class:`AmbiguousEncoding`. Up to ``limit`` distinct values are examined.
    """
    distinct = list(dict.fromkeys(v for v in values if v and not v.isascii()))[:limit]
    if not distinct:
        return "ascii"
    if all(_is_utf8(v) for v in distinct):
        return "utf-8"
    plausible = [name for name in ("cp1258",) + LEGACY if _plausible(distinct, name)]
    if len(plausible) != 1:
        raise AmbiguousEncoding(plausible, distinct[0])
    return plausible[0]


def plausibility(texts: list[str]) -> tuple[int, int]:
    """(good, bad): words with non-ASCII letters that are / are not Vietnamese syllables, and
    stray non-ASCII symbols (counted as bad)."""
    good = bad = 0
    for text in texts:
        for token in re.findall(r"[^\W\d_]+|[^\w\s]", text):
            if token.isascii() or token in _NEUTRAL:
                continue
            if is_vietnamese_syllable(token):
                good += 1
            else:
                bad += 1
    return good, bad


_INITIALS = "ngh|ng|gh|gi|kh|ph|th|tr|ch|nh|qu|b|c|d|đ|g|h|k|l|m|n|p|r|s|t|v|x"
_OPEN = ("iêu|oai|oao|oay|oeo|uây|uôi|uya|uyu|ươi|ươu|ai|ao|au|ay|âu|ây|eo|êu|ia|iu|oa|oe|"
         "oi|ôi|ơi|ua|uê|ui|uơ|uy|ưa|ưi|ưu|a|e|ê|i|o|ô|ơ|u|ư|y")
_CLOSED = "uyê|iê|oa|oă|oe|uâ|uê|uô|uy|ươ|a|ă|â|e|ê|i|o|ô|ơ|u|ư"
_FINALS = "ch|ng|nh|c|k|m|n|p|t"
_SYLLABLE = re.compile(f"yêu|yê(?:{_FINALS})|(?:{_INITIALS})?(?:{_OPEN}|(?:{_CLOSED})(?:{_FINALS})|oo(?:ng|c))")
_STOP_FINALS = ("c", "ch", "k", "p", "t")


def is_vietnamese_syllable(word: str) -> bool:
    """A word spelt as one Vietnamese syllable: optional initial consonant, a vowel cluster,
    an optional final, at most one tone, and only sắc or nặng before a stop (c ch p t)."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    tones = [c for c in decomposed if c in _TONE_MARKS]
    bare = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONE_MARKS))
    if len(tones) > 1 or not _SYLLABLE.fullmatch(bare):
        return False
    return not (tones and bare.endswith(_STOP_FINALS) and tones[0] not in ("\u0301", "\u0323"))


def _plausible(values: list[bytes], encoding: str) -> bool:
    try:
        texts = [decode(v, encoding) for v in values]
    except (UnicodeDecodeError, LegacyDecodeError):
        return False
    return plausibility(texts)[0] > 0 and _plausible_text(texts)


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _restore_capitals(text: str) -> str:
    """TCVN3 capitals: a word whose case-bearing letters (those not sharing a code with their
    capital) number two or more and are all capitals is read in capitals; so is a whole value."""
    def upper_if_capitals(chunk: str) -> str:
        bearing = [c for c in chunk if c.isalpha() and c not in _TCVN3_SHARED]
        return chunk.upper() if len(bearing) >= 2 and all(c.isupper() for c in bearing) else chunk

    whole = upper_if_capitals(text)
    return whole if whole != text else re.sub(r"[^\W\d_]+", lambda m: upper_if_capitals(m.group()), text)


def _legacy_name(encoding: str) -> str:
    name = normalise_name(encoding)
    if name not in LEGACY:
        raise ValueError(f"not a legacy Vietnamese encoding: {encoding!r}")
    return name


_ALIASES = {"tcvn3": "tcvn3", "tcvn": "tcvn3", "abc": "tcvn3", "vn3": "tcvn3", "tcvn5712": "tcvn3",
            "vni": "vni", "vniwindows": "vni", "vniwin": "vni",
            "utf8": "utf-8", "65001": "utf-8", "1258": "cp1258", "cp1258": "cp1258", "windows1258": "cp1258"}


def normalise_name(name: str) -> str:
    """A canonical encoding name from what people write in a .cpg or a mapping: 'UTF-8',
    '65001', 'TCVN3', 'ABC', 'VNI-Windows', '1252', 'ISO-8859-1'… Raises LookupError if unknown."""
    key = re.sub(r"[\s_\-:.]", "", name.strip().lower())
    if key in _ALIASES:
        return _ALIASES[key]
    if key.startswith("8859") and key[4:].isdigit():
        return codecs.lookup(f"iso8859_{key[4:]}").name
    candidate = f"cp{key}" if key.isdigit() else name.strip()
    return codecs.lookup(candidate).name


# --- text columns of a layer ------------------------------------------------------------------

FIX = ("thêm tệp .cpg ghi bảng mã, hoặc ghi `encoding:` trong tệp ánh xạ / add a .cpg file with the encoding, "
       "or pass `encoding:` in the mapping file (utf-8, cp1258, tcvn3, vni)")
TITLES = {"utf-8": "UTF-8", "cp1258": "Windows-1258", "tcvn3": "TCVN3", "vni": "VNI-Windows"}


def decode_dbf_text(frame: pd.DataFrame, *, shp: Path, file: str,
                    encoding: str | None = None) -> tuple[pd.DataFrame, list[str]]:
    """The text of a DBF read as Latin-1 (so its bytes came through one for one) in Unicode, with
    a note per converted field. The encoding is ``encoding`` (the mapping's), else the .cpg's,
    else detected. A Western .cpg (1252, 8859-1…) stands unless the values are clearly TCVN3 or
    VNI. When detection cannot tell, InputError names the file, the field and the fix."""
    raw = {c: [v.encode("latin1") for v in frame[c].dropna().unique() if isinstance(v, str)]
           for c in _text_columns(frame)}
    raw = {c: values for c, values in raw.items() if any(not v.isascii() for v in values)}
    names = [n.encode("latin1") for n in frame.columns if isinstance(n, str) and not n.isascii()]
    if not raw and not names:
        return frame, []
    chosen, why = _dbf_encoding(shp, file, encoding, raw, names)
    frame = _convert(frame, list(raw), chosen, lambda s: s.encode("latin1"), file)
    frame.columns = [decode(n.encode("latin1"), chosen) if isinstance(n, str) else n for n in frame.columns]
    title = TITLES.get(chosen, chosen)
    return frame, [f"trường DBF {c} đổi từ {title} sang Unicode ({why}) / DBF field {c} converted from {title} "
                   f"to Unicode ({why})" for c in raw]


def undo_mojibake(frame: pd.DataFrame, *, file: str, encoding: str | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Text of a Unicode format (GeoPackage, GeoJSON, KML) that is TCVN3 or VNI once read as
    Windows-1252 by some converter (``Th«n 2``) is converted back: always when ``encoding`` names
    a legacy encoding, else when the text is no Vietnamese as it stands and one legacy reading is."""
    notes = []
    for column in _text_columns(frame):
        values = [v for v in frame[column].dropna().unique() if isinstance(v, str) and not v.isascii()]
        if not values or not all(_cp1252_encodable(v) for v in values):
            continue
        found = encoding if encoding in LEGACY else None
        if found is None and not _plausible_text(values):
            try:
                found = guess_encoding([v.encode("cp1252") for v in values])
            except AmbiguousEncoding:
                found = None
        if found in LEGACY:
            frame = _convert(frame, [column], found, lambda s: s.encode("cp1252"), file)
            notes.append(f"trường {column}: chữ {TITLES[found]} bị đọc sai, đã đổi sang Unicode / field {column}: "
                         f"{TITLES[found]} text read as Windows-1252, converted to Unicode")
    return frame, notes


def _text_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if frame[c].map(lambda v: isinstance(v, str)).any()]


def _dbf_encoding(shp: Path, file: str, encoding: str | None, raw: dict[str, list[bytes]],
                  names: list[bytes]) -> tuple[str, str]:
    if encoding:
        return encoding, "encoding: in the mapping"
    cpg = cpg_encoding(shp, file)
    if cpg in ENCODINGS:
        return cpg, ".cpg"
    try:
        found = guess_encoding([v for values in raw.values() for v in values] + names)
    except AmbiguousEncoding as err:
        if cpg:
            return cpg, ".cpg"
        unclear = [c for c, values in raw.items() if not _decides(values)] or list(raw) or ["encoding"]
        raise InputError(f"{err}; {FIX}", file=file, field=unclear[0]) from None
    if cpg and found not in LEGACY:
        return cpg, ".cpg"
    return found, "detected" + (f", although the .cpg says {cpg}" if cpg else "")


def cpg_encoding(shp: Path, file: str) -> str | None:
    """The encoding a Shapefile's .cpg names (normalised), or None without one."""
    cpg = next((p for p in shp.parent.glob(shp.stem + ".*") if p.suffix.lower() == ".cpg"), None)
    text = cpg.read_bytes().decode("ascii", "replace").strip() if cpg else ""
    if not text:
        return None
    try:
        return normalise_name(text)
    except LookupError:
        raise InputError(f"tệp .cpg ghi bảng mã lạ / the .cpg names an unknown encoding {text!r}; {FIX}",
                         file=file, field=".cpg") from None


def _decides(values: list[bytes]) -> bool:
    try:
        guess_encoding(values)
    except AmbiguousEncoding:
        return False
    return True


def _plausible_text(texts: list[str]) -> bool:
    good, bad = plausibility(texts)
    return bad <= 0.1 * (good + bad)


def _cp1252_encodable(text: str) -> bool:
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def _convert(frame: pd.DataFrame, columns: list[str], encoding: str, to_bytes: Callable[[str], bytes],
             file: str) -> pd.DataFrame:
    frame = frame.copy()
    for column in columns:
        decoded: dict[str, str] = {}
        for i, value in enumerate(frame[column]):
            if isinstance(value, str) and value not in decoded:
                try:
                    decoded[value] = decode(to_bytes(value), encoding)
                except (UnicodeError, LegacyDecodeError) as exc:
                    raise InputError(f"không đọc được theo bảng mã {encoding} / not readable as {encoding}: {exc}; "
                                     f"{FIX}", file=file, feature=f"#{i + 1}", field=column) from None
        frame[column] = frame[column].map(lambda v: decoded.get(v, v) if isinstance(v, str) else v)
    return frame
