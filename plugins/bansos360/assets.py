"""The Airflow Assets that make the lineage visible: inbox -> lake deliveries -> warehouse -> marts."""

from __future__ import annotations

from airflow.sdk import Asset, AssetWatcher

from bansos360 import config
from bansos360.triggers import InboxTrigger

LAKE = Asset(name="danau_bansos360", uri="bansos360://danau/kiriman", group="bansos360")
WAREHOUSE = Asset(name="gudang_bansos360", uri="bansos360://gudang", group="bansos360")
MARTS = Asset(name="mart_bansos360", uri="bansos360://mart", group="bansos360")


def inbox() -> Asset:
    """The watched inbox, with the watcher that turns a new file into an asset event."""
    settings = config.load()
    trigger = InboxTrigger(str(settings.inbox), settle_seconds=settings.inbox_settle_seconds)
    return Asset(name="kotak_masuk_bansos360", uri="bansos360://kotak-masuk", group="bansos360",
                 watchers=[AssetWatcher(name="pengawas_kotak_masuk", trigger=trigger)])
