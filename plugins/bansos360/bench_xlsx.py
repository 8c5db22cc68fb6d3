"""Benchmark: a whole DTKS period as .xlsx, read by our streaming reader and by python-calamine.

``python -m bansos360.bench_xlsx --scale 1.0`` writes one DTKS period of a synthetic population of that scale as
two workbooks (its households and its members, each sheet as the period's CSV has it), then reads each, in a fresh
process per run, once through ``readers._iter_xlsx`` (expat over the zipped sheet, row by row) and once through
``readers._iter_calamine`` (python-calamine, which loads the whole sheet first; its size limit lifted for the
measurement), alternately, ``--runs`` times. Each run reports its rows, seconds and peak resident memory (the
child's own high-water mark, ``VmHWM``). Issue 25 asked for this before switching .xlsx to python-calamine;
docs/benchmarks.md has the result and docs/inputs.md the decision.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

READERS = ("xlsx", "calamine")


def write_period(scale: float, out: Path, periode: str = "2020-10") -> dict[str, Path]:
    """The period's households and members, each as an .xlsx of its CSV's header and cells (text, as delivered)."""
    import random

    from bansos360.synth import files, population

    pop = population.build(random.Random(360), scale)
    zipped = out / "periode.zip"
    files.write_dtks(pop, periode, zipped)
    books = {}
    with zipfile.ZipFile(zipped) as zf:
        for member in zf.namelist():
            style = files.PERIOD_STYLE[periode]
            with zf.open(member) as raw:
                rows = csv.reader(io.TextIOWrapper(raw, encoding=style["encoding"], newline=""),
                                  delimiter=style["delimiter"])
                header = next(rows)
                path = out / member.replace(".csv", ".xlsx")
                files.write_xlsx(path, [], header, (r for r in rows if r), set())
                books[member] = path
    zipped.unlink()
    return books


def read(reader: str, path: Path) -> dict:
    """Every row of the workbook's first sheet, by ``reader``; rows, cells, seconds and this process's peak RSS."""
    from bansos360 import readers

    readers.CALAMINE_LIMIT = 1 << 40  # measured as it would run if .xlsx went through python-calamine
    part = readers.Part(path, None, "xlsx")
    rows = cells = 0
    started = time.perf_counter()
    for _, values, _ in (readers._iter_xlsx(part) if reader == "xlsx" else readers._iter_calamine(part)):
        rows += 1
        cells += len(values)
    seconds = time.perf_counter() - started
    # VmHWM, the high-water mark of this program's own memory: ru_maxrss would carry over the parent's, which
    # Linux folds into a child's at exec
    hwm = next(line for line in Path("/proc/self/status").read_text().splitlines() if line.startswith("VmHWM:"))
    return {"rows": rows, "cells": cells, "seconds": round(seconds, 2), "peak_mib": round(int(hwm.split()[1]) / 1024)}


def main(argv: list[str] | None = None) -> None:
    """Write the period's workbooks and read each by both readers (or, with ``--read``, one run of one)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--read", nargs=2, metavar=("READER", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.read:
        print(json.dumps(read(args.read[0], Path(args.read[1]))))
        return
    with tempfile.TemporaryDirectory(prefix="bench-xlsx-") as tmp:
        books = write_period(args.scale, Path(tmp))
        for member, path in books.items():
            results: dict[str, list[dict]] = {r: [] for r in READERS}
            for _ in range(args.runs):
                for reader in READERS:
                    done = subprocess.run([sys.executable, "-m", "bansos360.bench_xlsx", "--read", reader, str(path)],
                                          capture_output=True, text=True, check=True)
                    results[reader].append(json.loads(done.stdout))
            size = path.stat().st_size >> 20
            for reader, runs in results.items():
                each = ", ".join(f"{r['seconds']} s / {r['peak_mib']} MiB" for r in runs)
                print(f"{member} ({size} MiB .xlsx, {runs[0]['rows']:,} rows, {runs[0]['cells']:,} cells) {reader}: "
                      f"median {statistics.median(r['seconds'] for r in runs):.1f} s, "
                      f"peak {statistics.median(r['peak_mib'] for r in runs):.0f} MiB "
                      f"(runs: {each})")


if __name__ == "__main__":
    main()
