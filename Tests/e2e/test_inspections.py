"""Restaurant inspections (issue 21 point 1) end to end on a real `zamin serve`.

A copy of GeoData/tehran gets a LIVES 1.0 feed of our own in `lives/` (hand-written, known
answers, visit dates counted back from today so that staleness is known):
- businesses linked by `facility_id`; by a name written with other letter forms (Arabic ي/ك,
  a zero-width non-joiner, a kasra, other case and spacing) 8–25 m from the facility; between
  two facilities of one name 34 m apart (each side of the middle: the nearer wins); a name
  match 40 m away (a new facility); no match at all (new facilities of category restaurant);
- a legend.csv scheme (90–100 A, 80–89 B, 0–79 C) and NYC letters (points, lower is better:
  0–13 A, 14–27 B, 28+ C), boundaries included; unscored visits; violations on the right visit;
- `zamin import` and `--sync` print one summary line and one line per business: checked
  against a brute-force oracle (pyproj geodesic distances to every facility of
  facilities.geojson, names folded as search folds them);
- `inspection` on /lookup's nearest amenities, /nearest and /collections/facilities/items,
  `GET /facilities/{id}/inspections`, `/nearest?min_grade=` against a brute-force filter and sort;
  staleness flipped by ZAMIN_INSPECTION_STALE_DAYS;
- malformed feeds refused with file and line, nothing written; a sync changing a score is
  followed by the running server.

Oracles: our own CSV rows, the GeoJSON file, pyproj — never the server's numbers fed back."""
import json
import re
import shutil
import sqlite3
import subprocess
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache

import pytest
import requests
from pyproj import Geod

from conftest import GEODATA, ZAMIN, Server, import_dataset
from planner_support import copy_db, wait_for

TEHRAN = GEODATA / "tehran"
GEOD = Geod(ellps="WGS84")
LINK_RADIUS = 30.0
AMENITIES = ["hospital", "school", "metro_station", "park"]
TODAY = datetime.now(timezone.utc).date()


def ago(days):
    return (TODAY - timedelta(days=days)).strftime("%Y%m%d")


def iso(yyyymmdd):
    return f"{yyyymmdd[:4]}-{yyyymmdd[4:6]}-{yyyymmdd[6:]}"


def age(yyyymmdd):
    return (TODAY - date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:]))).days


# MARK: - the facilities and the folding oracle


@lru_cache(maxsize=1)
def facilities():
    return json.loads((TEHRAN / "facilities.geojson").read_text(encoding="utf-8"))["features"]


@lru_cache(maxsize=1)
def facility_by_id():
    return {f["id"]: f for f in facilities()}


def where(facility_id):
    return tuple(facility_by_id()[facility_id]["geometry"]["coordinates"])


def distance(a, b):
    return GEOD.inv(a[0], a[1], b[0], b[1])[2]


def offset(point, bearing, meters):
    lon, lat, _ = GEOD.fwd(point[0], point[1], bearing, meters)
    return round(lon, 7), round(lat, 7)


def between(a, b, fraction):
    """The point `fraction` of the way from a to b along the geodesic, 7 decimals."""
    azimuth, _, length = GEOD.inv(a[0], a[1], b[0], b[1])
    return offset(a, azimuth, length * fraction)


FOLDS = {0x064A: 0x06CC, 0x0649: 0x06CC, 0x0643: 0x06A9, 0x0629: 0x0647, 0x06C0: 0x0647, 0x06C1: 0x0647,
         0x0622: 0x0627, 0x0623: 0x0627, 0x0625: 0x0627, 0x0671: 0x0627}


def folded(text):
    """Search's folding (SearchText.normalized), written again from its documentation."""
    out, pending = [], False
    for ch in text:
        c = ord(ch)
        if ch.isspace() and not 0x1C <= c <= 0x1F:
            pending = bool(out)
            continue
        if c == 0x0640 or 0x064B <= c <= 0x065F or c == 0x0670 or 0x200C <= c <= 0x200F \
                or 0x202A <= c <= 0x202E or 0x2066 <= c <= 0x2069 or c == 0xFEFF:
            continue
        if 0x06F0 <= c <= 0x06F9:
            c = c - 0x06F0 + 0x30
        elif 0x0660 <= c <= 0x0669:
            c = c - 0x0660 + 0x30
        c = FOLDS.get(c, c)
        if pending:
            out.append(" ")
            pending = False
        out.append(chr(c).lower())
    return "".join(out)


