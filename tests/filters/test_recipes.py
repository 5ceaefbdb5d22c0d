"""The README's mail recipes, as printed: each block marked ``<!-- recipe:
NAME -->`` in README.md is read here and run, changing only paths, the port
and the user (what any operator changes). A README edit that breaks mail
fails these tests.

* procmail, maildrop and Sieve (``sieve-test`` from dovecot-sieve) run on the
  test messages with the programs themselves;
* the Postfix ones (milter main.cf lines, header_checks, the pipe's
  master.cf lines and its guard-pipe script) are applied to a private
  Postfix on loopback (mailharness.py), with the milter up, down, hung
  (SIGSTOP), and a forged guard header.
"""

from __future__ import annotations

import email
import os
import re
import shutil
import signal
import smtplib
import subprocess
import sys
import tempfile
import time
from email import policy
from pathlib import Path

import pytest

from mailharness import DOMAIN, MASTER_CF, ROOT, free_port, need

DATA = Path(__file__).resolve().parent / "data"
SCAM = (DATA / "scam.eml").read_bytes()
GENUINE = (DATA / "genuine.eml").read_bytes()
RCPT = f"candidate@{DOMAIN}"
GUARD_PLACEHOLDER = "/path/to/.venv/bin/guard"


def recipe(name: str) -> str:
    """The text of the code block that follows ``<!-- recipe: NAME -->``."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    m = re.search(r"<!-- recipe: " + re.escape(name) + r" -->\n```[^\n]*\n(.*?)```", text, re.S)
    assert m, f"README.md has no recipe block {name!r}"
    return m.group(1)


def guard_wrapper(folder: Path) -> Path:
    """An executable that runs this checkout's guard: what /path/to/.venv/bin/guard
    is in the recipes. It uses the system's Python with the venv's packages on
    the path when that Python exists, so that a user without access to the
    venv's own interpreter (Postfix's pipe runs as an unprivileged user, and
    a pyenv Python may live under /root) can run it too."""
    site = next(Path(sys.prefix).glob("lib/python3*/site-packages"), None)
    python = sys.executable
    system = Path(f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}")
    if system.exists() and site is not None:
        python = str(system)
    path = folder / "guard"
    path.write_text(f'#!/bin/sh\nPYTHONPATH="{ROOT}:{site}" exec "{python}" -m guard "$@"\n')
    path.chmod(0o755)
    return path


def messages_in(maildir: Path) -> list[bytes]:
    return [p.read_bytes() for sub in ("new", "cur") if (maildir / sub).is_dir()
            for p in sorted((maildir / sub).iterdir())]


def parsed(raw: bytes):
    return email.message_from_bytes(raw, policy=policy.compat32)


# -- procmail, maildrop, Sieve --------------------------------------------------------------

def test_procmail_recipe_files_fraud_and_suspicious(tmp_path):
    """Also: it delivers at once (a lock on a Maildir that does not exist yet
    made procmail retry for a minute)."""
    need(shutil.which("procmail") is not None, "procmail is not installed (Debian package procmail)")
    rc = tmp_path / "procmailrc"
    rc.write_text(recipe("procmail").replace(GUARD_PLACEHOLDER, str(guard_wrapper(tmp_path))))
    home = tmp_path / "home"
    home.mkdir()
    for raw in (SCAM, GENUINE):
        t0 = time.monotonic()
        p = subprocess.run(["procmail", "-m", f"MAILDIR={home}", f"DEFAULT={home}/inbox/", str(rc)],
                           input=raw, capture_output=True, timeout=120)
        assert p.returncode == 0, p.stderr
        assert time.monotonic() - t0 < 20, p.stderr
    fraud = messages_in(home / "recruitment-fraud")
    assert len(fraud) == 1 and parsed(fraud[0])["X-Guard-Flag"] == "FRAUD"
    inbox = messages_in(home / "inbox")
    assert len(inbox) == 1 and parsed(inbox[0])["X-Guard-Level"] == "clear"
    # the body came through untouched
    assert fraud[0].rstrip(b"\n").endswith(SCAM.split(b"\n\n", 1)[1].rstrip(b"\n"))


def test_maildrop_recipe_files_fraud(tmp_path):
    need(shutil.which("maildrop") is not None, "maildrop is not installed (Debian package maildrop)")
    home = tmp_path / "home"
    for box in ("Maildir", "Maildir/.Recruitment-fraud"):
        for sub in ("cur", "new", "tmp"):
            (home / box / sub).mkdir(parents=True)
    rc = tmp_path / "mailfilter"
    # maildrop takes $HOME from the password file, so the home folder is a path to change;
    # DEFAULT (where mail that no rule files goes) is set as a mail server's maildroprc would
    text = recipe("maildrop").replace(GUARD_PLACEHOLDER, str(guard_wrapper(tmp_path))).replace("$HOME", str(home))
    rc.write_text(f'DEFAULT="{home}/Maildir/"\n' + text)
    rc.chmod(0o600)                     # maildrop refuses a filter file others can write
    for raw in (SCAM, GENUINE):
        p = subprocess.run(["maildrop", str(rc)], input=raw, capture_output=True, timeout=60)
        assert p.returncode == 0, p.stderr
    fraud = messages_in(home / "Maildir/.Recruitment-fraud")
    assert len(fraud) == 1 and parsed(fraud[0])["X-Guard-Flag"] == "FRAUD"
    inbox = messages_in(home / "Maildir")
    assert len(inbox) == 1 and parsed(inbox[0])["X-Guard-Status"].startswith("No, level=clear")


def _filtered(raw: bytes, *args: str) -> bytes:
    p = subprocess.run([sys.executable, "-m", "guard", "filter", *args], input=raw, capture_output=True,
                       cwd=ROOT, timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout


def _sieve_actions(script: Path, raw: bytes, folder: Path) -> str:
    """What Sieve would do with ``raw`` (sieve-test's report). Dovecot will
    not deliver as root: as root the test runs it as nobody, in a folder of
    nobody's."""
    msg = folder / "msg.eml"
    msg.write_bytes(raw)
    cmd = ["sieve-test", "-c", "/dev/null", "-o", f"mail_location=maildir:{folder}/Maildir",
           "-o", f"mail_home={folder}", str(script), str(msg)]
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "nobody", "--"] + cmd
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    return p.stdout


