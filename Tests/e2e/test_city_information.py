"""The city's information layers (issue 21) end to end on a real `zamin serve`.

- districts.geojson, projects.geojson and sensitive_sites.geojson loaded by `zamin import` and
  `zamin import --sync` (dry run and real run print what they would do / did); a file with a
  problem refuses the import or sync naming the file and the feature, and nothing changes; a
  running server follows a sync within a few seconds.
- `/lookup` names the district of the point (and of a parcel's interior point).
- `/stats/districts` against a brute-force tally over the GeoJSON files (shapely point in
  polygon, pyproj geodesic areas bracketed by the parcels' own `area_m2`) and over the reports
  this test files and moves.
- The OGC collections `districts` and `projects` and `GET /projects`: bbox matching (points in
  the box, outlines whose bounding box meets it), status filter, exact numberMatched, paging.
- `GET /sensitive-sites` for planner and admin keys only; and, most important, no public answer,
  header or log line naming a sensitive site: every public GET path of `/api` is requested at and
  around our own marker sites (tiles scanned as raw MVT bytes), before and after a sync.
- `/search?group=` and the facets of every search, against counts over facilities.geojson and
  parcels.geojson; `/ui/strings`' search groups.

Oracles: the GeoJSON files (shapely, brute force), hand-written values from the issue, our own
tally of the reports we file — never the server's numbers fed back."""
import copy
import json
import random
import shutil
import sqlite3
import subprocess
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from functools import lru_cache

import mapbox_vector_tile
import morecantile
import pytest
import requests
from pyproj import Geod
from shapely.geometry import Point, box, shape
from shapely.ops import unary_union
from shapely.prepared import prep
from shapely.strtree import STRtree

from conftest import GEODATA, ZAMIN, Server, database_args, import_dataset
from planner_support import copy_db, create_key, permit, wait_for

TEHRAN = GEODATA / "tehran"
PUBLIC_POSTS = {"ZAMIN_PUBLIC_POSTS_PER_MINUTE": "1000000"}
COLLECTION_ORDER = ["parcels", "zones", "facilities", "districts", "projects"]
DISTRICT_KEYS = {"id", "name_fa", "name_en"}
PROJECT_KEYS = {"id", "name_fa", "name_en", "status", "budget", "start_date", "end_date", "contractor", "progress_pct"}
STATUSES = ("planned", "under_construction", "done")
# The groups, in its order, with their Persian names.
GROUPS = {
    "hotels_lodging": "هتل و اقامتگاه", "restaurants": "رستوران", "historic_places": "اماکن تاریخی",
    "recreation": "تفریحی", "trade_guilds": "اصناف", "health_medical": "خدمات درمانی و بهداشتی",
}
HEALTH = {"hospital", "clinic", "pharmacy"}
TMS = morecantile.tms.get("WebMercatorQuad")
GEOD = Geod(ellps="WGS84")


# MARK: - oracles from the files


def features(layer, folder=TEHRAN):
    return json.loads((folder / f"{layer}.geojson").read_text(encoding="utf-8"))["features"]


@lru_cache(maxsize=None)
def layer(name):
    return features(name)


@lru_cache(maxsize=1)
def districts():
    """(id, shape, prepared shape) by id: the server's "first district by id" order."""
    return [(f["id"], shape(f["geometry"]), prep(shape(f["geometry"]))) for f in sorted(layer("districts"), key=lambda f: f["id"])]


def district_at(x, y):
    point = Point(x, y)
    return next((fid for fid, _, prepared in districts() if prepared.contains(point)), None)


def district_entry(district_id):
    if district_id is None:
        return None
    f = next(f for f in layer("districts") if f["id"] == district_id)
    return {"id": district_id, "name_fa": f["properties"]["name_fa"], "name_en": f["properties"]["name_en"]}


@lru_cache(maxsize=1)
def parcel_shapes():
    return {f["id"]: shape(f["geometry"]) for f in layer("parcels")}


@lru_cache(maxsize=1)
def parcel_tree():
    ids = list(parcel_shapes())
    return ids, STRtree([parcel_shapes()[i] for i in ids])


def parcel_at(x, y):
    ids, tree = parcel_tree()
    found = [ids[i] for i in tree.query(Point(x, y), predicate="within")]
    assert len(found) <= 1
    return found[0] if found else None


def interior(geometry_shape):
    p = geometry_shape.representative_point()
    x, y = round(p.x, 7), round(p.y, 7)
    assert geometry_shape.contains(Point(x, y))
    return x, y


def envelope(geometry):
    return shape(geometry).bounds


def meets(geometry, bbox):
    """The issue's rule: a point exactly in the box (edges included); an outline whose bounding box meets it."""
    x0, y0, x1, y1 = bbox
    if geometry["type"] == "Point":
        x, y = geometry["coordinates"]
        return x0 <= x <= x1 and y0 <= y <= y1
    a, b, c, d = envelope(geometry)
    return a <= x1 and c >= x0 and b <= y1 and d >= y0


def same_geometry(got, want):
    def flat(g):
        coords = g["coordinates"]
        if g["type"] == "MultiPolygon" and len(coords) == 1:
            return "Polygon", coords[0]
        return g["type"], coords

    (gt, gc), (wt, wc) = flat(got), flat(want)
    if gt != wt:
        return False

    def walk(a, b):
        if isinstance(a, (int, float)):
            return abs(a - b) < 5e-8
        return len(a) == len(b) and all(walk(x, y) for x, y in zip(a, b))

    return walk(gc, wc)


def assert_same_feature(got, want, keys):
    assert got["type"] == "Feature" and got["id"] == want["id"]
    assert set(got["properties"]) == keys, got["properties"]
    assert got["properties"] == {k: want["properties"].get(k) for k in keys}
    assert same_geometry(got["geometry"], want["geometry"]), got["id"]


def bbox_text(b):
    return ",".join(repr(float(v)) for v in b)


def probe_boxes(layer_features, seed):
    """Boxes around, on the edge of and just past each feature, and random ones over the district."""
    boxes = [None]
    for f in layer_features:
        a, b, c, d = envelope(f["geometry"])
        boxes += [(a, b, c, d), (c, d, c + 0.001, d + 0.001), (c + 1e-6, d + 1e-6, c + 0.001, d + 0.001),
                  (a - 0.001, b - 0.001, a - 1e-6, b - 1e-6), (a - 0.0005, b - 0.0005, a, b)]
    x0, y0, x1, y1 = 51.398, 35.690, 51.431, 35.718
    rng = random.Random(seed)
    for _ in range(25):
        w, h = rng.uniform(0.0005, 0.012), rng.uniform(0.0005, 0.012)
        x, y = rng.uniform(x0, x1 - w), rng.uniform(y0, y1 - h)
        boxes.append((round(x, 7), round(y, 7), round(x + w, 7), round(y + h, 7)))
    boxes.append((40.0, 20.0, 60.0, 40.0))
    boxes.append((10.0, 10.0, 11.0, 11.0))
    return boxes


