"""guard check --dns against the fixture server; bad DNS settings are usage errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SCAM = (
    "From: ILO Recruitment Unit <jobs@ilo-recruitment.example>\n"
    "Subject: Your appointment\n\n"
    "The ILO is pleased to offer you the post of Programme Officer.\n"
)


def _guard(*args, timeout=60):
    return subprocess.run([sys.executable, "-m", "guard", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=timeout)


@pytest.mark.dnsserver
def test_check_with_dns_reports_the_missing_domain(dnsmasq, tmp_path):
    f = tmp_path / "scam.eml"
    f.write_text(SCAM)
    off = _guard("check", "--json", str(f))
    on = _guard("check", "--json", "--dns", "--nameserver", "127.0.0.1",
                "--dns-port", str(dnsmasq.port), "--dns-timeout", "2", str(f))
    v_off, v_on = json.loads(off.stdout), json.loads(on.stdout)
    ids = [x["rule_id"] for x in v_on["findings"]]
    assert "GRD350" in ids and "GRD350" not in [x["rule_id"] for x in v_off["findings"]]
    ev = next(x for x in v_on["findings"] if x["rule_id"] == "GRD350")["evidence"][0]
    assert "ilo-recruitment.example" in ev["detail"]
    assert on.returncode == {"clear": 0, "suspicious": 10, "fraud": 20}[v_on["level"]]
    assert on.returncode >= off.returncode
    text = _guard("check", "--dns", "--nameserver", "127.0.0.1", "--dns-port", str(dnsmasq.port), str(f))
    assert "[GRD350]" in text.stdout and "NXDOMAIN" in text.stdout


@pytest.mark.dnsserver
def test_check_with_dns_blackholed_says_unknown(blackhole, tmp_path):
    f = tmp_path / "scam.eml"
    f.write_text(SCAM)
    r = _guard("check", "--dns", "--nameserver", "127.0.0.1", "--dns-port", str(blackhole.port),
               "--dns-timeout", "0.5", str(f))
    assert "unknown: " in r.stdout and "dns" in r.stdout.split("unknown: ", 1)[1]
    assert "ilo-recruitment.example" in r.stdout
    assert r.returncode in (10, 20)


@pytest.mark.parametrize("args", [
    ["--nameserver", "dns.example"],
    ["--nameserver", "127.0.0.1", "--dns-port", "0"],
    ["--nameserver", "127.0.0.1", "--dns-timeout", "0"],
])
def test_bad_dns_settings_exit_64(tmp_path, args):
    f = tmp_path / "scam.eml"
    f.write_text(SCAM)
    r = _guard("check", "--dns", *args, str(f))
    assert r.returncode == 64, r.stderr
    assert "DNS settings" in r.stderr and "Traceback" not in r.stderr
