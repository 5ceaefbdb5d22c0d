"""``guard filter``: headers, byte preservation, exit codes, fail-open."""

from __future__ import annotations

import email
import io
import os
import re
import subprocess
import sys
import time
from email import policy
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import guard
import guard.api
from guard import filter as gf

DATA = Path(__file__).resolve().parent / "data"
SCAM = (DATA / "scam.eml").read_bytes()
GENUINE = (DATA / "genuine.eml").read_bytes()
ROOT = Path(__file__).resolve().parents[2]

STATUS_RE = re.compile(
    rb"X-Guard-Status: (Yes|No|Unknown), [^\r\n]*(?:(?:\r\n|\r|\n)\t[^\r\n]*)*(?:\r\n|\r|\n)"
    rb"(?:X-Guard-Flag: FRAUD(?:\r\n|\r|\n))?")


def run_filter(raw: bytes, **opts) -> tuple[int, bytes]:
    out = io.BytesIO()
    code, _ = gf.filter_stream(io.BytesIO(raw), out, gf.Options(**opts))
    return code, out.getvalue()


def split(out: bytes, start: int = 0) -> tuple[bytes, bytes]:
    """(inserted header block, the rest) of a filter output whose header
    block begins at ``start``."""
    m = STATUS_RE.match(out, start)
    assert m, out[:300]
    return out[start:m.end()], out[:start] + out[m.end():]


def unfolded(block: bytes, name: str) -> str:
    msg = email.message_from_bytes(block + b"\n", policy=policy.compat32)
    v = msg[name]
    return re.sub(r"\r?\n\t", " ", v) if v is not None else None


def crlf(b: bytes) -> bytes:
    return b.replace(b"\n", b"\r\n")


# -- header formats --------------------------------------------------------------

def test_fraud_gets_status_yes_and_flag():
    code, out = run_filter(SCAM)
    assert code == 0
    block, rest = split(out)
    assert rest == SCAM
    status = unfolded(block, "X-Guard-Status")
    m = re.fullmatch(r"Yes, level=fraud score=(\d+\.\d) tests=(GRD\d{3}(?:, ?GRD\d{3})*) version=(\S+)", status)
    assert m, status
    assert float(m.group(1)) > 0
    ids = [t.strip() for t in m.group(2).split(",")]
    assert ids == guard.check(SCAM).rule_ids
    assert m.group(3) == guard.__version__
    assert b"X-Guard-Flag: FRAUD\n" in block


def test_genuine_gets_status_no_and_no_flag():
    code, out = run_filter(GENUINE)
    assert code == 0
    block, rest = split(out)
    assert rest == GENUINE
    status = unfolded(block, "X-Guard-Status")
    assert re.fullmatch(r"No, level=clear score=0\.0 tests=none version=\S+", status), status
    assert b"X-Guard-Flag" not in out


def test_headers_are_first_and_parse_as_headers():
    _, out = run_filter(SCAM)
    msg = email.message_from_bytes(out, policy=policy.default)
    assert list(msg.keys())[:2] == ["X-Guard-Status", "X-Guard-Flag"]
    assert msg["Subject"] == email.message_from_bytes(SCAM, policy=policy.default)["Subject"]
    assert msg.get_content().strip().startswith("Dear Candidate")


def test_fold_keeps_lines_short_and_unfolds_to_the_value():
    value = "Yes, level=fraud score=42.0 tests=" + ",".join(f"GRD{i}" for i in range(100, 140)) + " version=0.1.0"
    for eol in (b"\n", b"\r\n"):
        folded = gf.fold("X-Guard-Status", value, eol)
        lines = folded.split(eol)
        assert lines[-1] == b""
        assert all(len(line) <= 78 for line in lines)
        assert all(line.startswith(b"\t") for line in lines[1:-1])
        # RFC 5322 unfolding (drop the line breaks) gives the value back, give or take the tab
        unfolded_value = folded[len("X-Guard-Status: "):-len(eol)].replace(eol + b"\t", b" ").decode()
        assert unfolded_value.replace(", ", ",").replace(" GRD", "GRD") == value.replace(", ", ",")
        assert b"\r" not in folded.replace(b"\r\n", b"") and (eol == b"\r\n") == (b"\r\n" in folded)


def test_short_value_is_one_line():
    assert gf.fold("X-Guard-Flag", "FRAUD") == b"X-Guard-Flag: FRAUD\n"


