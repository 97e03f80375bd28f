"""A local PostgreSQL/PostGIS cluster for the team server: `make server` (a lasting one under a data folder) and
`make test-server` (a throwaway one in a temporary folder on a free loopback port).

    python -m transfer._pgcluster serve --dir .server [--port 5433]   # init once, start, print the app URL
    python -m transfer._pgcluster stop --dir .server
    python -m transfer._pgcluster test -- python -m pytest tests/server   # start, run, stop and remove

The packages come from Debian (``postgresql`` and ``postgis``); they are installed when missing if this runs as
root with apt-get, else the message says what to install. PostgreSQL refuses to run as root, so as root the
cluster belongs to the ``postgres`` system user.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Cluster", "ensure_packages", "find_bin_dir", "throwaway"]

SUPERUSER = "postgres"
DATABASE = "transfer"


class ClusterError(RuntimeError):
    """The cluster could not be set up; the message says what to do."""


def find_bin_dir() -> Path | None:
    """The newest installed PostgreSQL's bin folder that has initdb and a PostGIS extension beside it."""
    root = Path("/usr/lib/postgresql")
    if not root.is_dir():
        return None
    versions = sorted((p for p in root.iterdir() if p.name.isdigit()), key=lambda p: int(p.name), reverse=True)
    for version in versions:
        has_postgis = Path(f"/usr/share/postgresql/{version.name}/extension/postgis.control").is_file()
        if (version / "bin" / "initdb").is_file() and has_postgis:
            return version / "bin"
    return None


def _apt_install(*packages: str) -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", *packages], check=True, env=env, stdout=subprocess.DEVNULL)


def ensure_packages() -> Path:
    """Return the PostgreSQL bin folder, installing PostgreSQL and PostGIS from Debian's packages when missing."""
    found = find_bin_dir()
    if found is not None:
        return found
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise ClusterError(
            "PostgreSQL with PostGIS is not installed. Install it as root (Debian/Ubuntu): "
            "apt-get install postgresql postgresql-15-postgis-3 (the PostGIS package of your PostgreSQL "
            "version), then run this again"
        )
    root = Path("/usr/lib/postgresql")
    if not root.is_dir() or not any((p / "bin" / "initdb").is_file() for p in root.iterdir()):
        _apt_install("postgresql")
    version = max(int(p.name) for p in root.iterdir() if p.name.isdigit() and (p / "bin" / "initdb").is_file())
    _apt_install(f"postgresql-{version}-postgis-3")
    found = find_bin_dir()
    if found is None:
        raise ClusterError("the PostgreSQL and PostGIS packages were installed but initdb or PostGIS is not found")
    return found


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_cluster_user(cmd: Sequence[str]) -> list[str]:
    """PostgreSQL will not run as root: run its tools as the postgres system user then."""
    if os.geteuid() != 0:
        return list(cmd)
    return ["runuser", "-u", SUPERUSER, "--", *cmd]


def _give(path: Path) -> None:
    if os.geteuid() == 0:
        user = pwd.getpwnam(SUPERUSER)
        os.chown(path, user.pw_uid, user.pw_gid)