def link_oracle(businesses):
    """(business id, facility id, how, metres) for each business, as the issue defines linking:
    facility_id; else the nearest facility within 30 m whose name_fa or name_en folds equal
    (every facility of the file measured); else a new facility `lives-<id>`."""
    links = []
    for b in businesses:
        if b.get("facility_id"):
            links.append((b["business_id"], b["facility_id"], "facility_id", None))
            continue
        here = (float(b["longitude"]), float(b["latitude"]))
        name = folded(b["name"])
        candidates = sorted(
            (distance(here, f["geometry"]["coordinates"]), f["id"]) for f in facilities()
            if name and name in {folded(n) for n in (f["properties"].get("name_fa"), f["properties"].get("name_en")) if n})
        near = [c for c in candidates if c[0] <= LINK_RADIUS]
        if near:
            if len(near) > 1:
                assert near[1][0] - near[0][0] > 0.5, "the test's geometry must not make a near tie"
            links.append((b["business_id"], near[0][1], "name", near[0][0]))
        else:
            links.append((b["business_id"], "lives-" + b["business_id"], "new", None))
    return links


# MARK: - the feed


MOHAMMADIYEH = ("metro-meydan-e-mohammadiyeh", "place-0458")   # both "میدان محمدیه", 34 m apart
BANK_MELLI = "place-0086"                                      # hospital "بیمارستان بانک ملی"
CHILDREN = "place-0170"                                        # hospital "بیمارستان کودکان تهران"
VALI_ASR = "metro-meydan-e-hazrat-vali-asr"                    # name_en "Meydan-e Hazrat Vali Asr"


def businesses():
    bank = where(BANK_MELLI)
    m_metro, m_place = where(MOHAMMADIYEH[0]), where(MOHAMMADIYEH[1])
    rows = [
        # By facility_id, no coordinates: the children's hospital's café (a /lookup amenity).
        {"business_id": "B01", "name": "کافه بیمارستان کودکان", "facility_id": CHILDREN},
        # The hospital's name with Arabic yeh and kaf, 15 m north-east: linked by name.
        {"business_id": "B02", "name": "بيمارستان بانك ملي", "at": offset(bank, 45, 15)},
        # The same name 40 m away: too far, a new facility.
        {"business_id": "B03", "name": "بیمارستان بانک ملی", "at": offset(bank, 200, 40)},
        # Between two facilities named "میدان محمدیه": 60 % of the way to place-0458 (nearer).
        {"business_id": "B04", "name": "میدان محمدیه", "at": between(m_metro, m_place, 0.6)},
        # 35 % of the way (the metro station is nearer), written with a kasra and a ZWNJ.
        {"business_id": "B05", "name": "میدانِ محمد\u200cیه", "at": between(m_metro, m_place, 0.35)},
        # The English name, in capitals and with doubled spaces, 8 m away.
        {"business_id": "B06", "name": "MEYDAN-E  HAZRAT   VALI ASR", "at": offset(where(VALI_ASR), 300, 8)},
        # No facility of that name anywhere: new.
        {"business_id": "B07", "name": "چلوکبابی آزمون \"یک\", شعبه ۲", "at": (51.4135, 35.7035)},
        # By facility_id too: a second business of place-0086 (its visits join B02's).
        {"business_id": "B08", "name": "غذاخوری بیمارستان بانک ملی", "facility_id": BANK_MELLI},
        # New, never scored.
        {"business_id": "B09", "name": "ساندویچی آزمون", "at": (51.4121, 35.6991)},
    ]
    for row in rows:
        if "at" in row:
            row["longitude"], row["latitude"] = (f"{v:.7f}" for v in row.pop("at"))
    return rows


LEGEND = [("0", "79", "C"), ("90", "100", "A"), ("80", "89", "B")]   # out of order on purpose


def legend_grade(score):
    return next((g for lo, hi, g in LEGEND if float(lo) <= score <= float(hi)), None)


def nyc_grade(score):
    return "A" if score < 14 else "B" if score < 28 else "C"