# MARK: - HTTP


def get(base, path, key=None, **kwargs):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return requests.get(base + path, headers=headers, timeout=30, **kwargs)


def get_json(base, path, key=None):
    response = get(base, path, key)
    assert response.status_code == 200, (path, response.status_code, response.text[:500])
    return response.json()


def zamin(*args):
    return subprocess.run([ZAMIN, *map(str, args)], capture_output=True, text=True, timeout=300)


# MARK: - 4. OGC collections districts and projects


def test_collections_list_districts_and_projects_after_the_cadastre(server):
    listed = get_json(server.base, "/collections")["collections"]
    assert [c["id"] for c in listed] == COLLECTION_ORDER
    for name, keys in (("districts", DISTRICT_KEYS), ("projects", PROJECT_KEYS)):
        described = get_json(server.base, f"/collections/{name}")
        assert described["id"] == name and described == next(c for c in listed if c["id"] == name)
        rels = {link["rel"]: link["href"] for link in described["links"]}
        assert rels["items"].endswith(f"/collections/{name}/items")
        boxes = [envelope(f["geometry"]) for f in layer(name)]
        extent = [min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes)]
        [got] = described["extent"]["spatial"]["bbox"]
        assert all(abs(g - w) < 5e-8 for g, w in zip(got, extent)), (got, extent)
        queryables = get_json(server.base, f"/collections/{name}/queryables")
        assert set(queryables["properties"]) - {"geometry"} == keys
        if name == "projects":
            assert set(queryables["properties"]["status"]["enum"]) == set(STATUSES)


@pytest.mark.parametrize("name", ["districts", "projects"])
def test_collection_items_match_the_file_by_bbox_and_status(server, name):
    source = sorted(layer(name), key=lambda f: f["id"])
    keys = DISTRICT_KEYS if name == "districts" else PROJECT_KEYS
    statuses = (None,) + (STATUSES if name == "projects" else ())
    for index, bbox in enumerate(probe_boxes(source, seed=21)):
        for status in statuses:
            query = {"limit": 1000}
            if bbox:
                query["bbox"] = bbox_text(bbox)
            if status:
                query["status"] = status
            expected = [f for f in source if (bbox is None or meets(f["geometry"], bbox))
                        and (status is None or f["properties"]["status"] == status)]
            answer = get_json(server.base, f"/collections/{name}/items?{urllib.parse.urlencode(query)}")
            assert answer["numberMatched"] == len(expected), (query, [f["id"] for f in expected])
            assert answer["numberReturned"] == len(expected)
            assert [f["id"] for f in answer["features"]] == [f["id"] for f in expected], query
            for got, want in zip(answer["features"], expected):
                assert_same_feature(got, want, keys)
            if len(expected) >= 2 and index % 3 == 0:
                # Pages by offset: numberMatched stays the total, the pages are the list cut up.
                for offset in range(0, len(expected) + 1):
                    page = get_json(server.base, f"/collections/{name}/items?{urllib.parse.urlencode({**query, 'limit': 2, 'offset': offset})}")
                    assert page["numberMatched"] == len(expected)
                    assert [f["id"] for f in page["features"]] == [f["id"] for f in expected[offset:offset + 2]]
    for f in source:
        assert_same_feature(get_json(server.base, f"/collections/{name}/items/{f['id']}"), f, keys)
    if name == "projects":
        bad = get(server.base, "/collections/projects/items?status=cancelled")
        assert bad.status_code == 400 and bad.json()["parameter"] == "status"
    missing = get(server.base, f"/collections/{name}/items/NO-SUCH-FEATURE")
    assert missing.status_code == 404 and missing.headers["Content-Type"].startswith("application/json")
    assert missing.json()["code"] == "NotFound"


@pytest.mark.parametrize("name,query", [("districts", {}), ("projects", {}), ("projects", {"status": "done"}),
                                        ("projects", {"bbox": "51.39,35.68,51.44,35.72"})])
def test_next_and_prev_links_walk_every_page(server, name, query):
    """OGC 17-069r4 §7.15.6: following `next` from the first page visits every match once, in
    order; `prev` of the second page is the first page."""
    source = sorted(layer(name), key=lambda f: f["id"])
    bbox = tuple(map(float, query["bbox"].split(","))) if "bbox" in query else None
    expected = [f["id"] for f in source if (not bbox or meets(f["geometry"], bbox))
                and ("status" not in query or f["properties"]["status"] == query["status"])]
    assert len(expected) >= 2
    url = f"{server.base}/collections/{name}/items?{urllib.parse.urlencode({**query, 'limit': 1})}"
    seen, pages = [], []
    for _ in range(len(expected) + 2):
        response = requests.get(url, timeout=30)
        assert response.status_code == 200, (url, response.text[:300])
        page = response.json()
        assert page["numberMatched"] == len(expected), (url, page["numberMatched"])
        pages.append(page)
        seen += [f["id"] for f in page["features"]]
        following = [link["href"] for link in page["links"] if link["rel"] == "next"]
        if not following:
            break
        url = following[0]
    assert seen == expected, f"following next links from limit=1 visited {seen}, expected {expected} (last url {url})"
    [back] = [link["href"] for link in pages[1]["links"] if link["rel"] == "prev"]
    assert [f["id"] for f in requests.get(back, timeout=30).json()["features"]] == expected[:1], back


# MARK: - 5. GET /projects


def test_projects_endpoint_filters_by_status_and_bbox(server):
    source = sorted(layer("projects"), key=lambda f: f["id"])
    assert {f["properties"]["status"] for f in source} == set(STATUSES)
    for bbox in probe_boxes(source, seed=5):
        for status in (None,) + STATUSES:
            query = {}
            if bbox:
                query["bbox"] = bbox_text(bbox)
            if status:
                query["status"] = status
            answer = get_json(server.base, "/projects?" + urllib.parse.urlencode(query))
            assert answer["type"] == "FeatureCollection"
            expected = [f for f in source if (bbox is None or meets(f["geometry"], bbox))
                        and (status is None or f["properties"]["status"] == status)]
            assert [f["id"] for f in answer["features"]] == [f["id"] for f in expected], query
            for got, want in zip(answer["features"], expected):
                assert_same_feature(got, want, PROJECT_KEYS)
    for bad in ("cancelled", "Done", ""):
        response = get(server.base, "/projects?status=" + urllib.parse.quote(bad))
        assert response.status_code == 400 and response.headers["Content-Type"].startswith("application/json"), bad
        assert response.json()["parameter"] == "status"
    response = get(server.base, "/projects?bbox=1,2,3")
    assert response.status_code == 400 and response.json()["parameter"] == "bbox"


