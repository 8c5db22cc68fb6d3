"""Fixtures of the converge test: the test server, the proxy, the inventory, the release tarballs."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import os
import re
import secrets
import shutil
import subprocess
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.deploy.nas import REPOSITORY, Nas
from tests.deploy.nas import USER as NAS_USER
from tests.deploy.proxy import Proxy
from tests.deploy.testbed import MIRROR, SECURITY_MIRROR, Server, base_root
from tests.smtp import Mailbox

REPO = Path(__file__).resolve().parents[2]
ANSIBLE = REPO / "ops" / "ansible"
WORK = Path(os.environ.get("BANSOS360_DEPLOY_DIR", "/var/tmp/bansos360-uji"))
ARTIFACTS = REPO / "artifacts" / "deploy"
VAULT_PASSWORD = "uji-bukan-rahasia"
# users of the test installation, with their vault variables (test values, like vault.example.yml's)
VILLAGE_SITE = "https://desa.uji.invalid"  # a village site allowed to embed (the guest flood mints tokens for it)
USERS = [
    {"username": "kominfo", "nama": "Insinyur Kominfo", "email": "kominfo@uji.invalid", "peran": ["Admin"],
     "superset": ["Admin"], "password_var": "vault_bansos360_admin_password"},
    {"username": "kabid", "nama": "Kabid Linjamsos", "email": "kabid@uji.invalid", "peran": ["Pemilik Produk"],
     "superset": ["Dinsos Analis"], "password_var": "vault_uji_kabid_password"},
    {"username": "operator", "nama": "Operator Dinsos", "email": "operator@uji.invalid",
     "peran": ["Operator Dinsos"], "password_var": "vault_uji_operator_password"},
]
PASSWORDS = {"vault_uji_kabid_password": "uji-kabid-360", "vault_uji_operator_password": "uji-operator-360"}
EXAMPLE_VAULT = ANSIBLE / "vault.example.yml"
SUPERSET_NAME = "dasbor.uji.invalid"
AIRFLOW_NAME = "airflow.uji.invalid"
SFTP_OPERATOR = "dinsos.uji"
ENGINEER_MAIL = "kominfo@uji.invalid"  # alerts_recipients
SMTP_PORT = 2525
NAS_PORT = 2222
# a small file system the alerts watch, filled in the test (a full disk)
FULL_DISK = "/mnt/uji-penuh"


def vault_value(key: str) -> str:
    """The test installation's own secret for a key of vault.example.yml (the playbook refuses its dummies): random
    per run, the same for every reader in this process (pytest may import this module twice)."""
    seed = os.environ.setdefault("BANSOS360_UJI_VAULT_SEED", secrets.token_hex(16))
    digest = hmac.new(seed.encode(), key.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode() if key.endswith("fernet_key") else digest.hex()[:48]


@dataclass
class Run:
    """One ansible-playbook run: its return code, its recap counts, its seconds and its log."""

    rc: int
    recap: dict[str, int]
    seconds: float
    log: Path

    def tasks(self, status: str) -> list[str]:
        """Names of the tasks that ended with ``status`` (``changed``, ``failed``), from the log."""
        names, current = [], None
        for line in self.log.read_text().splitlines():
            if line.startswith("TASK ["):
                current = line[len("TASK ["):].split("]")[0]
            elif current and (line.startswith(f"{status}:") or line.startswith("fatal:") and status == "failed"):
                names.append(current)
        return sorted(set(names))


@dataclass
class Deployment:
    """The test server and how to run the playbook against it."""

    server: Server
    inventory: Path
    operator_key: Path
    mailbox: Mailbox
    nas: Nas
    base_tarball: Path
    proxy: Proxy
    controller: Path

    def playbook(self, version: str, name: str, extra: dict | None = None) -> Run:
        """Run site.yml with the inventory (and ``extra`` as extra vars, which outrank it); log in artifacts."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        log = ARTIFACTS / f"{name}.log"
        vars_file = self.inventory / "group_vars" / "bansos360" / "uji_rilis.yml"
        vars_file.write_text(f"---\nbansos360_version: {version}\n")
        started = time.monotonic()
        with log.open("w") as out:
            done = subprocess.run(
                [str(self.controller / "bin" / "ansible-playbook"), "-i", str(self.inventory),
                 "--vault-password-file", str(self.inventory / "vault-password"),
                 *(["-e", json.dumps(extra)] if extra else []), "site.yml"],
                cwd=ANSIBLE, stdout=out, stderr=subprocess.STDOUT,
                env={**os.environ, "ANSIBLE_CONFIG": str(ANSIBLE / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1",
                     "ANSIBLE_FORCE_COLOR": "0"}, timeout=3600)
        seconds = time.monotonic() - started
        recap = re.search(r"ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", log.read_text())
        counts = dict(zip(("ok", "changed", "unreachable", "failed"), map(int, recap.groups()), strict=True)) \
            if recap else {}
        return Run(done.returncode, counts, seconds, log)


def _need(condition: bool, what: str) -> None:
    if not condition:
        pytest.fail(f"the converge test needs {what}", pytrace=False)


@pytest.fixture(scope="session")
def release() -> str:
    """The version of the tarball `make release` made last (make test-deploy makes one first)."""
    latest = REPO / "dist" / "LATEST"
    _need(latest.exists(), "a release tarball: run `make release` (make test-deploy does)")
    version = latest.read_text().strip()
    _need((REPO / "dist" / f"bansos360-{version}.tar.gz").exists(), f"dist/bansos360-{version}.tar.gz")
    return version


def _relabel(source_version: str, version: str, change=None, added: dict[str, bytes] | None = None) -> str:
    """dist/bansos360-<version>.tar.gz: the tarball of ``source_version`` under another version (its top folder
    and RELEASE), with ``change(name, body)`` applied to each file's bytes and the ``added`` files in it; and its
    checksum."""
    source = REPO / "dist" / f"bansos360-{source_version}.tar.gz"
    target = REPO / "dist" / f"bansos360-{version}.tar.gz"
    old_top, new_top = f"bansos360-{source_version}", f"bansos360-{version}"
    with tarfile.open(source, "r:gz") as src, tarfile.open(target, "w:gz", compresslevel=1) as dst:
        for member in src:
            data = src.extractfile(member) if member.isfile() else None
            body = data.read() if data else None
            inner = member.name[len(old_top) + 1:]
            if inner == "RELEASE":
                body = f"{version}\n".encode()
            elif change is not None and body is not None:
                body = change(inner, body)
            member.name = new_top + member.name[len(old_top):]
            member.pax_headers = {}  # a long name read from a PAX header would be written back over the new one
            if body is not None:
                member.size = len(body)
            dst.addfile(member, io.BytesIO(body) if body is not None else None)
        for name, body in (added or {}).items():
            info = tarfile.TarInfo(f"{new_top}/{name}")
            info.size, info.mode, info.mtime = len(body), 0o644, int(time.time())
            dst.addfile(info, io.BytesIO(body))
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    Path(f"{target}.sha256").write_text(f"{digest}  {target.name}\n")
    return version


@pytest.fixture(scope="session")
def second_release(release) -> str:
    """A second tarball of the same commit under another version: the upgrade path of a deploy."""
    return _relabel(release, f"{release}-uji2")


#: A real schema migration the broken release carries: a column on a table the pages write, a new table with a row.
BROKEN_MIGRATION = "900_uji_rilis_rusak.sql"
BROKEN_MIGRATION_SQL = b"""-- the broken test release's migration (tests/deploy/conftest.py): the rollback must undo it
alter table audit.submission add column uji_rilis_rusak text;
create table audit.uji_rilis_rusak (n integer);
insert into audit.uji_rilis_rusak values (1);
"""


@pytest.fixture(scope="session")
def broken_release(second_release) -> str:
    """The second release with a schema migration and one fault a deploy only meets when Superset starts
    (``superset serve`` exits): its setup and migrations pass, so `current` switches, the health check fails and
    the deploy puts the databases back and rolls back."""
    def break_superset(name: str, body: bytes) -> bytes:
        if name == "plugins/bansos360/superset_runtime.py":
            body = body.replace(b'    command = _gunicorn(settings)\n',
                                b'    raise SystemExit("rilis rusak (uji) / broken release (test)")\n', 1)
            assert b"rilis rusak" in body
        return body

    return _relabel(second_release.removesuffix("-uji2"), second_release.replace("-uji2", "-rusak"), break_superset,
                    {f"sql/migrations/{BROKEN_MIGRATION}": BROKEN_MIGRATION_SQL})


@pytest.fixture(scope="session")
def controller(release, tmp_path_factory) -> Path:
    """The Ansible controller as docs/deploy.md has the engineer make it on the laptop: a virtual environment
    installed from the release's own wheels (wheels/deploy, uv from wheels/pipeline), without an index."""
    folder = tmp_path_factory.mktemp("pengendali")
    top = f"bansos360-{release}/"
    wanted = (f"{top}wheels/deploy/", f"{top}wheels/pipeline/uv-", f"{top}requirements/deploy.lock")
    with tarfile.open(REPO / "dist" / f"bansos360-{release}.tar.gz", "r:gz") as tarball:
        tarball.extractall(folder, members=[m for m in tarball if m.name.startswith(wanted)], filter="data")
    unpacked, venv = folder / top, folder / "venv"
    steps = [["python3", "-m", "venv", str(venv)],
             [str(venv / "bin" / "pip"), "install", "--quiet", "--no-index", "--find-links",
              str(unpacked / "wheels" / "pipeline"), "uv"],
             [str(venv / "bin" / "uv"), "pip", "install", "--quiet", "--offline", "--no-index", "--find-links",
              str(unpacked / "wheels" / "deploy"), "--python", str(venv / "bin" / "python"), "-r",
              str(unpacked / "requirements" / "deploy.lock")]]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True)
        _need(done.returncode == 0, f"the controller from the release's wheels ({' '.join(step[:3])}): "
              f"{done.stderr[-1500:]}")
    return venv


