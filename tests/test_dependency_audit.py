"""scripts/audit_dependencies.py: a run that could check nothing says "not audited", never "clean"."""

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "audit_dependencies.py"
spec = importlib.util.spec_from_file_location("audit_dependencies", SCRIPT)
audit = importlib.util.module_from_spec(spec)
spec.loader.exec_module(audit)

SKIPPED = {"name": "django", "skip_reason": "Dependency not found on PyPI and could not be audited: django (5.2.20)"}
CLEAN = {"name": "redis", "version": "8.1.0", "vulns": []}
VULNERABLE = {"name": "pillow", "version": "12.0.0", "vulns": [{"id": "GHSA-xxxx", "fix_versions": ["12.0.1"]}]}


@pytest.mark.parametrize(("report", "said", "first_line", "status"), [
    ({"dependencies": [SKIPPED, SKIPPED]}, "", "not audited: no vulnerability source answered for any of 2", 0),
    (None, "ConnectionError: api.osv.dev", "not audited: pip-audit gave no report (ConnectionError", 0),
    ({"dependencies": [CLEAN]}, "", "audited: 1 packages", 0),
    ({"dependencies": [CLEAN, SKIPPED]}, "", "partially audited: 1 of 2 packages (skipped: django)", 0),
    ({"dependencies": [CLEAN, VULNERABLE]}, "", "pillow 12.0.0: GHSA-xxxx (fixed in 12.0.1)", 1),
])
def test_the_verdict_says_what_was_checked(report, said, first_line, status):
    text, code = audit.verdict(report, said)
    assert text.startswith(first_line) and code == status
    assert ("no known vulnerabilities" in text) is (report is not None and VULNERABLE not in report["dependencies"]
                                                   and CLEAN in report["dependencies"])


def test_documented_exceptions_are_ignored_by_id(tmp_path, monkeypatch):
    ignore = tmp_path / ".pip-audit-ignore"
    ignore.write_text("# accepted\nGHSA-aaaa  # only reachable from the admin\n\nPYSEC-1\n")
    monkeypatch.setattr(audit, "IGNORE_FILE", ignore)
    assert audit.ignored_ids() == ["GHSA-aaaa", "PYSEC-1"]