# MARK: - 2. "your district" in /lookup


def test_lookup_names_the_district_of_the_point_and_of_the_parcel(server):
    rng = random.Random(2101)
    sample = rng.sample(sorted(parcel_shapes()), 60)
    for parcel_id in sample:
        x, y = interior(parcel_shapes()[parcel_id])
        want = district_entry(district_at(x, y))
        assert want is not None, parcel_id
        for lang in ("fa", "en"):
            by_point = get_json(server.base, f"/lookup?lon={x}&lat={y}&lang={lang}")
            assert by_point["parcel"]["id"] == parcel_id
            assert by_point["district"] == want, (parcel_id, lang)
        assert get_json(server.base, f"/lookup?parcel={parcel_id}")["district"] == want, parcel_id
    # Streets: inside a district, in no parcel.
    ids, tree = parcel_tree()
    union_box = box(*unary_union([outline for _, outline, _ in districts()]).bounds)
    streets = 0
    for _ in range(2000):
        if streets == 15:
            break
        x = round(rng.uniform(union_box.bounds[0], union_box.bounds[2]), 7)
        y = round(rng.uniform(union_box.bounds[1], union_box.bounds[3]), 7)
        point = Point(x, y)
        if len(tree.query(point, predicate="within")) or any(s.boundary.distance(point) < 2e-6 for _, s, _ in districts()):
            continue
        streets += 1
        answer = get_json(server.base, f"/lookup?lon={x}&lat={y}")
        assert answer["parcel"] is None
        assert answer["district"] == district_entry(district_at(x, y)), (x, y)
    assert streets == 15
    # Far from the demo district (a real hospital elsewhere in Tehran): no district.
    far = [f for f in layer("facilities") if district_at(*f["geometry"]["coordinates"]) is None][:5]
    for f in far:
        x, y = f["geometry"]["coordinates"]
        assert get_json(server.base, f"/lookup?lon={x}&lat={y}")["district"] is None, f["id"]


# MARK: - 3. /stats/districts


def test_district_statistics_match_a_brute_force_tally(new_city, tmp_path):
    db = new_city(tmp_path)
    operator = create_key(db, "operator", "e2e-stats")
    server = Server(db, tmp_path / "serve.log").start(PUBLIC_POSTS)
    try:
        # Reports of our own: in each district some open, in progress, closed, duplicate, reopened.
        rng = random.Random(77)
        by_district = {}
        for parcel_id in sorted(parcel_shapes()):
            x, y = interior(parcel_shapes()[parcel_id])
            by_district.setdefault(district_at(x, y), []).append((x, y))
        assert None not in by_district and len(by_district) == 4
        fates = ["open", "in_progress", "closed", "duplicate", "reopened", "open", "in_progress"]
        expected_open = {fid: 0 for fid, _, _ in districts()}
        for position, (district_id, points) in enumerate(sorted(by_district.items())):
            filed = []
            for fate in fates[:4 + position]:
                x, y = rng.choice(points)
                status, body = post(server, "/reports", {"service_code": "damaged_sidewalk", "lon": x, "lat": y})
                assert status == 201, body
                filed.append(body["id"])
                if fate == "in_progress":
                    move(server, operator, body["id"], {"status": "in_progress"})
                elif fate == "closed":
                    move(server, operator, body["id"], {"status": "closed", "note": "fixed"})
                elif fate == "duplicate":
                    move(server, operator, body["id"], {"status": "duplicate", "duplicate_of": filed[0]})
                elif fate == "reopened":
                    move(server, operator, body["id"], {"status": "in_progress"})
                    move(server, operator, body["id"], {"status": "open", "note": "again"})
                if fate in ("open", "in_progress", "reopened"):
                    expected_open[district_id] += 1

        answer = get_json(server.base, "/stats/districts")
        assert "green" in answer["green_uses"]
        tehran_uses = {f["properties"]["current_use"] for f in layer("parcels")}
        assert tehran_uses & set(answer["green_uses"]) == {"green"}
        expected = district_tally()
        assert [d["id"] for d in answer["districts"]] == sorted(expected)
        for got in answer["districts"]:
            want = expected[got["id"]]
            entry = district_entry(got["id"])
            assert (got["name_fa"], got["name_en"]) == (entry["name_fa"], entry["name_en"])
            assert got["parcels"] == want["parcels"], got["id"]
            # Areas: each parcel's geodesic area on WGS 84 (pyproj) summed, then rounded to 0.1 m². The
            # file's (and the API's) area_m2 is that area rounded to 0.1 m², so the sum of area_m2 may
            # differ from it by up to 0.05 m² a parcel.
            assert abs(got["parcel_area_m2"] - round(want["area"], 1)) < 0.06, (got["id"], got["parcel_area_m2"], want["area"])
            assert abs(got["parcel_area_m2"] - want["area_m2_sum"]) <= 0.05 * want["parcels"] + 0.05
            assert set(got["area_by_use_m2"]) == set(want["by_use"]), got["id"]
            for use, area in want["by_use"].items():
                assert abs(got["area_by_use_m2"][use] - round(area, 1)) < 0.06, (got["id"], use, got["area_by_use_m2"][use], area)
            green = want["by_use"].get("green", 0.0)
            assert abs(got["green_area_m2"] - round(green, 1)) < 0.06
            assert abs(got["green_share"] - green / want["area"]) < 1e-6, got["id"]
            assert got["facilities"] == want["facilities"], got["id"]
            assert got["open_reports"] == expected_open[got["id"]], got["id"]
        # Every parcel of the demo district is counted once.
        assert sum(d["parcels"] for d in answer["districts"]) == len(layer("parcels"))

        # The figures are made once per published city: an edit publishes a new one, and the next
        # answer follows it. A parcel becomes green space; one more report is filed.
        planner = create_key(db, "planner", "e2e-stats-edit")
        target = next(f for f in layer("parcels") if f["properties"]["current_use"] not in answer["green_uses"])
        outline = parcel_shapes()[target["id"]]
        where, area = district_at(*interior(outline)), abs(GEOD.geometry_area_perimeter(outline)[0])
        item = requests.get(server.base + f"/collections/parcels/items/{target['id']}", timeout=30)
        patched = requests.patch(
            server.base + f"/collections/parcels/items/{target['id']}", data=json.dumps({"properties": {"current_use": "green"}}),
            headers={"Authorization": f"Bearer {planner}", "If-Match": item.headers["ETag"],
                     "Content-Type": "application/merge-patch+json"}, timeout=30)
        assert patched.status_code == 200, patched.text
        x, y = interior(outline)
        assert post(server, "/reports", {"service_code": "damaged_sidewalk", "lon": x, "lat": y})[0] == 201
        before = {d["id"]: d for d in answer["districts"]}
        after = {d["id"]: d for d in get_json(server.base, "/stats/districts")["districts"]}
        old_use = target["properties"]["current_use"]
        for district_id, got in after.items():
            was = before[district_id]
            if district_id != where:
                assert got == was, district_id
                continue
            assert abs(got["green_area_m2"] - was["green_area_m2"] - area) < 0.11
            assert abs(was["area_by_use_m2"][old_use] - got["area_by_use_m2"].get(old_use, 0.0) - area) < 0.11
            assert got["parcels"] == was["parcels"] and got["parcel_area_m2"] == was["parcel_area_m2"]
            assert got["open_reports"] == was["open_reports"] + 1
    finally:
        server.stop()