@pytest.fixture(scope="session")
def deployment(tmp_path_factory, controller) -> Deployment:
    """A booted clean Debian 12 root, its proxy, and an inventory that differs from inventory/t40 only in
    the host's address and the settings of a test installation (uji.yml)."""
    _need(os.geteuid() == 0, "root (namespaces, debootstrap, chroot)")
    _need(shutil.which("debootstrap") is not None, "debootstrap (apt-get install debootstrap)")
    keys = tmp_path_factory.mktemp("kunci")
    for name in ("admin", "operator", "cadangan"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(keys / name)], check=True)
    tarball = base_root(REPO / "build" / "debootstrap")
    server = Server(root=WORK / "root", key=keys / "admin")
    proxy = Proxy(server.host_address, 3128, {urlsplit(MIRROR).hostname, urlsplit(SECURITY_MIRROR).hostname})
    mailbox = Mailbox(server.host_address, SMTP_PORT)
    nas = Nas(WORK / "nas", server.host_address, NAS_PORT)
    try:
        server._network()  # the proxy, the mail relay and the NAS listen on the test's end of the veth pair
        proxy.start()
        mailbox.start()
        nas.start(tarball, (keys / "cadangan.pub").read_text())
        server.proxy_url = proxy.url
        server.create(tarball)
        inventory = _inventory(tmp_path_factory.mktemp("inventaris"), server, keys, nas, controller)
        yield Deployment(server, inventory, keys / "operator", mailbox, nas, tarball, proxy, controller)
    finally:
        proxy.stop()
        mailbox.stop()
        nas.stop()
        server.destroy()
        shutil.rmtree(WORK, ignore_errors=True)


