"""DNS checks against real servers on loopback: answers, faults, budget, cache."""

from __future__ import annotations

import json
import time

import dns.nameserver
import pytest

from guard import Level, check
from guard.dnscheck import MAX_NAMES, make_resolver

pytestmark = pytest.mark.dnsserver

LOOKALIKE_NX = (
    "From: ILO Recruitment Unit <jobs@ilo-recruitment.example>\n"
    "Subject: Your appointment\n\n"
    "Dear candidate,\nThe ILO is pleased to offer you the post of Programme Officer.\n"
    "Reply to confirm your acceptance.\n"
)

GENUINE = (
    "From: ILO Human Resources <recruitment@ilo.org>\n"
    "Subject: Vacancy notice\n\n"
    "The ILO is pleased to inform you about a new vacancy. Read it on https://jobs.ilo.org/vacancy/123 "
    "and write to recruitment@ilo.org with questions.\n"
)

MANY_NAMES = (
    "From: ILO Recruitment Unit <jobs@ilo-recruitment.example>\n"
    "Reply-To: desk@ilo-hr-desk.example\n"
    "Subject: Offer\n\n"
    "The ILO is pleased to offer you the post. Write to selection@oit-seleccion.example and "
    "fill in https://ilo-apply-now.example/form\n"
)


def _dns(v):
    return [f for f in v.findings if f.category == "dns"]


def _warm():
    # load the rule packs and the suffix list outside the timed part
    check(LOOKALIKE_NX)


# -- acceptance ------------------------------------------------------------------------

def test_nonexistent_lookalike_claiming_ilo_gets_a_finding_naming_the_domain(resolver):
    off = check(LOOKALIKE_NX)
    on = check(LOOKALIKE_NX, resolver=resolver)
    f = [f for f in on.findings if f.rule_id == "GRD350"]
    assert f, on.rule_ids
    ev = f[0].evidence[0]
    assert ev.field == "from" and ev.text == "jobs@ilo-recruitment.example"
    assert on.views["from"][ev.start:ev.end] == ev.text
    assert "ilo-recruitment.example" in ev.detail and "NXDOMAIN" in ev.detail
    assert "does not exist" in ev.detail  # email-validator's words agree
    assert "dns" not in on.unknowns
    assert on.score > off.score and on.level.rank >= off.level.rank
    assert on.level is not Level.CLEAR


def test_blackholed_resolver_returns_within_budget_and_says_dns_unknown(blackhole):
    _warm()
    r = make_resolver(["127.0.0.1"], port=blackhole.port, timeout=2.0)
    t = time.perf_counter()
    v = check(LOOKALIKE_NX, resolver=r, dns_budget=2.0)
    took = time.perf_counter() - t
    assert took <= 2.0 * 1.1, f"took {took:.2f} s with a 2 s DNS budget"
    assert "dns" in v.unknowns
    assert any("ilo-recruitment.example" in n and "could not answer" in n for n in v.notes), v.notes
    assert not _dns(v)  # unknown is never a finding, never a pass
    assert blackhole.received >= 1
    # the offline verdict is still there
    assert "GRD301" in v.rule_ids


@pytest.mark.parametrize("budget", [0.3, 1.0])
def test_budget_bounds_several_names_and_names_them_all(blackhole, budget):
    _warm()
    r = make_resolver(["127.0.0.1"], port=blackhole.port, timeout=5.0)
    t = time.perf_counter()
    v = check(MANY_NAMES, resolver=r, dns_budget=budget)
    took = time.perf_counter() - t
    assert took <= budget * 1.1 + 0.05, f"took {took:.2f} s with a {budget} s budget"
    # the first query used the whole budget; no other query was sent
    assert blackhole.received == 1
    note = " ".join(v.notes)
    for name in ("ilo-recruitment.example", "ilo-hr-desk.example", "oit-seleccion.example",
                 "ilo-apply-now.example"):
        assert name in note
    assert "budget" in note
    assert "dns" in v.unknowns


def test_servfail_is_unknown_not_a_finding(servfail):
    r = make_resolver(["127.0.0.1"], port=servfail.port, timeout=2.0)
    t = time.perf_counter()
    v = check(MANY_NAMES, resolver=r, dns_budget=2.0)
    assert time.perf_counter() - t < 2.2
    assert "dns" in v.unknowns
    assert not _dns(v)
    note = " ".join(v.notes)
    assert "SERVFAIL" in note and "ilo-recruitment.example" in note and "ilo-hr-desk.example" in note
    assert servfail.received >= 1


