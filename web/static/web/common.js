// Shared map helpers: a Leaflet map whose base is the city's own streets when no tile server is configured.
/* exported Vicino */
/* global VicinoBasemap */
const Vicino = (function () {
  "use strict";
  const config = JSON.parse(document.getElementById("page-config").textContent);
  const CATEGORY_COLOURS = { arts: "#8e44ad", health: "#c0392b", education: "#1f6fb2", sport: "#1e8449", stem: "#b9770e" };

  function createMap() {
    const map = L.map("map", { preferCanvas: true, zoomControl: true });
    map.getContainer().leafletMap = map;  // for the browser tests (they fire map events as a click would)
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution(escapeHtml(config.attribution));
    if (config.tileUrl) {
      L.tileLayer(config.tileUrl, { attribution: config.tileAttribution, maxZoom: 19 }).addTo(map);
    }
    const center = config.center || [0, 0];
    map.setView([center[1], center[0]], 13);
    VicinoBasemap.addTo(map, config.basemapUrl)
      .then((bounds) => {
        if (!config.fitted && bounds.isValid()) { map.fitBounds(bounds); }
        document.body.dataset.basemap = "ready";
      })
      .catch(() => { document.body.dataset.basemap = "failed"; });
    return map;
  }

  function status(text) { document.getElementById("status").textContent = text; }

  async function getJSON(url, options) {
    // Answers speak the page's language (the city's own, unless the visitor chose one).
    const headers = { Accept: "application/json", "Accept-Language": config.language || "en" };
    const response = await fetch(url, { headers, signal: options && options.signal });
    const body = await response.json();
    if (!response.ok) {
      const error = new Error(body.error || ("HTTP " + response.status));
      error.status = response.status;
      throw error;
    }
    return body;
  }

  // A marker's number; ``shift`` (pixels) moves markers that share one spot apart so none hides another.
  function numberedIcon(n, category, shift) {
    const [dx, dy] = shift || [0, 0];
    return L.divIcon({
      className: "numbered-marker cat-" + category,
      html: "<span>" + n + "</span>",
      iconSize: [26, 26],
      iconAnchor: [13 - dx, 13 - dy],
    });
  }

  // Pixel offsets for features at the same coordinates: the first stays, the others go round it.
  function spreadOffsets(features) {
    const seen = {};
    return features.map((feature) => {
      const key = feature.geometry.coordinates.map((c) => c.toFixed(4)).join(",");
      const k = seen[key] = (seen[key] || 0) + 1;
      if (k === 1) { return [0, 0]; }
      const angle = (k - 2) * (Math.PI / 3);
      const radius = 24 * (1 + Math.floor((k - 2) / 6));
      return [Math.round(radius * Math.cos(angle)), Math.round(radius * Math.sin(angle))];
    });
  }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  }

  // Names come from catalogues and OSM: tooltips and popups get them as text, never as HTML.
  function textContent(text) {
    const element = document.createElement("span");
    element.textContent = String(text);
    return element;
  }

  // Big base maps draw on canvas; the layers people read and click are SVG (selectable, accessible).
  const svg = L.svg();

  return { config, createMap, status, getJSON, numberedIcon, spreadOffsets, escapeHtml, textContent, CATEGORY_COLOURS, svg };
})();
