"""Input -> ``Parsed``: the texts a user sees and the addresses that matter.

Three kinds of input:

* ``bytes`` or an ``email.message.Message``: an RFC 5322 message;
* a ``str`` that begins with header lines (``Name: value`` lines up to a
  blank line, one of them a header every mail has): parsed as a message;
* any other ``str``: pasted text. A forwarded header block inside it
  ("From: ... / De : ... / Subject: ...") is read for the sender.

Bounds (so hostile input costs time linear in its size, and that size is
capped): the raw message is cut at ``MAX_MESSAGE_BYTES``; each header value
at ``MAX_HEADER_CHARS`` before it is decoded (the standard library's header
parsing is quadratic on long headers); MIME parameters (charset, boundary)
are read from the first ``MAX_HEADER_CHARS`` of their header by a one-pass
splitter (the standard library's is quadratic on a long parameter list);
MIME is walked at most ``MAX_DEPTH`` deep and ``MAX_PARTS`` parts; a text
part is decoded from at most ``MAX_PART_BYTES``, an HTML part rendered from
at most ``MAX_HTML_CHARS``; each text view is cut at ``MAX_VIEW_CHARS``;
``MAX_LINKS`` different links and ``MAX_ADDRESSES`` different addresses are
kept. Whatever is cut is said in ``notes``; a cut keeps what comes before it
intact (no character split in two, no address lost behind a long display
name), so it never lowers the level that the part read would give.
tests/robustness/test_linear.py checks that the cost grows linearly.

Parsing uses the ``compat32`` policy (about 5x faster than ``policy.default``
on real mail); only the From header goes through ``policy.default``'s
address parser, on a bounded value, because ``email.utils.getaddresses`` of
Python 3.11.7 lacks the CVE-2023-27043 fix.
"""

from __future__ import annotations

import codecs
import email
import email.header
import email.utils
import functools
import html
import re
from dataclasses import dataclass, field
from email import policy
from email.message import Message
from email.feedparser import FeedParser
from html.parser import HTMLParser

from .texts import Note

MAX_MESSAGE_BYTES = 25 * 1024 * 1024
MAX_HEADER_CHARS = 8 * 1024
MAX_DEPTH = 20
MAX_PARTS = 200
MAX_VIEW_CHARS = 2_000_000
MAX_PART_BYTES = MAX_VIEW_CHARS * 4     # UTF-32 takes 4 bytes a character
MAX_HTML_CHARS = MAX_VIEW_CHARS * 2     # markup rendered, for a view of MAX_VIEW_CHARS
MAX_ADDRESS_CHARS = 2048                # of a header value given to the address parser
MAX_DISPLAY_CHARS = 1024                # of a display name too long for the address parser
MAX_LINKS = 2000                        # different (host, link text) pairs kept
MAX_ADDRESSES = 500                     # different addresses found in the body

_COMMON_HEADERS = {
    "from", "to", "subject", "date", "received", "return-path", "message-id",
    "mime-version", "delivered-to", "reply-to", "content-type", "x-mailer",
    "sender", "cc", "dkim-signature", "authentication-results",
}
_HEADER_LINE = re.compile(r"[!-9;-~]{1,76}:")


@dataclass(slots=True)
class Address:
    display: str
    address: str        # addr-spec as written (may be '')
    domain: str         # lower-case domain part ('' if none)
    field: str          # the view this address was read from
    start: int = 0      # span of the address in that view
    end: int = 0


@dataclass(slots=True)
class Link:
    url: str
    host: str
    field: str
    start: int
    end: int
    anchor: str = ""    # the visible text of an HTML link


@dataclass(slots=True)
class Parsed:
    views: dict[str, str] = field(default_factory=dict)
    is_message: bool = False          # real RFC 5322 headers were present
    sender: Address | None = None     # From (or the typed sender, or a forwarded From)
    sender_source: str = ""           # "header" | "argument" | "forwarded" | ""
    from_count: int = 0
    from_defects: list[str] = field(default_factory=list)
    display_addresses: list[str] = field(default_factory=list)
    reply_to: list[Address] = field(default_factory=list)
    return_path: Address | None = None
    auth_results: list[str] = field(default_factory=list)  # top first
    received: list[str] = field(default_factory=list)  # Received headers above the topmost Authentication-Results
    body_addresses: list[Address] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    link_keys: set = field(default_factory=set, repr=False)      # (host, link text) kept
    address_keys: set = field(default_factory=set, repr=False)   # body addresses kept, lower case


def looks_like_message(text: str) -> bool:
    """True if ``text`` begins with an RFC 5322 header block."""
    head = text[:20000].lstrip("\ufeff")
    if head.startswith("From ") and "\n" in head:      # mbox separator line
        head = head.split("\n", 1)[1]
    names = set()
    lines = head.splitlines()
    if not lines or not _HEADER_LINE.match(lines[0]):
        return False
    for line in lines[:200]:
        if not line.strip():
            break
        if line[0] in " \t":
            continue
        m = _HEADER_LINE.match(line)
        if not m:
            return False
        names.add(m.group()[:-1].lower())
    return bool(names & _COMMON_HEADERS)


