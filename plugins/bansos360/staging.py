"""Staging: stream each part of a submission into its staging table with COPY, every value as text."""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import re
import time
from collections.abc import Iterator

import psycopg2
from psycopg2 import sql

from bansos360 import db, lake, progress, readers, sources

log = logging.getLogger(__name__)


class _CopySource(io.TextIOBase):
    """A file-like object that psycopg2's COPY reads, filled batch by batch from a row iterator.

    psycopg2 sends whatever ``read`` returns, so each call returns the next batch of rows as CSV text; an
    empty string ends the COPY.
    """

    def __init__(self, rows: Iterator[list], batch: int = 2000):
        self._rows = rows
        self._batch = batch
        self._buf = io.StringIO()
        self._writer = csv.writer(self._buf, lineterminator="\n")

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> str:
        self._buf.seek(0)
        self._buf.truncate()
        for n, row in enumerate(self._rows, start=1):
            self._writer.writerow(row)
            if n >= self._batch:
                break
        return self._buf.getvalue()


# How PostgreSQL names the encodings readers.detect_encoding returns.
ENCODINGS = {"utf-8-sig": "UTF8", "cp1252": "WIN1252"}


class _NotPlain(Exception):
    """The COPY did not read what the raw gate read; the part goes through the Python reader."""


class _AfterHeader(io.RawIOBase):
    """The bytes of a CSV part after its first ``skip_lines`` lines (the header and any title rows).

    COPY refuses an empty line in a table of several columns, so each empty line is sent as ``blank_record``
    (delimiters only: a record of empty cells, dropped after the COPY like any blank record, numbered like the
    line it stands for).
    """

    HEAD_LIMIT = 1 << 24  # a header region larger than 16 MiB is no header (e.g. lines ending in a lone CR)
    _EMPTY_LINE = re.compile(rb"(?<=\n)(?=\r?\n)")  # where a line end follows a line end

    def __init__(self, raw: io.BufferedIOBase, skip_lines: int, blank_record: bytes):
        self._raw, self._blank = raw, blank_record
        head = b""
        while head.count(b"\n") < skip_lines:
            chunk = raw.read(1 << 20)
            if not chunk or len(head) > self.HEAD_LIMIT:
                raise _NotPlain("no newline after the header lines")
            head += chunk
        cut = 0
        for _ in range(skip_lines):
            cut = head.index(b"\n", cut) + 1
        self._pending = head[cut:]
        self._after_line_end = True  # the header's line end came before the first byte sent
        self._carry = b""  # a carriage return at the end of a chunk, whose line end may start the next one

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        while True:
            data, self._pending = (self._pending or self._raw.read(1 << 20)), b""
            if not data:
                data, self._carry = self._carry, b""
                return data
            data, self._carry = self._carry + data, b""
            if data.endswith(b"\r"):
                data, self._carry = data[:-1], b"\r"
            if not data:
                continue
            if self._after_line_end and data.startswith((b"\n", b"\r\n")):
                data = self._blank + data
            data = self._EMPTY_LINE.sub(self._blank, data)
            self._after_line_end = data.endswith(b"\n")
            return data