@lru_cache(maxsize=1)
def district_tally():
    tally = {fid: {"parcels": 0, "area": 0.0, "area_m2_sum": 0.0, "by_use": {}, "facilities": {}} for fid, _, _ in districts()}
    for f in layer("parcels"):
        outline = parcel_shapes()[f["id"]]
        entry = tally[district_at(*interior(outline))]
        area, use = abs(GEOD.geometry_area_perimeter(outline)[0]), f["properties"]["current_use"]
        assert abs(area - f["properties"]["area_m2"]) <= 0.05 + 1e-6, f["id"]
        entry["parcels"] += 1
        entry["area"] += area
        entry["area_m2_sum"] += f["properties"]["area_m2"]
        entry["by_use"][use] = entry["by_use"].get(use, 0.0) + area
    for f in layer("facilities"):
        found = district_at(*f["geometry"]["coordinates"])
        if found:
            category = f["properties"]["category"]
            tally[found]["facilities"][category] = tally[found]["facilities"].get(category, 0) + 1
    return tally


def post(server, path, body, key=None):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    response = requests.post(server.base + path, json=body, headers=headers, timeout=30)
    return response.status_code, response.json()


def move(server, operator, report_id, body):
    status, answer = post(server, f"/reports/{report_id}/status", body, operator)
    assert status == 200, answer
    assert answer["status"] == body["status"]


# MARK: - 7. search groups and facets


def facility_counts(categories):
    counts = {}
    for f in layer("facilities"):
        category = f["properties"]["category"]
        if category in categories:
            counts[category] = counts.get(category, 0) + 1
    return counts


def test_ui_strings_list_the_search_groups(server):
    dataset_categories = {f["properties"]["category"] for f in layer("facilities")}
    by_lang = {}
    for lang in ("fa", "en"):
        groups = get_json(server.base, f"/ui/strings?lang={lang}")["search_groups"]
        assert [g["code"] for g in groups] == list(GROUPS)
        for g in groups:
            assert g["name_fa"] == GROUPS[g["code"]]
            assert g["name"] == (g["name_fa"] if lang == "fa" else g["name_en"])
            assert g["name_en"] and g["name_en"] != g["name_fa"]
            assert set(g["categories"]) <= dataset_categories, g
        by_lang[lang] = [{k: v for k, v in g.items() if k != "name"} for g in groups]
        assert set(next(g for g in groups if g["code"] == "health_medical")["categories"]) == HEALTH
        assert "hotel" in next(g for g in groups if g["code"] == "hotels_lodging")["categories"]
    assert by_lang["fa"] == by_lang["en"]


def test_search_by_group_counts_every_match_in_its_facets(server):
    health = facility_counts(HEALTH)
    assert health == {"hospital": 130, "clinic": 5, "pharmacy": 1}  # the dataset README's table
    for lang in ("fa", "en"):
        answer = get_json(server.base, f"/search?group=health_medical&limit=1&lang={lang}")
        assert answer["numberMatched"] == sum(health.values()) and answer["numberReturned"] == len(answer["features"]) == 1
        facets = answer["facets"]
        assert facets["categories"] == health
        assert facets["parcels"] == 0
        assert [g["id"] for g in facets["groups"]] == list(GROUPS)
        for g in facets["groups"]:
            assert g["count"] == (sum(health.values()) if g["id"] == "health_medical" else 0), g
            if lang == "fa":
                assert g["name"] == GROUPS[g["id"]]
        if lang == "en":
            assert next(g for g in facets["groups"] if g["id"] == "health_medical")["name"] != GROUPS["health_medical"]
        assert answer["features"][0]["properties"]["category"] in HEALTH

    hospitals = get_json(server.base, "/search?category=hospital&limit=3")
    assert hospitals["numberMatched"] == 130 and len(hospitals["features"]) == 3
    assert hospitals["facets"]["categories"] == {"hospital": 130} and hospitals["facets"]["parcels"] == 0
    assert {g["id"]: g["count"] for g in hospitals["facets"]["groups"]} == {g: (130 if g == "health_medical" else 0) for g in GROUPS}

    # A group and a category together: their intersection.
    both = get_json(server.base, "/search?group=health_medical&category=clinic&limit=100")
    assert both["numberMatched"] == 5 and both["facets"]["categories"] == {"clinic": 5}
    assert get_json(server.base, "/search?group=hotels_lodging&category=hospital")["numberMatched"] == 0

    # Every group: its count is the file's count over its categories; the page is not the total.
    ui_groups = get_json(server.base, "/ui/strings")["search_groups"]
    for g in ui_groups:
        want = facility_counts(set(g["categories"]))
        small = get_json(server.base, f"/search?group={g['code']}&limit=1")
        big = get_json(server.base, f"/search?group={g['code']}&limit=1000")
        assert small["numberMatched"] == big["numberMatched"] == sum(want.values()), g["code"]
        assert small["facets"] == big["facets"]
        assert small["facets"]["categories"] == want, g["code"]
        tally = {}
        for f in big["features"]:
            tally[f["properties"]["category"]] = tally.get(f["properties"]["category"], 0) + 1
        assert tally == want

    # Parcel searches count parcels: by use and by zone, over parcels.geojson.
    green = sum(1 for f in layer("parcels") if f["properties"]["current_use"] == "green")
    by_use = get_json(server.base, "/search?use=green&limit=1")
    assert by_use["numberMatched"] == green == by_use["facets"]["parcels"] and by_use["facets"]["categories"] == {}
    assert all(g["count"] == 0 for g in by_use["facets"]["groups"])
    g111 = sum(1 for f in layer("parcels") if f["properties"]["zone_code"] == "G111")
    by_zone = get_json(server.base, "/search?zone=G111&limit=2")
    assert by_zone["numberMatched"] == g111 == by_zone["facets"]["parcels"]

    # Text searches: the facets add up to numberMatched whatever the page size.
    for text in ("بیمارستان", "P-00001", "metro", "مترو", "تهران"):
        small = get_json(server.base, "/search?" + urllib.parse.urlencode({"q": text, "limit": 1}))
        big = get_json(server.base, "/search?" + urllib.parse.urlencode({"q": text, "limit": 1000}))
        assert small["facets"] == big["facets"] and small["numberMatched"] == big["numberMatched"], text
        assert sum(small["facets"]["categories"].values()) + small["facets"]["parcels"] == small["numberMatched"], text
        if big["numberMatched"] <= 1000:
            kinds = [f["properties"]["kind"] for f in big["features"]]
            assert kinds.count("parcel") == big["facets"]["parcels"], text
        grouped = get_json(server.base, "/search?" + urllib.parse.urlencode({"q": text, "group": "health_medical", "limit": 1}))
        assert grouped["numberMatched"] == sum(v for k, v in small["facets"]["categories"].items() if k in HEALTH), text

    for bad, parameter in (("group=spas", "group"), ("group=health_medical&use=green", "group"), ("group=", "group")):
        response = get(server.base, "/search?" + bad)
        assert response.status_code == 400, bad
        assert response.json()["parameter"] == parameter, (bad, response.text)


