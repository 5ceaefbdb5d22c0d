"""Fixtures for the mail-filter tests (helpers in mailharness.py)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from mailharness import MilterProcess, Postfix, need, sbin


@pytest.fixture(scope="module")
def postfix():
    need(sbin("postfix") is not None, "Postfix is not installed (Debian package postfix)")
    need(os.geteuid() == 0, "starting a private Postfix instance needs root")
    try:
        import Milter  # noqa: F401
    except ImportError:
        need(False, "pymilter is not installed (pip install '.[milter]', needs libmilter-dev)")
    base = Path(tempfile.mkdtemp(prefix="guard-postfix-"))
    pf = Postfix(base)
    try:
        pf.start()
        yield pf
    finally:
        pf.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def milter_factory(postfix):
    started: list[MilterProcess] = []

    def start(*args: str) -> MilterProcess:
        m = MilterProcess(postfix.milter_port, *args)
        started.append(m)
        return m

    yield start
    for m in started:
        m.stop()
        try:
            m.log_path.unlink()
        except OSError:
            pass
