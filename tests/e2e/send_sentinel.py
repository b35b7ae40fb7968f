#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""send_sentinel.py - send the frame that marks the end of a tool's traffic.

usage: send_sentinel.py IFACE DST_MAC

One Ethernet frame (EtherType 0x88b5, local experimental) whose payload
starts with DARKSCOPE-END.  tool_run_captured (lib.sh) sends it after the
tool under test: once tcpdump has written it, it has written everything
sent before it.  The sensor counts it as non-IP.
"""
import socket
import sys


def main():
    iface, mac = sys.argv[1], sys.argv[2]
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    src = s.getsockname()[4]
    s.send(bytes.fromhex(mac.replace(":", "")) + src + b"\x88\xb5" +
           b"DARKSCOPE-END".ljust(46, b"."))


if __name__ == "__main__":
    main()
