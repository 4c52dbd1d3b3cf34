// The school page: what a school's pupils reach after school, as a list, a map and a CSV download.
(function () {
  "use strict";
  const { config, createMap, status, getJSON, numberedIcon, escapeHtml } = Vicino;
  const map = createMap();
  const markers = L.layerGroup().addTo(map);
  const schoolLayer = L.layerGroup().addTo(map);
  const form = document.getElementById("school-form");
  const select = document.getElementById("school");
  const list = document.getElementById("results");
  const csvLink = document.getElementById("csv-link");

  getJSON(config.api + "/schools/").then((schools) => {
    select.innerHTML = schools.features.map((f) => "<option value=\"" + f.properties.id + "\">" + escapeHtml(f.properties.name) + "</option>").join("");
    schools.features.forEach((f) => {
      const [lon, lat] = f.geometry.coordinates;
      L.circleMarker([lat, lon], { radius: 4, color: "#34495e", weight: 1, fillOpacity: 0.6 }).bindTooltip(f.properties.name).addTo(schoolLayer);
    });
    document.body.dataset.schools = String(schools.features.length);
  }).catch((error) => status(error.message));

  async function show() {
    if (!select.value) { return; }
    const data = new FormData(form);
    const query = new URLSearchParams();
    ["minutes", "mode", "age", "day", "after"].forEach((k) => { if (data.get(k)) { query.set(k, data.get(k)); } });
    if (data.get("category")) { query.set("category", data.get("category")); }
    const base = config.api + "/schools/" + select.value + "/reachable?" + query.toString();
    status("…");
    try {
      const result = await getJSON(base);
      list.innerHTML = "";
      markers.clearLayers();
      const school = result.properties.school;
      result.features.forEach((feature, index) => {
        const p = feature.properties;
        const item = document.createElement("li");
        item.className = "result cat-" + p.category;
        item.dataset.minutes = p.minutes;
        item.innerHTML = "<span class=\"rank\">" + (index + 1) + "</span> <strong>" + escapeHtml(p.name) + "</strong><p class=\"explanation\">" + escapeHtml(p.explanation) + "</p>";
        list.appendChild(item);
        const [lon, lat] = feature.geometry.coordinates;
        markers.addLayer(L.marker([lat, lon], { icon: numberedIcon(index + 1, p.category), title: p.name }));
      });
      const note = result.properties.estimate_note ? " · " + result.properties.estimate_note : "";
      status(escapeHtml(school.name) + ": " + result.features.length + note);
      csvLink.href = base + "&format=csv";
      csvLink.hidden = false;
      document.body.dataset.results = String(result.features.length);
    } catch (error) { status(error.message); }
  }

  form.addEventListener("submit", (event) => { event.preventDefault(); show(); });
})();