def parse(obj, sender: str | None = None) -> Parsed:
    p = Parsed()
    if isinstance(obj, Message):
        msg = _compat(obj)
        p.is_message = True
    elif isinstance(obj, (bytes, bytearray, memoryview)):
        raw = bytes(obj)
        if len(raw) > MAX_MESSAGE_BYTES:
            raw = raw[:MAX_MESSAGE_BYTES]
            p.notes.append(Note("cut.message_bytes", n=MAX_MESSAGE_BYTES))
        if raw.startswith(b"From ") and b"\n" in raw:
            raw = raw.split(b"\n", 1)[1]
        msg = _parse_message(p, raw)
        p.is_message = True
    else:
        text = obj
        if len(text) > MAX_MESSAGE_BYTES:
            text = text[:MAX_MESSAGE_BYTES]
            p.notes.append(Note("cut.text_chars", n=MAX_MESSAGE_BYTES))
        if looks_like_message(text):
            if text.startswith("From "):
                text = text.split("\n", 1)[1]
            if not text.isascii() and _SURROGATE.search(text):
                # the email package cannot encode lone surrogates: show them as U+FFFD
                text = _SURROGATE.sub("\ufffd", text)
            msg = _parse_message(p, text)
            p.is_message = True
        else:
            p.views["body"] = _bound(p, "body", text)
            _read_forwarded(p)
            msg = None
    if msg is not None:
        _read_headers(p, msg)
        _read_body(p, msg)
    if sender:
        _typed_sender(p, sender)
    body = p.views.get("body", "")
    _find_addresses_and_links(p, "body", body)
    return p


_SURROGATE = re.compile("[\ud800-\udfff]")
def split_params(value: str) -> list[str]:
    """The pieces of a MIME parameter list, split at the semicolons outside
    quotes: what ``email.message._parseparam`` returns, in one pass (that
    one counts the quotes from the start again at every semicolon, which is
    quadratic: 200 KB of ``a=";;;...`` took 24 s)."""
    s = ";" + value
    n = len(s)
    out = []
    pos = 0
    while pos < n and s[pos] == ";":
        start = pos + 1
        end = s.find(";", start)
        quotes = 0
        prev = start
        while end > start:
            quotes += s.count('"', prev, end) - s.count('\\"', prev, end)
            if quotes % 2 == 0:
                break
            prev = end
            end = s.find(";", end + 1)
        if end < 0:
            end = n
        f = s[start:end]
        if "=" in f:
            i = f.index("=")
            f = f[:i].strip().lower() + "=" + f[i + 1:].strip()
        out.append(f.strip())
        pos = end
    return out


def mime_params(value: str) -> list:
    """(name, value) pairs of a Content-Type or Content-Disposition value,
    as ``Message.get_params()`` gives them, from its first ``MAX_HEADER_CHARS``."""
    params = []
    for piece in split_params(value[:MAX_HEADER_CHARS]):
        name, sep, val = piece.partition("=")
        params.append((name.strip(), val.strip()) if sep else (piece.strip(), ""))
    try:
        return email.utils.decode_params(params)
    except Exception:  # e.g. an RFC 2231 section number too long for int()
        return params


class _Part(Message):
    """A compat32 message whose MIME parameters (boundary, charset, file
    name) are read by ``mime_params``: bounded and linear, also when the
    parser itself asks for a boundary. A part ``MAX_DEPTH`` levels deep
    tells the parser it is text, so the parser reads its body as lines and
    nests no deeper (each level of nesting adds a boundary test to every
    line below it: 300 levels made 1 MB cost 7 s)."""

    params_cut = False
    depth = 0

    def get_content_maintype(self):
        if self.depth >= MAX_DEPTH:
            return "text"
        return super().get_content_maintype()

    @property
    def too_deep(self) -> bool:
        return self.depth >= MAX_DEPTH and super().get_content_maintype() in ("multipart", "message")

    def _get_params_preserve(self, failobj, header):
        value = self.get(header)
        if value is None:
            return failobj
        value = str(value)
        if len(value) > MAX_HEADER_CHARS:
            self.params_cut = True
        return mime_params(value)


def _compat(m: Message) -> _Part:
    """``m`` as a ``_Part`` on the compat32 policy (a caller's message may be
    an ``EmailMessage``, whose header objects parse each value on access:
    quadratic on a long one). The header values are taken as stored."""
    if isinstance(m, _Part):
        return m
    new = _Part()
    try:
        new._headers = [(k, v if type(v) is str else str(v)) for k, v in m.raw_items()]
        new._payload = m._payload
        new._unixfrom = m.get_unixfrom()
        new.preamble, new.epilogue = m.preamble, m.epilogue
        new.defects = list(getattr(m, "defects", []))
        new.set_default_type(m.get_default_type())
    except Exception:
        pass
    return new


class _FeedParser(FeedParser):
    """The standard feed parser, telling each part how deep it is."""

    def _new_message(self):
        super()._new_message()
        self._cur.depth = len(self._msgstack) - 1


