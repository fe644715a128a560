"""pip-audit over the locked tree, honest about what it could not check.

    python scripts/audit_dependencies.py [requirements.lock requirements-dev.lock]

pip-audit prints "No known vulnerabilities found" even when it could look up nothing: a package index that
does not serve PyPI's per-version JSON, or no way to reach OSV, makes it skip every package. This reads its
JSON report instead and says one of:

- "audited: N packages, no known vulnerabilities"                      exit 0
- "partially audited: N of M packages (skipped: ...)"                  exit 0, or 1 with findings
- "not audited: <reason>"                                              exit 0 (nothing to judge; never "clean")
- each finding, and "N vulnerabilities"                                exit 1

A finding we accept is documented in .pip-audit-ignore (`<vulnerability id>  # why`), passed as --ignore-vuln.
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IGNORE_FILE = ROOT / ".pip-audit-ignore"
TIMEOUT_S = 600


def ignored_ids() -> list[str]:
    if not IGNORE_FILE.exists():
        return []
    lines = (line.split("#")[0].strip() for line in IGNORE_FILE.read_text().splitlines())
    return [line for line in lines if line]


def run_pip_audit(requirements: list[str]) -> tuple[dict | None, str]:
    """pip-audit's JSON report (None when it produced none) and the tail of what it said."""
    command = [sys.executable, "-m", "pip_audit", "--disable-pip", "--no-deps", "--progress-spinner", "off",
               "--format", "json", *(f"--requirement={r}" for r in requirements),
               *(f"--ignore-vuln={vuln}" for vuln in ignored_ids())]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S, cwd=ROOT)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, str(exc)
    try:
        return json.loads(done.stdout), done.stderr[-500:]
    except json.JSONDecodeError:
        return None, (done.stderr or done.stdout)[-500:].strip()


def verdict(report: dict | None, said: str) -> tuple[str, int]:
    """The lines to print and the exit status, from pip-audit's JSON report."""
    if report is None:
        return f"not audited: pip-audit gave no report ({said or 'no output'})", 0
    dependencies = report.get("dependencies", [])
    skipped = [d for d in dependencies if d.get("skip_reason")]
    audited = [d for d in dependencies if not d.get("skip_reason")]
    findings = [(d["name"], d["version"], v) for d in audited for v in d.get("vulns", [])]
    if not audited:
        reason = skipped[0]["skip_reason"] if skipped else "no packages listed"
        return (f"not audited: no vulnerability source answered for any of {len(skipped)} packages "
                f"(e.g. {reason})"), 0
    lines = [f"{name} {version}: {v['id']} (fixed in {', '.join(v.get('fix_versions', [])) or 'no release yet'})"
             for name, version, v in findings]
    if skipped:
        lines.append(f"partially audited: {len(audited)} of {len(dependencies)} packages "
                     f"(skipped: {', '.join(d['name'] for d in skipped)})")
    else:
        lines.append(f"audited: {len(audited)} packages")
    lines.append(f"{len(findings)} vulnerabilities" if findings else "no known vulnerabilities in what was audited")
    return "\n".join(lines), 1 if findings else 0


def main(argv: list[str]) -> int:
    text, status = verdict(*run_pip_audit(argv or ["requirements.lock", "requirements-dev.lock"]))
    print(text)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
