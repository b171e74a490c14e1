"""pip-audit over the installed environment, against PyPI's vulnerability data.

pip-audit's own verdict is not trusted on its own: when it cannot reach PyPI's per-version JSON
it marks every package "could not be audited", prints "No known vulnerabilities found" and exits
0 (see shared/field-notes.md). So this file reads its JSON report and decides:

- any known vulnerability in an installed package fails, always;
- a package that could not be audited fails when ``ENGAGE_REQUIRE_AUDIT=1`` (CI where PyPI's
  vulnerability data is reachable), and otherwise skips with the reason and the count, never
  passing as if audited;
- the audit passes only when every installed package was audited and none is vulnerable.

Where pip-audit cannot reach per-version data, a second pass asks PyPI's project JSON, which
lists the vulnerabilities of a project's newest release: a package installed at that release is
audited by it; one installed at an older release stays unaudited, by name.
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest
from packaging.specifiers import InvalidSpecifier, SpecifierSet

REQUIRE_AUDIT = os.environ.get("ENGAGE_REQUIRE_AUDIT") == "1"
# Known vulnerabilities we have looked at and accepted, each with why. Empty: accept none.
ACCEPTED: dict[str, str] = {}


@dataclass
class AuditVerdict:
    audited: list[str] = field(default_factory=list)
    vulnerable: list[str] = field(default_factory=list)  # "name version: ID (fixed in ...)"
    unaudited: list[str] = field(default_factory=list)  # "name: why"


def read_report(report: dict) -> AuditVerdict:
    """Sort pip-audit's JSON report into audited, vulnerable and not audited at all."""
    verdict = AuditVerdict()
    for dep in report.get("dependencies", []):
        name = dep.get("name", "?")
        if "skip_reason" in dep:
            verdict.unaudited.append(f"{name}: {dep['skip_reason']}")
            continue
        verdict.audited.append(name)
        for vuln in dep.get("vulns", []):
            ids = [vuln.get("id", "?"), *vuln.get("aliases", [])]
            if any(i in ACCEPTED for i in ids):
                continue
            fixed = ", ".join(vuln.get("fix_versions", [])) or "no fixed version yet"
            verdict.vulnerable.append(f"{name} {dep.get('version')}: {ids[0]} (fixed in {fixed})")
    return verdict


def _newest_release(name: str) -> dict:
    url = f"https://pypi.org/pypi/{name}/json"
    with urllib.request.urlopen(url, timeout=30) as reply:  # noqa: S310 - a fixed https URL
        return json.load(reply)


def audit_by_newest_release(
    verdict: AuditVerdict,
    installed: dict[str, str],
    fetch: Callable[[str], dict] = _newest_release,
    python: str = platform.python_version(),
) -> AuditVerdict:
    """Audit what pip-audit could not, where the installed version is PyPI's newest release."""
    names = [entry.split(":", 1)[0] for entry in verdict.unaudited]
    names = [n for n in names if _canonical(n) != "engage"]  # ours; PyPI's "engage" is not
    out = AuditVerdict(list(verdict.audited), list(verdict.vulnerable), [])

    def one(name: str) -> tuple[str, dict | None, str]:
        try:
            return name, fetch(name), ""
        except Exception as exc:  # noqa: BLE001 - any failure leaves the package unaudited
            return name, None, f"{exc.__class__.__name__}: {exc}"

    with ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(one, names))
    for name, reply, error in replies:
        version = installed.get(_canonical(name))
        if reply is None:
            out.unaudited.append(f"{name}: PyPI's project data unreachable ({error})")
            continue
        newest = reply.get("info", {}).get("version")
        if version is None or newest != version:
            out.unaudited.append(
                f"{name}: installed {version}, PyPI's newest is {newest}"
                f"{_why_not_newest(reply, python)}, and no per-version data"
            )
            continue
        out.audited.append(name)
        for vuln in reply.get("vulnerabilities") or []:
            ids = [vuln.get("id", "?"), *vuln.get("aliases", [])]
            if vuln.get("withdrawn") or any(i in ACCEPTED for i in ids):
                continue
            fixed = ", ".join(vuln.get("fixed_in", [])) or "no fixed version yet"
            out.vulnerable.append(f"{name} {version}: {ids[0]} (fixed in {fixed})")
    return out


def _why_not_newest(reply: dict, python: str) -> str:
    """Where the newest release cannot be installed on this Python, say so: no pin could help."""
    needs = reply.get("info", {}).get("requires_python")
    try:
        if needs and python not in SpecifierSet(needs):
            return f", which needs Python {needs} (this is {python})"
    except InvalidSpecifier:
        pass
    return ""


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()  # PEP 503: pip-audit and metadata differ


