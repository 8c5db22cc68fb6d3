"""The third SOP's flow (bansos360.dashboard_request) in PostgreSQL: states, who may take which step, the history,
and a publication that must name a dashboard of the assets (issue 26). The pages and mails are tested in
tests/test_sop_airflow.py and tests/test_notify.py."""

from __future__ import annotations

import psycopg2
import pytest

from bansos360 import access, sources
from bansos360.dashboard_request import (
    ACCESS,
    DATA_BARU,
    FREQUENCIES,
    STEPS,
    Keadaan,
    RequestError,
    file_request,
    history,
    open_requests,
    published_dashboards,
    sketch_type,
    steps_for,
    store_sketch,
    take,
)
from bansos360.sop import kata

PO, ANALYST, ENGINEER, REQUESTER = ({access.PRODUCT_OWNER}, {access.DATA_ANALYST}, {access.DATA_ENGINEER},
                                    {access.REQUESTER})
KINDS = set(sources.fixed_kinds()) | {p.sumber for p in sources.shipped_programs()}


def _file(cur, pemohon="bappeda", **kw) -> int:
    values = {"instansi": "Bappeda", "pertanyaan": "Berapa KPM PKH per desa yang bukan desil 1-4?",
              "pengguna": "Bidang Sosial Budaya Bappeda", "data_diminta": ["pkh", "dtsen"], "kinds": KINDS,
              "frekuensi": "bulanan", "akses": "agregat", "per_kecamatan": False, **kw}
    return file_request(cur, pemohon=pemohon, **values)


@pytest.fixture
def cur(settings):
    with psycopg2.connect(settings.database_url) as conn, conn.cursor() as cur:
        yield cur


def test_the_states_are_one_enum_in_python_and_postgresql(cur):
    cur.execute("select enum_range(null::audit.keadaan_permintaan)::text[]")
    assert cur.fetchone()[0] == [k.value for k in Keadaan]
    assert {s.ke for s in STEPS.values()} - {None} <= set(Keadaan)
    assert set(kata.KEADAAN_PERMINTAAN) == set(Keadaan)  # every state has its name and line on the pages


def test_the_frequencies_and_access_classes_offered_are_the_ones_postgresql_accepts(cur):
    for frekuensi in FREQUENCIES:
        for akses in ACCESS:
            _file(cur, frekuensi=frekuensi, akses=akses)
    cur.execute("savepoint luar")
    with pytest.raises(psycopg2.errors.CheckViolation):  # the database's own barrier, under the bilingual refusal
        cur.execute("insert into audit.permintaan_dasbor (pemohon, instansi, pertanyaan, pengguna, data_diminta, "
                    "frekuensi, akses, per_kecamatan) values ('x', 'x', 'x', 'x', '{pkh}', 'kadang', 'agregat', false)")
    cur.execute("rollback to savepoint luar")


def test_a_request_goes_through_the_four_parties_to_a_dashboard_of_the_assets(cur):
    board_uuid, title = next(iter(published_dashboards().items()))
    rid = _file(cur)
    assert [s.name for s in steps_for("diajukan", "bappeda", "bappeda", REQUESTER)] == ["tarik", "komentar"]
    assert take(cur, rid, "telaah", user="kabid", roles=PO) == Keadaan.DITELAAH
    assert take(cur, rid, "terima", user="kabid", roles=PO, catatan="Masuk rencana triwulan") == Keadaan.DIRANCANG
    assert take(cur, rid, "komentar", user="bappeda", roles=REQUESTER, catatan="Tambah peta") == Keadaan.DIRANCANG
    assert take(cur, rid, "rancangan_selesai", user="analis", roles=ANALYST) == Keadaan.DIBANGUN
    with pytest.raises(RequestError, match="UUID"):
        take(cur, rid, "terbitkan", user="insinyur", roles=ENGINEER, dasbor_uuid="00000000-0000-0000-0000-000000000000")
    assert take(cur, rid, "terbitkan", user="insinyur", roles=ENGINEER, dasbor_uuid=board_uuid) == Keadaan.TERBIT
    cur.execute("select keadaan::text, dasbor_uuid::text from audit.permintaan_dasbor where permintaan_id = %s",
                (rid,))
    assert cur.fetchone() == ("terbit", board_uuid) and title
    steps = [(h["dari"], h["ke"], h["oleh"], h["peran"], h["catatan"]) for h in history(cur, rid)]
    assert steps == [
        (None, "diajukan", "bappeda", access.REQUESTER, None),
        ("diajukan", "ditelaah", "kabid", access.PRODUCT_OWNER, None),
        ("ditelaah", "dirancang", "kabid", access.PRODUCT_OWNER, "Masuk rencana triwulan"),
        ("dirancang", "dirancang", "bappeda", access.REQUESTER, "Tambah peta"),
        ("dirancang", "dibangun", "analis", access.DATA_ANALYST, None),
        ("dibangun", "terbit", "insinyur", access.DATA_ENGINEER, None),
    ]
    assert all(h["pada"] is not None for h in history(cur, rid))
    assert open_requests(cur) == []
    with pytest.raises(RequestError, match="terbit"):  # final
        take(cur, rid, "komentar", user="bappeda", roles=REQUESTER, catatan="lagi")


