"""Find the text encoding of a Shapefile's attributes: the .cpg, else the .dbf bytes.

Chinese offices exchange Shapefiles written by ArcGIS or older tools in GBK without a
``.cpg``; GDAL then reads the names as mojibake. The rule here: a ``.cpg`` is believed;
without one the ``.dbf`` records are decoded as UTF-8 and, when that fails, as GB18030 (a
superset of GBK and GB2312); the choice and where it came from are returned so the user can
see it and override it.
"""

from __future__ import annotations

import codecs
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd

from gisdesk.core.errors import InputError

__all__ = [
    "ENCODING_OPTIONS",
    "EncodingChoice",
    "detect_dbf_encoding",
    "normalise_encoding",
    "preview_dbf",
    "shapefile_encoding",
]

ENCODING_OPTIONS = ("UTF-8", "GBK", "GB18030", "CP950", "CP1252", "ISO-8859-1")
"""Encodings offered to the user when a file's text reads wrongly."""

EncodingSource = Literal["argument", "cpg", "detected", "default"]

_SAMPLE_BYTES = 4 * 1024 * 1024  # enough records to decide; a 2 GB .dbf is not read whole
_CODE_PAGES = {
    "936": "GBK",
    "cp936": "GBK",
    "gb2312": "GB18030",
    "gbk": "GBK",
    "gb18030": "GB18030",
    "54936": "GB18030",
    "65001": "UTF-8",
    "utf8": "UTF-8",
    "utf-8": "UTF-8",
    "950": "CP950",
    "big5": "CP950",
    "1252": "CP1252",
    "ansi 1252": "CP1252",
    "437": "CP437",
    "88591": "ISO-8859-1",
    "8859-1": "ISO-8859-1",
    "iso-8859-1": "ISO-8859-1",
    "latin1": "ISO-8859-1",
}


@dataclass(frozen=True)
class EncodingChoice:
    """The encoding chosen for a Shapefile's text, and why.

    Attributes
    ----------
    encoding
        Name GDAL and Python both understand ("UTF-8", "GBK", "GB18030", ...).
    source
        "argument" (the caller said so), "cpg" (the .cpg file), "detected" (decoded the
        .dbf bytes) or "default" (nothing to decide on: all text is ASCII).
    """

    encoding: str
    source: EncodingSource

    def describe(self, language: str = "zh") -> str:
        """Return a one-line explanation for the user."""
        zh = {
            "argument": "按指定",
            "cpg": "按 .cpg 文件",
            "detected": "按 .dbf 内容检测",
            "default": "全部为 ASCII，按默认",
        }[self.source]
        en = {
            "argument": "as stated",
            "cpg": "from the .cpg file",
            "detected": "detected from the .dbf bytes",
            "default": "all text is ASCII; default",
        }[self.source]
        if language == "zh":
            return f"属性文字编码：{self.encoding}（{zh}）"
        return f"Attribute text encoding: {self.encoding} ({en})"


def normalise_encoding(name: str) -> str:
    """Return a canonical encoding name for a .cpg text or a user's option.

    Raises
    ------
    InputError
        When Python does not know the encoding.
    """
    text = name.strip().strip("\x00").strip()
    key = text.lower().replace("_", "-")
    if key in _CODE_PAGES:
        return _CODE_PAGES[key]
    if key.replace("-", "") in _CODE_PAGES:
        return _CODE_PAGES[key.replace("-", "")]
    try:
        codecs.lookup(text)
    except (LookupError, ValueError):
        raise InputError(
            f"无法识别的文字编码“{text}”（可用如 UTF-8、GBK、GB18030）。",
            f"Unknown text encoding '{text}' (use e.g. UTF-8, GBK, GB18030).",
        ) from None
    return text.upper()


def _dbf_records(raw: bytes) -> bytes:
    """Return the text-bearing bytes of a .dbf: field names and records (header skipped)."""
    if len(raw) < 32:
        return raw
    header_len = int.from_bytes(raw[8:10], "little")
    names: list[bytes] = []
    for start in range(32, min(header_len, len(raw)) - 1, 32):
        if raw[start] == 0x0D:  # end of the field descriptors
            break
        names.append(raw[start : start + 11].split(b"\x00")[0])
    if 32 <= header_len <= len(raw):
        return b" ".join(names) + b" " + raw[header_len:]
    return raw


def detect_dbf_encoding(data: bytes) -> EncodingChoice:
    """Decide between UTF-8 and GB18030 from the bytes of a .dbf.

    Parameters
    ----------
    data
        The .dbf file's bytes (or its first few megabytes).

    Returns
    -------
    EncodingChoice
        UTF-8 when the text decodes as UTF-8 (or is plain ASCII), otherwise GB18030 when it
        decodes as that, otherwise UTF-8 with the undecodable bytes left to GDAL.
    """
    text = _dbf_records(data[:_SAMPLE_BYTES])
    if text.isascii():
        return EncodingChoice("UTF-8", "default")
    try:
        text.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return EncodingChoice("UTF-8", "detected")
    # Not clean UTF-8. Count undecodable characters rather than demand perfection: a field
    # cut mid-character by an old writer, or the sample's end, must not decide alone.
    utf8_bad = text.decode("utf-8", errors="replace").count("\ufffd")
    gb_bad = text.decode("gb18030", errors="replace").count("\ufffd")
    if gb_bad < utf8_bad:
        return EncodingChoice("GB18030", "detected")
    return EncodingChoice("UTF-8", "detected")


