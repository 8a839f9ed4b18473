// Zamin's own small Mapbox Vector Tile reader and canvas renderer for Leaflet: no library, no CDN.
// It reads what zamin's /tiles endpoint writes (MVT 2.1: layers, features, keys, values,
// zigzag-encoded MoveTo/LineTo/ClosePath commands) and paints each tile on a <canvas>.
// The page decides the colours (map.js passes a style); this file only decodes, paints, clusters
// markers and answers "what is under this point".
"use strict";
(function () {
  // ---------- Protobuf (https://protobuf.dev/programming-guides/encoding/) ----------
  class Reader {
    constructor(bytes, start = 0, end = bytes.length) {
      this.bytes = bytes;
      this.position = start;
      this.end = end;
    }
    get more() {
      return this.position < this.end;
    }
    varint() {
      // Up to 64 bits; numbers beyond 2^53 lose precision, which no tile attribute of ours reaches.
      let result = 0;
      let multiplier = 1;
      for (let shift = 0; shift < 70; shift += 7) {
        if (this.position >= this.end) throw new Error("truncated varint");
        const byte = this.bytes[this.position++];
        result += (byte & 0x7f) * multiplier;
        if (byte < 0x80) return result;
        multiplier *= 128;
      }
      throw new Error("varint too long");
    }
    zigzag() {
      return unzigzag(this.varint());
    }
    slice() {
      const length = this.varint();
      const start = this.position;
      this.position += length;
      if (this.position > this.end) throw new Error("truncated field");
      return [start, this.position];
    }
    string() {
      const [start, end] = this.slice();
      return textDecoder.decode(this.bytes.subarray(start, end));
    }
    packed() {
      const [start, end] = this.slice();
      const inner = new Reader(this.bytes, start, end);
      const values = [];
      while (inner.more) values.push(inner.varint());
      return values;
    }
    skip(wireType) {
      if (wireType === 0) this.varint();
      else if (wireType === 1) this.position += 8;
      else if (wireType === 2) this.slice();
      else if (wireType === 5) this.position += 4;
      else throw new Error(`unknown wire type ${wireType}`);
    }
  }
  const textDecoder = new TextDecoder("utf-8");
  // Protobuf's sint and MVT's parameters: 0, -1, 1, -2, … written as 0, 1, 2, 3, …
  const unzigzag = (value) => (value % 2 === 0 ? value / 2 : -(value + 1) / 2);

  // MVT 2.1 §4.1: Value is a oneof of string (1), float (2), double (3), int64 (4), uint64 (5),
  // sint64 (6) and bool (7).
  function readValue(reader, start, end) {
    const inner = new Reader(reader.bytes, start, end);
    let value = null;
    const view = new DataView(reader.bytes.buffer, reader.bytes.byteOffset);
    while (inner.more) {
      const tag = inner.varint();
      const field = Math.floor(tag / 8);
      const wireType = tag & 7;
      if (field === 1) value = inner.string();
      else if (field === 2) { value = view.getFloat32(inner.position, true); inner.position += 4; }
      else if (field === 3) { value = view.getFloat64(inner.position, true); inner.position += 8; }
      else if (field === 4 || field === 5) value = inner.varint();
      else if (field === 6) value = inner.zigzag();
      else if (field === 7) value = inner.varint() !== 0;
      else inner.skip(wireType);
    }
    return value;
  }

  // MVT 2.1 §4.3: a geometry is commands (id in the low 3 bits, count above) with zigzag
  // deltas; MoveTo 1, LineTo 2, ClosePath 7. Answers rings/lines/points as arrays of [x, y].
  function readGeometry(commands) {
    const parts = [];
    let current = null;
    let x = 0;
    let y = 0;
    for (let index = 0; index < commands.length;) {
      const command = commands[index] & 7;
      const count = Math.floor(commands[index] / 8);
      index += 1;
      if (command === 7) {
        if (current && current.length) current.closed = true;
        continue;
      }
      for (let step = 0; step < count && index + 1 < commands.length; step += 1) {
        x += unzigzag(commands[index]);
        y += unzigzag(commands[index + 1]);
        index += 2;
        if (command === 1) {
          current = [[x, y]];
          parts.push(current);
        } else if (current) {
          current.push([x, y]);
        }
      }
    }
    return parts;
  }

  const GEOMETRY_TYPES = { 1: "Point", 2: "LineString", 3: "Polygon" };

  /// The layers of one tile: {name: {extent, features: [{type, properties, parts}]}}.
  function decode(bytes) {
    const tile = new Reader(bytes);
    const layers = {};
    while (tile.more) {
      const tag = tile.varint();
      if (tag !== ((3 << 3) | 2)) {
        tile.skip(tag & 7);
        continue;
      }
      const [start, end] = tile.slice();
      const reader = new Reader(bytes, start, end);
      const layer = { name: "", extent: 4096, keys: [], values: [], raw: [] };
      while (reader.more) {
        const fieldTag = reader.varint();
        const field = Math.floor(fieldTag / 8);
        if (field === 1) layer.name = reader.string();
        else if (field === 2) layer.raw.push(reader.slice());
        else if (field === 3) layer.keys.push(reader.string());
        else if (field === 4) layer.values.push(readValue(reader, ...reader.slice()));
        else if (field === 5) layer.extent = reader.varint();
        else reader.skip(fieldTag & 7);
      }
      const features = layer.raw.map(([featureStart, featureEnd]) => {
        const feature = new Reader(bytes, featureStart, featureEnd);
        let tags = [];
        let type = 0;
        let commands = [];
        while (feature.more) {
          const featureTag = feature.varint();
          const field = Math.floor(featureTag / 8);
          if (field === 2) tags = feature.packed();
          else if (field === 3) type = feature.varint();
          else if (field === 4) commands = feature.packed();
          else feature.skip(featureTag & 7);
        }
        const properties = {};
        for (let index = 0; index + 1 < tags.length; index += 2) {
          properties[layer.keys[tags[index]]] = layer.values[tags[index + 1]];
        }
        return { type: GEOMETRY_TYPES[type] || "Unknown", properties, parts: readGeometry(commands) };
      });
      layers[layer.name] = { extent: layer.extent, features };
    }
    return layers;
  }

  // ---------- Geometry in tile units ----------
  function ringContains(ring, x, y) {
    let inside = false;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i];
      const [xj, yj] = ring[j];
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  }
  // Even-odd over all rings of the feature: a hole's points are inside two rings.
  const polygonContains = (feature, x, y) => feature.parts.reduce((inside, ring) => (ringContains(ring, x, y) ? !inside : inside), false);

  // ---------- The Leaflet layer ----------
  // options.url(z, y, x) → URL; options.style: {
  //   order: [layer names, bottom first], visible(layerName) → bool,
  //   polygon(layerName, properties, zoom) → {fill, stroke, lineWidth} or null,
  //   marker(properties) → {colour, key} (key: what clusters may merge, e.g. the category),
  //   clusterPixels(zoom) → grid size in CSS pixels, 0 for none }
  const VectorTileLayer = L.GridLayer.extend({
    options: { maxNativeZoom: 20, maxZoom: 22, updateWhenZooming: false },

    initialize(options) {
      L.GridLayer.prototype.initialize.call(this, options);
      this._tilesData = new Map(); // key → {coords, layers, canvas, markers}
      this._requests = new Map();  // key → AbortController
      // Markers are Leaflet circle markers above the tiles, not pixels of a tile's canvas: a
      // marker near a tile's edge would be cut there, and each tile would draw its neighbours'.
      this._markerGroup = L.layerGroup();
      this.on("tileunload", (event) => {
        const key = this._tileCoordsToKey(event.coords);
        const request = this._requests.get(key);
        if (request) request.abort();
        this._requests.delete(key);
        const entry = this._tilesData.get(key);
        if (entry) this._hideMarkers(entry);
        this._tilesData.delete(key);
      });
      this.on("load", () => this._showMarkersOfThisZoom());
    },

    onAdd(map) {
      L.GridLayer.prototype.onAdd.call(this, map);
      this._markerGroup.addTo(map);
    },

    onRemove(map) {
      this._markerGroup.remove();
      L.GridLayer.prototype.onRemove.call(this, map);
    },

    createTile(coords, done) {
      const canvas = L.DomUtil.create("canvas", "zamin-vector-tile");
      const size = this.getTileSize();
      const ratio = window.devicePixelRatio || 1;
      canvas.width = size.x * ratio;
      canvas.height = size.y * ratio;
      canvas.style.width = `${size.x}px`;
      canvas.style.height = `${size.y}px`;
      const key = this._tileCoordsToKey(coords);
      const controller = new AbortController();
      this._requests.set(key, controller);
      fetch(this.options.url(coords.z, coords.y, coords.x), { signal: controller.signal })
        .then((response) => {
          if (response.status === 204) return null;
          if (!response.ok) throw new Error(`tile ${coords.z}/${coords.y}/${coords.x}: HTTP ${response.status}`);
          return response.arrayBuffer();
        })
        .then((buffer) => {
          this._requests.delete(key);
          const entry = { coords, layers: buffer ? decode(new Uint8Array(buffer)) : {}, canvas, markers: [] };
          this._tilesData.set(key, entry);
          this._paint(entry);
          done(null, canvas);
          this.fire("tiledecoded", { coords });
        })
        .catch((error) => {
          this._requests.delete(key);
          if (error.name !== "AbortError") done(error, canvas);
        });
      return canvas;
    },

    /// Paints every loaded tile again with the current style (a switch of colours or layers)
    /// without fetching anything.
    repaint() {
      for (const entry of this._tilesData.values()) this._paint(entry);
      this.fire("repainted");
    },

    _paint(entry) {
      const { canvas, layers, coords } = entry;
      const style = this.options.style;
      const context = canvas.getContext("2d");
      const ratio = canvas.width / this.getTileSize().x;
      context.setTransform(1, 0, 0, 1, 0, 0);
      context.clearRect(0, 0, canvas.width, canvas.height);
      entry.markers = [];
      for (const name of style.order) {
        const layer = layers[name];
        if (!layer || !style.visible(name)) continue;
        const scale = canvas.width / layer.extent;
        const points = [];
        for (const feature of layer.features) {
          if (feature.type === "Polygon") {
            const look = style.polygon(name, feature.properties, coords.z);
            if (!look) continue;
            context.beginPath();
            for (const ring of feature.parts) {
              ring.forEach(([x, y], index) => (index === 0 ? context.moveTo(x * scale, y * scale) : context.lineTo(x * scale, y * scale)));
              context.closePath();
            }
            if (look.fill) {
              context.fillStyle = look.fill;
              context.fill("evenodd");
            }
            if (look.stroke) {
              context.strokeStyle = look.stroke;
              context.lineWidth = (look.lineWidth || 1) * ratio;
              context.stroke();
            }
          } else if (feature.type === "Point") {
            // Points in the buffer belong to the neighbour, which draws them.
            for (const [point] of feature.parts) {
              if (point[0] >= 0 && point[0] < layer.extent && point[1] >= 0 && point[1] < layer.extent) points.push({ feature, point });
            }
          }
        }
        entry.markers.push(...this._cluster(points, layer.extent, coords.z).map((marker) => ({ ...marker, layer: name })));
      }
      this._hideMarkers(entry);
      if (coords.z === this._tileZoom) this._showMarkers(entry);
    },

    _showMarkers(entry) {
      const size = this.getTileSize();
      entry.markerLayers = entry.markers.map((marker) => {
        const at = this._map.unproject(L.point(entry.coords.x * size.x + marker.x, entry.coords.y * size.y + marker.y), entry.coords.z);
        marker.radius = marker.count > 1 ? Math.min(7 + Math.log2(marker.count) * 1.5, 13) : 6;
        const circle = L.circleMarker(at, {
          radius: marker.radius, color: "#ffffff", weight: 1.5, fillColor: marker.colour, fillOpacity: 0.95,
          interactive: false, className: marker.count > 1 ? "facility-cluster" : "facility",
        });
        const layers = [circle];
        if (marker.count > 1) {
          const label = document.createElement("span");
          label.textContent = String(marker.count);
          layers.push(L.marker(at, { icon: L.divIcon({ className: "facility-count", html: label, iconSize: [26, 14] }), interactive: false, keyboard: false }));
        }
        for (const layer of layers) this._markerGroup.addLayer(layer);
        return layers;
      }).flat();
    },

    _hideMarkers(entry) {
      for (const layer of entry.markerLayers || []) this._markerGroup.removeLayer(layer);
      entry.markerLayers = [];
    },

    // After a zoom, the markers of the tiles of other zooms that Leaflet keeps while the new
    // ones load are taken away, and those of this zoom shown.
    _showMarkersOfThisZoom() {
      for (const entry of this._tilesData.values()) {
        this._hideMarkers(entry);
        if (entry.coords.z === this._tileZoom) this._showMarkers(entry);
      }
    },

    // Markers closer than the style's grid (CSS pixels) become one, coloured by the key most of
    // its facilities share, with their number; the server has already thinned them per category.
    _cluster(features, extent, zoom) {
      const tileSize = this.getTileSize().x;
      const grid = this.options.style.clusterPixels(zoom);
      const cells = new Map();
      const markers = [];
      for (const { feature, point } of features) {
        const [x, y] = point;
        const px = (x / extent) * tileSize;
        const py = (y / extent) * tileSize;
        const count = Number(feature.properties.facilities || 1);
        const look = this.options.style.marker(feature.properties);
        if (!grid) {
          markers.push({ x: px, y: py, count, colour: look.colour, features: [feature] });
          continue;
        }
        // Cells of a grid that divides the tile, so that no cell is shared by two tiles.
        const cellKey = `${Math.floor(px / grid)}:${Math.floor(py / grid)}`;
        let cell = cells.get(cellKey);
        if (!cell) {
          cell = { x: 0, y: 0, count: 0, byKey: new Map(), features: [] };
          cells.set(cellKey, cell);
        }
        cell.x += px * count;
        cell.y += py * count;
        cell.count += count;
        cell.features.push(feature);
        const tally = cell.byKey.get(look.key) || { colour: look.colour, count: 0 };
        tally.count += count;
        cell.byKey.set(look.key, tally);
      }
      for (const cell of cells.values()) {
        const main = [...cell.byKey.values()].sort((a, b) => b.count - a.count)[0];
        markers.push({ x: cell.x / cell.count, y: cell.y / cell.count, count: cell.count, colour: main.colour, features: cell.features });
      }
      return markers;
    },

    _entryAt(latlng) {
      const zoom = this._tileZoom;
      if (zoom === undefined || !this._map) return null;
      const point = this._map.project(latlng, zoom);
      const size = this.getTileSize();
      const coords = L.point(Math.floor(point.x / size.x), Math.floor(point.y / size.y));
      coords.z = zoom;
      const entry = this._tilesData.get(this._tileCoordsToKey(coords));
      return entry ? { entry, x: point.x - coords.x * size.x, y: point.y - coords.y * size.y } : null;
    },

    /// What is drawn under a point: a marker (within its radius), else the topmost polygon of a
    /// visible layer. {layer, properties, count, features} or null.
    featureAt(latlng) {
      const found = this._entryAt(latlng);
      if (!found) return null;
      const { entry, x, y } = found;
      // A marker belongs to the tile holding its centre but may overhang the next one: the
      // markers of every tile of this zoom are measured in the zoom's own pixels.
      const size = this.getTileSize();
      const pointX = entry.coords.x * size.x + x, pointY = entry.coords.y * size.y + y;
      for (const other of this._tilesData.values()) {
        if (other.coords.z !== entry.coords.z) continue;
        for (const marker of other.markers) {
          const markerX = other.coords.x * size.x + marker.x, markerY = other.coords.y * size.y + marker.y;
          if (Math.hypot(markerX - pointX, markerY - pointY) <= (marker.radius || 6) + 2) {
            return { layer: marker.layer, properties: marker.features[0].properties, count: marker.count, features: marker.features.map((f) => f.properties) };
          }
        }
      }
      const style = this.options.style;
      for (const name of [...style.order].reverse()) {
        const layer = entry.layers[name];
        if (!layer || !style.visible(name)) continue;
        const unitX = (x / this.getTileSize().x) * layer.extent;
        const unitY = (y / this.getTileSize().y) * layer.extent;
        for (let index = layer.features.length - 1; index >= 0; index -= 1) {
          const feature = layer.features[index];
          if (feature.type === "Polygon" && style.polygon(name, feature.properties, entry.coords.z) && polygonContains(feature, unitX, unitY)) {
            return { layer: name, properties: feature.properties, count: 1, features: [feature.properties] };
          }
        }
      }
      return null;
    },

    /// The features of the tiles now on screen at the current tile zoom, per layer, with each
    /// marker's position (lon/lat) and count: what the map shows, for its legend and the tests.
    drawn() {
      const result = { zoom: this._tileZoom, tiles: 0, layers: {}, markers: [] };
      if (!this._map) return result;
      const bounds = this._map.getBounds();
      const size = this.getTileSize();
      for (const entry of this._tilesData.values()) {
        const { coords } = entry;
        if (coords.z !== this._tileZoom) continue;
        const northWest = this._map.unproject(L.point(coords.x * size.x, coords.y * size.y), coords.z);
        const southEast = this._map.unproject(L.point((coords.x + 1) * size.x, (coords.y + 1) * size.y), coords.z);
        if (!bounds.intersects(L.latLngBounds(southEast, northWest))) continue;
        result.tiles += 1;
        for (const [name, layer] of Object.entries(entry.layers)) {
          if (!this.options.style.visible(name)) continue;
          const list = result.layers[name] || (result.layers[name] = []);
          for (const feature of layer.features) {
            // A point in the buffer is the neighbour's to draw (and to count), as in _paint.
            if (feature.type === "Point" && !feature.parts.some(([[px, py]]) => px >= 0 && px < layer.extent && py >= 0 && py < layer.extent)) continue;
            list.push(feature.properties);
          }
        }
        for (const marker of entry.markers) {
          const at = this._map.unproject(L.point(coords.x * size.x + marker.x, coords.y * size.y + marker.y), coords.z);
          result.markers.push({ layer: marker.layer, lon: at.lng, lat: at.lat, count: marker.count, colour: marker.colour, ids: marker.features.map((f) => f.properties.id) });
        }
      }
      return result;
    },
  });

  window.ZaminVectorTiles = { decode, layer: (options) => new VectorTileLayer(options) };
})();
