"""Benchmark: memory of the Airflow processes while a synthetic lake goes through the SOP pages and the DAGs.

``python -m bansos360.bench_airflow --scale 1.0`` starts Airflow (api-server, scheduler, dag-processor, triggerer;
LocalExecutor) on a fresh embedded PostgreSQL, samples every second the RSS and PSS of each process group (the
scheduler's group holds the LocalExecutor workers and the task processes), idles 30 s (steady state), puts the
lake in through the pages (upload as the operator, approval as the product owner, which triggers the refresh DAG)
and waits for the runs, then idles again; checks `figures` against the ground truth; and writes a section of
docs/benchmarks.md. PSS shares the pages forked processes have in common fairly; RSS counts them in every process.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import shutil
import statistics
import sys
import threading
import time
from pathlib import Path

import psycopg2

from bansos360 import airflow_runtime, config, embedded, figures
from bansos360.bench import ROOT, _machine, _run, arguments, replace_section
from bansos360.sop.client import SopClient, submit_lake

USERS = ROOT / "ops" / "demo" / "pengguna.json"


def _kib(pid: int, path: str, field: str) -> int:
    try:
        with open(f"/proc/{pid}/{path}") as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return 0


def _children() -> dict[int, list[int]]:
    """Parent pid -> child pids, for every process."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    return children


def _tree(children: dict[int, list[int]], root: int) -> list[int]:
    """A process and all its descendants (task processes start their own sessions: a group would miss them)."""
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


class Sampler(threading.Thread):
    """Every second: RSS and PSS (MiB) of each Airflow process group and of the PostgreSQL server."""

    def __init__(self, settings, pg_pid: int | None):
        super().__init__(daemon=True)
        self.settings, self.pg_pid = settings, pg_pid
        self.samples: list[tuple[float, str, dict[str, tuple[float, float]]]] = []
        self.phase = "idle"
        self.stop = threading.Event()

    def sample(self) -> dict[str, tuple[float, float]]:
        children = _children()
        leaders = dict(airflow_runtime.running(self.settings))
        if self.pg_pid:
            leaders["postgresql"] = self.pg_pid
        out = {}
        for name, leader in leaders.items():
            pids = _tree(children, leader)
            rss = sum(_kib(p, "status", "VmRSS:") for p in pids) / 1024
            pss = sum(_kib(p, "smaps_rollup", "Pss:") for p in pids) / 1024
            out[name] = (round(rss, 1), round(pss, 1))
        return out

    def run(self) -> None:
        while not self.stop.is_set():
            self.samples.append((time.monotonic(), self.phase, self.sample()))
            self.stop.wait(1.0)


def _summary(samples, phase: str) -> dict[str, dict[str, float]]:
    rows = [s for _, p, s in samples if p == phase]
    names = sorted({n for s in rows for n in s})
    out = {}
    for n in names:
        rss = [s[n][0] for s in rows if n in s]
        pss = [s[n][1] for s in rows if n in s]
        out[n] = {"rss_median": statistics.median(rss), "rss_peak": max(rss), "pss_median": statistics.median(pss),
                  "pss_peak": max(pss)}
    airflow_names = [n for n in names if n != "postgresql"]
    totals_rss = [sum(s[n][0] for n in airflow_names if n in s) for s in rows]
    totals_pss = [sum(s[n][1] for n in airflow_names if n in s) for s in rows]
    out["airflow (4 groups)"] = {"rss_median": statistics.median(totals_rss), "rss_peak": max(totals_rss),
                                 "pss_median": statistics.median(totals_pss), "pss_peak": max(totals_pss)}
    return out


def _wait_quiet(s, timeout: float = 600) -> None:
    """Wait until no DAG run is queued or running."""
    deadline = time.monotonic() + timeout
    with SopClient(s.airflow_url, "kominfo", "demo-kominfo-360") as admin:
        while time.monotonic() < deadline:
            answer = admin.http.get("/api/v2/dags/~/dagRuns", params={"state": ["queued", "running"]})
            if answer.json()["total_entries"] == 0:
                return
            time.sleep(2)