def _parse_message(p: Parsed, data: bytes | str) -> Message:
    """Parse a message (bytes as ``BytesParser`` reads them): a single part
    under a clean header block directly (``_single_part``), anything else
    by the standard feed parser; if its MIME nesting is too deep for the
    standard library's recursive parser, keep the headers and read the
    body as text."""
    if isinstance(data, bytes):
        data = data.decode("ascii", "surrogateescape")
    quick = _single_part(data)
    if quick is not None:
        return quick
    return _feed_parse(p, data)


def _feed_parse(p: Parsed, data: str) -> Message:
    """``data`` read by the standard feed parser (compat32)."""
    for headersonly in (False, True):
        fp = _FeedParser(_Part, policy=policy.compat32)
        if headersonly:
            fp._set_headersonly()
        try:
            fp.feed(data)
            return fp.close()
        except RecursionError:
            p.notes.append(Note("structure.too_deep_walk"))
    return _Part()


# A header block the feed parser would read without a defect: each line a
# field ("Name: value", the name printable ASCII without ":" or space) or a
# continuation (leading space or tab), every line ended by "\n" or "\r\n",
# the first line no continuation, then a blank line.
_CLEAN_HEADERS = re.compile(r"\A[!-9;-~]+:[^\r\n]*\r?\n(?:[!-9;-~]+:[^\r\n]*\r?\n|[ \t][^\r\n]*\r?\n)*\r?\n")
_FIELD = re.compile(r"(?<![^\n])[^ \t][^\n]*\n(?:[ \t][^\n]*\n)*")     # at a line's start


def _single_part(text: str) -> _Part | None:
    """The message the feed parser makes of ``text`` when it is one part
    (neither multipart nor message/*) under a clean header block, built
    without the parser's line-by-line walk: the fields as compat32 stores
    them (the name up to the first colon; the value without the spaces
    after the colon and the final line break) and the rest of the text,
    as it is, for the payload. None for anything else (a bare CR, a
    "From " line, a defect, several parts): the feed parser reads those.
    tests/test_parse_fast.py compares the two on every message fixture."""
    m = _CLEAN_HEADERS.match(text)
    if m is None:
        return None
    block = text[:m.end()]
    msg = _Part()
    headers = msg._headers
    for f in _FIELD.finditer(block):
        field_text = f.group()
        i = field_text.find(":")
        if i <= 0:               # the blank line that ends the block
            continue
        headers.append((field_text[:i], field_text[i + 1:].lstrip(" \t").rstrip("\r\n")))
    if msg.get_content_maintype() in ("multipart", "message"):
        return None
    msg.set_payload(text[m.end():])
    return msg


def _bound(p: Parsed, name: str, text: str) -> str:
    if len(text) > MAX_VIEW_CHARS:
        p.notes.append(Note("cut.view", view=name, n=MAX_VIEW_CHARS))
        return text[:MAX_VIEW_CHARS]
    return text


# -- headers ------------------------------------------------------------------

def _header_index(msg: Message) -> dict[str, list[tuple[str, str]]]:
    """The raw (name, value) fields of ``msg`` by lower-case name: one pass,
    where each ``get_all`` lowers every field's name again."""
    index: dict[str, list[tuple[str, str]]] = {}
    for k, v in msg._headers:
        index.setdefault(k.lower(), []).append((k, v))
    return index


def _header_values(msg: Message, name: str, index: dict) -> list[str]:
    """What ``msg.get_all(name)`` gives, as strings, looked up in ``index``
    (``_header_index``)."""
    try:
        fetch = msg.policy.header_fetch_parse
        vals = [fetch(k, v) for k, v in index.get(name.lower(), ())]
    except Exception:
        return []
    out = []
    for v in vals:
        if not isinstance(v, str):
            try:
                v = str(v)
            except Exception:
                continue
        out.append(v)
    return out


def decode_header_value(value: str) -> str:
    """RFC 2047 decoding of a bounded header value; never raises."""
    value = value[:MAX_HEADER_CHARS]
    if "=?" not in value:
        return _unfold(value)
    try:
        parts = email.header.decode_header(value)
        out = []
        for chunk, cs in parts:
            if isinstance(chunk, bytes):
                out.append(_decode_bytes(chunk, cs))
            else:
                out.append(chunk)
        return _unfold("".join(out))
    except Exception:
        return _unfold(value)


def _unfold(v: str) -> str:
    return re.sub(r"\r?\n[ \t]+", " ", v).strip()


def _decode_bytes(data: bytes, charset: str | None, final: bool = True) -> str:
    """Decode with the declared charset, else UTF-8, else cp1252 / Latin-1.
    ``final=False``: ``data`` was cut, perhaps inside a character; a
    character left incomplete at the end is dropped, not a reason to give
    up on the charset."""
    for cs in (charset, "utf-8"):
        if not cs:
            continue
        try:
            if final:
                return data.decode(cs)
            return codecs.getincrementaldecoder(cs)("strict").decode(data, final=False)
        except (LookupError, UnicodeDecodeError, ValueError, TypeError):
            continue
    return data.decode("cp1252", errors="replace") if _is_cp1252_safe(data) else data.decode("latin-1")


_CP1252_UNDEFINED = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")