def _copy_plain(cur, part: readers.Part, prof: dict, idx: list[int], table: sql.Composable,
                columns: sql.Composable, lineage: list) -> bool:
    """Stage a plain CSV part by letting PostgreSQL parse it; False when the caller must use the Python path.

    A part qualifies when the raw gate found it plain (raw_gate.profile_part): every record of the header's width
    (or an empty line) and no quote character in any cell — where Python's csv module and PostgreSQL's COPY read
    the same cells (they differ on a quote inside an unquoted cell), and COPY has no reason to fail, so no row
    reaches the server log in an error's context. Records are numbered in file order as COPY reads them, blank
    ones are dropped after, and both counts must equal the raw gate's; otherwise everything rolls back to a
    savepoint. PostgreSQL parses such a part faster than the Python reader does (docs/design.md).
    """
    width = prof.get("width") or 0
    if not prof.get("plain") or prof.get("encoding") not in ENCODINGS or not width or max(idx, default=0) >= width:
        return False
    cells = [sql.Identifier(f"c{i}") for i in range(width)]
    cur.execute("savepoint staging_langsung")
    try:
        cur.execute(sql.SQL("create temp table bagian_csv ({}, nomor bigint generated always as identity) "
                            "on commit drop").format(sql.SQL(", ").join(c + sql.SQL(" text") for c in cells)))
        copy = sql.SQL("copy bagian_csv ({}) from stdin with (format csv, delimiter {}, encoding {})").format(
            sql.SQL(", ").join(cells), sql.Literal(prof["delimiter"]), sql.Literal(ENCODINGS[prof["encoding"]]))
        with readers.open_binary(part) as raw:
            blank = prof["delimiter"].encode() * (width - 1)
            cur.copy_expert(copy.as_string(cur.connection), _AfterHeader(raw, prof["header_row"], blank),
                            size=1 << 20)
        records = prof["rows"] + prof.get("blank_rows", 0)
        if cur.rowcount != records:
            raise _NotPlain(f"{cur.rowcount} records, the raw gate read {records}")
        # a blank record has every cell empty (NULL); one with only spaces is not dropped and fails the count
        cur.execute(sql.SQL("insert into {} ({}) select {}, nomor + {}, null, {} from bagian_csv "
                            "where num_nonnulls({}) > 0").format(
            table, columns, sql.SQL(", ").join(sql.Literal(v) for v in lineage), sql.Literal(prof["header_row"]),
            sql.SQL(", ").join(cells[i] for i in idx), sql.SQL(", ").join(cells)))
        if cur.rowcount != prof["rows"]:
            raise _NotPlain(f"{cur.rowcount} non-blank records, the raw gate read {prof['rows']}")
        cur.execute("drop table bagian_csv")
    except (_NotPlain, psycopg2.Error) as exc:
        cur.execute("rollback to savepoint staging_langsung")
        cur.execute("release savepoint staging_langsung")
        log.info("%s is staged by the Python reader (%s)", prof["name"], str(exc).splitlines()[0][:200])
        return False
    cur.execute("release savepoint staging_langsung")
    return True


def _entity(cur, source: str, name: str) -> sources.Entity:
    kind = sources.source_kinds(cur)[source]
    return next(e for e in kind.entities if e.name == name)


def _rows(part: readers.Part, prof: dict, idx: list[int], canon: list[str], submission_id: int, file_id: int,
          meter: progress.Meter) -> Iterator[list]:
    """The data rows of a part as staging rows: lineage columns, then the mapped cells as text."""
    member = prof.get("member") or ""
    for row_no, cells, numeric in readers.iter_rows(part, prof.get("encoding"), prof.get("delimiter")):
        if row_no <= prof["header_row"] or readers.is_blank(cells):
            continue
        values = [cells[i] if i < len(cells) else "" for i in idx]
        num = ",".join(c for c, i in zip(canon, idx, strict=True) if i in numeric) if numeric else ""
        meter.update(meter.count + 1)
        yield [submission_id, file_id, member, row_no, num, *values]


# Every staging row keeps where it came from; the delivered columns follow, every one text, as read from the file.
LINEAGE = (("submission_id", "bigint not null"), ("source_file_id", "bigint not null"), ("source_member", "text"),
           ("source_row", "int not null"), ("numeric_cells", "text"))


def rows_view(entity: sources.Entity) -> str:
    """The name of the view through which the staging models read an entity's staging table."""
    return f"{entity.staging_table}_baris"


# How the rows view types a delivered cell, by the typing its column declares (bansos360.sources.Column.typing):
# the typed columns, as (expression, name). ``{cell}`` is the delivered text, ``{name}`` the column's typed name,
# ``{numeric}`` whether the file held the cell as a number (a spreadsheet that rounded a NIK).
TYPINGS: dict[str, tuple[tuple[str, str], ...]] = {
    "text": (("util.isian({cell})", "{name}"),),
    "number": (("util.angka({cell})", "{name}"),),
    "bps2": (("util.kode_bps({cell}, 2)", "{name}"),),
    "bps3": (("util.kode_bps({cell}, 3)", "{name}"),),
    "nik": (("util.isian({cell})", "{name}_mentah"), ("util.nomor_bersih({cell})", "{name}"),
            ("util.is_nomor_rusak({cell}, {numeric})", "is_{name}_rusak"),
            ("not util.is_nomor_rusak({cell}, {numeric}) and util.is_nik_valid(util.nomor_bersih({cell}))",
             "is_{name}_valid")),
    "no_kk": (("util.isian({cell})", "{name}_mentah"), ("util.nomor_bersih({cell})", "{name}"),
              ("util.is_nomor_rusak({cell}, {numeric})", "is_{name}_rusak"),
              ("not util.is_nomor_rusak({cell}, {numeric}) and util.is_kk_valid(util.nomor_bersih({cell}))",
               "is_{name}_valid")),
    "name": (("util.isian({cell})", "{name}"), ("util.nama_normal({cell})", "{name}_normal")),
    "date": (("util.isian({cell})", "{name}_mentah"), ("util.tanggal({cell})", "{name}")),
    "kecamatan": (("util.isian({cell})", "{name}"), ("util.kunci_kecamatan({cell})", "kunci_kec")),
    "desa": (("util.isian({cell})", "{name}"), ("util.kunci_desa({cell})", "kunci_desa")),
    "kode_desa": (("util.isian({cell})", "{name}"), ("nullif(regexp_replace({cell}, '[^0-9]', '', 'g'), '')",
                                                     "kunci_kode_desa")),
    # as delivered, for a rule of the staging model's own
    "raw": (("{cell}", "{name}_asli"),),
}


