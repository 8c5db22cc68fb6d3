"""The ``bansos360`` command line; its output contract is relied on by the DAGs, the pages and the tests."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import shlex
import sys
from pathlib import Path

import psycopg2

from bansos360 import audit, config, db, embedded, intake, notify, pipeline, upgrade_pause
from bansos360.audit import State


def _print(obj) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2, default=str))


def cmd_synth(args) -> int:
    from bansos360.synth import generate

    summary = generate(Path(args.out), seed=args.seed, scale=args.scale)
    _print(summary)
    return 0


def cmd_init(args) -> int:
    settings = config.load()
    pipeline.init(settings)
    _print({"database": "siap/ready", "lake": str(settings.lake)})
    return 0


def cmd_submit(args) -> int:
    settings = config.load()
    pipeline.init(settings)
    upgrade_pause.refuse_if_paused(settings)
    paths = [Path(p) for p in args.path]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        print(f"berkas tidak ada / file not found: {', '.join(missing)}", file=sys.stderr)
        return 2
    with db.connect(settings) as conn:
        result = intake.submit(conn, settings, paths, args.source, args.by, args.periode, args.label, args.as_of)
    notify.flush(settings)
    _print(result)
    return 0 if result["state"] == State.DIPERIKSA else 1


def cmd_submit_lake(args) -> int:
    out = Path(args.dir)
    entries = json.loads((out / "manifest.json").read_text())  # a folder without one: no database is touched
    settings = config.load()
    pipeline.init(settings)
    upgrade_pause.refuse_if_paused(settings)
    results = []
    with db.connect(settings) as conn:
        for e in entries:
            r = intake.submit(conn, settings, [out / e["file"]], e["source"], args.by, e.get("periode"),
                              e.get("label"), e.get("as_of"))
            results.append({"file": e["file"], **r})
            print(f"#{r['submission_id']} {e['file']}: {r['state']}", file=sys.stderr)
    notify.flush(settings)
    if args.json:
        _print(results)
    return 0 if all(r["state"] == State.DIPERIKSA for r in results) else 1


def cmd_approve(args) -> int:
    settings = config.load()
    pipeline.init(settings)
    upgrade_pause.refuse_if_paused(settings)
    with db.connect(settings) as conn:
        results = intake.approve(conn, args.id, args.by, all_checked=args.all_checked)
    notify.flush(settings)
    _print(results)
    return 1 if any("error" in r for r in results) else 0


def cmd_refresh(args) -> int:
    settings = config.load()
    outcomes = pipeline.refresh(settings, rebuild=args.rebuild)
    notify.flush(settings)
    _print([o.__dict__ for o in outcomes])
    return 1 if any(o.state != State.TERBIT for o in outcomes) else 0


def cmd_status(args) -> int:
    settings = config.load()
    pipeline.init(settings)
    with db.connect(settings) as conn, conn.cursor() as cur:
        subs = audit.status(cur, args.id)
    if args.id and not subs:
        raise audit.StateError(f"pengajuan {args.id} tidak ada / there is no submission {args.id}")
    if args.json:
        _print(subs[0] if args.id and subs else subs)
        return 0
    for s in subs:
        what = s["periode"] or s["label"] or ""
        held = " (ditahan/held)" if s["is_held"] else ""
        print(f"#{s['submission_id']:<4} {s['source']:<12} {what:<28} {s['state']}{held}  "
              f"oleh/by {s['submitted_by']}  {', '.join(b['nama'] for b in s['berkas'])}")
        if args.id:
            for h in s["riwayat"]:
                print(f"      {h['pada']}  {h['dari'] or '-'} -> {h['ke']}  ({h['oleh']})")
            for part in s["profile"].get("bagian", []):
                print(f"      {part.get('name')}: {part.get('rows')} baris/rows")
            for t in s["temuan"]:
                f = audit.Finding(t["tingkat"], t["kode"], t["pesan"], t["message"], t["berkas"], t["baris"],
                                  t["kolom"])
                print(f"      {f.text()}")
    return 0


def cmd_lineage(args) -> int:
    from bansos360 import lineage

    try:
        node = lineage.lineage(config.load().sql_dir, args.name)
    except KeyError as exc:
        print(exc.args[0], file=sys.stderr)
        return 1
    if args.json:
        _print(node.to_dict())
    else:
        print("\n".join(node.lines()))
    return 0


def cmd_figures(args) -> int:
    from bansos360 import figures, marts

    settings = config.load()
    with db.connect(settings) as conn:
        if not marts.published(conn):
            print("mart belum terbit; jalankan bansos360 refresh / no marts published yet; run bansos360 refresh",
                  file=sys.stderr)
            return 1
        if args.kecamatan:
            with conn.cursor() as cur:
                cur.execute("select 1 from warehouse.nama_wilayah where tingkat = 'kecamatan' and kode_wilayah = %s",
                            (args.kecamatan,))
                if cur.fetchone() is None:
                    print(f"kecamatan {args.kecamatan} tidak ada di referensi wilayah / there is no kecamatan "
                          f"{args.kecamatan} in the region reference (e.g. 35.03.05)", file=sys.stderr)
                    return 2
        _print(figures.figures(conn, args.kecamatan))
    return 0


def cmd_program(args) -> int:
    from bansos360 import registry

    settings = config.load()
    pipeline.init(settings)
    with db.connect(settings) as conn, conn.cursor() as cur:
        if args.action == "add":
            if not (args.kode and args.sumber and args.nama and args.pemilik and args.by):
                print("program add: --kode, --sumber, --nama, --pemilik dan --by wajib / are required", file=sys.stderr)
                return 2
            try:
                row = registry.program_add(cur, args.kode, args.sumber, args.nama, args.pemilik, args.by)
            except registry.RegistryError as exc:
                print(str(exc), file=sys.stderr)
                return 1
            conn.commit()
            _print({"terdaftar/registered": row})
        elif args.action == "set":
            if not (args.kode and args.desil_maks and args.by):
                print("program set: --kode, --desil-maks dan --by wajib / are required", file=sys.stderr)
                return 2
            try:
                row = registry.program_set(cur, args.kode, args.desil_maks, args.by)
            except registry.RegistryError as exc:
                print(str(exc), file=sys.stderr)
                return 1
            conn.commit()
            _print({"diubah/changed": row})
        else:
            _print(registry.program_list(cur))
    return 0


def cmd_pause(args) -> int:
    settings = config.load()
    if args.action == "begin":
        try:
            _print({"jeda/paused": upgrade_pause.begin(settings, args.rilis or "")})
        except upgrade_pause.Busy as exc:
            print(str(exc), file=sys.stderr)
            return 3
    elif args.action == "end":
        _print({"dilanjutkan/resumed": upgrade_pause.end(settings)})
    else:
        release = config.REPO_ROOT / "RELEASE"  # a release tarball's version (none in a clone)
        busy = upgrade_pause.busy(settings)
        _print({"jeda/paused": upgrade_pause.paused(settings), "sibuk/busy": busy,
                "pesan/message": upgrade_pause.must_wait(busy) if busy else None,
                "rilis/release": release.read_text().strip() if release.exists() else None})
    return 0


def cmd_db(args) -> int:
    settings = config.load()
    if args.action == "start":
        print(db.database_url(settings))
    elif args.action == "harden":
        from bansos360 import db_access

        with db.connect(settings) as conn:
            revoked = db_access.harden(conn)
        _print({"dicabut/revoked": len(revoked)})
    elif args.action == "stop":
        print("berhenti/stopped" if embedded.stop(settings.home) else "tidak berjalan/not running")
    else:
        print(db.database_url(settings))
    return 0


def cmd_airflow(args) -> int:
    from bansos360 import airflow_runtime

    settings = config.load()
    if args.action == "setup":
        _print(airflow_runtime.setup(settings, Path(args.users) if args.users else None))
    elif args.action == "start":
        _print(airflow_runtime.start(settings))
    elif args.action == "stop":
        _print({"berhenti/stopped": airflow_runtime.stop(settings)})
    elif args.action == "lake":
        from bansos360.sop.client import submit_lake

        if not (args.dir and args.users):
            print("airflow lake DIR --users FILE", file=sys.stderr)
            return 2
        results = submit_lake(settings.airflow_url, Path(args.dir), json.loads(Path(args.users).read_text()))
        ids = [r["submission_id"] for r in results]
        with db.connect(settings) as conn, conn.cursor() as cur:
            # a file already delivered before (make demo run twice) is refused as identical: not a failure
            cur.execute("select s.state, count(*) from audit.submission s where submission_id = any(%s) and not "
                        "(state = %s and exists (select 1 from audit.finding f where f.submission_id = "
                        "s.submission_id and f.code = 'berkas_sama')) group by 1 order by 1", (ids, State.DITOLAK))
            states = dict(cur.fetchall())
        _print({"diunggah/uploaded": len(results), "status": states})
        return 0 if set(states) <= {State.TERBIT} else 1
    elif args.action == "run":
        airflow_runtime.run(settings, args.dir or "")
    elif args.action == "clean":
        _print(airflow_runtime.clean(settings, args.hari))
    elif args.action == "env":
        env = airflow_runtime.environment(settings)
        for k in sorted(env):
            if k.startswith(("AIRFLOW", "BANSOS360")) and not any(w in k for w in ("SECRET", "FERNET", "PASSWORD")):
                print(f"export {k}={shlex.quote(env[k])}")
    else:
        _print({"proses": airflow_runtime.running(settings), "kesehatan": airflow_runtime.health(settings)})
    return 0


def cmd_superset(args) -> int:
    from bansos360 import superset_runtime, superset_sync

    settings = config.load()
    users = Path(args.users) if args.users else None
    if args.action == "sync":
        _print(superset_sync.sync(settings, users))
    elif args.action == "desa":
        from bansos360 import village_page

        village_page.serve(settings, users or village_page.DEMO_USERS, args.desa)
    elif args.action == "export":
        _print({"ditulis/written": superset_sync.export(settings, users)})
    elif args.action == "akses":
        from bansos360 import access_report

        added = access_report.collect(settings)
        since = dt.date.fromisoformat(args.sejak) if args.sejak else None
        _print({"baru/new": added, "akses_data_pribadi": access_report.report(settings, since)})
    elif args.action == "setup":
        _print(superset_runtime.setup(settings, users))
    elif args.action == "start":
        _print(superset_runtime.start(settings))
    elif args.action == "serve":
        superset_runtime.serve(settings)
    elif args.action == "stop":
        _print({"berhenti/stopped": superset_runtime.stop(settings)})
    else:
        _print({"pid": superset_runtime.running(settings), "sehat/healthy": superset_runtime.healthy(settings)})
    return 0


def _source_kinds() -> str:
    """The source kinds a delivery can be submitted under, from the registry (no database needed)."""
    from bansos360 import sources

    fixed = ", ".join(sources.fixed_kinds())
    programs = ", ".join(p.sumber for p in sources.shipped_programs())
    return (f"jenis kiriman / source kind: {fixed}; daftar KPM program / a programme's beneficiary list: {programs} "
            "(dan program yang didaftarkan kemudian / and any programme registered later: bansos360 program list)")


def _command(sub, name: str, summary: str, *examples: str) -> argparse.ArgumentParser:
    """A sub-command with its one-line help, and examples at the end of its --help."""
    return sub.add_parser(name, help=summary, description=summary, formatter_class=argparse.RawDescriptionHelpFormatter,
                          epilog="contoh / example:\n" + "\n".join(f"  {e}" for e in examples))


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every sub-command."""
    p = argparse.ArgumentParser(prog="bansos360", description="BANSOS 360 — gudang data bantuan sosial / the "
                                "social-assistance warehouse", formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="contoh / example:\n  bansos360 status\n  bansos360 submit --help")
    p.add_argument("-v", "--verbose", action="store_true", help="tampilkan log setiap langkah / log every step")
    sub = p.add_subparsers(dest="command", required=True, metavar="PERINTAH/COMMAND")

    s = _command(sub, "synth", "tulis danau data sintetis / write a synthetic lake",
                 "bansos360 synth demo/danau --scale 0.1")
    s.add_argument("out", help="folder tujuan / the folder to write (made if missing)")
    s.add_argument("--seed", type=int, default=360, help="benih acak / random seed (default 360)")
    s.add_argument("--scale", type=float, default=1.0, help="ukuran terhadap Trenggalek / size against the "
                   "kabupaten, 1.0 = about 700,000 persons (default 1.0)")
    s.set_defaults(func=cmd_synth)

    s = _command(sub, "init", "siapkan basis data dan danau / prepare the database and the lake", "bansos360 init")
    s.set_defaults(func=cmd_init)

    s = _command(sub, "submit", "serahkan berkas kiriman / submit a delivery (its raw gate runs at once)",
                 "bansos360 submit DTKS_ART.csv DTKS_RT.csv --source dtks --periode 2020-10 --by operator",
                 "bansos360 submit pkh_2024.xlsx --source pkh --label 2024-tahap1 --as-of 2024-03-31 --by operator")
    s.add_argument("path", nargs="+", help="berkas kiriman (CSV, teks, XLSX, ZIP) / the delivery's files")
    s.add_argument("--source", required=True, metavar="JENIS/KIND", help=_source_kinds())
    s.add_argument("--by", required=True, help="siapa yang menyerahkan / who submits (kept in the audit trail)")
    s.add_argument("--periode", help="periode penetapan (dtks, dtsen, usulan), mis. 2024-04 / the period, "
                   "e.g. 2024-04")
    s.add_argument("--label", help="nama kiriman daftar program, mis. 2024-tahap1 / a programme list's label")
    s.add_argument("--as-of", dest="as_of", help="tanggal keadaan data (YYYY-MM-DD) / the date the list holds for")
    s.set_defaults(func=cmd_submit)

    s = _command(sub, "submit-lake", "serahkan semua kiriman manifest danau sintetis / submit every delivery of "
                 "a synthetic lake's manifest", "bansos360 submit-lake demo/danau --by operator")
    s.add_argument("dir", help="folder danau sintetis (berisi manifest.json) / the synthetic lake's folder")
    s.add_argument("--by", required=True, help="siapa yang menyerahkan / who submits")
    s.add_argument("--json", action="store_true", help="hasil sebagai JSON / the results as JSON")
    s.set_defaults(func=cmd_submit_lake)

    s = _command(sub, "approve", "setujui pengajuan (SOP) / approve submissions (the SOP's approval)",
                 "bansos360 approve 12 13 --by kabid", "bansos360 approve --all-checked --by kabid")
    s.add_argument("id", nargs="*", type=int, help="nomor pengajuan / submission numbers (bansos360 status)")
    s.add_argument("--by", required=True, help="pemilik produk yang menyetujui / the approving product owner")
    s.add_argument("--all-checked", action="store_true", help="semua yang lolos pemeriksaan, kecuali yang ditahan "
                   "/ every checked submission that is not held")
    s.set_defaults(func=cmd_approve)

    s = _command(sub, "refresh", "proses pengajuan yang disetujui / process approved submissions",
                 "bansos360 refresh")
    s.add_argument("--rebuild", action="store_true", help="proses ulang juga yang sudah terbit / rebuild the "
                   "published ones too")
    s.set_defaults(func=cmd_refresh)

    s = _command(sub, "status", "status pengajuan / submission status", "bansos360 status", "bansos360 status 12")
    s.add_argument("id", nargs="?", type=int, help="satu pengajuan, dengan riwayat dan temuannya / one "
                   "submission, with its history and findings")
    s.add_argument("--json", action="store_true", help="sebagai JSON / as JSON")
    s.set_defaults(func=cmd_status)

    s = _command(sub, "figures", "angka dasbor dari mart / the dashboards' figures from the marts",
                 "bansos360 figures", "bansos360 figures --kecamatan 35.03.05")
    s.add_argument("--kecamatan", help="kode Kemendagri, mis. 35.03.05: seperti pengguna kecamatan itu melihatnya "
                   "/ as that kecamatan's users see them")
    s.set_defaults(func=cmd_figures)

    s = _command(sub, "lineage", "asal sebuah grafik atau mart sampai berkas kiriman / where a chart or mart comes "
                 "from, back to the delivered files", "bansos360 lineage mart_kpm_desil")
    s.add_argument("name", help="nama atau UUID grafik, nama dataset, mart atau model gudang / a chart's name or UUID, "
                   "a dataset, a mart or a warehouse model")
    s.add_argument("--json", action="store_true", help="sebagai JSON / as JSON")
    s.set_defaults(func=cmd_lineage)

    s = _command(sub, "airflow", "Airflow di mesin ini / Airflow on this machine", "bansos360 airflow start",
                 "bansos360 airflow lake demo/danau --users ops/demo/pengguna.json",
                 "bansos360 airflow clean --hari 30")
    s.add_argument("action", choices=["setup", "start", "stop", "status", "env", "lake", "run", "clean"],
                   help="setup: basis data dan pengguna / database and users; start, stop, status; env: variabel "
                   "lingkungan / its environment; lake: unggah danau lewat halaman SOP / upload a lake through the SOP "
                   "pages; run: satu proses di depan / one process in the foreground; clean: pangkas riwayat / prune "
                   "history")
    s.add_argument("dir", nargs="?", help="with lake: a synthetic lake to put in through the SOP pages; with run: "
                   "the process to run in the foreground (api-server, scheduler, dag-processor, triggerer)")
    s.add_argument("--users", help="berkas pengguna (JSON) / users file (JSON), with setup and lake")
    s.add_argument("--hari", type=int, default=30, help="with clean: riwayat dan log yang disimpan (hari) / days "
                   "of run history and task logs kept (default 30)")
    s.set_defaults(func=cmd_airflow)

    s = _command(sub, "superset", "Superset di mesin ini / Superset on this machine", "bansos360 superset sync",
                 "bansos360 superset desa --desa 35.03.05.2001", "bansos360 superset akses --sejak 2026-01-01")
    s.add_argument("action", choices=["setup", "start", "stop", "status", "sync", "export", "desa", "akses",
                                      "serve"],
                   help="setup, start, stop, status; sync: aset, peran dan pengguna seperti rilis / assets, roles and "
                   "users as released; export: aset ke superset_assets / assets to superset_assets; desa: contoh "
                   "halaman desa / the example village page; akses: laporan akses data pribadi / the personal-data "
                   "access report; serve: di depan / in the foreground")
    s.add_argument("--sejak", help="with akses: the report from this date (YYYY-MM-DD) on")
    s.add_argument("--desa", help="with desa: the kode desa the example village page shows (35.03.xx.xxxx)")
    s.add_argument("--users", help="berkas pengguna (JSON) / users file (JSON): setup makes its admins, sync its "
                   "users; sync and export log in as its first admin")
    s.set_defaults(func=cmd_superset)

    s = _command(sub, "program", "registri program bansos / the programme registry", "bansos360 program list",
                 "bansos360 program add --kode BLT-DD --sumber blt_dd --nama 'Bantuan Langsung Tunai Dana Desa' "
                 "--pemilik 'Pemerintah Desa' --by kominfo",
                 "bansos360 program set --kode PKH --desil-maks 4 --by kabid")
    s.add_argument("action", choices=["list", "add", "set"], help="list: daftar / list; add: tambah / register; set: "
                   "ubah desil maksimum / change the highest desil")
    s.add_argument("--kode", help="with add and set: the programme code lists and charts show, e.g. BLT-DD")
    s.add_argument("--sumber", help="with add: its source kind, the name its lists are submitted under, e.g. blt_dd")
    s.add_argument("--nama", help="with add: the full name, e.g. 'Bantuan Langsung Tunai Dana Desa'")
    s.add_argument("--pemilik", help="with add: who runs it, e.g. 'Pemerintah Desa'")
    s.add_argument("--desil-maks", help="with set: the highest DTSEN desil the programme is meant for, 1-10, or "
                   "'none' for no limit (recipients above it are inclusion-error candidates)")
    s.add_argument("--by", help="with add and set: who changes the registry (recorded in audit.registri_perubahan)")
    s.set_defaults(func=cmd_program)

    s = _command(sub, "pause", "jeda untuk pembaruan / the pause of an upgrade (docs/deploy.md)",
                 "bansos360 pause status", "bansos360 pause begin --rilis 2026.12.1", "bansos360 pause end")
    s.add_argument("action", choices=["begin", "end", "status"],
                   help="begin: refuse if a refresh runs, else pause uploads, approvals and intake; end: resume")
    s.add_argument("--rilis", help="with begin: the release being deployed (shown to whoever is refused)")
    s.set_defaults(func=cmd_pause)

    s = _command(sub, "db", "server PostgreSQL bawaan / the embedded PostgreSQL", "bansos360 db start",
                 "bansos360 db url")
    s.add_argument("action", choices=["start", "stop", "url", "harden"],
                   help="start, stop; url: alamat basis data / the database URL; harden: take the functions that run "
                   "SQL given as text away from PUBLIC (as a superuser)")
    s.set_defaults(func=cmd_db)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``bansos360`` command."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("bansos360.progress").setLevel(logging.INFO)
    logging.getLogger("great_expectations").setLevel(logging.INFO if args.verbose else logging.WARNING)
    try:
        return args.func(args)
    except audit.StateError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except config.SettingError as exc:
        print(f"setelan / setting: {exc}", file=sys.stderr)
        return 2
    except FileNotFoundError as exc:
        print(f"berkas atau folder tidak ada / no such file or folder: {exc.filename}", file=sys.stderr)
        return 2
    except (psycopg2.OperationalError, embedded.EmbeddedError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"basis data tidak dapat dihubungi / the database cannot be reached: {first} "
              "(BANSOS360_DATABASE_URL, atau / or bansos360 db start)", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("dihentikan / interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
