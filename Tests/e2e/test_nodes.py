"""Issue 17: one PostgreSQL + PostGIS cluster (scripts/test starts a throwaway one and names it in
ZAMIN_TEST_POSTGRES) with two `zamin serve` nodes in front of it. A request filed on node A and
approved on node B is seen by both; an edit made with plain SQL (as QGIS or psql would make it) is
seen by both, with a history row and an audit record written by the database's triggers; ten
decisions of one request sent at once over both nodes have exactly one winner; a key revoked
through one node is refused by the other."""
import os
import subprocess
import threading
import uuid

import pytest

from conftest import GEODATA, ZAMIN, Server
from planner_support import call, permit, psql, wait_for

ADMIN = os.environ.get("ZAMIN_TEST_POSTGRES")
pytestmark = pytest.mark.skipif(not ADMIN, reason="needs a PostgreSQL cluster: ZAMIN_TEST_POSTGRES (scripts/test starts one)")


def new_database():
    name = "e2e_" + uuid.uuid4().hex[:12]
    psql(ADMIN, f"CREATE DATABASE {name}")
    return ADMIN.rsplit("/", 1)[0] + "/" + name


def zamin(*args):
    return subprocess.run([ZAMIN, *map(str, args)], capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def cluster_city():
    url = new_database()
    imported = zamin("import", "--postgres", url, GEODATA / "tehran")
    assert imported.returncode == 0, imported.stderr
    return url


@pytest.fixture
def nodes(cluster_city, tmp_path):
    a = Server(cluster_city, tmp_path / "a.log").start()
    b = Server(cluster_city, tmp_path / "b.log").start()
    yield cluster_city, a, b
    a.stop()
    b.stop()


def key(url, role, name):
    created = zamin("keys", "create", "--postgres", url, "--role", role, "--name", name)
    assert created.returncode == 0, created.stderr
    return created.stdout.strip()


def parcel(server, parcel_id):
    status, body = call(server.base, "GET", f"/collections/parcels/items/{parcel_id}")
    assert status == 200, body
    return body


def test_both_nodes_are_ready_and_at_the_same_version(nodes):
    _, a, b = nodes
    for node in (a, b):
        assert wait_for(lambda: call(node.base, "GET", "/health?ready")[0] == 200, 10) is not None
        health = call(node.base, "GET", "/health")[1]
        assert health["store"] == "postgres" and health["ready"] is True and health["lag_ms"] == 0
    assert call(a.base, "GET", "/health")[1]["data_version"] == call(b.base, "GET", "/health")[1]["data_version"]


def test_request_filed_on_one_node_and_approved_on_the_other_is_seen_by_both(nodes):
    url, a, b = nodes
    planner = key(url, "planner", "node-b-" + uuid.uuid4().hex[:6])
    before = parcel(a, "P-000010")["properties"]["floors"]
    floors = (before or 0) + 4
    status, filed = call(a.base, "POST", "/requests", permit("P-000010", floors, "residential"))
    assert status == 201, filed
    # The tracking page answers on the other node at once: requests are read from the database.
    status, tracked = call(b.base, "GET", f"/requests/{filed['tracking_code']}")
    assert status == 200 and tracked["status"] == "submitted", tracked
    status, decided = call(b.base, "POST", f"/requests/{filed['id']}/decision", {"decision": "approve", "reason": "e2e"}, key=planner)
    assert status == 200, decided
    for node in (a, b):
        assert wait_for(lambda: parcel(node, "P-000010")["properties"]["floors"] == floors, 2) is not None, node.base


def test_a_plain_sql_update_reaches_both_nodes_with_history_and_audit(nodes):
    url, a, b = nodes
    psql(url, "UPDATE parcel SET current_use = 'green' WHERE parcel_id = 'P-000020'")
    for node in (a, b):
        assert wait_for(lambda: parcel(node, "P-000020")["properties"]["current_use"] == "green", 2) is not None, node.base
    history = psql(url, "SELECT actor || '|' || coalesce(next_current_use, '') FROM parcel_history WHERE parcel_id = 'P-000020' ORDER BY change_id DESC LIMIT 1")
    assert history == "database:postgres|green"
    audit = psql(url, "SELECT action || '|' || target FROM audit WHERE target = 'parcel P-000020' ORDER BY audit_id DESC LIMIT 1")
    assert audit == "database.update|parcel P-000020"
    logged = psql(url, "SELECT count(*) FROM change_log WHERE layer = 'parcel' AND feature_id = 'P-000020' AND actor = 'database:postgres'")
    assert int(logged) >= 1


def test_ten_decisions_over_two_nodes_have_one_winner(nodes):
    url, a, b = nodes
    planner = key(url, "planner", "race-" + uuid.uuid4().hex[:6])
    status, filed = call(a.base, "POST", "/requests", permit("P-000030", 6, "residential"))
    assert status == 201, filed
    statuses = []
    lock = threading.Lock()

    def decide(node):
        status, _ = call(node.base, "POST", f"/requests/{filed['id']}/decision", {"decision": "approve", "reason": "race"}, key=planner)
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=decide, args=((a, b)[i % 2],)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] + [409] * 9, statuses
    rows = psql(url, f"SELECT count(*) FROM parcel_history WHERE request_id = {filed['id']}")
    assert rows == "1"


def test_a_key_revoked_through_one_node_is_refused_by_the_other(nodes):
    url, a, b = nodes
    name = "revoked-" + uuid.uuid4().hex[:6]
    admin = key(url, "admin", "admin-" + uuid.uuid4().hex[:6])
    planner = key(url, "planner", name)
    assert call(b.base, "GET", "/requests", key=planner)[0] == 200
    revoked = zamin("keys", "revoke", "--postgres", url, "--name", name)
    assert revoked.returncode == 0, revoked.stderr
    assert call(a.base, "GET", "/requests", key=planner)[0] == 401
    assert call(b.base, "GET", "/requests", key=planner)[0] == 401
    assert call(b.base, "GET", "/requests", key=admin)[0] == 200
