"""Connection profiles and passwords: saved without the password, kept in a keyring on request."""

from __future__ import annotations

import json

import keyring
import pytest
from keyring.backend import KeyringBackend

from gisdesk.core.errors import GisdeskError, InputError
from gisdesk.io.postgis.profiles import (
    ConnectionProfile,
    connect,
    delete_password,
    keyring_available,
    load_profiles,
    remember_password,
    remembered_password,
    save_profiles,
)


class MemoryKeyring(KeyringBackend):
    """A keyring backend holding passwords in a dict (a real backend, just not persistent)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.secrets.get((service, username))

    def set_password(self, service, username, password):
        self.secrets[(service, username)] = password

    def delete_password(self, service, username):
        self.secrets.pop((service, username), None)


@pytest.fixture
def memory_keyring():
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def test_profiles_round_trip_without_passwords(tmp_path):
    path = tmp_path / "profiles.json"
    profiles = [
        ConnectionProfile("区局", host="10.0.0.5", port=5433, dbname="haimen", user="交警"),
        ConnectionProfile(
            "测试", host="127.0.0.1", user="gd", schema="规划", options={"sslmode": "require"}
        ),
    ]
    save_profiles(profiles, path)
    assert load_profiles(path) == profiles
    text = path.read_text(encoding="utf-8")
    assert "password" not in text.lower()
    # A password someone put into the file by hand is not taken up (nor written back).
    data = json.loads(text)
    data["profiles"][0]["password"] = "secret"
    path.write_text(json.dumps(data), encoding="utf-8")
    loaded = load_profiles(path)
    save_profiles(loaded, path)
    assert "secret" not in path.read_text(encoding="utf-8")


def test_damaged_profiles_file_and_bad_port_are_explained(tmp_path):
    path = tmp_path / "profiles.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(GisdeskError, match="damaged"):
        load_profiles(path)
    assert load_profiles(tmp_path / "none.json") == []
    with pytest.raises(InputError, match="Port"):
        ConnectionProfile("x", port=70000)
    with pytest.raises(InputError, match="name"):
        ConnectionProfile(" ")


def test_keyring_keeps_and_forgets_a_password(memory_keyring):
    profile = ConnectionProfile("p", host="127.0.0.1", port=55432, user="gd_editor_a")
    assert keyring_available()
    assert remembered_password(profile) is None
    assert remember_password(profile, "s3cret")
    assert remembered_password(profile) == "s3cret"
    assert memory_keyring.secrets == {("gisdesk-postgis", profile.keyring_key): "s3cret"}
    delete_password(profile)
    assert remembered_password(profile) is None


def test_without_a_keyring_nothing_is_remembered():
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        profile = ConnectionProfile("p", user="u")
        assert not keyring_available()
        assert not remember_password(profile, "x")
        assert remembered_password(profile) is None
    finally:
        keyring.set_keyring(previous)


def test_unreachable_server_gives_a_clear_message():
    profile = ConnectionProfile("down", host="127.0.0.1", port=1, user="nobody")
    with pytest.raises(GisdeskError) as caught:
        connect(profile, "x", connect_timeout=2)
    assert "无法连接到 PostGIS 服务器" in caught.value.zh
    assert "127.0.0.1:1" in caught.value.en
