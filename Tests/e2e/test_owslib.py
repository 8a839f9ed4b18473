"""OWSLib (PyPI), as a Python client would use it, against a real `zamin serve`. OWSLib sends
`Accept: */*` and never `f=json`, so JSON must be the default."""
import json

import pytest

from conftest import GEODATA

owslib_features = pytest.importorskip("owslib.ogcapi.features")


def source(layer):
    with open(GEODATA / "tehran" / f"{layer}.geojson", encoding="utf-8") as f:
        return json.load(f)["features"]


def test_owslib_reads_landing_collections_queryables_items_and_a_feature(server):
    api = owslib_features.Features(server.base)
    rels = {link["rel"] for link in api.links}
    assert {"service-desc", "conformance", "data"} <= rels
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in api.conformance()["conformsTo"]
    assert [c["id"] for c in api.collections()["collections"]] == ["parcels", "zones", "facilities"]
    assert set(api.feature_collections()) == {"parcels", "zones", "facilities"}
    assert api.collection("parcels")["id"] == "parcels"
    queryables = api.collection_queryables("parcels")
    assert {"zone_code", "current_use", "floors"} <= set(queryables["properties"])

    bbox = [51.40, 35.69, 51.41, 35.70]
    items = api.collection_items("parcels", bbox=bbox, limit=100)
    assert items["numberReturned"] == len(items["features"]) <= 100
    assert items["numberMatched"] >= items["numberReturned"] > 0
    ids = [f["id"] for f in items["features"]]
    assert ids == sorted(ids)

    feature = api.collection_item("parcels", "P-000001")
    original = next(f for f in source("parcels") if f["id"] == "P-000001")
    assert feature["id"] == "P-000001"
    assert feature["properties"]["zone_code"] == original["properties"]["zone_code"]
    assert feature["geometry"]["coordinates"] == original["geometry"]["coordinates"]


def test_owslib_filters_facilities_by_category(server):
    api = owslib_features.Features(server.base)
    hospitals = api.collection_items("facilities", category="hospital", limit=1000)
    expected = sorted(f["id"] for f in source("facilities") if f["properties"]["category"] == "hospital")
    assert [f["id"] for f in hospitals["features"]] == expected
