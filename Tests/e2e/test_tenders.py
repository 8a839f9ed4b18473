"""Tenders and auctions with sealed bids (issue 21 point 3) end to end on a real `zamin serve`, on
each store (SQLite, and PostgreSQL when the test cluster runs).

- Publishing (admins only): every field checked and named (400), unknown parcels and
  facilities and an opening time not in the future (422), the committee's n shares once, ids
  numbered in order — also when administrators publish at the same time.
- Bids: national id, mobile number and amount checked (ASCII, Persian and Arabic-Indic digits),
  an auction's minimum and a procurement's maximum (422), refused from the opening time on by
  the server's clock — also for bids racing the opening time from four threads; withdrawal by
  national id, once, and only before the opening time; the public POST limit per address.
- Sealed: before the opening no amount (15-digit distinctive ones) is in the SQLite file, its
  WAL and shared memory and the snapshot image, or in a `pg_dump --data-only` (and the cluster's
  WAL when ZAMIN_TEST_POSTGRES_DIR names it) — as digits in any script, as their hex, or as the
  integers SQLite or PostgreSQL would store — nor in any answer the public, a planner or an
  administrator can get, nor in the server's log; the bidders' national ids and phones in no
  answer or log line ever; the shares and the private key nowhere. Positive controls show each
  scan finds what is stored (the national ids, the reserve prices).
- The opening (planners and admins): 409 before the opening time, 422 naming `shares` (too few,
  forged) or `shares[i]` (another tender's, mistyped, repeated); any k of n shares open it once;
  the result against a brute-force ranking of the amounts we sent (highest or lowest, ties to
  the earliest, withdrawn bids out); a second opening 409; an opening sent at the opening time
  while bids race it still counts every bid answered 201 (twenty rounds).
- An independent reader (sealed_oracle.py: GF(256) Shamir, X25519, HPKE and ChaCha20-Poly1305
  in pure Python, checked against the RFCs' vectors) rebuilds each key from every k-subset of
  the shares, finds the stored public key, and opens every stored ciphertext to the amount sent.
- `/search?group=business_opportunities`: the open tenders we published (by opening time), then
  the vacant parcels whose zone's rules in zoning_rules.json allow commercial use (brute force
  over parcels.geojson, shapely for bbox), and the tenders leave it at their opening time.

Oracles: the amounts, bidders and notices we send, the dataset's files, the RFCs; never the
server's own numbers fed back."""
import base64
import itertools
import json
import os
import random
import sqlite3
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path

import pytest
import requests
from shapely.geometry import box, shape

import sealed_oracle
from conftest import GEODATA, STORES, Server, new_postgres_database
from planner_support import copy_db, create_key, post_from, psql, wait_for

TEHRAN = GEODATA / "tehran"
PUBLIC_POSTS = {"ZAMIN_PUBLIC_POSTS_PER_MINUTE": "1000000"}
ROLES = ("reporter_app", "operator", "planner", "admin")
# Seconds from publication to the opening time of the scenario's tenders: long enough for the
# bids and the scans before it on a slow machine, short enough for the file's run time.
OPENING_DELAY = 14
PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
LARGEST_AMOUNT = 10**18


# MARK: - the served city


class City:
    """A served copy of Tehran with a key of each role and the tenders this module published."""

    def __init__(self, store, db, folder, server, keys_by_role):
        self.store, self.db, self.folder, self.server, self.keys = store, db, folder, server, keys_by_role
        self.base = server.base
        self.started = time.time()
        self.published = {}  # id → the notice we sent (opens_at as the server writes it)
        self.opened = set()
        self.lock = threading.Lock()

    def rows(self, sql):
        """Rows of one SELECT on the store, each a list of strings."""
        if self.store == "sqlite":
            with closing(sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=30)) as connection:
                return [[str(v) if v is not None else None for v in row] for row in connection.execute(sql)]
        text = psql(self.db, sql.replace("SELECT ", "SELECT concat_ws('|', ", 1).replace(" FROM ", ") FROM ", 1))
        return [line.split("|") for line in text.splitlines() if line]

    def stored_bytes(self):
        """What a copy of the store holds: the SQLite file, its WAL and shared memory and the
        snapshot image; or a data-only pg_dump (and the cluster's WAL, when its folder is known)."""
        if self.store == "sqlite":
            return b"".join(path.read_bytes() for path in sorted(self.folder.glob("zamin.db*")))
        dump = subprocess.run(["pg_dump", "--data-only", self.db], capture_output=True, timeout=120)
        assert dump.returncode == 0, dump.stderr
        data = dump.stdout
        cluster = os.environ.get("ZAMIN_TEST_POSTGRES_DIR")
        if cluster:
            # The segments written since this module's server started (older ones hold the import).
            for path in sorted((Path(cluster) / "data" / "pg_wal").glob("0*")):
                if path.stat().st_mtime >= self.started - 5:
                    data += path.read_bytes()
        return data


@pytest.fixture(scope="module", params=STORES)
def city(request, tehran_db, tmp_path_factory):
    folder = tmp_path_factory.mktemp(f"tenders_{request.param}")
    if request.param == "sqlite":
        db = copy_db(tehran_db, folder)
    else:
        db = new_postgres_database("e2e_tenders", template=request.getfixturevalue("postgres_tehran"))
    keys_by_role = {role: create_key(db, role, f"e2e-{role}") for role in ROLES}
    # Debug level: the access log's lines are written too, for the scans of the log.
    server = Server(db, folder / "serve.log").start(PUBLIC_POSTS, ["--log-level", "debug"])
    yield City(request.param, db, folder, server, keys_by_role)
    server.stop()


# MARK: - notices, bidders, amounts


def stamp(moment):
    """RFC 3339 UTC with milliseconds, as the server writes instants."""
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def now():
    return datetime.now(timezone.utc)


