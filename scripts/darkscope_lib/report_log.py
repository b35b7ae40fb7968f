# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Warnings and notes of a report, in the order they arose: the footer
lists them, and each warning is printed on stderr once as it arises."""
import sys


class ReportLog:
    def __init__(self, warnings=()):
        self.warnings = list(warnings)  # already printed by the caller
        self.notes = []

    def warn(self, msg):
        if msg not in self.warnings:
            self.warnings.append(msg)
            print(f"darkscope-report: warning: {msg}", file=sys.stderr)

    def note(self, msg):
        self.notes.append(msg)
