"""Benchmark: how fast every dashboard's charts answer in Superset, and the memory of its workers.

``python -m bansos360.bench_superset --scale 1.0`` loads a synthetic lake of that scale into a fresh database of
the benchmark's embedded PostgreSQL (submit, approve, refresh: the marts published), sets up, starts and syncs
Superset (gunicorn, 2 workers x 4 threads, no result cache: every request reaches PostgreSQL), then opens each
dashboard as a browser does — all its charts' data requested at once, 6 at a time — as a Dinsos analyst (the
whole kabupaten) and as a kecamatan user, several rounds. Reports the time until a dashboard's last chart
answered (p50, p95 over all dashboards and rounds), the slowest charts, and the RSS/PSS of the Superset process
tree (sampled every half second), in docs/benchmarks.md.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import socket
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psycopg2

from bansos360 import config, embedded, superset_runtime, superset_sync
from bansos360.bench import ROOT, _machine, _run, arguments, replace_section
from bansos360.bench_airflow import _children, _kib, _tree

USERS = ROOT / "ops" / "demo" / "pengguna.json"
READERS = (("analis", "demo-analis-360"), ("kec.trenggalek", "demo-kecamatan-360"))
PARALLEL = 6  # a browser's connections per host


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


class Sampler(threading.Thread):
    """RSS and PSS (MiB) of the gunicorn master and its workers, every half second."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.phase, self.samples, self.stop = pid, "idle", [], threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            pids = _tree(_children(), self.pid)
            rss = sum(_kib(p, "status", "VmRSS:") for p in pids) / 1024
            pss = sum(_kib(p, "smaps_rollup", "Pss:") for p in pids) / 1024
            self.samples.append((self.phase, rss, pss, len(pids)))
            self.stop.wait(0.5)

    def summary(self, phase: str) -> dict:
        rows = [s for s in self.samples if s[0] == phase]
        return {"rss_median": round(statistics.median(r[1] for r in rows), 1),
                "rss_peak": round(max(r[1] for r in rows), 1),
                "pss_median": round(statistics.median(r[2] for r in rows), 1),
                "pss_peak": round(max(r[2] for r in rows), 1), "processes": max(r[3] for r in rows)}


def _dashboards(api) -> dict[str, list[tuple[int, str]]]:
    """What a browser loads at once: each dashboard, or each tab of a dashboard with tabs.

    A tab's charts are requested when it is opened. Name -> (chart id, chart name) of its charts.
    """
    out = {}
    for d in api.call("GET", "/api/v1/dashboard/", params={"q": "(page_size:100)"})["result"]:
        names = {c["id"]: c["slice_name"] for c in api.call("GET", f"/api/v1/dashboard/{d['id']}/charts")["result"]}
        position = json.loads(api.call("GET", f"/api/v1/dashboard/{d['id']}")["result"]["position_json"] or "{}")
        views = {f"{d['slug']} › {tab}" if tab else d["slug"]: [(i, names[i]) for i in ids if i in names]
                 for tab, ids in superset_sync.charts_by_tab(position).items()}
        out.update({view: charts for view, charts in views.items() if charts} or {d["slug"]: []})
    return out


