"""Issue 16 points 4 and 5: subdivisions (تفکیک) and mergers (تجمیع) against a real `zamin
serve`, with shapely and pyproj as the oracle. A Tehran parcel is cut in two by shapely along a
vertical line through its centroid, from the 7-decimal outline the API serves; the children's
union must equal the parent (pyproj's geodesic area of the symmetric difference), their areas are
pyproj's, their ids the next of the dataset's scheme (worked out here from every id). Before the
subdivision the city answers with the parent — `/lookup` at a point of a child, the item, the
count of items — and after it with the children; `/changes` lists the lineage. Merging the
children gives back the parent's outline. Overlapping children, a gap, a child outside the
parent, a child below its zone's minimum area, parcels that share no edge and a parcel with an
open request are refused, naming the child and the rule, and change nothing; `zamin check` passes."""
import datetime
import re
import subprocess
import time

import pyproj
from shapely.affinity import translate
from shapely.geometry import LineString, box, mapping, shape
from shapely.ops import split, unary_union

from conftest import ZAMIN, Server, database_args
from planner_support import call, create_key, permit

GEOD = pyproj.Geod(ellps="WGS84")
MIN_AREA = {"G111": 1000, "G112": 1000, "M111": 300, "M121": 500, "R111": 200, "R112": 250,
            "R121": 300, "R122": 500, "S111": 750, "S121": 1000}  # GeoData/tehran/zoning_rules.json


def area(geometry):
    return abs(GEOD.geometry_area_perimeter(geometry)[0])


def perimeter(geometry):
    return GEOD.geometry_area_perimeter(geometry)[1]


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def next_ids(ids, count):
    """The next `count` ids of the P-NNNNNN scheme: one past the largest number, same width."""
    numbers = [int(m.group(1)) for m in (re.fullmatch(r"P-(\d+)", i) for i in ids) if m]
    width = max(len(m.group(1)) for m in (re.fullmatch(r"P-(\d+)", i) for i in ids) if m)
    return [f"P-{n:0{width}d}" for n in range(max(numbers) + 1, max(numbers) + 1 + count)]


def halves(outline):
    """The outline cut by a vertical line through its centroid (shapely), left part first."""
    minx, miny, maxx, maxy = outline.bounds
    cx = outline.centroid.x
    parts = sorted(split(outline, LineString([(cx, miny - 1e-3), (cx, maxy + 1e-3)])).geoms, key=lambda p: p.centroid.x)
    return parts


def all_items(base, query=""):
    status, page = call(base, "GET", f"/collections/parcels/items?limit=10000{query}")
    assert status == 200
    return page


def pick_parcel(base, items):
    """A one-polygon parcel whose two halves each clear its zone's minimum area twice over."""
    for feature in items["features"]:
        outline = shape(feature["geometry"])
        zone = feature["properties"].get("zone_code")
        if outline.geom_type != "Polygon" or zone not in MIN_AREA or len(outline.exterior.coords) < 5:
            continue
        parts = halves(outline)
        if len(parts) == 2 and all(area(part) > 2 * MIN_AREA[zone] for part in parts):
            return feature, outline, parts
    raise AssertionError("no parcel of Tehran can be halved above its zone's minimum")