# (business, date, score or None, type, description)
LEGEND_VISITS = [
    ("B01", ago(20), 95, "routine", ""),
    ("B01", ago(200), 70, "routine", "Kitchen, \"back\" area closed"),
    ("B02", ago(10), None, "complaint", "complaint: no score"),
    ("B02", ago(40), 85, "routine", ""),
    ("B02", ago(500), 92, "initial", ""),
    ("B03", ago(400), 79, "routine", ""),
    ("B04", ago(5), 90, "routine", ""),
    ("B05", ago(60), 89, "followup", ""),
    ("B05", ago(366), 100, "routine", ""),
    ("B06", ago(365), 80, "routine", ""),
    ("B07", ago(1), 0, "routine", ""),
    ("B08", ago(25), 91, "routine", ""),
    ("B08", ago(300), 60, "routine", ""),
    ("B09", ago(3), None, "complaint", ""),
]
# NYC points: boundaries 13/14 and 27/28, and past 100.
NYC_VISITS = [
    ("B01", ago(20), 13, "routine", ""),
    ("B01", ago(200), 28, "routine", ""),
    ("B02", ago(10), None, "complaint", ""),
    ("B02", ago(40), 14, "routine", ""),
    ("B03", ago(400), 130, "routine", ""),
    ("B04", ago(5), 27, "routine", ""),
    ("B05", ago(60), 0, "followup", ""),
    ("B06", ago(365), 45, "routine", ""),
    ("B07", ago(1), 28, "routine", ""),
    ("B08", ago(25), 12, "routine", ""),
    ("B09", ago(3), None, "complaint", ""),
]
# (business, date, code, description): on the visits above (same keys in both feeds).
VIOLATIONS = [
    ("B01", ago(200), "04L", "Evidence of mice, kitchen"),
    ("B01", ago(200), "10F", ""),
    ("B02", ago(40), "02G", "Cold food held above 5 °C"),
    ("B02", ago(40), "", "دستشویی بدون صابون"),
    ("B03", ago(400), "08A", "Not vermin proof"),
    ("B05", ago(60), "06C", "Food not protected"),
]


def csv_field(value):
    value = "" if value is None else str(value)
    return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"\n') else value


def csv_text(header, rows):
    return "".join(",".join(csv_field(v) for v in row) + "\n" for row in [header, *rows])


def write_feed(folder, visits, scheme):
    lives = folder / "lives"
    if lives.exists():
        shutil.rmtree(lives)
    lives.mkdir()
    columns = ["business_id", "name", "address", "city", "state", "postal_code", "latitude", "longitude", "phone_number", "facility_id"]
    (lives / "businesses.csv").write_text(csv_text(columns, [[b.get(c, "") for c in columns] for b in businesses()]), encoding="utf-8")
    (lives / "inspections.csv").write_text(csv_text(
        ["business_id", "score", "date", "description", "type"],
        [[b, "" if s is None else s, d, text, t] for b, d, s, t, text in visits]), encoding="utf-8")
    (lives / "violations.csv").write_text(csv_text(["business_id", "date", "code", "description"], VIOLATIONS), encoding="utf-8")
    if scheme == "legend":
        (lives / "legend.csv").write_text(csv_text(["minimum_score", "maximum_score", "description"], LEGEND), encoding="utf-8")
    (lives / "feed_info.csv").write_text(csv_text(
        ["feed_date", "feed_version", "municipality_name", "municipality_url", "contact_email", "grade_scheme"],
        [[TODAY.strftime("%Y%m%d"), "1.0", "e2e", "", "", scheme]]), encoding="utf-8")


class Expected:
    """What the server must answer for a feed, from our rows and the link oracle."""

    def __init__(self, visits, grade_of, stale_days=365):
        self.links = link_oracle(businesses())
        self.facility_of = {b: f for b, f, _, _ in self.links}
        self.grade_of = grade_of
        self.stale_days = stale_days
        self.visits = {}
        for b, d, s, t, text in visits:
            self.visits.setdefault(self.facility_of[b], []).append({
                "date": iso(d), "score": s, "grade": None if s is None else grade_of(s), "type": t,
                "description": text or None,
                "violations": [{"code": c or None, "description": v or None} for vb, vd, c, v in VIOLATIONS if (vb, vd) == (b, d)],
                "_age": age(d)})
        for listed in self.visits.values():
            listed.sort(key=lambda v: v["date"], reverse=True)

    def inspection(self, facility_id):
        listed = self.visits.get(facility_id)
        if not listed:
            return None
        scored = next((v for v in listed if v["score"] is not None), None)
        return {"date": listed[0]["date"], "score": scored and scored["score"], "grade": scored and scored["grade"],
                "stale": listed[0]["_age"] > self.stale_days}

    def listing(self, facility_id):
        return [{k: v for k, v in visit.items() if k != "_age"} for visit in self.visits.get(facility_id, [])]

    def inspected(self):
        return sorted(self.visits)

    def new_facilities(self):
        return [(b, f) for b, f, how, _ in self.links if how == "new"]


