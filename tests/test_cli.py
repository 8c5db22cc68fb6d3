"""The command line contract: JSON answers, exit codes, and the embedded default started and stopped."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest

BIN = Path(sys.executable).with_name("bansos360")


def run(*args, env=None, check=True) -> subprocess.CompletedProcess:
    done = subprocess.run([str(BIN), *args], capture_output=True, text=True, env=env, timeout=600)
    if check:
        assert done.returncode == 0, done.stderr
    return done


def test_submit_approve_refresh_status(settings, lake):
    env = {**os.environ, "BANSOS360_DATABASE_URL": settings.database_url, "BANSOS360_LAKE": str(settings.lake)}
    sub = json.loads(run("submit", str(lake / "files/BNBA KPE 2020.csv"), "--source", "kpe", "--by", "operator",
                         "--label", "KPE 2020", "--as-of", "2020-09-01", env=env).stdout)
    assert sub["state"] == "diperiksa" and isinstance(sub["submission_id"], int)
    bad = run("submit", str(lake / "files/BNBA KPE 2020.csv"), "--source", "kpe", "--by", "operator",
              "--periode", "09-2020", env=env, check=False)
    assert bad.returncode == 1 and json.loads(bad.stdout)["state"] == "ditolak"
    approved = json.loads(run("approve", str(sub["submission_id"]), "--by", "kabid", env=env).stdout)
    assert approved == [{"submission_id": sub["submission_id"], "state": "disetujui"}]
    refreshed = json.loads(run("refresh", env=env).stdout)
    assert [o["state"] for o in refreshed] == ["terbit"]
    status = json.loads(run("status", str(sub["submission_id"]), "--json", env=env).stdout)
    assert status["state"] == "terbit" and status["profile"]["bagian"][0]["rows"] > 0
    text = run("status", env=env).stdout
    assert "kpe" in text and "terbit" in text and "ditolak" in text


def test_a_programme_is_registered_on_the_server_without_a_release(settings, lake):
    env = {**os.environ, "BANSOS360_DATABASE_URL": settings.database_url, "BANSOS360_LAKE": str(settings.lake)}
    entry = next(e for e in json.loads((lake / "manifest.json").read_text()) if "program_baru" in e)
    program = entry["program_baru"]
    lines = ["submit", str(lake / entry["file"]), "--source", program["sumber"], "--by", "operator", "--label",
             entry["label"]]
    before = run(*lines, env=env, check=False)
    assert before.returncode == 1 and "unknown source kind 'blt_dd'" in before.stdout
    add = ["program", "add", "--kode", program["kode"], "--sumber", program["sumber"], "--nama", program["nama"],
           "--pemilik", program["pemilik"], "--by", "kominfo"]
    assert json.loads(run(*add, env=env).stdout)["terdaftar/registered"]["kode"] == "BLT-DD"
    again = run(*add, env=env, check=False)
    assert again.returncode == 1 and "sudah terdaftar" in again.stderr and "already registered" in again.stderr
    bad = run(*add[:3], "blt dd", *add[4:], env=env, check=False)
    assert bad.returncode == 1 and "BLT-DD" in bad.stderr
    taken = run("program", "add", "--kode", "DTKS", "--sumber", "dtks", "--nama", "x", "--pemilik", "y", "--by", "z",
                env=env, check=False)
    assert taken.returncode == 1 and "another source kind" in taken.stderr
    listed = json.loads(run("program", "list", env=env).stdout)
    assert [p["kode"] for p in listed] == ["PKH", "SEMBAKO", "BST", "KPE", "BLT-DD"]
    assert [p["bawaan"] for p in listed] == [True] * 4 + [False]
    with psycopg2.connect(settings.database_url) as conn, conn.cursor() as cur:
        cur.execute("select registri, kunci, tindakan, oleh from audit.registri_perubahan")
        assert cur.fetchall() == [("program", "BLT-DD", "tambah", "kominfo")]
    after = json.loads(run(*lines, env=env).stdout)
    assert after["state"] == "diperiksa"
    run("approve", str(after["submission_id"]), "--by", "kabid", env=env)
    assert [o["state"] for o in json.loads(run("refresh", env=env).stdout)] == ["terbit"]
    figures = json.loads(run("figures", env=env).stdout)
    truth = json.loads((lake / "ground_truth.json").read_text())
    assert figures["d1"]["per_program"]["BLT-DD"] == truth["d1"]["per_program"]["BLT-DD"]
    assert figures["d1"]["per_program"]["PKH"] == {"baris": 0, "nik_unik": 0}  # registered, no list yet


def test_a_programme_limit_is_set_on_the_server_and_the_marts_follow_it(settings, lake):
    env = {**os.environ, "BANSOS360_DATABASE_URL": settings.database_url, "BANSOS360_LAKE": str(settings.lake)}
    shipped = {p["kode"]: p["desil_maks"] for p in json.loads(run("program", "list", env=env).stdout)}
    assert shipped == {"PKH": 4, "SEMBAKO": 5, "BST": None, "KPE": None}  # data/program.csv
    sub = json.loads(run("submit", str(lake / "files/BNBA KPE 2020.csv"), "--source", "kpe", "--by", "operator",
                         "--label", "KPE 2020", "--as-of", "2020-09-01", env=env).stdout)
    run("approve", str(sub["submission_id"]), "--by", "kabid", env=env)
    assert [o["state"] for o in json.loads(run("refresh", env=env).stdout)] == ["terbit"]

    def marts_schema() -> int:
        with psycopg2.connect(settings.database_url) as conn, conn.cursor() as cur:
            cur.execute("select oid from pg_namespace where nspname = 'marts'")
            return cur.fetchone()[0]

    built = marts_schema()
    assert json.loads(run("refresh", env=env).stdout) == [] and marts_schema() == built  # nothing changed
    for value, said in (("11", "1 sampai 10"), ("0", "1 to 10"), ("empat", "'none'")):
        bad = run("program", "set", "--kode", "PKH", "--desil-maks", value, "--by", "kominfo", env=env, check=False)
        assert bad.returncode == 1 and said in bad.stderr
    unknown = run("program", "set", "--kode", "PKX", "--desil-maks", "3", "--by", "kominfo", env=env, check=False)
    assert unknown.returncode == 1 and "is not registered" in unknown.stderr
    changed = json.loads(run("program", "set", "--kode", "PKH", "--desil-maks", "3", "--by", "kominfo", env=env).stdout)
    assert changed["diubah/changed"] == {"kode": "PKH", "desil_maks": {"sebelum": 4, "sesudah": 3}}
    run("program", "set", "--kode", "KPE", "--desil-maks", "none", "--by", "kominfo", env=env)
    limits = {p["kode"]: p["desil_maks"] for p in json.loads(run("program", "list", env=env).stdout)}
    assert limits == {"PKH": 3, "SEMBAKO": 5, "BST": None, "KPE": None}
    with psycopg2.connect(settings.database_url) as conn, conn.cursor() as cur:
        cur.execute("select kunci, tindakan, isi, oleh from audit.registri_perubahan order by perubahan_id")
        assert cur.fetchall() == [
            ("PKH", "ubah", {"desil_maks": {"sebelum": 4, "sesudah": 3}}, "kominfo"),
            ("KPE", "ubah", {"desil_maks": {"sebelum": None, "sesudah": None}}, "kominfo")]
    # no delivery waits, but the marts read the registry: the next refresh builds them again, once
    assert json.loads(run("refresh", env=env).stdout) == []
    rebuilt = marts_schema()
    assert rebuilt != built
    assert json.loads(run("refresh", env=env).stdout) == [] and marts_schema() == rebuilt


def test_embedded_default_starts_and_stops(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "BANSOS360_DATABASE_URL"}
    env["BANSOS360_HOME"] = str(tmp_path / "home")
    url = run("db", "start", env=env).stdout.strip()
    assert url.startswith("postgresql://postgres@127.0.0.1:")
    run("init", env=env)
    assert (tmp_path / "home" / "pgdata" / "postmaster.pid").exists()
    assert (tmp_path / "home" / "lake").is_dir()
    assert "berhenti/stopped" in run("db", "stop", env=env).stdout
    assert not (tmp_path / "home" / "pgdata" / "postmaster.pid").exists()


def test_an_upgrade_waits_for_a_refresh_and_pauses_every_writer(settings, lake):
    """`pause begin` (the deploy's step before migrations) refuses while a refresh holds its lock; once paused,
    submitting, approving, refreshing and the inbox's intake are refused with a message until `pause end`."""
    from bansos360 import inbox, upgrade_pause

    env = {**os.environ, "BANSOS360_DATABASE_URL": settings.database_url, "BANSOS360_LAKE": str(settings.lake),
           "BANSOS360_HOME": str(settings.home)}
    kpe = [str(lake / "files/BNBA KPE 2020.csv"), "--source", "kpe", "--by", "operator", "--label", "KPE 2020"]
    checked = json.loads(run("submit", *kpe, env=env).stdout)["submission_id"]
    with psycopg2.connect(settings.database_url) as refreshing, refreshing.cursor() as cur:
        cur.execute("select pg_advisory_lock(360362)")  # what `bansos360 refresh` holds while it runs
        refused = run("pause", "begin", "--rilis", "2.0", env=env, check=False)
        assert refused.returncode == 3, refused.stderr
        assert "penyegaran sedang berjalan" in refused.stderr and "a refresh is running" in refused.stderr
        assert not (settings.home / upgrade_pause.FLAG).exists()
    refreshing.close()
    assert json.loads(run("pause", "begin", "--rilis", "2.0", env=env).stdout)["jeda/paused"]["rilis"] == "2.0"
    for args in (("submit", *kpe), ("approve", str(checked), "--by", "kabid"), ("refresh",)):
        answer = run(*args, env=env, check=False)
        assert answer.returncode == 1 and "sedang diperbarui ke rilis 2.0" in answer.stderr, (args, answer.stderr)
        assert "the system is being upgraded" in answer.stderr
    with pytest.raises(upgrade_pause.Paused):
        inbox.register(settings)
    assert json.loads(run("status", str(checked), "--json", env=env).stdout)["state"] == "diperiksa"
    assert json.loads(run("pause", "end", env=env).stdout) == {"dilanjutkan/resumed": True}
    assert json.loads(run("approve", str(checked), "--by", "kabid", env=env).stdout)[0]["state"] == "disetujui"
    assert [o["state"] for o in json.loads(run("refresh", env=env).stdout)] == ["terbit"]


def test_an_unknown_submission_or_kecamatan_is_an_error_not_an_empty_answer(settings):
    """`status` and `approve` of a submission that does not exist, and `figures` of a kecamatan the region
    reference does not have, say so in both languages and exit non-zero (issue 25's command line)."""
    env = {**os.environ, "BANSOS360_DATABASE_URL": settings.database_url, "BANSOS360_LAKE": str(settings.lake),
           "BANSOS360_HOME": str(settings.home)}
    for args in (("status", "99999"), ("status", "99999", "--json")):
        answer = run(*args, env=env, check=False)
        assert answer.returncode == 1 and answer.stdout == "", (args, answer.stdout)
        assert "pengajuan 99999 tidak ada / there is no submission 99999" in answer.stderr, answer.stderr
    approved = run("approve", "99999", "--by", "kabid", env=env, check=False)
    assert approved.returncode == 1 and "None" not in approved.stdout
    assert json.loads(approved.stdout) == [{"submission_id": 99999, "error": "pengajuan 99999 tidak ada / there is "
                                            "no submission 99999"}]
    unknown = run("figures", "--kecamatan", "99.99", env=env, check=False)
    assert unknown.returncode == 2 and unknown.stdout == ""
    assert "there is no kecamatan 99.99 in the region reference" in unknown.stderr, unknown.stderr
    assert "periode_terakhir" in json.loads(run("figures", "--kecamatan", "35.03.05", env=env).stdout)


def test_every_command_and_option_explains_itself_with_an_example():
    """Every sub-command's --help gives each option a line of help and ends with an example that names the command;
    submit lists the source kinds from the registry (issue 25)."""
    from bansos360 import cli, sources

    parser = cli.build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    assert len(commands) >= 14
    for name, sub in commands.items():
        for action in sub._actions:
            assert action.help, (name, action.dest)
        shown = run(name, "--help").stdout
        examples = shown.split("contoh / example:")[-1].strip().splitlines()
        assert examples and all(e.strip().startswith(f"bansos360 {name}") for e in examples), (name, shown)
    shown = run("submit", "--help").stdout
    kinds = [*sources.fixed_kinds(), *(p.sumber for p in sources.shipped_programs())]
    assert all(kind in " ".join(shown.split()) for kind in kinds), shown


def test_a_bad_setting_a_missing_file_or_an_unreachable_database_is_a_sentence_not_a_traceback(tmp_path):
    """Errors the command line meets before any data: each a bilingual sentence on stderr, a non-zero exit."""
    env = {**os.environ, "BANSOS360_HOME": str(tmp_path / "home")}
    bad = run("status", env={**env, "BANSOS360_MART_WORKERS": "dua"}, check=False)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "BANSOS360_MART_WORKERS='dua' bukan angka / is not a number" in bad.stderr, bad.stderr
    gone = run("submit-lake", str(tmp_path / "tidak-ada"), "--by", "operator",
               env={**env, "BANSOS360_DATABASE_URL": "postgresql://127.0.0.1:1/x"}, check=False)
    assert gone.returncode == 2 and "Traceback" not in gone.stderr, gone.stderr
    assert f"berkas atau folder tidak ada / no such file or folder: {tmp_path}/tidak-ada/manifest.json" in gone.stderr
    unreachable = run("status", env={**env, "BANSOS360_DATABASE_URL": "postgresql://bansos360@127.0.0.1:1/x"},
                      check=False)
    assert unreachable.returncode == 1 and "Traceback" not in unreachable.stderr
    assert "basis data tidak dapat dihubungi / the database cannot be reached" in unreachable.stderr
    village = run("superset", "desa", env={**env, "BANSOS360_EMBED_SITES": ""}, check=False)
    assert village.returncode == 2 and "Traceback" not in village.stderr
    assert "BANSOS360_EMBED_SITES kosong" in village.stderr and "is empty" in village.stderr, village.stderr


def test_the_village_page_has_a_working_default_site():
    """Unset, BANSOS360_EMBED_SITES is the example village page's own origin, so that the command the demo prints
    (`bansos360 superset desa`) works as printed; set and empty, nothing may embed."""
    from bansos360 import config

    env = {k: v for k, v in os.environ.items() if k != "BANSOS360_EMBED_SITES"}
    probe = "from bansos360 import config; print(config.load().embed_sites)"
    assert subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True,
                          check=True).stdout.strip() == repr((config.DEMO_VILLAGE_SITE,))
    assert subprocess.run([sys.executable, "-c", probe], env={**env, "BANSOS360_EMBED_SITES": ""},
                          capture_output=True, text=True, check=True).stdout.strip() == "()"
