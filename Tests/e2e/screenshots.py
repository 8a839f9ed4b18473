"""Screenshots of the web map for the README: `python Tests/e2e/screenshots.py BASE_URL OUT_DIR`
against a running `zamin serve` (scripts/screenshots starts one). The view is the district at
zoom 17 with a plot chosen, in Persian and in English."""
import sys
import time

from browser import Browser
from test_webmap import known_parcel


def main(base, folder):
    _, lon, lat = known_parcel()
    browser = Browser(width=1100, height=750)
    try:
        for language in ("fa", "en"):
            browser.open(f"{base}/?lang={language}#map=17/{lat:.6f}/{lon:.6f}")
            browser.wait_for("window.zamin && document.querySelectorAll('path[data-parcel-id]').length", timeout=60)
            browser.evaluate(f"zamin.lookUp(L.latLng({lat}, {lon}))")
            browser.wait_for("document.querySelector('#lookup-result dl')", timeout=30)
            time.sleep(0.5)
            browser.screenshot(f"{folder}/map-{language}.png")
    finally:
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
