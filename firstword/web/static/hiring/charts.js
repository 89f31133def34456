// Small hand-written SVG charts: a campaign's distribution of percentiles per scale (with one
// candidate marked on it), the funnel, and a percentile with its range on a 0-100 track. Colours
// come from the stylesheet's classes; every chart carries a text alternative.

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) if (value !== undefined && value !== null) node.setAttribute(key, String(value));
  for (const child of children) if (child) node.append(child);
  return node;
}

function text(x, y, content, attrs = {}) {
  const node = svg("text", { x, y, ...attrs });
  node.textContent = content;
  return node;
}

function titled(root, title, description) {
  const id = `chart-${Math.random().toString(36).slice(2, 9)}`;
  root.setAttribute("role", "img");
  root.setAttribute("aria-labelledby", `${id}-t ${id}-d`);
  root.prepend(svg("title", { id: `${id}-t` }), svg("desc", { id: `${id}-d` }));
  root.querySelector("title").textContent = title;
  root.querySelector("desc").textContent = description;
  return root;
}

/** Counts of ``values`` (0-100) in ``bins`` equal bins; 100 falls in the last. */
export function binCounts(values, bins = 10) {
  const counts = new Array(bins).fill(0);
  for (const value of values) counts[Math.min(bins - 1, Math.floor((value / 100) * bins))] += 1;
  return counts;
}

/**
 * The campaign's candidates on one scale: a histogram of their percentiles. ``selected``
 * ({percentile, low, high, name}) is drawn as a line at its percentile over its 90 % band.
 */
export function distribution({ label, values, selected = null, bins = 10 }) {
  const width = 320, height = 170, left = 28, right = 10, top = 22, bottom = 30;
  const plotW = width - left - right, plotH = height - top - bottom;
  const counts = binCounts(values, bins);
  const highest = Math.max(1, ...counts);
  const x = (p) => left + (p / 100) * plotW;
  const y = (n) => top + plotH - (n / highest) * plotH;
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "distribution" });
  if (selected?.low !== undefined && selected?.low !== null) {
    root.append(svg("rect", { class: "band", x: x(selected.low), y: top, width: Math.max(1, x(selected.high) - x(selected.low)), height: plotH }));
  }
  counts.forEach((count, i) => {
    if (!count) return;
    const x0 = x((i * 100) / bins) + 1, x1 = x(((i + 1) * 100) / bins) - 1;
    root.append(svg("rect", { class: "bin", x: x0, y: y(count), width: x1 - x0, height: top + plotH - y(count) }));
  });
  root.append(svg("line", { class: "axis", x1: left, y1: top + plotH, x2: left + plotW, y2: top + plotH }));
  for (const p of [0, 25, 50, 75, 100]) {
    root.append(svg("line", { class: "tick", x1: x(p), y1: top + plotH, x2: x(p), y2: top + plotH + 4 }));
    root.append(text(x(p), top + plotH + 16, String(p), { "text-anchor": "middle" }));
  }
  root.append(text(left - 6, top + 4, String(highest), { "text-anchor": "end" }));
  root.append(text(left - 6, top + plotH, "0", { "text-anchor": "end" }));
  root.append(text(left + plotW / 2, height - 2, "percentile", { "text-anchor": "middle" }));
  if (selected?.percentile !== undefined && selected?.percentile !== null) {
    const px = x(selected.percentile);
    root.append(svg("line", { class: "marker", x1: px, y1: top - 4, x2: px, y2: top + plotH }));
    const anchor = selected.percentile > 70 ? "end" : "start";
    root.append(text(px + (anchor === "end" ? -4 : 4), top - 8, `${selected.name}: ${Math.round(selected.percentile)}`, { class: "marker-label", "text-anchor": anchor }));
  }
  const bands = counts.map((n, i) => `${(i * 100) / bins}-${((i + 1) * 100) / bins}: ${n}`).join("; ");
  const where = selected?.percentile !== undefined && selected?.percentile !== null
    ? ` ${selected.name} is at the ${Math.round(selected.percentile)}th percentile (90 % range ${Math.round(selected.low)}-${Math.round(selected.high)}).`
    : "";
  return titled(root, `${label}: ${values.length} completed candidates by percentile`, `Candidates per band of 10 percentiles: ${bands}.${where}`);
}

/** The funnel: invited, started, completed as bars against the number invited. */
export function funnel({ invited, started, completed }) {
  const rows = [["Invited", invited], ["Started", started], ["Completed", completed]];
  const width = 420, rowH = 30, labelW = 92, height = rows.length * rowH + 4;
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}` });
  const barW = width - labelW - 50;
  rows.forEach(([name, n], i) => {
    const y0 = i * rowH + 4;
    root.append(text(0, y0 + 17, name, { class: "funnel-label" }));
    root.append(svg("rect", { class: "funnel-track", x: labelW, y: y0, width: barW, height: rowH - 8, rx: 3 }));
    root.append(svg("rect", { class: "funnel-bar", x: labelW, y: y0, width: invited ? (barW * n) / invited : 0, height: rowH - 8, rx: 3 }));
    root.append(text(labelW + barW + 8, y0 + 17, String(n), { class: "funnel-label" }));
  });
  return titled(root, "Funnel", `Invited ${invited}, started ${started}, completed ${completed}.`);
}

/** One percentile with its range on a 0-100 track (the printable report). */
export function percentileBar({ label, percentile, low, high }) {
  const width = 300, height = 28, pad = 6;
  const x = (p) => pad + (p / 100) * (width - 2 * pad);
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: "none" });
  root.append(svg("rect", { class: "scale-track", x: pad, y: 11, width: width - 2 * pad, height: 6, rx: 3 }));
  // The chart stretches to its box's width (preserveAspectRatio="none"): marks are strokes that
  // keep their width (non-scaling-stroke), so the percentile stays a crisp bar, not a smear.
  const mark = (p, cls, y1, y2) => svg("line", { class: cls, x1: x(p), y1, x2: x(p), y2, "vector-effect": "non-scaling-stroke" });
  for (const p of [25, 50, 75]) root.append(mark(p, "tick", 8, 20));
  if (low !== null && low !== undefined) root.append(svg("rect", { class: "band", x: x(low), y: 4, width: Math.max(2, x(high) - x(low)), height: 20 }));
  if (percentile !== null && percentile !== undefined) root.append(mark(percentile, "scale-mark", 1, 27));
  const said = percentile === null || percentile === undefined ? "no score" : `percentile ${Math.round(percentile)}, 90 % range ${Math.round(low)} to ${Math.round(high)}`;
  return titled(root, label, said);
}
