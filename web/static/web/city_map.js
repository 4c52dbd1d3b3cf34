// A city's neighbourhoods on a Leaflet map. With no tile server configured, the boundaries are the base map.
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("map-config").textContent);
  const status = document.getElementById("map-status");
  const map = L.map("map", { preferCanvas: false });
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution("Fonte: Comune di Milano (CC-BY 4.0)");
  if (config.tileUrl) {
    L.tileLayer(config.tileUrl, { attribution: config.tileAttribution, maxZoom: 19 }).addTo(map);
  }
  fetch(config.neighbourhoodsUrl)
    .then((response) => {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    })
    .then((collection) => {
      const layer = L.geoJSON(collection, {
        style: { color: "#0b5cad", weight: 1.5, fillColor: "#9ec5ea", fillOpacity: 0.35 },
        onEachFeature: (feature, featureLayer) => {
          featureLayer.bindTooltip(feature.properties.name + " (" + feature.properties.code + ")");
          featureLayer.options.className = "neighbourhood";
        },
      }).addTo(map);
      map.fitBounds(layer.getBounds());
      status.textContent = collection.features.length + " neighbourhoods";
      document.body.dataset.neighbourhoods = String(collection.features.length);
    })
    .catch((error) => { status.textContent = "Could not load the neighbourhoods: " + error.message; });
})();
