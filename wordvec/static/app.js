// The wordvec explorer page: asks the JSON API under api/ and draws the answers.
// The state (focus word, neighbour count, analogy and similarity questions, and with two models the
// comparison's min_count and skip_frequent) lives in the URL.
"use strict";

const SVG = "http://www.w3.org/2000/svg";  // the SVG namespace name, not an address that is fetched
const MAP = { width: 640, height: 440, padding: 44 };
const $ = (id) => document.getElementById(id);

/** GET an API answer; a 4xx answer becomes an Error carrying the JSON body. */
async function api(name, params) {
  const url = new URL(`api/${name}`, document.baseURI);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  const response = await fetch(url);
  const body = await response.json();
  if (!response.ok) throw Object.assign(new Error(body.error), { body });
  return body;
}

function element(tag, properties = {}, ...children) {
  const node = Object.assign(document.createElement(tag), properties);
  node.append(...children);
  return node;
}

/** What joins the words of a phrase in the model's vocabulary (new_york), if it was built with phrases. */
let phraseDelimiter = null;

/** A word as the page shows it: a phrase's words apart ("new york"); queries take either spelling. */
function labelOf(word) {
  return phraseDelimiter && word.includes(phraseDelimiter) ? word.split(phraseDelimiter).join(" ") : word;
}

function wordButton(word, className = "word") {
  const button = element("button", { type: "button", className, textContent: labelOf(word) });
  button.addEventListener("click", () => explore(word));
  return button;
}

/** Show an error in a message box; an unknown word gets the vocabulary's close spellings as buttons. */
function showError(box, error) {
  const body = error.body || { error: String(error.message || error) };
  box.replaceChildren();
  if (body.suggestions !== undefined) {
    box.append(element("span", { textContent: `“${body.word}” is not in the vocabulary` }));
    if (body.suggestions.length) {
      box.append("; did you mean: ");
      body.suggestions.forEach((word, number) => box.append(number ? ", " : "", wordButton(word, "suggestion")));
      box.append("?");
    } else {
      box.append(".");
    }
  } else {
    box.append(body.error);
  }
  box.hidden = false;
}

function hide(box) {
  box.hidden = true;
  box.replaceChildren();
}

/** A ranked list of (word, similarity) with a bar for each score. */
function renderRanking(list, entries) {
  list.replaceChildren(...entries.map(({ word, similarity }) => {
    const bar = element("span", { className: "bar" });
    bar.style.width = `${Math.max(0, Math.min(1, similarity)) * 100}%`;
    return element("li", {}, wordButton(word), element("span", { className: "score", textContent: similarity.toFixed(3) }),
      element("span", { className: "track" }, bar));
  }));
}

function svgNode(tag, attributes = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  return node;
}

/** Draw the PCA map: the focus word in the middle of its neighbours, each neighbour a link. */
function renderMap(words, similarities) {
  const svg = $("map");
  svg.replaceChildren();
  const xs = words.map((w) => w.x), ys = words.map((w) => w.y);
  const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const { width, height, padding } = MAP;
  const scaleX = (x) => padding + ((x - minX) / (maxX - minX || 1)) * (width - 2 * padding);
  const scaleY = (y) => height - padding - ((y - minY) / (maxY - minY || 1)) * (height - 2 * padding);

  svg.append(
    svgNode("line", { x1: padding / 2, y1: height - padding / 2, x2: width - padding / 2, y2: height - padding / 2, class: "axis" }),
    svgNode("line", { x1: padding / 2, y1: padding / 2, x2: padding / 2, y2: height - padding / 2, class: "axis" }),
  );
  const axisLabel = (text, attributes) => Object.assign(svgNode("text", { class: "axis-label", ...attributes }), { textContent: text });
  // In the margin, where no point is drawn.
  svg.append(axisLabel("1st component", { x: width - padding / 2, y: height - 6, "text-anchor": "end" }),
    axisLabel("2nd component", { x: padding / 2, y: padding / 2 - 8 }));

  const focus = words.find((w) => w.query);
  const edges = svgNode("g", { class: "edges" });
  const points = svgNode("g", { class: "points" });
  for (const entry of words) {
    const x = scaleX(entry.x), y = scaleY(entry.y);
    if (!entry.query && focus) {
      const edge = svgNode("line", { x1: scaleX(focus.x), y1: scaleY(focus.y), x2: x, y2: y });
      edge.style.strokeOpacity = 0.15 + 0.6 * Math.max(0, similarities.get(entry.word) ?? 0);
      edges.append(edge);
    }
    const point = svgNode("g", { class: entry.query ? "point query" : "point", tabindex: entry.query ? -1 : 0, role: "link",
      "data-word": entry.word });
    const rightSide = x > width - 140;
    const label = svgNode("text", { x: rightSide ? x - 10 : x + 10, y: y + 4, "text-anchor": rightSide ? "end" : "start" });
    label.textContent = labelOf(entry.word);
    point.append(svgNode("circle", { cx: x, cy: y, r: entry.query ? 7 : 5 }), label);
    if (!entry.query) {
      point.append(Object.assign(svgNode("title"), { textContent: `${labelOf(entry.word)}: ${(similarities.get(entry.word) ?? 0).toFixed(3)}` }));
      point.addEventListener("click", () => explore(entry.word));
      point.addEventListener("keydown", (event) => { if (event.key === "Enter") explore(entry.word); });
    }
    points.append(point);
  }
  svg.append(edges, points);
  separateLabels([...points.querySelectorAll("text")]);
}