def notice(kind="auction", opens_at=None, threshold=2, members=3, reserve="100000000", title="Lease of shop", **extra):
    body = {
        "title": {"fa": "اجارهٔ مغازه " + title, "en": title}, "description": {"fa": "شرح", "en": "Details"},
        "kind": kind, "parcels": ["P-000178"], "facilities": [], "reserve_price": reserve, "deposit": "60000000",
        "opens_at": opens_at or stamp(now() + timedelta(hours=2)), "committee": {"threshold": threshold, "members": members},
    }
    body.update(extra)
    return body


def national_id(rng):
    """Ten digits with the Iranian check digit (computed here, independently of the server)."""
    while True:
        digits = [rng.randrange(1, 10)] + [rng.randrange(10) for _ in range(8)]
        remainder = sum(d * (10 - i) for i, d in enumerate(digits)) % 11
        check = remainder if remainder < 2 else 11 - remainder
        text = "".join(map(str, digits + [check]))
        if len(set(text)) > 1:
            return text


def wrong_check_digit(nid):
    return nid[:9] + str((int(nid[9]) + 1) % 10)


def phone(rng):
    return "0912" + "".join(str(rng.randrange(10)) for _ in range(7))


def bearer(key):
    return {"Authorization": f"Bearer {key}"} if key else {}


def get(city, path, key=None):
    return requests.get(city.base + path, headers=bearer(key), timeout=30)


def post(city, path, body, key=None):
    return requests.post(city.base + path, json=body, headers=bearer(key), timeout=30)


def refused(response, status, parameter=None):
    assert response.status_code == status, (response.status_code, response.text)
    body = response.json()
    if parameter is not None:
        assert body.get("parameter") == parameter, body
    return body


def publish(city, body, key=None):
    """Publishes and checks the answer against what we sent; records the tender."""
    response = post(city, "/tenders", body, key or city.keys["admin"])
    assert response.status_code == 201, response.text
    tender = response.json()
    with city.lock:
        assert tender["id"] == f"T-{len(city.published) + 1:04d}", (tender["id"], sorted(city.published))
        city.published[tender["id"]] = dict(body, opens_at=tender["opens_at"])
    assert response.headers["Location"].endswith(f"/tenders/{tender['id']}")
    assert "no-store" in response.headers.get("Cache-Control", "")
    check_notice(tender, body)
    assert tender["state"] == "open" and tender["result"] is None
    shares = tender["shares"]
    members = body["committee"]["members"]
    assert len(shares) == members and len(set(shares)) == members
    for index, share in enumerate(shares, start=1):
        prefix, tid, number, encoded, checksum = share.split(":")
        assert (prefix, tid, number) == ("zamin-share", tender["id"], str(index))
        assert len(checksum) == 8 and encoded
    return tender


def check_notice(tender, body, lang="fa"):
    assert tender["title"] == body["title"][lang]
    assert (tender["title_fa"], tender["title_en"]) == (body["title"]["fa"], body["title"]["en"])
    assert (tender["description_fa"], tender["description_en"]) == (body["description"]["fa"], body["description"]["en"])
    assert tender["kind"] == body["kind"]
    assert tender["parcels"] == body.get("parcels", []) and tender["facilities"] == body.get("facilities", [])
    assert tender["reserve_price"] == body["reserve_price"].translate({ord(p): str(i) for i, p in enumerate("۰۱۲۳۴۵۶۷۸۹")})
    assert tender["deposit"] == body["deposit"]
    assert tender["committee"] == body["committee"]
    opens = datetime.fromisoformat(body["opens_at"].replace("Z", "+00:00"))
    assert tender["opens_at"] == stamp(opens)


def bid(city, tender_id, nid, mobile, amount):
    response = post(city, f"/tenders/{tender_id}/bids", {"national_id": nid, "phone": mobile, "amount": amount})
    assert response.status_code == 201, response.text
    answer = response.json()
    assert answer["tender"] == tender_id and answer["state"] == "sealed" and answer["won"] is None
    assert answer["withdrawn_at"] is None and answer["tracking_code"].startswith("ZM-")
    assert "amount" not in answer
    assert response.headers["Location"].endswith(f"/tenders/{tender_id}/bids/{answer['tracking_code']}")
    return answer


def expected_result(bids, kind):
    """Brute force: the bids not withdrawn, best amount for the kind first, ties to the earliest
    (our submission order). (winning index, losing amounts best first, count)."""
    active = [(order, b["amount"]) for order, b in enumerate(bids) if not b.get("withdrawn")]
    ranked = sorted(active, key=lambda item: (-item[1] if kind == "auction" else item[1], item[0]))
    if not ranked:
        return None, [], 0
    return ranked[0][0], [str(amount) for _, amount in ranked[1:]], len(active)


# MARK: - what must never be seen


def amount_patterns(value, stored=False):
    """How an amount could be written: its digits in ASCII, Persian and Arabic-Indic, and —
    for the stores — the hex of its ASCII digits and the integers SQLite (6 or 8 bytes, big
    endian) or PostgreSQL (8 bytes) would keep, raw and as hex."""
    digits = str(value)
    patterns = [digits.encode(), digits.translate(PERSIAN).encode(), digits.translate(ARABIC_INDIC).encode()]
    if stored:
        patterns.append(digits.encode().hex().encode())
        integers = [value.to_bytes(8, "big"), value.to_bytes(8, "little")]
        if value < 2**47:
            integers.append(value.to_bytes(6, "big"))
        for raw in integers:
            patterns += [raw, raw.hex().encode()]
    return patterns


def found(patterns, data):
    return [p for p in patterns if p in data]


def identity_patterns(nid, mobile):
    return [nid.encode(), nid.translate(PERSIAN).encode(), mobile[1:].encode(), mobile[1:].translate(PERSIAN).encode()]


def sqlite_integer(value):
    """SQLite's record form of an integer column (serial types 5 and 6: 6 or 8 bytes, big endian)."""
    return value.to_bytes(6 if value < 2**47 else 8, "big")


