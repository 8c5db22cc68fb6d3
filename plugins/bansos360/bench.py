"""``make bench``: the lake-to-warehouse benchmark at a given scale, written to docs/benchmarks.md.

Runs, on a fresh database of the embedded server under ``.bansos360-bench``: synth -> submit every delivery
-> approve -> refresh, each command as its own process (so its peak RSS is measured), then a bare COPY of
the same CSV bytes into unindexed text tables (the floor the ingest is compared with) and the typed floor: that
COPY plus one `create table as` giving the columns their types by the cheapest cast that cannot fail.
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
import threading
import time
from pathlib import Path

import psycopg2

from bansos360 import bench_queries, embedded, readers, sources, staging

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).with_name("bansos360")


PEAK_RSS_MIB: dict[str, float] = {}
# A wrapper process with one child: its RUSAGE_CHILDREN peak is that command's own peak RSS.
_WRAP = ("import resource, subprocess, sys; code = subprocess.call(sys.argv[2:]); "
         "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)); "
         "sys.exit(code)")


def _run(args: list[str], env: dict, output: bool = False, name: str | None = None) -> tuple[float, str]:
    """Run one bansos360 command as its own process; keep its peak RSS under its name (or ``name``)."""
    started = time.monotonic()
    with tempfile.NamedTemporaryFile("r") as rss_file:
        done = subprocess.run([sys.executable, "-c", _WRAP, rss_file.name, str(BIN), *args], env=env,
                              capture_output=True, text=True)
        rss_kib = int(rss_file.read() or 0)
    name = name or args[0]
    PEAK_RSS_MIB[name] = max(PEAK_RSS_MIB.get(name, 0.0), round(rss_kib / 1024, 1))
    if done.returncode not in (0, 1) or (output and not done.stdout.strip()):
        raise RuntimeError(f"bansos360 {' '.join(args)} failed ({done.returncode}): {done.stderr[-3000:]}")
    return time.monotonic() - started, done.stdout


class ServerMemory(threading.Thread):
    """The peak memory of a PostgreSQL server while it runs.

    Every 0.2 s, the sum of the proportional set size (PSS: shared buffers counted once, not once per process) of
    its postmaster and every process under it.
    """

    def __init__(self, pgdata: Path):
        super().__init__(daemon=True)
        self.postmaster = int((pgdata / "postmaster.pid").read_text().split()[0])
        self.peak_kib = 0
        self._done = threading.Event()

    def _pss_kib(self) -> int:
        total, todo = 0, [self.postmaster]
        while todo:
            pid = todo.pop()
            try:
                rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
                children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            except OSError:
                continue  # a backend that ended meanwhile
            total += next((int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:")), 0)
            todo += [int(c) for c in children]
        return total

    def run(self) -> None:
        while not self._done.is_set():
            self.peak_kib = max(self.peak_kib, self._pss_kib())
            self._done.wait(0.2)

    def stop(self) -> float:
        """Stop sampling; the peak in MiB."""
        self._done.set()
        self.join()
        return round(self.peak_kib / 1024, 1)


def _machine() -> dict:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = int(next(x for x in Path("/proc/meminfo").read_text().splitlines() if x.startswith("MemTotal")).split()[1])
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gib": round(mem_kb / 1024 / 1024, 1),
            "os": platform.platform(), "python": platform.python_version()}


def _csv_parts(lake: Path) -> list[tuple[str, str, readers.Part]]:
    """The CSV parts of a lake: (source kind, slot, part), zip members included.

    The slot is the delivery's period or label, as its submission's.
    """
    parts = []
    for entry in json.loads((lake / "manifest.json").read_text()):
        path = lake / entry["file"]
        fmt = readers.sniff_format(path)
        slot = entry.get("periode") or entry.get("label")
        if fmt == "zip":
            parts += [(entry["source"], slot, readers.Part(path, m, "csv")) for m in readers.zip_members(path)]
        elif fmt == "csv":
            parts.append((entry["source"], slot, readers.Part(path, None, "csv")))
    return parts


def _entity(source: str, part: readers.Part) -> sources.Entity:
    """The entity of the input contract a CSV part of a source kind holds (a zip member by its tag)."""
    kind = sources.fixed_kinds().get(source)
    if kind is None:
        return sources.KPM_LIST  # a programme's list
    stem = Path(part.member or "").stem.upper()
    tagged = [e for e in kind.entities if e.member_tag and stem.endswith("_" + e.member_tag)]
    return tagged[0] if tagged else kind.entities[0]


# The typed floor: one `create table as` that gives each column of a part the type the warehouse gives it, by
# the cheapest cast that cannot fail on a bad value (a digit pattern before the cast), and no cleaning at all.
# Codes, numbers and text stay text but for these two typings (docs/benchmarks.md writes the SQL out).
TYPED_FLOOR = {
    "number": "case when {c} ~ '^[0-9]{{1,9}}$' then {c}::int end",
    "date": "case when {c} ~ '^[0-9]{{4}}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$' then {c}::date end",
}


def typed_floor_sql(entity: sources.Entity, header: list[str], table: str) -> str:
    """The typed floor's `create table as` for one part whose bare COPY is in ``table`` (columns c0, c1 …)."""
    by_key = {k: c for c in entity.columns for k in c.keys}
    cols = []
    for i, name in enumerate(header):
        column = by_key.get(sources.header_key(name))
        template = TYPED_FLOOR.get(column.typing if column else "", "{c}")
        cols.append(f"{template.format(c=f'c{i}')} as c{i}")
    return f"create unlogged table {table}_typed as select {', '.join(cols)} from {table}"  # noqa: S608 - c0 … and fixed templates