def _read_head(path: Path, member: str | None) -> bytes:
    if member is None:
        with path.open("rb") as fh:
            return fh.read(_SAMPLE_BYTES + 1)
    with zipfile.ZipFile(path) as zf, zf.open(member) as fh:
        return fh.read(_SAMPLE_BYTES + 1)


def _sidecar(path: Path, suffix: str) -> tuple[Path, str | None] | None:
    """Find ``<stem><suffix>`` beside a .shp, or inside a .zip (returned as member name)."""
    if path.suffix.lower() == ".zip":
        try:
            with zipfile.ZipFile(path) as zf:
                names = [n for n in zf.namelist() if n.lower().endswith(suffix)]
        except (zipfile.BadZipFile, OSError):
            return None
        return (path, names[0]) if names else None
    for candidate in (path.with_suffix(suffix), path.with_suffix(suffix.upper())):
        if candidate.exists():
            return candidate, None
    return None


def shapefile_encoding(path: str | Path, *, encoding: str | None = None) -> EncodingChoice | None:
    """Return the encoding to read a Shapefile's (or zipped Shapefile's) attributes with.

    Parameters
    ----------
    path
        The .shp, .dbf or .zip.
    encoding
        The user's choice; it wins over the .cpg and detection.

    Returns
    -------
    EncodingChoice or None
        None when the file is not a Shapefile (no .dbf to look at).
    """
    path = Path(path)
    if encoding:
        return EncodingChoice(normalise_encoding(encoding), "argument")
    if path.suffix.lower() not in (".shp", ".dbf", ".zip"):
        return None
    cpg = _sidecar(path, ".cpg")
    if cpg is not None:
        raw = _read_head(*cpg)[:200].decode("ascii", errors="ignore")
        if raw.strip():
            try:
                return EncodingChoice(normalise_encoding(raw), "cpg")
            except InputError:
                pass  # an unreadable .cpg is no better than none: look at the bytes
    dbf = _sidecar(path, ".dbf")
    if dbf is None:
        return None
    try:
        data = _read_head(*dbf)
    except (OSError, zipfile.BadZipFile, KeyError):
        return None
    return detect_dbf_encoding(data)


def preview_dbf(path: str | Path, encoding: str, *, rows: int = 10) -> pd.DataFrame:
    """Return the first records of a Shapefile's .dbf decoded with ``encoding``, as text.

    Undecodable bytes show as U+FFFD, so a wrong encoding is visible instead of failing:
    this is what the import dialog shows while the user picks the encoding.

    Parameters
    ----------
    path
        The .shp, .dbf or .zip.
    encoding
        The encoding to decode field names and values with.
    rows
        How many records to read.

    Raises
    ------
    InputError
        No .dbf, or its header is damaged.
    """
    path = Path(path)
    codec = normalise_encoding(encoding)
    dbf = (path, None) if path.suffix.lower() == ".dbf" else _sidecar(path, ".dbf")
    if dbf is None:
        raise InputError(f"{path.name} 没有 .dbf 属性文件。", f"{path.name} has no .dbf file.")
    try:
        raw = _read_head(*dbf)
    except (OSError, zipfile.BadZipFile, KeyError) as exc:
        raise InputError(
            f"无法读取 {path.name} 的 .dbf（{exc}）。",
            f"Cannot read the .dbf of {path.name} ({exc}).",
        ) from None
    if len(raw) < 32:
        raise InputError(f"{path.name} 的 .dbf 已损坏。", f"The .dbf of {path.name} is damaged.")
    count = int.from_bytes(raw[4:8], "little")
    header_len = int.from_bytes(raw[8:10], "little")
    record_len = int.from_bytes(raw[10:12], "little")
    fields: list[tuple[str, int]] = []
    for start in range(32, min(header_len, len(raw)) - 31, 32):
        if raw[start] == 0x0D:
            break
        name = raw[start : start + 11].split(b"\x00")[0].decode(codec, errors="replace")
        fields.append((name.strip(), raw[start + 16]))
    if not fields or record_len <= 0:
        raise InputError(f"{path.name} 的 .dbf 已损坏。", f"The .dbf of {path.name} is damaged.")
    records: list[list[str]] = []
    for k in range(min(count, rows)):
        at = header_len + k * record_len
        record = raw[at : at + record_len]
        if len(record) < record_len:
            break
        values, pos = [], 1  # byte 0: deletion flag
        for _name, width in fields:
            values.append(record[pos : pos + width].decode(codec, errors="replace").strip())
            pos += width
        records.append(values)
    names = [name or f"field{i + 1}" for i, (name, _w) in enumerate(fields)]
    return pd.DataFrame(records, columns=pd.Index(names), dtype=object)
