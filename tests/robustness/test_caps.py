"""Every size cap says so in ``notes`` and keeps what comes before it intact.

A cap must not be a way to hide a scam: what guard reads up to the cap
gives at least the level it would give alone (no character split in two, no
address lost behind a long name, no link left unchecked behind a crowd of
repeated ones), and the verdict says that something was not read.
"""

from __future__ import annotations

from guard import Level, check
from guard.parse import (MAX_ADDRESSES, MAX_DISPLAY_CHARS, MAX_HEADER_CHARS, MAX_HTML_CHARS, MAX_LINKS,
                         MAX_PART_BYTES, MAX_VIEW_CHARS)

from hostile import SCAM, run

SENDER = "ilo.recruitment.office@gmail.com"
HEAD = f"From: ILO Recruitment <{SENDER}>\r\nTo: you@example.com\r\nSubject: Job offer\r\n"
FR = ("Vous avez été retenu pour un poste à l'Organisation internationale du Travail (OIT). "
      "Pour confirmer votre recrutement, vous devez payer des frais de dossier de 300 euros "
      "par Western Union et nous envoyer vos coordonnées bancaires.\n")
ROOMY = 30.0


def mail(body: bytes | str, ctype: str = "text/plain; charset=utf-8", head: str = HEAD) -> bytes:
    if isinstance(body, str):
        body = body.encode("utf-8")
    return (head + f"Content-Type: {ctype}\r\n\r\n").encode() + body


def level(msg, **kw) -> Level:
    return run(msg, **kw)[0].level


def noted(v, *words) -> bool:
    return any(all(w in n for w in words) for n in v.notes)


