"""Suite-wide guards: no network but loopback, and no test touches the user's real data."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

import pytest

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _is_local(address) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX path
        return True
    host = address[0]
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded(real):
    def connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address):
            raise RuntimeError(f"Test tried to reach the network: {address!r}. "
                               "Serve a fixture from 127.0.0.1 instead.")
        return real(self, address)
    return connect


def _guard_curl_cffi():
    """yfinance talks through curl_cffi (libcurl's own sockets, invisible to the guard above)."""
    try:
        from curl_cffi.requests import Session
    except ImportError:  # pragma: no cover
        return None, None
    real = Session.request

    def request(self, method, url, *args, **kwargs):
        host = urlsplit(str(url)).hostname or ""
        if not _is_local((host, 0)):
            raise RuntimeError(f"Test tried to reach the network through curl_cffi: {url}. "
                               "Stub yfinance or serve a fixture from 127.0.0.1 instead.")
        return real(self, method, url, *args, **kwargs)

    Session.request = request
    return Session, real


@pytest.fixture(autouse=True, scope="session")
def _no_network():
    socket.socket.connect = _guarded(_real_connect)
    socket.socket.connect_ex = _guarded(_real_connect_ex)
    session, real_request = _guard_curl_cffi()
    yield
    socket.socket.connect = _real_connect
    socket.socket.connect_ex = _real_connect_ex
    if session is not None:
        session.request = real_request


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path_factory, monkeypatch):
    """Every test gets its own data and output folders; no API key leaks in from the shell."""
    base = tmp_path_factory.mktemp("screener-home")
    monkeypatch.setenv("SCREENER_DATA_DIR", str(base / "data"))
    monkeypatch.setenv("SCREENER_OUTPUT_DIR", str(base / "output"))
    monkeypatch.setenv("SCREENER_CONFIG_DIR", str(base / "config"))
    monkeypatch.delenv("SCREENER_STORE", raising=False)
    monkeypatch.delenv("FINANCIAL_MODELING_PREP_API_KEY", raising=False)
    monkeypatch.delenv("SCREENER_SEC_USER_AGENT", raising=False)
    yield