/** Move each label that would overlap an earlier one up or down by a line, to the nearest free place (as `wordvec plot` does). */
function separateLabels(labels) {
  const overlap = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
  const placed = [];
  for (const label of labels) {
    const box = label.getBBox();
    const at = (lines) => ({ x: box.x, y: box.y + lines * box.height, width: box.width, height: box.height });
    // No free place near: it stays where it was.
    const lines = [0, 1, -1, 2, -2, 3, -3].find((n) => !placed.some((other) => overlap(at(n), other))) ?? 0;
    label.setAttribute("y", Number(label.getAttribute("y")) + lines * box.height);
    placed.push(at(lines));
  }
}

// -- state in the URL ----------------------------------------------------------------

function urlState() {
  return new URLSearchParams(location.search);
}

function setUrl(changes, { push = false } = {}) {
  const params = urlState();
  for (const [key, value] of Object.entries(changes)) {
    if (value === "" || value === undefined) params.delete(key); else params.set(key, value);
  }
  const url = `${location.pathname}?${params}`;
  if (push) history.pushState(null, "", url); else history.replaceState(null, "", url);
}

function neighbourCount() {
  return $("topn").value || "10";
}

// -- the focus word: neighbours and map ------------------------------------------------

let shown = 0;  // numbers the requests, so a slow old answer never replaces a newer one

async function show(word) {
  const request = ++shown;
  const topn = neighbourCount();
  $("q").value = word;
  try {
    const [nearest, map] = await Promise.all([api("nearest", { word, topn }), api("map", { word, topn })]);
    if (request !== shown) return;
    hide($("message"));
    document.title = `${labelOf(nearest.word)} · wordvec explorer`;
    $("focus-word").textContent = nearest.in_vocabulary === false
      ? `${nearest.word} (not in the vocabulary: composed from ${nearest.ngrams} character n-grams)`
      : labelOf(nearest.word);
    renderRanking($("neighbours"), nearest.neighbours);
    renderMap(map.words, new Map(nearest.neighbours.map((n) => [n.word, n.similarity])));
    showSideBySide(word, request);
  } catch (error) {
    if (request !== shown) return;
    showError($("message"), error);
    $("focus-word").textContent = "…";
    $("neighbours").replaceChildren();
    $("map").replaceChildren();
  }
}

/** Move the focus to ``word``: a new entry in the browser's history, then the new view. */
function explore(word) {
  // k: the count's old name, which a link made before it was topn may still carry.
  setUrl({ q: word.trim(), topn: neighbourCount() === "10" ? "" : neighbourCount(), k: "" }, { push: true });
  return show(word.trim());
}

// -- two models: side by side, and the words that differ most ---------------------------

let compared = null;  // the second model's name, when the server compares two

async function showSideBySide(word, request) {
  if (!compared) return;
  try {
    const sides = await api("side_by_side", { word, topn: neighbourCount() });
    if (request !== shown) return;
    hide($("compare-message"));
    for (const side of ["a", "b"]) {
      const entry = sides[side];
      const list = $(`side-${side}`);
      if (entry.error) {
        list.replaceChildren(element("li", { className: "absent", textContent: "not in this model's vocabulary" }));
        continue;
      }
      renderRanking(list, entry.neighbours);
      const onlyHere = new Set(side === "a" ? sides.lost : sides.gained);
      [...list.children].forEach((item, number) => item.classList.toggle("only-here", onlyHere.has(entry.neighbours[number].word)));
    }
  } catch (error) {
    if (request !== shown) return;
    showError($("compare-message"), error);
    $("side-a").replaceChildren();
    $("side-b").replaceChildren();
  }
}

async function showChanged() {
  // The frequency floor and the most frequent words left out: the library's defaults, unless the address sets them.
  const params = { topn: 20 };
  for (const name of ["min_count", "skip_frequent"]) if (urlState().get(name)) params[name] = urlState().get(name);
  const changed = await api("changed", params);
  $("changed-note").textContent = changed.adjustment === "none"
    ? `By the ${changed.measure} score of ${changed.compared} words, not against sampling noise (models built without --keep-corpus).`
    : `By the ${changed.measure} score over its split-half noise (${changed.adjustment}), of ${changed.compared} words.`;
  $("changed").replaceChildren(...changed.words.map((entry) => element("li", {}, wordButton(entry.word),
    element("span", { className: "score", textContent: (entry.adjusted ?? entry.score).toFixed(2) }))));
}

