"""The per-user cache of compiled rule sets (guard/cache.py): a start-up
reads it, a change of the rules makes a new entry, and nothing about it can
break or subvert a check."""

import os
import pickle
import shutil
import stat

import pytest

from guard import cache
from guard.paths import rules_dir
from guard.rules import load_cached, load_rules


@pytest.fixture()
def cache_home(tmp_path, monkeypatch):
    d = tmp_path / "cache"
    monkeypatch.setenv("GUARD_CACHE_DIR", str(d))
    return d


def _entries(d):
    return sorted(p.name for p in d.glob("rules-*.pickle")) if d.exists() else []


def test_second_load_comes_from_the_cache_and_equals_a_fresh_load(cache_home):
    first = load_cached(rules_dir())
    assert len(_entries(cache_home)) == 1
    assert stat.S_IMODE(cache_home.stat().st_mode) == 0o700
    calls = []
    real = load_rules
    import guard.rules as R
    R.load_rules = lambda *a, **k: calls.append(1) or real(*a, **k)
    try:
        again = load_cached(rules_dir())
    finally:
        R.load_rules = real
    assert calls == []                                  # read, not rebuilt
    assert again.version == first.version == load_rules().version
    assert [r.id for r in again.rules] == [r.id for r in first.rules]
    assert [f.source for r in again.rules for f in r.frames] == [f.source for r in first.rules for f in r.frames]


def test_changed_rules_make_a_new_entry(cache_home, tmp_path):
    copy = tmp_path / "rules"
    shutil.copytree(rules_dir(), copy)
    a = load_cached(copy)
    p = copy / "vocab" / "en.toml"
    p.write_text(p.read_text(encoding="utf-8").replace('fee_noun = [', 'fee_noun = ["zorblax fee", ', 1),
                 encoding="utf-8")
    b = load_cached(copy)
    assert a.version != b.version
    assert len(_entries(cache_home)) == 2
    assert "zorblax fee" in b.vocab.terms["fee_noun"]["en"]


def test_a_corrupt_entry_is_rebuilt(cache_home):
    load_cached(rules_dir())
    (entry,) = cache_home.glob("rules-*.pickle")
    entry.write_bytes(b"not a pickle")
    rs = load_cached(rules_dir())
    assert rs.rules and rs.version == load_rules().version
    assert pickle.loads(entry.read_bytes()).version == rs.version    # written again


def test_an_entry_others_can_write_is_not_read(cache_home):
    load_cached(rules_dir())
    (entry,) = cache_home.glob("rules-*.pickle")
    # a planted pickle would run code; one that anybody could have written is ignored
    entry.write_bytes(pickle.dumps("planted"))
    os.chmod(entry, 0o666)
    rs = load_cached(rules_dir())
    assert rs.rules and not isinstance(rs, str)


def test_no_cache_when_turned_off(monkeypatch, tmp_path):
    monkeypatch.setenv("GUARD_CACHE_DIR", "")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert cache.cache_dir() is None
    assert load_cached(rules_dir()).rules
    assert list(tmp_path.iterdir()) == []


def test_a_cache_path_that_cannot_be_made_is_no_error(monkeypatch, tmp_path):
    # (a read-only folder would not stop root, who runs CI; a file in the way stops anyone)
    f = tmp_path / "file"
    f.write_text("x")
    monkeypatch.setenv("GUARD_CACHE_DIR", str(f / "guard"))
    assert load_cached(rules_dir()).rules


def test_only_the_newest_entries_are_kept(cache_home, tmp_path):
    copy = tmp_path / "rules"
    shutil.copytree(rules_dir(), copy)
    p = copy / "language.toml"
    base = p.read_text(encoding="utf-8")
    for i in range(cache._KEEP + 3):
        p.write_text(base + f"\n# edit {i}\n", encoding="utf-8")
        load_cached(copy)
    assert len(_entries(cache_home)) == cache._KEEP


def _hits(ruleset, text):
    from guard.normalize import NormView
    from guard.vocab import Text, scan

    t = Text.of(NormView.of(text))
    scan(ruleset.vocab, t)
    scan(ruleset.vocab, t, lazy=True)
    return {k: v for k, v in t.hits.items() if v}


def test_the_automata_are_a_cache_entry_of_their_own(cache_home, monkeypatch):
    """The Aho-Corasick automata (the fallback engine) are kept out of the
    cached rule set, which a start-up reads whole, and read from their own
    entries only when a text needs them; a missing entry is built again."""
    import guard.vocab as V

    load_cached(rules_dir())
    automata = sorted(p.name for p in cache_home.glob("automata-*.pickle"))
    assert len(automata) == 2                           # the eager and the lazy pass
    ruleset = pickle.loads((cache_home / _entries(cache_home)[0]).read_bytes())
    assert not any(k in ruleset.vocab._automata for k in (False, True))
    monkeypatch.setattr(V, "_engine", "aho-corasick")
    text = "Pay the processing fee of USD 300 by Western Union to our agent, and send your IBAN."
    expected = _hits(load_rules(), text)
    assert expected.get("fee_noun")
    assert _hits(ruleset, text) == expected             # read from the automata entries
    for name in automata:
        (cache_home / name).unlink()
    again = pickle.loads((cache_home / _entries(cache_home)[0]).read_bytes())
    assert _hits(again, text) == expected               # built again


def test_every_lazy_concept_keeps_its_entry_and_a_later_start_reads_it(cache_home, monkeypatch):
    """A long text searches each lazy concept in a Hyperscan database of its
    own (Vocabulary.concept_databases), one cache entry per concept. The
    cache keeps only the newest few entries of a kind: all of them must
    survive the build, or every start compiles them again (the fault this
    test was written for: 36 entries of one kind kept 4)."""
    import guard.vocab as V

    if not V.hyperscan_available():
        pytest.skip("Hyperscan is not installed here")
    first = load_cached(rules_dir())
    names = sorted(n for n in first.vocab.lazy if n in first.vocab.index)
    assert len(names) > cache._KEEP
    on_disk = {p.name for p in cache_home.glob("hs-concept.*.pickle")}
    assert {cache.entry(f"hs-concept.{n}", first.vocab.source_key).name for n in names} == on_disk
    built = []
    real = V._HSDatabases.build
    monkeypatch.setattr(V._HSDatabases, "build", classmethod(lambda cls, *a, **k: built.append(a) or real(*a, **k)))
    again = pickle.loads((cache_home / _entries(cache_home)[0]).read_bytes())
    for n in names:
        assert again.vocab.concept_databases(n) is not None
    assert built == []                                  # read, not compiled
