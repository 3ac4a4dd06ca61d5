"""PostGIS connection profiles: where a server is, never its password.

Profiles (name, host, port, database, user, schema) are kept in a JSON file in the user's
configuration folder. Passwords are asked each time or kept in the operating system's
keyring (``keyring``) when the user asks for it and a keyring is available; they are never
written to the profiles file or to a project file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gisdesk.core.driver_errors import explain_gisdesk_error
from gisdesk.core.errors import GisdeskError, InputError
from gisdesk.core.i18n import tr

if TYPE_CHECKING:
    import psycopg

__all__ = [
    "KEYRING_SERVICE",
    "ConnectionProfile",
    "ConnectionReport",
    "check_connection",
    "connect",
    "delete_password",
    "keyring_available",
    "load_profiles",
    "profiles_path",
    "remember_password",
    "remembered_password",
    "save_profiles",
]

KEYRING_SERVICE = "gisdesk-postgis"
_PROFILE_KEYS = ("name", "host", "port", "dbname", "user", "schema")


@dataclass(frozen=True)
class ConnectionProfile:
    """Where a PostGIS database is and who connects to it (no password)."""

    name: str
    host: str = "localhost"
    port: int = 5432
    dbname: str = "gisdesk"
    user: str = ""
    schema: str = "public"
    options: dict[str, str] = field(default_factory=dict)  # e.g. {"sslmode": "require"}

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise InputError("连接名称不能为空。", "The connection needs a name.")
        if not 0 < int(self.port) < 65536:
            raise InputError(
                f"端口 {self.port} 无效：应为 1-65535。",
                f"Port {self.port} is not valid: use 1-65535.",
            )

    @property
    def keyring_key(self) -> str:
        """The keyring user name for this profile's password."""
        return f"{self.user}@{self.host}:{self.port}/{self.dbname}"

    def describe(self) -> str:
        """A short text naming the server, for lists and messages."""
        return f"{self.user}@{self.host}:{self.port}/{self.dbname}"

    def to_dict(self) -> dict[str, Any]:
        """The profile as plain data (there is no password in it to leak)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ConnectionProfile:
        """Build a profile from plain data, ignoring keys it does not know (e.g. "password")."""
        known = {k: data[k] for k in _PROFILE_KEYS if k in data}
        known["port"] = int(known.get("port", 5432))
        options = data.get("options") or {}
        return cls(**known, options={str(k): str(v) for k, v in options.items()})


def profiles_path() -> Path:
    """The profiles file: ``$GISDESK_CONFIG_DIR`` or the XDG/AppData configuration folder."""
    base = os.environ.get("GISDESK_CONFIG_DIR")
    if base:
        return Path(base) / "postgis_profiles.json"
    if os.name == "nt" and os.environ.get("APPDATA"):
        return Path(os.environ["APPDATA"]) / "gisdesk" / "postgis_profiles.json"
    xdg = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(xdg) / "gisdesk" / "postgis_profiles.json"


def load_profiles(path: Path | None = None) -> list[ConnectionProfile]:
    """Read the saved profiles (an empty list when there are none)."""
    path = path or profiles_path()
    if not path.exists():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return [ConnectionProfile.from_dict(item) for item in data.get("profiles", [])]
    except (ValueError, TypeError, AttributeError) as exc:
        raise GisdeskError(
            f"PostGIS 连接配置文件 {path} 已损坏（{exc}），请删除后重新添加连接。",
            f"The PostGIS connections file {path} is damaged ({exc}); delete it and add the "
            "connections again.",
        ) from None


def save_profiles(profiles: Iterable[ConnectionProfile], path: Path | None = None) -> Path:
    """Write the profiles (atomically: a new file renamed over the old one)."""
    path = path or profiles_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"profiles": [p.to_dict() for p in profiles]}, ensure_ascii=False, indent=2)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


# --- passwords in the OS keyring -------------------------------------------------------


def keyring_available() -> bool:
    """Whether an OS keyring can hold passwords here (none on a bare server)."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return False
    try:
        return not isinstance(keyring.get_keyring(), fail.Keyring)
    except Exception:  # a broken backend configuration is as good as none
        return False


def remembered_password(profile: ConnectionProfile) -> str | None:
    """The password kept in the keyring for a profile, or None."""
    if not keyring_available():
        return None
    import keyring

    try:
        return keyring.get_password(KEYRING_SERVICE, profile.keyring_key)
    except Exception:  # a locked or broken keyring: ask the user instead
        return None


def remember_password(profile: ConnectionProfile, password: str) -> bool:
    """Keep a password in the keyring; return False when no keyring can take it."""
    if not keyring_available():
        return False
    import keyring

    try:
        keyring.set_password(KEYRING_SERVICE, profile.keyring_key, password)
    except Exception:
        return False
    return True