def _is_cp1252_safe(data: bytes) -> bool:
    """No byte that cp1252 leaves undefined in the first 4 KB."""
    return _CP1252_UNDEFINED.search(data, 0, 4096) is None


def _header_text(p: Parsed, view: str, value: str) -> str:
    if len(value) > MAX_HEADER_CHARS:
        p.notes.append(Note("cut.header", view=view, n=MAX_HEADER_CHARS))
    return decode_header_value(value)


def _read_headers(p: Parsed, msg: Message) -> None:
    index = _header_index(msg)
    subj = _header_values(msg, "Subject", index)
    if subj:
        p.views["subject"] = _header_text(p, "subject", subj[0])
    froms = _header_values(msg, "From", index)
    p.from_count = len(froms)
    if froms:
        raw_from, addrs, defects = _read_from(p, froms[0])
        p.views["from"] = raw_from
        p.from_defects = defects
        if len(froms) > 1:
            p.from_defects.append("more than one From header")
        if len(addrs) > 1:
            p.from_defects.append("more than one address in From")
        if addrs:
            disp, spec = addrs[0]
            p.sender = _address(disp, spec, "from", raw_from)
            p.sender_source = "header"
        p.display_addresses = _addresses_in_display(addrs)
        if not addrs:
            # nothing parseable: still look for something that looks like an address
            m = _EMAIL.search(raw_from)
            if m:
                p.sender = _address("", m.group(), "from", raw_from)
                p.sender_source = "header"
    for i, rt in enumerate(_header_values(msg, "Reply-To", index)[:3]):
        view = "reply_to" if i == 0 else f"reply_to_{i + 1}"
        v = _header_text(p, view, rt)
        p.views[view] = v
        addrs, _ = parse_address_list(v)
        for disp, spec in addrs[:10]:
            p.reply_to.append(_address(disp, spec, view, v))
    rp = _header_values(msg, "Return-Path", index)
    if rp:
        v = decode_header_value(rp[0])
        p.views["return_path"] = v
        m = _EMAIL.search(v)
        if m:
            p.return_path = _address("", m.group(), "return_path", v)
    ar = _header_values(msg, "Authentication-Results", index)
    if ar:
        p.auth_results = [_unfold(v[:MAX_HEADER_CHARS]) for v in ar[:20]]
        p.views["authentication_results"] = p.auth_results[0]
        # the Received headers written above the topmost Authentication-Results
        # (guard/auth.py: did the provider's own servers receive the message?)
        try:
            names = [k.lower() for k in msg.keys()[:400]]
        except Exception:
            names = []
        if "authentication-results" in names:
            above = names[: names.index("authentication-results")].count("received")
            p.received = [_unfold(v[:2048]) for v in _header_values(msg, "Received", index)[:min(above, 30)]]


def _read_from(p: Parsed, value: str) -> tuple[str, list[tuple[str, str]], list[str]]:
    """(the From view, its (display name, address) pairs, parse defects).

    A display name too long for the address parser is cut to
    ``MAX_DISPLAY_CHARS`` and the ``<address>`` after it is kept: a long
    name must not hide a free-mail address."""
    if len(value) > MAX_ADDRESS_CHARS:
        lt = value.rfind("<")
        gt = value.find(">", lt + 1) if lt >= 0 else -1
        if lt > 0 and gt > lt and len(value) - lt <= MAX_DISPLAY_CHARS:
            shown = decode_header_value(value[:lt][:MAX_DISPLAY_CHARS]).strip()
            angle = decode_header_value(value[lt:])
            addrs, defects = parse_address_list(angle)
            p.notes.append(Note("cut.display_name", length=lt, n=MAX_DISPLAY_CHARS))
            view = f"{shown} {angle}"
            name = shown.replace('"', "").strip()
            return view, [(name, spec) for _d, spec in addrs], defects
        p.notes.append(Note("cut.address", n=MAX_ADDRESS_CHARS))
    view = _header_text(p, "from", value)
    addrs, defects = parse_address_list(view)
    return view, addrs, defects


_FROM_FACTORY = policy.default.header_factory


