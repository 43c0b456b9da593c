"""The outcomes report over a large registry, against one SQL aggregate scan of the same rows.

Target (issue 14): the full report (``outcomes.report.report_build``: the registry read,
every measure at every time point with its summaries, bootstrap intervals, paired t and
Wilcoxon tests, responders, Kaplan-Meier, complications, and its CSV) for 100,000
synthetic patients x 7 time points within 3x the floor, and within 1 GiB of memory.
The floor is one aggregate scan over the same questionnaire rows (count and mean of a
score per questionnaire: ``outcomes._sql.floor_scan``), the least any report over them
can cost.

The registry is made by ``manage.py demo_registry`` in a throwaway SQLite database
(or the empty database DATABASE_URL names), kept under var/ between runs with
``--keep`` (making 100,000 patients takes minutes). Report and floor run alternately in
a fresh process, five times each, and the ratio is the median of the paired ratios;
peak memory is that process's maximum resident set. The last line reads
``registry report: R x the floor, peak M MiB``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable

MEASURE = r"""
import json, resource, statistics, sys, tempfile, time
from pathlib import Path
import django
django.setup()
from mildpath.core import clock
from mildpath.outcomes import _sql
from mildpath.outcomes.report import report_build
from mildpath.outcomes.tasks import report_csv

rounds = int(sys.argv[1])
now = clock.now()
report_build(now=now)  # warm: imports, the database's cache
_sql.floor_scan()
pairs = []
for _ in range(rounds):
    started = time.perf_counter()
    _sql.floor_scan()
    floor = time.perf_counter() - started
    started = time.perf_counter()
    result = report_build(now=now)
    with tempfile.TemporaryDirectory() as folder:
        report_csv(result, Path(folder) / "report.csv")
    report = time.perf_counter() - started
    pairs.append((report, floor))
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({
    "pairs": pairs,
    "peak_mib": peak,
    "patients": result["patients"],
}))
"""


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--keep", action="store_true", help="keep the database in var/ for the next run"
    )
    options = parser.parse_args()
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="mildpath.settings",
        MILDPATH_PROFILE="development",
        PYTHONUNBUFFERED="1",
    )
    with tempfile.TemporaryDirectory(prefix="mildpath-registry-") as tmp:
        if "DATABASE_URL" not in os.environ:
            folder = ROOT / "var" if options.keep else Path(tmp)
            folder.mkdir(exist_ok=True)
            database = folder / f"bench-registry-{options.patients}.sqlite3"
            env["DATABASE_URL"] = f"sqlite:///{database}"
            fresh = not database.exists()
        else:
            fresh = True
        env["MILDPATH_REGISTRY_DIR"] = str(Path(tmp) / "registry")
        if fresh:
            started = time.monotonic()
            manage(env, "migrate", "--verbosity", "0")
            manage(env, "load_demo")
            manage(env, "demo_registry", "--patients", str(options.patients), "--seed", "1")
            print(f"registry made in {time.monotonic() - started:.0f} s", flush=True)
        out = subprocess.run(
            [PYTHON, "-c", MEASURE, str(options.rounds)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        if out.returncode:
            sys.exit(f"the measurement failed:\n{out.stderr[-3000:]}")
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    pairs = figures["pairs"]
    ratios = sorted(report / floor for report, floor in pairs)
    reports = sorted(report for report, _ in pairs)
    floors = sorted(floor for _, floor in pairs)
    middle = len(pairs) // 2
    print(f"patients in the registry: {figures['patients']:,}")
    print("| measure | value (s) | floor (s) | ratio | target |")
    print("| --- | --- | --- | --- | --- |")
    print(
        f"| full report, {figures['patients']:,} patients | {reports[middle]:.2f} | "
        f"{floors[middle]:.2f} | {ratios[middle]:.2f}x | <= 3x |"
    )
    print(
        f"| peak memory of the report's process | {figures['peak_mib']:.0f} MiB | | | <= 1024 MiB |"
    )
    print(f"registry report: {ratios[middle]:.2f} x the floor, peak {figures['peak_mib']:.0f} MiB")


if __name__ == "__main__":
    main()
