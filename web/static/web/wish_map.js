// The public view of wishes: areas where enough approved wishes agree, on the map and in a list.
(function () {
  "use strict";
  const { config, createMap, status, getJSON, textContent } = Vicino;
  const map = createMap();
  const areas = L.layerGroup().addTo(map);
  const level = document.getElementById("wishes-level");
  const list = document.getElementById("wishes-list");

  function describe(properties) {
    return properties.subjects.map((s) => interpolate(ngettext("%s: %s wish", "%s: %s wishes", s.wishes), [s.label, s.wishes])).join(" · ");
  }

  async function draw() {
    status("…");
    try {
      const data = await getJSON(config.wishesUrl + "?" + new URLSearchParams({ level: level.value }));
      areas.clearLayers();
      list.replaceChildren();
      const top = Math.max(1, ...data.features.map((f) => f.properties.subjects[0].wishes));
      L.geoJSON(data, {
        renderer: Vicino.svg,
        style: (f) => ({ color: "#7d3c98", weight: 1.5, fillColor: "#8e44ad", fillOpacity: 0.2 + 0.5 * (f.properties.subjects[0].wishes / top), className: "wish-area" }),
        onEachFeature: (f, layer) => {
          const box = document.createElement("div");
          const name = document.createElement("strong");
          name.textContent = f.properties.name;
          box.append(name, document.createElement("br"), textContent(describe(f.properties)));
          layer.bindTooltip(box, { sticky: true });
        },
      }).addTo(areas);
      for (const f of data.features) {
        const item = document.createElement("li");
        const name = document.createElement("strong");
        name.textContent = f.properties.name;
        item.append(name, document.createElement("br"), textContent(describe(f.properties)));
        list.append(item);
      }
      status(data.features.length
        ? interpolate(ngettext("%s area where at least %s wishes agree.", "%s areas where at least %s wishes agree.", data.features.length), [data.features.length, data.properties.threshold])
        : interpolate(gettext("No area has %s agreeing wishes yet."), [data.properties.threshold]));
      document.body.dataset.wishAreas = String(data.features.length);
    } catch (error) { status(error.message); }
  }
  level.addEventListener("change", draw);
  draw();
})();
