"""BANSOS 360: lake, warehouse and marts for social-assistance data of Kabupaten Trenggalek."""

__version__ = "0.1.0"
