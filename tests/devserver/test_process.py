"""`python -m devserver` as a real process: ports, wiring, and a clean stop."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.devserver import stack as devstack
from tests.devserver.conftest import served_index


@pytest.fixture
def running(dist: Path, tmp_path: Path) -> Iterator[devstack.Stack]:
    with devstack.running(dist, tmp_path / "devserver.log") as stack:
        yield stack


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, dict(response.headers), response.read()


def test_it_serves_the_site_and_the_api_wired_to_each_other(running: devstack.Stack) -> None:
    status, headers, body = _get(f"{running.site_url}/pipelines/7")
    assert (status, body) == (200, served_index(running.api_url))
    assert f"connect-src 'self' {running.api_url}" in headers["Content-Security-Policy"]

    _, _, config = _get(f"{running.site_url}/config.json")
    assert json.loads(config)["apiUrl"] == running.api_url

    _, _, echo = _get(f"{running.api_url}/health?x=1")
    answer = json.loads(echo)
    assert answer["event"]["rawPath"] == "/health"
    assert answer["environment"]["STAGE"] == "local"
    assert answer["environment"]["ALLOWED_ORIGIN"] == running.site_url
    assert answer["environment"]["RELEASE"]


@pytest.mark.parametrize(
    "target", ["/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt"]
)
def test_a_raw_traversal_on_the_wire_gets_the_index_not_the_file(
    running: devstack.Stack, target: str
) -> None:
    # http.client sends the target untouched, unlike browsers and urllib, which normalise it.
    address = urlsplit(running.site_url)
    assert address.hostname is not None
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
    connection.request("GET", target)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    assert b"outside the dist folder" not in body
    assert body == served_index(running.api_url)


def test_the_api_path_reaches_the_function_percent_encoded(running: devstack.Stack) -> None:
    _, _, echo = _get(f"{running.api_url}/pipelines/a%20b?status=failed&status=queued")
    event = json.loads(echo)["event"]
    assert event["rawPath"] == "/pipelines/a%20b"
    assert event["queryStringParameters"] == {"status": "failed,queued"}


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_stops_both_servers_cleanly(
    dist: Path, tmp_path: Path, sig: signal.Signals
) -> None:
    stack = devstack.start(dist, tmp_path / "devserver.log")
    site, api = urlsplit(stack.site_url), urlsplit(stack.api_url)
    _get(f"{stack.site_url}/")
    # Within the stop's own bound, or stop() fails saying so; how fast is not a test's business.
    code = stack.stop(sig, timeout=10)
    assert code == 0, stack.log()
    assert "Traceback" not in stack.log()
    for address in (site, api):
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((address.hostname, address.port), timeout=2)


def _run_devserver(dist: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "devserver",
            "--dist",
            str(dist),
            "--backend",
            str(devstack.STANDIN_BACKEND),
        ],
        cwd=devstack.REPO,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.mark.parametrize("variable", ["SITE_PORT", "API_PORT", "FUNCTION_PORT"])
def test_a_taken_port_is_one_clear_line_and_a_failing_exit(dist: Path, variable: str) -> None:
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    port = holder.getsockname()[1]
    try:
        result = _run_devserver(
            dist, {"SITE_PORT": "0", "API_PORT": "0", "FUNCTION_PORT": "0", variable: str(port)}
        )
    finally:
        holder.close()
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"port {port} ({variable}" in lines[0]
    assert "already in use" in lines[0]


def test_a_missing_build_names_the_build_command(tmp_path: Path) -> None:
    result = _run_devserver(tmp_path / "nothing", {"SITE_PORT": "0", "API_PORT": "0"})
    assert result.returncode != 0
    assert "npm run build" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_port_value_is_refused(dist: Path) -> None:
    result = _run_devserver(dist, {"SITE_PORT": "eighty", "API_PORT": "0"})
    assert result.returncode != 0
    assert "SITE_PORT='eighty' is not a port number" in result.stderr
