"""Issue 17 point 8 on each store: a node restarted on an unchanged city loads the snapshot image
saved beside the data and answers exactly as a node that loaded the city from the store; an
edit made through Zamin is in the image saved at shutdown; an edit made behind Zamin's back
(sqlite3 on the file, plain SQL on PostgreSQL, as QGIS would) and a damaged image both make the
node load the store instead, never serve the old city."""
import json
import signal
import sqlite3
import urllib.request

from conftest import POSTGRES_ADMIN, Server, new_postgres_database
from planner_support import create_key, psql, wait_for
from test_part4 import request

PAGES = [
    "/collections/parcels/items?limit=10000", "/collections/zones/items?limit=1000", "/collections/facilities/items?limit=5000",
    "/lookup?lon=51.4157&lat=35.7006", "/nearest?lon=51.40&lat=35.70&category=hospital&k=5",
    "/search?q=%D8%AE%DB%8C%D8%A7%D8%A8%D8%A7%D9%86&limit=100", "/stats/land-use", "/stats/non-conforming",
    "/collections/parcels/queryables",
]


def answers(server):
    """Every page above, parsed, without the instants of the answer itself and with the node's
    own address (each node has a port of its own) as BASE."""
    pages = {}
    for page in PAGES:
        with urllib.request.urlopen(server.base + page, timeout=30) as response:
            body = json.loads(response.read().decode().replace(server.base, "BASE"))
        if isinstance(body, dict):
            body.pop("timeStamp", None)
        pages[page] = body
    return pages


def is_ready(server):
    try:
        return urllib.request.urlopen(server.base + "/health?ready", timeout=5).status == 200
    except OSError:
        return False


def run(db, tmp_path, name, image, then=None):
    """Starts a node on `db` with `image` (a path or "off"), waits for it to be ready, calls
    `then(server)`, stops it with SIGTERM; the node's log text and what `then` returned."""
    server = Server(db, tmp_path / f"{name}.log").start(extra_args=["--snapshot-image", str(image)])
    try:
        assert wait_for(lambda: is_ready(server), 30) is not None
        result = then(server) if then else None
    finally:
        assert server.stop(signal.SIGTERM) == 0
    return (tmp_path / f"{name}.log").read_text(), result


LOADED = "city loaded from the snapshot image"
CAUGHT_UP = "city caught up from an older snapshot image"
SAVED = "snapshot image saved"


def patch(base, key, path, properties):
    """A planner's Part 4 PATCH of `properties`, with the ETag a GET answered."""
    _, headers, _ = request(base, "GET", path)
    status, _, body = request(base, "PATCH", path, {"properties": properties}, key=key,
                              headers={"If-Match": headers["ETag"]}, content_type="application/merge-patch+json")
    assert status == 200, body


def floors_of(server, parcel):
    return request(server.base, "GET", f"/collections/parcels/items/{parcel}")[2]["properties"]["floors"]


def test_restart_from_the_image_answers_as_the_store_and_never_hides_a_change(new_city, tmp_path):
    db = new_city(tmp_path)
    image = tmp_path / "city.image"
    planner = create_key(db, "planner", "image test")

    log, from_store = run(db, tmp_path, "first", image, answers)
    assert LOADED not in log and SAVED in log and image.exists(), log
    log, from_image = run(db, tmp_path, "second", image, answers)
    assert LOADED in log, log
    assert from_image == from_store
    _, without_image = run(db, tmp_path, "without", "off", answers)
    assert without_image == from_store

    # An edit through Zamin: saved in the image at shutdown, there at the next start.
    log, _ = run(db, tmp_path, "edit", image,
                 lambda server: patch(server.base, planner, "/collections/parcels/items/P-000042", {"floors": 23}))
    assert SAVED in log, log
    log, floors = run(db, tmp_path, "after-edit", image, lambda server: floors_of(server, "P-000042"))
    assert LOADED in log and floors == 23, log

    # An edit behind Zamin's back while no node runs: the image is not of this city any more.
    if str(db).startswith("postgres://"):
        psql(db, "UPDATE parcel SET floors = 77 WHERE parcel_id = 'P-000042'")
    else:
        with sqlite3.connect(db) as connection:
            connection.execute("UPDATE parcel SET floors = 77 WHERE parcel_id = 'P-000042'")
        connection.close()
    log, floors = run(db, tmp_path, "behind-back", image, lambda server: floors_of(server, "P-000042"))
    assert LOADED not in log and floors == 77, log
    # PostgreSQL's triggers logged the change: the node applied it to the image; SQLite keeps no log.
    assert (CAUGHT_UP in log) == str(db).startswith("postgres://"), log
    log, floors = run(db, tmp_path, "after-behind-back", image, lambda server: floors_of(server, "P-000042"))
    assert LOADED in log and floors == 77, log

    # A damaged image: the store is loaded, the answers are the city's, a whole image replaces it.
    data = bytearray(image.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 64] = bytes(64)
    image.write_bytes(bytes(data))
    log, pages = run(db, tmp_path, "damaged", image, answers)
    assert LOADED not in log and SAVED in log, log
    assert pages["/collections/zones/items?limit=1000"] == from_store["/collections/zones/items?limit=1000"]
    log, _ = run(db, tmp_path, "repaired", image)
    assert LOADED in log, log


