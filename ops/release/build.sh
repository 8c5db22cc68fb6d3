#!/usr/bin/env bash
# `make release`: one tarball a server without an index installs from (ops/ansible, docs/deploy.md).
#   dist/bansos360-<version>.tar.gz  the repository at one commit, the wheels of the server's two lock files
#                                    for its Python (CPython 3.11, x86_64 Linux, as on Debian 12), the wheels
#                                    of the Ansible controller's lock file (deploy, for the same Python on the
#                                    engineer's laptop), RELEASE
#   dist/bansos360-<version>.tar.gz.sha256
#   dist/LATEST                      the version of the last tarball made
# The version is the project's version and the commit; uncommitted changes to tracked files are included
# (git stash create) and marked "-dirty". Wheels are kept in build/wheels between releases.
set -euo pipefail
cd "$(dirname "$0")/../.."
PIP=${PIP:-.venv/bin/pip}
UV_VERSION=${UV_VERSION:-0.13.8}
base=$(sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml | head -1)
commit=$(git stash create || true)
if [ -n "$commit" ]; then suffix=-dirty; else commit=$(git rev-parse HEAD); suffix=; fi
version="${base}-g$(git rev-parse --short=10 "$commit")${suffix}"
name="bansos360-${version}"
stage="build/release/${name}"
rm -rf "build/release"
mkdir -p "$stage" dist build/wheels/pipeline build/wheels/superset build/wheels/deploy
git archive --format=tar "$commit" | tar -x -C "$stage"
for env in pipeline superset deploy; do
  # pip wheel takes a ready wheel as it is and builds the few sources that have none (odfpy)
  "$PIP" wheel --quiet --disable-pip-version-check --no-deps -w "build/wheels/$env" -r "requirements/$env.lock"
  mkdir -p "$stage/wheels/$env"
  python3 - "$env" "$stage" <<'PY'
import re, shutil, sys
from pathlib import Path
env, stage = sys.argv[1], Path(sys.argv[2])
pins = {}
for line in Path(f"requirements/{env}.lock").read_text().splitlines():
    m = re.match(r"^([A-Za-z0-9_.-]+)==([^\s;]+)", line)
    if m:
        pins[re.sub(r"[-_.]+", "_", m[1]).lower()] = m[2]
found = set()
for wheel in Path(f"build/wheels/{env}").glob("*.whl"):
    dist, ver = wheel.name.split("-")[:2]
    key = re.sub(r"[-_.]+", "_", dist).lower()
    if pins.get(key) == ver:  # only the pinned version, not an older one left in build/wheels
        shutil.copy2(wheel, stage / "wheels" / env / wheel.name)
        found.add(key)
missing = sorted(set(pins) - found)
if missing:
    sys.exit(f"no wheel for: {', '.join(missing)}")
PY
done
"$PIP" download --quiet --disable-pip-version-check --no-deps --only-binary=:all: -d "$stage/wheels/pipeline" "uv==${UV_VERSION}"
echo "$version" > "$stage/RELEASE"
# RELEASE goes last into the archive: the playbook takes a folder with RELEASE as completely unpacked.
# gzip -1: the wheels are compressed already; a higher level only costs time
(cd build/release && { find "$name" -mindepth 1 -path "${name}/RELEASE" -prune -o -print | LC_ALL=C sort; echo "${name}/RELEASE"; } \
  | tar --use-compress-program="gzip -1" -cf "../../dist/${name}.tar.gz" --owner=0 --group=0 --no-recursion -T -)
(cd dist && sha256sum "${name}.tar.gz" > "${name}.tar.gz.sha256")
rm -rf build/release
echo "$version" > dist/LATEST
echo "$version"
