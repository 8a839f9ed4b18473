"""GDAL's OAPIF driver (Debian gdal-bin) reads Zamin's OGC API – Features unmodified: layers with
exact counts (the cadastre's three and issue 21's districts and projects), and a bbox of parcels
copied into a GeoPackage that matches the source GeoJSON."""
import json
import re
import shutil
import subprocess
import urllib.request

import pytest

from conftest import GEODATA

pytestmark = pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="gdal-bin is not installed")

BBOX = (51.40, 35.69, 51.41, 35.70)


def source(layer):
    with open(GEODATA / "tehran" / f"{layer}.geojson", encoding="utf-8") as f:
        return json.load(f)["features"]


def run(*args):
    result = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_ogrinfo_lists_the_layers_with_exact_counts(server):
    listing = run("ogrinfo", "-ro", "-so", f"OAPIF:{server.base}")
    layers = re.findall(r"^\d+: (\w+)", listing, re.MULTILINE)
    # Issue 21: the information layers districts and projects follow the cadastre's three.
    assert layers == ["parcels", "zones", "facilities", "districts", "projects"]
    for layer in layers:
        summary = run("ogrinfo", "-ro", "-so", f"OAPIF:{server.base}", layer)
        count = int(re.search(r"Feature Count: (\d+)", summary).group(1))
        assert count == len(source(layer)), layer


def envelope(geometry):
    positions = []

    def walk(node):
        if isinstance(node[0], (int, float)):
            positions.append(node)
        else:
            for child in node:
                walk(child)

    walk(geometry["coordinates"])
    xs = [p[0] for p in positions]
    ys = [p[1] for p in positions]
    return min(xs), min(ys), max(xs), max(ys)


def test_ogr2ogr_copies_a_bbox_of_parcels_into_a_geopackage(server, tmp_path):
    gpkg = tmp_path / "parcels.gpkg"
    run("ogr2ogr", "-f", "GPKG", str(gpkg), f"OAPIF:{server.base}", "parcels",
        "-spat", *[str(v) for v in BBOX], "-oo", "PAGE_SIZE=50")
    back = tmp_path / "back.geojson"
    run("ogr2ogr", "-f", "GeoJSON", "-lco", "COORDINATE_PRECISION=7", str(back), str(gpkg))
    with open(back, encoding="utf-8") as f:
        copied = {feature["properties"]["id"]: feature for feature in json.load(f)["features"]}

    # Bracket from the source file alone: every parcel entirely inside the box is there, and
    # nothing whose envelope misses the box is.
    x0, y0, x1, y1 = BBOX
    by_id = {feature["id"]: feature for feature in source("parcels")}
    inside = {i for i, f in by_id.items() if x0 <= envelope(f["geometry"])[0] and envelope(f["geometry"])[2] <= x1
              and y0 <= envelope(f["geometry"])[1] and envelope(f["geometry"])[3] <= y1}
    touching = {i for i, f in by_id.items() if envelope(f["geometry"])[0] <= x1 and envelope(f["geometry"])[2] >= x0
                and envelope(f["geometry"])[1] <= y1 and envelope(f["geometry"])[3] >= y0}
    assert inside, "the test box should hold parcels"
    assert inside <= set(copied) <= touching
    # Exactly what the server matched (following every page).
    with urllib.request.urlopen(f"{server.base}/collections/parcels/items?bbox={','.join(map(str, BBOX))}&limit=1") as r:
        assert json.load(r)["numberMatched"] == len(copied)

    for parcel_id, feature in copied.items():
        original = by_id[parcel_id]
        properties = feature["properties"]
        assert properties["zone_code"] == original["properties"]["zone_code"]
        assert properties["current_use"] == original["properties"]["current_use"]
        assert properties["floors"] == original["properties"]["floors"]
        assert properties["address"] == original["properties"]["address_fa"]
        assert abs(properties["area_m2"] - original["properties"]["area_m2"]) < 0.5
        assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
        ours = feature["geometry"]["coordinates"]
        if feature["geometry"]["type"] == "MultiPolygon" and original["geometry"]["type"] == "Polygon":
            ours = ours[0]
        assert ours == original["geometry"]["coordinates"], parcel_id


def test_gdal_reads_service_desc_and_queryables_attribute_filter(server):
    # -where on a queryable: GDAL turns it into zone_code=… on the items request when the API
    # definition lists the parameter.
    out = run("ogrinfo", "-ro", "-q", f"OAPIF:{server.base}", "parcels", "-where", "zone_code = 'G112'")
    expected = sum(1 for f in source("parcels") if f["properties"].get("zone_code") == "G112")
    assert out.count("OGRFeature(parcels)") == expected


def test_gdal_where_selects_what_the_source_does_and_pushes_what_it_can(server):
    """Issue 18 point 6. GDAL's OAPIF driver sends the server what it can translate of -where and
    tests the rest itself: the equality on a queryable that /api lists becomes
    `current_use=commercial`, and `floors > 3` stays on the client. Its documentation says no more
    is forwarded, and neither Debian 12's GDAL 3.6.2 nor the GDAL 3.12.4 of PyPI's pyogrio wheel
    sends a CQL2 `filter` (tried: their --debug Fetch lines). Either way the answer must be the
    source's; a GDAL that did send CQL2 would send `filter=`."""
    result = subprocess.run(
        ["ogrinfo", "-ro", "-q", "--debug", "on", f"OAPIF:{server.base}", "parcels", "-where",
         "floors > 3 AND current_use = 'commercial'"],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    found = sorted(set(re.findall(r"^\s*id \(String\) = (\S+)", result.stdout, re.MULTILINE)))
    expected = sorted(
        f["id"] for f in source("parcels")
        if (f["properties"].get("floors") or 0) > 3 and f["properties"].get("current_use") == "commercial")
    assert expected and found == expected
    # The first items request (limit=10, nothing else) is the driver's look at the layer.
    fetched = [url for url in re.findall(r"Fetch\((\S+)\)", result.stderr) if "/collections/parcels/items?" in url][1:]
    assert fetched and all("filter=" in url or "current_use=commercial" in url for url in fetched), fetched