# MARK: - 1. import and sync of the layers


def test_sync_replaces_changed_layers_and_a_running_server_follows(new_city, tmp_path):
    db = new_city(tmp_path)
    folder = tmp_path / "tehran"
    shutil.copytree(TEHRAN, folder)
    server = Server(db, tmp_path / "serve.log").start()
    try:
        assert [f["id"] for f in get_json(server.base, "/projects")["features"]] == sorted(f["id"] for f in layer("projects"))
        unchanged = zamin("import", "--sync", "--dry-run", *database_args(db), folder)
        assert unchanged.returncode == 0, unchanged.stderr
        assert "differs from the stored layer" not in unchanged.stdout

        projects = json.loads((folder / "projects.geojson").read_text(encoding="utf-8"))
        moved = next(f for f in projects["features"] if f["id"] == "PRJ-005")
        moved["properties"]["status"] = "under_construction"
        added = copy.deepcopy(moved)
        added["id"] = added["properties"]["id"] = "PRJ-900"
        added["geometry"] = {"type": "Polygon", "coordinates": [[[51.41, 35.70], [51.411, 35.70], [51.411, 35.701], [51.41, 35.701], [51.41, 35.70]]]}
        projects["features"].append(added)
        (folder / "projects.geojson").write_text(json.dumps(projects, ensure_ascii=False), encoding="utf-8")
        named = json.loads((folder / "districts.geojson").read_text(encoding="utf-8"))
        named["features"][0]["properties"]["name_en"] = "Renamed district"
        renamed_id = named["features"][0]["id"]
        (folder / "districts.geojson").write_text(json.dumps(named, ensure_ascii=False), encoding="utf-8")

        dry = zamin("import", "--sync", "--dry-run", *database_args(db), folder)
        assert dry.returncode == 0, dry.stderr
        assert "projects.geojson differs from the stored layer: a sync would replace it" in dry.stdout, dry.stdout
        assert "districts.geojson differs from the stored layer: a sync would replace it" in dry.stdout, dry.stdout
        assert "sensitive_sites.geojson differs" not in dry.stdout
        assert "replaced by" not in dry.stdout
        time.sleep(1.5)
        assert "PRJ-900" not in [f["id"] for f in get_json(server.base, "/projects")["features"]]

        synced = zamin("import", "--sync", *database_args(db), folder)
        assert synced.returncode == 0, synced.stderr
        assert "projects: replaced by projects.geojson" in synced.stdout, synced.stdout
        assert "districts: replaced by districts.geojson" in synced.stdout, synced.stdout
        assert "sensitive_sites: replaced" not in synced.stdout

        def followed():
            ids = [f["id"] for f in get_json(server.base, "/projects?status=under_construction")["features"]]
            return "PRJ-005" in ids
        assert wait_for(followed, 3) is not None, "the running server did not follow the sync within 3 s"
        expected = sorted(f["id"] for f in projects["features"])
        assert [f["id"] for f in get_json(server.base, "/projects")["features"]] == expected
        assert [f["id"] for f in get_json(server.base, "/projects?bbox=51.4095,35.6995,51.4105,35.7005")["features"]] == \
            sorted(f["id"] for f in projects["features"] if meets(f["geometry"], (51.4095, 35.6995, 51.4105, 35.7005)))
        assert get_json(server.base, f"/collections/districts/items/{renamed_id}")["properties"]["name_en"] == "Renamed district"
        parcel_in = next(pid for pid in sorted(parcel_shapes()) if district_at(*interior(parcel_shapes()[pid])) == renamed_id)
        assert get_json(server.base, f"/lookup?parcel={parcel_in}")["district"]["name_en"] == "Renamed district"

        again = zamin("import", "--sync", *database_args(db), folder)
        assert again.returncode == 0, again.stderr
        assert "replaced by" not in again.stdout and "nothing to change" in again.stdout, again.stdout
    finally:
        server.stop()


def break_feature(layer_name, index, change):
    def apply(folder):
        data = json.loads((folder / f"{layer_name}.geojson").read_text(encoding="utf-8"))
        change(data["features"][index])
        (folder / f"{layer_name}.geojson").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return apply


def setter(key, value):
    return lambda f: f["properties"].__setitem__(key, value)


def without(key):
    return lambda f: f["properties"].pop(key)


def geometry(value):
    return lambda f: f.__setitem__("geometry", value)


def same_id(other):
    def change(f):
        f["id"] = f["properties"]["id"] = other
    return change


BAD_FILES = [
    # (case, file, feature index, id named, how the file is broken)
    ("district point", "districts.geojson", 1, "D-NW", break_feature("districts", 1, geometry({"type": "Point", "coordinates": [51.41, 35.70]}))),
    ("district no name", "districts.geojson", 3, "D-SW", break_feature("districts", 3, setter("name_fa", ""))),
    ("project status", "projects.geojson", 0, "PRJ-001", break_feature("projects", 0, setter("status", "cancelled"))),
    ("project budget", "projects.geojson", 1, "PRJ-002", break_feature("projects", 1, setter("budget", -5))),
    ("project progress", "projects.geojson", 3, "PRJ-004", break_feature("projects", 3, setter("progress_pct", 100.5))),
    ("project date", "projects.geojson", 4, "PRJ-005", break_feature("projects", 4, setter("start_date", "2025-02-30"))),
    ("project dates reversed", "projects.geojson", 2, "PRJ-003", break_feature("projects", 2, setter("end_date", "2023-08-31"))),
    ("project line", "projects.geojson", 5, "PRJ-006",
     break_feature("projects", 5, geometry({"type": "LineString", "coordinates": [[51.41, 35.70], [51.42, 35.71]]}))),
    ("site without kind", "sensitive_sites.geojson", 1, "SS-002", break_feature("sensitive_sites", 1, without("kind"))),
    ("site repeated id", "sensitive_sites.geojson", 2, "SS-001", break_feature("sensitive_sites", 2, same_id("SS-001"))),
]


