// The planner page: areas coloured by an indicator, with a legend, numbers on hover, gaps and equity.
(function () {
  "use strict";
  const { config, createMap, status, getJSON, escapeHtml, textContent, svg } = Vicino;
  const map = createMap();
  const areas = L.layerGroup().addTo(map);
  const controls = ["level", "category", "indicator", "profile", "mode"].map((id) => document.getElementById(id));
  const COLOURS = ["#f7fbff", "#c6dbef", "#6baed6", "#2171b5", "#08306b"];
  const LOWER_IS_BETTER = new Set(["nearest_1"]);
  let showing = "access"; // what the map shows: the access indicator above, or the pillar index below

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
  const AGE_DATA = config.ageData !== false;
  // Who is counted: children and teenagers, or (where the city has no age data) every resident.
  const PEOPLE = AGE_DATA ? gettext("youth 0–17") : gettext("residents (no age data)");
  const categoryName = (c) => (config.categoryLabels || {})[c] || c;
  // "–" means no value: no layer computed for these choices, or nobody lives in the area.
  function fmt(v) {
    if (v === null || v === undefined || Number.isNaN(v)) { return "–"; }
    return Math.abs(v) < 10 && !Number.isInteger(v)
      ? Number(v).toLocaleString(config.language, { minimumFractionDigits: 2, maximumFractionDigits: 2 })
      : Math.round(v).toLocaleString(config.language);
  }
  function whole(v) { return v === null || v === undefined ? "–" : Math.round(v).toLocaleString(config.language); }
  function percent(v) { return v === null || v === undefined ? "–" : Math.round(v * 100) + "%"; }
  const SHARE_INDICATORS = new Set(["youth_share_15", "youth_share_10"]);
  const WHOLE_INDICATORS = new Set(["within_15", "within_10"]);
  function valueText(indicator, v) {
    if (SHARE_INDICATORS.has(indicator)) { return percent(v); }
    if (WHOLE_INDICATORS.has(indicator)) { return whole(v); }
    if (indicator === "nearest_1") { return v === null || v === undefined ? "–" : Math.round(v) + " min"; }
    return fmt(v);
  }
  // An indicator in words: "sport places within 15 min", "share of youth within 15 min of a sport place".
  function indicatorWords(category, indicator) {
    const what = categoryName(category);
    const words = {
      within_15: gettext("%s places within 15 min"),
      within_10: gettext("%s places within 10 min"),
      nearest_1: gettext("minutes to the nearest %s place"),
      gravity: gettext("gravity access to %s places (nearer places count more)"),
      "2sfca": gettext("%s places per 1,000 young people who share them (2SFCA)"),
      youth_share_15: AGE_DATA ? gettext("share of youth within 15 min of a %s place") : gettext("share of residents within 15 min of a %s place"),
      youth_share_10: AGE_DATA ? gettext("share of youth within 10 min of a %s place") : gettext("share of residents within 10 min of a %s place"),
    }[indicator];
    return words ? interpolate(words, [what]) : category + "_" + indicator;
  }

  async function draw() {
    const [level, category, indicator, profile, mode] = controls.map((c) => c.value);
    status("…");
    try {
      const data = await getJSON(config.api + "/neighbourhoods?" + new URLSearchParams({ level, mode, profile }));
      const column = category + "_" + indicator;
      if (showing !== "access") { return; }
      const values = data.features.map((f) => f.properties[column] ?? null);
      const breaks = WHOLE_INDICATORS.has(indicator) ? Array.from(new Set(classBreaks(values).map(Math.round))) : classBreaks(values);
      const reverse = LOWER_IS_BETTER.has(indicator);
      const title = indicatorWords(category, indicator);
      areas.clearLayers();
      L.geoJSON(data, {
        renderer: svg,
        style: (f) => ({ color: "#34495e", weight: 0.6, fillOpacity: 0.75, fillColor: colourFor(f.properties[column], breaks, reverse), className: "area" }),
        onEachFeature: (f, layer) => {
          const p = f.properties;
          const people = AGE_DATA ? p.youth_0_17 : p.population;
          layer.bindTooltip("<strong>" + escapeHtml(p.name) + "</strong><br>" + escapeHtml(title) + ": " + escapeHtml(valueText(indicator, p[column])) + "<br>" + escapeHtml(PEOPLE) + ": " + escapeHtml(whole(people)), { sticky: true });
        },
      }).addTo(areas);
      drawLegend(title, indicator, breaks, reverse);
      const download = document.getElementById("download-map");
      if (download) { download.href = download.href.split("?")[0] + "?" + new URLSearchParams({ level, mode, profile, indicator: column }); }
      drawGaps((data.properties.gaps || {})[category] || [], category);
      drawEquity(data.properties.summary, category);
      status(interpolate(ngettext("%s area", "%s areas", data.features.length), [data.features.length]) + " · " + (data.properties.layer ? title : gettext("no layer computed yet for these choices")) + (data.properties.method === "straight_line" ? " · " + gettext("times are estimated from distance: real walks may be longer") : ""));
      document.body.dataset.areas = String(data.features.length);
    } catch (error) { status(error.message); }
  }

  function drawLegend(title, indicator, breaks, reverse) {
    const legend = document.getElementById("legend");
    const show = (v) => valueText(indicator, v);
    const items = COLOURS.map((c, i) => {
      const colour = reverse ? COLOURS[COLOURS.length - 1 - i] : c;
      let label;
      const isWhole = WHOLE_INDICATORS.has(indicator);
      if (!breaks.length) {
        label = null;
      } else if (i === 0) {
        label = isWhole && breaks[0] === 0 ? show(0) : interpolate(gettext("up to %s"), [show(breaks[0])]);
      } else if (i < breaks.length) {
        const low = isWhole ? breaks[i - 1] + 1 : breaks[i - 1];
        label = isWhole && low === breaks[i] ? show(low) : show(low) + " – " + show(breaks[i]);
      } else if (i === breaks.length) {
        label = interpolate(gettext("more than %s"), [show(breaks[breaks.length - 1])]);
      } else { label = null; }
      return label === null ? "" : "<li><span class=\"swatch\" style=\"background:" + colour + "\"></span>" + escapeHtml(label) + "</li>";
    });
    legend.innerHTML = "<h2>" + escapeHtml(title) + "</h2><ul>" + items.join("") + "<li><span class=\"swatch\" style=\"background:#d5d8dc\"></span>" + gettext("– no data (no layer for these choices, or nobody lives there)") + "</li></ul>";
  }

  // The gap table comes computed from the server (the mission ranking's computation): the page only shows it.
  function drawGaps(rows, category) {
    document.querySelector("#gaps tbody").innerHTML = rows.length ? rows.map((r, i) =>
      "<tr><td>" + (i + 1) + "</td><td>" + escapeHtml(r.name) + "</td><td>" + whole(r.people) + "</td><td>" + percent(r.access_share) + "</td><td>" + whole(r.without_access) + "</td></tr>").join("")
      : "<tr><td colspan=\"5\">" + escapeHtml(interpolate(gettext("No gap table for %s: no share within 15 min is computed for these areas yet."), [categoryName(category)])) + "</td></tr>";
  }

  function drawEquity(summary, category) {
    const equity = (summary && summary.equity) || {};
    const coverage = (summary && summary.coverage_city) || {};
    const within = equity[category + "_within_15"] || {};
    const what = categoryName(category);
    const entries = [
      [interpolate(gettext("Gini (%s places within 15 min)"), [what]), fmt(within.gini),
        gettext("Gini index: 0 = everyone reaches as many places as everyone else, 1 = one area has them all. Lower is fairer.")],
      [interpolate(gettext("Palma ratio (%s places within 15 min)"), [what]), fmt(within.palma),
        gettext("Palma ratio: all the places the best-served 10% of people reach, divided by all those the worst-served 40% reach. 0.25 = even (each person reaches as many); higher = less fair.")],
      [AGE_DATA ? gettext("Share of youth within 10 min") : gettext("Share of residents within 10 min"), percent(coverage[category + "_youth_share_10"]), ""],
      [AGE_DATA ? gettext("Share of youth within 15 min") : gettext("Share of residents within 15 min"), percent(coverage[category + "_youth_share_15"]), ""],
    ];
    document.getElementById("equity").innerHTML = entries.map(([k, v, help]) =>
      "<dt>" + (help ? "<abbr title=\"" + escapeHtml(help) + "\" tabindex=\"0\">" + escapeHtml(k) + "</abbr>" : escapeHtml(k)) + "</dt><dd" + (v === "–" ? " title=\"" + escapeHtml(gettext("– no value: not computed for these choices, or (Palma) the worst-served 40% reach none, and a ratio cannot divide by zero")) + "\"" : "") + ">" + escapeHtml(v) + "</dd>").join("");
  }

  // Chosen hub sites of the scenario(s) shown, in their own pane above every area layer: A filled, B as rings.
  map.createPane("hubs");
  map.getPane("hubs").style.zIndex = 650;
  const hubRenderer = L.svg({ pane: "hubs" });
  const hubLayer = L.layerGroup().addTo(map);
  (config.scenarios || []).forEach((scenario, k) => {
    scenario.sites.forEach((site) => {
      L.circleMarker([site.lat, site.lon], {
        pane: "hubs", renderer: hubRenderer, radius: site.fixed ? 6 : 9, weight: 3, color: k === 0 ? "#b03a2e" : "#6c3483",
        fillColor: k === 0 ? "#f5b041" : "#ffffff", fillOpacity: k === 0 ? 0.95 : 0.2, className: "hub-site",
      }).bindTooltip(textContent("#" + scenario.id + " · " + site.name + (site.fixed ? " (" + gettext("fixed") + ")" : ""))).addTo(hubLayer);
    });
  });
  if ((config.scenarios || []).length) {
    const hubLegend = L.control({ position: "bottomleft" });
    hubLegend.onAdd = () => {
      const box = L.DomUtil.create("div", "hub-legend");
      box.innerHTML = (config.scenarios || []).map((scenario, k) =>
        "<div><span class=\"hub-key hub-key-" + k + "\" aria-hidden=\"true\"></span>" + escapeHtml(interpolate(gettext("hub sites of scenario #%s"), [scenario.id])) + "</div>").join("");
      return box;
    };
    hubLegend.addTo(map);
  }


  // The pillar index: a choropleth of the composite, one pillar or a context indicator per NIL, and the table of
  // the worst-served NIL with each pillar's score (0-100) and the rank range of the uncertainty analysis.
  const pillarAreas = L.layerGroup().addTo(map);
  const pillarView = document.getElementById("pillar-view");
  const pillarProfile = document.getElementById("pillar-profile");
  const pillarMode = document.getElementById("pillar-mode");
  const PILLAR_COLOURS = ["#a50f15", "#de2d26", "#fb6a4a", "#fcae91", "#fee5d9"]; // worst → best
  const labels = config.pillarLabels || {};
  const THIN_DATA = 10; // fewer opportunities carrying a pillar than this: too few to compare areas by
  let pillarData = null;
  let zones = null;

  const REASONS = {
    "no opportunity carries this pillar": gettext("no opportunity carries this pillar"),
    "the same value everywhere: it cannot rank anyone": gettext("the same value everywhere: it cannot rank anyone"),
    "weight 0 in the weights file": gettext("weight 0 in the weights file"),
  };
  function pct(v) { return v === null || v === undefined ? "–" : String(Math.round(v * 100)); }
  function scoreColour(v) {
    if (v === null || v === undefined) { return "#d5d8dc"; }
    return PILLAR_COLOURS[Math.min(4, Math.floor(v * 5))];
  }
  function contextLabel(c) { return c.indicator.replace(/_/g, " "); }

  async function loadPillars() {
    if (!pillarView) { return; }
    const profile = pillarProfile.value;
    const query = new URLSearchParams({ mode: pillarMode.value, profile });
    document.getElementById("pillar-status").textContent = "…";
    try {
      pillarData = await getJSON(config.api + "/pillars?" + query);
      document.getElementById("pillar-csv").href = config.api + "/pillars?" + query + "&origins=" + pillarData.origins + "&format=csv";
      if (!zones && (config.zoneLevels || []).includes(pillarData.origins)) {
        zones = await getJSON(config.api + "/neighbourhoods?" + new URLSearchParams({ level: pillarData.origins, mode: "walk", profile }));
      }
      fillContextOptions(pillarData.parameters.context || []);
      drawPillarTable();
      document.getElementById("pillar-status").textContent = "";
      document.body.dataset.pillars = String(pillarData.rows.length);
    } catch (error) {
      document.getElementById("pillar-status").textContent = error.message;
    }
  }

  function fillContextOptions(context) {
    const group = document.getElementById("pillar-context-options");
    if (group.children.length) { return; }
    group.innerHTML = context.map((c) => "<option value=\"context_" + escapeHtml(c.indicator) + "\">" + escapeHtml(contextLabel(c)) + " (" + escapeHtml(labels[c.pillar] || c.pillar) + ")</option>").join("");
  }

  function drawPillarTable() {
    const params = pillarData.parameters;
    const used = new Set(params.pillars_used || []);
    const pillars = pillarData.pillars;
    const counts = params.opportunities_per_pillar || {};
    const thin = new Set(pillars.filter((p) => used.has(p) && counts[p] !== undefined && counts[p] < THIN_DATA));
    const head = ["<th scope=\"col\">" + gettext("Rank") + "<br><small>" + gettext("range") + "</small></th>",
      "<th scope=\"col\" class=\"name\">" + gettext("Area") + "<br><small>" + escapeHtml(PEOPLE) + "</small></th>",
      "<th scope=\"col\"><abbr title=\"" + gettext("Composite (all pillars)") + "\">" + gettext("All") + "</abbr></th>"]
      .concat(pillars.map((p) => "<th scope=\"col\" class=\"pillar\"><span>" + escapeHtml(labels[p] || p) + (thin.has(p) ? " *" : "") + "</span></th>"));
    document.getElementById("pillar-head").innerHTML = head.join("");
    // Areas where no child lives cannot be "worst served"; among tied ranks, more children first.
    const ranked = pillarData.rows.filter((r) => !(r.youth_0_17 === 0))
      .sort((a, b) => a.rank - b.rank || (b.youth_0_17 || 0) - (a.youth_0_17 || 0));
    const rows = ranked.slice(0, 15).map((r) => {
      const scores = pillars.filter((p) => used.has(p) && !thin.has(p)).map((p) => r[p + "_score"]);
      const weakest = Math.min(...scores.filter((v) => v !== null && v !== undefined));
      const cells = pillars.map((p) => {
        if (!used.has(p)) { return "<td class=\"score\" title=\"" + escapeHtml(params.excluded[p] || "") + "\">–</td>"; }
        const v = r[p + "_score"];
        if (thin.has(p)) { return "<td class=\"score thin\" title=\"" + escapeHtml(interpolate(gettext("%s: too few opportunities in the data to compare areas"), [labels[p] || p])) + "\">" + pct(v) + "</td>"; }
        const dark = v !== null && v < 0.4;
        const cls = "score" + (v === weakest ? " weakest" : "");
        return "<td class=\"" + cls + "\" style=\"background:" + scoreColour(v) + (dark ? ";color:#fff" : "") + "\" title=\"" +
          escapeHtml((labels[p] || p) + ": " + pct(v) + " · " + interpolate(gettext("rank %s of %s"), [r[p + "_rank"], pillarData.rows.length])) + "\">" + pct(v) + "</td>";
      });
      return "<tr><td><strong>" + r.rank + "</strong><br><small class=\"range\">" + r.rank_p5 + "–" + r.rank_p95 + "</small></td><td class=\"name\">" +
        escapeHtml(r.name) + "<br><small>" + whole(r.youth_0_17) + "</small></td><td class=\"score\">" + pct(r.composite) + "</td>" + cells.join("") + "</tr>";
    });
    document.querySelector("#pillar-table tbody").innerHTML = rows.join("");
    const notes = [];
    const empty = pillarData.rows.length - ranked.length;
    if (empty > 0) { notes.push(interpolate(gettext("%s areas where no child lives are ranked but not listed."), [empty])); }
    Object.entries(params.excluded || {}).forEach(([p, reason]) => {
      notes.push(interpolate(gettext("%s is not in the composite: %s."), [labels[p] || p, REASONS[reason] || reason]));
    });
    Object.entries(params.opportunities_per_pillar || {}).forEach(([p, n]) => {
      if (n > 0 && n < THIN_DATA) { notes.push(interpolate(gettext("* %s: only %s opportunities in the data carry this pillar, so its scores (grey) show where those few happen to be, not a lack of service; it still counts in the composite with its weight."), [labels[p] || p, n])); }
    });
    const inComposite = (params.context || []).filter((c) => c.in_composite).map(contextLabel);
    notes.push(inComposite.length ? interpolate(gettext("Context indicators in the composite: %s."), [inComposite.join(", ")])
      : gettext("Context indicators (crowding, education, unemployment, foreign residents, green, doctors) are shown beside the index, never mixed into it."));
    document.getElementById("pillar-notes").textContent = notes.join(" ");
  }

  function drawPillarMap() {
    if (!pillarData || !zones) { return; }
    const view = pillarView.value;
    const byCode = Object.fromEntries(pillarData.rows.map((r) => [r.origin_id, r]));
    let valueOf;
    let legendTitle;
    let labelsFor;
    if (view.startsWith("context_")) {
      const meta = (pillarData.parameters.context || []).find((c) => "context_" + c.indicator === view) || {};
      const values = pillarData.rows.map((r) => r[view]).filter((v) => v !== null && v !== undefined).sort((a, b) => a - b);
      const worse = meta.direction === "higher_is_worse";
      // Colour by the NIL's position among all NIL (quintiles), darkest = the worse-off end.
      valueOf = (r) => {
        const v = r[view];
        if (v === null || v === undefined || !values.length) { return null; }
        const position = values.filter((x) => x < v).length / Math.max(1, values.length - 1);
        return worse ? 1 - position : position;
      };
      legendTitle = contextLabel(meta) + " — " + (meta.source || "");
      labelsFor = (r) => fmt(r[view]);
    } else {
      const column = view === "composite" ? "composite" : view + "_score";
      const n = pillarData.rows.length;
      // The composite is coloured by its rank among the areas (fifths), as the pillar scores already are.
      valueOf = view === "composite" ? (r) => (n > 1 ? (r.rank - 1) / (n - 1) : null) : (r) => r[column];
      legendTitle = view === "composite" ? gettext("Composite (all pillars)") : (labels[view] || view);
      labelsFor = (r) => pct(r[column]) + (view === "composite" ? " · " + interpolate(gettext("rank %s (range %s–%s)"), [r.rank, r.rank_p5, r.rank_p95]) : "");
    }
    areas.clearLayers();
    pillarAreas.clearLayers();
    L.geoJSON(zones, {
      renderer: svg,
      style: (f) => {
        const r = byCode[f.properties.code];
        return { color: "#34495e", weight: 0.6, fillOpacity: 0.8, fillColor: scoreColour(r ? valueOf(r) : null), className: "pillar-area" };
      },
      onEachFeature: (f, layer) => {
        const r = byCode[f.properties.code];
        layer.bindTooltip("<strong>" + escapeHtml(f.properties.name) + "</strong><br>" + escapeHtml(legendTitle) + ": " + escapeHtml(r ? labelsFor(r) : "–"), { sticky: true });
      },
    }).addTo(pillarAreas);
    const steps = [gettext("the worst-served fifth"), gettext("second fifth"), gettext("middle fifth"), gettext("fourth fifth"), gettext("the best-served fifth")];
    const items = PILLAR_COLOURS.map((c, i) => "<li><span class=\"swatch\" style=\"background:" + c + "\"></span>" +
      escapeHtml(steps[i]) + (view.startsWith("context_") || view === "composite" ? "" : " (" + (i * 20) + "–" + (i * 20 + 20) + ")") + "</li>");
    const legend = document.getElementById("pillar-legend");
    legend.innerHTML = "<h2>" + escapeHtml(legendTitle) + "</h2><ul>" + items.join("") + "</ul>" +
      (view.startsWith("context_") ? "<p class=\"hint\">" + gettext("Position among the neighbourhoods (0 = the worse-off end); hover for the value.") + "</p>" : "");
    document.getElementById("legend").innerHTML = "";
    status(gettext("Map: pillar index") + " · " + legendTitle);
    document.body.dataset.pillarMap = view;
  }

  if (pillarView) {
    pillarView.addEventListener("change", () => { showing = "pillars"; drawPillarMap(); });
    [pillarProfile, pillarMode].forEach((c) => c.addEventListener("change", async () => { showing = "pillars"; await loadPillars(); drawPillarMap(); }));
    loadPillars();
  }

  // After "Find sites" the page opens at its result (#result names no element, so the browser does not jump the
  // whole window): the panel scrolls to the comparison table, and the table takes the focus.
  const result = document.getElementById("scenario-table");
  if (result && location.hash === "#result") {
    const panel = result.closest(".panel");
    if (panel && panel.scrollHeight > panel.clientHeight + 1 && getComputedStyle(panel).overflowY !== "visible") {
      panel.scrollTop = result.getBoundingClientRect().top - panel.getBoundingClientRect().top + panel.scrollTop - 8;
      window.scrollTo(0, 0);
    } else {
      result.scrollIntoView({ block: "start" });
    }
    result.focus({ preventScroll: true });
    document.body.dataset.scrolledTo = "scenario-table";
  }

  // Wishes beside the gaps: areas where enough approved wishes agree, outlined above whatever the map shows.
  const wishLayer = L.layerGroup();
  const wishToggle = document.getElementById("show-wishes");
  async function drawWishes() {
    const wishStatus = document.getElementById("wishes-status");
    wishLayer.clearLayers();
    if (!wishToggle.checked) {
      map.removeLayer(wishLayer);
      wishStatus.textContent = "";
      document.getElementById("wishes-areas").replaceChildren();
      delete document.body.dataset.wishAreas;
      return;
    }
    wishLayer.addTo(map);
    try {
      const data = await getJSON(config.wishesUrl + "?level=zone");
      // Outlines only (the areas' own tooltips stay under them); what each area wishes for is listed in words.
      L.geoJSON(data, {
        renderer: svg,
        interactive: false,
        style: { color: "#7d3c98", weight: 3, dashArray: "6 4", fill: false, className: "wish-area" },
      }).addTo(wishLayer);
      const wishList = document.getElementById("wishes-areas");
      wishList.replaceChildren();
      for (const f of data.features) {
        const item = document.createElement("li");
        const name = document.createElement("strong");
        name.textContent = f.properties.name;
        const subjects = f.properties.subjects.map((s) => interpolate(ngettext("%s: %s wish", "%s: %s wishes", s.wishes), [s.label, s.wishes])).join(" · ");
        item.append(name, " — ", textContent(subjects));
        wishList.append(item);
      }
      wishStatus.textContent = interpolate(ngettext("%s area with agreeing wishes.", "%s areas with agreeing wishes.", data.features.length), [data.features.length]);
      document.body.dataset.wishAreas = String(data.features.length);
    } catch (error) { wishStatus.textContent = error.message; }
  }
  if (wishToggle) { wishToggle.addEventListener("change", drawWishes); }

  controls.forEach((c) => c.addEventListener("change", () => { showing = "access"; pillarAreas.clearLayers(); document.getElementById("pillar-legend").innerHTML = ""; draw(); }));
  draw();
})();
