"""Screenshots of the web map for the README: `python Tests/e2e/screenshots.py BASE_URL OUT_DIR`
against a running `zamin serve` (scripts/screenshots starts one), in Persian and in English:

* map-fa.png, map-en.png: the district at zoom 17 (street scale) with a plot chosen;
* map-city-fa.png, map-city-en.png: the whole district at zoom 13 (city scale), parcels and
  land-use cells coloured by land use, from the vector tiles;
* map-city-conformity-fa.png, map-city-conformity-en.png: the same view, parcels coloured by
  conformity with their zone's rules.

Standard library only (scripts/screenshots runs it with the system Python)."""
import sys
import time

from browser import Browser
from webmap_oracle import known_parcel, parcels_middle

# Every vector tile on screen loaded and painted (the legend is drawn from them by then).
TILES_READY = ("window.zamin && zamin.vectorTiles.drawn().tiles > 0 && !zamin.vectorTiles.isLoading()"
               " && document.querySelectorAll('#parcel-legend li').length")


def open_view(browser, base, language, zoom, lon, lat):
    browser.open("about:blank")  # a new page each time, not a jump within the previous one
    browser.open(f"{base}/?lang={language}#map={zoom}/{lat:.6f}/{lon:.6f}")
    browser.wait_for(f"window.zamin && zamin.map.getZoom() === {zoom}", timeout=30)
    browser.wait_for(TILES_READY, timeout=60)


def main(base, folder):
    _, lon, lat = known_parcel()
    city_lon, city_lat = parcels_middle()
    browser = Browser(width=1100, height=750)
    try:
        for language in ("fa", "en"):
            open_view(browser, base, language, 17, lon, lat)
            browser.wait_for("document.querySelectorAll('path[data-parcel-id]').length", timeout=60)
            browser.evaluate(f"zamin.lookUp(L.latLng({lat}, {lon}))")
            browser.wait_for("document.querySelector('#lookup-result dl')", timeout=30)
            time.sleep(0.5)
            browser.screenshot(f"{folder}/map-{language}.png")

            open_view(browser, base, language, 13, city_lon, city_lat)
            time.sleep(0.5)  # Leaflet fades the tiles in
            browser.screenshot(f"{folder}/map-city-{language}.png")
            browser.evaluate("document.getElementById('colour-by-conformity').click()")
            browser.wait_for("document.querySelectorAll('#parcel-legend li[data-conformity]').length", timeout=30)
            time.sleep(0.2)
            browser.screenshot(f"{folder}/map-city-conformity-{language}.png")
    finally:
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
