# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""darkscope_lib.services - labels for destination ports, TSUBAME style.

    port_label("tcp", 23)    -> "telnet(23/TCP)"
    port_label("tcp", 8728)  -> "8728/TCP"        (no name in the services database)
    port_label("udp", 1900)  -> "1900/UDP"        ("ssdp(1900/UDP)" where the database has it)
    port_label("icmp", 8)    -> "8/ICMP"          (the ICMP type; TSUBAME writes "0/ICMP")

The name is the services database's own (socket.getservbyport(), i.e.
/etc/services from Debian's netbase), verbatim: lower case, as IANA
registers it ("telnet", "http", "microsoft-ds").  The protocol is upper
case.  ICMP rows carry the ICMP type in `dport` and never get a name.
"""
import functools
import socket

__all__ = ["port_label", "service_name"]


@functools.lru_cache(maxsize=65536)
def service_name(proto, port):
    """The services database's name for (proto, port), or None.

    proto: "tcp" or "udp" (any case); anything else, including "icmp", is None.
    """
    proto = str(proto).lower()
    if proto not in ("tcp", "udp"):
        return None
    try:
        port = int(port)
        if not 0 <= port <= 65535:
            return None
        return socket.getservbyport(port, proto)
    except (OSError, ValueError, OverflowError):
        return None


@functools.lru_cache(maxsize=65536)
def port_label(proto, port):
    """`name(port/PROTO)` when the services database names it, else `port/PROTO`.

    ICMP is always `type/ICMP`.  proto is "tcp", "udp" or "icmp" (any case);
    port an int (or decimal string).
    """
    p = str(proto).upper()
    try:
        port = int(port)
    except (TypeError, ValueError):
        return f"{port}/{p}"
    name = service_name(proto, port)
    return f"{name}({port}/{p})" if name else f"{port}/{p}"