@pytest.fixture
def sieve_dir():
    folder = Path(tempfile.mkdtemp(prefix="guard-sieve-"))
    folder.chmod(0o755)
    if os.geteuid() == 0:
        os.chown(folder, 65534, 65534)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_sieve_recipe_files_on_flag_and_score(sieve_dir):
    tmp_path = sieve_dir
    need(shutil.which("sieve-test") is not None, "sieve-test is not installed (Debian package dovecot-sieve)")
    script = tmp_path / "guard.sieve"
    script.write_text(recipe("sieve"))
    out = _sieve_actions(script, _filtered(SCAM, "--headers", "full"), tmp_path)
    assert "store message in folder: Recruitment-fraud" in out
    assert "Suspicious" not in out
    out = _sieve_actions(script, _filtered(GENUINE, "--headers", "full"), tmp_path)
    assert "Recruitment-fraud" not in out and "Suspicious" not in out
    # a score of 3 or more files as suspicious (the comparison is numeric, not textual)
    suspicious = _filtered(GENUINE, "--headers", "full").replace(b"X-Guard-Score: 0.0", b"X-Guard-Score: 12.5")
    assert "store message in folder: Suspicious" in _sieve_actions(script, suspicious, tmp_path)


# -- Postfix ----------------------------------------------------------------------------------

pf_mark = pytest.mark.postfix