def floors(url: str, lake: Path) -> dict[str, dict]:
    """Per source kind with CSV bytes: the seconds of their bare COPY and of the typed floor's `create table as`.

    The bare COPY goes into unindexed text tables; the counts of rows and bytes come with the seconds.
    """
    out: dict[str, dict] = {}
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        for n, (source, slot, part) in enumerate(_csv_parts(lake)):
            enc = readers.detect_encoding(part)
            delim = readers.detect_delimiter(part, enc)
            with readers.open_text(part, enc) as f:
                header = next(csv.reader(f, delimiter=delim))
            with readers.open_binary(part) as raw:
                data = raw.read()
            table = f"bench_floor_{n}"
            cols = ", ".join(f"c{i} text" for i in range(len(header)))
            cur.execute(f"create unlogged table if not exists {table} ({cols})")
            started = time.monotonic()
            cur.copy_expert(
                f"copy {table} from stdin with (format csv, header true, delimiter '{delim}', "
                f"encoding '{staging.ENCODINGS[enc]}')",
                io.BytesIO(data.rstrip(b"\r\n") + (b"\r\n" if b"\r\n" in data else b"\n")))
            copied = time.monotonic()
            rows = cur.rowcount
            cur.execute(typed_floor_sql(_entity(source, part), header, table))
            done = time.monotonic()
            kind = out.setdefault(source, {"copy_s": 0.0, "typed_s": 0.0, "rows": 0, "bytes": 0, "slots": set()})
            kind["slots"].add(slot)
            kind["copy_s"] += copied - started
            kind["typed_s"] += done - copied
            kind["rows"] += rows
            kind["bytes"] += len(data)
            cur.execute(f"drop table {table}_typed")
            cur.execute(f"drop table {table}")
        conn.commit()
    return out


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


