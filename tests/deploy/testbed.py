"""A clean Debian 12 server for the converge test, on this machine, without Docker.

``debootstrap bookworm`` makes the root (with what a fresh Debian install with the "SSH server" task has:
systemd, openssh-server, python3, sudo). systemd boots in it as PID 1, inside new PID and mount namespaces
and a network namespace of its own, joined to this machine by one veth pair: the server's firewall and its
ports (22, 80, 443, 5432, 8080, 8088) never touch this machine's, and its only way out is the test's HTTP
proxy to Debian's mirror (``proxy.py``). The playbook reaches it over SSH exactly as it reaches the T40: as the
administrator the Debian installer makes when root is given no password (a user in group ``sudo``, who sudoes
with their password), with root's key left in place so that the test sees the hardened SSH refuse it.

Everything is removed again by ``Server.destroy``: the processes (by killing the namespace's PID 1), the
network namespace with its veth pair, the root folder, and the cgroups the inner systemd made.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

MIRROR = "http://deb.debian.org/debian"
SECURITY_MIRROR = "http://deb.debian.org/debian-security"
# a fresh Debian 12 install with the "SSH server" and "standard system utilities" tasks has these
BASE_PACKAGES = ["systemd", "systemd-sysv", "dbus", "openssh-server", "python3", "sudo", "iproute2",
                 "ca-certificates", "netbase", "procps", "less"]
CGROUP_ROOT = Path("/sys/fs/cgroup")


def _cgroups() -> set[Path]:
    found = set()
    for controller in CGROUP_ROOT.iterdir() if CGROUP_ROOT.exists() else []:
        for sub in ("system.slice", "init.scope", "user.slice", "machine.slice"):
            if (controller / sub).is_dir():
                found.add(controller / sub)
    return found


def _remove_cgroup_tree(path: Path) -> None:
    for child in sorted((p for p in path.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        with contextlib.suppress(OSError):
            child.rmdir()
    with contextlib.suppress(OSError):
        path.rmdir()


def base_root(cache: Path) -> Path:
    """A tarball of the debootstrapped root, made once per cache folder (about a minute from the mirror)."""
    tarball = cache / "debian-bookworm-root.tar"
    if tarball.exists():
        return tarball
    cache.mkdir(parents=True, exist_ok=True)
    work = cache / "debootstrap"
    shutil.rmtree(work, ignore_errors=True)
    subprocess.run(["debootstrap", "--variant=minbase", f"--include={','.join(BASE_PACKAGES)}", "bookworm",
                    str(work), MIRROR], check=True, capture_output=True)
    partial = tarball.with_suffix(".partial")
    subprocess.run(["tar", "-C", str(work), "--numeric-owner", "-cf", str(partial), "."], check=True)
    partial.rename(tarball)
    shutil.rmtree(work, ignore_errors=True)
    return tarball


@dataclass
class Server:
    """One booted Debian root: ``address`` answers SSH as ``admin`` (and, until the playbook hardens SSH, as root)
    with ``key``."""

    root: Path
    key: Path
    admin: str = "pengelola"
    admin_password: str = "uji-pengelola-360"
    index: int = 1
    proxy_url: str = ""
    hostname: str = "t40-uji"
    _unshare: subprocess.Popen | None = field(default=None, repr=False)
    _pid1: int | None = field(default=None, repr=False)
    _cgroups_before: set[Path] = field(default_factory=set, repr=False)

    @property
    def netns(self) -> str:
        return f"b360uji{self.index}"

    @property
    def veth(self) -> str:
        return f"vb360u{self.index}"

    @property
    def host_address(self) -> str:
        return f"10.36.{self.index}.1"

    @property
    def address(self) -> str:
        return f"10.36.{self.index}.2"

    def create(self, base_tarball: Path) -> Server:
        """Unpack the root, give it sources, a hostname, the installer's administrator and the authorized key of
        root and the administrator, then boot it."""
        stale = self._find_pid1()  # a server an interrupted run left behind
        if stale:
            os.kill(stale, signal.SIGKILL)
            time.sleep(1)
        if self.root.exists():
            shutil.rmtree(self.root)
        self.root.mkdir(parents=True)
        subprocess.run(["tar", "-C", str(self.root), "--numeric-owner", "-xf", str(base_tarball)], check=True)
        (self.root / "etc/apt/sources.list").write_text(
            f"deb {MIRROR} bookworm main\ndeb {MIRROR} bookworm-updates main\n"
            f"deb {SECURITY_MIRROR} bookworm-security main\n")
        (self.root / "etc/hostname").write_text(self.hostname + "\n")
        (self.root / "etc/hosts").write_text(f"127.0.0.1 localhost\n127.0.1.1 {self.hostname}\n")
        subprocess.run(["chroot", str(self.root), "sh", "-c",
                        f"useradd -m -G sudo -s /bin/bash {self.admin} && echo {self.admin}:{self.admin_password}"
                        " | chpasswd"], check=True)
        for home, owner in ((self.root / "root", "root"), (self.root / "home" / self.admin, self.admin)):
            ssh = home / ".ssh"
            ssh.mkdir(mode=0o700, parents=True, exist_ok=True)
            (ssh / "authorized_keys").write_text(Path(str(self.key) + ".pub").read_text())
            (ssh / "authorized_keys").chmod(0o600)
            subprocess.run(["chroot", str(self.root), "chown", "-R", f"{owner}:", f"/{ssh.relative_to(self.root)}"],
                           check=True)
        (self.root / "etc/machine-id").write_text("")  # systemd makes one at first boot, as on a new install
        if not Path(f"/run/netns/{self.netns}").exists():
            self._network()
        self._boot()
        return self

    def _network(self) -> None:
        """The network namespace and the veth pair (again from scratch when called twice)."""
        self._delete_network()
        run = [["ip", "netns", "add", self.netns],
               ["ip", "link", "add", self.veth, "type", "veth", "peer", "name", self.veth + "p"],
               ["ip", "link", "set", self.veth + "p", "netns", self.netns],
               ["ip", "addr", "add", f"{self.host_address}/30", "dev", self.veth],
               ["ip", "link", "set", self.veth, "up"],
               ["ip", "netns", "exec", self.netns, "ip", "addr", "add", f"{self.address}/30", "dev",
                self.veth + "p"],
               ["ip", "netns", "exec", self.netns, "ip", "link", "set", self.veth + "p", "up"],
               ["ip", "netns", "exec", self.netns, "ip", "link", "set", "lo", "up"]]
        for command in run:
            subprocess.run(command, check=True, capture_output=True)

    def _boot(self) -> None:
        self._cgroups_before = _cgroups()
        log = (self.root.parent / f"{self.root.name}.boot.log").open("wb")
        self._unshare = subprocess.Popen(
            # the root is bind-mounted on itself so that "/" is a mount point inside: systemd's sandboxing of
            # units (ProtectSystem=, PrivateTmp=) needs one, as on a real disk
            ["ip", "netns", "exec", self.netns, "unshare", "--pid", "--fork", "--mount", "--propagation",
             "private", "sh", "-c",
             f'mount --bind "{self.root}" "{self.root}" && mount -t proc proc "{self.root}/proc" && '
             f'exec env -i container=bansos360-uji /usr/sbin/chroot "{self.root}" /lib/systemd/systemd'],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            self._pid1 = self._find_pid1()
            if self._pid1 and self.port_open(22):
                return
            if self._unshare.poll() is not None:
                raise RuntimeError(f"systemd did not boot in {self.root}")
            time.sleep(0.5)
        raise TimeoutError(f"no SSH on {self.address} within 60 s")

    def _find_pid1(self) -> int | None:
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                status = Path(f"/proc/{pid}/status").read_text()
                root = os.readlink(f"/proc/{pid}/root")
            except OSError:
                continue
            nspid = [line for line in status.splitlines() if line.startswith("NSpid:")]
            if root == str(self.root) and nspid and nspid[0].split()[-1] == "1":
                return int(pid)
        return None

    def port_open(self, port: int, timeout: float = 2.0) -> bool:
        """Whether a TCP connection from this machine to the server's ``port`` is accepted."""
        try:
            with socket.create_connection((self.address, port), timeout=timeout):
                return True
        except OSError:
            return False

    def ssh_options(self) -> list[str]:
        return ["-i", str(self.key), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                "-o", "BatchMode=yes", "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=10"]

    def ssh(self, command: str, check: bool = True, timeout: float = 600, user: str | None = None,
            key: Path | None = None) -> subprocess.CompletedProcess:
        """Run ``command`` on the server over SSH: as root through the administrator's sudo, or as ``user``
        with ``key``."""
        options = self.ssh_options()
        if key is not None:
            options[1] = str(key)
        if user is None:
            user, command = self.admin, f"sudo -n sh -c {shlex.quote(command)}"
        return subprocess.run(["ssh", *options, f"{user}@{self.address}", command], capture_output=True,
                              text=True, check=check, timeout=timeout, stdin=subprocess.DEVNULL)

    def reboot(self, timeout: float = 180) -> None:
        """Shut the server down as `systemctl reboot` does (every unit stopped in order, then systemd's reboot,
        which in a PID namespace ends its PID 1), and boot the same root again: what serves afterwards started by
        itself."""
        self.ssh("systemctl reboot", check=False)
        try:
            self._unshare.wait(timeout)
        except subprocess.TimeoutExpired:
            raise TimeoutError(f"the server did not shut down within {timeout:.0f} s") from None
        self._pid1, self._unshare = None, None
        for path in _cgroups() - self._cgroups_before:
            _remove_cgroup_tree(path)
        self._boot()

    def destroy(self) -> None:
        """Kill every process of the server, remove its network, its root and its cgroups."""
        self.lose()
        self._delete_network()

    def lose(self) -> None:
        """The server is lost (a dead disk, a theft): every process killed, its root and cgroups removed. Its
        network stays, so that ``create`` makes a new clean server at the same address."""
        if self._pid1:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid1, signal.SIGKILL)  # PID 1 of the namespace: the kernel kills all the rest
        if self._unshare is not None:
            try:
                self._unshare.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self._unshare.pid, signal.SIGKILL)
                self._unshare.wait(10)
        self._pid1, self._unshare = None, None
        for path in _cgroups() - self._cgroups_before:
            _remove_cgroup_tree(path)
        if self.root.exists():
            shutil.rmtree(self.root, ignore_errors=True)

    def _delete_network(self) -> None:
        subprocess.run(["ip", "link", "del", self.veth], capture_output=True)
        subprocess.run(["ip", "netns", "del", self.netns], capture_output=True)