def test_truncated_answer_without_tcp_is_unknown(truncating):
    r = make_resolver(["127.0.0.1"], port=truncating.port, timeout=2.0)
    t = time.perf_counter()
    v = check(LOOKALIKE_NX, resolver=r, dns_budget=2.0)
    assert time.perf_counter() - t < 2.2
    assert "dns" in v.unknowns
    assert not _dns(v)
    assert any("truncated" in n and "ilo-recruitment.example" in n for n in v.notes), v.notes


def test_dead_nameserver_then_live_one_still_answers(dnsmasq, servfail):
    # a SERVFAIL from the first server is not the end: the second one answers
    from guard.dnscheck import clear_caches

    clear_caches()
    r = make_resolver(["127.0.0.1"], port=dnsmasq.port, timeout=2.0)
    r.nameservers = [dns.nameserver.Do53Nameserver("127.0.0.1", servfail.port),
                     dns.nameserver.Do53Nameserver("127.0.0.1", dnsmasq.port)]
    v = check(LOOKALIKE_NX, resolver=r)
    assert "GRD350" in v.rule_ids
    assert "dns" not in v.unknowns


# -- what is looked up -------------------------------------------------------------------

def test_genuine_ilo_mail_gets_no_dns_finding_and_the_policy_note(resolver, querylog):
    v = check(GENUINE, resolver=resolver)
    assert not _dns(v)
    assert "dns" not in v.unknowns
    assert any("p=reject" in n and "no trusted Authentication-Results" in n for n in v.notes), v.notes
    # ilo.org itself is not checked for existence, its links and addresses not at all
    assert ("ilo.org", "MX") not in querylog.sent
    assert not any(name == "jobs.ilo.org" for name, _ in querylog.sent)
    assert ("_dmarc.ilo.org", "TXT") in querylog.sent


def test_trusted_authentication_results_replace_the_policy_note(resolver):
    msg = ("Authentication-Results: mx.example; dmarc=pass header.from=ilo.org\n" + GENUINE)
    v = check(msg, resolver=resolver, trusted_authserv_ids=["mx.example"])
    assert not any("DMARC" in n for n in v.notes), v.notes
    assert not _dns(v)


def test_ilo_policy_none_is_said(dnsmasq):
    from dnsserver import ZONE, Dnsmasq

    from guard.dnscheck import clear_caches

    zone = dict(ZONE)
    zone["_dmarc.ilo.org"] = {"TXT": ["v=DMARC1; p=none"]}
    with Dnsmasq(zone) as weak:
        clear_caches()
        r = make_resolver(["127.0.0.1"], port=weak.port)
        v = check(GENUINE, resolver=r)
    assert any("p=none" in n and "proves nothing" in n for n in v.notes), v.notes
    assert not _dns(v)


def test_message_not_about_the_ilo_is_not_looked_up(resolver, querylog):
    msg = "From: Club <news@no-such-club.example>\nSubject: Meeting\n\nSee you on Friday at the club.\n"
    v = check(msg, resolver=resolver)
    assert querylog.sent == []
    assert not _dns(v) and "dns" not in v.unknowns


def test_freemail_and_shorteners_are_not_looked_up(resolver, querylog):
    # the fixture server says NXDOMAIN for gmail.com and bit.ly: asking would be wrong
    msg = ("From: ILO Recruitment Unit <ilo.jobs@gmail.com>\nSubject: Offer\n\n"
           "The ILO is pleased to offer you the post. Details: https://bit.ly/abc\n")
    v = check(msg, resolver=resolver)
    assert not _dns(v)
    assert not any(n in ("gmail.com", "bit.ly") for n, _ in querylog.sent)


def test_names_are_asked_once_per_message(dnsmasq, querylog):
    r = make_resolver(["127.0.0.1"], port=dnsmasq.port)
    r.cache = None  # no cache: only the per-message de-duplication
    msg = ("From: ILO Recruitment Unit <jobs@ilo-recruitment.example>\n"
           "Reply-To: other@ilo-recruitment.example\nSubject: Offer\n\n"
           "The ILO is pleased to offer you the post. Write to a@ilo-recruitment.example, "
           "b@ilo-recruitment.example or c@careers-desk.example, d@careers-desk.example. "
           "See https://ilo-recruitment.example/x and https://ilo-recruitment.example/y\n")
    v = check(msg, resolver=r)
    assert "GRD350" in v.rule_ids and "GRD353" in v.rule_ids
    assert len(querylog.sent) == len(set(querylog.sent)), querylog.sent
    # an NXDOMAIN answers for every type of the name: one query for it in all
    assert [n for n, _ in querylog.sent].count("ilo-recruitment.example") == 1