def visible_answers(city, tenders, bids):
    """Every answer the public, a planner and an administrator can get about tenders: bodies and
    headers, as bytes."""
    paths = ["/tenders", "/tenders?status=open", "/tenders?status=awaiting_opening", "/tenders?status=opened", "/tenders?lang=en",
             "/search?group=business_opportunities&limit=1000", "/search?group=business_opportunities&limit=1000&lang=en"]
    paths += [f"/tenders/{t}" for t in tenders] + [f"/tenders/{t}?lang=en" for t in tenders]
    paths += [f"/tenders/{b['tender']}/bids/{b['code']}" for b in bids]
    answers = []
    for key in (None, city.keys["planner"], city.keys["admin"]):
        for path in paths:
            response = get(city, path, key)
            assert response.status_code == 200, (path, response.text)
            answers.append(response.content + json.dumps(dict(response.headers)).encode())
    audit = get(city, "/audit?limit=1000", city.keys["admin"])
    assert audit.status_code == 200
    answers.append(audit.content)
    return b"\n".join(answers)


# MARK: - publishing


def test_publishing_is_for_administrators_and_names_each_bad_field(city):
    body = notice()
    assert post(city, "/tenders", body).status_code == 401
    for role in ("reporter_app", "operator", "planner"):
        refused(post(city, "/tenders", body, city.keys[role]), 403)
    admin = city.keys["admin"]
    cases = [
        ({"kind": "lease"}, 400, "kind"),
        ({"kind": None}, 400, "kind"),
        ({"reserve_price": "12a"}, 400, "reserve_price"),
        ({"reserve_price": 5000}, 400, "reserve_price"),
        ({"reserve_price": "-5"}, 400, "reserve_price"),
        ({"reserve_price": "1.5"}, 400, "reserve_price"),
        ({"reserve_price": ""}, 400, "reserve_price"),
        ({"deposit": "۱۲x"}, 400, "deposit"),
        ({"opens_at": "tomorrow"}, 400, "opens_at"),
        ({"opens_at": "2030-13-01T00:00:00Z"}, 400, "opens_at"),
        ({"opens_at": None}, 400, "opens_at"),
        ({"committee": {"threshold": 4, "members": 3}}, 400, "committee"),
        ({"committee": {"threshold": 2}}, 400, "committee"),
        ({"committee": {"threshold": 1, "members": 3}}, 400, "committee.threshold"),
        ({"committee": {"threshold": 2, "members": 256}}, 400, "committee.members"),
        ({"committee": {"threshold": 2.5, "members": 3}}, 400, "committee.threshold"),
        ({"committee": {"threshold": 2, "members": 3, "chair": "x"}}, 400, "committee.chair"),
        ({"title": {"fa": "فقط فارسی"}}, 400, "title.en"),
        ({"description": "plain"}, 400, "description"),
        ({"winner": "me"}, 400, "winner"),
        ({"parcels": "P-000001"}, 400, "parcels"),
        ({"parcels": ["P-000001", 7]}, 400, "parcels[1]"),
        ({"parcels": [f"P-{i:06d}" for i in range(1, 102)]}, 400, "parcels"),
        # Ids that do not exist: 422, naming the position.
        ({"parcels": ["P-000001", "P-999999"]}, 422, "parcels[1]"),
        ({"facilities": ["no-such-facility"]}, 422, "facilities[0]"),
        # Not in the future by the server's clock.
        ({"opens_at": "2020-01-01T00:00:00Z"}, 422, "opens_at"),
        ({"opens_at": stamp(now() - timedelta(seconds=1))}, 422, "opens_at"),
    ]
    before = [t["id"] for t in get(city, "/tenders").json()["tenders"]]
    for change, status, parameter in cases:
        body = notice()
        for name, value in change.items():
            if value is None:
                body.pop(name)
            else:
                body[name] = value
        refused(post(city, "/tenders", body, admin), status, parameter)
    # Nothing was published by a refusal, and no number was used up.
    assert [t["id"] for t in get(city, "/tenders").json()["tenders"]] == before
    # An opening time with an offset is kept in UTC, to the millisecond; Persian digits are read.
    tehran = timezone(timedelta(hours=3, minutes=30))
    opens = (now() + timedelta(hours=3)).astimezone(tehran).replace(microsecond=250000)
    body = notice(opens_at=opens.isoformat(), reserve="۵۰۰۰۰۰۰۰۰", title="Persian digits")
    tender = publish(city, body)
    assert tender["opens_at"].endswith(".250Z") and tender["reserve_price"] == "500000000"
    english = get(city, f"/tenders/{tender['id']}?lang=en").json()
    check_notice(english, body, "en")
    assert "shares" not in english and "shares" not in get(city, f"/tenders/{tender['id']}").json()
    assert get(city, "/tenders/T-9999").status_code == 404
    refused(get(city, "/tenders?status=closed"), 400, "status")


def test_administrators_publishing_at_once_each_get_the_next_number(city):
    """Twenty administrators' publications at the same moment: each is published under its own
    number, the next ones in order (none refused: numbering is the server's business)."""
    first = len(city.published) + 1
    bodies = [notice(title=f"Concurrent {i}") for i in range(20)]
    with ThreadPoolExecutor(20) as pool:
        responses = list(pool.map(lambda body: post(city, "/tenders", body, city.keys["admin"]), bodies))
    with city.lock:
        for body, response in zip(bodies, responses):
            if response.status_code == 201:
                city.published[response.json()["id"]] = dict(body, opens_at=response.json()["opens_at"])
    statuses = [r.status_code for r in responses]
    assert statuses == [201] * 20, [(r.status_code, r.text[:200]) for r in responses]
    assert sorted(r.json()["id"] for r in responses) == [f"T-{n:04d}" for n in range(first, first + 20)]


