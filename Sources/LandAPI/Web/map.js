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
  // Persian (۰–۹) and Arabic-Indic (٠–٩) digits as 0–9, for what the API reads as numbers or codes.
  const latinDigits = (text) => String(text).replace(/[۰-۹]/g, (d) => d.charCodeAt(0) - 0x06f0).replace(/[٠-٩]/g, (d) => d.charCodeAt(0) - 0x0660);
  // An id from the API as part of an element id (a feature's id may hold any character).
  const safeId = (text) => String(text).replace(/[^A-Za-z0-9_-]/g, "_");
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
    constructor(status, message, parameter) {
      super(message);
      this.status = status;
      this.parameter = parameter || null;  // the field at fault, when the API names one
    }
  }
  // `body`: an object (sent as JSON) or a FormData (multipart/form-data, its boundary set by fetch).
  async function api(path, { method = "GET", body, key, signal } = {}) {
    // Relative to the page, which is always served at the server's root: behind a proxy that
    // publishes Zamin under a path (https://gis.example.org/zamin/) the API is under it too.
    const url = new URL(path.replace(/^\//, ""), document.baseURI);
    if (!url.searchParams.has("lang")) url.searchParams.set("lang", lang);
    const headers = { Accept: "application/json", "Accept-Language": lang };
    const isForm = body instanceof FormData;
    if (body !== undefined && !isForm) headers["Content-Type"] = "application/json";
    if (key) headers.Authorization = `Bearer ${key}`;
    let response;
    try {
      response = await fetch(url, { method, headers, body: body === undefined || isForm ? body : JSON.stringify(body), signal });
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
      // Zamin's errors are {code, description, parameter}; Open311's a list of {code, description}.
      const problem = Array.isArray(payload) ? payload[0] : payload;
      throw new APIError(response.status, (problem && (problem.description || problem.message)) || t("serverError"), problem && problem.parameter);
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

  const layerStatus = { tiles: "", parcels: "", reports: "", districts: "", projects: "" };
  function showLayerStatus() {
    byId("map-status").textContent = Object.values(layerStatus).filter(Boolean).join(" ");
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
    showReportMode();
    if (tab.id === "tab-tenders") loadTenders();
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
    // The city district of the point (issue 21), when the city has districts and the point is in one.
    const district = answer.district ? propertiesOf(answer.district) : null;
    if (district) {
      nodes.push(element("p", { class: "district-line", "data-field": "district", "data-district-id": district.id },
        element("span", { class: "label" }, `${t("district")}: `), element("bdi", null, localName(district) || district.id)));
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
          element("td", { "data-facility-id": item ? item.id : null }, item ? [localName(item) || item.id, item.inspection ? [" ", gradeBadge(item.inspection)] : null] : "—"),
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

  // A click (or Enter: the centre) looks the plot up; while "Report a problem" is on, it places the report.
  map.on("click", (event) => {
    if (reporting()) return openReportForm(event.latlng, false);
    // On a facility's own marker (not a cluster), its card opens too (issue 21: its inspections).
    const hit = vectorTiles.featureAt(event.latlng);
    if (hit && hit.layer === "facilities" && hit.count === 1 && hit.properties && hit.properties.id != null) {
      openFacility(hit.properties, event.latlng, false);
    }
    lookUp(event.latlng);
  });
  map.getContainer().addEventListener("keydown", (event) => {
    if (event.key === "Enter" && event.target === map.getContainer()) {
      event.preventDefault();
      if (reporting()) openReportForm(map.getCenter(), true);
      else lookUp(map.getCenter());
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
          `${rank}. `, element("strong", null, localName(properties) || properties.id),
          properties.inspection ? [" ", gradeBadge(properties.inspection)] : null, " — ",
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
  // Free text, a search group (issue 21: hotels, restaurants, health…) or both. Each group's chip
  // shows how many facilities of the last answer are in it (the answer's `facets`).
  const searchGroups = Array.isArray(config.search_groups) ? config.search_groups : [];
  let activeGroup = null;
  let groupCounts = new Map();   // group code → count, from the facets of the last answer
  let countsText = null;         // the text those counts are for ("" for none); null before any answer
  let searchToken = 0;
  const groupName = (group) => (lang === "en" ? group.name_en : group.name_fa) || group.name || group.code;
  // The chips are made once and then updated in place, so that the focus stays on the one pressed.
  const groupChips = searchGroups.map((group) => {
    const count = element("span", { class: "chip-count", "data-field": "count" });
    const chip = element("button", {
      type: "button", class: "chip", "data-group": group.code, "aria-pressed": "false", "aria-describedby": "search-groups-hint",
      onclick: () => chooseGroup(group.code),
    }, element("span", { class: "chip-name" }, groupName(group)), count);
    return { code: group.code, chip, count };
  });
  show("search-group-chips", groupChips.map(({ chip }) => chip));
  // Business opportunities (open tenders and vacant commercial parcels): a group of the search
  // that is not a facilities' group, in a row of its own; its count is the answer's numberMatched.
  const BUSINESS_OPPORTUNITIES = "business_opportunities";
  {
    const count = element("span", { class: "chip-count", "data-field": "count" });
    const chip = element("button", {
      type: "button", class: "chip", "data-group": BUSINESS_OPPORTUNITIES, "aria-pressed": "false", "aria-describedby": "search-groups-hint",
      onclick: () => chooseGroup(BUSINESS_OPPORTUNITIES),
    }, element("span", { class: "chip-name" }, t("searchGroupBusinessOpportunities")), count);
    groupChips.push({ code: BUSINESS_OPPORTUNITIES, chip, count });
    show("search-opportunity-chips", chip);
  }
  byId("search-groups").hidden = !groupChips.length;
  function drawGroupChips() {
    for (const { code, chip, count } of groupChips) {
      const value = groupCounts.get(code);
      chip.setAttribute("aria-pressed", String(activeGroup === code));
      if (value == null) chip.removeAttribute("data-count");
      else chip.setAttribute("data-count", String(value));
      count.textContent = value == null ? "" : ` (${formatNumber(value)})`;
    }
    byId("search-query").required = !activeGroup;
  }
  function chooseGroup(code) {
    activeGroup = activeGroup === code ? null : code;
    drawGroupChips();
    runSearch();
  }
  // The facets of an answer: all the groups' counts for a search without a group; for a search in
  // a group, that group's count alone (the others are not in the answer).
  function noteFacets(facets, text, group) {
    if (!facets || !Array.isArray(facets.groups)) return;
    if (!group) {
      groupCounts = new Map(facets.groups.map((entry) => [entry.id, entry.count]));
    } else {
      if (countsText !== text) groupCounts = new Map();
      const entry = facets.groups.find((candidate) => candidate.id === group);
      if (entry) groupCounts.set(group, entry.count);
    }
    countsText = text;
    drawGroupChips();
  }
  // The groups' sizes before the first search: every facility of the groups' categories.
  let groupTotalsAsked = false;
  async function loadGroupTotals() {
    if (groupTotalsAsked) return;
    groupTotalsAsked = true;
    const categories = [...new Set(searchGroups.flatMap((group) => group.categories || []))];
    if (!categories.length) return;
    try {
      const payload = await api(`/search?category=${categories.map(encodeURIComponent).join(",")}&limit=1`);
      if (countsText === null) noteFacets(payload.facets, "", null);
    } catch (error) {
      groupTotalsAsked = false;  // only a help: the chips work without their numbers
    }
  }
  async function runSearch() {
    const query = byId("search-query").value.trim();
    const group = activeGroup;
    const token = ++searchToken;
    if (!query && !group) return show("search-result");
    const parameters = new URLSearchParams();
    if (query) parameters.set("q", query);
    if (group) parameters.set("group", group);
    parameters.set("limit", "20");
    show("search-result", loadingNode());
    try {
      const payload = await api(`/search?${parameters}`);
      if (token !== searchToken) return;
      noteFacets(payload && payload.facets, query, group);
      if (group === BUSINESS_OPPORTUNITIES && Number.isFinite(Number(payload.numberMatched))) {
        groupCounts.set(group, Number(payload.numberMatched));
        drawGroupChips();
      }
      const items = itemsOf(payload);
      if (!items.length) return show("search-result", element("p", null, t("noResults")));
      const total = Number(payload.numberMatched);
      show("search-result",
        Number.isFinite(total) && total > items.length
          ? element("p", { class: "hint", "data-field": "search-shown" },
            t("searchShown").replace("{shown}", formatNumber(items.length)).replace("{total}", formatNumber(total)))
          : null,
        element("ul", { class: "result-list", "aria-label": t("resultsLabel") }, items.map((item) => {
          const properties = propertiesOf(item);
          if (properties.kind === "tender") {
            // A tender taking bids: its notice in the tenders panel.
            return element("li", { "data-kind": "tender", "data-id": properties.id },
              element("button", { type: "button", onclick: () => openTender(properties.id) }, properties.title || properties.id),
              " ", element("span", { class: "hint" }, tenderKindName(properties.tender_kind)));
          }
          const isParcel = properties.kind === "parcel" || properties.type === "parcel" || /^P-/.test(properties.id || "") || properties.current_use != null;
          const label = localName(properties) || properties.address || properties.address_fa || properties.id;
          const detail = isParcel ? `${t("parcel")} ${properties.id}` : categoryName(properties.category);
          return element("li", { "data-kind": isParcel ? "parcel" : "facility", "data-id": properties.id },
            element("button", { type: "button", onclick: () => showSearchResult(item, properties, isParcel) }, label),
            " ", element("span", { class: "hint" }, detail));
        })));
    } catch (error) {
      if (token === searchToken) show("search-result", errorNode(error));
    }
  }
  byId("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    runSearch();
  });
  drawGroupChips();
  tabNamed("search").addEventListener("click", loadGroupTotals);
  tabNamed("search").addEventListener("focus", loadGroupTotals);
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
  // One tracking form for both: a code is a problem report's or a change request's (the same form).
  byId("track-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const code = latinDigits(byId("track-code").value.trim()).toUpperCase();
    if (!code) return;
    show("track-result", loadingNode());
    try {
      const report = await api(`/reports/${encodeURIComponent(code)}`);
      return show("track-result", reportTracking(report));
    } catch (error) {
      if (error.status !== 404) return show("track-result", errorNode(error));
    }
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
      show("track-result", errorNode(error.status === 404 ? new APIError(404, t("noSuchTrackingCode")) : error));
    }
  });
  function trackCode(code) {
    byId("track-code").value = code;
    selectTab(tabNamed("track"), true);
    byId("track-form").requestSubmit();
  }

  // ---------- Problem reports (issue 20): the layer, the form, "me too" and the tracking view ----------
  // The map shows Open311's two statuses; the tracking view names the four of the city's workflow.
  const REPORT_COLOURS = { open: "#e6550d", closed: "#31a354" };
  const REPORT_STATUS_TEXTS = {
    open: "reportStatusOpen", in_progress: "reportStatusInProgress", closed: "reportStatusClosed", duplicate: "reportStatusDuplicate",
  };
  const reportStatusName = (status) => (REPORT_STATUS_TEXTS[status] ? t(REPORT_STATUS_TEXTS[status]) : status);
  const NEARBY_METERS = 50;          // "already reported here": the server's distance for duplicates
  const MAX_PHOTOS = 3;
  const MAX_PHOTO_BYTES = 5 * 1024 * 1024;
  // Dates as a person reads them, in the city's time: the Solar Hijri calendar with Persian digits
  // in Persian, the Gregorian calendar in English.
  const CITY_TIME_ZONE = "Asia/Tehran";
  const dateTimeFormat = new Intl.DateTimeFormat(lang === "fa" ? "fa-IR-u-ca-persian" : "en-GB-u-ca-gregory", {
    timeZone: CITY_TIME_ZONE, year: "numeric", month: "long", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  });
  function timeNode(iso) {
    const date = iso ? new Date(iso) : null;
    if (!date || Number.isNaN(date.getTime())) return "—";
    return element("time", { datetime: iso }, dateTimeFormat.format(date));
  }

  // The layer: the last 90 days' reports (Open311 answers at most 1,000), a circle each, open ones on top.
  map.createPane("reports").style.zIndex = 450;  // above the facility markers, below tooltips and popups
  const reportLayer = L.layerGroup();
  const reportPointLayer = L.layerGroup();
  let reportItems = [];
  let reportLoads = 0;
  async function loadReports() {
    try {
      reportItems = itemsOf(await api("/open311/v2/requests.json"))
        .filter((item) => Number.isFinite(Number(item.lat)) && Number.isFinite(Number(item.long)));
      layerStatus.reports = "";
    } catch (error) {
      layerStatus.reports = `${t("layerReports")}: ${error.message}`;
    }
    drawReports();
    showLayerStatus();
    reportLoads += 1;
  }
  const openOrClosed = (status) => (status === "open" ? "open" : "closed");
  function drawReports() {
    reportLayer.clearLayers();
    const ordered = [...reportItems].sort((a, b) => (openOrClosed(a.status) === "open") - (openOrClosed(b.status) === "open"));
    for (const item of ordered) {
      const status = openOrClosed(item.status);
      const id = String(item.service_request_id);
      const marker = L.circleMarker([Number(item.lat), Number(item.long)], {
        pane: "reports", radius: 7, color: "#1d2430", weight: 2, fillColor: REPORT_COLOURS[status], fillOpacity: 0.95,
        className: `report-marker report-${status}`,
      });
      marker.report = { id, status };
      marker.on("add", () => {
        const path = marker.getElement();
        if (path) {
          path.setAttribute("data-report-id", id);
          path.setAttribute("data-status", status);
        }
      });
      marker.bindTooltip(element("span", null, item.service_name || item.service_code || ""), { direction: "top", offset: [0, -6] });
      marker.bindPopup(() => reportPopup(item, status, id), { className: "report-popup", maxWidth: 280 });
      reportLayer.addLayer(marker);
    }
    const counts = { open: 0, closed: 0 };
    for (const item of reportItems) counts[openOrClosed(item.status)] += 1;
    show("report-legend", ["open", "closed"].map((status) => {
      const entry = legendEntry({ "data-status": status }, REPORT_COLOURS[status], `${t(REPORT_STATUS_TEXTS[status])} (${formatNumber(counts[status])})`);
      entry.querySelector(".swatch").classList.add("round");
      return entry;
    }));
  }
  function reportPopup(item, status, id) {
    return element("div", { class: "report-popup-body", "data-report-id": id },
      element("strong", { "data-field": "service" }, item.service_name || item.service_code),
      facts([
        [t("status"), element("span", { "data-status": status }, reportStatusName(status)), "status"],
        [t("submittedAt"), timeNode(item.requested_datetime), "submitted-at"],
        item.description ? [t("description"), item.description, "description"] : null,
      ]),
      status === "open" ? meTooControl(id) : null);
  }
  byId("show-reports").addEventListener("change", () => {
    if (shown("reports")) {
      reportLayer.addTo(map);
      loadReports();
    } else {
      reportLayer.remove();
    }
  });

  // "Me too": the citizen adds themself to an open report instead of filing the same problem again.
  function meTooControl(id) {
    const holder = element("div", { class: "me-too", "aria-live": "polite" });
    const button = element("button", { type: "button", class: "me-too-button" }, t("meToo"));
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        const report = await api(`/reports/${encodeURIComponent(id)}/confirm`, { method: "POST" });
        holder.replaceChildren(element("span", { class: "good", "data-field": "me-too-done" }, t("meTooDone")), " ",
          element("span", { class: "hint" }, `${t("confirmations")}: `,
            element("span", { "data-field": "confirmations" }, formatNumber(report.confirmations))));
      } catch (error) {
        button.disabled = false;
        holder.replaceChildren(button, errorNode(error));
      }
    });
    holder.append(button);
    return holder;
  }
  // Open reports of the same problem near the place: {id, serviceName, description, at, distance, confirmations?}.
  function nearbyList(items) {
    return element("section", { class: "nearby-reports", "data-field": "nearby-reports" },
      element("h3", null, t("alreadyReported")),
      element("p", { class: "hint" }, t("meTooHint")),
      element("ul", { class: "result-list" }, items.map((item) => element("li", { "data-report-id": item.id },
        element("strong", null, item.serviceName), " — ",
        element("span", { class: "number", "data-field": "distance" }, formatDistance(item.distance)), " · ",
        element("span", { class: "hint" }, timeNode(item.at)),
        item.confirmations ? element("span", { class: "hint" }, ` · ${t("confirmations")}: ${formatNumber(item.confirmations)}`) : null,
        item.description ? element("p", { class: "report-text" }, item.description) : null,
        meTooControl(item.id)))));
  }

  // Report mode: on while the "Report a problem" tab shows; a click on the map then places the report.
  const reporting = () => !byId("section-report").hidden;
  const ReportButton = L.Control.extend({
    options: { position: lang === "fa" ? "topright" : "topleft" },
    onAdd() {
      const button = element("button", { type: "button", id: "report-mode", class: "report-mode-button", "aria-pressed": "false", "aria-controls": "section-report" }, t("tabReport"));
      L.DomEvent.disableClickPropagation(button);
      button.addEventListener("click", () => (reporting() ? selectTab(tabNamed("plot"), false) : selectTab(tabNamed("report"), false)));
      return button;
    },
  });
  new ReportButton().addTo(map);
  function showReportMode() {
    const on = reporting();
    map.getContainer().classList.toggle("reporting", on);
    byId("report-mode").setAttribute("aria-pressed", String(on));
    if (on) {
      reportPointLayer.addTo(map);
      loadServices().catch((error) => show("report-result", errorNode(error)));
    } else {
      reportPointLayer.remove();
    }
  }

  // The catalogue (once) and each service's questions (once per service), in the page's language.
  let servicesRequest = null;
  let servicesByCode = new Map();
  function loadServices() {
    if (!servicesRequest) {
      servicesRequest = api("/open311/v2/services.json").then((payload) => {
        const list = itemsOf(payload);
        servicesByCode = new Map(list.map((service) => [service.service_code, service]));
        const groups = new Map();
        for (const service of list) {
          const group = service.group || "";
          if (!groups.has(group)) groups.set(group, []);
          groups.get(group).push(service);
        }
        const option = (service) => element("option", { value: service.service_code }, service.service_name || service.service_code);
        byId("report-service").replaceChildren(element("option", { value: "" }, t("chooseOne")),
          ...[...groups].flatMap(([group, members]) => (group ? [element("optgroup", { label: group }, members.map(option))] : members.map(option))));
        return list;
      }, (error) => {
        servicesRequest = null;
        throw error;
      });
    }
    return servicesRequest;
  }
  const definitions = new Map();
  function serviceDefinition(code) {
    if (!definitions.has(code)) {
      const request = api(`/open311/v2/services/${encodeURIComponent(code)}.json`);
      request.catch(() => definitions.delete(code));
      definitions.set(code, request);
    }
    return definitions.get(code);
  }

  let reportPoint = null;
  async function openReportForm(latlng, focus) {
    if (!reporting()) selectTab(tabNamed("report"), false);
    reportPoint = L.latLng(latlng.lat, latlng.lng);
    reportPointLayer.clearLayers();
    L.circleMarker(reportPoint, { radius: 9, color: "#d40000", weight: 3, fillColor: "#ffffff", fillOpacity: 0.5, interactive: false, className: "report-point" })
      .addTo(reportPointLayer);
    const output = byId("report-point");
    output.textContent = `${reportPoint.lat.toFixed(6)}, ${reportPoint.lng.toFixed(6)}`;
    output.setAttribute("data-lat", reportPoint.lat.toFixed(7));
    output.setAttribute("data-lon", reportPoint.lng.toFixed(7));
    let services;
    try {
      services = await loadServices();
    } catch (error) {
      return show("report-result", errorNode(error));
    }
    if (!services.length) {
      byId("report-hint").textContent = t("noServices");
      return;
    }
    byId("report-hint").hidden = true;
    byId("report-form").hidden = false;
    checkNearby();
    if (focus) byId("report-service").focus();
    else output.scrollIntoView({ block: "nearest" });
  }

  byId("report-service").addEventListener("change", () => {
    showServiceQuestions();
    checkNearby();
  });
  let questionsToken = 0;
  async function showServiceQuestions() {
    const code = byId("report-service").value;
    const service = servicesByCode.get(code);
    const about = byId("report-service-description");
    about.textContent = (service && service.description) || "";
    about.hidden = !about.textContent;
    const container = byId("report-attributes");
    const token = ++questionsToken;
    container.replaceChildren();
    if (!service || service.metadata === false) return;
    container.replaceChildren(loadingNode());
    try {
      const definition = await serviceDefinition(code);
      if (token === questionsToken) container.replaceChildren(...attributeFields(definition.attributes || []).flat().filter(Boolean));
    } catch (error) {
      if (token === questionsToken) container.replaceChildren(errorNode(error));
    }
  }
  // A service's questions as form controls by Open311 datatype; each keeps its code in data-attribute.
  function attributeFields(attributes) {
    const sorted = attributes.filter((attribute) => attribute.variable !== false).sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
    return sorted.map((attribute) => {
      const id = `report-attribute-${attribute.code}`;
      const hintId = `${id}-hint`;
      const label = [attribute.description || attribute.code, attribute.required ? null : [" ", element("span", { class: "hint" }, t("optionalAnswer"))]];
      const hint = attribute.datatype_description ? element("p", { class: "hint", id: hintId }, attribute.datatype_description) : null;
      const values = Array.isArray(attribute.values) ? attribute.values : [];
      const common = {
        id, "data-attribute": attribute.code, "data-datatype": attribute.datatype, required: Boolean(attribute.required),
        "aria-describedby": hint ? hintId : null,
      };
      if (attribute.datatype === "multivaluelist") {
        return [element("fieldset", { ...common, required: null, class: "attribute-choices" },
          element("legend", null, label), hint,
          values.map((value) => element("label", null,
            element("input", { type: "checkbox", value: value.key, name: `attribute[${attribute.code}]` }), " ", value.name || value.key)))];
      }
      let control;
      if (attribute.datatype === "singlevaluelist") {
        control = element("select", common, element("option", { value: "" }, t("chooseOne")),
          values.map((value) => element("option", { value: value.key }, value.name || value.key)));
      } else if (attribute.datatype === "number") {
        // Text, not type=number: a Persian keyboard types ۰–۹, which the page turns into 0–9.
        control = element("input", { ...common, type: "text", inputmode: "decimal", dir: "ltr", autocomplete: "off" });
      } else if (attribute.datatype === "datetime") {
        control = element("input", { ...common, type: "datetime-local" });
      } else if (attribute.datatype === "text") {
        control = element("textarea", { ...common, rows: 2, maxlength: 2000 });
      } else {
        control = element("input", { ...common, type: "text", maxlength: 200, autocomplete: "off" });
      }
      return [element("label", { for: id }, label), control, hint];
    });
  }
  // [code, value] pairs, one per value (several for a multivaluelist); empty answers left out.
  function attributeAnswers() {
    const answers = [];
    for (const field of byId("report-attributes").querySelectorAll("[data-attribute]")) {
      const code = field.getAttribute("data-attribute");
      const type = field.getAttribute("data-datatype");
      if (type === "multivaluelist") {
        for (const box of field.querySelectorAll("input[type=checkbox]:checked")) answers.push([code, box.value]);
        continue;
      }
      let value = field.value.trim();
      if (!value) continue;
      if (type === "number") value = latinDigits(value).replace(/٫/g, ".").replace(/[٬,\s]/g, "");
      if (type === "datetime") {
        const date = new Date(value);  // the browser's local time, sent as an instant with its zone
        if (!Number.isNaN(date.getTime())) value = date.toISOString();
      }
      answers.push([code, value]);
    }
    return answers;
  }

  // "Already reported here", before filing: the open reports of this service within 50 m.
  let nearbyToken = 0;
  async function checkNearby() {
    const code = byId("report-service").value;
    const token = ++nearbyToken;
    show("report-nearby");
    if (!code || !reportPoint) return;
    const point = reportPoint;
    try {
      const open = itemsOf(await api(`/open311/v2/requests.json?service_code=${encodeURIComponent(code)}&status=open`));
      if (token !== nearbyToken) return;
      const near = open.map((item) => ({
        id: String(item.service_request_id), serviceName: item.service_name, description: item.description, at: item.requested_datetime,
        distance: map.distance(point, L.latLng(Number(item.lat), Number(item.long))),
      })).filter((item) => item.distance <= NEARBY_METERS).sort((a, b) => a.distance - b.distance);
      show("report-nearby", near.length ? nearbyList(near) : null);
    } catch (error) {
      if (token === nearbyToken) show("report-nearby");  // a help only: filing works without it
    }
  }

  function checkPhotos() {
    const input = byId("report-photos");
    const files = [...input.files];
    const problem = files.length > MAX_PHOTOS ? t("tooManyPhotos") : files.some((file) => file.size > MAX_PHOTO_BYTES) ? t("photoTooLarge") : "";
    input.setCustomValidity(problem);
    if (problem) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
    const note = byId("report-photos-error");
    note.textContent = problem;
    note.hidden = !problem;
    return problem;
  }
  byId("report-photos").addEventListener("change", checkPhotos);

  // The control the API names in an error (`parameter`), marked invalid until the next try.
  function markInvalid(parameter) {
    for (const node of byId("report-form").querySelectorAll("[aria-invalid]")) {
      if (node.id !== "report-photos") node.removeAttribute("aria-invalid");
    }
    if (!parameter) return;
    const attribute = /^attribute\[(.+)\]$/.exec(parameter);
    const ids = { service_code: "report-service", description: "report-description", photo: "report-photos", name: "report-name", email: "report-email", phone: "report-phone" };
    const control = attribute ? byId(`report-attribute-${attribute[1]}`) : ids[parameter] ? byId(ids[parameter]) : null;
    if (control) control.setAttribute("aria-invalid", "true");
  }

  byId("report-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!reportPoint || checkPhotos()) return;
    const form = new FormData();
    form.append("service_code", byId("report-service").value);
    form.append("lon", reportPoint.lng.toFixed(7));
    form.append("lat", reportPoint.lat.toFixed(7));
    form.append("description", byId("report-description").value.trim());
    for (const name of ["name", "email", "phone"]) {
      const value = byId(`report-${name}`).value.trim();
      if (value) form.append(name, name === "phone" ? latinDigits(value) : value);
    }
    for (const [code, value] of attributeAnswers()) form.append(`attribute[${code}]`, value);
    for (const photo of byId("report-photos").files) form.append("photo", photo, photo.name);
    const submit = event.target.querySelector("button[type=submit]");
    submit.disabled = true;
    show("report-result", loadingNode());
    try {
      const filed = await api("/reports", { method: "POST", body: form });
      markInvalid(null);
      showFiledReport(filed);
      closeReportForm();
      loadReports();
    } catch (error) {
      markInvalid(error.parameter);
      show("report-result", errorNode(error));
    } finally {
      submit.disabled = false;
    }
  });
  function showFiledReport(filed) {
    const code = filed.tracking_code;
    const nearby = (Array.isArray(filed.nearby) ? filed.nearby : []).map((report) => ({
      id: String(report.id), serviceName: report.service_name, description: report.description, at: report.submitted_at,
      distance: report.distance_m, confirmations: report.confirmations,
    }));
    show("report-result",
      element("p", { class: "good" }, t("reportFiled")),
      element("p", null, element("output", { class: "tracking-code", "data-field": "report-tracking-code" }, code)),
      element("p", { class: "hint" }, t("keepReportCode")),
      element("div", { class: "actions" }, element("button", { type: "button", "data-action": "track-report", onclick: () => trackCode(code) }, t("showStatus"))),
      nearby.length ? nearbyList(nearby) : null);
  }
  // After filing: the form empty again (contact details too), waiting for the next click on the map.
  function closeReportForm() {
    byId("report-form").reset();
    byId("report-form").hidden = true;
    byId("report-hint").hidden = false;
    byId("report-attributes").replaceChildren();
    byId("report-service-description").hidden = true;
    show("report-nearby");
    checkPhotos();
    reportPoint = null;
    reportPointLayer.clearLayers();
  }

  // A report's page for its reporter: status, what was reported, photos and the public history.
  function reportTracking(report) {
    const history = Array.isArray(report.history) ? report.history : [];
    const photos = Array.isArray(report.photos) ? report.photos : [];
    return [
      facts([
        [t("trackingCode"), element("bdi", { class: "number" }, report.tracking_code), "tracking-code"],
        [t("serviceLabel"), report.service_name || report.service_code, "service"],
        [t("status"), element("span", { "data-status": report.status }, reportStatusName(report.status)), "status"],
        [t("submittedAt"), timeNode(report.submitted_at), "submitted-at"],
        report.address ? [t("address"), report.address, "address"] : null,
        report.description ? [t("description"), report.description, "description"] : null,
        report.confirmations ? [t("confirmations"), formatNumber(report.confirmations), "confirmations"] : null,
      ]),
      Number.isFinite(report.lat) && Number.isFinite(report.lon)
        ? element("div", { class: "actions" }, element("button", {
          type: "button",
          onclick: () => {
            const at = L.latLng(report.lat, report.lon);
            map.setView(at, Math.max(map.getZoom(), 17));
            choosePoint(at);
          },
        }, t("showOnMap")))
        : null,
      photos.length ? element("h3", null, t("photosTitle")) : null,
      photos.length ? element("div", { class: "report-photos", "data-field": "photos" }, photos.map((url) =>
        element("a", { href: url, target: "_blank", rel: "noopener" }, element("img", { src: url, alt: t("photoOfReport"), loading: "lazy" })))) : null,
      history.length ? element("h3", null, t("history")) : null,
      history.length ? element("table", { "data-field": "history" },
        element("thead", null, element("tr", null, [t("time"), t("status"), t("note")].map((label) => element("th", { scope: "col" }, label)))),
        element("tbody", null, history.map((entry) => element("tr", { "data-status": entry.status },
          element("td", null, timeNode(entry.at)),
          element("td", null, reportStatusName(entry.status)),
          element("td", null, entry.note || "—"))))) : null,
    ];
  }

  // ---------- City information (issue 21): districts and the city's projects ----------
  // Districts: outlines only (the zones' and parcels' colours stay readable), not clickable, each
  // with its name in the page's language at its middle (hidden at street scale).
  const districtLayer = L.geoJSON(null, {
    interactive: false,
    style: () => ({ color: "#4a2a7a", weight: 2.5, opacity: 0.85, dashArray: "10 6", fill: false, className: "district" }),
    onEachFeature: (feature, layer) => {
      const id = feature.id != null ? feature.id : feature.properties.id;
      const name = localName(feature.properties) || id;
      layer.bindTooltip(element("span", { "data-district-id": id }, name), { permanent: true, direction: "center", className: "district-label" });
      layer.on("add", () => {
        const path = layer.getElement();
        if (path) path.setAttribute("data-district-id", id);
      });
    },
  });
  let districtLoads = 0;
  let districtsLoaded = false;
  async function loadDistricts() {
    try {
      const payload = await api("/collections/districts/items?limit=1000");
      districtLayer.clearLayers();
      districtLayer.addData(payload);
      districtsLoaded = true;
      layerStatus.districts = "";
    } catch (error) {
      layerStatus.districts = `${t("layerDistricts")}: ${error.message}`;
    }
    showLayerStatus();
    districtLoads += 1;
  }
  const streetScale = () => map.getContainer().classList.toggle("street-scale", map.getZoom() >= PARCEL_MIN_ZOOM);
  map.on("zoomend", streetScale);
  byId("show-districts").addEventListener("change", () => {
    if (shown("districts")) {
      districtLayer.addTo(map);
      if (!districtsLoaded) loadDistricts();
    } else {
      districtLayer.remove();
    }
  });

  // Projects: a diamond at a point, an outlined area for a site, in the colour of the status;
  // a click (or Enter on one reached with Tab) opens its card. The status filter asks the API again.
  const PROJECT_STATUSES = ["planned", "under_construction", "done"];
  const PROJECT_COLOURS = { planned: "#2f6db5", under_construction: "#d97a00", done: "#2a8a4a" };
  const PROJECT_TEXTS = { planned: "projectPlanned", under_construction: "projectUnderConstruction", done: "projectDone" };
  const projectStatusName = (status) => (PROJECT_TEXTS[status] ? t(PROJECT_TEXTS[status]) : status || "—");
  const projectColour = (status) => PROJECT_COLOURS[status] || "#6b6b6b";
  const percentFormat = new Intl.NumberFormat(lang === "fa" ? "fa-IR" : "en-US", { style: "percent", maximumFractionDigits: 1 });
  // A calendar day ('YYYY-MM-DD'), as a person reads it: Solar Hijri with Persian digits in
  // Persian, Gregorian in English (noon of that day in the city, so no time zone moves it).
  const dayFormat = new Intl.DateTimeFormat(lang === "fa" ? "fa-IR-u-ca-persian" : "en-GB-u-ca-gregory", {
    timeZone: CITY_TIME_ZONE, year: "numeric", month: "long", day: "numeric",
  });
  function dayNode(text) {
    const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text || "");
    if (!match) return null;
    const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]), 9));
    return Number.isNaN(date.getTime()) ? null : element("time", { datetime: text }, dayFormat.format(date));
  }
  const projectProperties = (feature) => ({ ...feature.properties, id: feature.id != null ? feature.id : feature.properties.id });
  function projectCard(properties) {
    return element("div", { class: "project-popup-body", "data-project-id": properties.id, tabindex: "-1" },
      element("strong", { "data-field": "name" }, localName(properties) || properties.id),
      facts([
        [t("status"), element("span", { "data-status": properties.status }, projectStatusName(properties.status)), "status"],
        [t("progress"), properties.progress_pct == null ? null : element("bdi", null, percentFormat.format(Number(properties.progress_pct) / 100)), "progress"],
        [t("budget"), properties.budget == null ? null : element("bdi", null, `${formatNumber(properties.budget)} ${t("rials")}`), "budget"],
        [t("contractor"), properties.contractor, "contractor"],
        [t("startDate"), dayNode(properties.start_date), "start-date"],
        [t("endDate"), dayNode(properties.end_date), "end-date"],
      ]));
  }
  let projectPopup = null;
  // Escape closes a project's card (from the card, or from the project it was opened on).
  map.getContainer().addEventListener("keydown", (event) => {
    if (event.key === "Escape" && projectPopup && map.hasLayer(projectPopup)) {
      event.preventDefault();
      map.closePopup(projectPopup);
    }
  });
  function openProject(layer, latlng, fromKeyboard) {
    const popup = projectPopup = L.popup({ className: "project-popup", maxWidth: 300, autoPanPadding: [24, 24] })
      .setLatLng(latlng).setContent(projectCard(projectProperties(layer.feature))).openOn(map);
    if (fromKeyboard) {
      const card = popup.getElement() && popup.getElement().querySelector(".project-popup-body");
      if (card) card.focus();
      // Closed (Escape, its × button) while the focus is in it: the focus goes back to the project.
      const back = layer.getElement && layer.getElement();
      popup.once("remove", () => {
        const node = popup.getElement();
        const focus = document.activeElement;
        if (back && document.contains(back) && (!focus || focus === document.body || (node && node.contains(focus)))) back.focus();
      });
    }
  }
  function projectLayerFor(feature, latlng) {
    const icon = L.divIcon({ className: "project-marker", iconSize: [18, 18], html: "<span></span>" });
    return L.marker(latlng, { icon, keyboard: true, riseOnHover: true });
  }
  const projectLayer = L.geoJSON(null, {
    pointToLayer: projectLayerFor,
    style: (feature) => {
      const colour = projectColour(feature.properties.status);
      return {
        color: colour, weight: 3, opacity: 0.95, fillColor: colour, fillOpacity: 0.22,
        dashArray: feature.properties.status === "planned" ? "6 4" : null, className: "project project-area",
      };
    },
    onEachFeature: (feature, layer) => {
      const properties = projectProperties(feature);
      const name = localName(properties) || properties.id;
      layer.on("add", () => {
        const node = layer.getElement();
        if (!node) return;
        node.setAttribute("data-project-id", properties.id);
        node.setAttribute("data-status", properties.status);
        node.setAttribute("role", "button");
        node.setAttribute("aria-label", `${name} — ${projectStatusName(properties.status)}`);
        node.setAttribute("tabindex", "0");
        node.classList.add("project", `project-${properties.status}`);
        if (layer instanceof L.Marker) node.style.setProperty("--project-colour", projectColour(properties.status));
      });
      layer.bindTooltip(element("span", null, name), layer instanceof L.Marker ? { direction: "top", offset: [0, -10] } : { sticky: true });
      layer.on("click", (event) => {
        // In report mode a click places the report (an area passes its click on to the map itself).
        if (reporting()) {
          if (layer instanceof L.Marker) openReportForm(event.latlng, false);
          return;
        }
        openProject(layer, layer instanceof L.Marker ? layer.getLatLng() : event.latlng, false);
      });
      layer.on("keypress", (event) => {
        const key = event.originalEvent && event.originalEvent.key;
        if (key !== "Enter" && key !== " ") return;
        event.originalEvent.preventDefault();
        openProject(layer, layer instanceof L.Marker ? layer.getLatLng() : layer.getCenter(), true);
      });
    },
  });
  let projectItems = [];
  let projectLoads = 0;
  let projectToken = 0;
  async function loadProjects() {
    const status = byId("projects-status").value;
    const token = ++projectToken;
    try {
      const payload = await api(`/projects${status ? `?status=${encodeURIComponent(status)}` : ""}`);
      if (token !== projectToken) return;
      projectItems = itemsOf(payload).filter((feature) => feature && feature.geometry);
      layerStatus.projects = "";
    } catch (error) {
      if (token !== projectToken) return;
      layerStatus.projects = `${t("layerProjects")}: ${error.message}`;
    }
    if (projectPopup) map.closePopup(projectPopup);
    projectLayer.clearLayers();
    projectLayer.addData(projectItems);
    const counts = new Map(PROJECT_STATUSES.map((value) => [value, 0]));
    for (const feature of projectItems) counts.set(feature.properties.status, (counts.get(feature.properties.status) || 0) + 1);
    show("project-legend", [...counts].filter(([value, count]) => count || !status || value === status).map(([value, count]) =>
      legendEntry({ "data-status": value }, projectColour(value), `${projectStatusName(value)} (${formatNumber(count)})`)));
    showLayerStatus();
    projectLoads += 1;
  }
  byId("projects-status").addEventListener("change", loadProjects);
  byId("show-projects").addEventListener("change", () => {
    if (shown("projects")) {
      projectLayer.addTo(map);
      loadProjects();
    } else {
      projectLayer.remove();
    }
  });


  // ---------- Restaurant inspections (issue 21 point 1): grade badges, the facility card, its visits ----------
  // A facility's `inspection` ({date, score, grade, stale}) as a small badge: the grade in a coloured
  // circle (A green, B amber, C red, any other grade grey), a mark when the last visit is out of date.
  const GRADE_CLASSES = { A: "grade-a", B: "grade-b", C: "grade-c" };
  const INSPECTION_KINDS = { initial: "inspectionInitial", routine: "inspectionRoutine", followup: "inspectionFollowup", complaint: "inspectionComplaint" };
  const inspectionKindName = (kind) => (kind == null ? null : INSPECTION_KINDS[String(kind).toLowerCase()] ? t(INSPECTION_KINDS[String(kind).toLowerCase()]) : kind);
  function inspectionLabel(inspection) {
    const grade = inspection && inspection.grade != null ? t("inspectionGrade").replace("{grade}", inspection.grade) : t("inspectionUngraded");
    return inspection && inspection.stale ? `${grade} (${t("inspectionStale")})` : grade;
  }
  function gradeBadge(inspection) {
    if (!inspection) return null;
    const grade = inspection.grade;
    const label = inspectionLabel(inspection);
    return element("span", {
      class: `inspection-badge ${grade != null && GRADE_CLASSES[grade] ? GRADE_CLASSES[grade] : "grade-other"}${inspection.stale ? " stale" : ""}`,
      role: "img", "aria-label": label, title: label,
      "data-grade": grade == null ? "" : grade, "data-stale": String(Boolean(inspection.stale)),
    }, element("span", { class: "grade-letter", "aria-hidden": "true" }, grade == null ? "–" : grade),
    inspection.stale ? element("span", { class: "stale-mark", "aria-hidden": "true" }, "⌛") : null);
  }

  // The visits of a facility (GET /facilities/{id}/inspections), newest first, each with its day in
  // the page's calendar, score, grade, kind, description and violations.
  function inspectionVisits(answer) {
    const visits = Array.isArray(answer.inspections) ? answer.inspections : [];
    return element("section", { class: "inspection-visits", "data-field": "inspections", "data-facility-id": answer.facility },
      element("h3", null, t("inspectionsTitle")),
      answer.stale_after_days != null
        ? element("p", { class: "hint" }, t("inspectionStaleAfter").replace("{days}", formatNumber(answer.stale_after_days))) : null,
      visits.length ? element("ol", { class: "visit-list" }, visits.map((visit) => element("li", { "data-date": visit.date },
        element("div", { class: "visit-head" },
          element("span", { "data-field": "date" }, dayNode(visit.date) || visit.date), " ",
          visit.grade != null ? gradeBadge({ grade: visit.grade, stale: false }) : null),
        facts([
          [t("inspectionScore"), visit.score == null ? null : element("bdi", null, formatNumber(visit.score)), "score"],
          [t("inspectionGradeLabel"), visit.grade, "grade"],
          [t("inspectionKind"), inspectionKindName(visit.type), "type"],
          visit.description ? [t("description"), visit.description, "description"] : null,
        ]),
        Array.isArray(visit.violations) && visit.violations.length
          ? element("div", null, element("strong", null, t("violations")),
            element("ul", { class: "violations", "data-field": "violations" }, visit.violations.map((violation) =>
              element("li", { "data-code": violation.code || "" },
                violation.code ? [element("bdi", { class: "violation-code" }, violation.code), violation.description ? " — " : ""] : null,
                violation.description ? element("bdi", null, violation.description) : null))))
          : element("p", { class: "hint", "data-field": "no-violations" }, t("noViolations"))))) : element("p", { class: "hint" }, t("noInspections")));
  }
  // The card of a facility: its name, category and latest inspection; "Inspections" lists the visits.
  function facilityCard(properties) {
    const id = properties.id;
    const listId = `inspections-of-${safeId(id)}`;
    const inspection = properties.inspection || null;
    const list = element("div", { id: listId, class: "inspection-list", "aria-live": "polite" });
    const button = inspection ? element("button", { type: "button", class: "inspections-button", "aria-expanded": "false", "aria-controls": listId }, t("inspections")) : null;
    if (button) {
      button.addEventListener("click", async () => {
        if (button.getAttribute("aria-expanded") === "true") {
          button.setAttribute("aria-expanded", "false");
          list.replaceChildren();
          relayoutFacilityPopup();
          return;
        }
        button.setAttribute("aria-expanded", "true");
        list.replaceChildren(loadingNode());
        try {
          list.replaceChildren(inspectionVisits(await api(`/facilities/${encodeURIComponent(id)}/inspections`)));
        } catch (error) {
          list.replaceChildren(errorNode(error));
        }
        relayoutFacilityPopup();
        inspectionListLoads += 1;
      });
    }
    return element("div", { class: "facility-popup-body", "data-facility-id": id, tabindex: "-1" },
      element("strong", { "data-field": "name" }, localName(properties) || id), " ", gradeBadge(inspection),
      element("div", { class: "hint", "data-field": "category" }, categoryName(properties.category)),
      inspection ? facts([[t("lastInspection"), dayNode(inspection.date), "last-inspection"]]) : null,
      button, list);
  }
  // The card grew or shrank: Leaflet lays the popup out again and pans it into view. (Its update
  // puts the content back into the popup, which takes the focus away: it is given back.)
  function relayoutFacilityPopup() {
    if (!facilityPopup || !map.hasLayer(facilityPopup)) return;
    const focused = document.activeElement;
    facilityPopup.update();
    if (focused && focused !== document.body && document.contains(focused)) focused.focus();
  }
  let inspectionListLoads = 0;
  let facilityPopup = null;
  let facilityToken = 0;
  // Opens the card of a facility (from the tiles: id, names, category) at its place; the
  // inspection comes from the facility's item, as the tiles do not carry it.
  async function openFacility(properties, latlng, fromKeyboard, back) {
    const token = ++facilityToken;
    let full = properties;
    try {
      const item = await api(`/collections/facilities/items/${encodeURIComponent(properties.id)}`);
      full = { ...propertiesOf(item), id: properties.id };
    } catch (error) {
      full = properties;
    }
    if (token !== facilityToken) return;
    // No taller than the map (less a margin): a long list of visits scrolls inside the card.
    const maxHeight = Math.max(160, map.getSize().y - 60);
    const popup = facilityPopup = L.popup({ className: "facility-popup", maxWidth: 320, maxHeight, autoPanPadding: [16, 16] })
      .setLatLng(latlng).setContent(facilityCard(full)).openOn(map);
    if (fromKeyboard) {
      const card = popup.getElement() && popup.getElement().querySelector(".facility-popup-body");
      if (card) card.focus();
      // Closed (Escape, its × button) while the focus is in it: the focus goes back to the badge.
      popup.once("remove", () => {
        const node = popup.getElement();
        const focus = document.activeElement;
        if (back && document.contains(back) && (!focus || focus === document.body || (node && node.contains(focus)))) back.focus();
      });
    }
  }
  // Escape closes a facility's card (from the card, or from the badge it was opened on).
  map.getContainer().addEventListener("keydown", (event) => {
    if (event.key === "Escape" && facilityPopup && map.hasLayer(facilityPopup)) {
      event.preventDefault();
      map.closePopup(facilityPopup);
    }
  });

  // The badges on the map: at street scale, each inspected facility of the view gets its grade
  // beside its marker, a button that opens its card.
  const BADGE_MIN_ZOOM = 16;
  const inspectionLayer = L.layerGroup();
  let badgeRequest = null;
  let badgeLoads = 0;
  // The badges by facility id, each with what it shows: a badge that stays the same stays on the
  // map when the view moves, so that the keyboard's focus on it is not lost.
  const badgeMarkers = new Map();
  function badgeMarker(properties, lon, lat) {
    const icon = L.divIcon({ className: "inspection-marker", iconSize: [20, 20], iconAnchor: [-4, 24], html: gradeBadge(properties.inspection) });
    const marker = L.marker([lat, lon], { icon, keyboard: true, riseOnHover: true, pane: "inspections" });
    marker.on("add", () => {
      const node = marker.getElement();
      if (!node) return;
      node.setAttribute("data-facility-id", properties.id);
      node.setAttribute("data-grade", properties.inspection.grade == null ? "" : properties.inspection.grade);
      node.setAttribute("role", "button");
      node.setAttribute("aria-label", `${localName(properties) || properties.id}: ${inspectionLabel(properties.inspection)}`);
      node.setAttribute("tabindex", "0");
    });
    marker.on("click", () => {
      if (reporting()) return openReportForm(L.latLng(lat, lon), false);
      openFacility(properties, L.latLng(lat, lon), false);
    });
    marker.on("keypress", (event) => {
      const key = event.originalEvent && event.originalEvent.key;
      if (key !== "Enter" && key !== " ") return;
      event.originalEvent.preventDefault();
      openFacility(properties, L.latLng(lat, lon), true, marker.getElement());
    });
    return marker;
  }
  function clearBadges() {
    inspectionLayer.clearLayers();
    badgeMarkers.clear();
  }
  async function loadBadges() {
    if (badgeRequest) badgeRequest.abort();
    if (!shown("facilities") || map.getZoom() < BADGE_MIN_ZOOM) {
      clearBadges();
      badgeLoads += 1;
      return;
    }
    const request = badgeRequest = new AbortController();
    try {
      const payload = await api(`/collections/facilities/items?bbox=${bboxOf(map.getBounds().pad(0.1))}&limit=1000`, { signal: request.signal });
      const wanted = new Map();
      for (const item of itemsOf(payload)) {
        if (!item || !item.properties || !item.properties.inspection || !item.geometry) continue;
        const properties = { ...item.properties, id: item.id != null ? item.id : item.properties.id };
        const [lon, lat] = item.geometry.coordinates;
        wanted.set(String(properties.id), { properties, lon, lat, key: JSON.stringify([properties.inspection, lon, lat, localName(properties)]) });
      }
      for (const [id, held] of badgeMarkers) {
        const next = wanted.get(id);
        if (!next || next.key !== held.key) {
          inspectionLayer.removeLayer(held.marker);
          badgeMarkers.delete(id);
        }
      }
      for (const [id, next] of wanted) {
        if (badgeMarkers.has(id)) continue;
        const marker = badgeMarker(next.properties, next.lon, next.lat);
        badgeMarkers.set(id, { marker, key: next.key });
        inspectionLayer.addLayer(marker);
      }
    } catch (error) {
      if (error.name === "AbortError") return;
      clearBadges();
    }
    badgeLoads += 1;
  }
  map.createPane("inspections").style.zIndex = 610;  // above the markers' own pane, below popups
  map.on("popupclose", (event) => {
    if (event.popup === facilityPopup) facilityPopup = null;
  });

  // ---------- Tenders and auctions (issue 21 point 3): notices, results, sealed bids, "check my bid" ----------
  // The notices of GET /tenders in the page's language; an open one has a form for a sealed bid, an
  // opened one its published result (how many bids, the winning amount, the others; no one's name).
  const TENDER_KINDS = { auction: "tenderAuction", procurement: "tenderProcurement" };
  const TENDER_STATES = { open: "tenderOpen", awaiting_opening: "tenderAwaitingOpening", opened: "tenderOpened" };
  const BID_STATES = { sealed: "bidSealed", withdrawn: "bidWithdrawn", opened: "bidOpened" };
  const tenderKindName = (kind) => (TENDER_KINDS[kind] ? t(TENDER_KINDS[kind]) : kind || "—");
  const tenderStateName = (state) => (TENDER_STATES[state] ? t(TENDER_STATES[state]) : state || "—");
  const bidStateName = (state) => (BID_STATES[state] ? t(BID_STATES[state]) : state || "—");
  const tenderTitle = (tender) => (lang === "en" ? tender.title_en || tender.title : tender.title_fa || tender.title) || tender.id;
  const tenderDescription = (tender) => (lang === "en" ? tender.description_en : tender.description_fa) || "";
  // Rials as the API writes them (a string of digits, up to 10^18: past a JavaScript number's
  // exact integers, so formatted as a BigInt), grouped, in Persian digits on the Persian page.
  const amountFormat = new Intl.NumberFormat(lang === "fa" ? "fa-IR" : "en-US", { useGrouping: true });
  function amountNode(text, field) {
    if (text == null || !/^\d+$/.test(String(text))) return null;
    return element("bdi", { class: "amount", "data-field": field, "data-amount": String(text) }, `${amountFormat.format(BigInt(String(text)))} ${t("rials")}`);
  }
  // An instant in the city's time (dateTimeFormat: Solar Hijri in Persian, Gregorian in English), saying so.
  const cityTimeNode = (iso) => element("span", { class: "city-time" }, timeNode(iso), " ", element("span", { class: "hint" }, `(${t("tehranTime")})`));

  let tenderItems = [];       // the last answer of GET /tenders (every state)
  let tenderLoads = 0;        // finished loads of the list
  let tenderToken = 0;
  let tenderRequest = null;   // the load under way (a Promise)
  function loadTenders() {
    const token = ++tenderToken;
    if (!tenderItems.length) show("tenders-result", loadingNode());
    tenderRequest = (async () => {
      try {
        const payload = await api("/tenders");
        if (token !== tenderToken) return;
        tenderItems = Array.isArray(payload && payload.tenders) ? payload.tenders : [];
        drawTenders();
      } catch (error) {
        if (token === tenderToken) show("tenders-result", errorNode(error));
      }
      if (token === tenderToken) tenderLoads += 1;
    })();
    return tenderRequest;
  }
  function drawTenders() {
    const wanted = byId("tenders-status").value;
    const listed = tenderItems.filter((tender) => !wanted || tender.state === wanted);
    show("tenders-result", listed.length
      ? element("ul", { class: "tender-list", "aria-labelledby": "tenders-title" }, listed.map((tender) => element("li", null, tenderCard(tender))))
      : element("p", { class: "hint", "data-field": "no-tenders" }, t("noTenders")));
    // "Check my bid": every tender, whichever the filter (a bid's tender may have been opened since).
    const select = byId("bid-check-tender");
    const chosen = select.value;
    select.replaceChildren(...tenderItems.map((tender) => element("option", { value: tender.id, selected: tender.id === chosen }, `${tender.id} — ${tenderTitle(tender)}`)));
  }
  byId("tenders-status").addEventListener("change", drawTenders);
  byId("tenders-refresh").addEventListener("click", loadTenders);

  function tenderCard(tender) {
    const id = safeId(tender.id);
    const titleId = `tender-${id}-title`;
    const placeButtons = (ids, collection, labelKey) => element("span", { class: "place-buttons" }, ids.map((placeId) =>
      element("button", {
        type: "button", class: "place-button", "data-place-id": placeId, "data-collection": collection,
        "aria-label": t(labelKey).replace("{id}", placeId), onclick: () => showPlace(collection, placeId, `tender-${id}-place`),
      }, element("bdi", null, placeId))));
    const parcels = Array.isArray(tender.parcels) ? tender.parcels : [];
    const facilities = Array.isArray(tender.facilities) ? tender.facilities : [];
    return element("article", {
      class: `tender-card tender-${tender.state}`, "data-tender-id": tender.id, "data-state": tender.state, "data-kind": tender.kind,
      "aria-labelledby": titleId, tabindex: "-1",
    },
    element("h3", { id: titleId, "data-field": "title" }, tenderTitle(tender)),
    facts([
      [t("tenderNotice"), element("bdi", { class: "number" }, tender.id), "tender-id"],
      [t("tenderKind"), element("span", { "data-kind": tender.kind }, tenderKindName(tender.kind)), "kind"],
      [t("status"), element("span", { "data-state": tender.state }, tenderStateName(tender.state)), "state"],
      [t(tender.kind === "procurement" ? "reservePriceProcurement" : "reservePriceAuction"), amountNode(tender.reserve_price, "reserve-price-amount"), "reserve-price"],
      [t("deposit"), amountNode(tender.deposit, "deposit-amount"), "deposit"],
      [t("bidDeadline"), cityTimeNode(tender.opens_at), "opens-at"],
      parcels.length ? [t("layerParcels"), placeButtons(parcels, "parcels", "showParcelOnMap"), "parcels"] : null,
      facilities.length ? [t("layerFacilities"), placeButtons(facilities, "facilities", "showFacilityOnMap"), "facilities"] : null,
    ]),
    tenderDescription(tender) ? element("p", { class: "tender-description", "data-field": "description" }, tenderDescription(tender)) : null,
    element("div", { id: `tender-${id}-place`, "aria-live": "polite" }),
    tender.result ? tenderResult(tender) : null,
    tender.state === "awaiting_opening" ? element("p", { class: "hint", "data-field": "bids-closed" }, t("bidsClosed")) : null,
    tender.state === "open" ? bidForm(tender) : null);
  }
  function tenderResult(tender) {
    const result = tender.result;
    const losing = Array.isArray(result.losing_amounts) ? result.losing_amounts : [];
    const headingId = `tender-${safeId(tender.id)}-result`;
    return element("section", { class: "tender-result", "data-field": "result", "aria-labelledby": headingId },
      element("h4", { id: headingId }, t("tenderResult")),
      facts([
        [t("openedAt"), cityTimeNode(result.opened_at), "opened-at"],
        [t("bidsCount"), element("bdi", { "data-count": String(result.bids) }, formatNumber(result.bids)), "bids"],
        [t("winningAmount"), result.winning_amount == null ? t("noBids") : amountNode(result.winning_amount, "winning-amount"), "winning"],
        losing.length ? [t("losingAmounts"), element("ol", { class: "losing-amounts" }, losing.map((amount) => element("li", null, amountNode(amount, "losing-amount")))), "losing"] : null,
      ]));
  }

  let placeShows = 0;         // finished moves of the map to a tender's parcel or facility
  // Moves the map to a tender's parcel (outlined, as a clicked plot is) or facility, the panel staying on the tenders.
  async function showPlace(collection, placeId, statusId) {
    try {
      const item = await api(`/collections/${collection}/items/${encodeURIComponent(placeId)}`);
      const bounds = L.geoJSON(item).getBounds();
      if (!bounds.isValid()) return;
      const centre = bounds.getCenter();
      if (item.geometry && item.geometry.type === "Point") map.setView(centre, Math.max(map.getZoom(), 17));
      else map.fitBounds(bounds, { maxZoom: 18 });
      choosePoint(centre);
      if (item.geometry && item.geometry.type !== "Point") {
        L.geoJSON(item, { style: { color: "#d40000", weight: 3, fillOpacity: 0.1, className: "chosen-parcel" } }).addTo(selectionLayer);
      }
      show(statusId);
      placeShows += 1;
    } catch (error) {
      show(statusId, errorNode(error));
    }
  }

  // The sealed bid: national id, mobile number, amount in rials. An error naming a field is shown
  // under that field (and the field marked invalid); any other under the form.
  const BID_FIELDS = ["national_id", "phone", "amount"];
  function bidForm(tender) {
    const base = `bid-${safeId(tender.id)}`;
    const headingId = `${base}-title`;
    const control = (name, labelKey, attributes, hintKey) => {
      const id = `${base}-${name}`;
      const hint = hintKey ? element("p", { class: "hint", id: `${id}-hint` }, t(hintKey)) : null;
      return [
        element("label", { for: id }, t(labelKey)),
        element("input", {
          id, name, required: true, dir: "ltr", autocomplete: "off", maxlength: "40",
          "aria-describedby": [hint ? `${id}-hint` : null, `${id}-error`].filter(Boolean).join(" "), ...attributes,
        }),
        hint,
        element("p", { class: "error field-error", id: `${id}-error`, "data-error-for": name, role: "alert", hidden: true }),
      ];
    };
    const result = element("div", { class: "bid-result", "aria-live": "polite" });
    const form = element("form", { class: "bid-form", "data-tender-id": tender.id, "aria-labelledby": headingId, novalidate: true },
      element("h4", { id: headingId }, t("bidFormTitle")),
      control("national_id", "nationalId", { inputmode: "numeric" }),
      control("phone", "phone", { type: "tel", inputmode: "tel", autocomplete: "tel" }),
      control("amount", "bidAmount", { inputmode: "numeric" }, "bidAmountHint"),
      element("button", { type: "submit" }, t("submitBid")));
    const fieldOf = (name) => form.querySelector(`[name="${name}"]`);
    const setError = (name, message) => {
      const input = fieldOf(name);
      const note = form.querySelector(`[data-error-for="${name}"]`);
      note.textContent = message || "";
      note.hidden = !message;
      if (message) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    };
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      for (const name of BID_FIELDS) setError(name, "");
      // Persian and Arabic-Indic digits as 0–9; spaces, dashes and thousands separators left out.
      const value = (name) => latinDigits(fieldOf(name).value.trim()).replace(/[\s\-٬،,]/g, "");
      const body = { national_id: value("national_id"), phone: value("phone"), amount: value("amount") };
      const submit = form.querySelector("button[type=submit]");
      submit.disabled = true;
      result.replaceChildren(loadingNode());
      try {
        const bid = await api(`/tenders/${encodeURIComponent(tender.id)}/bids`, { method: "POST", body });
        form.reset();
        result.replaceChildren(
          element("p", { class: "good" }, t("bidSubmitted")),
          element("p", null, element("output", { class: "tracking-code", "data-field": "bid-tracking-code" }, bid.tracking_code)),
          element("p", { class: "hint", "data-field": "sealed-note" }, t("bidSealedNote")));
        byId("bid-check-tender").value = tender.id;
        byId("bid-check-code").value = bid.tracking_code;
      } catch (error) {
        if (error.parameter && BID_FIELDS.includes(error.parameter)) {
          result.replaceChildren();
          setError(error.parameter, error.message);
          fieldOf(error.parameter).focus();
        } else {
          result.replaceChildren(errorNode(error));
        }
      } finally {
        submit.disabled = false;
      }
    });
    return element("section", { class: "bid-section" }, form, result);
  }

  // "Check my bid": the tender and the tracking code → the bid's state (never its amount).
  byId("bid-check-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const tenderId = byId("bid-check-tender").value;
    const code = latinDigits(byId("bid-check-code").value.trim()).toUpperCase();
    if (!tenderId || !code) return;
    show("bid-check-result", loadingNode());
    try {
      const bid = await api(`/tenders/${encodeURIComponent(tenderId)}/bids/${encodeURIComponent(code)}`);
      const tender = tenderItems.find((item) => item.id === bid.tender);
      show("bid-check-result", facts([
        [t("trackingCode"), element("bdi", { class: "number" }, bid.tracking_code), "tracking-code"],
        [t("tenderLabel"), tender ? tenderTitle(tender) : element("bdi", null, bid.tender), "tender"],
        [t("status"), element("span", { "data-state": bid.state }, bidStateName(bid.state)), "bid-state"],
        bid.won == null ? null : [t("bidOutcome"), element("span", { class: bid.won ? "good" : "hint", "data-won": String(bid.won) }, t(bid.won ? "bidWon" : "bidLost")), "won"],
        [t("submittedAt"), cityTimeNode(bid.submitted_at), "submitted-at"],
        bid.withdrawn_at ? [t("bidWithdrawn"), cityTimeNode(bid.withdrawn_at), "withdrawn-at"] : null,
      ]));
    } catch (error) {
      show("bid-check-result", errorNode(error));
    }
  });

  // A tender from elsewhere (a search result): the panel, its notice in view and focused.
  async function openTender(tenderId) {
    selectTab(tabNamed("tenders"), false);
    byId("tenders-status").value = "";
    await tenderRequest;
    const card = byId("tenders-result").querySelector(`[data-tender-id="${CSS.escape(tenderId)}"]`);
    if (card) {
      card.scrollIntoView({ block: "start" });
      card.focus();
    }
  }

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
  if (shown("reports")) reportLayer.addTo(map);
  loadReports();
  if (shown("districts")) {
    districtLayer.addTo(map);
    loadDistricts();
  }
  if (shown("projects")) projectLayer.addTo(map);
  loadProjects();
  map.on("moveend", () => {
    rememberView();
    loadView();
    drawLegend();
    loadBadges();
  });
  inspectionLayer.addTo(map);
  byId("show-facilities").addEventListener("change", loadBadges);
  restoreView();
  streetScale();
  window.addEventListener("hashchange", restoreView);  // a pasted or edited #map= link
  showPlannerTools();
  // For the browser tests and for anyone scripting the page from the console.
  window.zamin = {
    map, lookUp, vectorTiles, layers: { parcels: parcelLayer, reports: reportLayer, districts: districtLayer, projects: projectLayer },
    districts: {
      layerCount: () => (map.hasLayer(districtLayer) ? districtLayer.getLayers().length : 0),
      loads: () => districtLoads,
    },
    projects: {
      // Projects on the map now (0 while the layer is switched off), and what each shows.
      layerCount: () => (map.hasLayer(projectLayer) ? projectLayer.getLayers().length : 0),
      shown: () => projectLayer.getLayers().map((layer) => ({
        id: projectProperties(layer.feature).id, status: layer.feature.properties.status, kind: layer instanceof L.Marker ? "point" : "area",
      })),
      colours: { ...PROJECT_COLOURS },
      loads: () => projectLoads,
      refresh: loadProjects,
    },
    search: { groupCounts: () => Object.fromEntries(groupCounts), activeGroup: () => activeGroup },
    tenders: {
      // The finished loads of the list, the moves to a tender's parcel, and the list again from the API.
      loads: () => tenderLoads,
      placeShows: () => placeShows,
      refresh: loadTenders,
      open: openTender,
    },
    inspections: {
      // The grade badges on the map now, and the finished loads of the badges and of visit lists.
      badges: () => inspectionLayer.getLayers().map((marker) => ({
        id: marker.getElement() ? marker.getElement().dataset.facilityId : null, lat: marker.getLatLng().lat, lon: marker.getLatLng().lng,
      })),
      loads: () => badgeLoads,
      listLoads: () => inspectionListLoads,
      openFacility: (id, lon, lat) => openFacility({ id }, L.latLng(lat, lon), false),
    },
    reports: {
      // Markers on the map now (0 while the layer is switched off), and what each shows.
      layerCount: () => (map.hasLayer(reportLayer) ? reportLayer.getLayers().length : 0),
      markers: () => reportLayer.getLayers().map((marker) => ({
        id: marker.report.id, status: marker.report.status, colour: marker.options.fillColor, lat: marker.getLatLng().lat, lon: marker.getLatLng().lng,
      })),
      colours: { ...REPORT_COLOURS },
      loads: () => reportLoads,   // finished loads of the layer (each refresh adds one)
      refresh: loadReports,       // a Promise: the layer again from the API
      openForm: (lon, lat) => openReportForm(L.latLng(lat, lon), false),  // as a click at (lon, lat) in report mode
      point: () => (reportPoint ? { lon: reportPoint.lng, lat: reportPoint.lat } : null),
    },
  };
})();