// -- analogy and similarity ------------------------------------------------------------

async function solveAnalogy() {
  const question = { a: $("a").value.trim(), b: $("b").value.trim(), c: $("c").value.trim(), method: $("method").value };
  setUrl(question);
  try {
    const result = await api("analogy", { ...question, topn: neighbourCount() });
    hide($("analogy-message"));
    renderRanking($("answers"), result.answers);
  } catch (error) {
    showError($("analogy-message"), error);
    $("answers").replaceChildren();
  }
}

async function compare() {
  const pair = { word1: $("word1").value.trim(), word2: $("word2").value.trim() };
  setUrl(pair);
  const result = $("similarity-result");
  try {
    const { word1, word2, similarity } = await api("similarity", pair);
    hide($("similarity-message"));
    const bar = element("span", { className: "bar" });
    bar.style.width = `${Math.max(0, Math.min(1, similarity)) * 100}%`;
    result.replaceChildren(wordButton(word1), " and ", wordButton(word2), ": ",
      element("strong", { className: "score", textContent: similarity.toFixed(3) }), element("span", { className: "track" }, bar));
  } catch (error) {
    showError($("similarity-message"), error);
    result.replaceChildren();
  }
}

// -- model metadata ----------------------------------------------------------------------

async function showInfo() {
  const info = await api("info", {});
  const number = (value) => Number(value).toLocaleString("en-US");
  const stats = info.stats || {};
  phraseDelimiter = info.params && info.params.phrases && stats.phrases ? stats.phrases.delimiter : null;
  const rows = [
    ["model", info.model || "(unnamed)"],
    ["vocabulary", `${number(info.vocab_size)} words × ${info.dim} dims`],
  ];
  if (stats.tokens !== undefined) rows.push(["corpus", `${number(stats.tokens)} tokens, ${number(stats.lines)} lines`]);
  const params = Object.entries(info.params || {}).sort(([a], [b]) => a.localeCompare(b));
  if (params.length) rows.push(["parameters", params.map(([key, value]) => `${key}=${value}`).join(", ")]);
  $("info").replaceChildren(...rows.flatMap(([term, value]) => [element("dt", { textContent: term }), element("dd", { textContent: value })]));
  $("summary").textContent = [info.model, `${number(info.vocab_size)} words × ${info.dim} dims`,
    stats.tokens !== undefined ? `${number(stats.tokens)} tokens` : ""].filter(Boolean).join(" · ");
  if (info.compared_with) {
    compared = info.compared_with;
    $("compare-card").hidden = false;
    $("other-name").textContent = compared;
    $("side-a-title").textContent = `in ${info.model}`;
    $("side-b-title").textContent = `in ${compared}`;
    $("summary").textContent += ` · compared with ${compared}`;
    const word = urlState().get("q");
    if (word) showSideBySide(word, shown);
    showChanged().catch((error) => showError($("compare-message"), error));
  }
}

// -- completion from the vocabulary --------------------------------------------------------

let completing;

function complete(event) {
  clearTimeout(completing);
  const prefix = event.target.value.trim();
  completing = setTimeout(async () => {
    if (!prefix) return;
    const { words } = await api("complete", { prefix, topn: 10 });
    $("completions").replaceChildren(...words.map((word) => element("option", { value: labelOf(word) })));
  }, 120);
}

// -- wiring --------------------------------------------------------------------------------

/** Show what the URL says: the focus word, and the analogy and similarity questions if any. */
function restore() {
  const params = urlState();
  const topn = params.get("topn") || params.get("k");  // k: the old name, in links made before
  if (topn) $("topn").value = topn;
  for (const id of ["a", "b", "c", "word1", "word2"]) $(id).value = params.get(id) || "";
  if (params.get("method")) $("method").value = params.get("method");
  if (params.get("q")) show(params.get("q"));
  if (params.get("a") && params.get("b") && params.get("c")) solveAnalogy();
  if (params.get("word1") && params.get("word2")) compare();
}

function onSubmit(id, action) {
  $(id).addEventListener("submit", (event) => {
    event.preventDefault();
    action();
  });
}

onSubmit("search", () => explore($("q").value));
onSubmit("analogy", solveAnalogy);
onSubmit("similarity", compare);
for (const id of ["q", "a", "b", "c", "word1", "word2"]) $(id).addEventListener("input", complete);
window.addEventListener("popstate", restore);
// The words are shown once the page knows how the model spells phrases.
showInfo().catch((error) => showError($("message"), error)).then(restore);