def typed_columns(column: sources.Column) -> list[tuple[sql.Composable, str]]:
    """The typed columns of a delivered column in the rows view, as (expression, name)."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", column.name):
        raise ValueError(f"column name {column.name!r} is not a plain identifier")
    cell = f"baris.{column.name}"
    numeric = f"'{column.name}' = any(string_to_array(baris.numeric_cells, ','))"
    return [(sql.SQL(expr.format(cell=cell, numeric=numeric)), name.format(name=column.typed_name))
            for expr, name in TYPINGS[column.typing]]


def rows_view_sql(entity: sources.Entity) -> sql.Composable:
    """The view a staging model reads instead of its staging table: what every one of them needs, written once.

    - Only the submission a warehouse build is computing (``util.submission_in_build()``), every row otherwise.
    - The submission's declared source kind (``sumber``), period, label and as-of date beside each row.
    - Every delivered column typed as the input contract declares (``TYPINGS``), under its typed name.
    - ``row_hash``: the MD5 of every delivered column as delivered (no lineage column). Two rows of a submission
      with the same hash are exact duplicates; the staging model leaves the later ones out after the typing
      (``exact_duplicates`` in models.yml: a sort here, above the typing, would keep PostgreSQL from typing the
      rows in parallel).
    """
    table = sql.Identifier(*entity.staging_table.split("."))
    lineage = sql.SQL(", ").join(sql.Identifier("baris", c) for c, _ in LINEAGE)
    typed = sql.SQL(",\n    ").join(
        expr + sql.SQL(" as ") + sql.Identifier(name) for c in entity.columns for expr, name in typed_columns(c))
    hashed = sql.SQL(", ").join(sql.Identifier("baris", c.name) for c in entity.columns)
    return sql.SQL("""select
    {lineage},
    pengajuan.source as sumber,
    pengajuan.periode,
    pengajuan.label,
    pengajuan.as_of,
    {typed},
    md5(row({hashed})::text) as row_hash
from {table} as baris
inner join audit.submission as pengajuan on baris.submission_id = pengajuan.submission_id
where baris.submission_id = coalesce(util.submission_in_build(), baris.submission_id)""").format(
        lineage=lineage, typed=typed, hashed=hashed, table=table)


def rows_view_definitions(cur) -> dict[str, str]:
    """The rows views' definitions as ``ensure`` creates them, by view name."""
    return {rows_view(e): rows_view_sql(e).as_string(cur) for e in sources.staging_entities()}


def ensure(cur) -> None:
    """The staging tables and their rows views, from the input contract (bansos360.sources).

    In the caller's transaction: a table, index or column the contract names and the database lacks is added
    (unlogged: staging is rebuilt from the lake by any refresh); a rows view whose definition changed is made
    again. A staging model dropped with its view is made again by warehouse.init, which runs this first. What
    exists already is left alone without a lock: `init` runs before most commands, and an `alter table` would wait
    for a refresh that is building from the table (and hold up everyone behind it).
    """
    applied = db.versions(cur, "model_version")
    cur.execute("select c.relnamespace::regnamespace::text || '.' || c.relname, a.attname from pg_class as c "
                "left join pg_attribute as a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped "
                "where c.relnamespace = 'staging'::regnamespace")
    existing: dict[str, set[str]] = {}
    for relation, column in cur.fetchall():
        existing.setdefault(relation, set()).add(column)
    for entity in sources.staging_entities():
        schema, name = entity.staging_table.split(".")
        table, index = sql.Identifier(schema, name), f"{name}_submission_id_idx"
        if entity.staging_table not in existing:
            cur.execute(sql.SQL("create unlogged table {} ({})").format(
                table, sql.SQL(", ").join(sql.SQL("{} " + kind).format(sql.Identifier(c)) for c, kind in LINEAGE)))
        if f"{schema}.{index}" not in existing:
            cur.execute(sql.SQL("create index {} on {} (submission_id)").format(sql.Identifier(index), table))
        for c in entity.columns:
            if c.name not in existing.get(entity.staging_table, set()):
                cur.execute(sql.SQL("alter table {} add column {} text").format(table, sql.Identifier(c.name)))
        view, definition = rows_view(entity), rows_view_sql(entity).as_string(cur)
        digest = hashlib.sha256(definition.encode()).hexdigest()
        if applied.get(view) == digest and view in existing:
            continue
        cur.execute(sql.SQL("drop view if exists {} cascade").format(sql.Identifier(*view.split("."))))
        cur.execute(sql.SQL("create view {} as ").format(sql.Identifier(*view.split("."))) + sql.SQL(definition))
        db.record_version(cur, "model_version", view, digest)


