# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Port keys of the report: (protocol, port) packed into one int.

pkey = protocol index << 16 | port, with the protocol order of the series
(reader.PROTOS: tcp, udp, icmp), so that sorting pkeys sorts by protocol
then port, and a dict keyed by them hashes an int instead of a tuple.
"""
from . import reader as _reader
from . import services as _services

PROTOS = _reader.PROTOS
PROTO_INDEX = {p: i for i, p in enumerate(PROTOS)}


def pkey_of(proto, port):
    return PROTO_INDEX[proto] << 16 | port


def pkey_split(pkey):
    return PROTOS[pkey >> 16], pkey & 0xFFFF


def label(pkey):
    """The table label of a port: `telnet(23/TCP)`, `37215/TCP`."""
    proto, port = pkey_split(pkey)
    return _services.port_label(proto, port)