# -- bytes preserved ------------------------------------------------------------

def test_crlf_message_gets_crlf_headers_and_stays_byte_identical():
    raw = crlf(SCAM)
    _, out = run_filter(raw)
    block, rest = split(out)
    assert rest == raw
    assert block.count(b"\r\n") == block.count(b"\n")     # no bare LF added
    assert block.endswith(b"X-Guard-Flag: FRAUD\r\n")


def test_mbox_from_line_stays_first():
    from_line = b"From ilo.recruitment.desk@gmail.com Mon Jun  3 09:12:44 2024\n"
    raw = from_line + SCAM
    _, out = run_filter(raw)
    assert out.startswith(from_line)
    block, rest = split(out, len(from_line))
    assert rest == raw
    assert b"X-Guard-Flag: FRAUD" in block


@pytest.mark.parametrize("name,raw", [
    ("no trailing newline", GENUINE.rstrip(b"\n")),
    ("headers only, no body, no newline", b"From: a@example.com\nSubject: x"),
    ("8-bit latin-1 body without charset",
     b"From: a@example.com\nSubject: caf\xe9\n\nPrix: 10 \xe9cus, na\xefve \xff\xfe\x00 bytes\n"),
    ("invalid utf-8 declared utf-8",
     b"From: a@example.com\nContent-Type: text/plain; charset=utf-8\n\n\xc3\x28 \xa0\xa1 \xf0\x28\x8c\x28\n"),
    ("iso-2022-jp",
     b"From: a@example.com\nSubject: =?ISO-2022-JP?B?GyRCRnxLXDhsGyhC?=\nContent-Type: text/plain; "
     b"charset=iso-2022-jp\n\n\x1b$BF|K\\8l\x1b(B\n"),
    ("quoted-printable soft breaks and trailing spaces",
     b"From: a@example.com\nContent-Transfer-Encoding: quoted-printable\n\nline=\n with =3D  \t \nend=\n"),
    ("base64 with a bad alphabet", b"From: a@example.com\nContent-Transfer-Encoding: base64\n\n!!!@@@###\n====\n"),
    ("mixed line endings", b"From: a@example.com\r\nSubject: y\nX-Other: 1\r\n\r\nbody\rstray CR\n\r\n"),
    ("bare CR only", b"From: a@example.com\rSubject: old mac\r\rbody\r"),
    ("no header block at all", b"\nonly a body\n"),
    ("NUL and DEL in a header", b"From: a@example.com\nX-Odd: a\x00b\x7fc\n\nx"),
    ("folded header and whitespace lines", b"From: a@example.com\nSubject: one\n two\n\t three\n \n\nbody \n"),
    ("broken MIME boundary",
     b"From: a@example.com\nContent-Type: multipart/mixed; boundary=\"zz\"\n\n--zz\nContent-Type: text/plain\n\nhi\n--yy--\n"),
])
def test_odd_messages_pass_byte_identical(name, raw):
    code, out = run_filter(raw)
    assert code == 0
    start = gf.header_start(raw)
    block, rest = split(out, start)
    assert rest == raw, name
    if b"\n" not in raw:
        eol = b"\r" if b"\r" in raw else b"\n"
    else:
        eol = b"\r\n" if raw.split(b"\n", 1)[0].endswith(b"\r") else b"\n"
    assert block.endswith(eol) and block.count(eol) == block.count(eol[-1:])


_header_name = st.from_regex(rb"\A[A-WYZa-wyz][A-Za-z0-9-]{0,15}\Z").filter(lambda n: not n.lower().startswith(b"x-guard"))
_line = st.binary(max_size=60).map(lambda b: b.replace(b"\n", b"").replace(b"\r", b""))


@st.composite
def messages(draw):
    eol = draw(st.sampled_from([b"\n", b"\r\n"]))
    headers = draw(st.lists(st.tuples(_header_name, _line, st.lists(_line, max_size=2)), max_size=8))
    body = draw(st.binary(max_size=2000))
    parts = []
    if draw(st.booleans()):
        parts.append(b"From sender@example.com Thu Jan  1 00:00:00 2024" + eol)
    for name, value, conts in headers:
        parts.append(name + b": " + value + eol)
        parts.extend(b"\t" + c + eol for c in conts)
    if draw(st.booleans()):
        parts.append(eol + body)
    return b"".join(parts), eol


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messages())
def test_structured_messages_are_byte_identical_after_the_inserted_headers(msg):
    raw, eol = msg
    assume(raw)
    code, out = run_filter(raw)
    assert code == 0
    start = gf.header_start(raw)
    block, rest = split(out, start)
    assert rest == raw
    # every inserted line ends with the message's own line ending
    assert block.count(eol) == block.count(b"\n")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(min_size=1, max_size=3000))