def main(argv: list[str] | None = None) -> int:
    """Run the Airflow benchmark and write its section of the report."""
    args, work, lake_dir = arguments(__doc__, argv, port=18360)
    home = work / "airflow-home"
    base = dataclasses.replace(config.load(), home=home)
    airflow_runtime.stop(base)
    embedded.stop(home)
    if home.exists():
        shutil.rmtree(home)
    if not (args.reuse_lake and (lake_dir / "manifest.json").exists()):
        if lake_dir.exists():
            shutil.rmtree(lake_dir)
        _run(["synth", str(lake_dir), "--seed", str(args.seed), "--scale", str(args.scale)], dict(os.environ))
    url = embedded.start(home)
    s = dataclasses.replace(base, database_url=url, lake=home / "lake", inbox=home / "inbox",
                            backup_dir=home / "backup", inbox_settle_seconds=2.0,
                            airflow_url=f"http://127.0.0.1:{args.port}")
    results: dict = {"scale": args.scale, "seed": args.seed, "machine": _machine(),
                     "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    airflow_runtime.setup(s, USERS)
    results["parallelism"] = airflow_runtime.environment(s)["AIRFLOW__CORE__PARALLELISM"]
    t = time.monotonic()
    airflow_runtime.start(s)
    results["start_s"] = round(time.monotonic() - t, 1)
    pg_pid = int((home / "pgdata" / "postmaster.pid").read_text().split()[0])
    _wait_quiet(s)  # the maintenance DAG runs its latest slot once when it first appears
    sampler = Sampler(s, pg_pid)
    sampler.start()
    try:
        time.sleep(30)
        sampler.phase = "run"
        t = time.monotonic()
        submit_lake(s.airflow_url, lake_dir, json.loads(USERS.read_text()))
        results["flow_s"] = round(time.monotonic() - t, 1)
        sampler.phase = "after"
        time.sleep(20)
        with SopClient(s.airflow_url, "kominfo", "demo-kominfo-360") as admin:
            runs = admin.refresh_runs()
        results["runs"] = [{"id": r["dag_run_id"], "state": r["state"], "seconds": round(
            (dt.datetime.fromisoformat(r["end_date"]) - dt.datetime.fromisoformat(r["start_date"])).total_seconds(),
            1) if r.get("end_date") and r.get("start_date") else None} for r in runs]
    finally:
        sampler.stop.set()
        sampler.join()
        airflow_runtime.stop(s)
    with psycopg2.connect(url) as conn:
        actual = figures.figures(conn)
    embedded.stop(home)
    truth = json.loads((lake_dir / "ground_truth.json").read_text())
    results["figure_mismatches"] = len(figures.compare(truth, actual))
    results["memory"] = {ph: _summary(sampler.samples, ph) for ph in ("idle", "run", "after")}
    write_report(Path(args.out), results)
    print(json.dumps(results, indent=2, default=str))
    return 0


def write_report(path: Path, r: dict) -> None:
    """Replace this benchmark's section of the report (same scale) and keep the others."""
    m = r["memory"]
    rows = "\n".join(
        f"| {n} | {m['idle'][n]['rss_median']:.0f} / {m['idle'][n]['pss_median']:.0f} | "
        f"{m['run'][n]['rss_peak']:.0f} / {m['run'][n]['pss_peak']:.0f} | "
        f"{m['after'][n]['rss_median']:.0f} / {m['after'][n]['pss_median']:.0f} |"
        for n in m["run"])
    runs = ", ".join(f"{x['id'].split('__')[1] if '__' in x['id'] else x['id']}: {x['state']} {x['seconds']} s"
                     for x in sorted(r["runs"], key=lambda x: x["id"]))
    mach = r["machine"]
    section = f"""## Airflow: memory during a refresh, scale {r['scale']} (seed {r['seed']})

Run of `make bench-airflow` (`python -m bansos360.bench_airflow --scale {r['scale']}`) on {r['date']}, \
{mach.get('cpu', '')}, {mach.get('cores', '')} cores, {mach.get('ram_gib', '')} GiB. Airflow 3 with the
LocalExecutor (parallelism {r['parallelism']}) and one API server worker on the embedded PostgreSQL; the lake
uploaded on the SOP pages, checked by the intake DAG, approved (each approval triggers the refresh DAG), processed.
Whole flow (upload to last run finished):
**{r['flow_s']} s**; Airflow start to healthy: {r['start_s']} s. Refresh runs (submission: state, duration):
{runs}. `figures` against the ground truth after the runs: {r['figure_mismatches']} mismatches.

Memory in MiB, RSS / PSS, sampled every second. *Steady* is the median over 30 s idle before the upload,
*peak* the highest sample while the lake went through, *after* the median over 20 s idle after it. Each line is a
process and all its descendants: the scheduler's holds the LocalExecutor workers and the task processes (each
task imports the package, and Great Expectations in the gate tasks); PostgreSQL's holds its backends (their PSS
shares `shared_buffers`). The "airflow" line sums the four Airflow processes, sample by sample.

| process group | steady | peak during the flow | after |
|---|---|---|---|
{rows}

The T40 has 8 GB for PostgreSQL, Airflow and Superset together: the Airflow line above is what this part needs.
"""
    replace_section(path, f"## Airflow: memory during a refresh, scale {r['scale']} ", section)


if __name__ == "__main__":
    sys.exit(main())
