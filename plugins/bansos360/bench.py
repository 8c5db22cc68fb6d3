"""``make bench``: the lake-to-warehouse benchmark at a given scale, written to docs/benchmarks.md.

Runs, on a fresh database of the embedded server under ``.bansos360-bench``: synth -> submit every delivery
-> approve -> refresh, each command as its own process (so its peak RSS is measured), then a bare COPY of
the same CSV bytes into unindexed text tables (the floor the ingest is compared with).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg2

from bansos360 import bench_queries, embedded, readers, staging

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).with_name("bansos360")


PEAK_RSS_MIB: dict[str, float] = {}
# A wrapper process with one child: its RUSAGE_CHILDREN peak is that command's own peak RSS.
_WRAP = ("import resource, subprocess, sys; code = subprocess.call(sys.argv[2:]); "
         "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)); "
         "sys.exit(code)")


def _run(args: list[str], env: dict, output: bool = False) -> tuple[float, str]:
    """Run one bansos360 command as its own process; keep its peak RSS under its name."""
    started = time.monotonic()
    with tempfile.NamedTemporaryFile("r") as rss_file:
        done = subprocess.run([sys.executable, "-c", _WRAP, rss_file.name, str(BIN), *args], env=env,
                              capture_output=True, text=True)
        rss_kib = int(rss_file.read() or 0)
    PEAK_RSS_MIB[args[0]] = max(PEAK_RSS_MIB.get(args[0], 0.0), round(rss_kib / 1024, 1))
    if done.returncode not in (0, 1) or (output and not done.stdout.strip()):
        raise RuntimeError(f"bansos360 {' '.join(args)} failed ({done.returncode}): {done.stderr[-3000:]}")
    return time.monotonic() - started, done.stdout


def _machine() -> dict:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = int(next(x for x in Path("/proc/meminfo").read_text().splitlines() if x.startswith("MemTotal")).split()[1])
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gib": round(mem_kb / 1024 / 1024, 1),
            "os": platform.platform(), "python": platform.python_version()}


def _csv_parts(lake: Path) -> list[tuple[str, readers.Part]]:
    parts = []
    for entry in json.loads((lake / "manifest.json").read_text()):
        path = lake / entry["file"]
        fmt = readers.sniff_format(path)
        if fmt == "zip":
            parts += [(f"{entry['file']}:{m}", readers.Part(path, m, "csv")) for m in readers.zip_members(path)]
        elif fmt == "csv":
            parts.append((entry["file"], readers.Part(path, None, "csv")))
    return parts


def _check_figures(env: dict, lake: Path) -> dict:
    """`bansos360 figures` against the generator's ground truth: kabupaten and every kecamatan."""
    from bansos360.figures import compare

    truth = json.loads((lake / "ground_truth.json").read_text())
    per_kec = json.loads((lake / "ground_truth_kecamatan.json").read_text())
    started = time.monotonic()
    diffs = compare(truth, json.loads(_run(["figures"], env, output=True)[1]))
    for kec, expected in per_kec.items():
        actual = json.loads(_run(["figures", "--kecamatan", kec], env, output=True)[1])
        diffs += [f"{kec} {d}" for d in compare(expected, actual)]
    return {"checked": 1 + len(per_kec), "mismatches": len(diffs), "first": diffs[:5],
            "seconds": round(time.monotonic() - started, 1)}


def copy_floor(url: str, lake: Path) -> tuple[float, int, int]:
    """Seconds, rows and bytes of a bare COPY of every CSV delivered into unindexed text tables."""
    total_s, total_rows, total_bytes = 0.0, 0, 0
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        for n, (_, part) in enumerate(_csv_parts(lake)):
            enc = readers.detect_encoding(part)
            delim = readers.detect_delimiter(part, enc)
            with readers.open_text(part, enc) as f:
                width = len(next(csv.reader(f, delimiter=delim)))
            with readers.open_binary(part) as raw:
                data = raw.read()
            cols = ", ".join(f"c{i} text" for i in range(width))
            cur.execute(f"create unlogged table if not exists bench_floor_{n} ({cols})")
            started = time.monotonic()
            cur.copy_expert(
                f"copy bench_floor_{n} from stdin with (format csv, header true, delimiter '{delim}', "
                f"encoding '{staging.ENCODINGS[enc]}')",
                io.BytesIO(data.rstrip(b"\r\n") + (b"\r\n" if b"\r\n" in data else b"\n")))
            total_s += time.monotonic() - started
            total_rows += cur.rowcount
            total_bytes += len(data)
            cur.execute(f"drop table bench_floor_{n}")
        conn.commit()
    return total_s, total_rows, total_bytes


