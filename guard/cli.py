"""The ``guard`` command.

    guard check FILE... | -      check messages; exit code = worst level
                                 (--mailbox: a message from your own mailbox,
                                 see guard/auth.py)
    guard rules                  list the rules

Exit codes (README.md, "CLI"): 0 clear, 10 suspicious, 20 fraud (the worst
over all files, also when the reader of the output went away early, as
``| head`` does); 64 usage error; 66 a file could not be read; 70 internal
error; 74 the report could not be written (a full disk). Other subcommands
(filter, scan) register themselves in SUBCOMMANDS.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Callable

from .model import LANGS, Level

EXIT = {Level.CLEAR: 0, Level.SUSPICIOUS: 10, Level.FRAUD: 20}
EX_USAGE, EX_NOINPUT, EX_SOFTWARE, EX_IOERR = 64, 66, 70, 74

# name -> (add_arguments(parser), run(args) -> exit code); filled by modules
SUBCOMMANDS: dict[str, tuple[str, Callable, Callable]] = {}


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # usage errors exit 64 (EX_USAGE), not 2
        self.print_usage(sys.stderr)
        self.exit(EX_USAGE, f"{self.prog}: error: {message}\n")


def add_dns_arguments(p: argparse.ArgumentParser) -> None:
    """DNS options shared by the subcommands that check messages."""
    g = p.add_argument_group("DNS (off unless --dns is given)")
    g.add_argument("--dns", action="store_true", help="run DNS checks on the sender's domains")
    g.add_argument("--nameserver", action="append", metavar="IP",
                   help="DNS server to ask (repeatable; default: the system's)")
    g.add_argument("--dns-port", type=int, default=53, metavar="N")
    g.add_argument("--dns-timeout", type=_dns_seconds, default=2.0, metavar="S",
                   help="DNS budget per message in seconds (default 2)")


def _dns_seconds(text: str) -> float:
    """--dns-timeout: finite and above 0 (0 made every message "Unknown")."""
    from .filter import _positive

    try:
        return _positive(text)
    except argparse.ArgumentTypeError as e:
        raise argparse.ArgumentTypeError(f"DNS settings: {e}") from None


def resolver_from_args(args) -> object | None:
    if not getattr(args, "dns", False):
        return None
    from .dnscheck import make_resolver

    return make_resolver(args.nameserver, port=args.dns_port, timeout=args.dns_timeout)


def _build(first: str | None = None) -> argparse.ArgumentParser:
    ap = _Parser(prog="guard", description="Check recruitment messages that use the ILO's name for the signs of fraud.")
    sub = ap.add_subparsers(dest="cmd", required=True, parser_class=_Parser)
    c = sub.add_parser("check", help="check messages (files, or - for standard input)")
    c.add_argument("files", nargs="+", metavar="FILE")
    c.add_argument("--sender", help="the sender's address, for pasted text")
    c.add_argument("--json", action="store_true", help="print one JSON verdict per file (JSON Lines)")
    c.add_argument("--lang", choices=LANGS + ("auto",), default="en",
                   help="language of the report; auto: the message's own language (en, es, fr, pt; others in en)")
    c.add_argument("--text", action="store_true",
                   help="treat input as pasted text even if it begins with headers")
    c.add_argument("--mailbox", action="store_true",
                   help="the message is one you saved or pasted from your own mailbox: believe its topmost "
                        "Authentication-Results when a large mail provider wrote it (the web page does this)")
    c.add_argument("--trusted-authserv-id", action="append", default=[], metavar="ID",
                   help="believe Authentication-Results headers from this server (repeatable)")
    add_dns_arguments(c)
    r = sub.add_parser("rules", help="list the rules")
    r.add_argument("--json", action="store_true")
    r.add_argument("--lang", choices=LANGS, default="en")
    _load_subcommands(first)
    for name, (helptext, add_args, _run) in list(SUBCOMMANDS.items()):
        add_args(sub.add_parser(name, help=helptext))
    return ap


# the modules that register subcommands; a command line that names one of
# them imports only that one (a mail filter run per message starts faster)
_SUBCOMMAND_MODULES = ("filter", "scan", "milter", "daemon")


def _load_subcommands(first: str | None = None) -> None:
    import importlib

    if first in ("check", "rules"):
        return
    mods = (first,) if first in _SUBCOMMAND_MODULES else _SUBCOMMAND_MODULES
    for mod in mods:
        try:
            importlib.import_module(f"guard.{mod}")
        except ImportError:
            pass


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    ap = _build(argv[0] if argv and not argv[0].startswith("-") else None)
    args = ap.parse_args(argv)
    _tolerant_stdout()
    try:
        if args.cmd == "check":
            return _cmd_check(args)
        if args.cmd == "rules":
            return _cmd_rules(args)
        return SUBCOMMANDS[args.cmd][2](args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:     # guard rules | head: the reader has what it wanted
        quiet_stdout()
        return 0


def _tolerant_stdout() -> None:
    """Text that the terminal's encoding cannot take (a lone surrogate from a
    file name, a character outside a strict ASCII or UTF-8 locale) is written
    as a backslash escape instead of failing."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError, OSError):
            pass


def quiet_stdout() -> None:
    """After a reader went away or a write failed, keep Python's own flush
    of standard output at exit from failing (and printing) again."""
    import os

    try:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, sys.stdout.fileno())
        os.close(fd)
    except (OSError, ValueError, AttributeError):
        pass


