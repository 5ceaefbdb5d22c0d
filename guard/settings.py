"""The settings file (TOML) of ``guard milter``, ``guard daemon`` and
``guard filter`` (``--settings FILE``): who is not checked. The milter
applies all of it; a pipe (filter, daemon) only ``[allow]``, matched against
the ``--envelope-from`` it is given. Example (README.md, "Settings file"):

    [allow]
    senders = ["jobs@partner.example"]        # envelope senders, exactly (any case)
    sender_domains = ["partner.example"]      # the domain and its subdomains

    [skip]
    authenticated = true                      # SMTP AUTH users (the {auth_authen} macro)
    client_networks = ["192.0.2.0/24", "2001:db8::/32"]

A message that is not checked is accepted with ``X-Guard-Status: Skipped,
reason=allowlist|authenticated|network``; incoming X-Guard-* fields are
still renamed. The file is read again when it changes (checked before each
message; a file that does not load keeps the settings that did, and the
error is logged), so an edit needs no restart. Unknown keys are an error:
a misspelt setting must not be ignored in silence.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import threading

log = logging.getLogger("guard.settings")

_KEYS = {"allow": {"senders", "sender_domains"}, "skip": {"authenticated", "client_networks"}}


class SettingsError(ValueError):
    pass


class Skips:
    """What the settings file says about one message's envelope."""

    def __init__(self, senders=(), sender_domains=(), authenticated=False, client_networks=()) -> None:
        self.senders = frozenset(s.lower() for s in senders)
        self.sender_domains = tuple(d.lower().strip(".") for d in sender_domains)
        self.authenticated = bool(authenticated)
        self.networks = tuple(ipaddress.ip_network(n, strict=False) for n in client_networks)

    def reason(self, mail_from: str, auth: str | None, client_ip: str | None) -> str | None:
        """``allowlist``, ``authenticated``, ``network`` or None (check it)."""
        if self.authenticated and auth:
            return "authenticated"
        if client_ip and self.networks:
            try:
                ip = ipaddress.ip_address(client_ip.split("%", 1)[0])
            except ValueError:
                ip = None
            if ip is not None and any(ip in n for n in self.networks):
                return "network"
        addr = mail_from.strip("<>").lower()
        if addr and addr in self.senders:
            return "allowlist"
        domain = addr.rpartition("@")[2]
        if domain and any(domain == d or domain.endswith("." + d) for d in self.sender_domains):
            return "allowlist"
        return None


def load(path: str) -> Skips:
    import tomllib

    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except OSError as e:
        raise SettingsError(f"{path}: {e.strerror or e}") from None
    except tomllib.TOMLDecodeError as e:
        raise SettingsError(f"{path}: not TOML: {e}") from None
    unknown = set(data) - set(_KEYS)
    if unknown:
        raise SettingsError(f"{path}: unknown section(s): {', '.join(sorted(unknown))}")
    args = {}
    for section, keys in _KEYS.items():
        table = data.get(section, {})
        if not isinstance(table, dict):
            raise SettingsError(f"{path}: [{section}] must be a table")
        bad = set(table) - keys
        if bad:
            raise SettingsError(f"{path}: unknown key(s) in [{section}]: {', '.join(sorted(bad))}")
        for k, v in table.items():
            if k == "authenticated":
                if not isinstance(v, bool):
                    raise SettingsError(f"{path}: [skip] authenticated must be true or false")
            elif not (isinstance(v, list) and all(isinstance(x, str) for x in v)):
                raise SettingsError(f"{path}: [{section}] {k} must be a list of strings")
            args[k] = v
    try:
        return Skips(**args)
    except ValueError as e:
        raise SettingsError(f"{path}: [skip] client_networks: {e}") from None


class Watched:
    """The settings of a file, read again when its modification time or size changes."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self.lock = threading.Lock()
        self.stamp = None
        self.current = Skips()
        if path is not None:
            self.current = load(path)           # at start a bad file is an error
            self.stamp = self._stamp()

    def _stamp(self):
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def get(self) -> Skips:
        if self.path is None:
            return self.current
        stamp = self._stamp()
        if stamp != self.stamp:
            with self.lock:
                if stamp != self.stamp:
                    self.stamp = stamp
                    try:
                        self.current = load(self.path)
                        log.info("settings reloaded from %s", self.path)
                    except SettingsError as e:
                        log.error("settings not reloaded (the previous ones stay): %s", e)
        return self.current
