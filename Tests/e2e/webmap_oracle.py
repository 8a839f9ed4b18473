"""The browser tests' oracle over GeoData/tehran/*.geojson, read with `json` and searched with a
point-in-polygon written here, never through the server. Standard library only, so that
screenshots.py (run by scripts/screenshots with the system Python) can use it too."""
import json
import math

from conftest import GEODATA

TEHRAN = GEODATA / "tehran"


def load(layer, city=TEHRAN):
    with open(city / f"{layer}.geojson", encoding="utf-8") as file:
        return json.load(file)["features"]


def polygons(geometry):
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["coordinates"]
    return []


def ring_contains(ring, lon, lat):
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]):
        if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def contains(geometry, lon, lat):
    return any(ring_contains(rings[0], lon, lat) and not any(ring_contains(hole, lon, lat) for hole in rings[1:])
               for rings in polygons(geometry))


def bbox(geometry):
    points = [point for rings in polygons(geometry) for ring in rings for point in ring]
    return (min(p[0] for p in points), min(p[1] for p in points), max(p[0] for p in points), max(p[1] for p in points))


def boxes_intersect(a, b):
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def feature_id(feature):
    return feature.get("id") or feature["properties"]["id"]


def interior_point(feature):
    """A point well inside the parcel: the middle of the longest horizontal chord through its bbox centre."""
    ring = polygons(feature["geometry"])[0][0]
    west, south, east, north = bbox(feature["geometry"])
    lat = (south + north) / 2
    crossings = sorted(x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
                       for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]) if (y1 > lat) != (y2 > lat))
    chords = [(crossings[i], crossings[i + 1]) for i in range(0, len(crossings) - 1, 2)]
    left, right = max(chords, key=lambda chord: chord[1] - chord[0])
    return (left + right) / 2, lat


def haversine_m(lon1, lat1, lon2, lat2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371008.8 * math.asin(math.sqrt(a))


PARCELS = load("parcels")
ZONES = load("zones")
FACILITIES = load("facilities")


def parcels_at(lon, lat):
    return sorted(feature_id(f) for f in PARCELS if contains(f["geometry"], lon, lat))


def zones_at(lon, lat):
    return sorted(f["properties"]["code"] for f in ZONES if contains(f["geometry"], lon, lat))


def known_parcel():
    """A parcel away from the district's edge, with a point inside it that only it contains."""
    for feature in PARCELS[len(PARCELS) // 3:]:
        lon, lat = interior_point(feature)
        if parcels_at(lon, lat) == [feature_id(feature)] and len(zones_at(lon, lat)) == 1:
            return feature, lon, lat
    raise AssertionError("no parcel with an unambiguous interior point")


def parcels_middle():
    """The middle of the box of all parcels: where the city-scale views are centred."""
    boxes = [bbox(f["geometry"]) for f in PARCELS]
    return (min(b[0] for b in boxes) + max(b[2] for b in boxes)) / 2, (min(b[1] for b in boxes) + max(b[3] for b in boxes)) / 2
