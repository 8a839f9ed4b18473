"""Issue 17 point 5 with a real cluster and two real nodes: PostgreSQL stopped during a stream of
filings — both nodes keep answering reads from memory, writes answer 503 JSON with Retry-After,
every acknowledged filing is in the database afterwards and `zamin check` passes; when PostgreSQL
is back the nodes write again without a restart. A node killed with SIGKILL and started again
catches up with a change made while it was down."""
import json
import os
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from conftest import GEODATA, ZAMIN, Server
from planner_support import permit, psql, wait_for

ADMIN = os.environ.get("ZAMIN_TEST_POSTGRES")
CLUSTER = os.environ.get("ZAMIN_TEST_POSTGRES_DIR")
BIN = os.environ.get("ZAMIN_TEST_POSTGRES_BIN")
pytestmark = pytest.mark.skipif(not (ADMIN and CLUSTER and BIN),
                                reason="needs the throwaway cluster of scripts/test (ZAMIN_TEST_POSTGRES, _DIR, _BIN)")


def pg_ctl(*args):
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
    result = subprocess.run([*as_postgres, f"{BIN}/pg_ctl", "-D", f"{CLUSTER}/data", "-w", *args],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def stop_cluster():
    pg_ctl("stop", "-m", "fast")


def start_cluster():
    options = Path(CLUSTER, "options").read_text().strip()
    pg_ctl("-l", f"{CLUSTER}/log", "-o", options, "start")


def request(base, method, path, body=None):
    """(status, headers, parsed JSON body)."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=15) as response:
            return response.status, dict(response.headers), json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read() or b"null")


@pytest.fixture
def city():
    name = "faults_" + uuid.uuid4().hex[:10]
    psql(ADMIN, f"CREATE DATABASE {name}")
    url = ADMIN.rsplit("/", 1)[0] + "/" + name
    imported = subprocess.run([ZAMIN, "import", "--postgres", url, str(GEODATA / "tehran")],
                              capture_output=True, text=True, timeout=600)
    assert imported.returncode == 0, imported.stderr
    return url


def test_postgres_stopped_during_filings_loses_no_acknowledged_one(city, tmp_path):
    args = ("--public-posts-per-minute", "100000")
    a = Server(city, tmp_path / "a.log").start(extra_args=args)
    b = Server(city, tmp_path / "b.log").start(extra_args=args)
    acknowledged, refused, other = [], [], []
    stop = threading.Event()

    def file_requests():
        number = 0
        while not stop.is_set():
            node = (a, b)[number % 2]
            try:
                status, headers, body = request(node.base, "POST", "/requests", permit(f"P-{100 + number % 400:06d}", 5, "residential"))
            except OSError as error:  # the node itself must never go away
                other.append(("os", str(error)))
                break
            if status == 201:
                acknowledged.append(body["tracking_code"])
            elif status == 503:
                refused.append((headers.get("Retry-After"), body.get("code")))
            else:
                other.append((status, body))
            number += 1
            time.sleep(0.02)

    filer = threading.Thread(target=file_requests)
    try:
        filer.start()
        assert wait_for(lambda: len(acknowledged) >= 10, 30) is not None
        stop_cluster()
        try:
            # Reads answer from memory while the database is down, on both nodes.
            for node in (a, b):
                status, _, body = request(node.base, "GET", "/lookup?lat=35.6997&lon=51.4024")
                assert status == 200 and "nearest" in body
            assert wait_for(lambda: len(refused) >= 5, 30) is not None
        finally:
            start_cluster()
        written_before = len(acknowledged)
        # Back without a restart: filings are acknowledged again, through both nodes.
        assert wait_for(lambda: len(acknowledged) >= written_before + 10, 60) is not None
    finally:
        stop.set()
        filer.join()
        a.stop()
        b.stop()
    assert other == []
    assert all(retry == "5" and code == "NoApplicableCode" for retry, code in refused), refused[:3]
    codes = ",".join(f"'{code}'" for code in acknowledged)
    assert int(psql(city, f"SELECT count(*) FROM change_request WHERE tracking_code IN ({codes})")) == len(acknowledged)
    check = subprocess.run([ZAMIN, "check", "--postgres", city], capture_output=True, text=True, timeout=600)
    assert check.returncode == 0, check.stdout + check.stderr


def test_a_node_killed_and_started_again_catches_up(city, tmp_path):
    a = Server(city, tmp_path / "a.log").start()
    try:
        a.stop(signal.SIGKILL)
        psql(city, "UPDATE parcel SET floors = 9 WHERE parcel_id = 'P-000050'")
        a = Server(city, tmp_path / "a2.log").start()
        assert wait_for(lambda: request(a.base, "GET", "/health?ready")[0] == 200, 10) is not None
        status, _, body = request(a.base, "GET", "/collections/parcels/items/P-000050")
        assert status == 200 and body["properties"]["floors"] == 9
    finally:
        a.stop()
