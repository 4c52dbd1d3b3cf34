// The school page: what a school's pupils reach after school, as a list, a map and a CSV download.
(function () {
  "use strict";
  const { config, createMap, status, getJSON, numberedIcon, spreadOffsets, escapeHtml, textContent, svg } = Vicino;
  const map = createMap();
  const markers = L.layerGroup().addTo(map);
  const schoolLayer = L.layerGroup().addTo(map);
  const form = document.getElementById("school-form");
  const select = document.getElementById("school");
  const list = document.getElementById("results");
  const csvLink = document.getElementById("csv-link");

  const LEVELS = {
    kindergarten: gettext("Kindergarten"),
    primary: gettext("Primary school"),
    lower_secondary: gettext("Lower secondary school"),
    upper_secondary: gettext("Upper secondary school"),
  };
  const MANAGEMENT = { state: gettext("state"), paritaria: gettext("paritaria"), private: gettext("private") };

  // "Name — Primary school, state · NIL" so that two schools of one name can be told apart.
  function schoolLabel(p) {
    const about = [LEVELS[p.level] || p.level, MANAGEMENT[p.management]].filter(Boolean).join(", ");
    return [p.name, [about, p.nil].filter(Boolean).join(" · ")].filter(Boolean).join(" — ");
  }

  getJSON(config.api + "/schools/").then((schools) => {
    const groups = {};
    schools.features.forEach((f) => { (groups[f.properties.level || ""] = groups[f.properties.level || ""] || []).push(f); });
    const order = Object.keys(LEVELS).concat(Object.keys(groups).filter((k) => !(k in LEVELS)));
    select.innerHTML = order.filter((level) => groups[level]).map((level) => {
      const options = groups[level].map((f) => "<option value=\"" + escapeHtml(f.properties.code || String(f.properties.id)) + "\">" + escapeHtml(schoolLabel(f.properties)) + "</option>").join("");
      return level in LEVELS ? "<optgroup label=\"" + escapeHtml(LEVELS[level]) + "\">" + options + "</optgroup>" : options;
    }).join("");
    schools.features.forEach((f) => {
      const [lon, lat] = f.geometry.coordinates;
      L.circleMarker([lat, lon], { renderer: svg, radius: 4, color: "#34495e", weight: 1, fillOpacity: 0.6, className: "school-site", code: f.properties.code || String(f.properties.id) }).bindTooltip(textContent(schoolLabel(f.properties))).addTo(schoolLayer);
    });
    document.body.dataset.schools = String(schools.features.length);
  }).catch((error) => status(error.message));

  async function show() {
    if (!select.value) { return; }
    const data = new FormData(form);
    const query = new URLSearchParams();
    ["minutes", "mode", "age", "day", "after"].forEach((k) => { if (data.get(k)) { query.set(k, data.get(k)); } });
    if (data.get("category")) { query.set("category", data.get("category")); }
    const base = config.api + "/schools/" + encodeURIComponent(select.value) + "/reachable?" + query.toString();
    status("…");
    csvLink.hidden = true;
    try {
      const result = await getJSON(base);
      list.innerHTML = "";
      markers.clearLayers();
      const school = result.properties.school;
      const shifts = spreadOffsets(result.features);
      result.features.forEach((feature, index) => {
        const p = feature.properties;
        const item = document.createElement("li");
        item.className = "result cat-" + p.category;
        item.dataset.minutes = p.minutes;
        item.dataset.id = p.id;
        item.innerHTML = "<span class=\"rank\">" + (index + 1) + "</span> <strong>" + escapeHtml(p.name) + "</strong><p class=\"explanation\">" + escapeHtml(p.explanation) + "</p>";
        list.appendChild(item);
        const [lon, lat] = feature.geometry.coordinates;
        markers.addLayer(L.marker([lat, lon], { icon: numberedIcon(index + 1, p.category, shifts[index]), title: p.name }));
      });
      // zoom to the school and what its pupils reach, so the numbered markers can be told apart
      const chosen = schoolLayer.getLayers().find((layer) => layer.options.code === select.value);
      const bounds = L.latLngBounds(result.features.map((f) => [f.geometry.coordinates[1], f.geometry.coordinates[0]]));
      schoolLayer.eachLayer((layer) => layer.setStyle({ radius: 4, color: "#34495e", weight: 1, fillOpacity: 0.6 }));
      if (chosen) {
        chosen.setStyle({ radius: 9, color: "#c0392b", weight: 3, fillOpacity: 0.9 }).bringToFront();
        bounds.extend(chosen.getLatLng());
      }
      if (bounds.isValid()) { map.fitBounds(bounds.pad(0.15), { maxZoom: 16, animate: false }); }
      const total = result.properties.total || result.features.length;
      const shown = total > result.features.length ? interpolate(gettext("%s of %s"), [result.features.length, total]) : String(total);
      const note = result.properties.estimate_note ? " · " + result.properties.estimate_note : "";
      const words = interpolate(ngettext("%(count)s place within %(minutes)s min", "%(count)s places within %(minutes)s min", total),
        { count: shown, minutes: result.properties.minutes }, true);
      status(school.name + ": " + (result.features.length ? words : gettext("nothing within reach with these choices: try a longer time or all categories")) + note);
      csvLink.href = base + "&format=csv";
      csvLink.hidden = result.features.length === 0;  // a CSV only when there is something to put in it
      document.body.dataset.results = String(result.features.length);
    } catch (error) {
      list.innerHTML = "";
      markers.clearLayers();
      status(error.message);
    }
  }

  // Choosing a school shows it at once (before its answer).
  select.addEventListener("change", () => {
    const chosen = schoolLayer.getLayers().find((layer) => layer.options.code === select.value);
    if (chosen) { map.setView(chosen.getLatLng(), 15, { animate: false }); document.body.dataset.zoomedTo = select.value; }
  });

  form.addEventListener("submit", (event) => { event.preventDefault(); show(); });
})();
