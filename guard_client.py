"""guard-client: ``guard filter`` through ``guard daemon``, for procmail,
maildrop and a Postfix pipe. Same arguments, same output, same exit codes
as ``guard filter``; a process that starts in a few milliseconds, because it
imports only the standard library (not guard: this module lives outside the
``guard`` package so that importing it does not load guard).

    guard-client [--socket PATH] [guard filter's options] < message > message

The socket is ``--socket``, else ``$GUARD_SOCKET``, else
/run/guard/guard.sock. When the daemon cannot be reached (not running, no
socket, refused), the client fails open by running ``guard filter`` itself
with the same arguments (slower, same answer); if guard cannot be run
either, the message goes through unchanged (exit 0), or exit 75 with
``--on-error tempfail``. If the daemon goes away while the answer is being
written, the client exits 74 (a half-written message must not replace the
mail), as ``guard filter`` does on a failed write.
"""

import os
import sys

DEFAULT_SOCKET = "/run/guard/guard.sock"


def _split(argv):
    """(socket path, the arguments for guard filter)."""
    path = os.environ.get("GUARD_SOCKET") or DEFAULT_SOCKET
    rest = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--socket" and i + 1 < len(argv):
            path = argv[i + 1]
            i += 2
            continue
        if a.startswith("--socket="):
            path = a.split("=", 1)[1]
        else:
            rest.append(a)
        i += 1
    return path, rest


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _fallback(args):
    """The daemon is not there: run guard filter here (fail open)."""
    here = os.path.dirname(os.path.abspath(sys.executable))
    guard = os.path.join(here, "guard")
    try:
        if os.access(guard, os.X_OK):
            os.execv(guard, [guard, "filter"] + args)
        os.execv(sys.executable, [sys.executable, "-m", "guard", "filter"] + args)
    except OSError:
        pass
    sys.stderr.write("guard-client: neither guard daemon nor guard filter could be run: "
                     "the message goes through unchecked\n")
    if "tempfail" in args and any(a in ("--on-error", "--on-error=tempfail") for a in args):
        return 75
    try:
        while True:
            chunk = os.read(0, 1 << 16)
            if not chunk:
                return 0
            _write_all(1, chunk)
    except OSError:
        return 74


def _recv_exact(s, n):
    parts = []
    while n:
        chunk = s.recv(min(n, 1 << 16))
        if not chunk:
            break
        parts.append(chunk)
        n -= len(chunk)
    return b"".join(parts)


def main(argv=None):
    # _socket and _thread, not socket and threading: their Python wrappers cost
    # more to import than the whole rest of this client's work
    import _socket
    import _thread

    path, args = _split(sys.argv[1:] if argv is None else argv)
    s = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        s.connect(path)
    except OSError as e:
        s.close()
        sys.stderr.write(f"guard-client: guard daemon not reachable on {path} ({e.strerror or e}): "
                         "running guard filter instead\n")
        return _fallback(args)
    line = "\0".join(args).encode("utf-8", "surrogateescape")
    # a message of up to 1 MB is sent whole before the answer is read; a larger
    # one is sent by a thread while the answer comes (the daemon streams a
    # message above its size cap back as it reads it)
    head, eof = [], False
    try:
        size = 0
        while size < (1 << 20):
            chunk = os.read(0, 1 << 16)
            if not chunk:
                eof = True
                break
            head.append(chunk)
            size += len(chunk)
    except OSError:
        eof = True
    s.sendall(len(line).to_bytes(4, "big") + line + (b"".join(head) if eof else b""))

    def send_stdin():
        try:
            s.sendall(b"".join(head))
            while True:
                chunk = os.read(0, 1 << 16)
                if not chunk:
                    break
                s.sendall(chunk)
        except OSError:
            pass
        try:
            s.shutdown(_socket.SHUT_WR)
        except OSError:
            pass

    if eof:
        s.shutdown(_socket.SHUT_WR)
    else:
        _thread.start_new_thread(send_stdin, ())
    written = False
    try:
        while True:
            head = _recv_exact(s, 5)
            if len(head) < 5:
                break
            kind, n = head[:1], int.from_bytes(head[1:], "big")
            data = _recv_exact(s, n)
            if len(data) < n:
                break
            if kind == b"O":
                try:
                    _write_all(1, data)
                except OSError as e:
                    sys.stderr.write(f"guard filter: cannot write the message: {e}\n")
                    return 74
                written = True
            elif kind == b"E":
                sys.stderr.write(data.decode("utf-8", "replace") + "\n")
            elif kind == b"X":
                return int(data)
    except OSError:
        pass
    # the daemon went away before the exit code
    sys.stderr.write("guard-client: guard daemon closed the connection before answering\n")
    return 74 if written else 75


if __name__ == "__main__":
    sys.exit(main())
