"""Find the text encoding of a file's attributes, and check any stated encoding against the bytes.

Chinese offices exchange Shapefiles written by ArcGIS or older tools in GBK without a
``.cpg``, and now and then with a ``.cpg`` that is wrong (a UTF-8 file saying GBK reads as
mojibake: 海门街道 -> 娴烽棬琛楅亾). The rule here:

* What is stated is gathered first: the user's choice (``--encoding``, the import dialog),
  else the ``.cpg``, else the ``.dbf`` language id (byte 29; 0x57 "ANSI" names no code page
  and counts as nothing stated).
* The bytes are then weighed (:func:`weigh_encodings`): every non-ASCII field value (or CSV
  cell) is decoded strictly under each candidate (the stated encoding, UTF-8, GB18030) and
  scored by how likely the characters are in a Chinese office's attribute text
  (:func:`text_log_likelihood`: GB2312 level-1 hanzi and Chinese punctuation are common,
  level-2 hanzi rare, other ideographs and stray symbols very rare, undecodable bytes
  rarer still). A character cut at the end of a full fixed-width field does not count.
* The stated encoding stands unless the bytes are at least 1000 times likelier under
  another reading (:data:`PLAIN_CONTRADICTION`): then the bytes "plainly contradict" it.
  A ``.cpg`` or language id that the bytes plainly contradict is overruled: the file is read
  with the encoding that fits and :meth:`EncodingChoice.warning` names both encodings with a
  sample value under each. **A user's explicit choice is never overruled**: it is followed,
  with the same warning (the import dialog shows both readings side by side so the choice
  is made seeing them).
* With nothing stated, the likelier of UTF-8 and GB18030 (a superset of GBK and GB2312) is
  taken; all-ASCII text is read as UTF-8.

GB18030 is offered as the other reading only against UTF-8, the GBK family and the
Western code pages GDAL and ArcGIS fall back to (CP1252, ISO-8859-1, CP437, CP850); a
stated Big5, Shift-JIS or Korean code page is checked against UTF-8 only, since the
scores favour simplified Chinese.

Limits (measured): the scores describe Chinese text. Western names under a stated CP1252
(Müller, Besançon, Ærø, Þórshöfn...) kept their encoding, but random strings made only of
accented letters read likelier as GBK in about half the trials; three random GBK-only
ideographs (traditional or rare) honestly labelled GBK were read as UTF-8 in 62 of 20,000.
Very short text (one or two characters in the whole file) is often undecidable; then the
statement stands.
"""

from __future__ import annotations

import codecs
import contextlib
import math
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd

from gisdesk.core.errors import InputError
from gisdesk.io.text_likelihood import text_log_likelihood

__all__ = [
    "ENCODING_OPTIONS",
    "PLAIN_CONTRADICTION",
    "DeclaredSource",
    "EncodingChoice",
    "EncodingConflict",
    "TextSample",
    "dbf_language_encoding",
    "dbf_samples",
    "detect_dbf_encoding",
    "detect_text_encoding",
    "normalise_encoding",
    "preview_dbf",
    "preview_text_values",
    "shapefile_encoding",
    "text_log_likelihood",
    "text_samples",
    "weigh_encodings",
]

ENCODING_OPTIONS = ("UTF-8", "GBK", "GB18030", "CP950", "CP1252", "ISO-8859-1")
"""Encodings offered to the user when a file's text reads wrongly."""

EncodingSource = Literal["argument", "cpg", "ldid", "format", "xml", "detected", "default"]
DeclaredSource = Literal["argument", "cpg", "ldid", "format", "xml"]

PLAIN_CONTRADICTION = math.log(1000.0)
"""How much likelier (natural log) another reading must make the bytes to overrule a stated
encoding: 1000 times. Measured here on random strings of GB2312 hanzi written in UTF-8 or
GBK with a .cpg naming the other: 2-character strings stayed misread in 21 of 8,000 trials,
3 characters in 5 of 60,000, 4 or more in none of 60,000; no honestly labelled string was
overruled (0 of 8,000 at each length from 1 to 8)."""