def _tables(cur, submission_id: int) -> list[sql.Composable]:
    """The staging tables of a submission's source kind."""
    cur.execute("select source from audit.submission where submission_id = %s", (submission_id,))
    (source,) = cur.fetchone()
    return [sql.Identifier(*e.staging_table.split(".")) for e in sources.source_kinds(cur)[source].entities]


def count(conn, submission_id: int) -> int:
    """Rows a submission has in its staging tables (they are unlogged: a server crash empties them)."""
    with conn.cursor() as cur:
        total = 0
        for table in _tables(cur, submission_id):
            cur.execute(sql.SQL("select count(*) from {} where submission_id = %s").format(table), (submission_id,))
            total += cur.fetchone()[0]
    return total


def clear(cur, submission_id: int) -> None:
    """Remove a submission's staging rows once its warehouse partitions hold them typed (caller's transaction).

    A table left with no other submission's rows is truncated, which gives its space back at once.
    """
    for table in _tables(cur, submission_id):
        cur.execute(sql.SQL("select exists (select from {} where submission_id <> %s)").format(table),
                    (submission_id,))
        if cur.fetchone()[0]:
            cur.execute(sql.SQL("delete from {} where submission_id = %s").format(table), (submission_id,))
        else:
            cur.execute(sql.SQL("truncate {}").format(table))


def load(conn, settings, submission_id: int) -> dict[str, int]:
    """Replace the staging rows of a submission by the rows of its files; return rows loaded per part.

    Runs inside the caller's transaction: nothing is visible until the caller commits.
    """
    loaded: dict[str, int] = {}
    targets: dict[str, sql.Composable] = {}  # the staging tables loaded, by name
    with conn.cursor() as cur:
        cur.execute("select source, profile from audit.submission where submission_id = %s", (submission_id,))
        source, profile = cur.fetchone()
        cur.execute("select position, file_id from audit.submission_file where submission_id = %s",
                    (submission_id,))
        files = dict(cur.fetchall())
        for prof in profile.get("bagian", []):
            entity = _entity(cur, source, prof["entity"])
            file_id = files[prof["position"]]
            part = readers.Part(lake.lake_path(cur, settings.lake, file_id), prof.get("member"), prof["format"])
            mapping: dict[str, int] = prof["columns"]
            canon = [c.name for c in entity.columns if c.name in mapping]
            idx = [mapping[c] for c in canon]
            target = targets.setdefault(entity.staging_table, sql.Identifier(*entity.staging_table.split(".")))
            cur.execute(sql.SQL("delete from {} where submission_id = %s").format(target), (submission_id,))
            meter = progress.Meter(f"staging {prof['name']}", total=prof.get("rows"))
            started = time.monotonic()
            columns = sql.SQL(", ").join(
                sql.Identifier(c) for c in
                ["submission_id", "source_file_id", "source_member", "source_row", "numeric_cells", *canon]
            )
            if _copy_plain(cur, part, prof, idx, target, columns, [submission_id, file_id, part.member]):
                meter.count = prof["rows"]
                how = "by PostgreSQL's CSV parser"
            else:
                stream = _rows(part, prof, idx, canon, submission_id, file_id, meter)
                copy = sql.SQL("copy {} ({}) from stdin with (format csv)").format(target, columns)
                cur.copy_expert(copy.as_string(conn), _CopySource(stream))
                how = "by the Python reader"
            meter.done(meter.count)
            loaded[prof["name"]] = meter.count
            log.info("staged %s rows of %s in %.1fs %s", meter.count, prof["name"], time.monotonic() - started, how)
        # fresh row counts: without them the planner takes a submission's rows for a few hundred and builds the
        # staging models without parallel workers; only the column the build filters on, as the other 40-70
        # text columns cost time and tell the planner nothing
        for target in targets.values():
            cur.execute(sql.SQL("analyze {} (submission_id)").format(target))
    return loaded