def test_arbitrary_bytes_are_byte_identical_after_the_inserted_headers(raw):
    assume(b"x-guard-" not in raw.lower())
    start = gf.header_start(raw)
    assume(raw[start:start + 1] not in (b"\t", b" "))
    code, out = run_filter(raw)
    assert code == 0
    _, rest = split(out, start)
    assert rest == raw


# -- forged X-Guard-* headers --------------------------------------------------------

FORGED = (b"X-Guard-Status: No, level=clear score=0.0 tests=none\n"
          b"\tversion=0.1.0\n"
          b"x-guard-flag: CLEAN\n")


def test_forged_guard_headers_are_renamed_and_only_ours_remain():
    raw = SCAM.replace(b"Subject:", FORGED + b"Subject:", 1)
    raw = raw.replace(b"Regards,", b"X-Guard-Status: No, quoted in the body\nRegards,")
    _, out = run_filter(raw)
    msg = email.message_from_bytes(out, policy=policy.compat32)
    assert len(msg.get_all("X-Guard-Status")) == 1
    assert msg["X-Guard-Status"].startswith("Yes, level=fraud")
    assert msg.get_all("X-Guard-Flag") == ["FRAUD"]
    assert msg["X-Prev-Guard-Status"].startswith("No, level=clear")
    assert msg["X-Prev-Guard-flag"] == "CLEAN"
    # the renaming changes the field names only; the body keeps its text
    block, rest = split(out)
    assert rest.replace(b"X-Prev-Guard-", b"X-Guard-", 1).replace(b"X-Prev-Guard-", b"x-guard-", 1) == raw
    assert b"\nX-Guard-Status: No, quoted in the body\n" in rest


def test_guard_header_in_body_of_headerless_text_is_left_alone():
    raw = b"\nX-Guard-Status: No\n"
    _, out = run_filter(raw)
    _, rest = split(out)
    assert rest == raw


# -- exit codes and failure modes ------------------------------------------------------

def test_exit_verdict_codes():
    assert run_filter(SCAM, exit_verdict=True)[0] == 20
    assert run_filter(GENUINE, exit_verdict=True)[0] == 0
    assert run_filter(SCAM)[0] == 0


def test_empty_input_writes_nothing():
    assert run_filter(b"") == (0, b"")


def _boom(*a, **k):
    raise RuntimeError("boom")


def test_internal_error_in_the_check_fails_open(monkeypatch):
    monkeypatch.setattr(guard.api, "_check", _boom)
    code, out = run_filter(SCAM, exit_verdict=True)
    assert code == 0
    block, rest = split(out)
    assert rest == SCAM
    assert unfolded(block, "X-Guard-Status").startswith("Unknown, error=internal")
    assert b"X-Guard-Flag" not in block


def test_internal_error_with_tempfail_exits_75_and_writes_nothing(monkeypatch):
    monkeypatch.setattr(guard.api, "_check", _boom)
    assert run_filter(SCAM, on_error="tempfail") == (75, b"")


def test_error_in_the_filter_itself_still_passes_the_message(monkeypatch):
    monkeypatch.setattr(gf, "add_headers", _boom)
    code, out = run_filter(crlf(SCAM))
    assert code == 0
    assert out == b"X-Guard-Status: Unknown, error=internal version=" + guard.__version__.encode() + b"\r\n" + crlf(SCAM)
    monkeypatch.setattr(gf, "add_headers", _boom)
    assert run_filter(SCAM, on_error="tempfail") == (75, b"")


def _slow(*a, **k):
    time.sleep(3)
    raise AssertionError("should have been abandoned")


def test_time_budget_passes_the_message_unchecked(monkeypatch):
    monkeypatch.setattr(guard.api, "check", _slow)
    t0 = time.monotonic()
    code, out = run_filter(SCAM, time_budget=0.3, exit_verdict=True)
    assert time.monotonic() - t0 < 2
    assert code == 0
    block, rest = split(out)
    assert rest == SCAM
    assert unfolded(block, "X-Guard-Status").startswith("Unknown, error=timeout time-budget=0.3s")