def _by_kind(per_kind: dict[str, dict], outcomes: list[dict]) -> dict[str, dict]:
    """Per source kind with CSV bytes: its CSV submissions' staging and warehouse models against their typed floor.

    Only the submissions whose file is CSV (or a zip of CSV) count, the same bytes as the floor's (an .xlsx
    delivery of the kind has no CSV bytes to compare with). The submit step (the raw gate reads whole files) runs
    for the whole lake at once and is not split by kind.
    """
    spent: dict[str, float] = {}
    for o in outcomes:
        kind, slot = o["slot"]
        if slot not in per_kind.get(kind, {}).get("slots", ()):
            continue
        seconds = o["seconds"].get("staging", 0.0) + o["seconds"].get("warehouse", 0.0)
        spent[kind] = spent.get(kind, 0.0) + seconds
    out = {}
    for kind, f in sorted(per_kind.items()):
        floor = f["copy_s"] + f["typed_s"]
        out[kind] = {"rows": f["rows"], "copy_s": round(f["copy_s"], 2), "typed_floor_s": round(floor, 2),
                     "staging_and_models_s": round(spent.get(kind, 0.0), 2),
                     "ratio": round(spent.get(kind, 0.0) / floor, 2) if floor else None}
    return out


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
    """Run the benchmark and write the report; the embedded PostgreSQL it started is stopped at the end."""
    args, work, lake_dir = arguments(__doc__, argv)
    try:
        return _bench(args, work, lake_dir)
    finally:
        embedded.stop(work / "home")


def _bench(args: argparse.Namespace, work: Path, lake_dir: Path) -> int:
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
    # the latest DTSEN update is held back: approved on its own after the rest is published, it measures one
    # update from the approval to the dashboards (the SOP's path; the DAG runs the same steps)
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("select submission_id, coalesce(source = 'dtsen' and slot = (select max(slot) "
                    "from audit.submission where source = 'dtsen'), false) as latest_dtsen "
                    "from audit.submission where state = 'diperiksa' order by 2, 1")
        waiting = cur.fetchall()
    held = waiting[-1][0] if waiting and waiting[-1][1] else None
    first = [str(i) for i, _ in waiting if i != held]
    results["approve_s"], _ = _run(["approve", *first, "--by", "kabid.bench"], env)
    results["refresh_s"], out = _run(["refresh"], env, output=True)
    outcomes = json.loads(out)
    if held is not None:
        server_memory = ServerMemory(home / "pgdata")
        server_memory.start()
        approve_s, _ = _run(["approve", str(held), "--by", "kabid.bench"], env)
        refresh_s, out = _run(["refresh"], env, output=True, name="refresh (one DTSEN update)")
        update = json.loads(out)
        results["update"] = {"submission_id": held, "approve_s": round(approve_s, 2), "refresh_s": round(refresh_s, 2),
                             "approval_to_dashboards_s": round(approve_s + refresh_s, 2),
                             "rows": sum(sum(o["rows"].values()) for o in update),
                             "seconds": update[0]["seconds"] if update else {},
                             "states": sorted({o["state"] for o in update}),
                             "refresh_rss_mib": PEAK_RSS_MIB["refresh (one DTSEN update)"],
                             "postgres_pss_mib": server_memory.stop()}
        outcomes += update
    results["peak_rss_mib"] = max(PEAK_RSS_MIB.get(c, 0.0) for c in ("submit-lake", "approve", "refresh",
                                                                     "refresh (one DTSEN update)"))
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
    per_kind = floors(url, lake_dir)
    floor_s = sum(k["copy_s"] for k in per_kind.values())
    typed_s = floor_s + sum(k["typed_s"] for k in per_kind.values())
    results["floor"] = {"copy_s": round(floor_s, 2), "typed_s": round(typed_s, 2),
                        "rows": sum(k["rows"] for k in per_kind.values()),
                        "mib": round(sum(k["bytes"] for k in per_kind.values()) / 1024 / 1024, 1)}
    ingest = results["submit_s"] + stages["staging"] + stages["warehouse"]
    results["ingest_and_build_s"] = round(ingest, 2)
    results["ratio_to_floor"] = round(ingest / floor_s, 2) if floor_s else None
    results["ratio_to_typed_floor"] = round(ingest / typed_s, 2) if typed_s else None
    results["typed_floor_by_kind"] = _by_kind(per_kind, outcomes)
    write_report(Path(args.out), results)
    print(json.dumps(results, indent=2, default=str))
    return 0


