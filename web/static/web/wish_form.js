// The wish form: the tapped point becomes its H3 resolution-8 cell here, in the browser; only the cell id is sent.
(function () {
  "use strict";
  const { config, createMap, getJSON } = Vicino;
  const map = createMap();
  const form = document.getElementById("wish-form");
  const cellInput = document.getElementById("wish-cell");
  const zoneSelect = document.getElementById("wish-zone");
  const place = document.getElementById("wish-place");
  const result = document.getElementById("wish-result");
  const text = document.getElementById("wish-text");
  const count = document.getElementById("wish-count");
  let cells = [];
  const chosen = L.geoJSON(null, { renderer: Vicino.svg, style: { color: "#c0392b", weight: 3, fillColor: "#e74c3c", fillOpacity: 0.45, className: "wish-cell" } }).addTo(map);

  // Ray casting on the cell's ring ([lon, lat] pairs): is the point inside?
  function inside(lon, lat, ring) {
    let hit = false;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i];
      const [xj, yj] = ring[j];
      if ((yi > lat) !== (yj > lat) && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) { hit = !hit; }
    }
    return hit;
  }

  function choose(feature) {
    chosen.clearLayers();
    if (!feature) {
      cellInput.value = "";
      place.textContent = gettext("That point is outside the city: tap inside it, or choose from the list.");
      return;
    }
    chosen.addData(feature);
    cellInput.value = feature.properties.id;
    if (zoneSelect) { zoneSelect.value = feature.properties.zone || ""; }
    const name = feature.properties.zone_name;
    place.textContent = name ? interpolate(gettext("Area chosen: around %s (about 700 m across)."), [name])
      : gettext("Area chosen (about 700 m across).");
    document.body.dataset.cell = feature.properties.id;
  }

  map.on("click", (event) => {
    // The point stays in this function: only the cell that holds it is kept.
    const lon = event.latlng.lng;
    const lat = event.latlng.lat;
    choose(cells.find((f) => inside(lon, lat, f.geometry.coordinates[0])) || null);
  });

  if (zoneSelect) {
    zoneSelect.addEventListener("change", () => {
      // A neighbouring zone the cell overlaps keeps the cell; another zone replaces the map's area (the list is
      // also the way without a map).
      const current = cells.find((f) => f.properties.id === cellInput.value);
      if (!current || !current.properties.zones.includes(zoneSelect.value)) {
        chosen.clearLayers();
        cellInput.value = "";
        delete document.body.dataset.cell;
      }
      const option = zoneSelect.options[zoneSelect.selectedIndex];
      place.textContent = zoneSelect.value ? interpolate(gettext("Area chosen: %s."), [option.textContent]) : gettext("No area chosen yet.");
    });
  }

  text.addEventListener("input", () => { count.textContent = text.value.length + " / " + config.maxText; });

  getJSON(config.cellsUrl)
    .then((data) => {
      cells = data.features;
      L.geoJSON(data, { renderer: Vicino.svg, interactive: false, style: { color: "#7f8c8d", weight: 0.4, fill: false } }).addTo(map);
      document.body.dataset.cells = String(cells.length);
    })
    .catch((error) => { place.textContent = error.message; });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!form.subject.value) { result.textContent = gettext("Choose what you wish for."); form.subject.focus(); return; }
    if (!cellInput.value && !(zoneSelect && zoneSelect.value)) {
      result.textContent = gettext("Say roughly where: tap the map or choose from the list.");
      return;
    }
    const button = document.getElementById("wish-send");
    button.disabled = true;
    result.textContent = "…";
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { Accept: "application/json", "Accept-Language": config.language || "en", "X-CSRFToken": form.csrfmiddlewaretoken.value },
        credentials: "same-origin",
      });
      // Every answer of the endpoint is JSON; anything else (a proxy's error page) gets a plain sentence.
      const body = await response.json().catch(() => ({ error: gettext("Something went wrong: please try again later.") }));
      result.textContent = response.ok ? body.message : body.error;
      result.className = response.ok && body.status !== "rejected" ? "status notice" : "status error";
      result.scrollIntoView({ block: "nearest" });
      document.body.dataset.wish = response.ok ? body.status : "error-" + response.status;
      if (response.ok && body.status !== "rejected") { text.value = ""; count.textContent = "0 / " + config.maxText; }
    } catch (error) {
      result.textContent = error.message;
      document.body.dataset.wish = "error";
    } finally {
      button.disabled = false;
    }
  });
})();