def test_a_node_down_while_the_city_changed_catches_up_from_its_image_only_in_the_same_history(new_city, tmp_path):
    """A node stopped while other nodes edit the city (a restart in a cluster under edits, or a
    new node given an older image) loads its older image and applies the changes since, on
    PostgreSQL, whose change log proves that the image's state is in the database's past; its
    answers are those of a node that read the whole store. When the log does not hold the
    image's last change as it was (a database restored from an older backup and edited since),
    the node loads the store. On SQLite the changed file is loaded whole."""
    db = new_city(tmp_path)
    postgres = str(db).startswith("postgres://")
    image = tmp_path / "city.image"
    planner = create_key(db, "planner", "catch-up test")
    log, _ = run(db, tmp_path, "first", image)
    assert SAVED in log, log

    # Another node (no image of its own) edits while the first is down; on PostgreSQL a tool too.
    def edit(server):
        for number, floors in ((7, 4), (1234, 9), (2001, 0)):
            patch(server.base, planner, f"/collections/parcels/items/P-{number:06d}", {"floors": floors})
        patch(server.base, planner, "/collections/facilities/items/place-0010", {"name_en": "Renamed while away"})
    run(db, tmp_path, "other-node", "off", edit)
    if postgres:
        psql(db, "UPDATE parcel SET current_use = 'commercial' WHERE parcel_id = 'P-000055'")
    _, from_store = run(db, tmp_path, "oracle", "off", answers)
    log, from_image = run(db, tmp_path, "restart", image, answers)
    assert LOADED not in log and (CAUGHT_UP in log) == postgres, log
    assert from_image == from_store
    parcels = {f["id"]: f["properties"] for f in from_image["/collections/parcels/items?limit=10000"]["features"]}
    assert (parcels["P-000007"]["floors"], parcels["P-001234"]["floors"], parcels["P-002001"]["floors"]) == (4, 9, 0)
    if not postgres:
        return

    # Another history: the database is restored from a backup taken before an edit the image
    # holds, then edited otherwise (the new change gets the number the lost one had). Built on
    # the image, the city would keep the lost edit; the node must load the store instead.
    backup = new_postgres_database("e2e_backup", template=db)
    run(db, tmp_path, "lost-edit", image, lambda server: patch(server.base, planner, "/collections/parcels/items/P-000008", {"floors": 6}))
    name = db.rsplit("/", 1)[1]
    psql(POSTGRES_ADMIN, f"DROP DATABASE {name}")
    psql(POSTGRES_ADMIN, f"ALTER DATABASE {backup.rsplit('/', 1)[1]} RENAME TO {name}")
    def edit_restored(server):  # two edits: the restored city's version passes the image's
        patch(server.base, planner, "/collections/parcels/items/P-000009", {"floors": 5})
        patch(server.base, planner, "/collections/parcels/items/P-000010", {"floors": 3})
    run(db, tmp_path, "restored", "off", edit_restored)
    _, from_store = run(db, tmp_path, "oracle-2", "off", answers)
    log, pages = run(db, tmp_path, "other-history", image, answers)
    assert LOADED not in log and CAUGHT_UP not in log, log
    assert pages == from_store
    parcels = {f["id"]: f["properties"] for f in pages["/collections/parcels/items?limit=10000"]["features"]}
    assert parcels["P-000008"]["floors"] != 6 and (parcels["P-000009"]["floors"], parcels["P-000010"]["floors"]) == (5, 3)
