"""Helpers for the planner end-to-end tests: a private copy of the imported database, the keys
CLI, and JSON over HTTP with the standard library."""
import http.client
import json
import shutil
import subprocess
import time
import urllib.error
import urllib.request

from conftest import ZAMIN, database_args


def copy_db(source, target_dir):
    """A private copy of an imported database (the import checkpointed, so the file is whole)."""
    target = target_dir / "zamin.db"
    shutil.copy(source, target)
    for suffix in ("-wal", "-shm"):
        if (source.parent / (source.name + suffix)).exists():
            shutil.copy(source.parent / (source.name + suffix), target_dir / ("zamin.db" + suffix))
    return target


def keys(*args):
    return subprocess.run([ZAMIN, "keys", *args], capture_output=True, text=True, timeout=120)


def create_key(db, role, name):
    result = keys("create", *database_args(db), "--role", role, "--name", name)
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert token.startswith("zk_") and "\n" not in token
    return token


def call(base, method, path, body=None, key=None, timeout=10):
    """(status, parsed JSON body) — raises OSError when the server is gone."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if key:
        request.add_header("Authorization", "Bearer " + key)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def permit(parcel, floors=37, use="green"):
    return {
        "parcel_id": parcel, "kind": "construction_permit", "requested_use": use, "requested_floors": floors,
        "description": "e2e", "applicant": {"name": "Reza Karimi", "national_id": "1234567891", "phone": "09351234567"},
    }


def psql(url, sql):
    """One statement on a PostgreSQL database with psql; its rows as unaligned text."""
    result = subprocess.run(["psql", url, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def wait_for(predicate, limit_seconds):
    """Seconds until `predicate()` is true, polling every 20 ms; None past the limit."""
    started = time.monotonic()
    while time.monotonic() - started < limit_seconds:
        if predicate():
            return time.monotonic() - started
        time.sleep(0.02)
    return None


def post_from(source, port, path, body, content_type="application/json"):
    """POST `body` (bytes, or an object sent as JSON) to `path` from the loopback address
    `source` (127.0.0.x): what the public POSTs' per-address rate limit tells apart."""
    if not isinstance(body, (bytes, str)):
        body = json.dumps(body)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(source, 0))
    try:
        connection.request("POST", path, body, {"Content-Type": content_type})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), json.loads(response.read())
    finally:
        connection.close()
