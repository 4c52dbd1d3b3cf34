// The offering form's map: a click places the entrance (fills longitude and latitude); typed coordinates move
// the marker. The fields stay the source of truth, so a keyboard user can type them instead.
/* global Vicino, L */
(function () {
  "use strict";
  const lon = document.getElementById("id_longitude");
  const lat = document.getElementById("id_latitude");
  const config = JSON.parse(document.getElementById("page-config").textContent);
  const map = Vicino.createMap();
  const summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
  let marker = null;

  function number(input) {
    const value = parseFloat(String(input.value).replace(",", "."));
    return Number.isFinite(value) ? value : null;
  }

  function place(latlng, pan) {
    if (marker) {
      marker.setLatLng(latlng);
    } else {
      marker = L.circleMarker(latlng, { radius: 9, color: "#0b4f94", weight: 3, fillColor: "#ffbf00", fillOpacity: 1 })
        .addTo(map);
      if (config.entranceLabel) { marker.bindTooltip(config.entranceLabel, { permanent: true, direction: "right", offset: [10, 0] }); }
    }
    if (pan) { map.setView(latlng, Math.max(map.getZoom(), 15)); }
    document.body.dataset.entrance = latlng.lat.toFixed(6) + "," + latlng.lng.toFixed(6);
  }

  function fromFields(pan) {
    const x = number(lon);
    const y = number(lat);
    if (x !== null && y !== null && Math.abs(y) <= 90 && Math.abs(x) <= 180) { place(L.latLng(y, x), pan); }
  }

  map.on("click", (event) => {
    lon.value = event.latlng.lng.toFixed(6);
    lat.value = event.latlng.lat.toFixed(6);
    place(event.latlng, false);
  });
  lon.addEventListener("change", () => fromFields(true));
  lat.addEventListener("change", () => fromFields(true));
  fromFields(true);
  document.body.dataset.mapReady = "yes";
})();