_SAMPLE_BYTES = 4 * 1024 * 1024  # enough records to decide; a 2 GB .dbf is not read whole
_MAX_SAMPLES = 4000  # distinct non-ASCII values weighed; plenty of evidence, bounded time
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
# dBASE language driver ids (byte 29 of the .dbf header) that name a code page. 0x57 is
# "ANSI": the writer's system code page (936 on Chinese Windows), so it states nothing.
_LDID = {
    0x01: "CP437",
    0x02: "CP850",
    0x03: "CP1252",
    0x13: "CP932",
    0x4D: "GBK",
    0x4E: "CP949",
    0x4F: "CP950",
    0x58: "CP1252",
    0x59: "CP1252",
    0x64: "CP852",
    0x65: "CP866",
    0x7A: "GBK",
    0x7B: "CP932",
    0xC8: "CP1250",
    0xC9: "CP1251",
}
# Stated encodings against which GB18030 is also a candidate reading (see the module notes).
_GB_RIVALS = {"UTF-8", "GBK", "GB18030", "CP1252", "ISO-8859-1", "CP437", "CP850"}
_GB_FAMILY = {"GBK", "GB18030", "GB2312", "CP936"}


@dataclass(frozen=True)
class TextSample:
    """A piece of text from a file (a field value, a field name, a CSV cell) as bytes.

    ``may_be_cut``: the piece fills its fixed-width field (or ends the bytes read), so a
    multi-byte character cut at its end is the writer's truncation, not evidence.
    """

    raw: bytes
    may_be_cut: bool = False


@dataclass(frozen=True)
class EncodingConflict:
    """A stated encoding that the bytes plainly contradict.

    Attributes
    ----------
    declared
        The stated encoding.
    declared_source
        Who stated it: "argument" (the user), "cpg", "ldid" (the .dbf language id),
        "format" (the file format requires it: GeoJSON is UTF-8) or "xml" (a KML file's
        XML declaration).
    detected
        The encoding the bytes fit.
    sample_declared, sample_detected
        The first differing value as read under each.
    evidence
        Natural log of how much likelier the bytes are under ``detected``.
    """

    declared: str
    declared_source: DeclaredSource
    detected: str
    sample_declared: str
    sample_detected: str
    evidence: float

    def stated(self, language: str = "zh") -> str:
        """Who stated which encoding, as a clause ("the .cpg file says GBK")."""
        d = self.declared
        if language == "zh":
            return {
                "argument": f"指定的编码为 {d}",
                "cpg": f".cpg 文件声明为 {d}",
                "ldid": f".dbf 语言标识声明为 {d}",
                "format": f"文件格式规定为 {d}",
                "xml": f"XML 声明为 {d}",
            }[self.declared_source]
        return {
            "argument": f"you chose {d}",
            "cpg": f"the .cpg file says {d}",
            "ldid": f"the .dbf language id says {d}",
            "format": f"the file format requires {d}",
            "xml": f"the XML declaration says {d}",
        }[self.declared_source]


