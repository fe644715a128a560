"""Schemathesis against /api/v1/schema/ on a real daphne: generated requests, valid and invalid, with an
API token. No answer may be a 5xx or break the schema.

The default budget (fuzzing, 3 cases per operation and mode) takes under a minute on two busy cores.
SCHEMATHESIS_PHASES=coverage,fuzzing and SCHEMATHESIS_MAX_EXAMPLES=N widen it (the coverage phase
found the empty multipart 400s that daphne answered without a body).
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from accounts.services.tokens import api_token_create
from tests.accounts.factories import UserFactory

CONFIG = Path(__file__).with_name("schemathesis.toml")


@pytest.fixture
def unthrottled(monkeypatch):
    """Asked for before asgi_server: daphne reads its throttle rates from the environment."""
    monkeypatch.setenv("API_THROTTLE_TOKEN", "100000/min")  # a few hundred requests in seconds


def test_generated_requests_get_no_5xx_and_answers_that_keep_to_the_schema(unthrottled, asgi_server, tmp_path):
    _, key = api_token_create(user=UserFactory(), name="schemathesis")
    command = [
        str(Path(sys.executable).with_name("schemathesis")), "--config-file", str(CONFIG), "--no-color",
        "run", f"{asgi_server.url}/api/v1/schema/",
        "--header", f"Authorization: Bearer {key}",
        "--phases", os.environ.get("SCHEMATHESIS_PHASES", "fuzzing"),
        "--max-examples", os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "3"),
        "--mode", "all", "--seed", "20261206", "--workers", "2",
        "--checks", "not_a_server_error,response_schema_conformance,content_type_conformance",
        "--exclude-operation-id", "tokens_destroy",  # the run's own token would revoke itself
        "--generation-database", "none", "--warnings", "off",
    ]
    run = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    selected, total = map(int, re.search(r"Selected: (\d+)/(\d+)", run.stdout).groups())
    assert total >= 107 and selected == total - 1, "every operation but tokens_destroy was run"