def delete_password(profile: ConnectionProfile) -> None:
    """Forget a profile's password in the keyring (nothing happens if none is kept)."""
    if not keyring_available():
        return
    import keyring

    try:
        keyring.delete_password(KEYRING_SERVICE, profile.keyring_key)
    except Exception:  # nothing kept, or the keyring is locked: nothing to forget
        return


# --- connecting ------------------------------------------------------------------------


def _explain(exc: Exception, profile: ConnectionProfile) -> GisdeskError:
    text = str(exc).strip()
    low = text.lower()
    where = profile.describe()
    if "password authentication failed" in low or "no password supplied" in low:
        return GisdeskError(
            f"无法登录 {where}：用户名或密码不正确。",
            f"Cannot log in to {where}: the user name or password is wrong.",
        )
    if "does not exist" in low and "database" in low:
        return GisdeskError(
            f"服务器上没有数据库“{profile.dbname}”。",
            f"The server has no database '{profile.dbname}'.",
        )
    if "permission denied" in low:
        return GisdeskError(
            f"账户 {profile.user} 无权连接数据库“{profile.dbname}”，请联系管理员。",
            f"Account {profile.user} may not connect to database '{profile.dbname}'; "
            "ask the administrator.",
        )
    return GisdeskError(
        f"无法连接到 PostGIS 服务器 {where}：服务器未运行、地址或端口有误，或网络不通。（{text}）",
        f"Cannot connect to the PostGIS server {where}: it is not running, the address or "
        f"port is wrong, or the network is down. ({text})",
    )


def connect(
    profile: ConnectionProfile,
    password: str | None = None,
    *,
    connect_timeout: int = 5,
    autocommit: bool = False,
) -> psycopg.Connection[Any]:
    """Open a connection; the password comes from the argument or the keyring.

    Raises
    ------
    GisdeskError
        When the server cannot be reached or refuses the login; the message says which.
    """
    import psycopg

    if password is None:
        password = remembered_password(profile)
    try:
        params: dict[str, Any] = {
            "host": profile.host,
            "port": int(profile.port),
            "dbname": profile.dbname,
            "user": profile.user,
            "password": password or "",
            "connect_timeout": connect_timeout,
            "application_name": "gisdesk",
            **profile.options,
        }
        return psycopg.connect(autocommit=autocommit, **params)
    except psycopg.Error as exc:
        raise _explain(exc, profile) from None


@dataclass(frozen=True)
class ConnectionReport:
    """What a test connection found out."""

    ok: bool
    message_zh: str
    message_en: str
    server_version: str = ""
    postgis_version: str = ""
    roles: tuple[str, ...] = ()
    details: str = ""  # the driver's own text of a failure (for a details button)

    def message(self, language: str = "zh") -> str:
        """The result in the given language."""
        return tr(self.message_zh, self.message_en, language)


def check_connection(profile: ConnectionProfile, password: str | None = None) -> ConnectionReport:
    """Connect once and report the server, PostGIS and the user's gisdesk roles."""
    try:
        conn = connect(profile, password, autocommit=True)
    except GisdeskError as exc:  # the explanation first, the driver's words as details
        zh, en, details = explain_gisdesk_error(exc)
        return ConnectionReport(False, zh, en, details=details)
    try:
        server = str(conn.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
        row = conn.execute(
            "SELECT extversion FROM pg_extension WHERE extname = 'postgis'"
        ).fetchone()
        roles = tuple(
            str(r[0])
            for r in conn.execute(
                "SELECT rolname FROM pg_roles WHERE rolname LIKE 'gisdesk\\_%' "
                "AND pg_has_role(current_user, oid, 'MEMBER') ORDER BY rolname"
            )
        )
    finally:
        conn.close()
    if row is None:
        return ConnectionReport(
            False,
            f"已连接 PostgreSQL {server}，但数据库“{profile.dbname}”未启用 PostGIS 扩展。",
            f"Connected to PostgreSQL {server}, but database '{profile.dbname}' does not have "
            "the PostGIS extension.",
            server,
        )
    postgis = str(row[0])
    access_zh = "编辑" if "gisdesk_editor" in roles or "gisdesk_admin" in roles else "只读"
    access_en = "edit" if access_zh == "编辑" else "read-only"
    if not roles:
        access_zh, access_en = "未分配 gisdesk 角色", "no gisdesk role"
    return ConnectionReport(
        True,
        f"连接成功：PostgreSQL {server}，PostGIS {postgis}，权限：{access_zh}。",
        f"Connected: PostgreSQL {server}, PostGIS {postgis}, access: {access_en}.",
        server,
        postgis,
        roles,
    )
