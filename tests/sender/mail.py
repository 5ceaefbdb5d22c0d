"""Messages as a candidate's mailbox would save them, for the sender tests.

Each provider adds its Received header(s) and its Authentication-Results on
top of whatever the message carried when it arrived; a forger can only write
headers below those. ``saved_from`` builds that layering.
"""

from __future__ import annotations

FORWARDED_LIST_AR = ("spf=fail smtp.mailfrom=lists.example.org; dkim=pass header.d=ilo.org "
                     "header.s=sel1; dmarc=pass header.from=ilo.org")

# what each provider writes on arrival: (Received headers, Authentication-Results id)
PROVIDERS = {
    "gmail": (["Received: by 2002:a05:7300:5388:b0:12a:2b58:8be5 with SMTP id x5csp1;\n"
               " Mon, 7 Apr 2025 09:12:03 -0700 (PDT)",
               "Received: from relay.lists.example.org (relay.lists.example.org. [192.0.2.25])\n"
               " by mx.google.com with ESMTPS id a1si2;\n Mon, 7 Apr 2025 09:12:02 -0700 (PDT)"],
              "mx.google.com"),
    "outlook": (["Received: from DB9PR01MB7.eurprd01.prod.exchangelabs.com (2603:10a6:10:1::1)\n"
                 " by AM0PR01MB3.eurprd01.prod.outlook.com with HTTPS; Mon, 7 Apr 2025 16:12:03 +0000",
                 "Received: from relay.lists.example.org (192.0.2.25) by\n"
                 " DB9PR01MB7.mail.protection.outlook.com (10.1.1.1) with Microsoft SMTP Server;\n"
                 " Mon, 7 Apr 2025 16:12:02 +0000"],
                ""),
    "yahoo": (["Received: from 10.217.151.76 by atlas-production.v2-mail-prod1-gq1.omega.yahoo.com\n"
               " with HTTP; Mon, 7 Apr 2025 16:12:03 +0000"],
              "atlas-production.v2-mail-prod1-gq1.omega.yahoo.com"),
    "university": (["Received: from relay.lists.example.org (relay.lists.example.org [192.0.2.25])\n"
                    " by mx.uni-example.ac.uk (Postfix) with ESMTPS id 4Z1; Mon, 7 Apr 2025 17:12:02 +0100"],
                   "mx.uni-example.ac.uk"),
}


def ar_line(servid: str, results: str) -> str:
    return f"Authentication-Results: {servid}; {results}" if servid else f"Authentication-Results: {results}"


def message(*, frm="ILO Recruitment <recruitment@ilo.org>", subject="Your interview",
            body="Dear candidate,\n\nThank you for your application. The ILO is pleased to invite you "
                 "to an interview on 14 May.\n\nILO Human Resources Development\n",
            extra_headers=(), reply_to=None, return_path=None) -> str:
    """The message as the sender's side wrote it (no receiving headers)."""
    lines = list(extra_headers)
    if return_path:
        lines.append(f"Return-Path: <{return_path}>")
    lines += [f"From: {frm}", "To: Ana Rivera <ana.rivera@example.net>", f"Subject: {subject}",
              "Date: Mon, 7 Apr 2025 18:11:58 +0200", "Message-ID: <a1b2c3@ilo.org>",
              "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8"]
    if reply_to:
        lines.append(f"Reply-To: {reply_to}")
    return "\n".join(lines) + "\n\n" + body


def saved_from(provider: str, results: str, sent: str) -> str:
    """``sent`` as it sits in a mailbox of ``provider``, which judged it ``results``."""
    received, servid = PROVIDERS[provider]
    return "\n".join(received + [ar_line(servid, results)]) + "\n" + sent


FEE = ("Dear candidate,\n\nThe ILO is pleased to offer you the post. To confirm it, pay the processing "
       "fee of USD 300 by Western Union before Friday.\n\nILO Human Resources Development\n")
PASSPORT = ("Dear candidate,\n\nThe ILO is pleased to offer you the post. Please send a scanned copy of "
            "your passport in reply to this message.\n\nILO Human Resources Development\n")
