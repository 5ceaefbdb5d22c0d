"""What a long-running guard process needs (``guard daemon``): a unix
socket with the mode and group the mail system needs, a refusal to run as
root unless told, logs as text, JSON or syslog. Every failure to start is
one line on standard error that names the cause, and an exit code.
"""

from __future__ import annotations

import logging
import os
import socket
import stat
import sys


def add_service_arguments(p) -> None:
    p.add_argument("--socket-mode", type=_mode, default=0o660, metavar="MODE",
                   help="permissions of a unix socket, in octal (default 0660: the owner and the group)")
    p.add_argument("--group", default=None, metavar="GROUP",
                   help="group of a unix socket (e.g. postfix, so that Postfix may connect)")
    p.add_argument("--allow-root", action="store_true",
                   help="run even as root (by default guard refuses: run it as its own user)")
    p.add_argument("--log-format", choices=("text", "json"), default="text",
                   help="log lines as text (default) or one JSON object a line")
    p.add_argument("--syslog", action="store_true", help="log to syslog (facility mail) too")
    p.add_argument("--syslog-socket", default="/dev/log", metavar="PATH",
                   help="the syslog daemon's socket (default /dev/log)")


def _mode(text: str) -> int:
    import argparse

    try:
        mode = int(text, 8)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an octal mode: {text!r} (e.g. 0660)") from None
    if not 0 <= mode <= 0o777:
        raise argparse.ArgumentTypeError(f"not a permission mode: {text!r}")
    return mode


class _Json(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        import json

        return json.dumps({"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"), "name": record.name,
                           "pid": record.process, "level": record.levelname.lower(),
                           "message": record.getMessage()}, ensure_ascii=False)


def setup_logging(args, tag: str) -> None:
    """Standard error as text or JSON, and syslog with ``--syslog``. The log
    says what guard did, never what a message says."""
    root = logging.getLogger("guard")
    root.setLevel(logging.INFO)
    root.handlers.clear()
    h = logging.StreamHandler(sys.stderr)
    if getattr(args, "log_format", "text") == "json":
        h.setFormatter(_Json())
    else:
        h.setFormatter(logging.Formatter(f"%(asctime)s {tag}[%(process)d] %(levelname)s %(message)s"))
    root.addHandler(h)
    if getattr(args, "syslog", False):
        from logging.handlers import SysLogHandler

        try:
            s = SysLogHandler(address=getattr(args, "syslog_socket", "/dev/log"), facility=SysLogHandler.LOG_MAIL)
        except OSError as e:
            root.warning("no syslog (%s): logging to standard error only", e.strerror or e)
        else:
            s.setFormatter(logging.Formatter(f"{tag}[%(process)d]: %(message)s"))
            root.addHandler(s)
    root.propagate = False


def refuse_root(args, name: str) -> bool:
    """True (and one line on standard error) when running as root without ``--allow-root``."""
    if hasattr(os, "geteuid") and os.geteuid() == 0 and not getattr(args, "allow_root", False):
        print(f"{name}: refusing to run as root: run it as its own user (e.g. the 'guard' user of "
              "the systemd unit), or pass --allow-root", file=sys.stderr)
        return True
    return False


def bind_unix(path: str, mode: int, group: str | None, name: str) -> socket.socket | None:
    """A listening unix socket at ``path`` with ``mode`` and ``group``, or
    None after one line on standard error saying why not: the folder is
    missing, another process listens there, the group is unknown... A socket
    file that nobody listens on (left by a crash) is replaced."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        print(f"{name}: cannot listen on {path}: the folder {folder} does not exist "
              "(create it, e.g. with RuntimeDirectory= in the systemd unit)", file=sys.stderr)
        return None
    gid = None
    if group is not None:
        import grp

        try:
            gid = grp.getgrnam(group).gr_gid
        except KeyError:
            print(f"{name}: unknown group {group!r} for {path}", file=sys.stderr)
            return None
    if os.path.lexists(path):
        if not stat.S_ISSOCK(os.lstat(path).st_mode):
            print(f"{name}: cannot listen on {path}: a file that is not a socket is in the way", file=sys.stderr)
            return None
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(path)
        except OSError:
            os.unlink(path)             # nobody listens: left over from a crash
        else:
            print(f"{name}: cannot listen on {path}: the socket is in use by another process", file=sys.stderr)
            return None
        finally:
            probe.close()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o777 & ~mode)       # the socket is never reachable with wider permissions
    try:
        s.bind(path)
    except OSError as e:
        s.close()
        print(f"{name}: cannot listen on {path}: {e.strerror or e}", file=sys.stderr)
        return None
    finally:
        os.umask(old)
    try:
        os.chmod(path, mode)
        if gid is not None:
            os.chown(path, -1, gid)
    except OSError as e:
        s.close()
        print(f"{name}: cannot set the mode or group of {path}: {e.strerror or e}", file=sys.stderr)
        return None
    s.listen(64)
    return s
