"""Backup and check: `zamin backup` of a database a real `zamin serve` is writing to (requests
filed and approved in a stream), a second server on the backup (on PostgreSQL: restored with
pg_restore into a new database), `zamin check` on the backup, and `zamin check` on a database
changed behind Zamin's back (with Python's sqlite3 module)."""
import json
import sqlite3
import subprocess
import threading
import time

from conftest import GEODATA, ZAMIN, Server, database_args, new_postgres_database
from planner_support import call, copy_db, create_key, permit

ENV = {"ZAMIN_PUBLIC_POSTS_PER_MINUTE": "100000"}   # the stream is far above the default limit


def zamin(*args):
    return subprocess.run([ZAMIN, *args], capture_output=True, text=True, timeout=600)


def tehran_parcels():
    features = json.loads((GEODATA / "tehran" / "parcels.geojson").read_text())["features"]
    return sorted(f["properties"]["id"] for f in features)


def stream(base, key, parcels, acknowledged, failures, stop):
    """Files one request per parcel and approves every other one until `stop`; appends
    (time the answer arrived, tracking code) for each filing the server acknowledged."""
    for number, parcel in enumerate(parcels):
        if stop.is_set():
            return
        status, body = call(base, "POST", "/requests", permit(parcel), timeout=30)
        if status != 201:
            failures.append(("file", parcel, status, body))
            return
        acknowledged.append((time.monotonic(), body["tracking_code"]))
        if number % 2 == 0:
            status, body = call(base, "POST", f"/requests/{body['id']}/decision", {"decision": "approve"}, key, timeout=30)
            if status != 200:
                failures.append(("approve", parcel, status, body))
                return


def test_backup_during_writes_holds_every_acknowledged_request(new_city, tmp_path):
    db = new_city(tmp_path)
    postgres = str(db).startswith("postgres://")
    backup = tmp_path / ("backup.dump" if postgres else "backup.db")
    key = create_key(db, "planner", "backup-stream")
    acknowledged, failures, stop = [], [], threading.Event()
    server = Server(db, tmp_path / "serve.log").start(ENV)
    worker = threading.Thread(target=stream, args=(server.base, key, tehran_parcels(), acknowledged, failures, stop))
    worker.start()
    try:
        deadline = time.monotonic() + 60
        while len(acknowledged) < 20 and not failures and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(acknowledged) >= 20, f"the stream did not get going: {failures}"
        # Every filing acknowledged so far was committed before the backup process starts.
        before = [code for _, code in acknowledged]
        began = time.monotonic()
        # SQLite: small steps with pauses, so the copy takes a while and the stream goes on
        # meanwhile. PostgreSQL: pg_dump reads one snapshot while the stream goes on.
        steps = () if postgres else ("--pages-per-step", "64", "--pause-ms", "20")
        result = zamin("backup", *database_args(db), str(backup), *steps)
        ended = time.monotonic()
        assert result.returncode == 0, result.stderr
        assert ("pg_dump" if postgres else "schema version") in result.stdout
        time.sleep(0.5)
    finally:
        stop.set()
        worker.join(timeout=60)
        assert server.stop() == 0
    assert not failures, failures
    during = [code for at, code in acknowledged if began < at < ended]
    assert during, "no filing was acknowledged while the backup ran: it was not taken in the middle of the stream"
    print(f"{len(before)} acknowledged before the backup, {len(during)} during it, {len(acknowledged)} in all; {result.stdout.strip()}")
    assert not (tmp_path / (backup.name + ".partial")).exists()

    if postgres:
        # What an operator does with the dump: pg_restore into an empty database.
        restored_db = new_postgres_database("e2e_restored")
        restore = subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", "--dbname", restored_db, str(backup)],
                                 capture_output=True, text=True, timeout=600)
        assert restore.returncode == 0, restore.stderr
    else:
        restored_db = backup
    check = zamin("check", *database_args(restored_db))
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.startswith("ok: schema version ")

    restored = Server(restored_db, tmp_path / "serve-backup.log").start()
    try:
        status, health = call(restored.base, "GET", "/health")
        assert status == 200
        assert (health["parcels"], health["zones"], health["facilities"]) == (6673, 46, 1060)
        for code in before:
            status, body = call(restored.base, "GET", f"/requests/{code}")
            assert status == 200, (code, body)
    finally:
        assert restored.stop() == 0

    # The target exists now: replaced only with --force.
    again = zamin("backup", *database_args(db), str(backup))
    assert again.returncode == 1
    assert "pass --force" in again.stderr


def test_check_names_a_parcel_changed_without_history(tehran_db, tmp_path):
    db = copy_db(tehran_db, tmp_path)
    key = create_key(db, "planner", "backup-check")
    server = Server(db, tmp_path / "serve.log").start(ENV)
    try:
        status, filed = call(server.base, "POST", "/requests", permit("P-000123", floors=37))
        assert status == 201, filed
        status, decided = call(server.base, "POST", f"/requests/{filed['id']}/decision", {"decision": "approve"}, key)
        assert status == 200, decided
    finally:
        assert server.stop() == 0

    clean = zamin("check", "--db", str(db))
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "1 requests (1 approved); 1 parcel versions" in clean.stdout

    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE parcel SET floors = 12 WHERE parcel_id = 'P-000123'")
    connection.close()
    broken = zamin("check", "--db", str(db))
    assert broken.returncode == 1
    lines = broken.stdout.splitlines()
    assert len(lines) == 1, broken.stdout
    assert lines[0].startswith("parcel P-000123: floors is 12 but its last version (parcel_history ")
    assert lines[0].endswith(" set 37: changed without history")
    assert "check failed: 1 problem(s)" in broken.stderr