def shown(name: str) -> str:
    from .scan import shown as _shown

    return _shown(name)


def _read(name: str) -> bytes:
    """The message, at most one byte more than the parser reads (it cuts
    there and says so): a 1 GB file or /dev/zero costs 25 MB, not all of it."""
    from .parse import MAX_MESSAGE_BYTES

    if name == "-":
        if sys.stdin is None:
            raise OSError(9, "standard input is closed")
        return sys.stdin.buffer.read(MAX_MESSAGE_BYTES + 1)
    with open(name, "rb") as fh:
        return fh.read(MAX_MESSAGE_BYTES + 1)


def _cmd_check(args) -> int:
    from . import check

    worst = Level.CLEAR
    failed = False
    try:
        resolver = resolver_from_args(args)
    except ValueError as e:  # a bad --nameserver / --dns-port / --dns-timeout
        print(f"guard: DNS settings: {e}", file=sys.stderr)
        return EX_USAGE
    out_closed = False      # the reader went away: check on for the exit code, print nothing
    for name in args.files:
        try:
            raw = _read(name)
        except OSError as e:
            print(f"guard: {shown(name)}: {e.strerror or e}", file=sys.stderr)
            failed = True
            continue
        msg: bytes | str = raw
        if args.text or args.sender:
            msg = raw.decode("utf-8", errors="replace")
            if args.text:
                from .parse import looks_like_message
                if looks_like_message(msg):
                    msg = "\n" + msg  # a leading blank line: not a header block
        v = check(msg, sender=args.sender, lang=args.lang, resolver=resolver,
                  trusted_authserv_ids=args.trusted_authserv_id,
                  mailbox=args.mailbox,
                  dns_budget=getattr(args, "dns_timeout", 2.0))
        if v.level.rank > worst.rank:
            worst = v.level
        if out_closed:
            continue
        if args.json:
            d = v.to_dict()
            d["file"] = shown(name)
            text = json.dumps(d, ensure_ascii=False)
        else:
            text = report(v, shown(name))
        try:
            if sys.stdout is None:
                raise BrokenPipeError(32, "standard output is closed")
            print(text)
            sys.stdout.flush()
        except BrokenPipeError:
            out_closed = True
            quiet_stdout()
        except OSError as e:
            print(f"guard: cannot write the report: {e.strerror or e}", file=sys.stderr)
            quiet_stdout()
            return EX_IOERR
    if failed:
        return EX_NOINPUT
    return EXIT[worst]


_HEAD = {
    "en": {Level.CLEAR: "CLEAR: no known warning sign found",
           Level.SUSPICIOUS: "SUSPICIOUS: warning signs found",
           Level.FRAUD: "FRAUD: the signs of ILO recruitment fraud"},
    "es": {Level.CLEAR: "SIN ALERTAS: no se encontró ninguna señal conocida",
           Level.SUSPICIOUS: "SOSPECHOSO: hay señales de alerta",
           Level.FRAUD: "FRAUDE: las señales de un fraude de contratación de la OIT"},
    "fr": {Level.CLEAR: "RAS : aucun signe d'alerte connu",
           Level.SUSPICIOUS: "SUSPECT : des signes d'alerte",
           Level.FRAUD: "FRAUDE : les signes d'une fraude au recrutement de l'OIT"},
    "pt": {Level.CLEAR: "SEM ALERTAS: nenhum sinal de alerta conhecido",
           Level.SUSPICIOUS: "SUSPEITO: há sinais de alerta",
           Level.FRAUD: "FRAUDE: os sinais de uma fraude de recrutamento em nome da OIT"},
}


def report(v, name: str = "") -> str:
    """The readable report: verdict, findings, evidence lines, advice."""
    lines = []
    head = _HEAD[v.lang][v.level]
    lines.append(f"{name}: {head} (score {v.score:.1f})" if name else f"{head} (score {v.score:.1f})")
    for f in v.findings:
        lines.append(f"  [{f.rule_id}] {f.title} ({f.category}, severity {f.severity}, confidence {f.confidence})")
        lines.append(f"      {f.explanation}")
        for e in f.evidence[:3]:
            shown = " ".join(e.text.split())
            if len(shown) > 100:
                shown = shown[:97] + "..."
            extra = f" ({e.detail})" if e.detail else ""
            lines.append(f"      > {e.field}: \"{shown}\"{extra}")
    for n in v.notes:
        lines.append(f"  note: {n}")
    if v.unknowns:
        lines.append(f"  unknown: {', '.join(v.unknowns)}")
    for a in v.advice:
        lines.append(f"  - {a}")
    return "\n".join(lines)


def _cmd_rules(args) -> int:
    from .rules import default_ruleset

    rs = default_ruleset()
    rows = []
    for r in sorted(rs.rules, key=lambda r: r.id):
        rows.append({"id": r.id, "name": r.name, "kind": r.kind, "category": r.category,
                     "severity": r.severity, "confidence": r.confidence,
                     "title": r.title.get(args.lang) or r.title["en"],
                     "languages": sorted(r.examples)})
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
    else:
        for row in rows:
            print(f"{row['id']}  {row['category']:<18} {row['severity']:<6} {row['title']}")
    return 0
