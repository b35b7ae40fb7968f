# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Shared pytest set-up for tests/scripts (run: python3 -m pytest tests/scripts).

Puts scripts/ (darkscope_lib) and tests/scripts/ (synth_quarter) on sys.path.

Fixtures:
  repo_root      absolute path of the repository
  scripts_dir    repo_root/scripts
  fixtures_dir   tests/scripts/fixtures (small RIR files, known-scanners.txt)
  rir_fixture    fixtures/delegated-test-extended (the blocks synth_quarter draws from)
  darkscope_bin  build/darkscope; the test is skipped when it has not been built
  shared_rir_dir repo_root/../shared/data/rir (real RIR files); skipped when absent
  quarter        session-wide synthetic quarter: (series_dir, answers) from
                 synth_quarter.make_quarter(tmp, "2026-04-01", days=14,
                 sensors=("tokyo-1", "osaka-1"), interval=3600) with the previous
                 14 days too.  Read-only: copy it before damaging files.
  run_script     run_script("darkscope-series", *args) -> CompletedProcess (text,
                 /usr/bin/python3, cwd=repo_root)
"""
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
SCRIPTS = os.path.join(REPO, "scripts")
for p in (SCRIPTS, HERE):
    if p not in sys.path:
        sys.path.insert(0, p)

PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable


@pytest.fixture(scope="session")
def repo_root():
    return REPO


@pytest.fixture(scope="session")
def scripts_dir():
    return SCRIPTS


@pytest.fixture(scope="session")
def fixtures_dir():
    return os.path.join(HERE, "fixtures")


@pytest.fixture(scope="session")
def rir_fixture(fixtures_dir):
    return os.path.join(fixtures_dir, "delegated-test-extended")


@pytest.fixture(scope="session")
def darkscope_bin():
    path = os.path.join(REPO, "build", "darkscope")
    if not os.access(path, os.X_OK):
        pytest.skip("build/darkscope not built (run make)")
    return path


@pytest.fixture(scope="session")
def shared_rir_dir():
    path = os.path.abspath(os.path.join(REPO, "..", "shared", "data", "rir"))
    if not os.path.isdir(path):
        pytest.skip(f"{path} absent")
    return path


@pytest.fixture(scope="session")
def quarter(tmp_path_factory):
    import synth_quarter
    out = tmp_path_factory.mktemp("quarter")
    answers = synth_quarter.make_quarter(str(out), "2026-04-01", days=14,
                                         sensors=("tokyo-1", "osaka-1"), interval=3600)
    return str(out), answers


@pytest.fixture(scope="session")
def run_script():
    def run(name, *args, check=False):
        return subprocess.run([PYTHON, os.path.join(SCRIPTS, name)] + [str(a) for a in args],
                              capture_output=True, text=True, cwd=REPO, check=check)
    return run