def _open(api, charts: list[tuple[int, str]], pool) -> tuple[float, dict[str, float]]:
    """Request every chart's data at once; seconds until the last answered, and each chart's seconds."""
    def one(chart):
        t = time.monotonic()
        try:
            r = api.client.get(f"/api/v1/chart/{chart[0]}/data/")
        except httpx.TransportError:  # a kept-alive connection the server closed meanwhile: a browser retries
            r = api.client.get(f"/api/v1/chart/{chart[0]}/data/")
        if r.status_code != 200:
            raise RuntimeError(f"chart {chart[1]}: {r.status_code} {r.text[:300]}")
        return chart[1], time.monotonic() - t

    started = time.monotonic()
    each = dict(pool.map(one, charts))
    return time.monotonic() - started, each


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write the report; the embedded PostgreSQL it started is stopped at the end."""
    args, work, lake = arguments(__doc__, argv, rounds=10)
    try:
        return _bench(args, work, lake)
    finally:
        embedded.stop(work / "home")


def _bench(args, work: Path, lake: Path) -> int:
    server = embedded.start(work / "home")
    base = server.rsplit("/", 1)[0]
    admin = psycopg2.connect(base + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cur:
        for name in ("bench_superset", "bench_superset_meta"):
            cur.execute(f"drop database if exists {name} with (force)")
            cur.execute(f"create database {name}")
    admin.close()
    url = base + "/bench_superset"
    env = {**os.environ, "BANSOS360_DATABASE_URL": url, "BANSOS360_LAKE": str(work / "superset-lake"),
           "BANSOS360_HOME": str(work / "superset-home")}
    if not (args.reuse_lake and (lake / "manifest.json").exists()):
        _run(["synth", str(lake), "--seed", str(args.seed), "--scale", str(args.scale)], env)
    for step in (["init"], ["submit-lake", str(lake), "--by", "operator.bench"],
                 ["approve", "--all-checked", "--by", "kabid.bench"], ["refresh"]):
        _run(step, env)
    os.environ["SUPERSET_METADATA_URL"] = base.replace("postgresql://", "postgresql+psycopg2://") \
        + "/bench_superset_meta"
    site = f"http://127.0.0.1:{_free_port()}"
    s = dataclasses.replace(config.load(), database_url=url, home=work / "superset-home", superset_url=site,
                            superset_public_url=site)
    results: dict = {"scale": args.scale, "seed": args.seed, "rounds": args.rounds,
                     "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "machine": _machine()}
    superset_runtime.setup(s, USERS)
    t = time.monotonic()
    superset_runtime.start(s)
    results["start_s"] = round(time.monotonic() - t, 1)
    try:
        superset_sync.sync(s, USERS)
        sampler = Sampler(superset_runtime.running(s))
        sampler.start()
        time.sleep(20)
        sampler.phase = "load"
        per_reader = {}
        with ThreadPoolExecutor(PARALLEL) as pool:
            for user in READERS:
                api = superset_sync.Api.login(s.superset_url, *user)
                boards = _dashboards(api)
                for charts in boards.values():  # warm-up: connections, Superset's metadata caches
                    _open(api, charts, pool)
                whole: dict[str, list[float]] = {slug: [] for slug in boards}
                charts_s: dict[str, list[float]] = {}
                for _ in range(args.rounds):
                    for slug, charts in boards.items():
                        seconds, each = _open(api, charts, pool)
                        whole[slug].append(seconds)
                        for name, sec in each.items():
                            charts_s.setdefault(f"{slug}: {name}", []).append(sec)
                per_reader[user[0]] = {"dashboards": whole, "charts": charts_s}
        sampler.phase = "after"
        time.sleep(10)
        sampler.stop.set()
        sampler.join()
        results["memory"] = {phase: sampler.summary(phase) for phase in ("idle", "load", "after")}
    finally:
        superset_runtime.stop(s)
    results["readers"] = {}
    for name, r in per_reader.items():
        every = [x for v in r["dashboards"].values() for x in v]
        results["readers"][name] = {
            "dashboards": {slug: {"p50": _pct(v, 50), "p95": _pct(v, 95)}
                           for slug, v in r["dashboards"].items()},
            "all_p50": _pct(every, 50), "all_p95": _pct(every, 95),
            "slowest_charts": sorted(((k, _pct(v, 50), _pct(v, 95)) for k, v in r["charts"].items()),
                                     key=lambda x: -x[2])[:5],
        }
    write_report(Path(args.out), results)
    print(json.dumps(results, indent=2, default=str))
    return 0


def write_report(path: Path, r: dict) -> None:
    """Add (or replace) the Superset section of docs/benchmarks.md."""
    m = r["machine"]
    lines = [
        f"## Superset: every dashboard's charts, scale {r['scale']} (seed {r['seed']})", "",
        f"Run of `make bench-superset` (`python -m bansos360.bench_superset --scale {r['scale']}`) on {r['date']}, "
        f"{m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB. Superset 6.1 under gunicorn (2 workers x 4 threads), "
        "no result cache (every chart request runs its SQL on PostgreSQL, through row-level security), marts of the "
        "synthetic lake published by the pipeline. A dashboard is opened as a browser does: all its charts' data "
        f"requested at once, {PARALLEL} at a time (a dashboard with tabs: each tab, `slug › tab`, as the browser loads "
        f"a tab's charts when it is opened); {r['rounds']} rounds after one warm-up round. Time = until the "
        f"dashboard's (tab's) last chart answered. Superset start to healthy: {r['start_s']} s.", "",
        "| reader | dashboards | p50 s (all dashboards) | p95 s (all dashboards) | slowest dashboard, p95 s |",
        "|---|---|---|---|---|",
    ]
    for name, x in r["readers"].items():
        worst = max(x["dashboards"].items(), key=lambda kv: kv[1]["p95"])
        lines.append(f"| {name} | {len(x['dashboards'])} | {x['all_p50']:.3f} | {x['all_p95']:.3f} | "
                     f"{worst[0]} {worst[1]['p95']:.3f} |")
    target = max(x["all_p95"] for x in r["readers"].values())
    lines += ["", f"Worst p95 over all dashboards: {target:.3f} s (target: every dashboard's charts within 2 s p95).",
              "", "| dashboard (tab) | analis p50 / p95 s | kec.trenggalek p50 / p95 s |", "|---|---|---|"]
    names = list(r["readers"])
    for slug in sorted(r["readers"][names[0]]["dashboards"]):
        cells = []
        for n in names:
            d = r["readers"][n]["dashboards"].get(slug)
            cells.append(f"{d['p50']:.3f} / {d['p95']:.3f}" if d else "(not visible)")
        lines.append(f"| {slug} | " + " | ".join(cells) + " |")
    lines += ["", "Slowest single charts (p50 / p95 s):", ""]
    for n in names:
        lines.append(f"- {n}: " + "; ".join(f"{k} {a:.3f} / {b:.3f}" for k, a, b in r["readers"][n]["slowest_charts"]))
    mem = r["memory"]
    lines += ["", "Memory of the Superset process tree (gunicorn master and workers), MiB RSS / PSS:", "",
              "| phase | median | peak |", "|---|---|---|"]
    for phase, label in (("idle", "idle, 20 s after sync"), ("load", "while the dashboards were opened"),
                         ("after", "10 s after")):
        x = mem[phase]
        lines.append(f"| {label} | {x['rss_median']} / {x['pss_median']} | {x['rss_peak']} / {x['pss_peak']} |")
    replace_section(path, f"## Superset: every dashboard's charts, scale {r['scale']}", "\n".join(lines) + "\n")


if __name__ == "__main__":
    raise SystemExit(main())
