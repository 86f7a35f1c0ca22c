"""The command-line entry points, run as real processes the way `make run` and operators do."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EPM = [sys.executable, "-m", "epm.cli"]


def _env(**extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("EPM_", "DJANGO_", "DATABASE_URL"))
    }
    env.update(extra)
    return env


def test_check_deploy_is_clean_in_production(tmp_path):
    env = _env(
        EPM_ENV="production",
        EPM_SECRET_KEY=secrets.token_urlsafe(60),
        EPM_ALLOWED_HOSTS="epm.example.com",
        EPM_VAR_DIR=str(tmp_path),
        EPM_EMAIL_URL="submission://epm:pw@smtp.example.com:587",
    )
    result = subprocess.run(
        [*EPM, "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_without_secret_key_refuses_to_start(tmp_path):
    env = _env(EPM_ENV="production", EPM_ALLOWED_HOSTS="x", EPM_VAR_DIR=str(tmp_path))
    result = subprocess.run(
        [*EPM, "check"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "EPM_SECRET_KEY" in result.stderr
    assert not (tmp_path / "secret_key").exists()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_answers_then_stops_cleanly(tmp_path):
    # given a migrated SQLite database in a fresh var directory
    env = _env(EPM_VAR_DIR=str(tmp_path), EPM_TICK_SECONDS="1")
    subprocess.run(
        [*EPM, "migrate", "--noinput", "-v0"], env=env, cwd=ROOT, check=True, timeout=180
    )
    assert (tmp_path / "secret_key").exists()  # generated on first start, never committed
    port = _free_port()
    # when `epm serve` starts
    server = subprocess.Popen(
        [*EPM, "serve", "--port", str(port), "--workers", "1"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        status = None
        for _ in range(120):
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/login/", timeout=2
                ) as response:
                    status = response.status
                    body = response.read().decode()
                break
            except OSError:
                if server.poll() is not None:
                    break
                time.sleep(0.25)
        # then it serves the sign-in page in Chinese, with its static files
        assert status == 200, server.stdout.read() if server.poll() is not None else "no answer"
        assert "登录" in body
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/static/epm/epm.css", timeout=5
        ) as css:
            assert css.status == 200
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            pytest.fail("epm serve did not stop on SIGTERM")
    assert server.returncode == 0
