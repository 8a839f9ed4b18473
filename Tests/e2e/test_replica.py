"""Issue 17 point 5: a node with `--postgres-read` loads and follows the city from a streaming
replica (made here with pg_basebackup from the throwaway cluster, on its own free port, stopped
by its PID), while its writes go to the primary: a change made on the primary reaches the node
through the replica, and a request filed through the node is on the primary at once."""
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from conftest import GEODATA, ZAMIN, Server
from planner_support import call, permit, psql, wait_for

ADMIN = os.environ.get("ZAMIN_TEST_POSTGRES")
BIN = os.environ.get("ZAMIN_TEST_POSTGRES_BIN")
pytestmark = pytest.mark.skipif(not (ADMIN and BIN), reason="needs the throwaway cluster of scripts/test")
AS_POSTGRES = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def replica():
    primary_port = ADMIN.rsplit(":", 1)[1].split("/")[0]
    folder = Path(tempfile.mkdtemp(prefix="zamin-replica-"))
    pid = None
    try:
        if AS_POSTGRES:
            shutil.chown(folder, "postgres")
        folder.chmod(0o755)
        data = folder / "data"
        backup = subprocess.run([*AS_POSTGRES, f"{BIN}/pg_basebackup", "-h", "127.0.0.1", "-p", primary_port, "-U", "postgres",
                                 "-D", str(data), "-R", "-X", "stream", "-c", "fast"], capture_output=True, text=True, timeout=300)
        assert backup.returncode == 0, backup.stderr
        # A standby must allow at least the primary's connections (its recovery stops otherwise).
        connections = psql(ADMIN, "SHOW max_connections")
        port = free_port()
        started = subprocess.run([*AS_POSTGRES, f"{BIN}/pg_ctl", "-D", str(data), "-l", str(folder / "log"), "-w", "-t", "300", "-o",
                                  f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c hot_standby=on -c max_connections={connections}",
                                  "start"], capture_output=True, text=True, timeout=400)
        assert started.returncode == 0, started.stdout + started.stderr + (folder / "log").read_text()[-2000:]
        pid = int((data / "postmaster.pid").read_text().split()[0])
        yield port
    finally:
        if pid is not None:
            os.kill(pid, 2)  # SIGINT: fast shutdown of the replica's postmaster, by its PID
            for _ in range(600):
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.1)
        shutil.rmtree(folder, ignore_errors=True)


def test_a_node_loads_and_follows_from_a_replica_and_writes_to_the_primary(replica, tmp_path):
    name = "replica_" + uuid.uuid4().hex[:10]
    psql(ADMIN, f"CREATE DATABASE {name}")
    primary = ADMIN.rsplit("/", 1)[0] + "/" + name
    imported = subprocess.run([ZAMIN, "import", "--postgres", primary, str(GEODATA / "tehran")], capture_output=True, text=True, timeout=600)
    assert imported.returncode == 0, imported.stderr
    standby = f"postgres://postgres@127.0.0.1:{replica}/{name}"
    # The replica has replayed the import before the node starts from it.
    assert wait_for(lambda: subprocess.run(["psql", standby, "-X", "-A", "-t", "-c", "SELECT count(*) FROM parcel"],
                                           capture_output=True, text=True).stdout.strip() == "6673", 30) is not None
    node = Server(primary, tmp_path / "node.log").start(extra_args=("--postgres-read", standby))
    try:
        assert call(node.base, "GET", "/health")[1]["parcels"] == 6673
        psql(primary, "UPDATE parcel SET current_use = 'green' WHERE parcel_id = 'P-000060'")
        seen = wait_for(lambda: call(node.base, "GET", "/collections/parcels/items/P-000060")[1]["properties"]["current_use"] == "green", 5)
        assert seen is not None
        status, filed = call(node.base, "POST", "/requests", permit("P-000061", 4, "residential"))
        assert status == 201, filed
        assert psql(primary, f"SELECT status FROM change_request WHERE tracking_code = '{filed['tracking_code']}'") == "submitted"
        # A node's own reads of requests go to the primary: its tracking page answers at once.
        assert call(node.base, "GET", f"/requests/{filed['tracking_code']}")[0] == 200
    finally:
        node.stop()