def parse_address_list(value: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(display name, addr-spec) pairs and parse defects, via policy.default."""
    addrs, defects = _parse_address_list(value[:MAX_ADDRESS_CHARS])
    return list(addrs), list(defects)


# What policy.default reads without a defect, in the four shapes most
# sender headers take (a bare address, <address>, Name <address>, "Name"
# <address>), with an address of dot-atoms: these skip its parser (about
# 0.2 ms a header, the largest cost of a small message). A test compares the
# two on every address header of the corpora and on generated ones.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_PLAIN_SPEC = _ATEXT + r"+(?:\." + _ATEXT + r"+)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
_PLAIN_BARE = re.compile(r"[ \t]*<?(" + _PLAIN_SPEC + r")>?[ \t]*")
_PLAIN_NAMED = re.compile(r"[ \t]*(?:(" + _ATEXT + r"+(?:[ \t]+" + _ATEXT + r"+)*)"
                          r'|"([ !#-\[\]-~\t]*)")[ \t]*<(' + _PLAIN_SPEC + r")>[ \t]*")


def _plain_address(value: str) -> tuple[str, str] | None:
    """(display name, addr-spec) as policy.default gives it, for a value of
    one of the plain shapes; else None."""
    if "=?" in value:         # an encoded word, even in an address: the parser decodes it
        return None
    m = _PLAIN_BARE.fullmatch(value)
    if m is not None:
        # "<a@b" and "a@b>" are not plain: the angles come in pairs
        if value.strip(" \t").startswith("<") == value.strip(" \t").endswith(">"):
            return "", m.group(1)
        return None
    m = _PLAIN_NAMED.fullmatch(value)
    if m is None:
        return None
    atoms, quoted, spec = m.groups()
    return (" ".join(atoms.split()) if atoms is not None else quoted), spec


@functools.lru_cache(maxsize=2048)
def _parse_address_list(value: str) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    # cached: senders repeat (mailing lists, a filter's stream of mail), and
    # policy.default's parser costs about 0.2 ms a header
    plain = _plain_address(value)
    if plain is not None:
        return (plain,), ()
    return _parse_address_list_fully(value)


def _parse_address_list_fully(value: str) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    try:
        h = _FROM_FACTORY("from", value)
        addrs = [(a.display_name or "", a.addr_spec or "") for a in h.addresses]
        defects = tuple(type(d).__name__ for d in h.defects)
    except (RecursionError, Exception):
        return (), ("unparseable address",)
    return tuple((d, s) for d, s in addrs if s and s != "<>"), defects


_EMAIL = re.compile(
    r"(?<![\w.+-])[\w.+'-]{1,64}@(?:[\w-]{1,63}\.){1,8}[^\W\d_]{2,24}(?![\w-])"
)


def _addresses_in_display(addrs: list[tuple[str, str]]) -> list[str]:
    out = []
    for disp, spec in addrs:
        for m in _EMAIL.finditer(disp):
            if m.group().lower() != spec.lower():
                out.append(m.group())
    return out


def _address(display: str, spec: str, view: str, text: str) -> Address:
    dom = spec.rpartition("@")[2].strip().lower() if "@" in spec else ""
    i = text.find(spec) if spec else -1
    if i < 0 and spec:
        i = text.lower().find(spec.lower())
    start, end = (i, i + len(spec)) if i >= 0 else (0, len(text))
    return Address(display, spec, dom, view, start, end)


def _typed_sender(p: Parsed, sender: str) -> None:
    s = sender.strip()[:1024]
    p.views["sender"] = s
    addrs, defects = parse_address_list(s)
    if addrs:
        addr = _address(addrs[0][0], addrs[0][1], "sender", s)
    else:
        m = _EMAIL.search(s)
        addr = _address("", m.group() if m else s, "sender", s)
    if p.sender is None or p.sender_source != "header":
        p.sender = addr
        p.sender_source = "argument"
        p.from_defects = defects if not addrs or "@" not in addr.address else []
        p.display_addresses = _addresses_in_display(addrs)


_FWD = re.compile(
    r"^[ \t>]*(?:from|de|von|expediteur|expéditeur|remitente|envoyé par|sender)[ \t]*:[ \t]*(.{3,300})$",
    re.IGNORECASE | re.MULTILINE,
)
_FWD_REPLY = re.compile(
    r"^[ \t>]*(?:reply-to|répondre à|repondre a|responder a)[ \t]*:[ \t]*(.{3,300})$",
    re.IGNORECASE | re.MULTILINE,
)


def _read_forwarded(p: Parsed) -> None:
    """Pasted text: read a forwarded header block's From and Reply-To."""
    body = p.views.get("body", "")
    head = body[:50000]
    m = _FWD.search(head)
    if m:
        line = m.group(1)
        addrs, defects = parse_address_list(line)
        em = _EMAIL.search(line)
        if em:
            disp = addrs[0][0] if addrs else ""
            spec = addrs[0][1] if addrs and "@" in addrs[0][1] else em.group()
            off = m.start(1)
            a = _address(disp, spec, "body", line)
            a.start += off
            a.end += off
            p.sender = a
            p.sender_source = "forwarded"
            p.display_addresses = _addresses_in_display(addrs)
    m = _FWD_REPLY.search(head)
    if m:
        em = _EMAIL.search(m.group(1))
        if em:
            off = m.start(1)
            p.reply_to.append(Address("", em.group(), em.group().rpartition("@")[2].lower(),
                                      "body", off + em.start(), off + em.end()))


# -- body -----------------------------------------------------------------------

def _read_body(p: Parsed, msg: Message) -> None:
    plain: list[str] = []
    htmls: list[str] = []
    count = 0
    walked: list[_Part] = []
    stack = [(msg, 0)]
    while stack:
        part, depth = stack.pop()
        count += 1
        if count > MAX_PARTS:
            p.notes.append(Note("structure.parts", n=MAX_PARTS))
            break
        part = _compat(part)
        walked.append(part)
        if part.too_deep:
            p.notes.append(Note("structure.raw", n=MAX_DEPTH))
        try:
            ctype = part.get_content_type()
        except Exception:
            ctype = "text/plain"
        if part.is_multipart():
            if depth >= MAX_DEPTH:
                p.notes.append(Note("structure.not_read", n=MAX_DEPTH))
                continue
            payload = part.get_payload()
            if isinstance(payload, list):
                for sub in reversed(payload):
                    if isinstance(sub, Message):
                        stack.append((sub, depth + 1))
            continue
        if ctype.startswith("multipart/") and isinstance(part.get_payload(), str):
            # the declared boundary never occurs: the user sees the raw text
            text = _part_text(p, part)
            if text:
                plain.append(text)
            continue
        if ctype == "message/rfc822":
            payload = part.get_payload()
            if isinstance(payload, list) and depth < MAX_DEPTH:
                for sub in reversed(payload):
                    if isinstance(sub, Message):
                        stack.append((sub, depth + 1))
            elif isinstance(payload, str) and part.too_deep:
                text = _part_text(p, part)
                if text:
                    plain.append(text)
            continue
        # text parts only; attached files other than plain text or HTML are not read
        if not ctype.startswith("text/") or (
            _is_attachment(part) and ctype not in ("text/plain", "text/html")
        ):
            continue
        text = _part_text(p, part)
        if text is None:
            continue
        if ctype == "text/html":
            htmls.append(text)
        elif ctype in ("text/plain", "text/enriched", "text/rtf") or ctype.startswith("text/"):
            plain.append(text)
    if any(getattr(part, "params_cut", False) for part in walked):
        p.notes.append(Note("cut.content_type", n=MAX_HEADER_CHARS))
    body_parts: list[str] = []
    if plain:
        body_parts.extend(plain)
    anchors: list[tuple[str, str]] = []
    for h in htmls:
        if len(h) > MAX_HTML_CHARS:
            p.notes.append(Note("cut.html", length=len(h), n=MAX_HTML_CHARS))
            h = h[:MAX_HTML_CHARS]
        if plain:
            # the plain part is what is shown; the HTML is read for its links only
            anchors.extend(html_links(h))
            continue
        txt, links = html_to_text(h)
        anchors.extend(links)
        body_parts.append(txt)
    p.views["body"] = _bound(p, "body", "\n\n".join(s.strip("\n") for s in body_parts))
    body = p.views["body"]
    for href, anchor in anchors:
        host = _host(href)
        if not host:
            continue
        i = body.find(anchor) if anchor else -1
        start, end = (i, i + len(anchor)) if i >= 0 else (0, 0)
        if not _add_link(p, Link(href, host, "body", start, end, anchor)):
            break


def _add_link(p: Parsed, link: Link) -> bool:
    """Keep ``link`` unless the same host with the same link text is kept
    already; False (and a note) once ``MAX_LINKS`` different ones are kept."""
    key = (link.host, link.anchor)
    if key in p.link_keys:
        return True
    if len(p.link_keys) >= MAX_LINKS:
        p.notes.append(Note("cut.links", n=MAX_LINKS))
        return False
    p.link_keys.add(key)
    p.links.append(link)
    return True


def _is_attachment(part: Message) -> bool:
    try:
        cd = part.get("Content-Disposition", "")
        return isinstance(cd, str) and cd.strip().lower().startswith("attachment")
    except Exception:
        return False


def _part_text(p: Parsed, part: Message) -> str | None:
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if data is None:
        payload = part.get_payload()
        return payload if isinstance(payload, str) else None
    cut = len(data) > MAX_PART_BYTES
    if cut:
        p.notes.append(Note("cut.text_part", length=len(data), n=MAX_PART_BYTES))
        data = data[:MAX_PART_BYTES]
    try:
        cs = part.get_content_charset()
    except Exception:
        cs = None
    return _decode_bytes(data, cs, final=not cut)


# see _HTMLText.parse_starttag; tests/test_search_shortcuts.py compares it
# with the base class on generated tags
_PLAIN_START_TAG = re.compile(
    r"<([a-zA-Z][a-zA-Z0-9]*)"
    r"(?:[ \t\n\r\f]+[a-zA-Z_:][-a-zA-Z0-9_:.]*(?:[ \t\n\r\f]*=[ \t\n\r\f]*"
    r"(?:\"[^\"<>]*\"|'[^'<>]*'|[^\s\"'=<>`]+))?)*"
    r"[ \t\n\r\f]*(/?)>")


class _HTMLText(HTMLParser):
    _SKIP = {"script", "style", "head", "title"}
    _BLOCK = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6",
              "table", "ul", "ol", "blockquote", "hr", "section", "article"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._anchor: list[str] = []

    def updatepos(self, i: int, j: int) -> int:
        # the base class counts line breaks here for getpos(), which guard
        # never asks for
        return j

    def parse_starttag(self, i: int) -> int:
        # A start tag of the common, well-formed shape (a name, attributes
        # of plain names with quoted or plain values, spaces, ">" or "/>")
        # is read by one regular expression: the base class reads it with
        # three (the whole tag, the name, each attribute) and would find the
        # same end, name and kind. Only <a> needs its attributes (the href),
        # so it and every other shape go the base class's way.
        m = _PLAIN_START_TAG.match(self.rawdata, i)
        if m is None:
            return super().parse_starttag(i)
        tag = m.group(1).lower()
        if tag == "a":
            return super().parse_starttag(i)
        self.lasttag = tag
        if m.group(2):                 # "<br/>": handle_startendtag's default
            self.handle_starttag(tag, [])
            self.handle_endtag(tag)
        else:
            self.handle_starttag(tag, [])
            if tag in self.CDATA_CONTENT_ELEMENTS:
                self.set_cdata_mode(tag)
        return m.end()

    def handle_starttag(self, tag, attrs):
        if tag in self._SKIP:
            self.skip += 1
        elif tag in self._BLOCK:
            self.out.append("\n")
        if tag == "a":
            self._href = dict(attrs).get("href") or None
            self._anchor = []

    def handle_endtag(self, tag):
        if tag in self._SKIP and self.skip:
            self.skip -= 1
        elif tag in self._BLOCK:
            self.out.append("\n")
        if tag == "a" and self._href is not None:
            self.links.append((self._href, "".join(self._anchor).strip()))
            self._href = None

    def handle_data(self, data):
        if not self.skip:
            self.out.append(data)
            if self._href is not None:
                self._anchor.append(data)


class _TagAttrs(HTMLParser):
    """Reads the attributes of a start tag in a markup, as the HTML parser
    does (its own parse_starttag), for ``_quick_html``."""

    attrs: list = []

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.rawdata = markup

    def at(self, i: int) -> list:
        self.attrs = []
        self.parse_starttag(i)
        return self.attrs

    def handle_starttag(self, tag, attrs):
        self.attrs = attrs


_END_TAG = re.compile(r"</([a-zA-Z][a-zA-Z0-9]*)[ \t\n\r\f]*>")
_DOCTYPE = re.compile(r"<![dD][oO][cC][tT][yY][pP][eE][^>]*>")
_CDATA_END = {name: re.compile(r"</\s*%s\s*>" % name, re.I) for name in HTMLParser.CDATA_CONTENT_ELEMENTS}


def _quick_html(markup: str) -> tuple[list[str], list[tuple[str, str]]] | None:
    """What ``_HTMLText`` collects from ``markup`` (its ``out`` and
    ``links``), read in one loop over the tags, for markup made only of
    text, plain start tags (``_PLAIN_START_TAG``), plain end tags and a
    doctype, with no comment left (``_defuse_html`` took them out); None
    for anything else (another shape of tag, a lone "<"), which the HTML
    parser reads. The HTML parser spends some ten function calls on each
    tag; this spends one pattern match and the handler call.
    tests/test_search_shortcuts.py
    compares the two on generated and real markup."""
    reader = _HTMLText()               # its handlers keep the text, the skip count and the links
    on_data, on_start, on_end = reader.handle_data, reader.handle_starttag, reader.handle_endtag
    tag_attrs = None
    find = markup.find
    start_tag, end_tag = _PLAIN_START_TAG.match, _END_TAG.match
    n = len(markup)
    pos = 0
    while pos < n:
        j = find("<", pos)
        if j < 0:
            j = n
        if j > pos and not reader.skip:
            on_data(html.unescape(markup[pos:j]))
        if j == n:
            break
        m = start_tag(markup, j)
        if m is not None:
            tag = m.group(1).lower()
            attrs = []
            if tag == "a":
                if tag_attrs is None:
                    tag_attrs = _TagAttrs(markup)
                attrs = tag_attrs.at(j)
            on_start(tag, attrs)
            pos = m.end()
            if not m.group(2):
                if tag not in _CDATA_END:
                    continue
                # script, style: raw text up to its end tag, never shown
                # (both are skipped); without an end tag the rest is dropped
                e = _CDATA_END[tag].search(markup, pos)
                if e is None:
                    break
                pos = e.end()
            # "<br/>", or the end of a script: its end tag follows
        else:
            m = end_tag(markup, j)
            if m is None:
                if _DOCTYPE.match(markup, j) is None:
                    return None
                pos = markup.find(">", j) + 1
                continue
            tag = m.group(1).lower()
            pos = m.end()
        on_end(tag)
    return reader.out, reader.links


def html_to_text(markup: str) -> tuple[str, list[tuple[str, str]]]:
    """Visible text of an HTML part and its links (href, anchor text)."""
    markup = _defuse_html(markup)
    try:
        quick = _quick_html(markup)
    except Exception:       # e.g. "&#" and 100,000 digits: the parser's way keeps what came before
        quick = None
    if quick is not None:
        out, links = quick
    else:
        parser = _HTMLText()
        try:
            parser.feed(markup)
            parser.close()
        except Exception:
            pass
        out, links = parser.out, parser.links
    text = "".join(out)
    text = _HTML_SPACES.sub(" ", text)
    # each run of line breaks (and the spaces among them) becomes a blank
    # line when it holds two or more, else one line break
    text = _HTML_BLANK.sub("\n\n", text)
    text = _HTML_BREAK.sub("\n", text)
    return html.unescape(text).strip(), links


_HTML_SPACES = re.compile(r"[ \t\r\f\v]+")
_HTML_BLANK = re.compile(r" ?\n *\n[ \n]*")
_HTML_BREAK = re.compile(r" ?\n *")


def _defuse_html(markup: str) -> str:
    """Take out what makes ``html.parser`` quadratic, in one linear pass.

    ``html.parser`` rescans from every ``<`` that starts a construct it cannot
    finish (an unclosed comment or tag): 60 KB of ``<a `` took 35 s. So a
    comment that is never closed runs to the end, as in a browser, and a
    ``<`` after the last ``>`` (which can end no tag) is shown as text.
    """
    if "<!--" in markup:
        out = []
        pos = 0
        while True:
            i = markup.find("<!--", pos)
            if i < 0:
                out.append(markup[pos:])
                break
            j = markup.find("-->", i + 4)
            out.append(markup[pos:i])
            if j < 0:
                break
            pos = j + 3
        markup = "".join(out)
    last = markup.rfind(">")
    if markup.find("<", last + 1) >= 0:
        markup = markup[:last + 1] + markup[last + 1:].replace("<", "&lt;")
    return markup


_URL = re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"'()\[\]{}]{1,2000}")