@dataclass(frozen=True)
class EncodingChoice:
    """The encoding chosen for a file's text, and why.

    Attributes
    ----------
    encoding
        Name GDAL and Python both understand ("UTF-8", "GBK", "GB18030", ...).
    source
        "argument" (the caller said so), "cpg" (the .cpg file), "ldid" (the .dbf language
        id), "format" (the format's rule), "xml" (a KML file's XML declaration), "detected"
        (weighed from the bytes) or "default" (nothing to decide on: all text is ASCII).
    conflict
        Set when a stated encoding and the bytes disagree plainly: the .cpg, language id,
        format rule or XML declaration was overruled (``source`` is "detected"), or the
        user's choice was followed against the bytes (``source`` is "argument").
    medium
        "dbf" for a Shapefile's attributes, "text" for a CSV or other text file (wording).
    """

    encoding: str
    source: EncodingSource
    conflict: EncodingConflict | None = field(default=None, compare=False)
    medium: Literal["dbf", "text"] = field(default="dbf", compare=False)

    def describe(self, language: str = "zh") -> str:
        """Return a one-line explanation for the user."""
        where_zh = " .dbf " if self.medium == "dbf" else "文件"
        where_en = "the .dbf bytes" if self.medium == "dbf" else "the file's bytes"
        zh = {
            "argument": "按指定",
            "cpg": "按 .cpg 文件",
            "ldid": "按 .dbf 语言标识",
            "format": "按文件格式规定",
            "xml": "按 XML 声明",
            "detected": f"按{where_zh}内容检测",
            "default": "全部为 ASCII，按默认",
        }[self.source]
        en = {
            "argument": "as stated",
            "cpg": "from the .cpg file",
            "ldid": "from the .dbf language id",
            "format": "as the file format requires",
            "xml": "from the XML declaration",
            "detected": f"detected from {where_en}",
            "default": "all text is ASCII; default",
        }[self.source]
        c = self.conflict
        if c is not None and self.source == "argument":
            zh += f"；内容更像 {c.detected}"
            en += f"; the bytes look like {c.detected}"
        elif c is not None:
            zh += f"；{c.stated('zh')}，与内容不符"
            en += f"; {c.stated('en')}, which the bytes contradict"
        label_zh = "属性文字编码" if self.medium == "dbf" else "文字编码"
        label_en = "Attribute text encoding" if self.medium == "dbf" else "Text encoding"
        if language == "zh":
            return f"{label_zh}：{self.encoding}（{zh}）"
        return f"{label_en}: {self.encoding} ({en})"

    def warning(self) -> tuple[str, str] | None:
        """Return the (Chinese, English) warning when a stated encoding and the bytes disagree.

        It names both encodings, shows the same value read under each, and says which one
        the import used and how to choose the other.
        """
        c = self.conflict
        if c is None:
            return None
        shown_d, shown_t = _quote(c.sample_declared), _quote(c.sample_detected)
        head_zh = (
            f"文字编码不一致：{c.stated('zh')}，但同一个值按 {c.declared} "
            f"读作“{shown_d}”，按 {c.detected} 读作“{shown_t}”。"
        )
        head_en = (
            f"Text encoding mismatch: {c.stated('en')}, but the same value "
            f"reads '{shown_d}' as {c.declared} and '{shown_t}' as {c.detected}."
        )
        if self.source == "argument":
            return (
                head_zh + f"已按指定的 {c.declared} 导入；如文字显示为乱码，请改选 {c.detected}。",
                head_en + f" Imported as {c.declared}, as you chose; if the text looks garbled, "
                f"choose {c.detected}.",
            )
        return (
            head_zh + f"已按内容相符的 {c.detected} 导入；如确为 {c.declared}，请导入时指定编码。",
            head_en + f" Imported as {c.detected}, which the bytes fit; if the file really is "
            f"{c.declared}, state the encoding when importing.",
        )


def _quote(text: str, limit: int = 24) -> str:
    text = "".join(ch if ch.isprintable() else "\ufffd" for ch in text.replace("\ufeff", ""))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _read_sample(sample: TextSample, encoding: str) -> tuple[str, float]:
    """Decode one sample; return the text and its log-likelihood (errors included)."""
    codec = "utf-8" if encoding.upper() == "UTF-8" else encoding
    text: str | None = None
    try:
        text = sample.raw.decode(codec)
    except UnicodeDecodeError:
        if sample.may_be_cut:  # a character cut by a fixed field width is not evidence
            for k in (1, 2, 3):
                try:
                    text = sample.raw[:-k].decode(codec)
                    break
                except UnicodeDecodeError:
                    continue
        if text is None:
            text = sample.raw.decode(codec, errors="replace")
    return text, text_log_likelihood(text)


def _candidates(declared: str | None) -> list[str]:
    if declared is None:
        return ["UTF-8", "GB18030"]
    out = [declared]
    if declared.upper() != "UTF-8":
        out.append("UTF-8")
    if declared.upper() in _GB_RIVALS and declared.upper() != "GB18030":
        out.append("GB18030")
    return out


