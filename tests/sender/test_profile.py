"""The organisation is data: the advice takes the jobs site and the
reporting channel from rules/data/org_ilo.toml."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

from guard import check
from guard.domains import profile

ROOT = Path(__file__).resolve().parents[2]
SCAM = ("From: ILO Recruitment <ilo.jobs.desk@gmail.com>\nSubject: Offer\n\n"
        "The ILO is pleased to offer you the post. Pay the processing fee of USD 300 today.\n")


def test_the_profile_holds_what_the_issue_lists():
    p = profile()
    assert p["domains"]["official"] == ["ilo.org"]
    assert "itcilo.org" in p["domains"]["affiliates"]
    assert p["jobs_site"]["host"] == "jobs.ilo.org"
    assert set(p["names"]) == {"en", "es", "fr", "pt"}
    assert all(p["report"][lang] for lang in ("en", "es", "fr", "pt"))


def test_advice_names_the_profiles_jobs_site_and_report_channel():
    for lang in ("en", "es", "fr"):
        v = check(SCAM, lang=lang)
        text = " ".join(v.advice)
        assert profile()["jobs_site"]["host"] in text
        assert profile()["report"][lang] in text
        assert "{" not in text


def test_changing_the_profile_changes_the_advice(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    f = rules / "data" / "org_ilo.toml"
    f.write_text(f.read_text(encoding="utf-8").replace('host = "jobs.ilo.org"', 'host = "careers.example.int"'),
                 encoding="utf-8")
    code = ("import json, sys; from guard import check; "
            f"print(json.dumps(check({SCAM!r}).advice))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                       env={"GUARD_RULES_DIR": str(rules), "PATH": "/usr/bin:/bin"}, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    advice = " ".join(json.loads(r.stdout))
    assert "careers.example.int" in advice and "jobs.ilo.org" not in advice