_URL_HOST = re.compile(r"(?i)(?:[a-z][a-z0-9+.-]*:)?//([^/?#\s]+)")
_HOST_END = re.compile(r"[/?#\s]")


def _host(url: str) -> str:
    u = url.strip()
    m = _URL_HOST.match(u)
    if not m:
        if u[:4].lower() == "www.":
            host = _HOST_END.split(u, maxsplit=1)[0]
        else:
            return ""
    else:
        host = m.group(1)
    host = host.rpartition("@")[2].split(":")[0].strip(".").lower()
    return host


# an <a ...> tag cannot contain "<", so each try stops at the next "<": linear
_A_TAG = re.compile(r"<a\b([^<>]{0,2000})>", re.IGNORECASE)
_HREF = re.compile(r"""\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE)
_TAG = re.compile(r"<[^<>]{0,2000}>")


def html_links(markup: str) -> list[tuple[str, str]]:
    """(href, visible text) of the links of an HTML part, without rendering it."""
    out = []
    seen = set()
    lower = None
    for m in _A_TAG.finditer(markup):
        h = _HREF.search(m.group(1))
        if not h:
            continue
        href = h.group(1) or h.group(2) or h.group(3) or ""
        if lower is None:
            lower = markup.lower()
        end = lower.find("</a", m.end(), m.end() + 1000)
        inner = markup[m.end():end] if end >= 0 else ""
        text = html.unescape(_TAG.sub("", inner))
        pair = (html.unescape(href), " ".join(text.split()))
        if pair not in seen:
            seen.add(pair)
            out.append(pair)
    return out


def _find_addresses_and_links(p: Parsed, view: str, text: str) -> None:
    # the searches run only where their anchor character or word occurs
    if "@" in text:
        _find_addresses(p, view, text)
    low = text.lower()        # two substring tests in C, where "(?i)http|www" crawls
    if "http" in low or "www" in low:
        _find_links(p, view, text)


def _email_matches(text: str):
    """The matches of _EMAIL.finditer(text), found around each "@": _EMAIL
    tries its look-behind and a 64-character local part at every offset,
    where most texts hold a few "@". A match holds exactly one "@" (neither
    part's class has it), starts after the "@" before it and at most 64
    characters before its own, and ends at most 537 after it, so a search
    from there to 540 after sees all that decides it; one that starts after
    the "@" belongs to a later one. A text dense in "@" (more than one in
    50 characters) is searched the plain way, which is linear there."""
    n = len(text)
    count = text.count("@")
    if not count:
        return
    if count * 50 > n:
        yield from _EMAIL.finditer(text)
        return
    last = 0
    before = -1                   # the "@" before this one
    search = _EMAIL.search
    find = text.find
    i = find("@")
    while i >= 0:
        m = search(text, max(last, i - 64, before + 1), min(n, i + 540))
        before = i
        if m is not None and m.start() < i:
            yield m
            last = m.end()
            i = find("@", last)
        else:
            i = find("@", i + 1)


def _find_addresses(p: Parsed, view: str, text: str) -> None:
    """Each different address once (its first place), up to ``MAX_ADDRESSES``."""
    for m in _email_matches(text):
        spec = m.group()
        key = spec.lower()
        if key in p.address_keys:
            continue
        if len(p.address_keys) >= MAX_ADDRESSES:
            p.notes.append(Note("cut.addresses", n=MAX_ADDRESSES))
            break
        p.address_keys.add(key)
        p.body_addresses.append(Address("", spec, spec.rpartition("@")[2].lower(), view, m.start(), m.end()))


def _find_links(p: Parsed, view: str, text: str) -> None:
    """Each different host once (its first place), up to ``MAX_LINKS`` in all."""
    seen: set[str] = set()        # a URL seen before has its host kept already
    for m in _URL.finditer(text):
        url = m.group().rstrip(".,;:!?")
        if url in seen:
            continue
        seen.add(url)
        host = _host(url if "//" in url else "http://" + url)
        if host and not _add_link(p, Link(url, host, view, m.start(), m.start() + len(url))):
            break