def test_cadastre(new_city, tmp_path):
    db = new_city(tmp_path)
    planner = create_key(db, "planner", "cadastre")
    server = Server(db, tmp_path / "serve.log").start()
    base = server.base
    try:
        items = all_items(base)
        count = items["numberMatched"]
        ids = [feature["id"] for feature in items["features"]]
        feature, outline, (left, right) = pick_parcel(base, items)
        parent = feature["id"]
        zone = feature["properties"]["zone_code"]
        before = now()
        time.sleep(0.01)

        # Refused, nothing written: no key; one child; children that overlap, leave a gap, reach
        # outside the parent; a child below its zone's minimum area.
        def subdivide(children, lang="en"):
            return call(base, "POST", f"/parcels/{parent}/subdivide?lang={lang}",
                        {"children": [{"geometry": mapping(c)} for c in children], "reason": "e2e"}, key=planner)
        assert call(base, "POST", f"/parcels/{parent}/subdivide",
                    {"children": [{"geometry": mapping(left)}, {"geometry": mapping(right)}], "reason": "e2e"})[0] == 401
        status, error = subdivide([outline])
        assert status == 400 and error["parameter"] == "children", error
        cx = outline.centroid.x
        widened = outline.intersection(box(cx - 2e-5, outline.bounds[1] - 1, outline.bounds[2] + 1, outline.bounds[3] + 1))
        status, error = subdivide([left, widened])
        assert status == 400 and error["parameter"] == "children[0].geometry" and "overlap" in error["description"], error
        status, error = subdivide([left, right.buffer(-2e-5, join_style=2)])
        assert status == 400 and error["parameter"] == "children" and "uncovered" in error["description"], error
        status, error = subdivide([left, translate(right, xoff=1e-4)])
        assert status == 400 and error["parameter"] == "children[1].geometry" and "outside" in error["description"], error
        status, error = subdivide([left, translate(right, xoff=1e-4)], lang="fa")
        assert status == 400 and "بیرون" in error["description"]
        minx, miny, maxx, maxy = outline.bounds
        cut = minx + (maxx - minx) * 0.02
        sliver, rest = sorted(split(outline, LineString([(cut, miny - 1e-3), (cut, maxy + 1e-3)])).geoms, key=lambda p: p.centroid.x)
        assert area(sliver) < MIN_AREA[zone]
        status, error = subdivide([sliver, rest])
        assert status == 400 and error["parameter"] == "children[0].geometry" and "minimum" in error["description"], error
        assert all_items(base)["numberMatched"] == count

        # A parcel with an open request is not subdivided (409), the others are.
        assert call(base, "POST", "/requests", permit(parent, floors=2, use="residential"))[0] == 201
        status, error = subdivide([left, right])
        assert status == 409 and error["parameter"] == "parcel", error
        requests = call(base, "GET", "/requests?status=submitted", key=planner)[1]
        for filed in requests["requests"]:
            assert call(base, "POST", f"/requests/{filed['id']}/decision", {"decision": "reject", "reason": "e2e"}, key=planner)[0] == 200
        time.sleep(0.01)
        before = now()
        time.sleep(0.01)

        # The subdivision: the next ids of the scheme, pyproj's areas, a union equal to the parent.
        status, done = call(base, "POST", f"/parcels/{parent}/subdivide",
                            {"children": [{"geometry": mapping(left)},
                                          {"geometry": mapping(right), "properties": {"current_use": "commercial"}}],
                             "reason": "ثبت تفکیکی"}, key=planner)
        assert status == 201, done
        children = done["children"]
        assert children == next_ids(ids, 2)
        time.sleep(0.01)
        after = now()
        served = [shape(call(base, "GET", f"/collections/parcels/items/{child}")[1]["geometry"]) for child in children]
        for drawn, child, outline_served in zip((left, right), children, served):
            assert abs(done["areas_m2"][child] - area(drawn)) <= perimeter(drawn) * 0.01  # vertices moved ≤ 1 cm onto the parent
            assert outline_served.hausdorff_distance(drawn) <= 3e-7
        assert area(unary_union(served).symmetric_difference(outline)) <= 0.05
        assert abs(sum(done["areas_m2"][c] for c in children) - done["areas_m2"][parent]) <= 0.02
        status, child_item = call(base, "GET", f"/collections/parcels/items/{children[1]}")
        assert child_item["properties"]["current_use"] == "commercial"
        assert child_item["properties"]["zone_code"] == zone  # the parent's value where the child gave none

        # Point 5: the city before and after, by outline.
        point = served[0].representative_point()
        assert call(base, "GET", f"/lookup?lon={point.x}&lat={point.y}")[1]["parcel"]["properties"]["id"] == children[0]
        then = call(base, "GET", f"/lookup?lon={point.x}&lat={point.y}&datetime={before}")[1]
        assert then["parcel"]["properties"]["id"] == parent
        assert call(base, "GET", f"/collections/parcels/items/{parent}")[0] == 404
        status, old = call(base, "GET", f"/collections/parcels/items/{parent}?datetime={before}")
        assert status == 200 and old["properties"]["valid_to"] >= before
        assert shape(old["geometry"]).equals_exact(outline, 1e-9)
        assert call(base, "GET", f"/collections/parcels/items/{children[0]}?datetime={before}")[0] == 404
        assert all_items(base, f"&datetime={before}")["numberMatched"] == count
        assert all_items(base)["numberMatched"] == count + 1
        window = ",".join(str(v) for v in outline.buffer(1e-5).bounds)
        then_ids = {f["id"] for f in all_items(base, f"&bbox={window}&datetime={before}")["features"]}
        now_ids = {f["id"] for f in all_items(base, f"&bbox={window}")["features"]}
        assert parent in then_ids and not set(children) & then_ids
        assert set(children) <= now_ids and parent not in now_ids
        both = {f["id"] for f in all_items(base, f"&bbox={window}&datetime={before}/{after}")["features"]}
        assert {parent, *children} <= both  # an interval answers each feature's last state within it
        stats_then = call(base, "GET", f"/stats/land-use?datetime={before}")[1]
        stats_now = call(base, "GET", "/stats/land-use")[1]
        assert stats_now["parcels"] == stats_then["parcels"] + 1

        # /changes: the parent's removal names its children, each child's creation its parent.
        changes = call(base, "GET", f"/changes?from={before}")[1]["changes"]
        removal = [c for c in changes if c.get("parcel_id") == parent]
        assert len(removal) == 1 and removal[0]["event"] == "removal" and removal[0]["lineage"] == "subdivision"
        assert removal[0]["children"] == children and removal[0]["reason"] == "ثبت تفکیکی"
        made = {c["parcel_id"]: c for c in changes if c["event"] == "creation"}
        assert set(made) == set(children)
        assert all(made[c]["parents"] == [parent] and made[c]["outline_changed"] for c in children)

        # Parcels that share no edge are not merged; the two children are, into the parent's outline.
        far = next(f["id"] for f in items["features"]
                   if f["id"] != parent and shape(f["geometry"]).distance(outline) > 1e-3)
        status, error = call(base, "POST", "/parcels/merge?lang=en", {"parcels": [children[0], far], "reason": "e2e"}, key=planner)
        assert status == 400 and error["parameter"] == "parcels" and "edge" in error["description"], error
        status, merged = call(base, "POST", "/parcels/merge", {"parcels": children, "reason": "تجمیع"}, key=planner)
        assert status == 201, merged
        assert merged["id"] == next_ids(ids + children, 1)[0] and merged["parents"] == children
        status, item = call(base, "GET", f"/collections/parcels/items/{merged['id']}")
        assert area(shape(item["geometry"]).symmetric_difference(outline)) <= 0.05
        assert abs(item["properties"]["area_m2"] - area(outline)) <= perimeter(outline) * 0.01
        assert item["properties"]["current_use"] == feature["properties"]["current_use"]  # the first child's value
        assert all_items(base)["numberMatched"] == count
        changes = call(base, "GET", f"/changes?from={after}")[1]["changes"]
        made = [c for c in changes if c["event"] == "creation"]
        assert len(made) == 1 and made[0]["lineage"] == "merger" and made[0]["parents"] == children
    finally:
        server.stop()
    check = subprocess.run([ZAMIN, "check", *database_args(db)], capture_output=True, text=True, timeout=300)
    assert check.returncode == 0, check.stdout + check.stderr