def check_links_printed(output, expected_links):
    """The summary line and one line per business, in businesses.csv order."""
    by_kind = {k: sum(1 for link in expected_links if link[2] == k) for k in ("facility_id", "name", "new")}
    summary = (f"inspections {len(expected_links)} businesses: {by_kind['facility_id']} by facility_id, "
               f"{by_kind['name']} by name within 30 m, {by_kind['new']} new facilities")
    lines = output.splitlines()
    assert summary in [line.strip() for line in lines], output
    at = next(i for i, line in enumerate(lines) if line.strip() == summary)
    printed = lines[at + 1: at + 1 + len(expected_links)]
    for line, (business, facility, how, meters) in zip(printed, expected_links):
        if how == "facility_id":
            assert line == f"    {business} → {facility} (facility_id)", (line, output)
        elif how == "new":
            assert line == f"    {business} → {facility} (new facility, category restaurant)", (line, output)
        else:
            match = re.fullmatch(rf"    {business} → {re.escape(facility)} \(name within 30 m, (\d+\.\d) m\)", line)
            assert match, (line, business, facility, output)
            assert abs(float(match.group(1)) - meters) <= 0.051, (line, meters)


# MARK: - HTTP


def get(base, path, **params):
    return requests.get(base + path, params=params, timeout=30)


def get_json(base, path, **params):
    response = get(base, path, **params)
    assert response.status_code == 200, (path, params, response.status_code, response.text[:500])
    return response.json()


def zamin(*args):
    return subprocess.run([ZAMIN, *map(str, args)], capture_output=True, text=True, timeout=300)


class City:
    def __init__(self, folder, db, server, expected, imported):
        self.folder, self.db, self.server, self.expected, self.imported = folder, db, server, expected, imported
        self.base = server.base


def make_city(work, visits, scheme, grade_of):
    folder = work / "city"
    shutil.copytree(TEHRAN, folder)
    write_feed(folder, visits, scheme)
    db = work / "zamin.db"
    imported = import_dataset(db, folder)
    assert imported.returncode == 0, imported.stdout + imported.stderr
    server = Server(db, work / "serve.log").start()
    return City(folder, db, server, Expected(visits, grade_of), imported)


@pytest.fixture(scope="module")
def legend_city(tmp_path_factory):
    city = make_city(tmp_path_factory.mktemp("legend_city"), LEGEND_VISITS, "legend", legend_grade)
    yield city
    city.server.stop()


@pytest.fixture(scope="module")
def nyc_city(tmp_path_factory):
    city = make_city(tmp_path_factory.mktemp("nyc_city"), NYC_VISITS, "nyc_letters", nyc_grade)
    yield city
    city.server.stop()


# MARK: - linking, as the import prints it


def test_the_test_geometry_is_what_it_claims():
    links = {b: (f, how, m) for b, f, how, m in link_oracle(businesses())}
    assert links["B02"][:2] == (BANK_MELLI, "name") and 14 < links["B02"][2] < 16
    assert links["B03"][:2] == ("lives-B03", "new")
    assert links["B04"][:2] == (MOHAMMADIYEH[1], "name")
    assert links["B05"][:2] == (MOHAMMADIYEH[0], "name")
    assert links["B06"][:2] == (VALI_ASR, "name")
    rows = {b["business_id"]: b for b in businesses()}
    bank_name = facility_by_id()[BANK_MELLI]["properties"]["name_fa"]
    assert rows["B02"]["name"] != bank_name and folded(rows["B02"]["name"]) == folded(bank_name)
    # Both facilities of the name within 30 m of B04 and of B05: the nearer one decides.
    for b in ("B04", "B05"):
        here = (float(rows[b]["longitude"]), float(rows[b]["latitude"]))
        assert all(distance(here, where(f)) <= LINK_RADIUS for f in MOHAMMADIYEH)


@pytest.mark.parametrize("name", ["legend_city", "nyc_city"])
def test_import_prints_how_each_business_was_linked(name, request):
    city = request.getfixturevalue(name)
    check_links_printed(city.imported.stdout, city.expected.links)
    count = len(facilities()) + len(city.expected.new_facilities())
    assert re.search(rf"^  facilities  {count}$", city.imported.stdout, re.M), city.imported.stdout


