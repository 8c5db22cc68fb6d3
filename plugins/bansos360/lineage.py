"""``bansos360 lineage CHART_OR_MART``: where a dashboard figure comes from, back to the delivered files.

chart -> dataset -> mart -> (marts it reads) -> warehouse model -> staging model -> staging rows view -> staging
table -> the source kinds delivered into it. Read from the repository only: the Superset asset files, the two
``models.yml`` and the models' SQL (a model names what it reads only in its SQL: ``marts_next.X``, ``warehouse.X``,
``staging.X``), and the input contract (bansos360.sources). Nothing is run and no database is needed.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bansos360 import marts, sources, staging, warehouse
from bansos360.superset_access import ASSETS

_READS = re.compile(r"\b(marts_next|marts|warehouse|staging|audit)\.(\w+)")
#: Audit tables that are a source of their own: what fills them.
AUDIT_SOURCES = {
    "akses_data_pribadi": ("log_superset", "log Superset, disalin oleh / copied by bansos360 superset akses"),
}
_COMMENT = re.compile(r"--[^\n]*")


@dataclass
class Node:
    """One step of a lineage: what it is, its name, the file that defines it, and what it reads."""

    kind: str  # grafik | dataset | mart | gudang | staging | baris | tabel | sumber | registri | audit
    name: str
    where: str = ""
    reads: list[Node] = field(default_factory=list)

    def lines(self, depth: int = 0, seen: set | None = None) -> list[str]:
        """The lineage as indented lines; a step met before is named again but not followed twice."""
        seen = set() if seen is None else seen
        key = (self.kind, self.name)
        again = key in seen and self.reads
        seen.add(key)
        text = f"{'  ' * depth}{self.kind} {self.name}" + (f"  ({self.where})" if self.where else "")
        out = [text + ("  [lihat di atas / see above]" if again else "")]
        if not again:
            for r in self.reads:
                out += r.lines(depth + 1, seen)
        return out

    def to_dict(self) -> dict:
        return {"jenis": self.kind, "nama": self.name, "berkas": self.where,
                "membaca": [r.to_dict() for r in self.reads]}

    def sources(self) -> set[str]:
        """The source kinds at the end of every path."""
        if self.kind == "sumber":
            return {self.name}
        return set().union(*(r.sources() for r in self.reads)) if self.reads else set()


class Lineage:
    """The repository's assets and models, read once."""

    def __init__(self, sql_dir: Path, assets: Path = ASSETS):
        self.sql_dir, self.assets = sql_dir, assets
        self.marts = {m.name: m for m in marts.models(sql_dir)}
        self.models = {m.name: m for m in warehouse.models(sql_dir)}
        self.rows_views = {staging.rows_view(e): e for e in sources.staging_entities()}
        self.charts = {p: yaml.safe_load(p.read_text()) for p in sorted((assets / "charts").glob("*.yaml"))}
        self.datasets = {d["uuid"]: (p, d) for p in sorted((assets / "datasets").rglob("*.yaml"))
                         for d in [yaml.safe_load(p.read_text())]}

    def chart_names(self) -> list[str]:
        return [c["slice_name"] for c in self.charts.values()]

    def of(self, name: str) -> Node:
        """The lineage of a chart (its name, file name or UUID), a dataset, a mart or a warehouse model."""
        for path, chart in self.charts.items():
            if name in (chart["slice_name"], chart["uuid"], path.stem, path.name):
                return self._chart(path, chart)
        for path, dataset in self.datasets.values():
            if name in (dataset["uuid"], path.stem):
                return self._dataset(path, dataset)
        if name in self.marts:
            return self._mart(name)
        if name in self.models:
            return self._model(name)
        raise KeyError(f"tidak ada grafik, dataset, mart atau model '{name}' / no chart, dataset, mart or model "
                       f"'{name}'")

    def _rel(self, path: Path) -> str:
        for base in (self.assets.parent, self.sql_dir.parent):
            if path.is_relative_to(base):
                return str(path.relative_to(base))
        return str(path)

    def _chart(self, path: Path, chart: dict) -> Node:
        dataset_path, dataset = self.datasets[chart["dataset_uuid"]]
        return Node("grafik", chart["slice_name"], self._rel(path), [self._dataset(dataset_path, dataset)])

    def _dataset(self, path: Path, dataset: dict) -> Node:
        if dataset.get("sql"):  # a virtual dataset: a query of marts
            reads = sorted({n for s, n in _READS.findall(dataset["sql"]) if s == "marts"})
        else:
            reads = [dataset["table_name"]]
        return Node("dataset", f"{dataset['schema']}.{dataset['table_name']}", self._rel(path),
                    [self._mart(n) for n in reads])

    def _reads(self, text: str, itself: tuple[str, ...] = ()) -> list[Node]:
        """What a model's SQL reads (its comments aside; ``itself``: the model's own names, schema and name)."""
        out: list[Node] = []
        for schema, name in dict.fromkeys(_READS.findall(_COMMENT.sub("", text))):
            if (schema, name) in itself:
                continue
            if schema in ("marts", "marts_next") and name in self.marts:
                out.append(self._mart(name))
            elif schema == "warehouse" and name in self.models:
                out.append(self._model(name))
            elif schema == "warehouse" and name.removesuffix("_riwayat") in self.models:
                out.append(self._model(name.removesuffix("_riwayat")))  # the history of every delivery
            elif schema == "warehouse":
                out.append(Node("registri", f"warehouse.{name}", "sql/migrations; diisi oleh / filled by "
                                "warehouse.init (data bawaan / shipped data) atau/or bansos360 program"))
            elif schema == "staging":
                out.append(self._rows(f"staging.{name}"))
            elif schema == "audit":
                fed = [Node("sumber", *AUDIT_SOURCES[name])] if name in AUDIT_SOURCES else []
                out.append(Node("audit", f"audit.{name}", "sql/migrations; diisi oleh / filled by " + (
                    "bansos360 superset akses" if fed else "intake"), fed))
        return out

    def _mart(self, name: str) -> Node:
        m = self.marts[name]
        return Node("mart", name, self._rel(m.path), self._reads(m.select, (("marts", name), ("marts_next", name))))

    def _model(self, name: str) -> Node:
        m = self.models[name]
        kind = "staging" if name.startswith("stg_") else "gudang"
        return Node(kind, f"warehouse.{name}", self._rel(m.path), self._reads(m.select, (("warehouse", name),)))

    def _rows(self, view: str) -> Node:
        entity = self.rows_views[view]
        table = entity.staging_table
        kinds = [k.kind for k in sources.fixed_kinds().values() if entity in k.entities]
        if entity is sources.KPM_LIST:
            kinds.append("program")
        table_node = Node("tabel", table, "bansos360.sources", [
            Node("sumber", k, "daftar setiap program terdaftar / every registered programme's list (bansos360 program)"
                 if k == "program" else "bansos360.sources")
            for k in kinds])
        return Node("baris", view, "bansos360.staging.rows_view_sql", [table_node])


