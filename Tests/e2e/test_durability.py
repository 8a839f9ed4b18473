"""Durability: a stream of filings and approvals against a real `zamin serve`, killed with SIGKILL
at random moments several times and restarted. Afterwards every acknowledged write is in the
database, no approval is half-applied (request status, parcel, history row and audit record go
together or not at all), and `PRAGMA integrity_check` is ok. Read with Python's sqlite3 module,
independently of Zamin's code."""
import json
import random
import signal
import sqlite3
import threading

from conftest import GEODATA, Server
from planner_support import call, copy_db, create_key, permit

MARK_FLOORS = 37   # no parcel of the dataset has 37 floors: an approval is recognisable
MARK_USE = "green"


def stream(base, key, parcels, acknowledged, stop, started):
    """File and approve one request per parcel until the server dies or `stop` is set; `started`
    is set at the first acknowledged approval."""
    while parcels and not stop.is_set():
        parcel = parcels.pop(0)   # one attempt per parcel, so no parcel has two requests
        try:
            status, body = call(base, "POST", "/requests", permit(parcel, MARK_FLOORS, MARK_USE), timeout=5)
        except OSError:
            return
        if status != 201:
            return
        acknowledged["filed"][body["tracking_code"]] = parcel
        try:
            status, decided = call(base, "POST", f"/requests/{body['id']}/decision", {"decision": "approve"}, key, timeout=5)
        except OSError:
            return
        if status == 200:
            acknowledged["approved"][body["id"]] = parcel
            started.set()


def test_sigkill_during_approvals_loses_nothing_acknowledged(tehran_db, tmp_path):
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    db = copy_db(tehran_db, tmp_path)
    key = create_key(db, "planner", "durability")
    original = {f["properties"]["id"]: f["properties"]
                for f in json.loads((GEODATA / "tehran" / "parcels.geojson").read_text())["features"]}
    parcels = sorted(original)[:3000]
    acknowledged = {"filed": {}, "approved": {}}
    env = {"ZAMIN_PUBLIC_POSTS_PER_MINUTE": "1000000"}

    for round_number in range(5):
        server = Server(db, tmp_path / f"serve-{round_number}.log").start(env)
        stop, started = threading.Event(), threading.Event()
        worker = threading.Thread(target=stream, args=(server.base, key, parcels, acknowledged, stop, started))
        worker.start()
        # Kill in the middle of the stream: after it has started, at a random moment.
        assert started.wait(60), f"no approval within 60 s (seed {seed})"
        threading.Event().wait(rng.uniform(0.05, 1.5))
        server.process.send_signal(signal.SIGKILL)
        server.process.wait()
        server.log_file.close()
        worker.join(timeout=30)
        stop.set()

    print(f"seed {seed}: {len(acknowledged['filed'])} filings and {len(acknowledged['approved'])} approvals acknowledged")
    assert len(acknowledged["approved"]) >= 5, f"too few writes to test (seed {seed})"

    # Restart once more: the server recovers the WAL and serves what was acknowledged.
    server = Server(db, tmp_path / "serve-final.log").start()
    try:
        for code in list(acknowledged["filed"])[-5:]:
            status, body = call(server.base, "GET", f"/requests/{code}")
            assert status == 200, (code, seed)
    finally:
        assert server.stop() == 0

    # The applicant's personal data never reaches the server's log (permit() in planner_support).
    for log in tmp_path.glob("serve-*.log"):
        text = log.read_text(errors="replace")
        assert "request filed" in text or "loaded city" in text
        for secret in ("Reza Karimi", "1234567891", "09351234567", key, key.split("_")[2]):
            assert secret not in text, f"{secret[:4]}… in {log.name}"

    connection = sqlite3.connect(db)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        requests = {row[0]: row[1:] for row in connection.execute(
            "SELECT request_id, tracking_code, parcel_id, status FROM change_request")}
        by_code = {code: (request_id, parcel, status) for request_id, (code, parcel, status) in requests.items()}
        for code, parcel in acknowledged["filed"].items():
            assert code in by_code and by_code[code][1] == parcel, f"acknowledged filing lost (seed {seed})"
        for request_id, parcel in acknowledged["approved"].items():
            assert requests[request_id][2] == "approved", f"acknowledged approval lost (seed {seed})"

        parcels_now = {row[0]: row[1:] for row in connection.execute("SELECT parcel_id, current_use, floors FROM parcel")}
        history = {row[0]: row[1:] for row in connection.execute(
            "SELECT request_id, parcel_id, current_use, floors, next_current_use, next_floors FROM parcel_history")}
        audited = {row[0] for row in connection.execute("SELECT target FROM audit WHERE action = 'request.approve'")}
        filed_audit = {row[0] for row in connection.execute("SELECT target FROM audit WHERE action = 'request.file'")}
        for request_id, (code, parcel, status) in requests.items():
            assert f"request:{request_id}" in filed_audit
            source = original[parcel]
            if status == "approved":
                assert parcels_now[parcel] == (MARK_USE, MARK_FLOORS), f"request {request_id} approved, parcel unchanged"
                assert history[request_id] == (parcel, source["current_use"], source["floors"], MARK_USE, MARK_FLOORS)
                assert f"request:{request_id}" in audited
            else:
                assert parcels_now[parcel] == (source["current_use"], source["floors"]), f"half-applied {request_id}"
                assert request_id not in history
                assert f"request:{request_id}" not in audited
        assert set(history) == {r for r, (_, _, s) in requests.items() if s == "approved"}
    finally:
        connection.close()