def weigh_encodings(
    samples: Sequence[TextSample],
    *,
    declared: str | None = None,
    source: DeclaredSource = "cpg",
    medium: Literal["dbf", "text"] = "dbf",
) -> EncodingChoice:
    """Choose the encoding of some text from its bytes and what was stated about it.

    Parameters
    ----------
    samples
        Non-ASCII pieces of the file (field values, names, cells); ASCII pieces read the
        same under every candidate and may be left out.
    declared
        The stated encoding (canonical name), if any.
    source
        Who stated it. A user's choice ("argument") is followed even when the bytes
        contradict it; any other statement is overruled when they do plainly.
    medium
        For the wording of :meth:`EncodingChoice.describe`.

    Returns
    -------
    EncodingChoice
        With ``conflict`` set when the stated encoding makes the bytes at least
        :data:`PLAIN_CONTRADICTION` less likely than the reading that fits best.
    """
    pieces = [s for s in samples if not s.raw.isascii()]
    if not pieces:
        if declared is not None:
            return EncodingChoice(declared, source, medium=medium)
        return EncodingChoice("UTF-8", "default", medium=medium)
    names = _candidates(declared)
    scores = dict.fromkeys(names, 0.0)
    for piece in pieces:
        for name in names:
            scores[name] += _read_sample(piece, name)[1]
    best = max(names, key=lambda n: (scores[n], -names.index(n)))  # ties: the earlier one
    if declared is None:
        return EncodingChoice(best, "detected", medium=medium)
    evidence = scores[best] - scores[declared]
    if best == declared or evidence < PLAIN_CONTRADICTION:
        return EncodingChoice(declared, source, medium=medium)
    said, seen = _first_difference(pieces, declared, best)
    conflict = EncodingConflict(declared, source, best, said, seen, evidence)
    if source == "argument":
        return EncodingChoice(declared, "argument", conflict, medium)
    return EncodingChoice(best, "detected", conflict, medium)


def _first_difference(pieces: Iterable[TextSample], a: str, b: str) -> tuple[str, str]:
    first: tuple[str, str] | None = None
    for piece in pieces:
        ta, tb = _read_sample(piece, a)[0], _read_sample(piece, b)[0]
        if ta != tb:
            # prefer a value that reads cleanly as the better encoding
            if "\ufffd" not in tb:
                return ta, tb
            first = first or (ta, tb)
    return first or ("", "")


# --- where the samples come from -------------------------------------------------------------


def dbf_samples(data: bytes) -> list[TextSample]:
    """Return the distinct non-ASCII field names and values of a .dbf (or its first bytes).

    Bytes that are not a .dbf (no sensible header) are returned as one sample.
    """
    if len(data) < 32:
        return [TextSample(data, True)]
    header_len = int.from_bytes(data[8:10], "little")
    record_len = int.from_bytes(data[10:12], "little")
    fields: list[int] = []
    names: dict[bytes, TextSample] = {}
    out: dict[bytes, TextSample] = {}
    for start in range(32, min(header_len, len(data)) - 31, 32):
        if data[start] == 0x0D:  # end of the field descriptors
            break
        name = data[start : start + 11].split(b"\x00")[0]
        if not name.isascii():
            names.setdefault(name, TextSample(name, len(name) >= 10))
        fields.append(data[start + 16])
    if not (32 <= header_len <= len(data)) or not fields or record_len < 1 + sum(fields):
        return [TextSample(data, True)]
    for at in range(header_len, len(data) - record_len + 1, record_len):
        pos = at + 1  # byte 0: deletion flag
        for width in fields:
            raw = data[pos : pos + width]
            pos += width
            value = raw.rstrip(b" \x00")
            if value and not value.isascii() and value not in out:
                out[value] = TextSample(value, len(value) == width)
        if len(out) >= _MAX_SAMPLES:
            break
    return [*out.values(), *(v for k, v in names.items() if k not in out)]


_CELL_BREAKS = re.compile(rb"[\t\r\n,;:\"<>=]")


def text_samples(data: bytes, *, truncated: bool = False) -> list[TextSample]:
    """Return the distinct non-ASCII cells of a delimited text file's bytes.

    Cells end at commas, tabs, semicolons, line ends, and the quotes, colons, angle
    brackets and equals signs of GeoJSON and KML: bytes below 0x40, which never occur
    inside a UTF-8, GBK or GB18030 multi-byte character. ``truncated``: the bytes are the
    head of a longer file, so the last cell may end mid-character.
    """
    header, newline, body = data.partition(b"\n")
    if not newline:
        header, body = b"", header
    out: dict[bytes, TextSample] = {}
    # values first, the header line last: a value makes the better example in a warning
    for part, last_may_be_cut in ((body, truncated), (header, False)):
        cells = _CELL_BREAKS.split(part)
        for i, cell in enumerate(cells):
            value = cell.strip(b" ")
            if value and not value.isascii() and value not in out:
                out[value] = TextSample(value, last_may_be_cut and i == len(cells) - 1)
                if len(out) >= _MAX_SAMPLES:
                    return list(out.values())
    return list(out.values())