def test_at_most_max_names_per_message(resolver, querylog):
    # hosts that exist (so no evidence cap stops the look-ups first)
    hosts = [f"https://h{i}.wild.example/" for i in range(MAX_NAMES + 5)]
    msg = ("From: ILO Recruitment Unit <jobs@ilo-careers.example>\nSubject: Offer\n\n"
           "The ILO is pleased to offer you the post. " + " ".join(hosts) + "\n")
    v = check(msg, resolver=resolver)
    asked = {n for n, _ in querylog.sent if not n.startswith("_dmarc.")}
    assert len(asked) == MAX_NAMES
    assert f"h{MAX_NAMES - 2}.wild.example" in asked and f"h{MAX_NAMES - 1}.wild.example" not in asked
    assert any(f"only the first {MAX_NAMES} domains" in n for n in v.notes)
    assert "dns" not in v.unknowns


def test_link_evidence_is_capped_at_five(resolver):
    hosts = [f"https://gone{i}.example/" for i in range(8)]
    msg = ("From: Talent Team <talent@global-staffing.example>\nSubject: Offer\n\n"
           "The ILO is pleased to offer you the post. " + " ".join(hosts) + "\n")
    v = check(msg, resolver=resolver)
    f = [f for f in v.findings if f.rule_id == "GRD354"]
    assert f and len(f[0].evidence) == 5


# -- cache -----------------------------------------------------------------------------

def test_warm_cache_sends_no_query(resolver, querylog):
    msg = MANY_NAMES + "Also write to hr@hr-office.example\n"   # MX/A/AAAA NoAnswer: negative answers
    v1 = check(msg, resolver=resolver)
    first = len(querylog)
    assert first > 0
    querylog.clear()
    # a new resolver on the same servers shares the process-wide cache
    again = make_resolver(["127.0.0.1"], port=resolver.port)
    v2 = check(msg, resolver=again)
    assert querylog.sent == [], "NXDOMAIN, NoAnswer and answers must come from the cache"
    assert v1.rule_ids == v2.rule_ids and "GRD353" in v2.rule_ids


def test_cache_respects_ttl():
    from dnsserver import Dnsmasq, dnsmasq_path

    if dnsmasq_path() is None:
        import os
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("dnsmasq is missing on CI")
        pytest.skip("dnsmasq is not installed")
    msg = ("From: Talent Team <talent@global-staffing.example>\nSubject: Opening\n\n"
           "We write on behalf of the International Labour Organization about an opening.\n")
    import dns.query

    sent = []
    orig = dns.query.udp

    def spy(q, *a, **k):
        sent.append(q.question[0].name.to_text())
        return orig(q, *a, **k)

    with Dnsmasq(ttl=1) as short, pytest.MonkeyPatch.context() as mp:
        mp.setattr(dns.query, "udp", spy)
        r = make_resolver(["127.0.0.1"], port=short.port)
        check(msg, resolver=r)
        n1 = len(sent)
        check(msg, resolver=r)
        assert len(sent) == n1 > 0          # within the TTL: cached
        time.sleep(1.3)
        check(msg, resolver=r)
        assert len(sent) == 2 * n1          # expired: asked again


def test_timeouts_are_not_cached(blackhole):
    _warm()
    r = make_resolver(["127.0.0.1"], port=blackhole.port)
    check(LOOKALIKE_NX, resolver=r, dns_budget=0.3)
    got = blackhole.received
    v = check(LOOKALIKE_NX, resolver=r, dns_budget=0.3)
    assert blackhole.received > got
    assert "dns" in v.unknowns


def test_caches_are_per_server_set(dnsmasq, blackhole):
    # a good answer from one server is not reused for another
    good = make_resolver(["127.0.0.1"], port=dnsmasq.port)
    bad = make_resolver(["127.0.0.1"], port=blackhole.port)
    assert good.cache is not bad.cache
    assert good.cache is make_resolver("127.0.0.1", port=dnsmasq.port).cache
    check(LOOKALIKE_NX, resolver=good)
    v = check(LOOKALIKE_NX, resolver=bad, dns_budget=0.3)
    assert "dns" in v.unknowns and "GRD350" not in v.rule_ids


