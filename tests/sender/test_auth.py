"""Authentication-Results: which headers are believed, and what DMARC says.

Threat model (README.md, "Authentication-Results"): a sender can write any
header into a message but cannot place one above the headers the
recipient's own servers add on arrival.
"""

import pytest

from guard import Level, check
from guard.auth import judge, parse_header

from .mail import FEE, FORWARDED_LIST_AR, PASSPORT, ar_line, message, saved_from

LIST = dict(return_path="bounces@lists.example.org")
FAILED = FORWARDED_LIST_AR.replace("dmarc=pass", "dmarc=fail")


def _ids(v):
    return set(v.rule_ids)


# -- the forwarded-list case (RFC 7489: DMARC pass whatever SPF said) -------------------

@pytest.mark.parametrize("how", [dict(mailbox=True), dict(trusted_authserv_ids=["mx.google.com"])])
def test_list_forwarded_ilo_mail_that_passed_dmarc_is_clear(how):
    v = check(saved_from("gmail", FORWARDED_LIST_AR, message(**LIST)), **how)
    assert v.level is Level.CLEAR, v.rule_ids
    assert "GRD308" not in _ids(v)       # SPF failed, DMARC passed: not forged
    assert "GRD307" not in _ids(v)       # the list's envelope is expected once DMARC passed
    assert "authentication" not in v.unknowns


@pytest.mark.parametrize("body", [PASSPORT, FEE])
def test_list_forwarded_ilo_mail_that_passed_dmarc_is_never_fraud(body):
    v = check(saved_from("gmail", FORWARDED_LIST_AR, message(body=body, **LIST)), mailbox=True)
    assert v.level is not Level.FRAUD, v.rule_ids
    assert "GRD308" not in _ids(v)


def test_same_message_with_dmarc_fail_is_suspicious_and_with_a_fee_fraud():
    v = check(saved_from("gmail", FAILED, message(**LIST)), mailbox=True)
    assert v.level.rank >= Level.SUSPICIOUS.rank
    assert "GRD308" in _ids(v)
    ev = next(f for f in v.findings if f.rule_id == "GRD308").evidence
    assert any(e.text == "dmarc=fail" and v.views[e.field][e.start:e.end] == e.text for e in ev)
    assert any("Gmail" in (e.detail or "") for e in ev)
    v = check(saved_from("gmail", FAILED, message(body=FEE, **LIST)), mailbox=True)
    assert v.level is Level.FRAUD
    assert {"GRD308", "GRD902"} <= _ids(v)


def test_dkim_pass_aligned_with_ilo_org_counts_when_no_dmarc_result():
    v = check(saved_from("gmail", "spf=softfail smtp.mailfrom=lists.example.org; dkim=pass header.d=ilo.org",
                         message(body=FEE, **LIST)), mailbox=True)
    assert v.level is not Level.FRAUD and "GRD308" not in _ids(v)


def test_dkim_pass_of_a_subdomain_is_aligned_relaxed():
    j = judge(["mx.google.com; dkim=pass header.d=mail.ilo.org"], "ilo.org", trusted=frozenset({"mx.google.com"}))
    assert j.status == "pass"


def test_passes_only_for_other_domains_are_unaligned_and_count_as_forged():
    res = "spf=pass smtp.mailfrom=bulk.example.net; dkim=pass header.d=bulk.example.net"
    v = check(saved_from("gmail", res, message(body=PASSPORT)), mailbox=True)
    assert "GRD308" in _ids(v) and v.level is Level.FRAUD
    assert any("bulk.example.net" in (e.detail or "") for f in v.findings for e in f.evidence)


def test_dmarc_about_another_domain_does_not_vouch_for_ilo_org():
    j = judge(["mx.google.com; dmarc=pass header.from=example.net"], "ilo.org",
              trusted=frozenset({"mx.google.com"}))
    assert j.status == "unknown"


