"""With DNS off (no resolver), guard loads no DNS code and opens no socket.

These tests need no DNS server.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SCAM = (
    "From: ILO Recruitment <jobs@ilo-recruitment.example>\n"
    "Reply-To: desk@ilo-hr-desk.example\n"
    "Subject: Job offer\n\n"
    "The ILO is pleased to offer you the post. Send your documents to "
    "selection@careers-desk.example and complete https://ilo-apply-now.example/form\n"
)

PROBE = textwrap.dedent(
    r"""
    import json, sys
    events = []

    def hook(event, args):
        if event.startswith("socket.") or event == "os.system" or event == "subprocess.Popen":
            import traceback
            where = [f.filename for f in traceback.extract_stack()[:-1]]
            events.append([event, next((w for w in reversed(where) if "site-packages" in w or "/guard/" in w), "")])

    sys.addaudithook(hook)
    import guard
    msg = sys.stdin.read()
    v = guard.check(msg)
    v2 = guard.check(msg.encode(), lang="es")
    print(json.dumps({
        "events": events,
        "dns_modules": sorted(m for m in sys.modules if m == "dns" or m.startswith("dns.")),
        "dnscheck": "guard.dnscheck" in sys.modules,
        "level": v.level.value,
        "unknowns": v.unknowns,
        "rule_ids": v.rule_ids + v2.rule_ids,
    }))
    """
)


def _probe(msg: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", PROBE], input=msg, capture_output=True, text=True,
        cwd=ROOT, timeout=120, check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


# what talks to the network: a connection, a datagram, a name lookup
NETWORK = {"socket.connect", "socket.sendto", "socket.sendmsg", "socket.getaddrinfo",
           "socket.gethostbyname", "socket.gethostbyname_ex", "socket.gethostbyaddr",
           "socket.getnameinfo"}


def test_dns_off_sends_nothing_and_loads_no_dnspython():
    got = _probe(SCAM)
    talked = [e for e in got["events"] if e[0] in NETWORK]
    assert talked == [], f"network use with DNS off: {talked}"
    assert got["dns_modules"] == [], f"dnspython was imported with DNS off: {got['dns_modules'][:5]}"
    assert got["dnscheck"] is False
    # the offline rules still did their work, and no DNS rule ran
    assert got["level"] != "clear"
    assert not any(r.startswith("GRD35") for r in got["rule_ids"])
    assert "dns" not in got["unknowns"]


def test_dns_off_opens_no_socket_at_all():
    # guard/psl.py reads tldextract's list without importing tldextract, whose
    # requests/urllib3 import would bind an IPv6 probe socket on ::1
    got = _probe(SCAM)
    assert got["events"] == [], f"sockets were opened with DNS off: {got['events']}"


def test_audit_probe_sees_sockets():
    # the probe is not blind: a message checked with a resolver does open sockets
    probe = PROBE.replace(
        "v = guard.check(msg)",
        "from guard.dnscheck import make_resolver\n"
        "v = guard.check(msg, resolver=make_resolver(['127.0.0.1'], port=9, timeout=0.3), dns_budget=0.3)",
    )
    out = subprocess.run([sys.executable, "-c", probe], input=SCAM, capture_output=True,
                         text=True, cwd=ROOT, timeout=120, check=True)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert any(e[0] == "socket.connect" or e[0] == "socket.sendto" for e in got["events"])
    assert any(e[0] == "socket.__new__" and "/dns/" in e[1] for e in got["events"])
    assert "dns.resolver" in got["dns_modules"]
    assert "dns" in got["unknowns"]


def test_dns_off_in_process_with_sockets_forbidden(monkeypatch):
    import socket

    import guard

    def refuse(*a, **k):
        raise AssertionError("a socket was opened with DNS off")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    v = guard.check(SCAM)
    assert v.complete, v.notes
    assert "dns" not in v.unknowns
    assert not any(r.startswith("GRD35") for r in v.rule_ids)
