"""Bulk companyfacts.zip: members of the requested names become ordinary snapshots."""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from screener.cli import cli
from screener.devtools.mockhttp import MockServer
from screener.errors import ProviderError
from screener.providers.sec import SecProvider
from screener.providers.sec_bulk import BULK_PATH, import_bulk
from screener.store import Store

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures" / "sec"))
from secmock import HERE, serve_fixtures

UA = "Jane Doe jane@example.com"


def make_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(HERE / "classic.json", "CIK0000001111.json")
        zf.write(HERE / "quarter.json", "CIK0000003333.json")
        zf.writestr("CIK0000009999.json", '{"cik": 9999, "facts": {}}')
    return path


@pytest.fixture
def server():
    with MockServer() as srv:
        serve_fixtures(srv)
        yield srv


def test_import_from_a_local_zip(server, tmp_path):
    provider = SecProvider(user_agent=UA, data_base_url=server.url, www_base_url=server.url)
    with Store.open(tmp_path / "s.sqlite") as st:
        report = import_bulk(provider, st, ["ACME", "QTR", "ROLL", "NOPE"],
                             zip_path=make_zip(tmp_path / "companyfacts.zip"))
        assert sorted(report.stored) == ["ACME", "QTR"] and report.members == 3
        assert {f.ticker for f in report.failed} == {"ROLL", "NOPE"}
        bundle = st.load_bundle(["ACME", "QTR"])
    assert bundle.ladder.loc["ACME", "due_y1"] == 100_000_000
    assert server.count("/api/xbrl/companyfacts/") == 0  # no per-company requests


def test_download_then_import(server, tmp_path):
    server.route(BULK_PATH, body=make_zip(tmp_path / "src.zip").read_bytes())
    provider = SecProvider(user_agent=UA, data_base_url=server.url, www_base_url=server.url)
    with Store.open(tmp_path / "store" / "s.sqlite") as st:
        report = import_bulk(provider, st, ["ACME"])
        assert report.stored == ["ACME"]
    assert (tmp_path / "store" / "companyfacts.zip").exists()


def test_a_broken_zip_is_a_clear_error(server, tmp_path):
    bad = tmp_path / "companyfacts.zip"
    bad.write_bytes(b"not a zip")
    provider = SecProvider(user_agent=UA, data_base_url=server.url, www_base_url=server.url)
    with Store.open(tmp_path / "s.sqlite") as st, pytest.raises(ProviderError, match="not a "
                                                                 "readable"):
        import_bulk(provider, st, ["ACME"], zip_path=bad)


def test_fetch_command_with_bulk_file(server, tmp_path, monkeypatch):
    monkeypatch.setenv("SCREENER_SEC_DATA_BASE_URL", server.url)
    monkeypatch.setenv("SCREENER_SEC_WWW_BASE_URL", server.url)
    monkeypatch.setenv("SCREENER_SEC_USER_AGENT", UA)
    monkeypatch.setenv("SCREENER_STORE", str(tmp_path / "s.sqlite"))
    zp = make_zip(tmp_path / "companyfacts.zip")
    result = CliRunner().invoke(cli, ["fetch", "--tickers", "ACME,QTR", "--bulk-file", str(zp)])
    assert result.exit_code == 0, result.output
    assert "2 names stored" in result.output
