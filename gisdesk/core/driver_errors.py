"""Errors of the data drivers (GDAL through pyogrio, PostGIS through psycopg, SQLite) in words
the user can act on.

A driver's message is English and technical ("relation \"roads\" does not exist"). What the
user reads first is a Chinese (or English) explanation; the driver's own text is kept as the
details, for a details button and for whoever helps. Drivers are recognised by the module of
the exception's type, so this module imports none of them. Qt-free.
"""

from __future__ import annotations

from dataclasses import dataclass

from gisdesk.core.errors import GisdeskError
from gisdesk.core.i18n import tr

__all__ = ["DriverProblem", "driver_exception", "explain", "explain_gisdesk_error"]

_DRIVERS = (  # module prefix, what the user is told the driver is
    ("pyogrio", ("数据驱动（GDAL）", "the data driver (GDAL)")),
    ("fiona", ("数据驱动（GDAL）", "the data driver (GDAL)")),
    ("osgeo", ("数据驱动（GDAL）", "the data driver (GDAL)")),
    ("rasterio", ("数据驱动（GDAL）", "the data driver (GDAL)")),
    ("psycopg", ("数据库服务器（PostGIS）", "the database server (PostGIS)")),
    ("sqlite3", ("SQLite 数据库", "the SQLite database")),
)

# Causes that drivers word in several ways: Chinese, English
_UNRECOGNISED = (
    "文件格式无法识别：不是支持的数据格式，或文件已损坏。",
    "the file format is not recognised: not a supported format, or the file is damaged.",
)
_NO_FILE = ("文件不存在，或路径有误。", "the file does not exist or the path is wrong.")
_NO_LAYER = ("文件中没有这个图层。", "the file has no such layer.")
_NO_FILE_PERMISSION = ("没有读写这个文件的权限。", "no permission to read or write the file.")
_READ_ONLY = ("文件或文件夹只读，无法写入。", "the file or folder is read-only.")
_DISK_FULL = ("磁盘空间不足。", "the disk is full.")
_UNREACHABLE = (
    "无法连接到服务器：服务器未运行、地址或端口有误，或网络不通。",
    "cannot reach the server: it is down, its address or port is wrong, or no network.",
)
_CONCURRENT_EDIT = (
    "其他用户正在同时修改同一数据，请稍后重试。",
    "another user is changing the same data; try again shortly.",
)

# (words that must all occur in the driver's text, lower case), Chinese, English
_GDAL = (
    (("not recognized as",), *_UNRECOGNISED),
    (("not recognised as",), *_UNRECOGNISED),
    (("no such file",), *_NO_FILE),
    (("layer", "not found"), *_NO_LAYER),
    (("could not open layer",), *_NO_LAYER),
    (("layer", "could not be opened"), *_NO_LAYER),
    (
        ("database is locked",),
        "文件正被其他程序使用（已锁定），请关闭那个程序后重试。",
        "the file is in use by another program (locked); close it and try again.",
    ),
    (
        ("file is not a database",),
        "文件已损坏，或不是 GeoPackage/SQLite 文件。",
        "the file is damaged or not a GeoPackage/SQLite file.",
    ),
    (("malformed",), "文件已损坏。", "the file is damaged."),
    (("permission denied",), *_NO_FILE_PERMISSION),
    (("read-only",), *_READ_ONLY),
    (("readonly",), *_READ_ONLY),
    (("no space left",), *_DISK_FULL),
    # The same causes as the C library words them under zh_CN (GDAL and libpq pass them on).
    (("没有那个文件或目录",), *_NO_FILE),
    (("权限不够",), *_NO_FILE_PERMISSION),
    (("只读文件系统",), *_READ_ONLY),
    (("设备上没有空间",), *_DISK_FULL),
)
_POSTGIS = (
    (
        ("password authentication failed",),
        "用户名或密码不正确。",
        "the user name or password is wrong.",
    ),
    (("no password supplied",), "需要输入密码。", "a password is needed."),
    (("connection refused",), *_UNREACHABLE),
    (("拒绝连接",), *_UNREACHABLE),  # libpq / the C library under zh_CN
    (
        ("could not translate host name",),
        "服务器地址无法解析，请检查主机名。",
        "the server's host name cannot be resolved; check it.",
    ),
    (
        ("timeout expired",),
        "连接服务器超时：服务器未响应或网络不通。",
        "the server did not answer in time, or the network is down.",
    ),
    (
        ("server closed the connection",),
        "与服务器的连接中断了。",
        "the connection to the server was lost.",
    ),
    (
        ("terminating connection",),
        "服务器终止了连接（可能正在重启）。",
        "the server ended the connection (it may be restarting).",
    ),
    (
        ("connection is closed",),
        "与服务器的连接已关闭。",
        "the connection to the server is closed.",
    ),
    (
        ("database", "does not exist"),
        "服务器上没有这个数据库。",
        "the server has no such database.",
    ),
    (
        ("relation", "does not exist"),
        "数据库中没有这张表（可能已被删除或改名）。",
        "the database has no such table (it may have been dropped or renamed).",
    ),
    (
        ("column", "does not exist"),
        "表中没有这个字段（表结构可能已被修改）。",
        "the table has no such column (its structure may have changed).",
    ),
    (
        ("permission denied",),
        "当前账户无权执行这项操作，请联系数据库管理员。",
        "this account may not do that; ask the database administrator.",
    ),
    (("duplicate key",), "已有相同编号的记录。", "a record with the same id exists already."),
    (("violates not-null",), "必填字段为空。", "a required field is empty."),
    (
        ("violates foreign key",),
        "值引用的记录不存在。",
        "a value refers to a record that does not exist.",
    ),
    (
        ("violates check constraint",),
        "值不符合数据库规定的取值范围。",
        "a value breaks a rule of the database.",
    ),
    (("deadlock",), *_CONCURRENT_EDIT),
    (("could not serialize",), *_CONCURRENT_EDIT),
)
_PATTERNS = {
    "pyogrio": _GDAL,
    "fiona": _GDAL,
    "osgeo": _GDAL,
    "rasterio": _GDAL,
    "psycopg": _POSTGIS,
    "sqlite3": _GDAL,
}