def test_none_results_are_not_failures():
    j = judge(["mx.google.com; dkim=none; spf=none smtp.mailfrom=ilo.org; dmarc=none header.from=ilo.org"],
              "ilo.org", trusted=frozenset({"mx.google.com"}))
    assert j.status == "unknown"


# -- which headers: the mailbox default, topmost only ------------------------------------

def test_uploaded_mail_whose_provider_says_dmarc_fail_is_flagged():
    v = check(saved_from("gmail", "dmarc=fail (p=REJECT) header.from=ilo.org", message()).encode(),
              mailbox=True)
    assert "GRD308" in _ids(v) and v.level.rank >= Level.SUSPICIOUS.rank


def test_mail_filters_do_not_believe_providers():
    # check()'s default (guard filter / milter / scan): only the operator's ids
    v = check(saved_from("gmail", "dmarc=fail header.from=ilo.org", message()).encode())
    assert "GRD308" not in _ids(v)
    assert "authentication" in v.unknowns


def test_forged_fail_below_a_genuine_providers_header_is_ignored():
    forged = saved_from("gmail", "dmarc=fail header.from=ilo.org", message())
    # the recipient's own provider (Yahoo) wrote the topmost header: DMARC passed
    genuine = saved_from("yahoo", "dkim=pass header.i=@ilo.org header.s=sel1; "
                                  "dmarc=pass(p=REJECT) header.from=ilo.org;", forged)
    v = check(genuine, mailbox=True)
    assert "GRD308" not in _ids(v) and v.level is Level.CLEAR
    assert "authentication" not in v.unknowns


def test_forged_header_below_an_unlisted_receiver_is_ignored():
    # the university's server is not a listed provider: nothing is believed,
    # whatever the Gmail-looking header below it says
    forged = saved_from("gmail", "dmarc=fail header.from=ilo.org", message())
    v = check(saved_from("university", "dmarc=none header.from=ilo.org", forged), mailbox=True)
    assert "GRD308" not in _ids(v)
    assert "authentication" in v.unknowns


def test_forged_pass_below_a_genuine_fail_does_not_win():
    forged = "\n".join([ar_line("mx.google.com", "dmarc=pass header.from=ilo.org"), message(body=FEE)])
    v = check(saved_from("gmail", "dmarc=fail header.from=ilo.org", forged), mailbox=True)
    assert "GRD308" in _ids(v) and v.level is Level.FRAUD


def test_forged_provider_pass_on_top_without_the_providers_received_is_not_believed():
    # the recipient's server added no Authentication-Results: the forger's
    # "Gmail says pass" ends up on top, but Gmail never received the message
    forged = "\n".join([ar_line("mx.google.com", "dkim=pass header.d=ilo.org; dmarc=pass header.from=ilo.org"),
                        message(body=FEE)])
    received = ("Received: from relay.example.net (relay.example.net [198.51.100.9])\n"
                " by mx.small-isp.example with ESMTP id 77; Mon, 7 Apr 2025 17:12:02 +0100\n")
    v = check(received + forged, mailbox=True)
    assert v.level is Level.FRAUD            # not capped: the pass is not believed
    assert "authentication" in v.unknowns
    # the same header with Gmail's own Received above it is believed
    v = check(saved_from("gmail", "dkim=pass header.d=ilo.org; dmarc=pass header.from=ilo.org",
                         message(body=FEE)), mailbox=True)
    assert v.level is Level.SUSPICIOUS and "authentication" not in v.unknowns


def test_outlook_header_without_authserv_id():
    res = ("spf=fail (sender IP is 192.0.2.25) smtp.mailfrom=lists.example.org; dkim=pass "
           "(signature was verified) header.d=ilo.org;dmarc=pass action=none header.from=ilo.org;compauth=pass reason=100")
    v = check(saved_from("outlook", res, message(body=FEE, **LIST)), mailbox=True)
    assert v.level is Level.SUSPICIOUS and "GRD308" not in _ids(v)
    v = check(saved_from("outlook", res.replace("dmarc=pass", "dmarc=fail"), message(**LIST)), mailbox=True)
    assert "GRD308" in _ids(v)