def test_new_facilities_are_restaurants_named_as_the_business(legend_city):
    rows = {b["business_id"]: b for b in businesses()}
    for business, facility_id in legend_city.expected.new_facilities():
        feature = get_json(legend_city.base, f"/collections/facilities/items/{facility_id}")
        properties = feature["properties"]
        assert properties["category"] == "restaurant", properties
        assert properties["name_fa"] == rows[business]["name"], properties
        lon, lat = feature["geometry"]["coordinates"]
        assert abs(lon - float(rows[business]["longitude"])) < 1e-7 and abs(lat - float(rows[business]["latitude"])) < 1e-7
    # A facility that a business matched keeps its own name and category.
    bank = get_json(legend_city.base, f"/collections/facilities/items/{BANK_MELLI}")["properties"]
    assert bank["category"] == "hospital" and bank["name_fa"] == facility_by_id()[BANK_MELLI]["properties"]["name_fa"]


# MARK: - what is served


@pytest.mark.parametrize("name", ["legend_city", "nyc_city"])
def test_facility_inspections_endpoint_lists_every_visit(name, request):
    city = request.getfixturevalue(name)
    expected = city.expected
    grades = ["A", "B", "C"]
    for facility_id in expected.inspected() + ["metro-tajrish", MOHAMMADIYEH[0]]:
        for lang in ("fa", "en"):
            answer = get_json(city.base, f"/facilities/{facility_id}/inspections", lang=lang)
            properties = facility_by_id().get(facility_id, {}).get("properties") or {
                "name_fa": next(b["name"] for b in businesses() if "lives-" + b["business_id"] == facility_id), "name_en": None,
                "category": "restaurant"}
            name_wanted = (properties["name_fa"] or properties["name_en"]) if lang == "fa" else (properties["name_en"] or properties["name_fa"])
            assert answer == {
                "facility": facility_id, "name": name_wanted, "category": properties["category"], "grades": grades,
                "stale_after_days": 365, "latest": expected.inspection(facility_id),
                "inspections": expected.listing(facility_id)}, (facility_id, lang, answer)
    # place-0086: B02's and B08's visits together, newest first.
    assert [v["date"] for v in expected.listing(BANK_MELLI)] == sorted(
        [iso(d) for b, d, *_ in (LEGEND_VISITS if name == "legend_city" else NYC_VISITS) if b in ("B02", "B08")], reverse=True)
    response = get(city.base, "/facilities/no-such-facility/inspections")
    assert response.status_code == 404 and response.headers["Content-Type"].startswith("application/"), response.text
    assert response.json()["code"] == "NotFound"


def test_grades_follow_each_scheme_at_its_boundaries(legend_city, nyc_city):
    seen = {}
    for city, visits, grade_of in ((legend_city, LEGEND_VISITS, legend_grade), (nyc_city, NYC_VISITS, nyc_grade)):
        for business, day, score, *_ in visits:
            facility_id = city.expected.facility_of[business]
            listed = get_json(city.base, f"/facilities/{facility_id}/inspections")["inspections"]
            visit = next(v for v in listed if v["date"] == iso(day))
            assert visit["score"] == score and visit["grade"] == (None if score is None else grade_of(score)), (business, day, visit)
            seen[(city.folder, score)] = visit["grade"]
    assert seen[(legend_city.folder, 90)] == "A" and seen[(legend_city.folder, 89)] == "B"
    assert seen[(legend_city.folder, 80)] == "B" and seen[(legend_city.folder, 79)] == "C" and seen[(legend_city.folder, 0)] == "C"
    assert seen[(nyc_city.folder, 13)] == "A" and seen[(nyc_city.folder, 14)] == "B"
    assert seen[(nyc_city.folder, 27)] == "B" and seen[(nyc_city.folder, 28)] == "C" and seen[(nyc_city.folder, 130)] == "C"


def test_inspection_on_collection_items_and_nearest(legend_city):
    expected = legend_city.expected
    everyone = [f["id"] for f in facilities()] + [f for _, f in expected.new_facilities()]
    located = {f["id"]: tuple(f["geometry"]["coordinates"]) for f in facilities()}
    for b in businesses():
        located.setdefault("lives-" + b["business_id"], (float(b.get("longitude") or 0), float(b.get("latitude") or 0)))
    for facility_id in expected.inspected():
        x, y = located[facility_id]
        items = get_json(legend_city.base, "/collections/facilities/items",
                         bbox=f"{x - 0.0004},{y - 0.0004},{x + 0.0004},{y + 0.0004}", limit=1000)["features"]
        assert facility_id in [f["id"] for f in items]
        for feature in items:
            assert feature["properties"].get("inspection") == expected.inspection(feature["id"]), feature
        one = get_json(legend_city.base, f"/collections/facilities/items/{facility_id}")
        assert one["properties"].get("inspection") == expected.inspection(facility_id), one
        # /nearest without min_grade: every facility near, inspected or not, each as it is.
        near = get_json(legend_city.base, "/nearest", lon=x, lat=y, k=10)["features"]
        assert near[0]["id"] == facility_id or near[0]["properties"]["distance_m"] == 0
        for feature in near:
            assert feature["properties"].get("inspection") == expected.inspection(feature["id"]), feature
    assert len(everyone) == len(set(everyone))