@dataclass(frozen=True)
class DriverProblem:
    """A driver's error explained: what the user reads first, and the driver's own text."""

    zh: str
    en: str
    details: str  # "<module>.<type>: <the driver's message>"
    specific: bool  # whether a known cause was recognised (not only "the driver failed")

    def message(self, language: str | None = None) -> str:
        """The explanation in the given language."""
        return tr(self.zh, self.en, language)


def _driver(exc: BaseException) -> str | None:
    module = type(exc).__module__ or ""
    for prefix, _ in _DRIVERS:
        if module == prefix or module.startswith(prefix + "."):
            return prefix
    return None


def driver_exception(exc: BaseException) -> BaseException | None:
    """The driver's exception behind ``exc`` (itself, its cause or context), or None."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if _driver(current) is not None:
            return current
        current = current.__cause__ or current.__context__
    return None


def _original(exc: BaseException) -> str:
    return f"{type(exc).__module__}.{type(exc).__name__}: {str(exc).strip()}"


def explain(exc: BaseException) -> DriverProblem | None:
    """Explain a driver's exception (None when ``exc`` does not come from a driver)."""
    found = driver_exception(exc)
    if found is None:
        return None
    prefix = _driver(found)
    assert prefix is not None
    who_zh, who_en = next(names for p, names in _DRIVERS if p == prefix)
    low = str(found).lower()
    for words, zh, en in _PATTERNS[prefix]:
        if all(w in low for w in words):
            return DriverProblem(
                f"{who_zh}报告错误：{zh}",
                f"Error from {who_en}: {en}",
                _original(found),
                True,
            )
    return DriverProblem(
        f"{who_zh}报告了错误，操作未完成。原始错误信息见“详细信息”。",
        f"{who_en[0].upper()}{who_en[1:]} reported an error; nothing was done. The original "
        "message is under Details.",
        _original(found),
        False,
    )


def explain_gisdesk_error(exc: GisdeskError) -> tuple[str, str, str]:
    """(zh, en, details) of a gisdesk error, the driver's own text moved to the details.

    Messages that quote the driver (``…未保存：<driver text>`` or ``…（<driver text>）``)
    lose the quote; a known cause is said in words instead; the quote goes to the details,
    after any details the error carries itself.
    """
    zh, en = exc.zh, exc.en
    details = [exc.details] if exc.details else []
    behind = exc.__cause__ or exc.__context__  # ``raise … from None`` keeps the context
    found = driver_exception(behind) if behind is not None else None
    if found is None:
        return zh, en, "\n".join(details)
    text = str(found).strip()
    problem = explain(found)
    assert problem is not None
    zh, cut_zh = _cut(zh, text, "。")
    en, cut_en = _cut(en, text, ".")
    if problem.specific and cut_zh:
        zh = _with_cause(zh, problem.zh.split("：", 1)[1], "原因：")
    if problem.specific and cut_en:
        en = _with_cause(en, problem.en.split(": ", 1)[1], " Cause: ")
    details.append(problem.details)
    return zh, en, "\n".join(details)


def _cut(message: str, text: str, stop: str) -> tuple[str, bool]:
    """``message`` without its quote of ``text``; whether the quote ended it (a cause in
    words then takes its place at the end)."""
    if not text:
        return message, False
    for quoted in (f"（{text}）", f"({text})", f"：{text}", f": {text}", f" {text}", text):
        if quoted in message:
            trailing = message.rstrip(" 。.").endswith(quoted.rstrip(" 。."))
            return _end(message.replace(quoted, ""), stop), trailing
    return message, False


def _with_cause(message: str, cause: str, lead: str) -> str:
    """Add the cause, unless the message says it already (its last clause is there)."""
    last = cause.rstrip("。.").split("：")[-1].split(": ")[-1].strip()
    return message if last and last.lower() in message.lower() else message + lead + cause


def _end(text: str, stop: str) -> str:
    text = text.rstrip(" ：:，,")
    return text if text.endswith(("。", ".", "！", "？", "!", "?")) else text + stop
