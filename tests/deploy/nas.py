"""The backup target off the box: an SFTP server as a NAS or a second server in the office would offer one.

It is OpenSSH's own ``sshd`` from a second copy of the same debootstrapped Debian root, chrooted, in this
machine's network namespace on the test's end of the veth pair (so the test server reaches it as it reaches the
proxy). One account, ``cadangan``, logs in with one key and gets SFTP only; the repository folder is
``/srv/cadangan/bansos360`` inside that root. ``create`` and ``lose`` of the test server leave it alone: it is
what survives a lost server.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

USER = "cadangan"
REPOSITORY = "/srv/cadangan/bansos360"


class Nas:
    """sshd (SFTP only) chrooted into ``root``, listening on ``address:port``."""

    def __init__(self, root: Path, address: str, port: int):
        self.root, self.address, self.port = root, address, port
        self._sshd: subprocess.Popen | None = None

    def start(self, base_tarball: Path, authorized_key: str) -> None:
        if self.root.exists():
            shutil.rmtree(self.root)
        self.root.mkdir(parents=True)
        subprocess.run(["tar", "-C", str(self.root), "--numeric-owner", "-xf", str(base_tarball)], check=True)
        subprocess.run(["chroot", str(self.root), "sh", "-c",
                        f"useradd -m -s /bin/sh -p '*' {USER} && install -d -o {USER} -g {USER} -m 0700 /srv/cadangan "
                        "&& ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/nas_host_ed25519_key "
                        "&& install -d -m 0755 /run/sshd /etc/ssh/nas_keys"], check=True)
        (self.root / "etc/ssh/nas_keys" / USER).write_text(authorized_key.strip() + "\n")
        (self.root / "etc/ssh/sshd_nas").write_text(
            f"Port {self.port}\nListenAddress {self.address}\nHostKey /etc/ssh/nas_host_ed25519_key\n"
            "PidFile none\nAuthorizedKeysFile /etc/ssh/nas_keys/%u\nPasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\nUsePAM no\nPermitRootLogin no\n"
            f"AllowUsers {USER}\nSubsystem sftp internal-sftp\nForceCommand internal-sftp\n"
            "AllowTcpForwarding no\nX11Forwarding no\n")
        # /dev and /proc inside, in a mount namespace of sshd's own: they go when it exits
        self._sshd = subprocess.Popen(
            ["unshare", "--mount", "--propagation", "private", "sh", "-c",
             f'mount --rbind /dev "{self.root}/dev" && mount -t proc proc "{self.root}/proc" && '
             f'exec chroot "{self.root}" /usr/sbin/sshd -D -e -f /etc/ssh/sshd_nas'],
            stdout=subprocess.DEVNULL, stderr=(self.root.parent / "nas.log").open("wb"), start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((self.address, self.port), timeout=1):
                    return
            except OSError:
                if self._sshd.poll() is not None:
                    raise RuntimeError(f"sshd of the NAS exited; see {self.root.parent / 'nas.log'}") from None
                time.sleep(0.3)
        raise TimeoutError(f"the NAS's sshd did not listen on {self.address}:{self.port}")

    def known_hosts(self) -> str:
        """The known_hosts line of the NAS, as the engineer would take it from the NAS itself."""
        key = (self.root / "etc/ssh/nas_host_ed25519_key.pub").read_text().split()
        return f"[{self.address}]:{self.port} {key[0]} {key[1]}"

    def snapshots(self) -> list[Path]:
        """The snapshot files of the restic repository (encrypted: their names only)."""
        folder = self.root / REPOSITORY.lstrip("/") / "snapshots"
        return sorted(folder.iterdir()) if folder.is_dir() else []

    def stop(self) -> None:
        if self._sshd is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._sshd.pid, signal.SIGKILL)  # sshd and its sessions (one process group)
            self._sshd.wait(10)
        if self.root.exists():
            shutil.rmtree(self.root, ignore_errors=True)