def test_lookup_lists_the_inspection_of_a_nearest_amenity(legend_city):
    expected = legend_city.expected
    places = [where(CHILDREN), where(MOHAMMADIYEH[0]), where(VALI_ASR), offset(where(CHILDREN), 90, 60)]
    inspected_seen = 0
    for x, y in places:
        answer = get_json(legend_city.base, "/lookup", lon=x, lat=y)
        for category in AMENITIES:
            ranked = sorted((distance((x, y), f["geometry"]["coordinates"]), f["id"]) for f in facilities()
                            if f["properties"]["category"] == category)
            got = answer["nearest"].get(category)
            assert got is not None
            if ranked[1][0] - ranked[0][0] > 0.01:
                assert got["id"] == ranked[0][1], (x, y, category, got["id"], ranked[:2])
            assert got.get("inspection") == expected.inspection(got["id"]), (category, got)
            inspected_seen += expected.inspection(got["id"]) is not None
    assert inspected_seen >= 3  # the children's hospital twice, the two metro stations


def nearest_oracle(expected, point, minimum, k=5, categories=None, max_distance=None):
    order = ["A", "B", "C"]
    located = {f["id"]: (tuple(f["geometry"]["coordinates"]), f["properties"]["category"]) for f in facilities()}
    for b in businesses():
        if "lives-" + b["business_id"] in expected.visits:
            located["lives-" + b["business_id"]] = ((float(b["longitude"]), float(b["latitude"])), "restaurant")
    found = []
    for facility_id in expected.inspected():
        grade = expected.inspection(facility_id)["grade"]
        if grade is None or order.index(grade) > order.index(minimum):
            continue
        where_, category = located[facility_id]
        if categories and category not in categories:
            continue
        meters = distance(point, where_)
        if max_distance is None or meters <= max_distance:
            found.append((meters, facility_id))
    found.sort()
    return found[:k]


@pytest.mark.parametrize("name", ["legend_city", "nyc_city"])
def test_nearest_min_grade_against_a_brute_force_filter(name, request):
    city = request.getfixturevalue(name)
    points = [(51.4135, 35.7035), where(BANK_MELLI), where(CHILDREN), (51.30, 35.75), where(VALI_ASR)]
    cases = [dict(minimum=g, k=k) for g in "ABC" for k in (1, 3, 100)]
    cases += [dict(minimum="C", k=100, categories=["restaurant"]), dict(minimum="B", k=100, categories=["hospital", "metro_station"]),
              dict(minimum="C", k=100, max_distance=2500.0), dict(minimum="A", k=2, categories=["hospital"], max_distance=50000.0)]
    checked = 0
    for x, y in points:
        for case in cases:
            params = {"lon": x, "lat": y, "k": case["k"], "min_grade": case["minimum"]}
            if case.get("categories"):
                params["category"] = ",".join(case["categories"])
            if case.get("max_distance") is not None:
                params["max_distance_m"] = case["max_distance"]
            got = get_json(city.base, "/nearest", **params)["features"]
            want = nearest_oracle(city.expected, (x, y), case["minimum"], case["k"], case.get("categories"), case.get("max_distance"))
            assert [f["id"] for f in got] == [f for _, f in want], (params, got, want)
            for feature, (meters, facility_id) in zip(got, want):
                assert abs(feature["properties"]["distance_m"] - meters) < 0.02, (feature, meters)
                assert feature["properties"]["inspection"] == city.expected.inspection(facility_id)
            checked += len(want)
    assert checked > 50
    for bad in ("D", "Z", "excellent", ""):
        response = get(city.base, "/nearest", lon=51.41, lat=35.70, min_grade=bad)
        assert response.status_code == 400, (bad, response.text)
        assert response.json()["parameter"] == "min_grade", (bad, response.text)


# MARK: - staleness