# MARK: - bids


def test_bids_are_checked_before_they_are_sealed(city):
    rng = random.Random(f"bid-checks-{city.store}")
    auction = publish(city, notice(reserve="200000000", title="Bid checks auction"))
    procurement = publish(city, notice(kind="procurement", reserve="900000000", title="Bid checks procurement"))
    nid, mobile = national_id(rng), phone(rng)
    good = {"national_id": nid, "phone": mobile, "amount": "250000000"}
    a, p = auction["id"], procurement["id"]
    cases = [
        (a, {"national_id": wrong_check_digit(nid)}, 400, "national_id"),
        (a, {"national_id": "1111111111"}, 400, "national_id"),
        (a, {"national_id": nid[:9]}, 400, "national_id"),
        (a, {"phone": "0912123"}, 400, "phone"),
        (a, {"phone": "02188776655"}, 400, "phone"),
        (a, {"amount": "25000000a"}, 400, "amount"),
        (a, {"amount": ""}, 400, "amount"),
        (a, {"amount": "-250000000"}, 400, "amount"),
        (a, {"amount": "250000000.0"}, 400, "amount"),
        (a, {"amount": "250 000 000"}, 400, "amount"),
        (a, {"amount": 250000000}, 400, "amount"),
        (a, {"bid": "x"}, 400, "bid"),
        # The auction's minimum and the procurement's maximum: 422.
        (a, {"amount": "199999999"}, 422, "amount"),
        (a, {"amount": "0"}, 422, "amount"),
        (a, {"amount": "۱۹۹۹۹۹۹۹۹"}, 422, "amount"),
        (p, {"amount": "900000001"}, 422, "amount"),
        (p, {"amount": "0"}, 422, "amount"),
    ]
    for tender_id, change, status, parameter in cases:
        refused(post(city, f"/tenders/{tender_id}/bids", dict(good, **change)), status, parameter)
    for missing in ("national_id", "phone", "amount"):
        refused(post(city, f"/tenders/{a}/bids", {k: v for k, v in good.items() if k != missing}), 400, missing)
    # Past the largest amount (10^18 rials): refused as an amount, whatever the kind.
    for tender_id in (a, p):
        response = post(city, f"/tenders/{tender_id}/bids", dict(good, amount=str(LARGEST_AMOUNT + 1)))
        assert response.status_code in (400, 422) and response.json()["parameter"] == "amount", response.text
    assert post(city, "/tenders/T-9999/bids", good).status_code == 404
    # The boundaries, other digits and the other phone forms are taken.
    accepted = [
        bid(city, a, nid, mobile, "200000000"),
        bid(city, a, national_id(rng).translate(PERSIAN), "+98 912 " + phone(rng)[4:], "۲۰۰۰۰۰۰۰۱"),
        bid(city, a, national_id(rng), "0098" + phone(rng)[1:], "٢٠٠٠٠٠٠٠٢"),
        bid(city, a, national_id(rng), phone(rng), str(LARGEST_AMOUNT)),
        bid(city, p, national_id(rng), phone(rng), "900000000"),
        bid(city, p, national_id(rng), phone(rng), "1"),
    ]
    for answer in accepted:
        status = get(city, f"/tenders/{answer['tender']}/bids/{answer['tracking_code']}")
        assert status.status_code == 200
        assert status.json() == answer
    # A bid is found under its own tender only.
    assert get(city, f"/tenders/{p}/bids/{accepted[0]['tracking_code']}").status_code == 404
    assert get(city, f"/tenders/{a}/bids/ZM-0000-0000-0000").status_code == 404
    # The refused bids were not stored: the store holds the six accepted ones.
    count = city.rows(f"SELECT count(*) FROM tender_bid WHERE tender_id IN ('{a}', '{p}')")
    assert count == [["6"]]


def test_withdrawal_takes_the_bidders_national_id_once(city):
    rng = random.Random(f"withdrawal-{city.store}")
    tender = publish(city, notice(title="Withdrawals"))["id"]
    nid = national_id(rng)
    # Bid with the national id in Persian digits, withdraw with it in ASCII: the same person.
    answer = bid(city, tender, nid.translate(PERSIAN), phone(rng), "300000000")
    path = f"/tenders/{tender}/bids/{answer['tracking_code']}/withdrawal"
    refused(post(city, path, {"national_id": national_id(rng)}), 404)
    refused(post(city, path, {"national_id": wrong_check_digit(nid)}), 400, "national_id")
    refused(post(city, path, {}), 400, "national_id")
    refused(post(city, path, {"national_id": nid, "reason": "x"}), 400, "reason")
    other = publish(city, notice(title="Withdrawals elsewhere"))["id"]
    refused(post(city, f"/tenders/{other}/bids/{answer['tracking_code']}/withdrawal", {"national_id": nid}), 404)
    refused(post(city, f"/tenders/{tender}/bids/ZM-0000-0000-0000/withdrawal", {"national_id": nid}), 404)
    response = post(city, path, {"national_id": nid})
    assert response.status_code == 200, response.text
    withdrawn = response.json()
    assert withdrawn["state"] == "withdrawn" and withdrawn["won"] is None and withdrawn["withdrawn_at"] >= answer["submitted_at"]
    assert withdrawn["tracking_code"] == answer["tracking_code"]
    refused(post(city, path, {"national_id": nid}), 409)
    assert get(city, f"/tenders/{tender}/bids/{answer['tracking_code']}").json() == withdrawn


