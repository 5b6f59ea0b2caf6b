"""Loopback-only socket guard shared by the pytest fixture and by notebook kernels under test.

``install()`` patches ``socket.socket.connect``/``connect_ex`` so that any IPv4/IPv6 connection to a
non-loopback address raises :class:`ExternalNetworkBlocked`. Every attempt is recorded in ``ATTEMPTS``.
"""

from __future__ import annotations

import ipaddress
import socket

ATTEMPTS: list[object] = []
_REAL_CONNECT = socket.socket.connect
_REAL_CONNECT_EX = socket.socket.connect_ex


class ExternalNetworkBlocked(RuntimeError):
    """Raised when code under test tries to open a connection that leaves this machine."""


def is_loopback(address: object) -> bool:
    """True for loopback addresses (127.0.0.0/8, ::1, localhost); non-tuple addresses (AF_UNIX) count as local."""
    if not (isinstance(address, tuple) and address):
        return True
    host = address[0]
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # any other host name would need DNS: refuse


def _guard(sock: socket.socket, address: object) -> None:
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        ATTEMPTS.append(address)
        if not is_loopback(address):
            raise ExternalNetworkBlocked(f"blocked a connection to {address!r}: only loopback is allowed here")


def guarded_connect(self: socket.socket, address: object) -> None:
    """Replacement for ``socket.connect`` that refuses non-loopback peers."""
    _guard(self, address)
    return _REAL_CONNECT(self, address)


def guarded_connect_ex(self: socket.socket, address: object) -> int:
    """Replacement for ``socket.connect_ex`` that refuses non-loopback peers."""
    _guard(self, address)
    return _REAL_CONNECT_EX(self, address)


def install() -> None:
    """Install the guard process-wide (used inside notebook kernels)."""
    socket.socket.connect = guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = guarded_connect_ex  # type: ignore[method-assign]