def test_stale_follows_the_configured_age(legend_city, tmp_path):
    expected = legend_city.expected
    default = {f: expected.inspection(f)["stale"] for f in expected.inspected()}
    # 365 days by default: a visit exactly 365 days old is not stale, 400 days is.
    assert default[VALI_ASR] is False and default["lives-B03"] is True
    assert any(default.values()) and not all(default.values())
    for days in (30, 364, 1000):
        work = tmp_path / str(days)
        work.mkdir()
        db = copy_db(legend_city.db, work)
        server = Server(db, tmp_path / f"serve{days}.log").start(extra_env={"ZAMIN_INSPECTION_STALE_DAYS": str(days)})
        try:
            flipped = Expected(LEGEND_VISITS, legend_grade, stale_days=days)
            for facility_id in expected.inspected():
                answer = get_json(server.base, f"/facilities/{facility_id}/inspections")
                assert answer["stale_after_days"] == days
                assert answer["latest"] == flipped.inspection(facility_id), (days, facility_id, answer["latest"])
                item = get_json(server.base, f"/collections/facilities/items/{facility_id}")
                assert item["properties"]["inspection"]["stale"] == flipped.inspection(facility_id)["stale"]
            stale = {f: flipped.inspection(f)["stale"] for f in expected.inspected()}
            assert stale != default, days
        finally:
            server.stop()


# MARK: - sync


def test_a_sync_changing_a_score_reaches_the_running_server(legend_city, tmp_path):
    db = copy_db(legend_city.db, tmp_path)
    folder = tmp_path / "city"
    shutil.copytree(legend_city.folder, folder)
    server = Server(db, tmp_path / "serve.log").start()
    try:
        place = MOHAMMADIYEH[1]   # B04: 90, grade A
        assert get_json(server.base, f"/facilities/{place}/inspections")["latest"]["grade"] == "A"
        assert place in [f["id"] for f in get_json(server.base, "/nearest", lon=where(place)[0], lat=where(place)[1], min_grade="A", k=1)["features"]]
        unchanged = zamin("import", "--sync", "--db", db, folder)
        assert unchanged.returncode == 0 and "nothing to change" in unchanged.stdout, unchanged.stdout + unchanged.stderr

        visits = [(b, d, 85 if (b, s) == ("B04", 90) else s, t, text) for b, d, s, t, text in LEGEND_VISITS]
        write_feed(folder, visits, "legend")
        synced = zamin("import", "--sync", "--db", db, folder)
        assert synced.returncode == 0, synced.stdout + synced.stderr
        check_links_printed(synced.stdout, legend_city.expected.links)
        assert "inspections: replaced by lives/" in synced.stdout, synced.stdout

        def followed():
            return get_json(server.base, f"/facilities/{place}/inspections")["latest"]["grade"] == "B"
        assert wait_for(followed, 5) is not None, "the running server did not follow the sync within 5 s"
        changed = Expected(visits, legend_grade)
        for facility_id in changed.inspected():
            answer = get_json(server.base, f"/facilities/{facility_id}/inspections")
            assert answer["latest"] == changed.inspection(facility_id) and answer["inspections"] == changed.listing(facility_id)
        got = get_json(server.base, "/nearest", lon=where(place)[0], lat=where(place)[1], min_grade="A", k=100)["features"]
        assert [f["id"] for f in got] == [f for _, f in nearest_oracle(changed, where(place), "A", 100)]
        assert place not in [f["id"] for f in got]

        # B07, a new facility so far, now names a facility: its own facility goes, its visit moves.
        path = folder / "lives" / "businesses.csv"
        lines = path.read_text(encoding="utf-8").splitlines()
        row = business_line("B07") - 1
        assert lines[row].startswith("B07,") and lines[row].endswith(",")
        lines[row] += "place-0001"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        relinked = zamin("import", "--sync", "--db", db, folder)
        assert relinked.returncode == 0, relinked.stdout + relinked.stderr
        assert "    B07 → place-0001 (facility_id)" in relinked.stdout.splitlines(), relinked.stdout
        assert re.search(r"^\s*facilities\s+0\s+0\s+1\s+\d+\s+0$", relinked.stdout, re.M), relinked.stdout

        def moved():
            return get(server.base, "/collections/facilities/items/lives-B07").status_code == 404
        assert wait_for(moved, 5) is not None, "lives-B07 still served 5 s after the sync"
        b07 = next(v for v in visits if v[0] == "B07")
        assert get_json(server.base, "/facilities/place-0001/inspections")["latest"] == {
            "date": iso(b07[1]), "score": b07[2], "grade": legend_grade(b07[2]), "stale": False}
        assert get(server.base, "/facilities/lives-B07/inspections").status_code == 404
    finally:
        server.stop()