def test_a_rejected_request_keeps_its_reason_and_a_rejection_needs_one(cur):
    rid = _file(cur)
    with pytest.raises(RequestError, match="catatan"):
        take(cur, rid, "tolak", user="kabid", roles=PO, catatan="  ")
    take(cur, rid, "tolak", user="kabid", roles=PO, catatan="Sudah ada di dasbor 3")
    last = history(cur, rid)[-1]
    assert (last["ke"], last["oleh"], last["catatan"]) == ("ditutup", "kabid", "Sudah ada di dasbor 3")


def test_a_requester_cannot_accept_their_own_request_even_as_product_owner(cur):
    rid = _file(cur, pemohon="kabid")
    both = PO | REQUESTER
    assert [s.name for s in steps_for("diajukan", "kabid", "kabid", both)] == ["tarik", "komentar"]
    for step in ("telaah", "tolak"):
        with pytest.raises(RequestError, match="sendiri"):
            take(cur, rid, step, user="kabid", roles=both, catatan="x")
    take(cur, rid, "telaah", user="sekdin", roles=PO)
    with pytest.raises(RequestError, match="sendiri"):
        take(cur, rid, "terima", user="kabid", roles=both)


def test_each_role_takes_only_its_own_steps(cur):
    rid = _file(cur)
    for user, roles, step in (("analis", ANALYST, "telaah"), ("insinyur", ENGINEER, "telaah"),
                              ("lain", REQUESTER, "tarik"), ("bappeda", REQUESTER, "telaah")):
        with pytest.raises(RequestError):
            take(cur, rid, step, user=user, roles=roles)
    with pytest.raises(RequestError, match="berstatus diajukan"):
        take(cur, rid, "rancangan_selesai", user="analis", roles=ANALYST)
    # asked for more, the request returns to its requester, who may still withdraw it
    take(cur, rid, "telaah", user="kabid", roles=PO)
    take(cur, rid, "minta_keterangan", user="kabid", roles=PO, catatan="Desil yang mana?")
    assert take(cur, rid, "tarik", user="bappeda", roles=REQUESTER) == Keadaan.DITUTUP
    assert [h["ke"] for h in history(cur, rid)] == ["diajukan", "ditelaah", "diajukan", "ditutup"]


def test_a_request_names_known_data_and_describes_new_data(cur):
    with pytest.raises(RequestError, match="tidak dikenal"):
        _file(cur, data_diminta=["pkh", "bpjs"])
    with pytest.raises(RequestError, match="data baru"):
        _file(cur, data_diminta=[DATA_BARU])
    with pytest.raises(RequestError, match="belum diisi"):
        _file(cur, pertanyaan=" ")
    rid = _file(cur, data_diminta=[DATA_BARU, "dtsen"], data_baru="Data stunting Dinas Kesehatan per desa")
    waiting = open_requests(cur)
    assert [(w["permintaan_id"], w["keadaan"], w["hari_di_keadaan"]) for w in waiting] == [(rid, "diajukan", 0)]


def test_a_sketch_is_an_image_or_a_pdf_of_a_few_mb_kept_outside_the_lake(tmp_path):
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 100
    digest, kind = store_sketch(tmp_path, png)
    assert kind == "image/png" and (tmp_path / "permintaan" / digest).read_bytes() == png
    assert sketch_type(b"%PDF-1.7\n...") == "application/pdf"
    with pytest.raises(RequestError, match="PNG"):
        sketch_type(b"MZ\x90\0 an executable")
    with pytest.raises(RequestError, match="MB"):
        sketch_type(b"%PDF-" + b"x" * (5 << 20))
