# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""darkscope_lib - shared code of darkscope's analyst scripts.

Modules:
  cli       exit statuses (0, 1, 64) and an ArgumentParser that exits 64 on usage errors
  reader    stream the rows of the flows/ports/sensor series files (docs/FORMAT.md)
  regions   country of an IPv4 address: RIR delegated files or tor-geoipdb
  services  `service(port/PROTO)` labels from the system's services database
  known_scanners  the `CIDR name` file of known (research) scanners
  report_*  darkscope-report: passes, rankings, tables, rendering
            (docs/SCRIPTS.md, "The report's code")

Python 3.11 standard library only.  Scripts put their own directory on
sys.path and import `from darkscope_lib import reader, regions, services`.
"""
__all__ = ["cli", "reader", "regions", "services"]