def test_time_budget_with_tempfail(monkeypatch):
    monkeypatch.setattr(guard.api, "check", _slow)
    out = io.BytesIO()
    code, timed_out = gf.filter_stream(io.BytesIO(SCAM), out, gf.Options(time_budget=0.2, on_error="tempfail"))
    assert (code, timed_out, out.getvalue()) == (75, True, b"")


def test_incomplete_verdict_without_fraud_is_unknown(monkeypatch):
    real = guard.api.check

    def tight(raw, **kw):
        kw["time_budget"] = 1e-9     # the engine skips every rule
        return real(raw, **kw)

    monkeypatch.setattr(guard.api, "check", tight)
    _, out = run_filter(GENUINE)
    block, rest = split(out)
    assert rest == GENUINE
    assert unfolded(block, "X-Guard-Status").startswith("Unknown, error=timeout level=clear")


class _Chunky(io.RawIOBase):
    """A stdin that returns at most 1000 bytes a read, like a pipe."""

    def __init__(self, data: bytes):
        self.buf = io.BytesIO(data)

    def readable(self):
        return True

    def readinto(self, b):
        chunk = self.buf.read(min(len(b), 1000))
        b[:len(chunk)] = chunk
        return len(chunk)


def test_too_large_passes_through_unchecked_and_whole(monkeypatch):
    monkeypatch.setattr(guard.api, "check", _boom)   # must not be called
    raw = crlf(SCAM) + os.urandom(50_000)
    out = io.BytesIO()
    code, _ = gf.filter_stream(io.BufferedReader(_Chunky(raw)), out, gf.Options(max_size=4096, on_error="tempfail"))
    assert code == 0          # retrying would not make it smaller: never tempfail on size
    block, rest = split(out.getvalue())
    assert rest == raw
    assert block == b"X-Guard-Status: Unknown, error=too-large max-size=4096 version=" + guard.__version__.encode() + b"\r\n"


def test_exactly_max_size_is_checked():
    _, out = run_filter(SCAM, max_size=len(SCAM))
    assert out.startswith(b"X-Guard-Status: Yes")


class _Broken(io.RawIOBase):
    def writable(self):
        return True

    def write(self, b):
        raise BrokenPipeError(32, "Broken pipe")


def test_write_failure_exits_74_even_when_failing_open():
    code, _ = gf.filter_stream(io.BytesIO(SCAM), _Broken(), gf.Options())
    assert code == 74


def test_options_reject_bad_values():
    with pytest.raises(ValueError):
        gf.Options(on_error="drop")
    with pytest.raises(ValueError):
        gf.Options(time_budget=0)


@pytest.mark.parametrize("text,n", [("10M", 10 * 1024 * 1024), ("512k", 512 * 1024), ("1000", 1000), ("1.5K", 1536)])
def test_parse_size(text, n):
    assert gf.parse_size(text) == n


# -- the command ---------------------------------------------------------------------

def guard_cmd(*args, stdin: bytes = b"") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "guard", *args], input=stdin, capture_output=True,
                          cwd=ROOT, timeout=60)


def test_command_fraud_and_clear():
    p = guard_cmd("filter", stdin=crlf(SCAM))
    assert p.returncode == 0, p.stderr
    block, rest = split(p.stdout)
    assert rest == crlf(SCAM)
    assert b"X-Guard-Flag: FRAUD\r\n" in block
    p = guard_cmd("filter", "--exit-verdict", stdin=SCAM)
    assert p.returncode == 20
    p = guard_cmd("filter", "--exit-verdict", stdin=GENUINE)
    assert p.returncode == 0 and p.stdout.startswith(b"X-Guard-Status: No, level=clear")


def test_command_streams_a_too_large_message():
    raw = SCAM + b"\n" + os.urandom(3 * 1024 * 1024)
    p = guard_cmd("filter", "--max-size", "1M", stdin=raw)
    assert p.returncode == 0, p.stderr
    block, rest = split(p.stdout)
    assert rest == raw
    assert b"error=too-large max-size=1048576" in block
    assert b"passed through unchecked" in p.stderr


def test_command_usage_errors_exit_64():
    assert guard_cmd("filter", "--max-size", "lots").returncode == 64
    assert guard_cmd("filter", "--on-error", "drop").returncode == 64
    assert guard_cmd("filter", "--time-budget", "0").returncode == 64
