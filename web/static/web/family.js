// The family page: set a home, choose filters, see reachable opportunities (list + markers + isochrones + route).
// The search lives in the URL (home, age, categories, minutes, mode, day, time), so reload, back and a shared
// link show the same answer; only the newest request may draw (older ones are cancelled).
(function () {
  "use strict";
  const { config, createMap, status, getJSON, numberedIcon, spreadOffsets, escapeHtml, textContent, svg } = Vicino;
  const map = createMap();
  const bands = L.layerGroup().addTo(map);
  const markers = L.layerGroup().addTo(map);
  const routeLayer = L.layerGroup().addTo(map);
  const BUDGETS = [10, 15, 20, 30, 45, 60];
  const MAX_AGE = 17;
  let home = null;
  let homeMarker = null;
  let latest = 0;
  let controller = null;
  const form = document.getElementById("family-form");
  const list = document.getElementById("results");
  const advice = document.getElementById("advice");
  const ageBox = document.getElementById("age");
  const ageMessage = document.getElementById("age-message");
  const labels = config.categoryLabels || {};

  function categoryName(category) { return labels[category] || category; }

  function placeHome(latlng) {
    home = latlng;
    if (homeMarker) { homeMarker.setLatLng(latlng); } else {
      homeMarker = L.circleMarker(latlng, { renderer: svg, radius: 8, color: "#000", weight: 3, fillColor: "#ffd43b", fillOpacity: 1, className: "home-marker" }).addTo(map);
      homeMarker.bindTooltip(gettext("Home"));
    }
    document.body.dataset.home = latlng.lng.toFixed(5) + "," + latlng.lat.toFixed(5);
  }

  function setHome(latlng) { placeHome(latlng); search(true); }

  map.on("click", (event) => setHome(event.latlng));
  document.getElementById("use-centre").addEventListener("click", () => setHome(map.getCenter()));

  // Place search: waits for typing to pause, lists each place once, Enter (or picking a suggestion) sets home.
  const searchBox = document.getElementById("place-search");
  const datalist = document.getElementById("place-results");
  let places = [];
  let placesFor = "";
  let typingTimer = null;

  function uniquePlaces(results) {
    const seen = new Set();
    return results.filter((p) => { const key = p.name.toLowerCase(); if (seen.has(key)) { return false; } seen.add(key); return true; });
  }

  async function lookUp(q) {
    const found = uniquePlaces((await getJSON(config.api + "/search?q=" + encodeURIComponent(q))).results);
    if (searchBox.value.trim() !== q) { return null; }  // the family typed on: this answer is stale
    places = found;
    placesFor = q;
    datalist.innerHTML = places.map((p) => "<option value=\"" + escapeHtml(p.name) + "\">" + escapeHtml(categoryName(p.kind)) + "</option>").join("");
    document.body.dataset.places = String(places.length);
    return places;
  }

  function choose(place) {
    searchBox.value = place.name;
    map.setView([place.lat, place.lon], 15);
    setHome(L.latLng(place.lat, place.lon));
  }

  searchBox.addEventListener("input", () => {
    const q = searchBox.value.trim();
    const exact = places.find((p) => p.name === q);
    if (exact) { choose(exact); return; }
    clearTimeout(typingTimer);
    if (q.length < 2) { return; }
    typingTimer = setTimeout(() => { lookUp(q).catch((error) => status(error.message)); }, 350);
  });
  searchBox.addEventListener("keydown", async (event) => {
    if (event.key !== "Enter") { return; }
    event.preventDefault();
    const q = searchBox.value.trim();
    if (q.length < 2) { status(gettext("Type at least 2 letters of a place.")); return; }
    clearTimeout(typingTimer);
    try {
      const found = placesFor === q ? places : await lookUp(q);
      if (found && found.length) { choose(found[0]); } else if (found) { status(interpolate(gettext("No place matches “%s”."), [q])); }
    } catch (error) { status(error.message); }
  });

  // The state of the search, to and from the URL.
  function formState() {
    const data = new FormData(form);
    const state = new URLSearchParams();
    if (home) { state.set("at", home.lat.toFixed(5) + "," + home.lng.toFixed(5)); }
    state.set("age", data.get("age") || "");
    state.set("minutes", data.get("minutes"));
    state.set("mode", data.get("mode"));
    const categories = data.getAll("category");
    if (categories.length < config.categories.length) { state.set("categories", categories.join(",")); }
    if (data.get("day")) { state.set("day", data.get("day")); state.set("time", data.get("time") || "12:00"); }
    if (data.get("free")) { state.set("free", "1"); }
    if (data.get("voucher")) { state.set("voucher", "1"); }
    if (!data.get("unknown_hours")) { state.set("unknown_hours", "0"); }
    return state;
  }

  function restore(state) {
    if (state.has("age")) { ageBox.value = state.get("age"); }
    if (state.get("minutes")) { form.minutes.value = state.get("minutes"); }
    if (state.get("mode") && !form.mode.querySelector("option[value=\"" + CSS.escape(state.get("mode")) + "\"]").disabled) { form.mode.value = state.get("mode"); }
    const categories = state.has("categories") ? state.get("categories").split(",") : config.categories;
    form.querySelectorAll("input[name=category]").forEach((box) => { box.checked = categories.includes(box.value); });
    form.day.value = state.get("day") || "";
    if (state.get("time")) { form.time.value = state.get("time"); }
    form.free.checked = state.get("free") === "1" && !form.free.disabled;
    form.voucher.checked = state.get("voucher") === "1" && !form.voucher.disabled;
    form.unknown_hours.checked = state.get("unknown_hours") !== "0";
    const at = (state.get("at") || "").split(",").map(Number);
    if (at.length === 2 && at.every(Number.isFinite)) { placeHome(L.latLng(at[0], at[1])); return true; }
    return false;
  }

  function remember(push) {
    const url = location.pathname + "?" + formState().toString();
    if (url === location.pathname + location.search) { return; }
    if (push) { history.pushState(null, "", url); } else { history.replaceState(null, "", url); }
  }

  function ageProblem() {
    const text = ageBox.value.trim();
    if (text === "") { return ""; }
    const age = Number(text);
    if (!Number.isInteger(age) || age < 0 || age > MAX_AGE) {
      return interpolate(gettext("The age must be a whole number from 0 to %s: Vicino is for children and teenagers."), [MAX_AGE]);
    }
    return "";
  }

  function params(minutesOverride) {
    const data = new FormData(form);
    const query = new URLSearchParams();
    query.set("near", home.lng.toFixed(6) + "," + home.lat.toFixed(6));
    query.set("minutes", String(minutesOverride || data.get("minutes")));
    query.set("mode", data.get("mode"));
    if (data.get("age") !== "") { query.set("age", data.get("age")); }
    const categories = data.getAll("category");
    if (categories.length && categories.length < config.categories.length) { query.set("category", categories.join(",")); }
    if (data.get("free")) { query.set("free", "true"); }
    if (data.get("voucher")) { query.set("voucher", "true"); }
    if (data.get("day")) { query.set("open_at", data.get("day") + " " + (data.get("time") || "12:00")); }
    if (!data.get("unknown_hours")) { query.set("unknown_hours", "false"); }
    return query;
  }

  function clearAnswer() {
    list.innerHTML = "";
    markers.clearLayers();
    bands.clearLayers();
    routeLayer.clearLayers();
    advice.hidden = true;
    delete document.body.dataset.results;
  }

  async function search(push) {
    const problem = ageProblem();
    ageMessage.textContent = problem;
    ageBox.setAttribute("aria-invalid", problem ? "true" : "false");
    if (problem) { status(problem); return; }
    if (!home) { status(gettext("First set your home: click the map, search a place, or use the map centre.")); return; }
    remember(push);
    if (!new FormData(form).getAll("category").length) {  // nothing asked for: nothing to ask the server
      ++latest;
      if (controller) { controller.abort(); }
      clearAnswer();
      status(gettext("No category chosen."));
      advice.textContent = gettext("Tick at least one category.");
      advice.hidden = false;
      document.body.dataset.results = "0";
      delete document.body.dataset.busy;
      revealStatus();
      return;
    }
    const ticket = ++latest;
    if (controller) { controller.abort(); }
    controller = new AbortController();
    const signal = controller.signal;
    const query = params();
    document.body.dataset.busy = "1";
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
        getJSON(config.api + "/opportunities?" + query.toString(), { signal }),
        // The bands only illustrate the list: if they fail, the list still stands.
        getJSON(config.api + "/isochrones?" + isoQuery.toString(), { signal }).catch(() => null),
      ]);
      let wider = null;
      if (!result.features.length && minutes < 60) {
        wider = await getJSON(config.api + "/opportunities?" + params(60).toString() + "&limit=200", { signal }).catch(() => null);
      }
      if (ticket !== latest) { return; }  // a newer search started meanwhile: never draw an older answer
      drawBands(areas);
      drawResults(result, wider);
      fitToAnswer();
      revealStatus();
    } catch (error) {
      if (error.name === "AbortError" || ticket !== latest) { return; }
      clearAnswer();
      status(error.status === 400 && /outside/.test(error.message)
        ? interpolate(gettext("This point is outside %s's data: click inside the city."), [config.cityName])
        : error.message);
      document.body.dataset.failed = "1";
    } finally {
      if (ticket === latest) { delete document.body.dataset.busy; }
    }
  }

  function drawBands(areas) {
    bands.clearLayers();
    if (!areas) { return; }
    const shades = ["#cfe8ff", "#9ccaf5", "#5fa8e8"];
    areas.features.forEach((feature, i) => {
      L.geoJSON(feature, {
        interactive: false,
        renderer: svg,
        style: { color: "#2e86de", weight: 1, fillColor: shades[Math.min(i, 2)], fillOpacity: 0.35, className: "isochrone" },
      }).addTo(bands);
    });
  }

  // On a wide screen the form is a scrolling panel: bring the answer's first lines into it (never the window).
  function revealStatus() {
    const panel = document.querySelector(".panel");
    const line = document.getElementById("status");
    if (!panel || panel.scrollHeight <= panel.clientHeight + 1 || getComputedStyle(panel).overflowY === "visible") { return; }
    const top = line.getBoundingClientRect().top - panel.getBoundingClientRect().top;
    if (top < 0 || top > panel.clientHeight - 120) { panel.scrollTop += top - 16; }
  }

  // The view holds home, the areas and every listed place.
  function fitToAnswer() {
    const bounds = L.latLngBounds([home]);
    bands.eachLayer((layer) => bounds.extend(layer.getBounds()));
    markers.eachLayer((marker) => bounds.extend(marker.getLatLng()));
    config.fitted = true;
    map.fitBounds(bounds, { maxZoom: 16, padding: [24, 24], animate: false });
  }

  function howWords(mode) { return mode === "transit" ? gettext("on foot and by public transport") : gettext("on foot"); }

  function ageWords() {
    const age = ageBox.value.trim();
    return age === "" ? gettext("for an adult's walking pace") : interpolate(gettext("for a %s-year-old"), [age]);
  }

  function summary(result) {
    const p = result.properties;
    const total = p.total || result.features.length;
    const words = interpolate(ngettext("%(count)s place within %(minutes)s min %(how)s, %(age)s",
      "%(count)s places within %(minutes)s min %(how)s, %(age)s", total),
    { count: total, minutes: p.minutes, how: howWords(p.mode), age: ageWords() }, true);
    const shown = total > result.features.length ? " " + interpolate(gettext("(the nearest %s shown)"), [result.features.length]) : "";
    const when = p.departure ? " · " + p.departure : "";
    const note = p.estimate_note ? " · " + p.estimate_note : "";
    return words + shown + when + note;
  }

  function activeFilters() {
    const data = new FormData(form);
    const names = [];
    if (data.get("free")) { names.push(gettext("free only")); }
    if (data.get("voucher")) { names.push(gettext("voucher accepted")); }
    if (data.get("day")) { names.push(gettext("opening time")); }
    return names;
  }

  // Why nothing, and what to try: the nearest budget with something in it, and the filters in the way.
  function emptyAdvice(result, wider) {
    const data = new FormData(form);
    const minutes = Number(result.properties.minutes);
    const categories = data.getAll("category");
    const what = categories.length && categories.length < config.categories.length
      ? categories.map(categoryName).join(", ") : gettext("any category");
    const lines = [interpolate(gettext("Nothing within %(minutes)s min for %(what)s."), { minutes, what }, true)];
    if (!categories.length) { lines.push(gettext("Tick at least one category.")); }
    const times = wider ? wider.features.map((f) => f.properties.minutes) : [];
    if (times.length) {
      const budget = BUDGETS.find((b) => b > minutes && b >= times[0]) || 60;
      const within = times.filter((t) => t <= budget).length;
      lines.push(interpolate(ngettext("%(count)s within %(budget)s min: try a longer time.", "%(count)s within %(budget)s min: try a longer time.", within),
        { count: within, budget }, true));
    } else if (activeFilters().length) {
      // The filters may be what empties the answer: say so below, rather than blame the distance.
    } else if (categories.length && result.properties.max_walk_m) {
      // Young children's walks are capped (a 10-year-old: 1 km): an hour would not reach further on foot.
      lines.push(interpolate(gettext("Vicino assumes a %(age)s-year-old walks at most %(km)s km, and there is nothing within that: try public transport, other categories or another home."),
        { age: ageBox.value.trim(), km: (result.properties.max_walk_m / 1000).toLocaleString(config.language) }, true));
    } else if (categories.length) {
      lines.push(gettext("Nothing within an hour either: try other categories or another home."));
    }
    const filters = activeFilters();
    if (filters.length) { lines.push(interpolate(gettext("Or remove a filter: %s."), [filters.join(", ")])); }
    return lines.join(" ");
  }

  function drawResults(result, wider) {
    list.innerHTML = "";
    markers.clearLayers();
    delete document.body.dataset.failed;
    const features = result.features;
    status(summary(result));
    advice.hidden = features.length > 0;
    advice.textContent = features.length ? "" : emptyAdvice(result, wider);
    const shifts = spreadOffsets(features);
    features.forEach((feature, index) => {
      const p = feature.properties;
      const n = index + 1;
      const item = document.createElement("li");
      item.className = "result cat-" + p.category;
      item.dataset.id = p.id;
      item.dataset.minutes = p.minutes;
      item.dataset.way = p.way || "walk";
      if (p.hours_known === false) { item.dataset.hoursUnknown = "1"; }
      item.innerHTML = "<span class=\"rank\">" + n + "</span> <strong class=\"name\"></strong>" +
        "<span class=\"category\"> · " + escapeHtml(categoryName(p.category)) + "</span>" +
        "<p class=\"explanation\">" + escapeHtml(p.explanation) + "</p>";
      item.querySelector(".name").textContent = p.name;
      const byTransit = p.way === "transit";
      const button = document.createElement("button");
      button.type = "button";
      button.className = "route-button";
      button.textContent = gettext("Route");
      button.setAttribute("aria-label", interpolate(byTransit ? gettext("Route by public transport to %s") : gettext("Walking route to %s"), [p.name]));
      button.addEventListener("click", () => (byTransit ? showTransitRoute(p.id, item) : showRoute(p.id)));
      item.appendChild(button);
      list.appendChild(item);
      const [lon, lat] = feature.geometry.coordinates;
      const marker = L.marker([lat, lon], { icon: numberedIcon(n, p.category, shifts[index]), title: p.name, keyboard: true, alt: p.name });
      marker.on("click", () => (p.way === "transit" ? showTransitRoute(p.id, item) : showRoute(p.id)));
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

  // Walk, ride, walk: the legs drawn (walks dashed, the ride solid) and listed under the place with line and times.
  async function showTransitRoute(id, item) {
    routeLayer.clearLayers();
    list.querySelectorAll(".legs").forEach((legs) => legs.remove());
    try {
      const query = params();
      const url = config.api + "/transit-route?near=" + query.get("near") + "&to=" + encodeURIComponent(id) +
        "&age=" + (query.get("age") || "") + (query.get("open_at") ? "&open_at=" + encodeURIComponent(query.get("open_at")) : "");
      const route = await getJSON(url);
      route.features.forEach((leg) => {
        const ride = leg.properties.kind === "ride";
        L.geoJSON(leg, { renderer: svg, style: { color: ride ? "#6c3483" : "#d35400", weight: ride ? 6 : 4, opacity: 0.9, dashArray: ride ? null : "6 6", className: "route-line route-" + leg.properties.kind } }).addTo(routeLayer);
      });
      const legs = document.createElement("ol");
      legs.className = "legs";
      route.features.forEach((leg) => {
        const line = document.createElement("li");
        line.className = "leg leg-" + leg.properties.kind;
        // A ride's label has its own times; a walk gets its start.
        line.textContent = (leg.properties.kind === "walk" && leg.properties.start ? leg.properties.start + " · " : "") + leg.properties.label;
        legs.appendChild(line);
      });
      item.appendChild(legs);
      document.body.dataset.route = id;
    } catch (error) { status(error.message); }
  }

  form.addEventListener("submit", (event) => { event.preventDefault(); search(true); });
  form.addEventListener("change", (event) => { if (event.target.id !== "place-search") { search(true); } });
  window.addEventListener("popstate", () => {
    if (restore(new URLSearchParams(location.search))) { search(false); } else { clearAnswer(); status(""); }
  });
  if (restore(new URLSearchParams(location.search))) {
    map.setView(home, 15);
    config.fitted = true;
    search(false);
  }
})();