def stored_layers(db):
    """The stored GeoJSON layers (the inspection feed, also an information layer, is
    test_inspections.py's) and how many replaced texts history keeps."""
    with closing(sqlite3.connect(db)) as connection:
        rows = dict(connection.execute("SELECT name, features FROM information_layer WHERE name <> 'inspections'").fetchall())
        history = connection.execute("SELECT count(*) FROM information_layer_history").fetchone()[0]
    return rows, history


def test_a_bad_layer_file_is_refused_naming_the_file_and_feature(tehran_db, tmp_path):
    """Each broken file refuses a fresh import (no database left) and a sync (the stored layers
    byte for byte the original files, no history), even with a good change in another layer."""
    originals = {name: (TEHRAN / f"{name}.geojson").read_text(encoding="utf-8") for name in ("districts", "projects", "sensitive_sites")}
    assert stored_layers(tehran_db) == (originals, 0)

    def attempt(position):
        case, file_name, index, feature_id, apply = BAD_FILES[position]
        work = tmp_path / f"case{position}"
        folder = work / "city"
        shutil.copytree(TEHRAN, folder)
        apply(folder)
        fresh = import_dataset(work / "fresh.db", folder)
        # A good change beside the bad file, which must not be applied either.
        other = "projects" if file_name != "projects.geojson" else "districts"
        data = json.loads((folder / f"{other}.geojson").read_text(encoding="utf-8"))
        data["features"][0]["properties"]["name_en"] = "Should not be stored"
        (folder / f"{other}.geojson").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        db = copy_db(tehran_db, work)
        synced = zamin("import", "--sync", "--db", db, folder)
        return case, file_name, index, feature_id, fresh, synced, work, db

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(attempt, range(len(BAD_FILES))))
    for case, file_name, index, feature_id, fresh, synced, work, db in results:
        for what, result in (("import", fresh), ("sync", synced)):
            assert result.returncode != 0, (case, what, result.stdout)
            problems = [line for line in result.stderr.splitlines() if file_name in line]
            assert problems, (case, what, result.stderr)
            assert any(f"feature {index}" in line and feature_id in line for line in problems), (case, what, result.stderr)
        assert not (work / "fresh.db").exists() or not stored_layers(work / "fresh.db")[0], case
        assert stored_layers(db) == (originals, 0), case


# MARK: - 6. sensitive sites: planners only, and in no public answer


MARK = "SECRETSITE-"          # every ASCII marker starts with it; searches send "SECRETSITE" only
MARK_FA = "رازپنهانژرف"      # every Persian marker contains it; searches send "رازپنهان" only


def secret_sites(round_name):
    """Four sites on parcels and at/near facilities of the demo district, named with markers."""
    inside = sorted((f for f in layer("facilities") if district_at(*f["geometry"]["coordinates"])
                     and parcel_at(*f["geometry"]["coordinates"])), key=lambda f: f["id"])
    hospital = next(f for f in inside if f["properties"]["category"] == "hospital")
    metro = next(f for f in inside if f["properties"]["category"] == "metro_station")
    others = [f for f in inside if f not in (hospital, metro)]
    a, b = others[0], others[len(others) // 2]
    hx, hy = hospital["geometry"]["coordinates"]
    ax, ay = a["geometry"]["coordinates"]
    bx, by = b["geometry"]["coordinates"]
    px, py = interior(parcel_shapes()[parcel_at(*metro["geometry"]["coordinates"])])
    parcel_c = parcel_at(ax, ay)
    letters = ["الف", "بام", "جیم", "دال"]
    geometries = [
        {"type": "Point", "coordinates": [hx, hy]},                                   # on a hospital
        {"type": "Point", "coordinates": [px, py]},                                   # in a metro station's parcel
        copy.deepcopy(next(f for f in layer("parcels") if f["id"] == parcel_c)["geometry"]),  # a whole parcel
        {"type": "Polygon", "coordinates": [[[round(bx - 0.0003, 7), round(by - 0.0003, 7)], [round(bx + 0.0003, 7), round(by - 0.0003, 7)],
                                             [round(bx + 0.0003, 7), round(by + 0.0003, 7)], [round(bx - 0.0003, 7), round(by + 0.0003, 7)],
                                             [round(bx - 0.0003, 7), round(by - 0.0003, 7)]]]},
    ]
    sites = []
    for position, geometry_value in enumerate(geometries):
        fid = f"{MARK}ID-{round_name}{position}"
        sites.append({
            "type": "Feature", "id": fid, "geometry": geometry_value,
            "properties": {
                "id": fid, "name_fa": f"{MARK_FA}{round_name}{letters[position]}", "name_en": f"{MARK}NAME-{round_name}{position}",
                "kind": f"{MARK}KIND-{round_name}{position}" if position % 2 == 0 else f"گونه{MARK_FA}{round_name}{position}",
            }})
    return sites


def markers(sites):
    found = {MARK, MARK_FA}
    for site in sites:
        found |= {site["id"], site["properties"]["name_fa"], site["properties"]["name_en"], site["properties"]["kind"]}
    forms = set()
    for m in found:
        forms |= {m.encode(), json.dumps(m)[1:-1].encode(), urllib.parse.quote(m).encode(), urllib.parse.quote_plus(m).encode(),
                  urllib.parse.quote(m).lower().encode()}
    return forms


def write_sites(folder, sites):
    (folder / "sensitive_sites.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": sites}, ensure_ascii=False), encoding="utf-8")


class SecretCity:
    def __init__(self, db, folder, server, keys, sites):
        self.db, self.folder, self.server, self.keys, self.sites = db, folder, server, keys, sites
        self.base = server.base


@pytest.fixture(scope="module")
def secret_city(tmp_path_factory):
    work = tmp_path_factory.mktemp("secret_city")
    folder = work / "city"
    shutil.copytree(TEHRAN, folder)
    sites = secret_sites("A")
    write_sites(folder, sites)
    db = work / "zamin.db"
    result = import_dataset(db, folder)
    assert result.returncode == 0, result.stderr
    keys = {role: create_key(db, role, f"e2e-{role}") for role in ("reporter_app", "operator", "planner", "admin")}
    # Debug level: access-log lines are written too, for the scan of the log.
    server = Server(db, work / "serve.log").start(PUBLIC_POSTS, ["--log-level", "debug"])
    yield SecretCity(db, folder, server, keys, sites)
    server.stop()


