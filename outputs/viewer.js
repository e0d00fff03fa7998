/* medimg-kg viewer: draws the graph embedded in #kg-data with vis-network.
 *
 * Safety rule: nothing from the data ever becomes markup. Text goes in with textContent or is
 * drawn on the canvas; links are built as elements and only for http(s) addresses.
 */
(function () {
  "use strict";

  const data = JSON.parse(document.getElementById("kg-data").textContent);
  const meta = data.meta;
  const types = new Map(data.types.map((t) => [t.id, t]));
  const byId = new Map(data.nodes.map((n) => [n.id, n]));
  const hiddenTypes = new Set();
  const dimmed = new Set();
  const FADED = "rgba(200,200,200,0.35)";
  const big = data.nodes.length > meta.large;

  const container = document.getElementById("kg-graph");
  const card = document.getElementById("kg-card");
  const search = document.getElementById("kg-search");
  const suggestions = document.getElementById("kg-suggestions");
  const stats = document.getElementById("kg-stats");

  // --- data sets and views ---------------------------------------------------------------

  function shortLabel(text) {
    return text.length > 42 ? text.slice(0, 41) + "\u2026" : text;
  }

  // Colours live in one group per type (and a faded twin for highlighting), not on every
  // node: per-node option objects made building 5,000 nodes several times slower.
  const groups = {};
  for (const t of data.types) {
    groups[t.id] = {
      color: { background: t.color, border: "rgba(0,0,0,0.35)",
        highlight: { background: t.color, border: "#111" }, hover: { background: t.color, border: "#111" } },
    };
    groups[t.id + "-faded"] = {
      color: { background: FADED, border: FADED, highlight: { background: t.color, border: "#111" },
        hover: { background: t.color, border: "#111" } },
      font: { color: "rgba(60,60,60,0.3)" },
    };
  }

  const nodes = new vis.DataSet(data.nodes.map((n) => ({
    id: n.id,
    label: shortLabel(n.label),
    x: n.x,
    y: n.y,
    size: Math.min(8 + 4 * Math.sqrt(n.degree), 60),
    group: n.type,
    kgType: n.type,
  })));
  const proposes = data.relations.indexOf("proposes");
  const edgeItem = (e, i) => (
    e[2] === proposes ? { id: i, from: e[0], to: e[1], dashes: true } : { id: i, from: e[0], to: e[1] }
  );
  // vis-network spends ~50 us on each edge it creates. Large graphs get their first frame
  // with the first batch, then the rest arrives in small batches between frames, so the page
  // answers input while edges fill in instead of freezing for a second or more.
  const EDGE_BATCH = 2000;
  const firstEdges = big ? EDGE_BATCH : data.edges.length;
  const edges = new vis.DataSet(data.edges.slice(0, firstEdges).map(edgeItem));
  // Type checkboxes filter views, so hidden nodes leave and come back where they were,
  // and the network (and its physics, if any) never sees a half-removed graph.
  const nodeView = new vis.DataView(nodes, { filter: (n) => !hiddenTypes.has(n.kgType) });
  const edgeView = new vis.DataView(edges, {
    filter: (e) => !hiddenTypes.has(byId.get(e.from).type) && !hiddenTypes.has(byId.get(e.to).type),
  });

  const options = {
    autoResize: true,
    groups: groups,
    layout: { improvedLayout: false, randomSeed: 7 },
    physics: meta.physics
      ? { enabled: true, solver: "forceAtlas2Based", stabilization: { enabled: true, iterations: 150, fit: true } }
      : { enabled: false },
    nodes: {
      shape: "dot",
      borderWidth: 1,
      font: { size: 14, face: "system-ui, sans-serif", color: "#1f2328" },
      scaling: { label: { drawThreshold: 7 } },
    },
    edges: {
      smooth: false,
      width: big ? 0.5 : 1,
      selectionWidth: 1.5,
      color: { color: "rgba(110,119,129,0.35)", highlight: "#24292f", hover: "#57606a" },
    },
    interaction: {
      hover: true,
      hideEdgesOnDrag: big,
      hideEdgesOnZoom: big,
      keyboard: false,
      multiselect: false,
    },
  };
  const network = new vis.Network(container, { nodes: nodeView, edges: edgeView }, options);

  const viewer = {
    ready: false,
    readyAt: null,
    complete: false,
    completeAt: null,
    stable: !meta.physics,
    network: network,
    nodes: nodes,
    nodeView: nodeView,
    edgeView: edgeView,
    focused: null,
    drawnNodeCount: () => network.body.nodeIndices.length,
    drawnEdgeCount: () => network.body.edgeIndices.length,
    focusNode: focusNode,
    setTypeVisible: setTypeVisible,
    findNode: findNode,
    labelled: [],
  };
  window.kgViewer = viewer;

  network.once("afterDrawing", () => {
    viewer.ready = true;
    viewer.readyAt = performance.now();
    document.body.dataset.ready = "true";
    setTimeout(addMoreEdges, 0);
  });

  let edgesAdded = firstEdges;
  function addMoreEdges() {
    if (edgesAdded >= data.edges.length) {
      viewer.complete = true;
      viewer.completeAt = performance.now();
      document.body.dataset.complete = "true";
      showStats();
      return;
    }
    const end = Math.min(edgesAdded + EDGE_BATCH, data.edges.length);
    edges.add(data.edges.slice(edgesAdded, end).map((e, i) => edgeItem(e, edgesAdded + i)));
    edgesAdded = end;
    showStats();
    setTimeout(addMoreEdges, 0);
  }
  if (meta.physics) {
    // Settle once, then hold still: a moving picture is hard to read.
    network.once("stabilizationIterationsDone", () => {
      network.setOptions({ physics: { enabled: false } });
      viewer.stable = true;
    });
  }

  // --- labels of the most connected nodes ----------------------------------------------

  // Zoomed out, vis-network draws no labels (they would be unreadably small). The most
  // connected nodes get theirs anyway, at a fixed size on screen, from the first frame on;
  // a label that would overlap one already drawn is left out.
  const LABELLED = 30;
  const labelFont = 12;
  const drawThreshold = options.nodes.scaling.label.drawThreshold;
  const ranked = data.nodes.slice().sort((a, b) => b.degree - a.degree || a.id - b.id);

  network.on("afterDrawing", (ctx) => {
    const scale = network.getScale();
    const drawn = [];
    if (options.nodes.font.size * scale < drawThreshold) {
      const boxes = [];
      ctx.save();
      ctx.font = labelFont / scale + "px system-ui, sans-serif";
      ctx.textAlign = "center";
      ctx.textBaseline = "top";
      ctx.lineJoin = "round";
      ctx.lineWidth = 3 / scale;
      ctx.strokeStyle = "rgba(255,255,255,0.9)";
      ctx.fillStyle = "#1f2328";
      for (const n of ranked) {
        if (drawn.length >= LABELLED) break;
        if (hiddenTypes.has(n.type) || dimmed.has(n.id)) continue;
        const body = network.body.nodes[n.id];
        if (!body) continue;
        const text = shortLabel(n.label);
        const width = ctx.measureText(text).width;
        const top = body.y + body.options.size + 2 / scale;
        const box = [body.x - width / 2, top, body.x + width / 2, top + (labelFont + 2) / scale];
        if (boxes.some((b) => box[0] < b[2] && b[0] < box[2] && box[1] < b[3] && b[1] < box[3])) continue;
        boxes.push(box);
        ctx.strokeText(text, body.x, top);
        ctx.fillText(text, body.x, top);
        drawn.push(n.id);
      }
      ctx.restore();
    }
    viewer.labelled = drawn;
  });

  // --- focus from the address: graph.html#focus=NAME[&type=TYPE] ---------------------------

  // The node a name stands for: its IRI, or a label or alias (any case), of `type` when given
  // and such a node exists; the most connected wins.
  function findNode(name, type) {
    const wanted = String(name).trim().toLowerCase();
    const matching = (n) => n.iri === name || n.label.toLowerCase() === wanted ||
      (n.aliases || []).some((a) => a.toLowerCase() === wanted);
    let found = data.nodes.filter((n) => matching(n) && (!type || n.type === type));
    if (!found.length && type) found = data.nodes.filter(matching);
    found.sort((a, b) => b.degree - a.degree || a.id - b.id);
    return found.length ? found[0].id : null;
  }

  function focusFromAddress() {
    const params = new URLSearchParams(window.location.hash.replace(/^#/, ""));
    const name = params.get("focus");
    if (!name) return;
    const id = findNode(name, params.get("type"));
    if (id === null) {
      stats.textContent = "No node named \u201c" + name + "\u201d in this graph";
      return;
    }
    focusNode(id);
  }

  // Focus once the layout has settled and every edge is in, so nothing moves the view or
  // overwrites the status line afterwards.
  function whenSettled(callback) {
    if (viewer.stable && viewer.complete) {
      callback();
      return;
    }
    setTimeout(() => whenSettled(callback), 50);
  }
  whenSettled(focusFromAddress);
  window.addEventListener("hashchange", focusFromAddress);

  // --- neighbourhood highlight ---------------------------------------------------------

  function highlight(id) {
    const keep = new Set([id].concat(network.getConnectedNodes(id)));
    const updates = [];
    for (const n of data.nodes) {
      const fade = !keep.has(n.id);
      if (fade !== dimmed.has(n.id)) {
        updates.push({ id: n.id, group: fade ? n.type + "-faded" : n.type });
        if (fade) dimmed.add(n.id); else dimmed.delete(n.id);
      }
    }
    if (updates.length) nodes.update(updates);
  }

  function clearHighlight() {
    if (!dimmed.size) return;
    nodes.update(Array.from(dimmed, (id) => ({ id: id, group: byId.get(id).type })));
    dimmed.clear();
  }

  // --- hover and pinned cards ----------------------------------------------------------

  let pinned = null;
  let hideTimer = null;

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }

  function safeUrl(address) {
    try {
      const url = new URL(address);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
    } catch (err) {
      return null;
    }
  }

  function link(text, address) {
    const href = safeUrl(address);
    if (!href) return el("span", text);
    const a = el("a", text);
    a.href = href;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    return a;
  }

  function fillCard(n, closable) {
    const info = types.get(n.type);
    const parts = [];
    if (closable) {
      const close = el("button", "\u00d7", "kg-close");
      close.type = "button";
      close.setAttribute("aria-label", "Close");
      close.addEventListener("click", () => { unpin(); clearHighlight(); network.unselectAll(); });
      parts.push(close);
    }
    const badge = el("span", info.singular, "kg-badge");
    badge.style.background = info.color;
    parts.push(badge, el("h3", n.label));
    const dl = el("dl");
    const row = (name, value) => {
      if (value === undefined || value === null || value === "") return;
      dl.append(el("dt", name));
      const dd = el("dd");
      if (value instanceof Node) dd.append(value); else dd.textContent = String(value);
      dl.append(dd);
    };
    if (n.type === "paper") {
      row("Date", n.date);
      const authors = n.authors || [];
      if (authors.length) {
        const more = authors.length > 10 ? " and " + (authors.length - 10) + " more" : "";
        row("Authors", authors.slice(0, 10).join(", ") + more);
      }
      const links = el("span");
      for (const [name, address] of n.links || []) links.append(link(name, address));
      if (links.childNodes.length) row("Links", links);
      const code = el("span");
      for (const address of n.code || []) code.append(link(address.replace(/^https?:\/\//, ""), address));
      if (code.childNodes.length) row("Code", code);
    } else {
      row("Papers", n.papers);
      if (n.aliases && n.aliases.length) row("Also", n.aliases.slice(0, 8).join(", "));
      if (n.notation) row("DICOM", n.notation);
    }
    row("Shown links", n.degree);
    parts.push(dl, el("div", n.iri, "kg-iri"));
    card.replaceChildren(...parts);
  }

  function placeCard(domX, domY) {
    const box = container.getBoundingClientRect();
    card.hidden = false;
    const width = card.offsetWidth;
    const height = card.offsetHeight;
    let left = box.left + domX + 16;
    let top = box.top + domY + 16;
    if (left + width > window.innerWidth - 8) left = Math.max(8, box.left + domX - width - 16);
    if (top + height > window.innerHeight - 8) top = Math.max(8, window.innerHeight - height - 8);
    card.style.left = left + "px";
    card.style.top = top + "px";
  }

  function hideSoon() {
    clearTimeout(hideTimer);
    hideTimer = setTimeout(() => { if (pinned === null) card.hidden = true; }, 300);
  }

  function pin(id) {
    pinned = id;
    fillCard(byId.get(id), true);
  }

  function unpin() {
    pinned = null;
    card.hidden = true;
  }

  network.on("hoverNode", (params) => {
    if (pinned !== null) return;
    clearTimeout(hideTimer);
    fillCard(byId.get(params.node), false);
    placeCard(params.pointer.DOM.x, params.pointer.DOM.y);
  });
  network.on("blurNode", () => { if (pinned === null) hideSoon(); });
  card.addEventListener("mouseenter", () => clearTimeout(hideTimer));
  card.addEventListener("mouseleave", () => { if (pinned === null) hideSoon(); });

  network.on("click", (params) => {
    if (params.nodes.length) {
      const id = params.nodes[0];
      highlight(id);
      pin(id);
      placeCard(params.pointer.DOM.x, params.pointer.DOM.y);
    } else if (!params.edges.length) {
      unpin();
      clearHighlight();
    }
  });
  network.on("dragStart", () => { if (pinned === null) card.hidden = true; });

  // --- search --------------------------------------------------------------------------

  const searchIndex = data.nodes.map((n) => ({
    id: n.id,
    keys: [n.label].concat(n.aliases || []).map((k) => k.toLowerCase()),
  }));

  function matches(query, limit) {
    const q = query.trim().toLowerCase();
    if (!q) return [];
    const found = [];
    for (const entry of searchIndex) {
      let rank = 9;
      for (const key of entry.keys) {
        if (key === q) rank = 0;
        else if (rank > 1 && key.startsWith(q)) rank = 1;
        else if (rank > 2 && key.includes(q)) rank = 2;
      }
      if (rank < 9) found.push([rank, -byId.get(entry.id).degree, entry.id]);
    }
    found.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
    return found.slice(0, limit).map((f) => f[2]);
  }

  function showSuggestions() {
    const ids = matches(search.value, 12);
    const items = ids.map((id) => {
      const n = byId.get(id);
      const button = el("button");
      button.type = "button";
      button.setAttribute("role", "option");
      const swatch = el("span", null, "kg-swatch");
      swatch.style.background = types.get(n.type).color;
      button.append(swatch, el("span", n.label, "kg-name"), el("span", types.get(n.type).singular, "kg-kind"));
      button.addEventListener("click", () => focusNode(id));
      const li = el("li");
      li.append(button);
      return li;
    });
    suggestions.replaceChildren(...items);
    suggestions.hidden = items.length === 0;
  }

  function focusNode(id) {
    const n = byId.get(id);
    if (!n) return false;
    if (hiddenTypes.has(n.type)) setTypeVisible(n.type, true);
    suggestions.hidden = true;
    network.selectNodes([id]);
    highlight(id);
    pin(id);
    network.focus(id, {
      scale: Math.max(network.getScale(), 1.2),
      animation: { duration: 400, easingFunction: "easeInOutQuad" },
    });
    // The focus animation ends with the node in the middle; the card goes beside it.
    placeCard(container.clientWidth / 2, container.clientHeight / 2);
    viewer.focused = id;
    stats.textContent = "Found: " + n.label;
    return true;
  }

  search.addEventListener("input", showSuggestions);
  search.addEventListener("focus", showSuggestions);
  search.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      const first = matches(search.value, 1)[0];
      if (first !== undefined) focusNode(first);
      else stats.textContent = "No node matches \u201c" + search.value.trim() + "\u201d";
    } else if (event.key === "Escape") {
      suggestions.hidden = true;
    } else if (event.key === "ArrowDown" && !suggestions.hidden) {
      event.preventDefault();
      const first = suggestions.querySelector("button");
      if (first) first.focus();
    }
  });
  suggestions.addEventListener("keydown", (event) => {
    const current = document.activeElement.closest("li");
    if (!current) return;
    if (event.key === "ArrowDown" && current.nextElementSibling) {
      event.preventDefault();
      current.nextElementSibling.querySelector("button").focus();
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      (current.previousElementSibling ? current.previousElementSibling.querySelector("button") : search).focus();
    } else if (event.key === "Escape") {
      suggestions.hidden = true;
      search.focus();
    }
  });
  document.addEventListener("click", (event) => {
    if (!event.target.closest("#kg-search-box")) suggestions.hidden = true;
  });

  // --- type checkboxes -----------------------------------------------------------------

  const checkboxes = new Map();

  function keepPositions() {
    // Nodes may have been dragged or settled by physics; hiding and showing keeps those places.
    const positions = network.getPositions();
    const moved = [];
    for (const key of Object.keys(positions)) {
      const n = byId.get(Number(key));
      const p = positions[key];
      if (Math.abs(n.x - p.x) > 0.5 || Math.abs(n.y - p.y) > 0.5) {
        n.x = p.x;
        n.y = p.y;
        moved.push({ id: n.id, x: p.x, y: p.y });
      }
    }
    if (moved.length) nodes.update(moved);
  }

  function setTypeVisible(type, visible) {
    if (!types.has(type) || visible === !hiddenTypes.has(type)) return;
    keepPositions();
    if (visible) hiddenTypes.delete(type); else hiddenTypes.add(type);
    const box = checkboxes.get(type);
    if (box) box.checked = visible;
    nodeView.refresh();
    edgeView.refresh();
    if (pinned !== null && hiddenTypes.has(byId.get(pinned).type)) {
      unpin();
      clearHighlight();
    } else if (pinned !== null) {
      highlight(pinned);
    }
    showStats();
  }

  const counts = new Map();
  for (const n of data.nodes) counts.set(n.type, (counts.get(n.type) || 0) + 1);
  const legend = document.getElementById("kg-types");
  for (const t of data.types) {
    if (!counts.get(t.id)) continue;
    const box = el("input");
    box.type = "checkbox";
    box.checked = true;
    box.dataset.type = t.id;
    box.addEventListener("change", () => setTypeVisible(t.id, box.checked));
    checkboxes.set(t.id, box);
    const swatch = el("span", null, "kg-swatch");
    swatch.style.background = t.color;
    const label = el("label");
    label.append(box, swatch, el("span", t.plural), el("span", counts.get(t.id).toLocaleString("en"), "kg-count"));
    const li = el("li");
    li.append(label);
    legend.append(li);
  }

  function showStats() {
    const loading = edgesAdded < data.edges.length ? " (loading)" : "";
    stats.textContent = nodeView.length.toLocaleString("en") + " nodes \u00b7 " +
      edgeView.length.toLocaleString("en") + " edges shown" + loading;
  }
  showStats();

  document.getElementById("kg-fit").addEventListener("click", () => network.fit({ animation: false }));
})();
