"""Settings, read from environment variables (documented in docs/configuration.md)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

#: Repository root when the package runs from a checkout (editable install, Airflow's plugins/ folder).
REPO_ROOT = Path(__file__).resolve().parents[2]


class SettingError(ValueError):
    """A setting that is missing or cannot be read; its message is a sentence in Bahasa Indonesia and English."""


def _float(name: str, default: float) -> float:
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    try:
        return float(value)
    except ValueError:
        raise SettingError(f"{name}={value!r} bukan angka / is not a number") from None


def _choice(name: str, allowed: tuple[str, ...]) -> str:
    value = os.environ.get(name) or allowed[0]
    if value not in allowed:
        raise SettingError(f"{name}={value!r} harus salah satu dari / must be one of {', '.join(allowed)}")
    return value


@dataclass(frozen=True)
class Settings:
    """Everything environment-specific, with its default."""

    home: Path
    lake: Path
    database_url: str | None
    embedded_port: int
    sql_dir: Path
    expectations_dir: Path
    nik_valid_floor: float
    shrink_warning_ratio: float
    frekuensi_tinggi: int = 4
    frekuensi_sedang: int = 2
    recency_sedang_periode: int = 2
    inbox: Path = Path(".bansos360/inbox")
    inbox_settle_seconds: float = 10.0
    max_upload_mb: float = 2048.0
    backup_dir: Path = Path(".bansos360/backup")
    backup_keep: int = 7
    pg_bin: Path | None = None
    airflow_url: str = "http://127.0.0.1:8080"
    superset_url: str = "http://127.0.0.1:8088"
    superset_public_url: str = "http://127.0.0.1:8088"
    mart_workers: int = 2
    embed_sites: tuple[str, ...] = ()
    airflow_public_url: str = "http://127.0.0.1:8080"
    # the installation's one SMTP setting (docs/configuration.md); no host: nothing is mailed
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_tls: str = "starttls"  # starttls | tls | off
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_from: str = ""


#: Where `bansos360 superset desa` serves the example village page when BANSOS360_EMBED_SITES is not set (this
#: machine only). Set it to the village sites on a server; set and empty, nothing may embed.
DEMO_VILLAGE_SITE = "http://127.0.0.1:8091"


def load() -> Settings:
    """Read the settings from the environment."""
    home = Path(os.environ.get("BANSOS360_HOME") or (Path.cwd() / ".bansos360")).resolve()
    lake = Path(os.environ.get("BANSOS360_LAKE") or (home / "lake")).resolve()
    return Settings(
        home=home,
        lake=lake,
        database_url=os.environ.get("BANSOS360_DATABASE_URL") or None,
        embedded_port=int(os.environ.get("BANSOS360_EMBEDDED_PORT") or 0),
        sql_dir=Path(os.environ.get("BANSOS360_SQL_DIR") or REPO_ROOT / "sql"),
        expectations_dir=Path(os.environ.get("BANSOS360_EXPECTATIONS_DIR") or REPO_ROOT / "expectations"),
        nik_valid_floor=_float("BANSOS360_NIK_VALID_FLOOR", 0.90),
        shrink_warning_ratio=_float("BANSOS360_SHRINK_WARNING_RATIO", 0.5),
        frekuensi_tinggi=int(_float("BANSOS360_FREKUENSI_TINGGI", 4)),
        frekuensi_sedang=int(_float("BANSOS360_FREKUENSI_SEDANG", 2)),
        recency_sedang_periode=int(_float("BANSOS360_RECENCY_SEDANG_PERIODE", 2)),
        inbox=Path(os.environ.get("BANSOS360_INBOX") or (home / "inbox")).resolve(),
        inbox_settle_seconds=_float("BANSOS360_INBOX_SETTLE_SECONDS", 10.0),
        max_upload_mb=_float("BANSOS360_MAX_UPLOAD_MB", 2048.0),
        backup_dir=Path(os.environ.get("BANSOS360_BACKUP_DIR") or (home / "backup")).resolve(),
        backup_keep=int(_float("BANSOS360_BACKUP_KEEP", 7)),
        pg_bin=Path(os.environ["BANSOS360_PG_BIN"]) if os.environ.get("BANSOS360_PG_BIN") else None,
        airflow_url=(os.environ.get("BANSOS360_AIRFLOW_URL") or "http://127.0.0.1:8080").rstrip("/"),
        superset_url=(os.environ.get("BANSOS360_SUPERSET_URL") or "http://127.0.0.1:8088").rstrip("/"),
        superset_public_url=(os.environ.get("BANSOS360_SUPERSET_PUBLIC_URL") or os.environ.get("BANSOS360_SUPERSET_URL")
                             or "http://127.0.0.1:8088").rstrip("/"),
        mart_workers=max(1, int(_float("BANSOS360_MART_WORKERS", 2))),
        embed_sites=tuple(s.strip().rstrip("/") for s in os.environ.get("BANSOS360_EMBED_SITES",
                                                                         DEMO_VILLAGE_SITE).split(",") if s.strip()),
        airflow_public_url=(os.environ.get("BANSOS360_AIRFLOW_PUBLIC_URL") or os.environ.get("BANSOS360_AIRFLOW_URL")
                            or "http://127.0.0.1:8080").rstrip("/"),
        smtp_host=os.environ.get("BANSOS360_SMTP_HOST", ""),
        smtp_port=int(_float("BANSOS360_SMTP_PORT", 587)),
        smtp_tls=_choice("BANSOS360_SMTP_TLS", ("starttls", "tls", "off")),
        smtp_user=os.environ.get("BANSOS360_SMTP_USER", ""),
        smtp_password=os.environ.get("BANSOS360_SMTP_PASSWORD", ""),
        smtp_from=os.environ.get("BANSOS360_SMTP_FROM", ""),
    )