def test_html_markup_beyond_the_view_is_rendered_and_a_cut_is_noted():
    alone = level(mail("<p>" + SCAM, "text/html; charset=utf-8"))
    # 2.2 M characters of markup that shows nothing, then the scam: it used to be cut
    # at 2 M characters before rendering, without a note, and the scam was gone
    hidden = "<span class='pad'></span>" * 90_000
    v, _ = run(mail(hidden + "<p>" + SCAM, "text/html; charset=utf-8"), time_budget=ROOMY)
    assert v.level.rank >= alone.rank
    # past the markup cap: the part read keeps its level, and the cut is said
    pad = "<i></i>" * (MAX_HTML_CHARS // 7 + 10)
    v, _ = run(mail("<p>" + SCAM + pad, "text/html; charset=utf-8"), time_budget=ROOMY)
    assert v.level.rank >= alone.rank
    assert noted(v, "HTML part", str(MAX_HTML_CHARS)), v.notes


def test_text_part_cut_inside_a_character_keeps_its_charset():
    body = FR + "x" * (1 - len(FR.encode()) % 2)           # odd length: "é" pairs straddle every even offset
    body += "é" * ((MAX_PART_BYTES - len(body.encode())) // 2 + 1000)
    assert len(body.encode()) > MAX_PART_BYTES
    v, _ = run(mail(body), time_budget=ROOMY)
    # the cut used to fall inside an "é": UTF-8 failed and the whole part became Latin-1 mojibake
    assert v.views["body"].startswith(FR[:60]), v.views["body"][:80]
    assert v.level.rank >= level(mail(FR)).rank
    assert noted(v, "text part", str(MAX_PART_BYTES)), v.notes


def test_utf32_part_is_decoded_up_to_the_view_not_to_a_quarter_of_it():
    filler = "Weather report, nothing to see here. " * 30_000            # 1.1 M characters
    v, _ = run(mail((filler + SCAM).encode("utf-32"), "text/plain; charset=utf-32"), time_budget=ROOMY)
    assert len(filler) + len(SCAM) < MAX_VIEW_CHARS
    assert "Western Union" in v.views["body"]
    assert v.level.rank >= level(mail(SCAM)).rank


FREEMAIL_BODY = ("The International Labour Organization (ILO) has selected you for the post of "
                 "Programme Officer. Please reply with your CV.\r\n")


def test_long_from_display_name_keeps_the_address():
    short = f'From: "ILO Recruitment" <{SENDER}>\r\nSubject: Job offer\r\n\r\n{FREEMAIL_BODY}'
    alone = run(short)[0]
    assert alone.level is not Level.CLEAR and alone.sender["address"] == SENDER
    for n in (3000, 20_000):
        long = f'From: "ILO Recruitment {"x" * n}" <{SENDER}>\r\nSubject: Job offer\r\n\r\n{FREEMAIL_BODY}'
        v, _ = run(long.encode())
        assert v.sender.get("address") == SENDER
        assert v.level.rank >= alone.level.rank
        assert set(alone.rule_ids) <= set(v.rule_ids)
        assert noted(v, "from", str(MAX_DISPLAY_CHARS)), v.notes


def test_subject_cut_is_noted_and_keeps_what_comes_before():
    head = f"From: ILO <{SENDER}>\r\nSubject: ILO job offer: pay the processing fee of USD 350 by Western Union "
    alone = level((head + "\r\n\r\nsee subject\r\n").encode())
    v, _ = run((head + "x" * (2 * MAX_HEADER_CHARS) + "\r\n\r\nsee subject\r\n").encode())
    assert v.level.rank >= alone.rank
    assert noted(v, "subject", str(MAX_HEADER_CHARS)), v.notes


def test_the_501st_link_is_checked():
    bad = "Apply at http://ilo-org.careers/apply\r\n"
    alone = run(mail(bad))[0]
    assert any(f.category == "link" for f in alone.findings)
    many_same = "http://www.example.org/page " * 5000 + "\r\n"
    many_different = " ".join(f"http://site{i}.example.org/p" for i in range(500)) + "\r\n"
    for crowd in (many_same, many_different):
        v, _ = run(mail(crowd + bad), time_budget=ROOMY)
        assert set(alone.rule_ids) <= set(v.rule_ids), v.rule_ids
    v, _ = run(mail(bad + " ".join(f"http://s{i}.example.org/p" for i in range(MAX_LINKS + 10))),
               time_budget=ROOMY)
    assert set(alone.rule_ids) <= set(v.rule_ids)
    assert noted(v, "links", str(MAX_LINKS)), v.notes


def test_html_links_past_a_crowd_are_checked():
    bad = "<a href='http://ilo-org.careers/apply'>apply</a>"
    plain = "Apply through the link in the HTML version."
    crowd = "<a href='http://www.example.org/p'>p</a>" * 1000
    multi = (f'--A\r\nContent-Type: text/plain\r\n\r\n{plain}\r\n--A\r\nContent-Type: text/html\r\n\r\n'
             f"{crowd}{bad}\r\n--A--\r\n")
    v, _ = run(mail(multi, 'multipart/alternative; boundary="A"'))
    assert any(link_rule in v.rule_ids for link_rule in run(mail(bad, "text/html"))[0].rule_ids
               if link_rule.startswith("GRD4"))


def test_body_addresses_past_a_crowd_are_checked_and_a_cut_is_noted():
    alone = run(mail(SCAM + f"Write to {SENDER}\r\n"))[0]
    crowd = " ".join(f"user{i % 50}@example{i % 50}.org" for i in range(2000))
    v, _ = run(mail(SCAM + crowd + f"\r\nWrite to {SENDER}\r\n"))
    assert set(alone.rule_ids) <= set(v.rule_ids)
    many = " ".join(f"user{i}@example{i}.org" for i in range(MAX_ADDRESSES + 10))
    v, _ = run(mail(SCAM + f"Write to {SENDER}\r\n" + many))
    assert set(alone.rule_ids) <= set(v.rule_ids)
    assert noted(v, "addresses", str(MAX_ADDRESSES)), v.notes


def test_long_content_type_parameters_are_bounded_and_noted():
    alone = level(mail(SCAM))
    for ctype in ('text/plain; a="' + ";" * 400_000, "text/plain; charset=utf-8" + "; a=b" * 100_000):
        v, elapsed = run(mail(SCAM, ctype))
        assert v.level.rank >= alone.rank
        assert noted(v, "Content-Type", str(MAX_HEADER_CHARS)), v.notes
    # the boundary of a multipart part is read the same bounded way
    body = f"--B\r\nContent-Type: text/plain\r\n\r\n{SCAM}\r\n--B--\r\n"
    v, _ = run(mail(body, 'multipart/mixed; boundary="B"; x="' + ";" * 400_000))
    assert v.level.rank >= alone.rank


def test_rfc2231_section_number_too_long_for_int_is_not_an_internal_error():
    v, _ = run(mail(SCAM, "text/plain; charset*" + "9" * 5000 + "=utf-8"))
    assert v.level.rank >= level(mail(SCAM)).rank


def test_a_callers_email_message_is_read_without_parsing_long_headers():
    import email
    from email import policy

    raw = mail(SCAM, 'text/plain; a="' + ";" * 200_000)
    msg = email.message_from_bytes(raw, policy=policy.default)
    v, elapsed = run(msg)
    assert v.level.rank >= level(mail(SCAM)).rank
    assert elapsed < 5


def test_deep_mime_is_read_as_raw_text_past_the_depth_cap():
    depth = 300
    out = [f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n' for i in range(depth)]
    out.append("Content-Type: text/plain\r\n\r\n" + SCAM)
    out += [f"--b{i}--\r\n" for i in reversed(range(depth))]
    v, _ = run(HEAD.encode() + "".join(out).encode())
    assert "Western Union" in v.views["body"]
    assert v.level.rank >= level(mail(SCAM)).rank
    assert noted(v, "nested deeper"), v.notes