def test_public_bid_posts_are_limited_per_client_address(tehran_db, tmp_path):
    """Bids and withdrawals are public POSTs: 10 a minute per address by default (README)."""
    db = copy_db(tehran_db, tmp_path)
    admin = create_key(db, "admin", "limit")
    limit = {} if "ZAMIN_PUBLIC_POSTS_PER_MINUTE" not in os.environ else {"ZAMIN_PUBLIC_POSTS_PER_MINUTE": "10"}
    server = Server(db, tmp_path / "serve.log").start(limit)
    try:
        response = requests.post(server.base + "/tenders", json=notice(), headers=bearer(admin), timeout=30)
        assert response.status_code == 201
        tender = response.json()["id"]
        rng = random.Random("limit")
        bidders = [(national_id(rng), phone(rng)) for _ in range(9)]
        path = f"/tenders/{tender}/bids"
        codes = []
        for nid, mobile in bidders:
            status, _, body = post_from("127.0.0.1", server.port, path, {"national_id": nid, "phone": mobile, "amount": "200000000"})
            assert status == 201, body
            codes.append(body["tracking_code"])
        status, _, body = post_from("127.0.0.1", server.port, f"{path}/{codes[0]}/withdrawal", {"national_id": bidders[0][0]})
        assert status == 200, body
        status, headers, body = post_from("127.0.0.1", server.port, path,
                                          {"national_id": bidders[1][0], "phone": bidders[1][1], "amount": "200000000"})
        assert status == 429 and body["code"] == "TooManyRequests" and int(headers["Retry-After"]) >= 1
        status, _, body = post_from("127.0.0.1", server.port, f"{path}/{codes[1]}/withdrawal", {"national_id": bidders[1][0]})
        assert status == 429
        # Another address has its own allowance; reading is not limited.
        status, _, body = post_from("127.0.0.2", server.port, path, {"national_id": bidders[2][0], "phone": bidders[2][1], "amount": "200000001"})
        assert status == 201, body
        assert requests.get(server.base + f"{path}/{codes[1]}", timeout=10).json()["state"] == "sealed"
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as connection:
            assert connection.execute("SELECT count(*) FROM tender_bid").fetchone()[0] == 10
    finally:
        server.stop()


# MARK: - business opportunities


@lru_cache(maxsize=1)
def parcel_features():
    return {f["properties"]["id"]: f for f in json.loads((TEHRAN / "parcels.geojson").read_text(encoding="utf-8"))["features"]}


@lru_cache(maxsize=1)
def vacant_commercial():
    """Vacant parcels whose own zone code's rules allow commercial use outright, by id."""
    rules = json.loads((TEHRAN / "zoning_rules.json").read_text(encoding="utf-8"))["zones"]
    return sorted(pid for pid, f in parcel_features().items()
                  if f["properties"]["current_use"] == "vacant"
                  and "commercial" in rules.get(f["properties"].get("zone_code"), {}).get("allowed_uses", []))


def open_tenders_we_published(city, at):
    """Our tenders still taking bids at `at` (opening time later, not opened), by opening time."""
    return sorted((t for t, body in city.published.items() if body["opens_at"] > stamp(at) and t not in city.opened),
                  key=lambda t: (city.published[t]["opens_at"], t))


def check_business_opportunities(city, query="", bbox=None):
    # Not within 1.5 s of one of our tenders' opening time: the two clocks cannot disagree on it.
    for _ in range(10):
        close = [datetime.fromisoformat(b["opens_at"].replace("Z", "+00:00")) for b in city.published.values()
                 if abs((datetime.fromisoformat(b["opens_at"].replace("Z", "+00:00")) - now()).total_seconds()) < 1.5]
        if not close:
            break
        time.sleep(max(0.0, (max(close) - now()).total_seconds() + 1.6))
    asked_at = now()
    response = get(city, "/search?group=business_opportunities&limit=1000" + query)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/geo+json")
    answer = response.json()
    tenders = open_tenders_we_published(city, asked_at)
    parcels = vacant_commercial()
    if bbox:
        area = box(*bbox)
        parcels = [p for p in parcels if shape(parcel_features()[p]["geometry"]).intersects(area)]
    assert [f["id"] for f in answer["features"]] == tenders + parcels
    assert answer["facets"] == {"tenders": len(tenders), "parcels": len(parcels)}
    assert answer["numberMatched"] == answer["numberReturned"] == len(tenders) + len(parcels)
    for feature in answer["features"]:
        properties = feature["properties"]
        if feature["id"] in city.published:
            body = city.published[feature["id"]]
            assert properties["kind"] == "tender" and properties["tender_kind"] == body["kind"]
            assert properties["title"] == body["title"]["fa"] and properties["opens_at"] == body["opens_at"]
            assert properties["parcels"] == body["parcels"]
            if body["parcels"]:  # located at its first parcel
                first = parcel_features()[body["parcels"][0]]["geometry"]
                assert shape(feature["geometry"]).symmetric_difference(shape(first)).area < 1e-12
            else:
                assert feature["geometry"] is None
        else:
            assert properties["kind"] == "parcel" and properties["current_use"] == "vacant"
            assert properties["zone_code"] == parcel_features()[feature["id"]]["properties"]["zone_code"]
    return answer


def test_business_opportunities_filter_by_text_and_bbox(city):
    token = f"zqx{random.Random(city.store).randrange(10**6)}"
    tender = publish(city, notice(title=f"Kiosk {token} lease"))["id"]
    check_business_opportunities(city)
    answer = get(city, f"/search?group=business_opportunities&q={token.upper()}").json()
    assert [f["id"] for f in answer["features"]] == [tender] and answer["facets"] == {"tenders": 1, "parcels": 0}
    check_business_opportunities(city, "&bbox=51.38,35.69,51.40,35.71", bbox=(51.38, 35.69, 51.40, 35.71))


# MARK: - the whole life of sealed tenders


