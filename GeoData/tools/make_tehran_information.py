#!/usr/bin/env python3
"""Writes the Tehran demo's synthetic information layers (issue 21), deterministically:

- districts.geojson: the demo district's 46 zones grouped into 4 synthetic districts by the
  quadrant of each zone's centroid (split at the median longitude and latitude), each the union
  of its zones, so that no parcel straddles two districts (every parcel lies in one zone);
- projects.geojson: 6 illustrative city projects inside the demo district;
- sensitive_sites.geojson: 3 illustrative sensitive sites inside the demo district.

None of them is real. Run from the repository: .venv/bin/python GeoData/tools/make_tehran_information.py
(needs shapely: scripts/test installs it into .venv).
"""
import json
import statistics
from pathlib import Path

from shapely.geometry import mapping, shape, Point, box
from shapely.geometry.polygon import orient
from shapely.ops import unary_union

HERE = Path(__file__).resolve().parent.parent / "tehran"


def rounded(geometry):
    def ring(coords):
        return [[round(x, 7), round(y, 7)] for x, y in coords]

    g = mapping(geometry)
    if g["type"] == "Polygon":
        return {"type": "Polygon", "coordinates": [ring(r) for r in g["coordinates"]]}
    if g["type"] == "MultiPolygon":
        return {"type": "MultiPolygon", "coordinates": [[ring(r) for r in p] for p in g["coordinates"]]}
    return {"type": "Point", "coordinates": [round(g["coordinates"][0], 7), round(g["coordinates"][1], 7)]}


def oriented(geometry):
    if geometry.geom_type == "Polygon":
        return orient(geometry, 1.0)
    return type(geometry)([orient(p, 1.0) for p in geometry.geoms])


def write(name, features):
    lines = ",\n".join(json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features)
    (HERE / name).write_text('{"type":"FeatureCollection","features":[\n' + lines + "\n]}\n", encoding="utf-8")


def feature(fid, geometry, properties):
    return {"type": "Feature", "id": fid, "properties": {"id": fid, **properties}, "geometry": rounded(geometry)}


zones = [shape(f["geometry"]) for f in json.loads((HERE / "zones.geojson").read_text())["features"]]
mid_x = statistics.median(z.centroid.x for z in zones)
mid_y = statistics.median(z.centroid.y for z in zones)
names = {
    (False, True): ("D-NW", "ناحیه شمال غربی (نمونه)", "North-west district (synthetic)"),
    (True, True): ("D-NE", "ناحیه شمال شرقی (نمونه)", "North-east district (synthetic)"),
    (False, False): ("D-SW", "ناحیه جنوب غربی (نمونه)", "South-west district (synthetic)"),
    (True, False): ("D-SE", "ناحیه جنوب شرقی (نمونه)", "South-east district (synthetic)"),
}
groups = {}
for zone in zones:
    key = (zone.centroid.x > mid_x, zone.centroid.y > mid_y)
    groups.setdefault(key, []).append(zone)
districts = []
for key in sorted(groups, key=lambda k: names[k][0]):
    fid, fa, en = names[key]
    outline = oriented(unary_union(groups[key]))
    districts.append(feature(fid, outline, {"name_fa": fa, "name_en": en, "synthetic": True}))
write("districts.geojson", districts)

minx, miny, maxx, maxy = unary_union(zones).bounds
def at(fx, fy):
    return Point(minx + fx * (maxx - minx), miny + fy * (maxy - miny))
def square(fx, fy, size):
    c = at(fx, fy)
    return orient(box(c.x - size, c.y - size, c.x + size, c.y + size), 1.0)

projects = [
    feature("PRJ-001", at(0.30, 0.55), {"name_fa": "پل عابر پیاده (نمونه)", "name_en": "Pedestrian bridge (synthetic)", "status": "under_construction",
            "budget": 180000000000, "start_date": "2025-04-01", "end_date": "2027-03-20", "contractor": "Example Builders", "progress_pct": 45, "synthetic": True}),
    feature("PRJ-002", square(0.70, 0.30, 0.0012), {"name_fa": "بوستان محله (نمونه)", "name_en": "Neighbourhood park (synthetic)", "status": "planned",
            "budget": 95000000000, "start_date": "2027-05-01", "end_date": "2028-06-30", "contractor": None, "progress_pct": 0, "synthetic": True}),
    feature("PRJ-003", at(0.50, 0.80), {"name_fa": "بازسازی کتابخانه (نمونه)", "name_en": "Library renovation (synthetic)", "status": "done",
            "budget": 42000000000, "start_date": "2023-09-01", "end_date": "2025-02-15", "contractor": "Example Restoration Co.", "progress_pct": 100, "synthetic": True}),
    feature("PRJ-004", square(0.20, 0.20, 0.0010), {"name_fa": "پارکینگ طبقاتی (نمونه)", "name_en": "Multi-storey car park (synthetic)", "status": "under_construction",
            "budget": 310000000000, "start_date": "2024-10-10", "end_date": "2026-12-30", "contractor": "Example Builders", "progress_pct": 80, "synthetic": True}),
    feature("PRJ-005", at(0.85, 0.75), {"name_fa": "ایستگاه دوچرخه (نمونه)", "name_en": "Bicycle station (synthetic)", "status": "planned",
            "budget": None, "start_date": None, "end_date": None, "contractor": None, "progress_pct": None, "synthetic": True}),
    feature("PRJ-006", at(0.60, 0.45), {"name_fa": "مرکز محله (نمونه)", "name_en": "Community centre (synthetic)", "status": "done",
            "budget": 75000000000, "start_date": "2022-03-21", "end_date": "2024-03-19", "contractor": "Example Civic Works", "progress_pct": 100, "synthetic": True}),
]
write("projects.geojson", projects)

sites = [
    feature("SS-001", at(0.42, 0.37), {"name_fa": "پست برق نمونه", "name_en": "Synthetic substation", "kind": "substation", "synthetic": True}),
    feature("SS-002", square(0.63, 0.62, 0.0006), {"name_fa": "مخزن آب نمونه", "name_en": "Synthetic water reservoir", "kind": "water_reservoir", "synthetic": True}),
    feature("SS-003", at(0.15, 0.85), {"name_fa": "مرکز مخابرات نمونه", "name_en": "Synthetic telecom exchange", "kind": "telecom", "synthetic": True}),
]
write("sensitive_sites.geojson", sites)
print("districts", len(districts), "projects", len(projects), "sensitive sites", len(sites))
