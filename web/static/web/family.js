// The family page: set a home, choose filters, see reachable opportunities (list + markers + isochrones + route).
(function () {
  "use strict";
  const { config, createMap, status, getJSON, numberedIcon, escapeHtml, textContent, svg } = Vicino;
  const map = createMap();
  const bands = L.layerGroup().addTo(map);
  const markers = L.layerGroup().addTo(map);
  const routeLayer = L.layerGroup().addTo(map);
  let home = null;
  let fittedOnce = false;
  let homeMarker = null;
  const form = document.getElementById("family-form");
  const list = document.getElementById("results");

  function setHome(latlng) {
    home = latlng;
    fittedOnce = false;
    if (homeMarker) { homeMarker.setLatLng(latlng); } else {
      homeMarker = L.circleMarker(latlng, { renderer: svg, radius: 8, color: "#000", weight: 3, fillColor: "#ffd43b", fillOpacity: 1 }).addTo(map);
      homeMarker.bindTooltip("⌂");
    }
    document.body.dataset.home = latlng.lng.toFixed(5) + "," + latlng.lat.toFixed(5);
    search();
  }

  map.on("click", (event) => setHome(event.latlng));

  const searchBox = document.getElementById("place-search");
  const datalist = document.getElementById("place-results");
  let places = [];
  searchBox.addEventListener("input", async () => {
    const q = searchBox.value.trim();
    const chosen = places.find((p) => p.name === q);
    if (chosen) { map.setView([chosen.lat, chosen.lon], 15); setHome(L.latLng(chosen.lat, chosen.lon)); return; }
    if (q.length < 2) { return; }
    try {
      places = (await getJSON(config.api + "/search?q=" + encodeURIComponent(q))).results;
      datalist.innerHTML = places.map((p) => "<option value=\"" + escapeHtml(p.name) + "\">" + escapeHtml(p.kind) + "</option>").join("");
    } catch (error) { status(error.message); }
  });

  function params() {
    const data = new FormData(form);
    const query = new URLSearchParams();
    query.set("near", home.lng.toFixed(6) + "," + home.lat.toFixed(6));
    query.set("minutes", data.get("minutes"));
    query.set("mode", data.get("mode"));
    if (data.get("age") !== "") { query.set("age", data.get("age")); }
    const categories = data.getAll("category");
    if (categories.length && categories.length < config.categories.length) { query.set("category", categories.join(",")); }
    if (data.get("free")) { query.set("free", "true"); }
    if (data.get("voucher")) { query.set("voucher", "true"); }
    if (data.get("day")) { query.set("open_at", data.get("day") + " " + (data.get("time") || "12:00")); }
    return query;
  }

  async function search() {
    if (!home) { status(gettext("First set your home on the map.")); return; }
    const query = params();
    status("…");
    routeLayer.clearLayers();
    try {
      const minutes = Number(query.get("minutes"));
      const cutoffs = [5, 10, 15, 20, 30, 45].filter((m) => m < minutes).concat([minutes]).slice(-3);
      const isoQuery = new URLSearchParams({
        near: query.get("near"), minutes: cutoffs.join(","), age: query.get("age") || "", mode: query.get("mode") || "walk",
      });
      if (query.get("open_at")) { isoQuery.set("open_at", query.get("open_at")); }
      const [result, areas] = await Promise.all([
        getJSON(config.api + "/opportunities?" + query.toString()),
        // The bands only illustrate the list: if they fail, the list still stands.
        getJSON(config.api + "/isochrones?" + isoQuery.toString()).catch(() => null),
      ]);
      drawBands(areas);
      drawResults(result);
    } catch (error) {
      list.innerHTML = "";
      markers.clearLayers();
      status(error.message);
    }
  }

  function drawBands(areas) {
    bands.clearLayers();
    if (!areas) { return; }
    const shades = ["#cfe8ff", "#9ccaf5", "#5fa8e8"];
    areas.features.forEach((feature, i) => {
      const band = L.geoJSON(feature, {
        interactive: false,
        renderer: svg,
        style: { color: "#2e86de", weight: 1, fillColor: shades[Math.min(i, 2)], fillOpacity: 0.35, className: "isochrone" },
      }).addTo(bands);
      if (i === 0 && !fittedOnce) { map.fitBounds(band.getBounds(), { maxZoom: 16, padding: [20, 20] }); fittedOnce = true; }
    });
  }

  function drawResults(result) {
    list.innerHTML = "";
    markers.clearLayers();
    const features = result.features;
    const note = result.properties.estimate_note ? " · " + result.properties.estimate_note : "";
    // The API sends the nearest page of a long list; say how many there are in all.
    const total = result.properties.total || features.length;
    const shown = total > features.length ? interpolate(gettext("%s of %s"), [features.length, total]) : String(total);
    status(shown + " · " + result.properties.profile + note);
    features.forEach((feature, index) => {
      const p = feature.properties;
      const n = index + 1;
      const item = document.createElement("li");
      item.className = "result cat-" + p.category;
      item.dataset.id = p.id;
      item.dataset.minutes = p.minutes;
      item.innerHTML = "<span class=\"rank\">" + n + "</span> <strong>" + escapeHtml(p.name) + "</strong>" +
        "<span class=\"category\"> · " + escapeHtml(p.category) + "</span>" +
        "<p class=\"explanation\">" + escapeHtml(p.explanation) + "</p>" +
        "<button type=\"button\" class=\"route-button\">" + gettext("Route") + "</button>";
      item.querySelector("button").addEventListener("click", () => showRoute(p.id));
      list.appendChild(item);
      const [lon, lat] = feature.geometry.coordinates;
      const marker = L.marker([lat, lon], { icon: numberedIcon(n, p.category), title: p.name, keyboard: true, alt: p.name });
      marker.on("click", () => showRoute(p.id));
      marker.bindTooltip(textContent(n + ". " + p.name + " — " + p.explanation));
      markers.addLayer(marker);
    });
    document.body.dataset.results = String(features.length);
  }

  async function showRoute(id) {
    routeLayer.clearLayers();
    try {
      const query = params();
      const route = await getJSON(config.api + "/route?near=" + query.get("near") + "&to=" + encodeURIComponent(id) + "&age=" + (query.get("age") || ""));
      L.geoJSON(route, { renderer: svg, style: { color: "#d35400", weight: 5, opacity: 0.9, className: "route-line" } }).addTo(routeLayer);
      document.body.dataset.route = id;
    } catch (error) { status(error.message); }
  }

  form.addEventListener("submit", (event) => { event.preventDefault(); search(); });
  form.addEventListener("change", (event) => { if (event.target.id !== "place-search") { search(); } });
})();