def test_sealed_bids_from_publication_to_opening(city):
    rng = random.Random(f"sealed-{city.store}")
    sealed_oracle.self_check()
    opening_time = now() + timedelta(seconds=OPENING_DELAY)
    opens = stamp(opening_time)

    def amount(digits=15):
        return rng.randrange(10 ** (digits - 1), 10**digits)

    # An auction (3 of 5), a procurement (2 of 3), an auction whose one bid is withdrawn (2 of 2),
    # an auction raced at its opening time, and one that opens in an hour (sealed throughout).
    reserve_a, reserve_b = amount(14), 9 * 10**14 + amount(13)
    A = publish(city, notice("auction", opens, 3, 5, str(reserve_a), title="Auction A"))
    B = publish(city, notice("procurement", opens, 2, 3, str(reserve_b), title="Procurement B", parcels=["P-000353", "P-000178"]))
    C = publish(city, notice("auction", opens, 2, 2, "1000", title="Auction C", parcels=[]))
    E = publish(city, notice("auction", opens, 2, 2, "1000", title="Auction E"))
    D = publish(city, notice("auction", stamp(now() + timedelta(hours=1)), 2, 3, "1000", title="Auction D"))
    ids = [t["id"] for t in (A, B, C, E, D)]

    bids = {t: [] for t in ids}  # per tender, in submission order: amount, bidder, code

    def place(tender, value, text=None, nid=None):
        entry = {"tender": tender["id"], "amount": value, "nid": nid or national_id(rng), "phone": phone(rng)}
        answer = bid(city, tender["id"], entry["nid"], entry["phone"], text or str(value))
        entry["code"], entry["submitted_at"] = answer["tracking_code"], answer["submitted_at"]
        bids[tender["id"]].append(entry)
        return entry

    top = amount()
    place(A, amount())
    place(A, top)                                  # wins: the earlier of two equal best bids
    place(A, amount())
    highest = place(A, top + amount(6))            # best of all, withdrawn below
    place(A, top, str(top).translate(PERSIAN))     # ties with the winner, later
    place(A, reserve_a)                            # exactly the minimum
    late = place(A, amount())                      # its withdrawal comes too late
    refused(post(city, f"/tenders/{A['id']}/bids", {"national_id": national_id(rng), "phone": phone(rng), "amount": str(reserve_a - 1)}),
            422, "amount")
    low = amount(14)
    place(B, amount(14) + 10**14)
    place(B, low)                                  # wins: the earlier of two equal lowest bids
    place(B, amount(14) + 10**14)
    place(B, low)
    place(B, reserve_b)                            # exactly the maximum
    lowest = place(B, low // 2)                    # best of all, withdrawn below
    refused(post(city, f"/tenders/{B['id']}/bids", {"national_id": national_id(rng), "phone": phone(rng), "amount": str(reserve_b + 1)}),
            422, "amount")
    only = place(C, amount())
    sealed_throughout = place(D, amount())
    for entry in (highest, lowest, only):
        response = post(city, f"/tenders/{entry['tender']}/bids/{entry['code']}/withdrawal", {"national_id": entry["nid"]})
        assert response.status_code == 200 and response.json()["state"] == "withdrawn", response.text
        entry["withdrawn"] = True

    # MARK: sealed before the opening
    every_bid = [b for t in ids for b in bids[t]]
    # Amounts equal to a published reserve price are public anyway.
    secret = {b["amount"] for b in every_bid} - {reserve_a, reserve_b}
    identities = [p for b in every_bid for p in identity_patterns(b["nid"], b["phone"])]
    shares = {t["id"]: t["shares"] for t in (A, B, C, E, D)}
    share_bytes = [s.split(":")[3].encode() for t in shares.values() for s in t]

    answers = visible_answers(city, ids, every_bid)
    assert found(amount_patterns(reserve_a), answers)  # the scan finds what is shown: the reserve price
    assert not [a for a in secret if found(amount_patterns(a), answers)], "an amount is visible before the opening"
    assert not found(identities, answers), "a bidder's national id or phone is visible"
    assert not found(share_bytes, answers), "a share is visible after publication"

    stored = city.stored_bytes()
    # Positive controls: the scans find what is stored — the national ids, the reserve prices.
    assert all(b["nid"].encode() in stored for b in every_bid)
    if city.store == "sqlite":
        assert sqlite_integer(reserve_a) in stored and sqlite_integer(reserve_b) in stored
    else:
        assert str(reserve_a).encode() in stored and str(reserve_b).encode() in stored
    leaked = {a: found(amount_patterns(a, stored=True), stored) for a in secret}
    assert not {a: p for a, p in leaked.items() if p}, "an amount is in the store before the opening"
    assert not found(share_bytes, stored), "a share is in the store"

    log = city.server.log.read_bytes()
    assert b"route=/tenders/{tender}/bids status=201" in log  # the access log's lines are there to scan
    assert not [a for a in secret if found(amount_patterns(a), log)], "an amount is in the log"
    assert not found(identities, log), "a bidder's national id or phone is in the log"
    assert not found(share_bytes, log), "a share is in the log"

    # MARK: the opening time, by the server's clock
    refused(post(city, f"/tenders/{D['id']}/opening", {"shares": D["shares"][:2]}, city.keys["admin"]), 409)
    refused(post(city, f"/tenders/{D['id']}/opening", {"shares": D["shares"]}, city.keys["planner"]), 409)
    check_business_opportunities(city)

    # Bids race the opening time of E from four addresses' worth of threads.
    race_until = opening_time + timedelta(seconds=1)
    wait_for(lambda: now() >= opening_time - timedelta(seconds=1), OPENING_DELAY + 5)
    raced, raced_lock = [], threading.Lock()

    def racer(n):
        local = random.Random(f"race-{city.store}-{n}")
        for _ in range(200):
            if now() > race_until:
                return
            value = local.randrange(10**14, 10**15)
            response = post(city, f"/tenders/{E['id']}/bids",
                            {"national_id": national_id(local), "phone": phone(local), "amount": str(value)})
            assert response.status_code in (201, 409), response.text
            with raced_lock:
                raced.append((response.status_code, response.json(), value))
            time.sleep(0.02)

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(racer, range(4)))
    print(f"race at the opening time: {sum(s == 201 for s, _, _ in raced)} taken, {sum(s == 409 for s, _, _ in raced)} refused")
    assert wait_for(lambda: get(city, f"/tenders/{A['id']}").json()["state"] == "awaiting_opening", 30) is not None
    taken = [(body, value) for status, body, value in raced if status == 201]
    assert all(body["submitted_at"] < E["opens_at"] for body, _ in taken), "a bid was taken from the opening time on"
    assert any(status == 409 for status, _, _ in raced), "the race did not reach the opening time"
    for body, value in taken:
        bids[E["id"]].append({"tender": E["id"], "amount": value, "code": body["tracking_code"], "submitted_at": body["submitted_at"]})

    # From the opening time on: no bid, no withdrawal.
    refused(post(city, f"/tenders/{A['id']}/bids", {"national_id": national_id(rng), "phone": phone(rng), "amount": str(top)}), 409)
    refused(post(city, f"/tenders/{A['id']}/bids/{late['code']}/withdrawal", {"national_id": late["nid"]}), 409)
    assert get(city, f"/tenders/{A['id']}/bids/{late['code']}").json()["state"] == "sealed"
    states = {s: {t["id"] for t in get(city, f"/tenders?status={s}").json()["tenders"]} for s in ("open", "awaiting_opening", "opened")}
    assert {A["id"], B["id"], C["id"], E["id"]} <= states["awaiting_opening"]
    assert D["id"] in states["open"] and not states["opened"] & set(ids)
    check_business_opportunities(city)

    # MARK: the opening
    sa, sb = A["shares"], B["shares"]
    path = f"/tenders/{A['id']}/opening"
    assert post(city, path, {"shares": sa[:3]}).status_code == 401
    for role in ("reporter_app", "operator"):
        refused(post(city, path, {"shares": sa[:3]}, city.keys[role]), 403)
    planner = city.keys["planner"]
    mistyped = sa[1].split(":")
    mistyped[3] = ("B" if mistyped[3][5] != "B" else "C").join([mistyped[3][:5], mistyped[3][6:]])
    _, _, forged_bytes = sealed_oracle.parse_share(sa[2])
    forged = sealed_oracle.share_text(A["id"], 3, bytes(b ^ 0x5A for b in forged_bytes))
    for given, status, parameter in [
        (sa[:2], 422, "shares"),
        ([sa[4]], 422, "shares"),
        ([sa[0], sb[0], sa[2]], 422, "shares[1]"),
        ([sa[0], sa[2], ":".join(mistyped)], 422, "shares[2]"),
        ([sa[0], sa[0], sa[2]], 422, "shares[1]"),
        ([sa[0], sa[1], sa[2].replace("zamin-share", "zamin-shar")], 422, "shares[2]"),
        ([sa[0], sa[1], forged], 422, "shares"),
        ([sa[0], 7, sa[2]], 400, "shares[1]"),
        ([], 400, "shares"),
    ]:
        refused(post(city, path, {"shares": given}, planner), status, parameter)
    assert get(city, f"/tenders/{A['id']}").json()["result"] is None  # no refusal opened it

    def open_and_check(tender, given, key):
        response = post(city, f"/tenders/{tender['id']}/opening", {"shares": given}, key)
        assert response.status_code == 200, response.text
        city.opened.add(tender["id"])
        result = response.json()
        assert result["state"] == "opened" and result["id"] == tender["id"]
        winner, losing, count = expected_result(bids[tender["id"]], tender["kind"])
        expected_winning = str(bids[tender["id"]][winner]["amount"]) if winner is not None else None
        assert result["result"]["bids"] == count
        assert result["result"]["winning_amount"] == expected_winning
        assert result["result"]["losing_amounts"] == losing
        assert result["result"]["opened_at"] >= tender["opens_at"]
        assert get(city, f"/tenders/{tender['id']}").json() == result
        for order, entry in enumerate(bids[tender["id"]]):
            status = get(city, f"/tenders/{tender['id']}/bids/{entry['code']}").json()
            if entry.get("withdrawn"):
                assert (status["state"], status["won"]) == ("withdrawn", None)
            else:
                assert (status["state"], status["won"]) == ("opened", order == winner), (order, winner, status)
        return result

    opened_a = open_and_check(A, [sa[4], sa[1], sa[3]], planner)        # any 3 of 5, in any order
    open_and_check(B, sb, city.keys["admin"])                           # all 3 of 3
    empty = open_and_check(C, C["shares"][::-1], planner)               # its one bid was withdrawn
    assert empty["result"]["bids"] == 0 and empty["result"]["winning_amount"] is None
    raced_result = open_and_check(E, E["shares"], planner)
    assert raced_result["result"]["bids"] == len(taken)
    # Once only: the first result stands.
    refused(post(city, path, {"shares": sa[:3]}, planner), 409)
    assert get(city, f"/tenders/{A['id']}").json() == opened_a
    refused(post(city, f"/tenders/{A['id']}/bids", {"national_id": national_id(rng), "phone": phone(rng), "amount": str(top)}), 409)
    refused(post(city, f"/tenders/{A['id']}/bids/{late['code']}/withdrawal", {"national_id": late["nid"]}), 409)
    assert {A["id"], B["id"], C["id"], E["id"]} <= {t["id"] for t in get(city, "/tenders?status=opened").json()["tenders"]}
    check_business_opportunities(city)

    # MARK: after the opening: identities still nowhere, D still sealed
    every_bid = [b for t in ids if t != E["id"] for b in bids[t]] + bids[E["id"]][:5]
    answers = visible_answers(city, ids, every_bid)
    assert not found(identities, answers), "a bidder's national id or phone is visible after the opening"
    assert not found(amount_patterns(sealed_throughout["amount"]), answers)
    assert not found(amount_patterns(sealed_throughout["amount"], stored=True), city.stored_bytes())
    log = city.server.log.read_bytes()
    assert not found(identities, log) and not found(share_bytes, log)
    assert not found(amount_patterns(sealed_throughout["amount"]), log)

    # MARK: an independent reader of the store
    for tender in (A, B, D):
        check_store_with_our_own_reader(city, tender, bids[tender["id"]])