def test_sensitive_sites_answer_planners_and_admins_only(secret_city):
    city = secret_city
    for key in (None, "zk_not_a_real_key_at_all"):
        response = get(city.base, "/sensitive-sites", key)
        assert response.status_code == 401, key
        assert MARK.encode() not in response.content
    for role in ("reporter_app", "operator"):
        response = get(city.base, "/sensitive-sites?bbox=40,20,60,40", city.keys[role])
        assert response.status_code == 403, (role, response.text)
        assert MARK.encode() not in response.content and MARK_FA.encode() not in response.content
    ordered = sorted(city.sites, key=lambda s: s["id"])
    for role in ("planner", "admin"):
        answer = get_json(city.base, "/sensitive-sites", city.keys[role])
        assert answer["type"] == "FeatureCollection"
        assert [f["id"] for f in answer["features"]] == [s["id"] for s in ordered]
        for got, want in zip(answer["features"], ordered):
            assert_same_feature(got, want, {"id", "name_fa", "name_en", "kind"})
        for bbox in probe_boxes(ordered, seed=9):
            if bbox is None:
                continue
            got = get_json(city.base, f"/sensitive-sites?bbox={bbox_text(bbox)}", city.keys[role])
            assert [f["id"] for f in got["features"]] == [s["id"] for s in ordered if meets(s["geometry"], bbox)], bbox
    bad = get(city.base, "/sensitive-sites?bbox=x", city.keys["planner"])
    assert bad.status_code == 400 and bad.json()["parameter"] == "bbox"


def site_point(site):
    if site["geometry"]["type"] == "Point":
        return tuple(site["geometry"]["coordinates"])
    return interior(shape(site["geometry"]))


def around(x, y, half):
    return bbox_text((round(x - half, 7), round(y - half, 7), round(x + half, 7), round(y + half, 7)))


class Probe:
    """Requests public GETs and scans every answer's body and headers for the markers."""

    def __init__(self, base, forms):
        self.base, self.forms = base, forms
        self.session = requests.Session()
        self.count = 0
        self.leaks = []
        self.errors = []

    def scan(self, label, blob):
        for form in self.forms:
            if form in blob:
                self.leaks.append((label, form.decode(errors="replace")))

    def get(self, path, query=None):
        url = self.base + path + ("?" + urllib.parse.urlencode(query) if query else "")
        response = self.session.get(url, timeout=30)
        self.count += 1
        if response.status_code >= 500:
            self.errors.append((url, response.status_code, response.text[:200]))
        headers = "\n".join(f"{k}: {v}" for k, v in response.headers.items()).encode()
        self.scan(url + " (headers)", headers)
        self.scan(url, response.content)
        if response.headers.get("Content-Type", "").startswith("application/vnd.mapbox-vector-tile") and response.content:
            decoded = mapbox_vector_tile.decode(response.content)
            assert set(decoded) <= set(COLLECTION_ORDER), (url, set(decoded))
        return response


SEARCH_TEXTS = ["SECRETSITE", "secretsite", "رازپنهان", "ژرف", "NAME", "KIND", "ID-A"]


def public_get_paths(api):
    paths = {}
    for path, item in api["paths"].items():
        op = item.get("get")
        if op is None or op.get("security"):
            continue
        paths[path] = {p["name"]: p for p in op.get("parameters", []) + item.get("parameters", []) if p.get("in") in ("query", "path")}
    return paths


def fill_paths(path, context):
    if "{tileMatrix}" in path:
        return [path.replace("{tileMatrix}", str(z)).replace("{tileRow}", str(row)).replace("{tileCol}", str(col))
                for z, row, col in context["tiles"]]
    if "{featureId}" in path:
        collection = path.split("/")[2]
        return [path.replace("{featureId}", urllib.parse.quote(i)) for i in context["feature_ids"].get(collection, ["unknown"])]
    substitutions = {
        "{request}": context["open311_ids"] if path.startswith("/open311") else context["permit_ids"],
        "{report}": context["report_refs"], "{photo}": ["0" * 64], "{service}": ["damaged_sidewalk", "damaged_sidewalk.json"],
        "{token}": ["unknown-token"],
    }
    filled = [path]
    for name, values in substitutions.items():
        if name in path:
            filled = [p.replace(name, urllib.parse.quote(str(v))) for p in filled for v in values]
    return [p for p in filled if "{" not in p] or [path.replace("{", "").replace("}", "")]


def queries(path, names, context):
    out = [{}]
    points = context["points"]
    if {"lon", "lat"} <= names:
        for x, y in points:
            q = {"lon": x, "lat": y}
            if "k" in names:
                q["k"] = 100
            out.append(q)
            if "category" in names:
                out += [{**q, "category": c} for c in context["categories"]]
            if "max_distance_m" in names:
                out.append({**q, "max_distance_m": 3000})
            if "datetime" in names:
                out.append({**q, "datetime": "2100-01-01T00:00:00Z"})
    if "parcel" in names:
        for p in context["parcels"]:
            out.append({"parcel": p, **({"use": "residential", "floors": 3} if "use" in names else {})})
    if "bbox" in names:
        for x, y in points:
            out += [{"bbox": around(x, y, 0.001)}, {"bbox": around(x, y, 0.0001)}, {"bbox": around(x, y, 0.01)}]
            if "status" in names and "projects" in path:
                out += [{"bbox": around(x, y, 0.01), "status": s} for s in STATUSES]
            if "f" in names:
                out.append({"bbox": around(x, y, 0.001), "f": "html"})
            if "group" in names:
                out += [{"bbox": around(x, y, 0.005), "group": g} for g in GROUPS]
            if "use" in names:
                out.append({"bbox": around(x, y, 0.002), "use": "residential"})
    if "q" in names:
        for text in SEARCH_TEXTS:
            out += [{"q": text}, {"q": text, "limit": 1000}, {"q": text, "category": context["categories"][0]}]
            if "group" in names:
                out += [{"q": text, "group": g} for g in GROUPS]
    if "group" in names:
        out += [{"group": g, "limit": 1000} for g in GROUPS]
    if "category" in names and not {"lon", "lat"} <= names:
        out += [{"category": c} for c in context["categories"]]
    if "category" in names:
        out.append({"category": "no-such-category"})
    if "status" in names:
        out += [{"status": s} for s in (STATUSES if "projects" in path else ("open", "closed"))]
    if "collections" in names:
        out += [{"collections": "parcels,zones,facilities"}, {"collections": "sensitive_sites"}]
    if "f" in names:
        out += [{"f": "html"}, {"f": "json"}]
    if "from" in names:
        out.append({"from": "2000-01-01T00:00:00Z"})
    if "ready" in names:
        out.append({"ready": "true"})
    if "lang" in names:
        out += [{**q, "lang": "en"} for q in out]
    unique = []
    for q in out:
        if q not in unique:
            unique.append(q)
    return unique