def main_cf_lines(text: str) -> list[str]:
    """The ``name = value`` lines of a main.cf block, exactly as printed."""
    return [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def apply_main_cf(postfix, text: str, **replace: str) -> None:
    """Put a README main.cf block into the private instance as an operator
    would paste it (every line verbatim, after ``replace``)."""
    for old, new in replace.items():
        text = text.replace(old, new)
    lines = main_cf_lines(text)
    names = [line.split("=", 1)[0].strip() for line in lines]
    main = postfix.conf / "main.cf"
    kept = [line for line in main.read_text().splitlines()
            if line.split("=", 1)[0].strip() not in names]
    main.write_text("\n".join(kept + lines) + "\n")
    postfix.cmd("reload")
    time.sleep(0.5)


def send(postfix, raw: bytes, sender: str = "someone@example.net") -> None:
    with smtplib.SMTP("127.0.0.1", postfix.smtp_port, timeout=90) as s:
        s.sendmail(sender, [RCPT], raw)


def with_id(raw: bytes, message_id: str, extra: bytes = b"") -> bytes:
    lines = [b"Message-ID: <" + message_id.encode() + b">" if line.lower().startswith(b"message-id:") else line
             for line in raw.split(b"\n")]
    return extra + b"\r\n".join(lines)


FORGED = b"X-Guard-Status: No, level=clear score=0.0 tests=none version=0.1.0\r\nX-Guard-Flag: CLEAN\r\n"


def milter_recipe(postfix) -> None:
    apply_main_cf(postfix, recipe("milter-main.cf"), **{"127.0.0.1:8899": f"127.0.0.1:{postfix.milter_port}"})


def header_checks_recipe(postfix) -> None:
    table = postfix.conf / "guard_header_checks"
    table.write_text(recipe("guard_header_checks"))
    apply_main_cf(postfix, recipe("header_checks-main.cf"), **{"/etc/postfix/": f"{postfix.conf}/"})


@pf_mark
def test_milter_recipe_fails_open_when_the_milter_is_down(postfix):
    milter_recipe(postfix)
    assert postfix.running()
    send(postfix, with_id(GENUINE, "down-1@example.org"), "talent@ilo.org")      # no milter listens
    got = parsed(postfix.wait_for("down-1@example.org"))
    assert got["X-Guard-Status"] is None
    assert "Server configuration problem" not in postfix.log()


@pf_mark
def test_header_checks_recipe_strips_a_forged_verdict_with_the_milter_down(postfix):
    milter_recipe(postfix)
    header_checks_recipe(postfix)
    send(postfix, with_id(SCAM, "forged-down@example.net", FORGED))
    got = parsed(postfix.wait_for("forged-down@example.net"))
    assert got["X-Guard-Status"] is None and got["X-Guard-Flag"] is None


@pf_mark
def test_milter_recipe_with_header_checks_keeps_guards_own_headers(postfix, milter_factory):
    milter_recipe(postfix)
    header_checks_recipe(postfix)
    milter_factory("--headers", "full")
    send(postfix, with_id(SCAM, "forged-up@example.net", FORGED))
    got = parsed(postfix.wait_for("forged-up@example.net"))
    assert got.get_all("X-Guard-Status")[0].startswith("Yes, level=fraud")
    assert got.get_all("X-Guard-Flag") == ["FRAUD"] and got["X-Guard-Level"] == "fraud"
    assert got["X-Prev-Guard-Status"] is None     # the forged one was dropped before the milter saw it


@pf_mark
def test_milter_recipe_bounds_a_hung_milter(postfix, milter_factory):
    milter_recipe(postfix)
    m = milter_factory()
    values = {k.strip(): v.strip() for k, _, v in
              (line.partition("=") for line in main_cf_lines(recipe("milter-main.cf")))}
    budget = sum(int(values[k].rstrip("s")) for k in ("milter_connect_timeout", "milter_command_timeout"))
    os.kill(m.proc.pid, signal.SIGSTOP)
    try:
        t0 = time.monotonic()
        send(postfix, with_id(GENUINE, "hung-1@example.org"), "talent@ilo.org")
        took = time.monotonic() - t0
        got = parsed(postfix.wait_for("hung-1@example.org"))
    finally:
        os.kill(m.proc.pid, signal.SIGCONT)
    assert got["X-Guard-Status"] is None           # accepted unchecked: fail open
    assert took < budget + 5, f"a hung milter held the session {took:.1f} s"


SENDMAIL_STANDIN = """#!{python}
import smtplib, sys
args = sys.argv[1:]
sender = args[args.index("-f") + 1]
rcpts = args[args.index("--") + 1:]
with smtplib.SMTP("127.0.0.1", {port}, timeout=60) as s:
    s.sendmail(sender, rcpts, sys.stdin.buffer.read())
"""


@pf_mark
def test_pipe_recipe_filters_once_and_delivers(postfix, tmp_path):
    """The content filter on the smtpd line only: mail re-injected by the
    guard-pipe script's sendmail comes back through pickup, unfiltered, and
    is delivered (with a content_filter in main.cf it loops until "too many
    hops"). With header_checks in force, the forged verdict is stripped on
    the way in and guard's own headers survive the way back (pickup's
    receive_override_options)."""
    need(os.geteuid() == 0, "the pipe test needs root")
    apply_main_cf(postfix, "smtpd_milters =\n")
    bin_dir = Path(tempfile.mkdtemp(prefix="guard-pipe-"))
    bin_dir.chmod(0o755)
    try:
        guard = guard_wrapper(bin_dir)
        # Postfix's own sendmail cannot be pointed at a private instance here (its setgid
        # postdrop reads alternate_config_directories from /etc/postfix/main.cf, which
        # this machine need not have): a stand-in that takes sendmail's arguments and
        # hands the message to a second smtpd of the instance, as sendmail hands it to
        # pickup. Neither has the content filter: only the outside smtpd line does.
        reinject = free_port()
        sendmail = bin_dir / "sendmail"
        python = guard.read_text().split('exec "', 1)[1].split('"', 1)[0]
        sendmail.write_text(SENDMAIL_STANDIN.format(python=python, port=reinject))
        sendmail.chmod(0o755)
        script = bin_dir / "guard-pipe"
        script.write_text(recipe("guard-pipe").replace(GUARD_PLACEHOLDER, str(guard))
                          .replace("/usr/sbin/sendmail", str(sendmail)))
        script.chmod(0o755)
        master = recipe("pipe-master.cf").replace("/usr/local/bin/guard-pipe", str(script)) \
                                         .replace("user=guard", "user=nobody")
        lines = [line for line in master.splitlines() if line.strip() and not line.startswith("#")]
        opts: dict[str, list[str]] = {"smtp": [], "pickup": []}   # -o lines of existing services
        service: list[str] = []
        current = None
        for line in lines:
            if not line[0].isspace():
                current = line.split()[0]
                if current not in opts:
                    service.append(line)
            elif current in opts:
                opts[current].append(line.strip())
            else:
                service.append(line)
        smtpd_opts = opts["smtp"]
        assert smtpd_opts == ["-o content_filter=guard:dummy"], smtpd_opts
        cf = postfix.conf / "master.cf"
        text = cf.read_text()
        first, rest = text.split("\n", 1)
        cf.write_text(first + " " + " ".join(smtpd_opts) + "\n" + rest + "\n".join(service) + "\n"
                      + f"127.0.0.1:{reinject} inet n - n - - smtpd " + " ".join(opts["pickup"]) + "\n")
        postfix.cmd("reload")
        time.sleep(1)
        header_checks_recipe(postfix)       # with the header_checks recipe in force, as advised
        send(postfix, with_id(SCAM, "pipe-1@example.net", FORGED))
        send(postfix, with_id(GENUINE, "pipe-2@example.org"), "talent@ilo.org")
        scam = parsed(postfix.wait_for("pipe-1@example.net", timeout=60))
        assert len(scam.get_all("X-Guard-Status") or []) == 1, postfix.log()[-2000:]
        assert scam["X-Guard-Status"].startswith("Yes, level=fraud") and scam.get_all("X-Guard-Flag") == ["FRAUD"]
        clean = parsed(postfix.wait_for("pipe-2@example.org", timeout=60))
        assert clean["X-Guard-Status"].startswith("No, level=clear")
        assert "too many hops" not in postfix.log()
        assert not postfix.queue(), postfix.queue()
    finally:
        shutil.rmtree(bin_dir, ignore_errors=True)
        # put the instance back as the harness wrote it, for the tests after this one
        (postfix.conf / "master.cf").write_text(MASTER_CF.format(smtp_port=postfix.smtp_port))
        postfix.cmd("reload")


def test_every_recipe_is_read():
    """The recipes the tests above apply exist, and no value in a main.cf
    block has a comment after it (Postfix reads it as part of the value)."""
    for name in ("procmail", "maildrop", "sieve", "pipe-master.cf", "guard-pipe", "milter-main.cf",
                 "header_checks-main.cf", "guard_header_checks"):
        assert recipe(name).strip()
    for name in ("milter-main.cf", "header_checks-main.cf"):
        for line in main_cf_lines(recipe(name)):
            assert "#" not in line, line