def test_citizens_request_a_subdivision_and_a_merger(new_city, tmp_path):
    """Point 4's requests: checked on filing (a bad proposal is a 400 naming the child, nothing
    is filed), applied by the approval in the transaction that approves it."""
    db = new_city(tmp_path)
    planner = create_key(db, "planner", "cadastre")
    server = Server(db, tmp_path / "serve.log").start()
    base = server.base
    applicant = {"name": "Reza Karimi", "national_id": "1234567891", "phone": "09351234567"}
    try:
        items = all_items(base)
        ids = [feature["id"] for feature in items["features"]]
        feature, outline, (left, right) = pick_parcel(base, items)
        parent = feature["id"]
        filing = {"parcel_id": parent, "kind": "subdivision", "applicant": applicant,
                  "children": [{"geometry": mapping(left)}, {"geometry": mapping(right)}]}
        status, error = call(base, "POST", "/requests?lang=en",
                             dict(filing, children=[{"geometry": mapping(left)}, {"geometry": mapping(translate(right, xoff=1e-4))}]))
        assert status == 400 and error["parameter"] == "children[1].geometry", error
        status, error = call(base, "POST", "/requests", dict(filing, requested_use="commercial"))
        assert status == 400 and error["parameter"] == "requested_use"
        assert call(base, "GET", "/requests?status=submitted", key=planner)[1]["requests"] == []

        status, filed = call(base, "POST", "/requests", filing)
        assert status == 201, filed
        assert filed["kind"] == "subdivision" and len(filed["proposal"]["children"]) == 2
        assert "applicant" not in filed  # public answer
        # The parcel is still whole until a planner approves.
        assert call(base, "GET", f"/collections/parcels/items/{parent}")[0] == 200
        status, decided = call(base, "POST", f"/requests/{filed['id']}/decision", {"decision": "approve", "reason": "ok"}, key=planner)
        assert status == 200 and decided["status"] == "approved", decided
        children = next_ids(ids, 2)
        assert call(base, "GET", f"/collections/parcels/items/{parent}")[0] == 404
        served = [shape(call(base, "GET", f"/collections/parcels/items/{child}")[1]["geometry"]) for child in children]
        assert area(unary_union(served).symmetric_difference(outline)) <= 0.05
        changes = call(base, "GET", "/changes")[1]["changes"]
        removal = next(c for c in changes if c.get("parcel_id") == parent)
        assert removal["request_id"] == filed["id"] and removal["children"] == children

        # A merger request for the two children, approved.
        status, filed = call(base, "POST", "/requests", {"parcel_id": children[0], "kind": "merger", "applicant": applicant,
                                                          "parcels": children})
        assert status == 201, filed
        # A second request on a parcel of an open merger request is filed, but the merger then
        # waits for it: approving is refused while another request on its parcels is open.
        status, other = call(base, "POST", "/requests", permit(children[1], floors=2, use=feature["properties"]["current_use"] or "residential"))
        assert status == 201
        status, error = call(base, "POST", f"/requests/{filed['id']}/decision", {"decision": "approve"}, key=planner)
        assert status == 409 and error["parameter"] == "parcel", error
        assert call(base, "POST", f"/requests/{other['id']}/decision", {"decision": "reject", "reason": "e2e"}, key=planner)[0] == 200
        status, decided = call(base, "POST", f"/requests/{filed['id']}/decision", {"decision": "approve"}, key=planner)
        assert status == 200 and decided["status"] == "approved", decided
        merged = next_ids(ids + children, 1)[0]
        status, item = call(base, "GET", f"/collections/parcels/items/{merged}")
        assert status == 200 and area(shape(item["geometry"]).symmetric_difference(outline)) <= 0.05
    finally:
        server.stop()
    check = subprocess.run([ZAMIN, "check", *database_args(db)], capture_output=True, text=True, timeout=300)
    assert check.returncode == 0, check.stdout + check.stderr
