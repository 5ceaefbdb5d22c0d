"""Real DNS servers on loopback for the DNS tests and bench/dns_cost.py.

* ``Dnsmasq``: dnsmasq (Debian's dnsmasq-base) serving ``ZONE`` on
  127.0.0.1 and a free port; every other name is NXDOMAIN (``--local=/#/``).
* ``Blackhole``: a UDP socket that reads queries and never answers.
* ``Responder``: a tiny UDP server (dnspython's message API) that answers
  every query with SERVFAIL, or with an empty truncated (TC) answer while
  nothing listens on TCP at that port.

Everything listens on 127.0.0.1 only and stops on ``close()`` (they are
context managers).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time

# The fixture world. ilo.org is simulated here (the real network is closed);
# the *.example names are the domains of the rule examples in rules/dns.toml.
# Types: MX "pref host" ("0 ." is a null MX), TXT, A, AAAA.
ZONE: dict[str, dict[str, list[str]]] = {
    "ilo.org": {"MX": ["10 mx1.ilo.org"], "TXT": ["v=spf1 include:_spf.ilo.org -all"]},
    "_dmarc.ilo.org": {"TXT": ["v=DMARC1; p=reject; sp=reject; rua=mailto:dmarc-reports@ilo.org"]},
    "mx1.ilo.org": {"A": ["1.2.3.4"]},
    "jobs.ilo.org": {"A": ["1.2.3.5"]},
    # a genuine employer: mail, SPF and DMARC
    "global-staffing.example": {"MX": ["10 mail.global-staffing.example"], "TXT": ["v=spf1 mx -all"]},
    "_dmarc.global-staffing.example": {"TXT": ["v=DMARC1; p=quarantine"]},
    "mail.global-staffing.example": {"A": ["1.2.3.6"]},
    # look-alikes that exist: without DMARC / with DMARC
    "ilo-careers.example": {"MX": ["10 mx.ilo-careers.example"]},
    "oit-empleos.example": {"MX": ["10 mx.oit-empleos.example"]},
    "oit-emplois.example": {"MX": ["10 mx.oit-emplois.example"]},
    "ilo-jobs.example": {"MX": ["10 mx.ilo-jobs.example"]},
    "_dmarc.ilo-jobs.example": {"TXT": ["v=DMARC1; p=none"]},
    # cannot receive mail: null MX, or no MX and no address
    "careers-desk.example": {"MX": ["0 ."]},
    "bureau-emplois.example": {"MX": ["0 ."]},
    "hr-office.example": {"TXT": ["site-verification=4f2a9c"]},
    "seleccion-personal.example": {"TXT": ["site-verification=7b1d0e"]},
    "private-only.example": {"A": ["10.1.2.3"]},
    # no MX but a public address: mail goes to the domain itself (RFC 5321 5.1)
    "carrieres-monde.example": {"A": ["1.2.3.7"]},
    "v6-only.example": {"AAAA": ["2001:4860::1"]},
    # SPF "sends no mail"
    "staffing-bureau.example": {"MX": ["10 mx.staffing-bureau.example"], "TXT": ["v=spf1 -all"]},
    "agencia-empleo.example": {"MX": ["10 mx.agencia-empleo.example"], "TXT": ["v=spf1 -all"]},
    "cabinet-recrutement.example": {"MX": ["10 mx.cabinet-recrutement.example"], "TXT": ["v=spf1  -all"]},
    # link hosts that exist
    "jobs-portal.example": {"A": ["1.2.3.8"]},
}


# every name under these answers A with the address (for link hosts only:
# dnsmasq then says NXDOMAIN for their other types)
WILDCARDS = {"wild.example": "1.2.3.9"}


def dnsmasq_path() -> str | None:
    found = shutil.which("dnsmasq")
    if found:
        return found
    for p in ("/usr/sbin/dnsmasq", "/sbin/dnsmasq"):
        if os.access(p, os.X_OK):
            return p
    return None


def zone_args(zone: dict[str, dict[str, list[str]]]) -> list[str]:
    """dnsmasq options serving ``zone``."""
    args = []
    for name, types in zone.items():
        for mx in types.get("MX", []):
            pref, host = mx.split()
            args.append(f"--mx-host={name},{host},{pref}")
        for txt in types.get("TXT", []):
            # passed as one argv item (no shell): dnsmasq keeps quotes
            # literally and splits the text at commas, so neither is allowed
            if "," in txt or '"' in txt:
                raise ValueError(f"TXT text for {name} may not contain a comma or a quote")
            args.append(f"--txt-record={name},{txt}")
        for addr in types.get("A", []) + types.get("AAAA", []):
            args.append(f"--host-record={name},{addr}")
    return args


def wildcard_args(wild: dict[str, str]) -> list[str]:
    return [f"--address=/{name}/{addr}" for name, addr in wild.items()]


def free_port() -> int:
    """A port free for both UDP and TCP on 127.0.0.1."""
    for _ in range(50):
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind(("127.0.0.1", 0))
        port = u.getsockname()[1]
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            t.bind(("127.0.0.1", port))
        except OSError:
            continue
        finally:
            t.close()
            u.close()
        return port
    raise RuntimeError("no free port on 127.0.0.1")


def _ready(port: int, timeout: float) -> bool:
    import dns.message
    import dns.query

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            q = dns.message.make_query("ilo.org", "MX")
            dns.query.udp(q, "127.0.0.1", port=port, timeout=0.2)
            return True
        except Exception:
            time.sleep(0.05)
    return False


class Dnsmasq:
    """dnsmasq on 127.0.0.1:``port`` serving ``zone`` with TTL ``ttl``."""

    def __init__(self, zone: dict | None = None, ttl: int = 300, extra: list[str] | None = None) -> None:
        exe = dnsmasq_path()
        if exe is None:
            raise FileNotFoundError("dnsmasq (Debian package dnsmasq-base) is not installed")
        self.zone = ZONE if zone is None else zone
        last = ""
        for _attempt in range(3):
            self.port = free_port()
            cmd = [
                exe, "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
                "--no-poll", "--pid-file=", "--listen-address=127.0.0.1", "--bind-interfaces",
                f"--port={self.port}", "--local=/#/",
                f"--local-ttl={ttl}", "--log-facility=-", *zone_args(self.zone),
                *wildcard_args(WILDCARDS), *(extra or []),
            ]
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.PIPE)
            if _ready(self.port, 5.0):
                return
            self.close()
            last = (self.proc.stderr.read() or b"").decode(errors="replace") if self.proc.stderr else ""
        raise RuntimeError(f"dnsmasq did not start: {last[-500:]}")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.proc.stderr:
            self.proc.stderr.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class _UDPServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", self.port))
        self.sock.settimeout(0.2)
        # hold the TCP port too (bound, not listening): a TCP retry is refused
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.bind(("127.0.0.1", self.port))
        self.received = 0
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                data, addr = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            self.received += 1
            reply = self.answer(data)
            if reply is not None:
                try:
                    self.sock.sendto(reply, addr)
                except OSError:
                    pass

    def answer(self, data: bytes) -> bytes | None:
        return None

    def close(self) -> None:
        self._stop.set()
        self.thread.join(2)
        self.sock.close()
        self.tcp.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Blackhole(_UDPServer):
    """Reads every query, answers none."""


class Responder(_UDPServer):
    """Answers every query with ``rcode`` (e.g. "SERVFAIL"), or truncated (TC, empty)."""

    def __init__(self, rcode: str = "SERVFAIL", truncated: bool = False) -> None:
        self.rcode = rcode
        self.truncated = truncated
        super().__init__()

    def answer(self, data: bytes) -> bytes | None:
        import dns.flags
        import dns.message
        import dns.rcode

        try:
            q = dns.message.from_wire(data)
        except Exception:
            return None
        r = dns.message.make_response(q)
        if self.truncated:
            r.flags |= dns.flags.TC
        else:
            r.set_rcode(dns.rcode.from_text(self.rcode))
        return r.to_wire()