# MARK: - malformed feeds


def replace_line(file_name, line_number, text):
    def apply(folder):
        path = folder / "lives" / file_name
        lines = path.read_text(encoding="utf-8").splitlines()
        lines[line_number - 1] = text
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return apply


def append_line(file_name, text):
    def apply(folder):
        path = folder / "lives" / file_name
        path.write_text(path.read_text(encoding="utf-8") + text + "\n", encoding="utf-8")
    return apply


def business_line(business_id):
    return 2 + [b["business_id"] for b in businesses()].index(business_id)


def visit_line(business_id, day):
    return 2 + [(b, d) for b, d, *_ in LEGEND_VISITS].index((business_id, day))


BAD_FEEDS = [
    # (case, file, line, how)
    ("bad date", "inspections.csv", visit_line("B04", ago(5)),
     replace_line("inspections.csv", visit_line("B04", ago(5)), "B04,90,20261345,,routine")),
    ("unknown business", "inspections.csv", len(LEGEND_VISITS) + 2, append_line("inspections.csv", f"B99,91,{ago(7)},,routine")),
    ("orphan violation", "violations.csv", len(VIOLATIONS) + 2, append_line("violations.csv", f"B01,{ago(21)},09B,no such visit")),
    ("facility_id of nothing", "businesses.csv", business_line("B08"),
     replace_line("businesses.csv", business_line("B08"), "B08,غذاخوری,,,,,,,,place-9999")),
    ("neither facility_id nor coordinates", "businesses.csv", business_line("B09"),
     replace_line("businesses.csv", business_line("B09"), "B09,ساندویچی آزمون,,,,,,,,")),
    ("unterminated quote", "businesses.csv", len(businesses()) + 2,
     append_line("businesses.csv", "B10,\"رستوران بی پایان,خیابان,تهران,,,35.70,51.41,,")),
]


def stored_state(db):
    """Everything a refused sync must leave as it was."""
    with closing(sqlite3.connect(db)) as connection:
        return (
            connection.execute("SELECT name, features, changed_at FROM information_layer ORDER BY name").fetchall(),
            connection.execute("SELECT count(*) FROM information_layer_history").fetchone(),
            connection.execute("SELECT facility_id, category, name_fa, name_en, hex(geom) FROM facility ORDER BY facility_id").fetchall(),
            connection.execute("SELECT version, changed_at FROM city_version").fetchall(),
        )


def test_a_malformed_feed_is_refused_with_file_and_line(legend_city, tmp_path):
    before = stored_state(legend_city.db)

    def attempt(position):
        case, file_name, line, apply = BAD_FEEDS[position]
        work = tmp_path / f"case{position}"
        folder = work / "city"
        shutil.copytree(legend_city.folder, folder)
        apply(folder)
        # A good change beside the bad line, which must not be applied either.
        path = folder / "lives" / "inspections.csv"
        if case != "bad date":
            path.write_text(path.read_text(encoding="utf-8").replace(f"B04,90,{ago(5)}", f"B04,50,{ago(5)}"), encoding="utf-8")
        fresh = import_dataset(work / "fresh.db", folder)
        db = copy_db(legend_city.db, work)
        synced = zamin("import", "--sync", "--db", db, folder)
        return case, file_name, line, fresh, synced, work, db

    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(attempt, range(len(BAD_FEEDS))))
    failures = []
    for case, file_name, line, fresh, synced, work, db in results:
        for what, result in (("import", fresh), ("sync", synced)):
            if result.returncode == 0:
                failures.append(f"{case}: {what} accepted the feed")
                continue
            wanted = f"error: lives/{file_name}: line {line}: "
            if not any(text.startswith(wanted) for text in result.stderr.splitlines()):
                failures.append(f"{case}: {what} printed no '{wanted}…' line; stderr: {result.stderr.strip()}")
        left = [p.name for p in work.iterdir() if p.name.startswith("fresh.db")]
        if left:
            failures.append(f"{case}: the refused import left {left}")
        if stored_state(db) != before:
            failures.append(f"{case}: the refused sync changed the database")
    assert not failures, "\n".join(failures)

    # And the answers of a server on a database that refused a sync are the imported ones.
    db = results[0][6]
    server = Server(db, tmp_path / "serve.log").start()
    try:
        for facility_id in legend_city.expected.inspected():
            assert get_json(server.base, f"/facilities/{facility_id}/inspections") == \
                get_json(legend_city.base, f"/facilities/{facility_id}/inspections")
    finally:
        server.stop()
