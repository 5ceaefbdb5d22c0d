"""Parsing: what is a message, what is pasted text, and what comes out."""

import base64

from guard.parse import html_to_text, looks_like_message, parse


def test_header_block_is_a_message():
    assert looks_like_message("From: a@example.org\nSubject: hi\n\nbody")
    assert looks_like_message("From someone@example.org Mon Jan  1 00:00:00 2024\nFrom: a@example.org\n\nx")
    assert looks_like_message("Received: from x\n\tby y\nSubject: s\n\nb")


def test_pasted_text_is_not_a_message():
    assert not looks_like_message("Dear candidate,\nFrom: ILO <x@gmail.com>\n")
    assert not looks_like_message("Note: this is text\nwith a colon line")
    assert not looks_like_message("")


def test_rfc2047_and_base64_are_decoded():
    body = base64.b64encode("Payez les frais de dossier.".encode("utf-8")).decode()
    raw = (
        "From: =?utf-8?q?Recrutement_BIT?= <rh@example.net>\n"
        "Subject: =?utf-8?b?T2ZmcmUgZCfDqW1wbG9p?=\n"
        "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n" + body + "\n"
    ).encode()
    p = parse(raw)
    assert p.views["subject"] == "Offre d'émploi"
    assert p.views["body"] == "Payez les frais de dossier."
    assert p.sender.address == "rh@example.net" and p.sender.display == "Recrutement BIT"


def test_html_only_mail_gives_visible_text_and_links():
    raw = (b"From: a@example.org\nContent-Type: text/html\n\n"
           b"<html><head><style>p{}</style></head><body><p>Pay the <b>fee</b></p>"
           b"<a href='http://evil.example/x'>jobs.ilo.org</a><script>var fee=1</script></body></html>")
    p = parse(raw)
    assert "Pay the fee" in p.views["body"]
    assert "var fee" not in p.views["body"]
    assert any(link.host == "evil.example" and link.anchor == "jobs.ilo.org" for link in p.links)


def test_unknown_and_lying_charsets_do_not_crash():
    raw = b"From: a@example.org\nContent-Type: text/plain; charset=x-no-such\n\nfrais \xe9\xe8 \xff\n"
    assert "frais" in parse(raw).views["body"]
    raw = b"From: a@example.org\nContent-Type: text/plain; charset=us-ascii\n\ncuota \xc3\xb3\n"
    assert "cuota" in parse(raw).views["body"]


def test_forwarded_block_in_pasted_text_gives_the_sender():
    text = "Look at this:\n\n---------- Forwarded message ---------\nFrom: ILO HR <ilo.hr@gmail.com>\nSubject: Offer\n\nPay the fee."
    p = parse(text)
    assert p.sender_source == "forwarded"
    assert p.sender.address == "ilo.hr@gmail.com"
    assert text[p.sender.start:p.sender.end] == "ilo.hr@gmail.com"


def test_typed_sender_is_used_for_pasted_text():
    p = parse("Pay the fee", sender="Recruiter <r@gmail.com>")
    assert p.sender.address == "r@gmail.com" and p.sender_source == "argument"


def test_getaddresses_trick_is_a_defect():
    p = parse(b"From: alice@example.org)<bob@ilo.org>\nSubject: x\n\nbody\n")
    assert p.from_defects


def test_deep_mime_is_bounded():
    inner = b"Content-Type: text/plain\n\nhello fee\n"
    msg = inner
    for i in range(60):
        b = f"b{i}".encode()
        msg = (b"Content-Type: multipart/mixed; boundary=" + b + b"\n\n--" + b + b"\n" + msg + b"\n--" + b + b"--\n")
    p = parse(b"From: a@example.org\n" + msg)
    assert any("deeper" in n for n in p.notes)


def test_html_to_text_survives_broken_markup():
    text, links = html_to_text("<p>unclosed <a href='x'>link <div><<<>>> &bogus; fee")
    assert "fee" in text
