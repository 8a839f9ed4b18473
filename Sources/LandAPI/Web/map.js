// Zamin web map: plain JavaScript over Leaflet, no build step. Every text comes from the page's
// catalogue (embedded as #zamin-config, also at /ui/strings?lang=); every datum from zamin's API.
"use strict";
(function () {
  const config = JSON.parse(document.getElementById("zamin-config").textContent);
  const lang = config.lang;
  const t = (key) => config.texts[key] || key;
  const pageParameters = new URLSearchParams(location.search);
  const numberFormat = new Intl.NumberFormat(lang === "fa" ? "fa-IR" : "en-US", { maximumFractionDigits: 1 });
  const useNames = new Map(config.uses.map((use) => [use.code, use.name]));
  const categoryNames = new Map(config.categories.map((category) => [category.code, category.name]));
  const useName = (code) => (code == null ? "—" : useNames.get(code) || code);
  const categoryName = (code) => (code == null ? "" : categoryNames.get(code) || code);
  const formatNumber = (value) => (value == null || value === "" ? "—" : numberFormat.format(Number(value)));
  const formatDistance = (meters) =>
    meters >= 1000 ? `${formatNumber(meters / 1000)} ${t("kilometersShort")}` : `${formatNumber(Math.round(meters))} ${t("metersShort")}`;
  const listSeparator = lang === "fa" ? "، " : ", ";
  const localName = (properties) =>
    (lang === "en" ? properties.name_en || properties.name_fa : properties.name_fa || properties.name_en) || properties.name || "";

  // Minimum zoom at which parcels are requested: the view then holds a few hundred parcels,
  // whatever the size of the city, so no request ever asks for the whole layer.
  const PARCEL_MIN_ZOOM = 17;
  const PARCEL_LIMIT = 1000;
  const DEBOUNCE_MS = 250;

  // ---------- DOM helpers (text only through textContent: nothing from the API becomes HTML) ----------
  function element(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value == null || value === false) continue;
      if (name === "class") node.className = value;
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children.flat(Infinity)) {
      if (child == null || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }
  const byId = (id) => document.getElementById(id);
  function show(containerId, ...nodes) {
    const container = byId(containerId);
    container.replaceChildren(...nodes.flat().filter(Boolean));
  }
  function facts(rows) {
    return element("dl", { class: "facts" }, rows.filter(Boolean).map(([label, value, field]) => [
      element("dt", null, label),
      element("dd", { "data-field": field }, value == null || value === "" ? "—" : value),
    ]));
  }
  const errorNode = (error) => element("p", { class: "error", role: "alert" }, error.message || t("serverError"));
  const loadingNode = () => element("p", { class: "hint" }, t("loading"));

  // ---------- API ----------
  class APIError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }
  async function api(path, { method = "GET", body, key, signal } = {}) {
    // Relative to the page, which is always served at the server's root: behind a proxy that
    // publishes Zamin under a path (https://gis.example.org/zamin/) the API is under it too.
    const url = new URL(path.replace(/^\//, ""), document.baseURI);
    if (!url.searchParams.has("lang")) url.searchParams.set("lang", lang);
    const headers = { Accept: "application/json", "Accept-Language": lang };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (key) headers.Authorization = `Bearer ${key}`;
    let response;
    try {
      response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
    } catch (error) {
      if (error.name === "AbortError") throw error;
      throw new APIError(0, t("serverError"));
    }
    let payload = null;
    try {
      payload = await response.json();
    } catch (_) {
      payload = null;
    }
    if (!response.ok) {
      throw new APIError(response.status, (payload && (payload.description || payload.message)) || t("serverError"));
    }
    return payload;
  }
  const bboxOf = (bounds) =>
    [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()].map((value) => value.toFixed(6)).join(",");
  // A list of items whatever the envelope: a FeatureCollection, {results|requests|items: [...]}, or an array.
  function itemsOf(payload) {
    if (Array.isArray(payload)) return payload;
    if (!payload) return [];
    for (const name of ["features", "results", "requests", "items", "uses", "stats", "land_uses"]) {
      if (Array.isArray(payload[name])) return payload[name];
    }
    return [];
  }
  const propertiesOf = (item) => (item && item.type === "Feature" ? { id: item.id, ...item.properties } : item || {});

  // ---------- Map ----------
  const map = L.map("map", { zoomControl: false, keyboard: true, attributionControl: true });
  L.control.zoom({ zoomInTitle: t("zoomIn"), zoomOutTitle: t("zoomOut"), position: lang === "fa" ? "topright" : "topleft" }).addTo(map);
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution("Zamin · Leaflet");
  const tileURL = pageParameters.get("tiles");
  if (tileURL && /^https?:\/\//.test(tileURL)) {
    L.tileLayer(tileURL, { maxZoom: 19, attribution: pageParameters.get("tiles_attribution") || "" }).addTo(map);
  }
  const centreCross = element("div", { class: "center-cross", "aria-hidden": "true" });
  map.getContainer().append(centreCross);

  function restoreView() {
    const match = /^#map=(\d+)\/(-?[\d.]+)\/(-?[\d.]+)/.exec(location.hash);
    if (match) {
      map.setView([Number(match[2]), Number(match[3])], Number(match[1]));
    } else if (config.extent) {
      const [minLon, minLat, maxLon, maxLat] = config.extent;
      map.fitBounds([[minLat, minLon], [maxLat, maxLon]]);
    } else {
      map.setView([35.6997, 51.338], 12);
    }
  }

  // Zone colours: the first letter of the code picks the family (R residential, M mixed,
  // S services, G green), the rest of the code a shade, so a code always has the same colour.
  const ZONE_HUES = { R: 45, M: 12, S: 210, G: 120, I: 280, T: 0 };
  const hashOf = (text) => {
    let hash = 0;
    for (const character of text || "") hash = (hash * 31 + character.charCodeAt(0)) >>> 0;
    return hash;
  };
  function zoneColour(code) {
    const hash = hashOf(code);
    const family = (code || "?")[0].toUpperCase();
    const hue = family in ZONE_HUES ? ZONE_HUES[family] + (hash % 7) * 3 : hash % 360;
    const lightness = 48 + (hash % 5) * 7;
    return `hsl(${hue}, 62%, ${lightness}%)`;
  }
  // Land uses in the colours planners' maps use (yellow housing, red commerce, green space…);
  // a use outside this list gets a colour of its own from its code, the same on every visit.
  const USE_COLOURS = {
    residential: "#f3d250", commercial: "#e0474c", mixed: "#f08c4a", office: "#b46fb5", industrial: "#8f86b8",
    education: "#4f8fd6", health: "#33a9b5", green: "#58b368", religious: "#a1806b", vacant: "#d5d5d5",
  };
  const useColour = (code) => (code == null ? "#bdbdbd" : USE_COLOURS[code] || `hsl(${hashOf(code) % 360}, 45%, 62%)`);
  const CONFORMITY_COLOURS = { conforming: "#1a9641", conditional: "#f4a340", non_conforming: "#d7191c" };
  const CONFORMITY_TEXTS = { conforming: "conformityConforming", conditional: "conformityConditional", non_conforming: "conformityNonConforming" };
  const conformityColour = (value) => CONFORMITY_COLOURS[value] || "#bdbdbd";
  const CATEGORY_COLOURS = {
    hospital: "#d7191c", clinic: "#f0605d", pharmacy: "#f08080", school: "#2c7bb6", university: "#1f5f8b",
    metro_station: "#7b3294", transport_terminal: "#9e6ab8", park: "#1a9641", square: "#8c8c8c",
  };
  const categoryColour = (category) => CATEGORY_COLOURS[category] || `hsl(${hashOf(category) % 360}, 70%, 42%)`;

  // ---------- The city from vector tiles, at every zoom ----------
  // zones, parcels (or, at city scale, the server's land-use cells) and facility markers come
  // from /tiles (OGC API – Tiles, MVT) and are painted on canvas by vectortiles.js; the page
  // chooses the colours: land use or, for planners' city-wide view, conformity.
  const shown = (name) => byId(`show-${name}`).checked;
  const colourBy = () => (byId("colour-by-conformity").checked ? "conformity" : "use");
  const tileStyle = {
    order: ["zones", "parcels", "facilities"],
    visible: (name) => tileStyle.order.includes(name) && shown(name),
    polygon(name, properties, zoom) {
      if (name === "zones") {
        return colourBy() === "use"
          ? { fill: zoneColour(properties.zone_code).replace("hsl(", "hsla(").replace(")", ", 0.35)"), stroke: "#505050", lineWidth: zoom >= 14 ? 1 : 0.6 }
          : { stroke: "#505050", lineWidth: zoom >= 14 ? 1.2 : 0.8 };
      }
      const fill = colourBy() === "use" ? useColour(properties.current_use) : conformityColour(properties.conformity);
      // A land-use cell (no id) is a square of several parcels: no outline, or the grid would show.
      return properties.id == null ? { fill } : { fill, stroke: zoom >= 15 ? "rgba(40, 40, 40, 0.7)" : null, lineWidth: 0.5 };
    },
    marker: (properties) => ({ colour: categoryColour(properties.category), key: properties.category }),
    // Below zoom 16 the markers in one 32-pixel square of the tile merge into one with their number.
    clusterPixels: (zoom) => (zoom >= 16 ? 0 : 32),
  };
  const vectorTiles = ZaminVectorTiles.layer({
    url: (z, y, x) => new URL(`tiles/WebMercatorQuad/${z}/${y}/${x}`, document.baseURI).href,
    style: tileStyle,
    attribution: "",
  });
  vectorTiles.on("tileerror", () => {
    layerStatus.tiles = t("tilesFailed");
    showLayerStatus();
  });
  vectorTiles.on("load repainted", () => {
    layerStatus.tiles = "";
    showLayerStatus();
    drawLegend();
  });

  // At street scale the parcels are also drawn as SVG outlines from the items, so that each
  // has its tooltip and its id on the page; below that zoom the tiles alone draw them.
  const parcelLayer = L.geoJSON(null, {
    style: () => ({ color: "#2b2b2b", weight: 0.8, fillOpacity: 0.01, fillColor: "#ffffff" }),
    onEachFeature: (feature, layer) => {
      const properties = feature.properties;
      layer.bindTooltip(`${feature.id || properties.id} · ${useName(properties.current_use)}`, { sticky: true });
    },
  });
  const resultLayer = L.layerGroup();
  const selectionLayer = L.layerGroup();

  const layerStatus = { tiles: "", parcels: "" };
  function showLayerStatus() {
    byId("map-status").textContent = [layerStatus.tiles, layerStatus.parcels].filter(Boolean).join(" ");
  }

  // The outlines of the view's parcels (its bbox, a limit, the previous request cancelled),
  // each path carrying its parcel's id.
  let parcelRequest = null;
  async function loadParcelOutlines() {
    if (parcelRequest) parcelRequest.abort();
    if (!shown("parcels") || map.getZoom() < PARCEL_MIN_ZOOM) {
      parcelLayer.clearLayers();
      if (map.hasLayer(parcelLayer)) map.removeLayer(parcelLayer);
      layerStatus.parcels = "";
      showLayerStatus();
      return;
    }
    if (!map.hasLayer(parcelLayer)) parcelLayer.addTo(map);
    parcelRequest = new AbortController();
    try {
      const payload = await api(`/collections/parcels/items?bbox=${bboxOf(map.getBounds())}&limit=${PARCEL_LIMIT}`, { signal: parcelRequest.signal });
      parcelLayer.clearLayers();
      parcelLayer.addData(payload);
      parcelLayer.eachLayer((layer) => {
        const path = layer.getElement && layer.getElement();
        if (!path) return;
        path.setAttribute("data-parcel-id", layer.feature.id || layer.feature.properties.id);
        path.classList.add("parcel");
      });
      const returned = (payload.features || []).length;
      layerStatus.parcels = payload.numberMatched > returned ? t("partialView") : "";
    } catch (error) {
      if (error.name === "AbortError") return;
      layerStatus.parcels = `${t("layerParcels")}: ${error.message}`;
    }
    showLayerStatus();
  }
  let debounceTimer = null;
  function loadView() {
    clearTimeout(debounceTimer);
    debounceTimer = setTimeout(loadParcelOutlines, DEBOUNCE_MS);
  }

  // The legends say what the view shows: the colours of the parcels (land uses or conformity),
  // the zones and the facility categories drawn in the tiles on screen. A zone or category
  // without a name shows its code alone.
  function legendEntry(attributes, colour, label, name) {
    return element("li", attributes,
      element("span", { class: "swatch", style: `background:${colour}`, "aria-hidden": "true" }),
      element("bdi", null, label), name ? [" — ", name] : []);
  }
  function drawLegend() {
    const drawn = vectorTiles.drawn();
    const zones = new Map();
    // A code's name when its zones agree on one (Tehran's plan); where each zone carries a
    // place's own name (OpenStreetMap's land use in Helsinki), the code alone.
    for (const properties of drawn.layers.zones || []) {
      const code = properties.zone_code;
      if (code == null) continue;
      const name = localName(properties);
      zones.set(code, zones.has(code) && zones.get(code) !== name ? "" : name);
    }
    show("zone-legend", [...zones.keys()].sort().map((code) =>
      legendEntry({ "data-zone-code": code }, zoneColour(code), code, zones.get(code))));
    const parcels = drawn.layers.parcels || [];
    if (colourBy() === "use") {
      const uses = new Set(parcels.map((properties) => properties.current_use).filter((use) => use != null));
      show("parcel-legend", [...uses].sort().map((use) =>
        legendEntry({ "data-use": use }, useColour(use), useNames.has(use) ? useName(use) : use)));
    } else {
      const present = new Set(parcels.map((properties) => properties.conformity));
      show("parcel-legend", ["conforming", "conditional", "non_conforming"].filter((value) => present.has(value)).map((value) =>
        legendEntry({ "data-conformity": value }, conformityColour(value), t(CONFORMITY_TEXTS[value]))));
    }
    const categories = new Set();
    for (const properties of drawn.layers.facilities || []) if (properties.category != null) categories.add(properties.category);
    show("category-legend", [...categories].sort((a, b) => categoryName(a).localeCompare(categoryName(b), lang)).map((category) =>
      legendEntry({ "data-category": category }, categoryColour(category), categoryNames.has(category) ? categoryName(category) : category)));
  }

  // A facility marker's name (or a cluster's number) under the pointer.
  const hoverTip = L.tooltip({ direction: "top", offset: [0, -8], className: "facility-label" });
  map.on("mousemove", (event) => {
    const hit = vectorTiles.featureAt(event.latlng);
    if (hit && hit.layer === "facilities") {
      const text = hit.count > 1 ? `${formatNumber(hit.count)} ${t("facilitiesHere")}` : `${localName(hit.properties)} (${categoryName(hit.properties.category)})`;
      hoverTip.setLatLng(event.latlng).setContent(text);
      if (!map.hasLayer(hoverTip)) hoverTip.addTo(map);
      map.getContainer().style.cursor = "pointer";
    } else if (map.hasLayer(hoverTip)) {
      map.removeLayer(hoverTip);
      map.getContainer().style.cursor = "";
    }
  });

  function rememberView() {
    const centre = map.getCenter();
    const hash = `#map=${map.getZoom()}/${centre.lat.toFixed(5)}/${centre.lng.toFixed(5)}`;
    history.replaceState(null, "", hash);
    byId("language-switch").setAttribute("href", `?lang=${lang === "fa" ? "en" : "fa"}${hash}`);
  }

  // ---------- Tabs (WAI-ARIA tabs pattern: arrows move between tabs, Home/End jump) ----------
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  function selectTab(tab, focus) {
    for (const other of tabs) {
      const selected = other === tab;
      other.setAttribute("aria-selected", String(selected));
      other.tabIndex = selected ? 0 : -1;
      byId(other.getAttribute("aria-controls")).hidden = !selected;
    }
    if (focus) tab.focus();
  }
  const tabNamed = (name) => byId(`tab-${name}`);
  tabs.forEach((tab, index) => {
    tab.addEventListener("click", () => selectTab(tab, false));
    tab.addEventListener("keydown", (event) => {
      const forward = document.dir === "rtl" ? "ArrowLeft" : "ArrowRight";
      const backward = document.dir === "rtl" ? "ArrowRight" : "ArrowLeft";
      let next = null;
      if (event.key === forward) next = tabs[(index + 1) % tabs.length];
      else if (event.key === backward) next = tabs[(index - 1 + tabs.length) % tabs.length];
      else if (event.key === "Home") next = tabs[0];
      else if (event.key === "End") next = tabs[tabs.length - 1];
      if (next) {
        event.preventDefault();
        selectTab(next, true);
      }
    });
  });

  // ---------- Use selects (from the city's vocabulary) and categories ----------
  for (const select of document.querySelectorAll(".use-select")) {
    select.replaceChildren(...config.uses.map((use) => element("option", { value: use.code }, use.name)));
  }
  byId("nearest-category").replaceChildren(...config.categories.map((category) =>
    element("option", { value: category.code, selected: category.code === "hospital" }, category.name)));

  // ---------- Click → /lookup ----------
  let chosenPoint = null;
  let lookupController = null;
  function choosePoint(latlng) {
    chosenPoint = latlng;
    selectionLayer.clearLayers();
    L.circleMarker(latlng, { radius: 7, color: "#d40000", weight: 3, fillOpacity: 0, className: "chosen-point" }).addTo(selectionLayer);
  }
  function parcelIdOf(parcel) {
    if (!parcel) return null;
    return parcel.id != null ? parcel.id : (parcel.properties || {}).id;
  }
  async function lookUp(latlng) {
    choosePoint(latlng);
    selectTab(tabNamed("plot"), false);
    show("lookup-result", loadingNode());
    if (lookupController) lookupController.abort();
    lookupController = new AbortController();
    try {
      const answer = await api(`/lookup?lon=${latlng.lng.toFixed(7)}&lat=${latlng.lat.toFixed(7)}`, { signal: lookupController.signal });
      showLookup(answer);
    } catch (error) {
      if (error.name !== "AbortError") show("lookup-result", errorNode(error));
    }
  }
  function showLookup(answer) {
    const parcel = answer.parcel;
    const parcelProperties = propertiesOf(parcel);
    const parcelId = parcelIdOf(parcel);
    const zone = answer.zone ? propertiesOf(answer.zone) : null;
    const rules = answer.rules || (zone && zone.rules) || null;
    const nodes = [];
    if (parcel && parcel.geometry) {
      L.geoJSON(parcel, { style: { color: "#d40000", weight: 3, fillOpacity: 0.1, className: "chosen-parcel" } }).addTo(selectionLayer);
    }
    nodes.push(element("h2", null, t("parcel")));
    if (parcel) {
      nodes.push(facts([
        [t("parcelId"), element("bdi", { class: "number" }, parcelId), "parcel-id"],
        [t("areaSquareMeters"), formatNumber(parcelProperties.area_m2), "area"],
        [t("currentUse"), useName(parcelProperties.current_use), "current-use"],
        [t("floors"), formatNumber(parcelProperties.floors), "floors"],
        [t("address"), parcelProperties.address || parcelProperties.address_fa, "address"],
      ]));
      nodes.push(element("div", { class: "actions" },
        element("button", { type: "button", onclick: () => { prefillParcel(parcelId); selectTab(tabNamed("check"), true); } }, t("tabCheck")),
        element("button", { type: "button", onclick: () => { prefillParcel(parcelId); selectTab(tabNamed("request"), true); } }, t("tabRequest"))));
      prefillParcel(parcelId);
    } else {
      nodes.push(element("p", { class: "hint", "data-field": "no-parcel" }, t("noParcelHere")));
    }
    nodes.push(element("h2", null, t("zone")));
    if (zone) {
      nodes.push(facts([
        [t("zoneCode"), element("bdi", null, zone.code), "zone-code"],
        [t("zoneName"), zone.name || localName(zone), "zone-name"],
      ]));
    } else {
      nodes.push(element("p", { class: "hint" }, t("noZoneHere")));
    }
    if (rules) {
      const uses = (list) => (Array.isArray(list) && list.length ? list.map(useName).join(listSeparator) : "—");
      nodes.push(element("h3", null, t("rules")));
      nodes.push(facts([
        [t("allowedUses"), uses(rules.allowed_uses), "allowed-uses"],
        [t("conditionalUses"), uses(rules.conditional_uses), "conditional-uses"],
        [t("maxFloors"), formatNumber(rules.max_floors), "max-floors"],
        [t("maxCoverage"), formatNumber(rules.max_coverage_pct), "max-coverage"],
        [t("maxDensity"), formatNumber(rules.max_density_pct), "max-density"],
        [t("minParcelArea"), formatNumber(rules.min_parcel_area_m2), "min-parcel-area"],
      ]));
    }
    if (parcel) {
      // {"conformity": {"conforms", "status", "message"}} from /lookup; a bare `conforms` also works.
      const conformity = answer.conformity || {};
      const conforms = conformity.conforms !== undefined ? conformity.conforms : answer.conforms;
      nodes.push(element("h3", null, t("conformity")));
      nodes.push(conforms === true ? element("p", { class: "good", "data-field": "conforms" }, conformity.message || t("conforms"))
        : conforms === false ? element("p", { class: "bad", "data-field": "conforms" }, conformity.message || t("doesNotConform"))
        : element("p", { class: "hint", "data-field": "conforms" }, t("conformityUnknown")));
    }
    const nearest = nearestEntries(answer.nearest);
    if (nearest.length) {
      nodes.push(element("h3", null, t("nearestFacilities")));
      nodes.push(element("table", { "data-field": "nearest" },
        element("thead", null, element("tr", null,
          element("th", { scope: "col" }, t("category")), element("th", { scope: "col" }, ""), element("th", { scope: "col", class: "number" }, t("distance")))),
        element("tbody", null, nearest.map(({ category, item }) => element("tr", { "data-category": category },
          element("td", null, categoryName(category)),
          element("td", null, item ? localName(item) || item.id : "—"),
          element("td", { class: "number" }, item && item.distance_m != null ? formatDistance(item.distance_m) : "—"))))));
      for (const { item } of nearest) {
        if (item && item.lat != null && item.lon != null) {
          L.polyline([chosenPoint, [item.lat, item.lon]], { color: "#444", weight: 1.5, dashArray: "4 4" }).addTo(selectionLayer);
        }
      }
    }
    show("lookup-result", nodes);
  }
  // `nearest` as {category: item|null} or [{category, …}], an item being a plain object or a Feature.
  function nearestEntries(nearest) {
    if (!nearest) return [];
    const flatten = (item) => {
      if (!item) return null;
      const properties = propertiesOf(item);
      if (item.type === "Feature" && item.geometry && item.geometry.type === "Point") {
        properties.lon = item.geometry.coordinates[0];
        properties.lat = item.geometry.coordinates[1];
      }
      return properties;
    };
    if (Array.isArray(nearest)) return nearest.map((item) => ({ category: propertiesOf(item).category, item: flatten(item) }));
    return Object.entries(nearest).map(([category, item]) => ({ category, item: flatten(item) }));
  }
  function prefillParcel(parcelId) {
    if (!parcelId) return;
    byId("check-parcel").value = parcelId;
    byId("request-parcel").value = parcelId;
  }

  map.on("click", (event) => lookUp(event.latlng));
  map.getContainer().addEventListener("keydown", (event) => {
    if (event.key === "Enter" && event.target === map.getContainer()) {
      event.preventDefault();
      lookUp(map.getCenter());
    }
  });

  // ---------- Nearest ----------
  byId("nearest-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const point = chosenPoint || map.getCenter();
    if (!chosenPoint) choosePoint(point);
    const category = byId("nearest-category").value;
    const k = Math.min(100, Math.max(1, Number(byId("nearest-k").value) || 5));
    show("nearest-result", loadingNode());
    resultLayer.clearLayers();
    try {
      const payload = await api(`/nearest?lon=${point.lng.toFixed(7)}&lat=${point.lat.toFixed(7)}&k=${k}&category=${encodeURIComponent(category)}`);
      const features = itemsOf(payload);
      const bounds = L.latLngBounds([point]);
      const rows = features.map((feature, index) => {
        const properties = propertiesOf(feature);
        const [lon, lat] = feature.geometry ? feature.geometry.coordinates : [properties.lon, properties.lat];
        const rank = formatNumber(index + 1);
        L.polyline([point, [lat, lon]], { color: categoryColour(category), weight: 2, dashArray: "5 5" }).addTo(resultLayer);
        L.circleMarker([lat, lon], { radius: 9, color: "#000", weight: 2, fillColor: categoryColour(category), fillOpacity: 1, className: "nearest-result" })
          .bindTooltip(`${rank}. ${localName(properties)} — ${formatDistance(properties.distance_m)}`, { permanent: index < 3 })
          .addTo(resultLayer);
        bounds.extend([lat, lon]);
        return element("li", { "data-facility-id": properties.id },
          `${rank}. `, element("strong", null, localName(properties) || properties.id), " — ",
          element("span", { class: "number", "data-field": "distance" }, formatDistance(properties.distance_m)));
      });
      resultLayer.addTo(map);
      if (features.length) map.fitBounds(bounds.pad(0.2), { maxZoom: 17 });
      show("nearest-result", features.length ? element("ol", { class: "result-list", "aria-label": t("resultsLabel") }, rows) : element("p", null, t("noResults")));
    } catch (error) {
      show("nearest-result", errorNode(error));
    }
  });

  // ---------- Search ----------
  byId("search-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const query = byId("search-query").value.trim();
    if (!query) return;
    show("search-result", loadingNode());
    try {
      const items = itemsOf(await api(`/search?q=${encodeURIComponent(query)}&limit=20`));
      if (!items.length) return show("search-result", element("p", null, t("noResults")));
      show("search-result", element("ul", { class: "result-list", "aria-label": t("resultsLabel") }, items.map((item) => {
        const properties = propertiesOf(item);
        const isParcel = properties.kind === "parcel" || properties.type === "parcel" || /^P-/.test(properties.id || "") || properties.current_use != null;
        const label = localName(properties) || properties.address || properties.address_fa || properties.id;
        const detail = isParcel ? `${t("parcel")} ${properties.id}` : categoryName(properties.category);
        return element("li", null,
          element("button", { type: "button", onclick: () => showSearchResult(item, properties, isParcel) }, label),
          " ", element("span", { class: "hint" }, detail));
      })));
    } catch (error) {
      show("search-result", errorNode(error));
    }
  });
  function showSearchResult(item, properties, isParcel) {
    let centre = null;
    if (item.geometry) {
      const shape = L.geoJSON(item);
      const bounds = shape.getBounds();
      centre = bounds.getCenter();
      map.fitBounds(bounds, { maxZoom: 18 });
    } else if (properties.lat != null && properties.lon != null) {
      centre = L.latLng(properties.lat, properties.lon);
      map.setView(centre, 17);
    }
    if (centre && isParcel) lookUp(centre);
    else if (centre) choosePoint(centre);
  }

  // ---------- Zoning check ----------
  // The API's own summary sentence when it sends one (same words as its messages), else ours.
  function checkVerdict(result) {
    const [style, key] = result.allowed && !result.needs_approval ? ["good", "allowed"]
      : result.allowed || result.needs_approval ? ["warn", "needsApproval"] : ["bad", "notAllowed"];
    return element("p", { class: style, "data-field": "verdict", "data-verdict": key }, result.summary || t(key));
  }
  function checksTable(checks) {
    if (!Array.isArray(checks) || !checks.length) return null;
    const uses = (list) => (Array.isArray(list) && list.length ? list.map(useName).join(listSeparator) : "—");
    const value = (raw) => {
      if (raw == null) return "—";
      if (typeof raw === "number") return formatNumber(raw);
      if (Array.isArray(raw)) return uses(raw);
      if (typeof raw === "object") {  // a use rule: {allowed: [...], conditional: [...]}
        return `${uses(raw.allowed)}${raw.conditional && raw.conditional.length ? ` (${t("conditionalUses")}: ${uses(raw.conditional)})` : ""}`;
      }
      return useName(raw);
    };
    return element("table", null,
      element("thead", null, element("tr", null,
        [t("rule"), t("limit"), t("requested"), t("result")].map((label) => element("th", { scope: "col" }, label)))),
      element("tbody", null, checks.map((check) => element("tr", { "data-rule": check.rule },
        element("td", null, check.message || check.rule),
        element("td", null, value(check.limit)),
        element("td", null, value(check.requested)),
        element("td", { class: check.ok ? "good" : "bad" }, check.ok ? t("ok") : t("notOk"))))));
  }
  byId("check-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const query = new URLSearchParams();
    for (const name of ["parcel", "use", "floors", "coverage_pct"]) {
      const value = String(form.get(name) || "").trim();
      if (value) query.set(name, value);
    }
    show("check-result", loadingNode());
    try {
      const result = await api(`/zoning-check?${query}`);
      show("check-result", checkVerdict(result), checksTable(result.checks));
    } catch (error) {
      show("check-result", errorNode(error));
    }
  });

  // ---------- Requests: file one, track one ----------
  byId("request-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const body = {
      parcel_id: String(form.get("parcel_id")).trim(),
      kind: form.get("kind"),
      requested_use: form.get("requested_use"),
      requested_floors: Number(form.get("requested_floors")),
      description: String(form.get("description") || ""),
      applicant: { name: String(form.get("name")).trim(), national_id: String(form.get("national_id")).trim(), phone: String(form.get("phone")).trim() },
    };
    show("request-result", loadingNode());
    try {
      const filed = await api("/requests", { method: "POST", body });
      const code = filed.tracking_code;
      byId("track-code").value = code;
      const check = filed.zoning_check || filed.check || null;
      show("request-result",
        element("p", { class: "good" }, t("trackingCodeIs")),
        element("p", null, element("output", { class: "tracking-code", "data-field": "tracking-code" }, code)),
        element("p", { class: "hint" }, t("keepTrackingCode")),
        check ? checkVerdict(check) : null,
        check ? checksTable(check.checks) : null);
    } catch (error) {
      show("request-result", errorNode(error));
    }
  });
  const statusName = (status) => ({
    submitted: t("statusSubmitted"), under_review: t("statusUnderReview"), approved: t("statusApproved"), rejected: t("statusRejected"),
  })[status] || status;
  const kindName = (kind) => (kind === "land_use_change" ? t("kindLandUseChange") : kind === "construction_permit" ? t("kindConstructionPermit") : kind);
  byId("track-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const code = byId("track-code").value.trim();
    if (!code) return;
    show("track-result", loadingNode());
    try {
      const request = await api(`/requests/${encodeURIComponent(code)}`);
      const decision = request.decision && typeof request.decision === "object"
        ? request.decision : { decision: request.decision, reason: request.decision_reason ?? request.reason };
      show("track-result", facts([
        [t("trackingCode"), element("bdi", { class: "number" }, request.tracking_code || code), "tracking-code"],
        [t("status"), statusName(request.status), "status"],
        [t("requestKind"), kindName(request.kind), "kind"],
        [t("parcelId"), element("bdi", { class: "number" }, request.parcel_id), "parcel-id"],
        [t("requestedUse"), useName(request.requested_use), "requested-use"],
        [t("requestedFloors"), formatNumber(request.requested_floors), "requested-floors"],
        decision.decision ? [t("decision"), statusName(decision.decision) || decision.decision, "decision"] : null,
        decision.reason ? [t("reason"), decision.reason, "reason"] : null,
      ]));
    } catch (error) {
      show("track-result", errorNode(error));
    }
  });

  // ---------- Planner (the key lives in sessionStorage only: this tab, until it closes) ----------
  const KEY_NAME = "zamin.plannerKey";
  const plannerKey = () => sessionStorage.getItem(KEY_NAME);
  function showPlannerTools() {
    const signedIn = Boolean(plannerKey());
    byId("planner-sign-in").hidden = signedIn;
    byId("planner-tools").hidden = !signedIn;
    if (signedIn) {
      loadQueue();
      loadStats();
    }
  }
  function plannerFailed(containerId, error) {
    if (error.status === 401) {
      sessionStorage.removeItem(KEY_NAME);
      byId("planner-sign-in").hidden = false;
      byId("planner-tools").hidden = true;
      show("planner-sign-in-error", errorNode(error));
    }
    show(containerId, errorNode(error));
  }
  // The statistics are those of the current view: follow the map while the planner tools show.
  let statsTimer = null;
  map.on("moveend", () => {
    if (byId("planner-tools").hidden || !plannerKey()) return;
    clearTimeout(statsTimer);
    statsTimer = setTimeout(loadStats, 300);
  });
  byId("planner-sign-in").append(element("div", { id: "planner-sign-in-error", "aria-live": "polite" }));
  byId("planner-sign-in").addEventListener("submit", (event) => {
    event.preventDefault();
    const key = byId("planner-key").value.trim();
    if (!key) return;
    sessionStorage.setItem(KEY_NAME, key);
    byId("planner-key").value = "";
    show("planner-sign-in-error");
    showPlannerTools();
  });
  byId("planner-sign-out").addEventListener("click", () => {
    sessionStorage.removeItem(KEY_NAME);
    show("queue-result");
    show("stats-result");
    showPlannerTools();
    byId("planner-key").focus();
  });
  async function loadQueue() {
    const query = new URLSearchParams();
    const status = byId("queue-status").value;
    if (status) query.set("status", status);
    if (byId("queue-in-view").checked) query.set("bbox", bboxOf(map.getBounds()));
    show("queue-result", loadingNode());
    try {
      const requests = itemsOf(await api(`/requests?${query}`, { key: plannerKey() })).map(propertiesOf);
      if (!requests.length) return show("queue-result", element("p", null, t("noRequests")));
      show("queue-result", requests.map(requestCard));
    } catch (error) {
      plannerFailed("queue-result", error);
    }
  }
  function requestCard(request) {
    const reasonId = `reason-${request.id}`;
    const applicant = request.applicant || {};
    const isOpen = request.status === "submitted" || request.status === "under_review";
    const decide = (decision) => async () => {
      const reason = byId(reasonId).value.trim();
      try {
        await api(`/requests/${encodeURIComponent(request.id)}/decision`, { method: "POST", body: { decision, reason }, key: plannerKey() });
        loadQueue();
        loadStats();
      } catch (error) {
        plannerFailed(`decision-${request.id}`, error);
      }
    };
    return element("article", { class: "request-card", "data-request-id": request.id, "aria-label": `${t("parcelId")} ${request.parcel_id}` },
      facts([
        [t("trackingCode"), element("bdi", { class: "number" }, request.tracking_code), null],
        [t("status"), statusName(request.status), "status"],
        [t("requestKind"), kindName(request.kind), null],
        [t("parcelId"), element("bdi", { class: "number" }, request.parcel_id), null],
        [t("requestedUse"), useName(request.requested_use), null],
        [t("requestedFloors"), formatNumber(request.requested_floors), null],
        [t("description"), request.description, null],
        applicant.name ? [t("applicant"), applicant.name, null] : null,
        request.decision_reason ? [t("reason"), request.decision_reason, null] : null,
      ]),
      isOpen ? element("div", { class: "actions" },
        element("label", { for: reasonId }, t("decisionReason")),
        element("textarea", { id: reasonId, rows: 2 }),
        request.status === "submitted" ? element("button", { type: "button", onclick: decide("review") }, t("markUnderReview")) : null,
        element("button", { type: "button", onclick: decide("approve") }, t("approve")),
        element("button", { type: "button", onclick: decide("reject") }, t("reject"))) : null,
      element("div", { id: `decision-${request.id}`, "aria-live": "polite" }));
  }
  byId("queue-form").addEventListener("submit", (event) => {
    event.preventDefault();
    loadQueue();
  });
  async function loadStats() {
    show("stats-result", loadingNode());
    try {
      const payload = await api(`/stats/land-use?bbox=${bboxOf(map.getBounds())}`, { key: plannerKey() });
      // {"uses": [{"use", "parcels" (or "count"), "area_m2"}]}; a {use: {count, area_m2}} table also works.
      let rows = itemsOf(payload).map((row) => ({ use: row.use || row.current_use || row.code, count: row.parcels ?? row.count, area: row.area_m2 }));
      if (!rows.length && payload && typeof payload === "object") {
        const table = payload.by_use || payload;
        rows = Object.entries(table).filter(([, value]) => value && typeof value === "object")
          .map(([use, value]) => ({ use, count: value.parcels ?? value.count, area: value.area_m2 }));
      }
      const total = rows.reduce((sum, row) => ({ count: sum.count + (row.count || 0), area: sum.area + (row.area || 0) }), { count: 0, area: 0 });
      show("stats-result", element("table", { "data-field": "land-use-stats" },
        element("thead", null, element("tr", null,
          element("th", { scope: "col" }, t("use")), element("th", { scope: "col", class: "number" }, t("count")), element("th", { scope: "col", class: "number" }, t("totalArea")))),
        element("tbody", null, rows.map((row) => element("tr", { "data-use": row.use },
          element("td", null, useName(row.use)), element("td", { class: "number" }, formatNumber(row.count)), element("td", { class: "number" }, formatNumber(row.area))))),
        element("tfoot", null, element("tr", null,
          element("th", { scope: "row" }, t("total")), element("td", { class: "number" }, formatNumber(total.count)), element("td", { class: "number" }, formatNumber(total.area))))));
    } catch (error) {
      plannerFailed("stats-result", error);
    }
  }
  byId("stats-refresh").addEventListener("click", loadStats);

  // ---------- Start ----------
  for (const id of ["show-zones", "show-parcels", "show-facilities", "colour-by-use", "colour-by-conformity"]) {
    byId(id).addEventListener("change", () => {
      vectorTiles.repaint();
      loadView();
    });
  }
  vectorTiles.addTo(map);
  selectionLayer.addTo(map);
  map.on("moveend", () => {
    rememberView();
    loadView();
    drawLegend();
  });
  restoreView();
  window.addEventListener("hashchange", restoreView);  // a pasted or edited #map= link
  showPlannerTools();
  // For the browser tests and for anyone scripting the page from the console.
  window.zamin = { map, lookUp, vectorTiles, layers: { parcels: parcelLayer } };
})();
