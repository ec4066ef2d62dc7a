"""The suite's own guards work: a test that reaches for the internet fails loudly."""

import socket

import pytest


def test_plain_sockets_cannot_leave_the_machine():
    with pytest.raises(RuntimeError, match="network"):
        socket.create_connection(("192.0.2.1", 80), timeout=0.1)


def test_curl_cffi_used_by_yfinance_cannot_leave_the_machine():
    from curl_cffi import requests as curl

    with pytest.raises(RuntimeError, match="curl_cffi"):
        curl.Session().get("https://query2.finance.yahoo.com/v10/finance/quoteSummary/ABCD")


def test_loopback_is_allowed():
    import requests

    from screener.devtools.mockhttp import MockServer

    with MockServer() as srv:
        srv.route("/ok", body="fine")
        assert requests.get(srv.url + "/ok", timeout=5).text == "fine"
