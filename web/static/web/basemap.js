// The base map drawn under the data when there is no tile server: the city's own parks, neighbourhoods, roads,
// rail, metro and their names. It sits in panes below the data layers and never catches a click or a hover.
/* exported VicinoBasemap */
const VicinoBasemap = (function () {
  "use strict";

  // Zoom at which a layer's lines thicken, and the widths at the city's whole view (about zoom 12).
  const ROAD_WIDTH = { trunk: 3.2, motorway: 3.2, primary: 2.6, secondary: 1.8, tertiary: 1.3 };

  function roadWidth(cls, zoom) {
    const base = ROAD_WIDTH[String(cls).replace("_link", "")] || 1.2;
    return base * Math.max(0.6, Math.min(3, Math.pow(1.35, zoom - 13)));
  }

  function pathStyle(feature, zoom) {
    const p = feature.properties;
    switch (p.layer) {
      case "parks": return { stroke: true, color: "#b7d9a8", weight: 0.6, fillColor: "#cfe8c2", fillOpacity: 1 };
      case "water": return { stroke: false, fillColor: "#b8d8f0", fillOpacity: 1 };
      case "waterways": return { color: "#9cc6e8", weight: 2 };
      case "zones_minor": return { color: "#7f8a9c", weight: zoom >= 14 ? 1.4 : 1, dashArray: "4 3", fill: false, opacity: 0.9 };
      case "zones_major": return { color: "#5b6778", weight: zoom >= 14 ? 3 : 2.2, fill: false, opacity: zoom >= 14 ? 0.3 : 0.55 };
      case "streets": return { color: "#c9ced6", weight: zoom >= 15 ? 1.6 : 1 };
      case "roads_casing": return { color: "#c2bcb2", weight: roadWidth(p.class, zoom) + 1.6, lineCap: "round" };
      case "roads": return { color: "#ffffff", weight: roadWidth(p.class, zoom), lineCap: "round" };
      case "rail_lines": return { color: "#6b6b6b", weight: zoom >= 14 ? 2 : 1.4, dashArray: "7 4", opacity: 0.8 };
      case "metro_lines": return { color: p.colour || "#444", weight: zoom >= 14 ? 4.5 : 3.2, opacity: 0.9, lineCap: "round" };
      default: return { color: "#999", weight: 1 };
    }
  }

  function stationMarker(feature, latlng, renderer, zoom) {
    const p = feature.properties;
    const metro = p.layer === "metro_stations";
    return L.circleMarker(latlng, {
      renderer, interactive: false, pane: "basemap",
      radius: metro ? (zoom >= 14 ? 4.5 : 3) : (zoom >= 14 ? 5 : 3.5),
      color: metro ? (p.colour || "#333") : "#ffffff", weight: metro ? 2.2 : 1.5,
      fillColor: metro ? "#ffffff" : "#4d4d4d", fillOpacity: 1,
    });
  }

  // Which labels show at which zoom, and which win when two would overlap (lower first).
  function labelRule(p, zoom) {
    const cls = String(p.class || "").replace("_link", "");
    switch (p.of) {
      case "zones": return zoom >= 11 ? 1 : null;
      case "metro_stations": return zoom >= 14 ? 2 : null;
      case "rail_stations": return zoom >= 13 ? 3 : null;
      case "roads": {
        const minZoom = { motorway: 14, trunk: 14, primary: 14, secondary: 15, tertiary: 16 }[cls] || 16;
        return zoom >= minZoom ? 4 : null;
      }
      case "parks": case "water": {
        const minZoom = p.rank >= 20 ? 13 : p.rank >= 2 ? 15 : 16;
        return zoom >= minZoom ? 5 : null;
      }
      default: return zoom >= 15 ? 6 : null;
    }
  }

  const FONTS = {
    zones: "600 12px system-ui, sans-serif",
    metro_stations: "600 11px system-ui, sans-serif",
    rail_stations: "600 11px system-ui, sans-serif",
    roads: "11px system-ui, sans-serif",
    parks: "italic 11px system-ui, sans-serif",
    water: "italic 11px system-ui, sans-serif",
  };
  const measure = document.createElement("canvas").getContext("2d");

  function textWidth(text, of) {
    measure.font = FONTS[of] || FONTS.roads;
    return measure.measureText(text).width;
  }

  // A long neighbourhood name ("NIGUARDA - CA' GRANDA - PRATO CENTENARO - Q.RE FULVIO TESTI") on a few short lines.
  function wrap(name) {
    const lines = [];
    for (const part of String(name).split(/(?<= -) /)) {
      const last = lines.length - 1;
      if (last >= 0 && (lines[last] + " " + part).length <= 24) { lines[last] += " " + part; } else { lines.push(part); }
    }
    return lines;
  }

  // Labels as plain text (textContent: a name is data, never HTML), placed greedily so none overlap.
  const LabelLayer = L.Layer.extend({
    initialize(labels) { this._labels = labels; },
    onAdd(map) {
      this._container = L.DomUtil.create("div", "basemap-labels", map.getPane("basemapLabels"));
      map.on("zoomstart", this._hide, this);
      map.on("moveend", this._draw, this);
      this._draw();
    },
    onRemove(map) {
      map.off("zoomstart", this._hide, this);
      map.off("moveend", this._draw, this);
      L.DomUtil.remove(this._container);
    },
    _hide() { this._container.style.display = "none"; },
    _draw() {
      const map = this._map;
      const zoom = map.getZoom();
      const bounds = map.getBounds().pad(0.1);
      const candidates = [];
      for (const label of this._labels) {
        const priority = labelRule(label.p, zoom);
        if (priority === null || !bounds.contains(label.latlng)) { continue; }
        candidates.push({ label, priority });
      }
      candidates.sort((a, b) => a.priority - b.priority || (b.label.p.rank || 0) - (a.label.p.rank || 0));
      const placed = [];
      const origin = map.containerPointToLayerPoint([0, 0]);
      const size = map.getSize();
      const fragment = document.createDocumentFragment();
      for (const { label } of candidates) {
        const p = label.p;
        const point = map.latLngToLayerPoint(label.latlng);
        const lines = p.of === "zones" ? wrap(p.name) : [p.name];
        const width = Math.max(...lines.map((line) => textWidth(line, p.of))) + 6;
        const height = (p.of === "zones" ? 15 : 14) * lines.length + 2;
        const station = p.of === "metro_stations" || p.of === "rail_stations";
        const angle = (p.angle || 0) * Math.PI / 180;
        const w = Math.abs(width * Math.cos(angle)) + Math.abs(height * Math.sin(angle));
        const h = Math.abs(width * Math.sin(angle)) + Math.abs(height * Math.cos(angle));
        // A station's name goes right of its dot, or left when the right is taken or off the map.
        const centres = station ? [point.x + 7 + width / 2, point.x - 7 - width / 2] : [point.x];
        let box = null;
        let side = 0;
        for (const [index, cx] of centres.entries()) {
          const b = { x1: cx - w / 2, x2: cx + w / 2, y1: point.y - h / 2, y2: point.y + h / 2 };
          // Never cut by the map's edge: a label that does not fit whole is left out.
          const inside = b.x1 > origin.x + 2 && b.y1 > origin.y + 2 && b.x2 < origin.x + size.x - 2 && b.y2 < origin.y + size.y - 2;
          if (inside && !placed.some((o) => b.x1 < o.x2 && o.x1 < b.x2 && b.y1 < o.y2 && o.y1 < b.y2)) { box = b; side = index; break; }
        }
        if (box === null) { continue; }
        placed.push(box);
        const element = document.createElement("span");
        element.className = "basemap-label basemap-label-" + p.of + (station ? " basemap-label-station" : "") + (side ? " basemap-label-left" : "");
        element.textContent = lines.join("\n");
        element.style.left = point.x + "px";
        element.style.top = point.y + "px";
        if (p.angle) { element.style.transform = "translate(-50%, -50%) rotate(" + p.angle + "deg)"; }
        if (p.colour) { element.style.setProperty("--line-colour", p.colour); }
        fragment.appendChild(element);
      }
      this._container.replaceChildren(fragment);
      this._container.style.display = "";
      map.getContainer().dataset.basemapLabels = String(placed.length);
    },
  });

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  }

  // Draw the base map of `url` on `map`; resolves with the bounds of what was drawn.
  async function addTo(map, url) {
    map.createPane("basemap").style.zIndex = 250;          // above tiles (200), below data (overlay 400)
    // Names sit above the data's translucent fills (a planner's choropleth, a family's bands: overlay 400) and
    // below markers (600) and tooltips; they never catch a click either.
    map.createPane("basemapLabels").style.zIndex = 450;
    const renderer = L.svg({ pane: "basemap", padding: 0.3 });
    const response = await fetch(url);
    const collection = await response.json();
    const shapes = [];
    const labels = [];
    for (const feature of collection.features) {
      if (feature.properties.layer === "label") {
        const [lon, lat] = feature.geometry.coordinates;
        labels.push({ p: feature.properties, latlng: L.latLng(lat, lon) });
      } else {
        shapes.push(feature);
      }
    }
    const options = (zoom) => ({
      renderer, pane: "basemap", interactive: false,
      style: (feature) => pathStyle(feature, zoom),
      pointToLayer: (feature, latlng) => stationMarker(feature, latlng, renderer, zoom),
    });
    const zoom = map.getZoom();
    const roads = shapes.filter((f) => f.properties.layer === "roads");
    const casing = roads.map((f) => ({ ...f, properties: { ...f.properties, layer: "roads_casing" } }));
    const firstRoad = shapes.findIndex((f) => f.properties.layer === "roads");
    const ordered = firstRoad < 0 ? shapes : [...shapes.slice(0, firstRoad), ...casing, ...shapes.slice(firstRoad)];
    const layer = L.geoJSON({ type: "FeatureCollection", features: ordered }, options(zoom)).addTo(map);
    map.on("zoomend", () => {
      const z = map.getZoom();
      layer.eachLayer((item) => {
        if (item.feature.geometry.type === "Point") {
          item.setStyle(stationMarker(item.feature, item.getLatLng(), renderer, z).options);
          item.setRadius(stationMarker(item.feature, item.getLatLng(), renderer, z).options.radius);
        } else {
          item.setStyle(pathStyle(item.feature, z));
        }
      });
    });
    new LabelLayer(labels).addTo(map);
    for (const text of collection.attribution || []) { map.attributionControl.addAttribution(escapeHtml(text)); }
    document.body.dataset.basemapLayers = (collection.layers || []).join(" ");
    // Frame the city by its neighbourhoods when it has them (metro lines run out into the next towns).
    const zones = L.geoJSON({ type: "FeatureCollection", features: shapes.filter((f) => f.properties.layer.startsWith("zones")) });
    return zones.getLayers().length ? zones.getBounds() : layer.getBounds();
  }

  return { addTo };
})();
