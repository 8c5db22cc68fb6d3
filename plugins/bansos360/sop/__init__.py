"""The SOP pages (upload, approval, status), served by Airflow's API server as a plugin under ``/sop``."""