def write_report(path: Path, r: dict) -> None:
    """Add (or replace) this scale's section of docs/benchmarks.md."""
    m = r["machine"]
    per_s = r["warehouse_rows"] / max(r["stages_s"]["staging"] + r["stages_s"]["warehouse"], 1e-9)
    fl = r["floor"]
    fig = r["figures"]
    kinds = "\n".join(f"| {k} | {v['rows']:,} | {v['copy_s']:.1f} | {v['typed_floor_s']:.1f} | "
                      f"{v['staging_and_models_s']:.1f} | {v['ratio']} |" for k, v in r["typed_floor_by_kind"].items())
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
| typed floor: the bare COPY plus one `create table as` typing the numbers and dates (below) | {fl['typed_s']:.1f} s |
| ratio to the typed floor | {r['ratio_to_typed_floor']} |
| peak RSS of a pipeline process (submit-lake, approve, refresh) | {r['peak_rss_mib']} MiB (target < 1024) |
| peak RSS per command (MiB) | {', '.join(f'{k} {v}' for k, v in r['rss_by_command_mib'].items())} |
| database size after the run | {r['db_size_mib']} MiB |
| lake size | {r['lake_mib']} MiB |
| `figures` vs ground truth (kabupaten + 14 kecamatan) | {fig['mismatches']} mismatches, {fig['checked']} compared |

{_update_report(r.get("update"))}
### Dashboard queries on the published marts (same run)

{bench_queries.report(r["queries"])}

The floor covers the CSV deliveries (the DTKS members, the KPE list, the proposals, the DTSEN updates in CSV
or a zip of CSV); the .xlsx lists and the register have no CSV bytes, so the ratio is slightly pessimistic for the
pipeline.

Per source kind with CSV bytes, staging and warehouse models (the refresh's steps for its submissions) against
the typed floor of its own bytes:

| source kind | rows | bare COPY (s) | typed floor (s) | staging + models (s) | ratio to the typed floor |
|---|---|---|---|---|---|
{kinds}

The typed floor's `create table as` casts a column the input contract types as a number with
`{TYPED_FLOOR['number'].format(c='c')}`, one typed as a date with
`{TYPED_FLOOR['date'].format(c='c')}`, and leaves every other column text, as
staged (codes, NIKs and names are text in the warehouse too).
"""
    replace_section(path, f"## Lake to warehouse, scale {r['scale']} ", section)


def _update_report(u: dict | None) -> str:
    """The held-back DTSEN update's lines of the report: approval to dashboards, its steps, memory."""
    if not u:
        return ""
    sec = u["seconds"]
    steps = ", ".join(f"{k} {sec[k]:.1f} s" for k in ("staging", "warehouse", "gerbang", "mart", "gerbang_mart")
                      if k in sec)
    return f"""### One DTSEN update, from the approval to the dashboards (same run)

The latest update (submission {u['submission_id']}, {u['rows']:,} warehouse rows) was held back, and approved
on its own once everything else was published: `approve` then `refresh`, the steps the refresh DAG runs.
Outcome: {', '.join(u['states'])}.

| figure | value |
|---|---|
| approval to dashboards (approve + refresh) | {u['approval_to_dashboards_s']:.1f} s |
| its steps | {steps} |
| peak RSS of that refresh (pipeline process) | {u['refresh_rss_mib']} MiB |
| peak memory of PostgreSQL meanwhile (PSS of the postmaster and all its processes) | {u['postgres_pss_mib']} MiB |
"""


def replace_section(path: Path, marker: str, section: str) -> None:
    """Put ``section`` at the end of the report, replacing the section whose heading starts with ``marker``."""
    header = "# Benchmarks\n\nEvery figure here comes from a real run of `make bench`; each section says which.\n\n"
    old = path.read_text() if path.exists() else header
    parts = old.split("\n## ")
    kept = [parts[0]] + ["## " + s for s in parts[1:] if not ("## " + s).startswith(marker)]
    path.write_text("\n".join(x.rstrip("\n") + "\n" for x in kept).rstrip("\n") + "\n\n" + section)


if __name__ == "__main__":
    sys.exit(main())