def _inventory(folder: Path, server: Server, keys: Path, nas: Nas, controller: Path) -> Path:
    inventory = folder / "uji"
    shutil.copytree(ANSIBLE / "inventory" / "t40", inventory)
    (inventory / "hosts.yml").write_text(
        "---\nbansos360:\n  hosts:\n    t40:\n"
        f"      ansible_host: {server.address}\n      ansible_port: 22\n      ansible_user: {server.admin}\n"
        f"      ansible_become_password: {server.admin_password}\n"  # the installer's sudo, until the first run
        f"      ansible_ssh_private_key_file: {keys / 'admin'}\n"
        "      ansible_ssh_common_args: -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null\n")
    group_vars = inventory / "group_vars" / "bansos360"
    operator_key = (keys / "operator.pub").read_text().strip()
    admin_key = (keys / "admin.pub").read_text().strip()

    (group_vars / "uji.yml").write_text(
        "---\n# the test installation: its proxy, names, users and SFTP operator\n"
        f"bansos360_http_proxy: {server.proxy_url}\n"
        f"bansos360_superset_server_name: {SUPERSET_NAME}\n"
        f"bansos360_airflow_server_name: {AIRFLOW_NAME}\n"
        f"bansos360_users: {json.dumps(USERS)}\n"
        f"bansos360_embed_sites: {json.dumps([VILLAGE_SITE])}\n"
        "activate_health_timeout: 150\n"
        f"lake_sftp_operators: {json.dumps([{'name': SFTP_OPERATOR, 'authorized_keys': [operator_key]}])}\n"
        f"common_admins: {json.dumps([{'name': server.admin, 'authorized_keys': [admin_key]}])}\n"
        # SSH from the test's end of the veth pair only; its NTP server there answers nothing, and the clock
        # is this machine's, so chrony only measures
        f"common_firewall_ssh_sources: [{server.host_address}]\n"
        f"common_ntp_servers: [{server.host_address}]\n"
        "common_ntp_set_clock: false\n"
        # mail through the test's relay (plain SMTP, no login), to the engineer; the alerts also watch FULL_DISK
        f"bansos360_smtp_host: {server.host_address}\n"
        f"bansos360_smtp_port: {SMTP_PORT}\n"
        "bansos360_smtp_tls: 'off'\n"
        "bansos360_smtp_from: bansos360@uji.invalid\n"
        f"alerts_recipients: [{ENGINEER_MAIL}]\n"
        f"alerts_disk_paths: [/, /srv, {FULL_DISK}]\n"
        # the nightly backup to the NAS (its host key pinned, as the engineer takes it from the NAS)
        f"backup_sftp_host: {nas.address}\n"
        f"backup_sftp_port: {nas.port}\n"
        f"backup_sftp_user: {NAS_USER}\n"
        f"backup_sftp_path: {REPOSITORY}\n"
        f"backup_sftp_known_hosts: {json.dumps(nas.known_hosts())}\n"
        f"backup_sftp_private_key_file: {keys / 'cadangan'}\n")
    # the vault: a random value for every key of vault.example.yml, plus the test users' passwords, encrypted
    # as on a real server
    names = [line.split(":")[0] for line in EXAMPLE_VAULT.read_text().splitlines() if line.startswith("vault_")]
    vault = group_vars / "vault.yml"
    vault.write_text("---\n" + "".join(f"{k}: {vault_value(k)}\n" for k in names)
                     + "".join(f"{k}: {v}\n" for k, v in PASSWORDS.items()))
    (inventory / "vault-password").write_text(VAULT_PASSWORD + "\n")
    subprocess.run([str(controller / "bin" / "ansible-vault"), "encrypt", "--vault-password-file",
                    str(inventory / "vault-password"), str(vault)], check=True, capture_output=True)
    return inventory


def password(var: str) -> str:
    """A test user's password, as the test installation's vault holds it."""
    return PASSWORDS[var] if var in PASSWORDS else vault_value(var)
