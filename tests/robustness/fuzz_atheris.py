#!/usr/bin/env python3
"""Coverage-guided fuzzing of check() with atheris (libFuzzer), optional.

Not part of the test suite (pytest does not collect it). Install and run:

    .venv/bin/pip install -e '.[fuzz]'
    .venv/bin/python tests/robustness/fuzz_atheris.py -max_total_time=600 -timeout=30 [CORPUS_DIR]

Each input becomes raw bytes, a ``str`` (lone surrogates allowed), or a MIME
message assembled from the input's bytes. A crash is an input for which
check() raises, reports an internal error, breaks an evidence span, cannot be
turned into JSON, or takes longer than the bound of hostile.py (the engine's
own time budget must keep it inside; libFuzzer's ``-timeout`` is only a
backstop for a real hang). libFuzzer writes the input that failed to
``crash-*`` / ``timeout-*`` in the current folder: replay it with
``python tests/robustness/fuzz_atheris.py crash-...``.
"""

from __future__ import annotations

import sys
from pathlib import Path

try:
    import atheris
except ImportError:  # pragma: no cover - optional
    sys.exit("atheris is not installed: .venv/bin/pip install -e '.[fuzz]' (or pip install atheris)")

sys.path.insert(0, str(Path(__file__).resolve().parent))

with atheris.instrument_imports(include=["guard"]):
    import guard  # noqa: F401
    from guard.rules import default_ruleset

from hostile import run  # noqa: E402

default_ruleset()

_CTYPES = ["text/plain", "text/html", "multipart/mixed; boundary=B", "message/rfc822", "application/x"]
_CTES = ["7bit", "base64", "quoted-printable", "8bit", "x-bogus"]
_CHARSETS = ["utf-8", "latin-1", "utf-16", "x-none", "shift_jis", ""]


def _message(fdp: "atheris.FuzzedDataProvider") -> bytes:
    parts = []
    for _ in range(fdp.ConsumeIntInRange(0, 6)):
        ctype = _CTYPES[fdp.ConsumeIntInRange(0, len(_CTYPES) - 1)]
        cte = _CTES[fdp.ConsumeIntInRange(0, len(_CTES) - 1)]
        cs = _CHARSETS[fdp.ConsumeIntInRange(0, len(_CHARSETS) - 1)]
        body = fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 2000))
        parts.append(b"--B\r\nContent-Type: " + ctype.encode() + (b"; charset=" + cs.encode() if cs else b"")
                     + b"\r\nContent-Transfer-Encoding: " + cte.encode() + b"\r\n\r\n" + body + b"\r\n")
    head = b"From: " + fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 300)) + b"\r\nSubject: " + \
        fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 300)) + b"\r\nMIME-Version: 1.0\r\n" \
        b"Content-Type: multipart/mixed; boundary=B\r\n\r\n"
    return head + b"".join(parts) + (b"--B--\r\n" if fdp.ConsumeBool() else b"") + fdp.ConsumeBytes(fdp.remaining_bytes())


def test_one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    mode = fdp.ConsumeIntInRange(0, 3)
    if mode == 0:
        run(fdp.ConsumeBytes(fdp.remaining_bytes()))
    elif mode == 1:
        run(fdp.ConsumeUnicodeNoSurrogates(len(data)) if fdp.ConsumeBool() else fdp.ConsumeUnicode(len(data)))
    elif mode == 2:
        sender = fdp.ConsumeUnicode(64)
        run(fdp.ConsumeUnicode(len(data)), sender=sender)
    else:
        run(_message(fdp))


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
