"""media_relay.sfu.dtls: the relay's DTLS client accepts FFmpeg's P-224 certificates.

OpenSSL reads its configuration once, when cryptography first loads it, so each case runs in a
fresh interpreter, started as the relay is (test_whip_ffmpeg.py publishes with FFmpeg end to end).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHECK = "from media_relay.sfu import dtls; dtls.use_dtls_groups(); print(dtls.p224_certificate_accepted())"


def run(code: str, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k != "OPENSSL_CONF"} | {"PYTHONPATH": str(ROOT)} | env
    return subprocess.run(
        [sys.executable, *code], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=60, check=False
    )


def test_with_the_relays_groups_a_p224_certificate_is_accepted():
    assert run(["-c", CHECK]).stdout.split() == ["True"]


def test_without_them_openssl_refuses_it(tmp_path):
    """What FFmpeg's WHIP muxer met before: the deployment's own OpenSSL configuration (here an empty
    one) wins over ours, and without P-224 among the groups the handshake fails."""
    empty = tmp_path / "openssl.cnf"
    empty.write_text("")
    assert run(["-c", CHECK], OPENSSL_CONF=str(empty)).stdout.split() == ["False"]


def test_manage_py_run_relay_starts_with_the_groups():
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "run_relay", "--standalone", "--port", "0", "--host", "127.0.0.1"],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k != "OPENSSL_CONF"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert "media relay listening" in proc.stdout.readline()
    finally:
        proc.terminate()
        _, stderr = proc.communicate(timeout=20)
    assert "refuses P-224" not in stderr
