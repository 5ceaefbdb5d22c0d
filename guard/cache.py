"""A per-user cache of compiled data, so that a short-lived process (a mail
filter run once per message) starts in milliseconds.

What is kept: the compiled rule set (guard/rules.py ``load_cached``), the
Aho-Corasick automata of its vocabulary in entries of their own (read only
when a text needs them, guard/vocab.py ``Vocabulary.automata``) and the
Public Suffix List as sets (guard/psl.py), each pickled under a key made of
its sources' hash, the hash of guard's own code, and the versions of Python
and pyahocorasick; a change to any of them makes a new entry, and only the
newest few entries of a kind are kept.

Where: ``GUARD_CACHE_DIR`` (set but empty: no cache), else
``$XDG_CACHE_HOME/guard``, else ``~/.cache/guard``. A pickle is code, so an
entry is read only when it and its directory belong to this user and no one
else can write them; the directory is made mode 0700. Any problem (no home, a
read-only disk, a corrupt or foreign file) means the data is built again:
the cache is never needed to check a message.
"""

from __future__ import annotations

import functools
import os
import pickle
from pathlib import Path
from typing import Any, Callable

_KEEP = 4


def cache_dir() -> Path | None:
    env = os.environ.get("GUARD_CACHE_DIR")
    if env is not None:
        return Path(env) if env else None
    base = os.environ.get("XDG_CACHE_HOME") or (os.path.expanduser("~/.cache") if os.environ.get("HOME") else "")
    return Path(base) / "guard" if base else None


def sha256(data: bytes = b""):
    """A SHA-256 object from CPython's built-in module when there is one:
    ``import hashlib`` loads OpenSSL's libcrypto, 3.7 MB of resident memory
    in every process that only hashes its cache keys."""
    try:
        from _sha256 import sha256 as make      # CPython 3.11
    except ImportError:
        try:
            from _sha2 import sha256 as make    # CPython 3.12 and later
        except ImportError:
            from hashlib import sha256 as make
    return make(data)


@functools.lru_cache(maxsize=1)
def _code_hash() -> str:
    import sys

    import ahocorasick

    from . import __version__

    h = sha256()
    here = Path(__file__).resolve().parent
    # each source file's name, size and modification time: a stat each
    # instead of reading and hashing 200 KB of code at every start (an edit
    # or a reinstall changes the time; the cache is rebuilt)
    for src in sorted(here.glob("*.py")):
        st = src.stat()
        h.update(f"{src.name} {st.st_size} {st.st_mtime_ns}\n".encode())
    h.update(f"{__version__} {sys.version} {getattr(ahocorasick, '__version__', '')}".encode())
    return h.hexdigest()


def _safe_to_read(path: Path) -> bool:
    import stat

    if not hasattr(os, "geteuid"):      # no owners to compare (Windows): no cache read
        return False
    try:
        for p in (path.parent, path):
            st = p.stat()
            if st.st_uid != os.geteuid() or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
                return False
    except OSError:
        return False
    return True


def entry(kind: str, source_key: str) -> Path | None:
    """The file that holds (or would hold) ``kind`` built from sources whose
    hash is ``source_key``; None when there is no cache."""
    where = cache_dir()
    if where is None:
        return None
    key = sha256(f"{kind}\0{source_key}\0{_code_hash()}".encode()).hexdigest()[:24]
    return where / f"{kind}-{key}.pickle"


def cached(kind: str, source_key: str, build: Callable[[], Any]) -> Any:
    """What ``build()`` returns, read from the cache when it holds it."""
    try:
        path = entry(kind, source_key)
    except OSError:
        path = None
    if path is not None and path.is_file() and _safe_to_read(path):
        try:
            with open(path, "rb") as fh:
                return pickle.load(fh)
        except Exception:        # corrupt or truncated: build it again
            pass
    got = build()
    if path is not None:
        _store(got, path, kind)
    return got


def _store(obj: Any, path: Path, kind: str) -> None:
    import tempfile

    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{kind}-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
        old = sorted(path.parent.glob(f"{kind}-*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
        for stale in old[_KEEP:]:
            stale.unlink(missing_ok=True)
    except Exception:
        pass          # a read-only home, a full disk, an object that does not pickle