def check_store_with_our_own_reader(city, tender, bids):
    """Every k of the n shares rebuild (GF(256) Lagrange) a private key whose X25519 public key is
    the stored one, k−1 do not; each stored ciphertext opens (HPKE base mode, info naming the
    tender, the tracking code as associated data) to the amount sent, as 20 digits, and to
    nothing under another tender's info or another bid's code; the key is stored nowhere."""
    threshold = tender["committee"]["threshold"]
    (public_hex,), = city.rows(f"SELECT public_key FROM tender WHERE tender_id = '{tender['id']}'")
    public = bytes.fromhex(public_hex)
    points = [sealed_oracle.parse_share(s)[1:] for s in tender["shares"]]
    keys = {sealed_oracle.shamir_combine(list(subset)) for subset in itertools.combinations(points, threshold)}
    assert len(keys) == 1
    private = keys.pop()
    assert sealed_oracle.x25519_public(private) == public
    assert sealed_oracle.x25519_public(sealed_oracle.shamir_combine(points[:threshold - 1])) != public
    rows = city.rows(f"SELECT tracking_code, sealed_amount FROM tender_bid WHERE tender_id = '{tender['id']}' ORDER BY bid_id")
    assert [code for code, _ in rows] == [b["code"] for b in bids]
    info = f"zamin tender {tender['id']}".encode()
    for (code, sealed_hex), entry in zip(rows, bids):
        sealed = bytes.fromhex(sealed_hex)
        assert len(sealed) == 32 + 20 + 16  # every amount is as long as any other
        assert sealed_oracle.hpke_open(private, sealed, info, code.encode()) == str(entry["amount"]).zfill(20).encode()
        assert sealed_oracle.hpke_open(private, sealed, b"zamin tender T-0000", code.encode()) is None
        assert sealed_oracle.hpke_open(private, sealed, info, b"ZM-0000-0000-0000") is None
    # Bytes 1…30 are the same clamped or not: in no form in the store.
    middle = private[1:31]
    stored = city.stored_bytes()
    for form in (middle, middle.hex().encode(), base64.b64encode(private), base64.urlsafe_b64encode(private).rstrip(b"=")):
        assert form not in stored