@dataclass
class Cluster:
    """One cluster in `folder` (data in folder/data, socket and log beside it), listening on 127.0.0.1:`port`."""

    folder: Path
    port: int
    bin_dir: Path

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def password_file(self) -> Path:
        return self.folder / "superuser_password"

    def owner_url(self, database: str = DATABASE) -> str:
        password = self.password_file.read_text(encoding="utf-8").strip()
        return f"postgresql://{SUPERUSER}:{password}@127.0.0.1:{self.port}/{database}"

    def _run(self, cmd: Sequence[str]) -> None:
        done = subprocess.run(_as_cluster_user(cmd), capture_output=True, text=True)
        if done.returncode != 0:
            log = self.folder / "server.log"
            tail = log.read_text(encoding="utf-8", errors="replace")[-2000:] if log.exists() else ""
            raise ClusterError(f"{Path(cmd[0]).name} failed: {done.stderr.strip() or done.stdout.strip()}\n{tail}")

    def initialised(self) -> bool:
        return (self.data / "PG_VERSION").is_file()

    def init(self) -> None:
        """Create the cluster (password login on loopback only) and its database."""
        self.folder.mkdir(parents=True, exist_ok=True)
        _give(self.folder)
        self.password_file.write_text(secrets.token_urlsafe(24), encoding="utf-8")
        os.chmod(self.password_file, 0o600)
        pwfile = self.folder / ".initdb_pw"
        pwfile.write_text(self.password_file.read_text(encoding="utf-8"), encoding="utf-8")
        os.chmod(pwfile, 0o600)
        _give(pwfile)
        try:
            self._run(
                [
                    str(self.bin_dir / "initdb"),
                    "-D",
                    str(self.data),
                    "-U",
                    SUPERUSER,
                    f"--pwfile={pwfile}",
                    "--auth-local=scram-sha-256",
                    "--auth-host=scram-sha-256",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                ]
            )
        finally:
            pwfile.unlink(missing_ok=True)
        self.start()
        import psycopg

        with psycopg.connect(self.owner_url("postgres"), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {DATABASE}")

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder}"
        self._run(
            [
                str(self.bin_dir / "pg_ctl"),
                "-D",
                str(self.data),
                "-l",
                str(self.folder / "server.log"),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
            ]
        )

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run([str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"])


@contextlib.contextmanager
def throwaway() -> Iterator[Cluster]:
    """A new cluster in a temporary folder on a free port, stopped and removed afterwards."""
    bin_dir = ensure_packages()
    folder = Path(tempfile.mkdtemp(prefix="transfer-pg-"))
    _give(folder)
    cluster = Cluster(folder, free_port(), bin_dir)
    try:
        cluster.init()
        yield cluster
    finally:
        with contextlib.suppress(ClusterError):
            cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


def _serve(folder: Path, port: int, admin: str, team: str) -> int:
    from transfer.workspace import admin as owner

    cluster = Cluster(folder.resolve(), port, ensure_packages())
    port_file = cluster.folder / "port"
    if cluster.initialised():
        cluster.port = int(port_file.read_text().strip()) if port_file.exists() else port
        with contextlib.suppress(ClusterError):
            cluster.start()  # already running is fine
    else:
        cluster.init()
        port_file.write_text(str(port))
    secrets_file = cluster.folder / "accounts.txt"
    if not secrets_file.exists():
        app_password = secrets.token_urlsafe(18)
        admin_password = os.environ.get("TRANSFER_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
        url = owner.init_server(
            cluster.owner_url(), app_password=app_password, team=team, admin_user=admin, admin_password=admin_password
        )
        secrets_file.write_text(f"app_url={url}\nadmin={admin}\nadmin_password={admin_password}\nteam={team}\n")
        os.chmod(secrets_file, 0o600)
        sys.stderr.write(f"first admin account: {admin} / {admin_password} (team {team}); kept in {secrets_file}\n")
    else:
        owner.migrate(cluster.owner_url())
    values = dict(line.split("=", 1) for line in secrets_file.read_text().splitlines() if "=" in line)
    sys.stderr.write(f"team server on 127.0.0.1:{cluster.port} (data in {cluster.data}); admin: {values['admin']}\n")
    print(values["app_url"])
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m transfer._pgcluster", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", help="create (once) and start a lasting cluster; print the app's URL")
    s.add_argument("--dir", default=".server")
    s.add_argument("--port", type=int, default=5433)
    s.add_argument("--admin", default="admin")
    s.add_argument("--team", default="team")
    s = sub.add_parser("stop", help="stop the lasting cluster")
    s.add_argument("--dir", default=".server")
    s = sub.add_parser("test", help="run a command against a throwaway cluster ($TRANSFER_TEST_OWNER_URL)")
    s.add_argument("cmd", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    try:
        if args.command == "serve":
            return _serve(Path(args.dir), args.port, args.admin, args.team)
        if args.command == "stop":
            folder = Path(args.dir).resolve()
            bin_dir = find_bin_dir()
            if bin_dir is None or not (folder / "data").is_dir():
                print(f"no cluster in {folder}")
                return 0
            Cluster(folder, 0, bin_dir).stop()
            return 0
        cmd = [c for c in args.cmd if c != "--"]
        if not cmd:
            parser.error("give the command to run after --")
        with throwaway() as cluster:
            env = {**os.environ, "TRANSFER_TEST_OWNER_URL": cluster.owner_url()}
            return subprocess.run(cmd, env=env).returncode
    except ClusterError as exc:
        sys.stderr.write(f"transfer server: {exc}\n")
        return 2


if __name__ == "__main__":
    sys.exit(main())
