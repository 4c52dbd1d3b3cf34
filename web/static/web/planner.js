// The planner page: areas coloured by an indicator, with a legend, numbers on hover, gaps and equity.
(function () {
  "use strict";
  const { config, createMap, status, getJSON, escapeHtml, textContent, svg } = Vicino;
  const map = createMap();
  const areas = L.layerGroup().addTo(map);
  const controls = ["level", "category", "indicator", "profile", "mode"].map((id) => document.getElementById(id));
  const COLOURS = ["#f7fbff", "#c6dbef", "#6baed6", "#2171b5", "#08306b"];
  const LOWER_IS_BETTER = new Set(["nearest_1"]);

  function classBreaks(values) {
    const sorted = values.filter((v) => v !== null && !Number.isNaN(v)).sort((a, b) => a - b);
    if (!sorted.length) { return []; }
    const quantiles = [0.2, 0.4, 0.6, 0.8].map((q) => sorted[Math.floor(q * (sorted.length - 1))]);
    const distinct = Array.from(new Set(quantiles));
    if (distinct.length === quantiles.length) { return quantiles; }
    // Many equal values (often zeros): equal steps between the smallest and largest value instead.
    const low = sorted[0];
    const high = sorted[sorted.length - 1];
    return high > low ? [1, 2, 3, 4].map((k) => low + (k * (high - low)) / 5) : [low];
  }
  function colourFor(value, breaks, reverse) {
    if (value === null || value === undefined) { return "#d5d8dc"; }
    let k = breaks.filter((b) => value > b).length;
    if (reverse) { k = COLOURS.length - 1 - k; }
    return COLOURS[k];
  }
  function fmt(v) { return v === null || v === undefined ? "–" : (Math.abs(v) < 10 ? Number(v).toFixed(2) : Math.round(v).toLocaleString()); }

  async function draw() {
    const [level, category, indicator, profile, mode] = controls.map((c) => c.value);
    status("…");
    try {
      const data = await getJSON(config.api + "/neighbourhoods?" + new URLSearchParams({ level, mode, profile }));
      const column = category + "_" + indicator;
      const values = data.features.map((f) => f.properties[column] ?? null);
      const breaks = classBreaks(values);
      const reverse = LOWER_IS_BETTER.has(indicator);
      areas.clearLayers();
      L.geoJSON(data, {
        renderer: svg,
        style: (f) => ({ color: "#34495e", weight: 0.6, fillOpacity: 0.75, fillColor: colourFor(f.properties[column], breaks, reverse), className: "area" }),
        onEachFeature: (f, layer) => {
          const p = f.properties;
          layer.bindTooltip("<strong>" + escapeHtml(p.name) + "</strong><br>" + escapeHtml(column) + ": " + fmt(p[column]) + "<br>0–17: " + fmt(p.youth_0_17), { sticky: true });
        },
      }).addTo(areas);
      hubLayer.eachLayer((hub) => hub.bringToFront());  // hub sites stay above the areas, to be hovered and read
      drawLegend(column, breaks, reverse, data.properties);
      drawGaps(data.features, category, column);
      drawEquity(data.properties.summary, category);
      status(data.features.length + " · " + (data.properties.layer || gettext("no layer computed yet")) + (data.properties.estimate_note ? " · " + data.properties.estimate_note : ""));
      document.body.dataset.areas = String(data.features.length);
    } catch (error) { status(error.message); }
  }

  function drawLegend(column, breaks, reverse, properties) {
    const legend = document.getElementById("legend");
    const edges = ["min"].concat(breaks.map(fmt));
    const items = COLOURS.map((c, i) => {
      const colour = reverse ? COLOURS[COLOURS.length - 1 - i] : c;
      const label = i < breaks.length ? edges[i] + " – " + fmt(breaks[i]) : "> " + fmt(breaks[breaks.length - 1]);
      return "<li><span class=\"swatch\" style=\"background:" + colour + "\"></span>" + escapeHtml(label) + "</li>";
    });
    legend.innerHTML = "<h2>" + escapeHtml(column) + "</h2><ul>" + items.join("") + "<li><span class=\"swatch\" style=\"background:#d5d8dc\"></span>" + gettext("no data") + "</li></ul>";
  }

  function drawGaps(features, category, column) {
    const share = category + "_youth_share_15";
    const rows = features.map((f) => {
      const p = f.properties;
      const covered = p[share] ?? (p[category + "_within_15"] > 0 ? 1 : 0);
      return { name: p.name, youth: p.youth_0_17 || 0, value: p[column], need: (p.youth_0_17 || 0) * (1 - covered) };
    }).sort((a, b) => b.need - a.need).slice(0, 10);
    document.querySelector("#gaps tbody").innerHTML = rows.map((r, i) =>
      "<tr><td>" + (i + 1) + "</td><td>" + escapeHtml(r.name) + "</td><td>" + fmt(r.youth) + "</td><td>" + fmt(r.value) + "</td><td>" + fmt(r.need) + "</td></tr>").join("");
  }

  function drawEquity(summary, category) {
    const equity = (summary && summary.equity) || {};
    const coverage = (summary && summary.coverage_city) || {};
    const entries = [
      [interpolate(gettext("Gini (%s within 15 min)"), [category]), equity[category + "_within_15"] && equity[category + "_within_15"].gini],
      [interpolate(gettext("Palma ratio (%s within 15 min)"), [category]), equity[category + "_within_15"] && equity[category + "_within_15"].palma],
      [gettext("Share of youth within 10 min"), coverage[category + "_youth_share_10"]],
      [gettext("Share of youth within 15 min"), coverage[category + "_youth_share_15"]],
    ];
    document.getElementById("equity").innerHTML = entries.map(([k, v]) => "<dt>" + escapeHtml(k) + "</dt><dd>" + fmt(v) + "</dd>").join("");
  }

  // Chosen hub sites of the scenario(s) shown: A as filled squares, B as rings.
  const hubLayer = L.layerGroup().addTo(map);
  (config.scenarios || []).forEach((scenario, k) => {
    scenario.sites.forEach((site) => {
      L.circleMarker([site.lat, site.lon], {
        renderer: svg, radius: site.fixed ? 6 : 9, weight: 3, color: k === 0 ? "#b03a2e" : "#6c3483",
        fillColor: k === 0 ? "#f5b041" : "#ffffff", fillOpacity: k === 0 ? 0.95 : 0.2, className: "hub-site",
      }).bindTooltip(textContent("#" + scenario.id + " · " + site.name + (site.fixed ? " (" + gettext("fixed") + ")" : ""))).addTo(hubLayer);
    });
  });

  controls.forEach((c) => c.addEventListener("change", draw));
  draw();
})();