# -- mail hosts ---------------------------------------------------------------------------

@pytest.mark.parametrize("domain,no_mail", [
    ("carrieres-monde.example", False),   # no MX, public A: mail goes to the domain
    ("v6-only.example", False),           # no MX, public AAAA
    ("private-only.example", True),       # no MX, only a private address
    ("careers-desk.example", True),       # null MX
    ("hr-office.example", True),          # neither MX nor address
    ("global-staffing.example", False),   # MX
])
def test_can_receive_mail_follows_rfc5321_fallback(resolver, domain, no_mail):
    msg = (f"From: ILO Careers <careers@{domain}>\nSubject: Offer\n\n"
           "The ILO is pleased to offer you the post.\n")
    v = check(msg, resolver=resolver)
    assert ("GRD351" in v.rule_ids) is no_mail, [e.detail for f in v.findings for e in f.evidence]
    assert "GRD350" not in v.rule_ids


def test_ilo_subdomain_sender_is_checked_for_existence_only(resolver):
    # mx1.ilo.org exists and takes no mail (no MX): not a finding for an ilo.org subdomain
    msg = ("From: ILO <noreply@mx1.ilo.org>\nSubject: Vacancy\n\n"
           "The ILO is pleased to inform you about a new vacancy.\n")
    v = check(msg, resolver=resolver)
    assert not _dns(v)


def test_html_link_to_missing_host_has_evidence_without_span(resolver):
    msg = ("From: Talent Team <talent@global-staffing.example>\nSubject: Offer\n"
           "Content-Type: text/html; charset=utf-8\n\n"
           "<p>The ILO is pleased to offer you the post.</p>"
           "<p><a href=\"https://ilo-apply-now.example/form\">Open the form</a></p>\n")
    v = check(msg, resolver=resolver)
    f = [f for f in v.findings if f.rule_id == "GRD354"]
    assert f
    for e in f[0].evidence:
        assert v.views[e.field][e.start:e.end] == e.text
        assert "ilo-apply-now.example" in e.detail


# -- bad settings: a verdict, never a crash ---------------------------------------------

class _Exploding:
    cache = None

    def resolve(self, *a, **k):
        raise RuntimeError("boom")


@pytest.mark.parametrize("bad", [object(), "8.8.8.8"])
def test_a_resolver_of_the_wrong_type_is_an_argument_error(bad):
    # check() raises only for arguments of the wrong type (README, "Library")
    with pytest.raises(TypeError):
        check(LOOKALIKE_NX, resolver=bad)


def test_a_resolver_that_raises_gives_unknown_not_a_crash():
    v = check(LOOKALIKE_NX, resolver=_Exploding())
    assert v.complete or v.notes
    assert "dns" in v.unknowns
    assert not _dns(v)
    assert "GRD301" in v.rule_ids


@pytest.mark.parametrize("budget", [0, -1.0])
def test_a_budget_that_is_not_positive_is_an_argument_error(resolver, querylog, budget):
    with pytest.raises(ValueError):
        check(LOOKALIKE_NX, resolver=resolver, dns_budget=budget)
    assert querylog.sent == []


def test_lifetime_is_what_is_left_of_the_budget(dnsmasq):
    real = make_resolver(["127.0.0.1"], port=dnsmasq.port)
    seen = []

    class Spy:
        def resolve(self, *a, lifetime=None, **k):
            seen.append(lifetime)
            time.sleep(0.05)
            return real.resolve(*a, lifetime=lifetime, **k)

    check(MANY_NAMES, resolver=Spy(), dns_budget=1.5)
    assert len(seen) >= 4
    assert all(0 < x <= 1.5 for x in seen)
    assert seen == sorted(seen, reverse=True) and seen[-1] <= 1.5 - 0.05 * (len(seen) - 1)


def test_verdict_with_dns_is_json(resolver):
    v = check(MANY_NAMES, resolver=resolver)
    d = json.loads(json.dumps(v.to_dict(include_views=True)))
    assert {"GRD350", "GRD353", "GRD354"} <= {f["rule_id"] for f in d["findings"]}