def detect_text_encoding(
    data: bytes,
    *,
    declared: str | None = None,
    source: DeclaredSource = "argument",
    truncated: bool = False,
) -> EncodingChoice:
    """Weigh the encoding of a CSV or other text file from its bytes (see :func:`weigh_encodings`).

    With nothing stated, a byte-order mark decides (UTF-16, or UTF-8 with a BOM); a stated
    encoding is weighed against the bytes, the BOM among them.
    """
    if declared is None and data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return EncodingChoice("UTF-16", "detected", medium="text")
    if declared is None and data.startswith(codecs.BOM_UTF8):
        return EncodingChoice("UTF-8", "detected", medium="text")
    return weigh_encodings(
        text_samples(data, truncated=truncated), declared=declared, source=source, medium="text"
    )


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


def dbf_language_encoding(data: bytes) -> str | None:
    """Return the code page a .dbf's language driver id (header byte 29) names, if any."""
    return _LDID.get(data[29]) if len(data) >= 32 else None


def detect_dbf_encoding(
    data: bytes, *, declared: str | None = None, source: DeclaredSource = "cpg"
) -> EncodingChoice:
    """Choose the encoding of a .dbf's text from its bytes and what was stated about it.

    Parameters
    ----------
    data
        The .dbf file's bytes (or its first few megabytes).
    declared
        The stated encoding (canonical name): the user's choice, the .cpg or the language
        id; None when nothing was stated.
    source
        Who stated it; see :func:`weigh_encodings`.

    Returns
    -------
    EncodingChoice
        With nothing stated, the likelier of UTF-8 and GB18030 ("default" UTF-8 for ASCII).
        A stated encoding stands unless the bytes plainly contradict it; a plainly
        contradicted .cpg or language id gives way to the reading that fits, a user's choice
        stays; either way ``conflict`` says so.
    """
    samples = dbf_samples(data[:_SAMPLE_BYTES])
    return weigh_encodings(samples, declared=declared, source=source)


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
        The user's choice: followed even when the bytes contradict it (the returned
        choice's ``conflict`` and :meth:`EncodingChoice.warning` then say so).

    Returns
    -------
    EncodingChoice or None
        None when the file is not a Shapefile (no .dbf to look at).
    """
    path = Path(path)
    declared: str | None = None
    source: DeclaredSource = "argument"
    if encoding:
        declared = normalise_encoding(encoding)
    if path.suffix.lower() not in (".shp", ".dbf", ".zip"):
        return None if declared is None else EncodingChoice(declared, "argument")
    cpg = _sidecar(path, ".cpg") if declared is None else None
    if cpg is not None:
        try:
            raw = _read_head(*cpg)[:200].decode("ascii", errors="ignore")
        except (OSError, zipfile.BadZipFile, KeyError):
            raw = ""
        # an unreadable .cpg is no better than none: look at the bytes
        with contextlib.suppress(InputError):
            if raw.strip():
                declared, source = normalise_encoding(raw), "cpg"
    dbf = _sidecar(path, ".dbf")
    if dbf is None:
        return None if declared is None else EncodingChoice(declared, source)
    try:
        data = _read_head(*dbf)
    except (OSError, zipfile.BadZipFile, KeyError):
        return None if declared is None else EncodingChoice(declared, source)
    if declared is None and (ldid := dbf_language_encoding(data)) is not None:
        declared, source = ldid, "ldid"
    return detect_dbf_encoding(data, declared=declared, source=source)


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


def preview_text_values(path: str | Path, encoding: str, *, rows: int = 10) -> pd.DataFrame:
    """Return the first distinct non-ASCII values of a GeoJSON or KML file as text.

    One value per row, decoded with ``encoding`` (undecodable bytes show as U+FFFD): what
    the import dialog shows for formats it has no table preview of.
    """
    codec = normalise_encoding(encoding)
    python_codec = "utf-8-sig" if codec == "UTF-8" else codec
    with Path(path).open("rb") as fh:
        head = fh.read(256 * 1024)
    values = [s.raw.decode(python_codec, errors="replace") for s in text_samples(head)[:rows]]
    return pd.DataFrame({"文字 / text": values}, dtype=object)