def lineage(sql_dir: Path, name: str) -> Node:
    """The lineage of one chart, dataset, mart or warehouse model."""
    return Lineage(sql_dir).of(name)


def _tables(node: Node) -> set[str]:
    """The staging tables at the ends of a lineage."""
    own = {node.name} if node.kind == "tabel" else set()
    return own.union(*(_tables(r) for r in node.reads))


@functools.cache
def dashboards_reading(sql_dir: Path, assets: Path = ASSETS) -> dict[str, list[tuple[str, str]]]:
    """For each staging table, the dashboards (slug, title) whose charts read rows delivered into it.

    Whatever is delivered into that table shows on those dashboards once published: a submission page links them.
    """
    found = Lineage(sql_dir, assets)
    by_uuid = {chart["uuid"]: path for path, chart in found.charts.items()}
    out: dict[str, list[tuple[str, str]]] = {}
    for path in sorted((assets / "dashboards").glob("*.yaml")):
        board = yaml.safe_load(path.read_text())
        uuids = {item["meta"]["uuid"] for item in (board.get("position") or {}).values()
                 if isinstance(item, dict) and item.get("type") == "CHART" and item.get("meta", {}).get("uuid")}
        tables = set().union(*(_tables(found._chart(by_uuid[u], found.charts[by_uuid[u]])) for u in uuids
                               if u in by_uuid))
        for table in tables:
            out.setdefault(table, []).append((board["slug"], board["dashboard_title"]))
    return out