def sweep(city, probe, context):
    """Every public GET path of /api, with its parameters filled at and around the sites."""
    api = get_json(city.base, "/api")
    paths = public_get_paths(api)
    assert {"/lookup", "/nearest", "/search", "/projects", "/stats/districts", "/collections/districts/items",
            "/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}", "/ui/strings", "/changes"} <= set(paths)
    assert "/sensitive-sites" not in paths
    visited = set()
    for path, parameters in paths.items():
        names = set(parameters)
        tile_path = "{tileMatrix}" in path
        for concrete in fill_paths(path, context):
            for query in ([{}, {"lang": "en"}] + ([{"collections": "parcels,zones,facilities"}, {"collections": "sensitive_sites"}]
                                                   if "collections" in names else []) if tile_path else queries(path, names, context)):
                probe.get(concrete, query)
                visited.add(path)
    assert visited == set(paths)
    # Paths outside /api that a curious client would try.
    for extra in ("/metrics", "/collections/sensitive_sites", "/collections/sensitive_sites/items",
                  "/collections/sensitive-sites/items", "/sensitive_sites", "/collections/sensitive_sites/queryables",
                  "/tiles/WebMercatorQuad/16/0/0?collections=sensitive_sites"):
        probe.get(extra)


def sweep_context(city, sites):
    points = [site_point(s) for s in sites]
    parcels = sorted({parcel_at(x, y) for x, y in points} - {None})
    assert len(parcels) == len(sites), "every site lies on a parcel"
    facilities = [f for f in layer("facilities") if any(abs(f["geometry"]["coordinates"][0] - x) < 0.003
                                                          and abs(f["geometry"]["coordinates"][1] - y) < 0.003 for x, y in points)]
    zones = [f["id"] for f in layer("zones") if any(shape(f["geometry"]).contains(Point(x, y)) for x, y in points)]
    tiles = set()
    for x, y in points:
        for z in (8, 11, 13, 14, 15, 16, 17, 18):
            tile = TMS.tile(x, y, z)
            tiles.add((z, tile.y, tile.x))
    categories = sorted({f["properties"]["category"] for f in facilities})[:4]
    return {
        "points": points, "parcels": parcels, "tiles": sorted(tiles), "categories": categories or ["hospital"],
        "feature_ids": {"parcels": parcels, "zones": zones, "facilities": sorted(f["id"] for f in facilities)[:12],
                        "districts": sorted(f["id"] for f in layer("districts")), "projects": sorted(f["id"] for f in layer("projects"))},
        "open311_ids": [], "permit_ids": [], "report_refs": [],
    }


def test_no_public_answer_header_or_log_line_names_a_sensitive_site(secret_city):
    city = secret_city
    forms = markers(city.sites)
    context = sweep_context(city, city.sites)
    probe = Probe(city.base, forms)
    # Public POSTs at the sites: problem reports and a permit request on each site's parcel.
    for x, y in context["points"]:
        response = requests.post(city.base + "/reports", json={"service_code": "damaged_sidewalk", "lon": x, "lat": y,
                                                                "description": "e2e near a site"}, timeout=30)
        assert response.status_code == 201, response.text
        probe.scan("POST /reports", response.content)
        probe.scan("POST /reports (headers)", "\n".join(f"{k}: {v}" for k, v in response.headers.items()).encode())
        context["report_refs"] += [response.json()["tracking_code"], response.json()["id"]]
        context["open311_ids"] += [response.json()["id"], f"{response.json()['id']}.json"]
    for parcel_id in context["parcels"]:
        response = requests.post(city.base + "/requests", json=permit(parcel_id, 3, "residential"), timeout=30)
        assert response.status_code == 201, response.text
        probe.scan("POST /requests", response.content)
        context["permit_ids"].append(response.json()["tracking_code"])

    # Not even counted: searches for the markers match nothing (no facility name or parcel address
    # of the files holds them), nearest answers are the file's facilities, the districts' facility
    # counts are the file's.
    facility_ids = {f["id"] for f in layer("facilities")}
    for text in ("SECRETSITE", "رازپنهان", "ژرف"):
        assert not any(text in json.dumps(f["properties"], ensure_ascii=False) for f in layer("facilities") + layer("parcels"))
        answer = get_json(city.base, "/search?" + urllib.parse.urlencode({"q": text}))
        assert answer["numberMatched"] == 0 and answer["facets"]["parcels"] == 0 and answer["facets"]["categories"] == {}, text
    for x, y in context["points"]:
        nearest = get_json(city.base, f"/nearest?lon={x}&lat={y}&k=100")
        assert len(nearest["features"]) == 100 and {f["id"] for f in nearest["features"]} <= facility_ids
    stats = get_json(city.base, "/stats/districts")["districts"]
    assert {d["id"]: d["facilities"] for d in stats} == {i: t["facilities"] for i, t in district_tally().items()}

    started = time.monotonic()
    sweep(city, probe, context)
    assert probe.errors == [], probe.errors[:10]
    assert probe.leaks == [], probe.leaks[:20]
    assert probe.count > 500 and time.monotonic() - started < 90

    # The markers are really served — to planners and admins — and the scan would see them
    # (else the sweep proves nothing).
    for role in ("planner", "admin"):
        for x, y in context["points"]:
            body = get(city.base, f"/sensitive-sites?bbox={around(x, y, 0.0001)}&lang=en", city.keys[role]).content
            assert MARK.encode() in body and MARK_FA.encode() in body
            control = Probe(city.base, forms)
            control.scan("control", body)
            assert len(control.leaks) >= 5
        assert len(get_json(city.base, "/sensitive-sites", city.keys[role])["features"]) == len(city.sites)

    # A sync brings new sites (new markers): the running server follows, and still tells no one.
    renamed = secret_sites("B")
    write_sites(city.folder, renamed)
    dry = zamin("import", "--sync", "--dry-run", "--db", city.db, city.folder)
    assert dry.returncode == 0, dry.stderr
    assert "sensitive_sites.geojson differs from the stored layer: a sync would replace it" in dry.stdout, dry.stdout
    synced = zamin("import", "--sync", "--db", city.db, city.folder)
    assert synced.returncode == 0, synced.stderr
    assert "sensitive_sites: replaced by sensitive_sites.geojson" in synced.stdout, synced.stdout
    planner = city.keys["planner"]
    assert wait_for(lambda: renamed[0]["id"] in get(city.base, "/sensitive-sites", planner).text, 5) is not None
    probe_b = Probe(city.base, forms | markers(renamed))
    context_b = sweep_context(city, renamed)
    for key in ("open311_ids", "permit_ids", "report_refs"):
        context_b[key] = context[key]
    sweep(city, probe_b, context_b)
    assert probe_b.errors == [], probe_b.errors[:10]
    assert probe_b.leaks == [], probe_b.leaks[:20]

    # The log, after every request (the planners' included), names no site either.
    time.sleep(0.5)
    log = city.server.log.read_bytes()
    assert b"route=/sensitive-sites status=200" in log and b"route=/search status=200" in log, "the debug log holds the access lines"
    found = sorted({form.decode(errors="replace") for form in forms | markers(renamed) if form in log})
    assert found == [], found