def _installed() -> dict[str, str]:
    from importlib import metadata

    return {_canonical(d.metadata["Name"]): d.version for d in metadata.distributions()}


def run_pip_audit() -> dict:
    # No --strict: it stops at the first package it cannot audit; the JSON lists them all.
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip_audit",
            "--vulnerability-service",
            "pypi",
            "--local",
            "--skip-editable",  # engage itself is not on PyPI
            "--progress-spinner",
            "off",
            "--format",
            "json",
            "--timeout",
            "30",
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    if not proc.stdout.strip():
        return {
            "dependencies": [],
            "error": proc.stderr.strip()[-2000:] or f"exit {proc.returncode}",
        }
    report: dict = json.loads(proc.stdout)
    report["exit"] = proc.returncode
    return report


def test_reading_the_report_fails_on_a_known_vulnerability():
    report = {
        "dependencies": [
            {"name": "flask", "version": "3.1.3", "vulns": []},
            {
                "name": "jinja2",
                "version": "2.10",
                "vulns": [
                    {
                        "id": "PYSEC-2019-217",
                        "aliases": ["CVE-2019-10906"],
                        "fix_versions": ["2.10.1"],
                    }
                ],
            },
        ]
    }
    verdict = read_report(report)
    assert verdict.vulnerable == ["jinja2 2.10: PYSEC-2019-217 (fixed in 2.10.1)"]
    assert verdict.audited == ["flask", "jinja2"] and not verdict.unaudited


def test_a_package_pip_audit_could_not_reach_is_unaudited_not_clean():
    report = {
        "dependencies": [
            {
                "name": "alembic",
                "skip_reason": "Dependency not found on PyPI and could not be audited: alembic",
            }
        ]
    }
    verdict = read_report(report)
    assert verdict.unaudited and not verdict.audited and not verdict.vulnerable


def test_a_package_at_pypis_newest_release_is_audited_by_its_project_data():
    unreached = AuditVerdict(unaudited=["flask: not found", "numpy: not found", "six: x"])
    replies = {
        "flask": {"info": {"version": "3.1.3"}, "vulnerabilities": []},
        "numpy": {"info": {"version": "2.5.5", "requires_python": ">=3.12"}, "vulnerabilities": []},
        "six": {
            "info": {"version": "1.16.0"},
            "vulnerabilities": [
                {"id": "GHSA-xxxx", "aliases": ["CVE-1"], "fixed_in": ["1.17.0"]},
                {"id": "GHSA-old", "aliases": [], "fixed_in": [], "withdrawn": "2024-01-01"},
            ],
        },
    }
    installed = {"flask": "3.1.3", "numpy": "2.4.6", "six": "1.16.0"}
    verdict = audit_by_newest_release(
        unreached, installed, fetch=replies.__getitem__, python="3.11.7"
    )
    assert sorted(verdict.audited) == ["flask", "six"]
    assert verdict.vulnerable == ["six 1.16.0: GHSA-xxxx (fixed in 1.17.0)"]
    assert verdict.unaudited == [
        "numpy: installed 2.4.6, PyPI's newest is 2.5.5, which needs Python >=3.12 (this is"
        " 3.11.7), and no per-version data"
    ], "an older release is not vouched for by the newest release's data"


@pytest.mark.slow
def test_no_installed_dependency_has_a_known_vulnerability():
    pytest.importorskip("pip_audit", reason="pip-audit is in the test extras: make install-test")
    report = run_pip_audit()
    verdict = read_report(report)
    first_reason = verdict.unaudited[0] if verdict.unaudited else ""
    if verdict.unaudited:
        verdict = audit_by_newest_release(verdict, _installed())
    assert not verdict.vulnerable, "known vulnerabilities in installed packages:\n" + "\n".join(
        verdict.vulnerable
    )
    if "error" in report or verdict.unaudited or not verdict.audited:
        why = report.get("error") or first_reason or "no packages"
        message = (
            f"{len(verdict.audited)} installed packages were audited against PyPI's vulnerability"
            f" data with none vulnerable, but {len(verdict.unaudited)} could not be: "
            + "; ".join(verdict.unaudited)
            + f". (pip-audit: {why}.) Those were not shown to be safe."
        )
        if REQUIRE_AUDIT:
            pytest.fail(message + " ENGAGE_REQUIRE_AUDIT=1 makes this a failure.")
        pytest.skip(message + " Set ENGAGE_REQUIRE_AUDIT=1 where PyPI is reachable.")