def test_icloud_writes_one_header_per_method():
    sent = message(body=FEE)
    text = "\n".join([
        "Received: from relay.example.net (relay.example.net [198.51.100.9]) by p00-icloudmta-asmtp-us-west-2a-60-percent-0.p00-icloudmta-asmtp-vip.icloud-mail-production.svc.kube.us-west-2a.k8s.cloud.apple.com with ESMTPS; Mon, 7 Apr 2025 16:12:02 +0000",
        ar_line("bimi.icloud.com", 'bimi=skipped reason="insufficient dmarc"'),
        ar_line("dmarc.icloud.com", "dmarc=fail header.from=ilo.org"),
        ar_line("dkim-verifier.icloud.com", "dkim=none"),
        sent])
    v = check(text, mailbox=True)
    assert "GRD308" in _ids(v) and v.level is Level.FRAUD


# -- the operator's ids -------------------------------------------------------------------

def test_operator_mode_reads_down_to_the_first_untrusted_header():
    values = ["mx.example; spf=pass smtp.mailfrom=ilo.org", "forged.example; dmarc=fail header.from=ilo.org"]
    j = judge(values, "ilo.org", trusted=frozenset({"mx.example"}))
    assert j.status == "pass" and j.headers_read == 1
    j = judge(values[::-1], "ilo.org", trusted=frozenset({"mx.example"}))
    assert j.status == "unknown" and j.headers_read == 0


def test_operator_header_is_believed_without_mailbox_mode():
    v = check("Authentication-Results: mx.example; dmarc=fail header.from=ilo.org\n" + message(),
              trusted_authserv_ids=["MX.example"])
    assert "GRD308" in _ids(v)


# -- parsing (authres, with the repairs real headers need) -----------------------------

@pytest.mark.parametrize("value,want", [
    ("mx.google.com; dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=ilo.org",
     [("dmarc", "pass", "ilo.org")]),
    ("atlas.omega.yahoo.com; dkim=pass header.i=@ilo.org header.s=s1 arc_overridden_status=NOT_OVERRIDDEN;"
     " dmarc=pass(p=REJECT) header.from=ilo.org;",
     [("dkim", "pass", "ilo.org"), ("dmarc", "pass", "ilo.org")]),
    ("spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=ilo.org; dkim=pass header.d=ilo.org;"
     "dmarc=pass action=none header.from=ilo.org;compauth=pass reason=100",
     [("spf", "pass", "ilo.org"), ("dkim", "pass", "ilo.org"), ("dmarc", "pass", "ilo.org"),
      ("compauth", "pass", "")]),
    ("mx.zohomail.com;\n\tdkim=pass;\n\tspf=pass (zohomail.com: domain of ilo.org designates 192.0.2.1 "
     "as permitted sender)  smtp.mailfrom=hr@ilo.org", [("dkim", "pass", ""), ("spf", "pass", "ilo.org")]),
])
def test_parse_real_header_shapes(value, want):
    h = parse_header(value)
    assert [(r.method, r.result, r.domain) for r in h.results] == want
    for r in h.results:
        assert value.lower()[r.start:r.end].replace(" ", "") == f"{r.method}={r.result}"


def test_outlook_header_has_no_authserv_id():
    assert parse_header("spf=pass smtp.mailfrom=ilo.org; dmarc=pass header.from=ilo.org").servid == ""


@pytest.mark.parametrize("junk", ["", ";;;", "=", "(((", "mx.example; dmarc", "mx.example; " + "x=y; " * 2000,
                                  "mx.example; dmarc=pass header.from=" + "a" * 5000, "\x00\udcff"])
def test_garbage_headers_give_an_answer(junk):
    parse_header(junk)
    v = check(f"Authentication-Results: {junk}\n" + message(), mailbox=True)
    assert v.complete