def test_an_opening_at_the_opening_time_counts_every_bid_taken(city):
    """Twenty tenders open half a second apart; bids race each opening time from six threads while the
    tender's opening is sent from that instant on. Every bid answered 201 was taken before the
    opening time, so its tender's result must count it: its amount among the winning and losing
    amounts, and the number of bids. (One round misses a bid taken a few milliseconds before
    the time only now and then: twenty rounds make it likely to be seen when it happens.)"""
    first = now() + timedelta(seconds=3)
    rounds = [first + timedelta(seconds=0.5 * n) for n in range(20)]
    tenders = [publish(city, notice(opens_at=stamp(at), reserve="1000", title=f"Race {n}")) for n, at in enumerate(rounds)]
    opening = {t["id"]: datetime.fromisoformat(t["opens_at"].replace("Z", "+00:00")) for t in tenders}
    taken = {t["id"]: [] for t in tenders}
    results, lock = {}, threading.Lock()

    def racer(n):
        local = random.Random(f"opening-race-{city.store}-{n}")
        wait_for(lambda: now() >= first - timedelta(seconds=0.3), 10)
        for _ in range(3000):
            if now() > rounds[-1] + timedelta(seconds=0.3):
                return
            # The tenders whose opening time is near: bids land on both sides of it.
            near = [t for t in tenders if abs((opening[t["id"]] - now()).total_seconds()) < 0.25]
            if not near:
                time.sleep(0.005)
                continue
            tender = local.choice(near)["id"]
            value = local.randrange(10**14, 10**15)
            response = post(city, f"/tenders/{tender}/bids", {"national_id": national_id(local), "phone": phone(local), "amount": str(value)})
            assert response.status_code in (201, 409), response.text
            if response.status_code == 201:
                with lock:
                    taken[tender].append((value, response.json()))

    def opener(tender):
        wait_for(lambda: now() >= opening[tender["id"]] - timedelta(seconds=0.01), 20)
        for _ in range(3000):
            response = post(city, f"/tenders/{tender['id']}/opening", {"shares": tender["shares"][:2]}, city.keys["planner"])
            if response.status_code == 200:
                results[tender["id"]] = response.json()["result"]
                return
            assert response.status_code == 409, response.text
            time.sleep(0.002)

    with ThreadPoolExecutor(6 + len(tenders)) as pool:
        jobs = [pool.submit(racer, n) for n in range(6)] + [pool.submit(opener, t) for t in tenders]
        for job in jobs:
            job.result()
    city.opened.update(taken)
    assert set(results) == set(taken)
    assert sum(len(accepted) for accepted in taken.values()) > 0
    lost = {}
    for tender, accepted in taken.items():
        assert all(body["submitted_at"] < stamp(opening[tender]) for _, body in accepted)
        counted = [results[tender]["winning_amount"], *results[tender]["losing_amounts"]] if results[tender]["bids"] else []
        missing = [(body["tracking_code"], body["submitted_at"]) for value, body in accepted if str(value) not in counted]
        if missing or results[tender]["bids"] != len(accepted):
            lost[tender] = {"opens_at": stamp(opening[tender]), "opened_at": results[tender]["opened_at"], "taken": len(accepted),
                            "counted": results[tender]["bids"], "left_out": missing}
        else:
            assert sorted(counted, key=int, reverse=True) == counted
    assert not lost, f"bids answered 201 before the opening time but left out of the result: {lost}"