def arguments(description: str, argv: list[str] | None, **extra: int) -> tuple[argparse.Namespace, Path, Path]:
    """The options of every benchmark, parsed, with the work folder and the lake's folder in it (``synth-<scale>``).

    Every benchmark has the synthetic lake's scale and seed, the report, the work folder and ``--reuse-lake``;
    ``extra`` adds its own integer options (``rounds=10`` is ``--rounds``, default 10).
    """
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--scale", type=float, default=1.0)
    p.add_argument("--seed", type=int, default=360)
    p.add_argument("--out", default="docs/benchmarks.md")
    p.add_argument("--work", default=str(ROOT / ".bansos360-bench"))
    p.add_argument("--reuse-lake", action="store_true", help="keep a lake generated earlier with the same scale/seed")
    for name, default in extra.items():
        p.add_argument(f"--{name.replace('_', '-')}", type=int, default=default)
    args = p.parse_args(argv)
    work = Path(args.work)
    return args, work, work / f"synth-{args.scale}"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write the report."""
    args, work, lake_dir = arguments(__doc__, argv)
    home = work / "home"
    server = embedded.start(home)
    base = server.rsplit("/", 1)[0]
    admin = psycopg2.connect(base + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("drop database if exists bench with (force)")
        cur.execute("create database bench")
    admin.close()
    url = base + "/bench"
    if (home / "lake").exists():
        shutil.rmtree(home / "lake")
    env = {**os.environ, "BANSOS360_DATABASE_URL": url, "BANSOS360_LAKE": str(home / "lake")}
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    results: dict = {"scale": args.scale, "seed": args.seed, "date": now, "machine": _machine()}
    stamp = lake_dir / "manifest.json"
    if args.reuse_lake and stamp.exists():
        results["synth_s"] = float("nan")  # not generated in this run
    else:
        if lake_dir.exists():
            shutil.rmtree(lake_dir)
        results["synth_s"], _ = _run(["synth", str(lake_dir), "--seed", str(args.seed), "--scale", str(args.scale)],
                                     env)
    results["init_s"], _ = _run(["init"], env)
    results["submit_s"], _ = _run(["submit-lake", str(lake_dir), "--by", "operator.bench"], env)
    results["approve_s"], _ = _run(["approve", "--all-checked", "--by", "kabid.bench"], env)
    results["refresh_s"], out = _run(["refresh"], env, output=True)
    results["peak_rss_mib"] = max(PEAK_RSS_MIB.get(c, 0.0) for c in ("submit-lake", "approve", "refresh"))
    outcomes = json.loads(out)
    results["states"] = sorted({o["state"] for o in outcomes})
    stages = {"staging": 0.0, "warehouse": 0.0, "gerbang": 0.0}
    rows = 0
    for o in outcomes:
        for k in stages:
            stages[k] += o["seconds"].get(k, 0.0)
        rows += sum(o["rows"].values())
    results["stages_s"] = {k: round(v, 2) for k, v in stages.items()}
    # the marts are built once per refresh: every submission of the batch carries the same figures
    results["mart_s"] = round(max((o["seconds"].get("mart", 0.0) for o in outcomes), default=0.0), 2)
    results["mart_gate_s"] = round(max((o["seconds"].get("gerbang_mart", 0.0) for o in outcomes), default=0.0), 2)
    results["figures"] = _check_figures(env, lake_dir)
    results["rss_by_command_mib"] = dict(PEAK_RSS_MIB)
    results["warehouse_rows"] = rows
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("select pg_database_size(current_database())")
        results["db_size_mib"] = round(cur.fetchone()[0] / 1024 / 1024, 1)
        cur.execute("select sum(size_bytes) from lake.file")
        results["lake_mib"] = round(float(cur.fetchone()[0] or 0) / 1024 / 1024, 1)
        cur.execute("show server_version")
        results["postgres"] = cur.fetchone()[0]
    results["queries"] = bench_queries.run(url)
    floor_s, floor_rows, floor_bytes = copy_floor(url, lake_dir)
    results["floor"] = {"copy_s": round(floor_s, 2), "rows": floor_rows, "mib": round(floor_bytes / 1024 / 1024, 1)}
    ingest = results["submit_s"] + stages["staging"] + stages["warehouse"]
    results["ingest_and_build_s"] = round(ingest, 2)
    results["ratio_to_floor"] = round(ingest / floor_s, 2) if floor_s else None
    write_report(Path(args.out), results)
    print(json.dumps(results, indent=2, default=str))
    return 0


def write_report(path: Path, r: dict) -> None:
    """Add (or replace) this scale's section of docs/benchmarks.md."""
    m = r["machine"]
    per_s = r["warehouse_rows"] / max(r["stages_s"]["staging"] + r["stages_s"]["warehouse"], 1e-9)
    fl = r["floor"]
    fig = r["figures"]
    section = f"""## Lake to warehouse, scale {r['scale']} (seed {r['seed']})

Run: `make bench BENCH_SCALE={r['scale']}` on {r['date']}; machine: {m['cpu']}, {m['cores']} cores,
{m['ram_gib']} GiB RAM, {m['os']}, Python {m['python']}, PostgreSQL {r['postgres']} (embedded).
Outcome of every submission: {', '.join(r['states'])}.

| stage | wall time (s) |
|---|---|
| synth (generate the lake) | {r['synth_s']:.1f} |
| submit every delivery (store in lake + raw gate, whole files read) | {r['submit_s']:.1f} |
| staging COPY (sum over submissions) | {r['stages_s']['staging']:.1f} |
| warehouse models (sum) | {r['stages_s']['warehouse']:.1f} |
| warehouse gate, Great Expectations in PostgreSQL (sum) | {r['stages_s']['gerbang']:.1f} |
| marts: build all into marts_next | {r['mart_s']:.1f} |
| mart gate (Great Expectations + reconciliation, in PostgreSQL) | {r['mart_gate_s']:.1f} |
| refresh command, whole (all of the above from staging, plus publication and swap) | {r['refresh_s']:.1f} |

| figure | value |
|---|---|
| rows written to the warehouse | {r['warehouse_rows']:,} |
| warehouse rows per second (staging + models) | {per_s:,.0f} |
| floor: bare COPY of the CSV bytes ({fl['mib']} MiB, {fl['rows']:,} rows), no index | {fl['copy_s']:.1f} s |
| ingest and warehouse build (submit + staging + models) | {r['ingest_and_build_s']:.1f} s |
| ratio to the floor (target ≤ 3) | {r['ratio_to_floor']} |
| peak RSS of a pipeline process (submit-lake, approve, refresh) | {r['peak_rss_mib']} MiB (target < 1024) |
| peak RSS per command (MiB) | {', '.join(f'{k} {v}' for k, v in r['rss_by_command_mib'].items())} |
| database size after the run | {r['db_size_mib']} MiB |
| lake size | {r['lake_mib']} MiB |
| `figures` vs ground truth (kabupaten + 14 kecamatan) | {fig['mismatches']} mismatches, {fig['checked']} compared |

### Dashboard queries on the published marts (same run)

{bench_queries.report(r["queries"])}

The floor covers the CSV deliveries (the DTKS members, the BST list, the proposals); the .xlsx lists and the
register have no CSV bytes, so the ratio is slightly pessimistic for the pipeline.
"""
    replace_section(path, f"## Lake to warehouse, scale {r['scale']} ", section)


def replace_section(path: Path, marker: str, section: str) -> None:
    """Put ``section`` at the end of the report, replacing the section whose heading starts with ``marker``."""
    header = "# Benchmarks\n\nEvery figure here comes from a real run of `make bench`; each section says which.\n\n"
    old = path.read_text() if path.exists() else header
    parts = old.split("\n## ")
    kept = [parts[0]] + ["## " + s for s in parts[1:] if not ("## " + s).startswith(marker)]
    path.write_text("\n".join(x.rstrip("\n") + "\n" for x in kept).rstrip("\n") + "\n\n" + section)


if __name__ == "__main__":
    sys.exit(main())
