// A credit's lineage (GET /credits/{id}/lineage) drawn as a tree in SVG: the root on top, each
// fragment below the one it was split from; each node shows its holder, value, tier and state,
// the state by colour and by label.

import { money, rate, t } from "./i18n.js";

const SVG = "http://www.w3.org/2000/svg";
const W = 230, H = 86, GAP_X = 24, GAP_Y = 46, PAD = 12;
const COLOURS = {
  overdue: "#c62828", frozen: "#6a1b9a", locked: "#b26a00", redeemed: "#607d8b",
  financed: "#1f5fa8", live: "#2e7d32",
};

// Every state that applies, most pressing first; the first one colours the node.
export function nodeStates(node, credit) {
  const states = [];
  if (credit.overdue && !node.redeemed) states.push("overdue");
  if (node.frozen) states.push("frozen");
  if (node.locked) states.push("locked");
  if (node.redeemed) states.push("redeemed");
  if (node.discount) states.push("financed");
  if (!node.redeemed && !node.frozen && !node.locked) states.push("live");
  return states;
}

function clip(text, length) {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}

function el(name, attrs, text) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function layout(root) {
  // Leaves take consecutive columns; a parent sits centred over its children.
  let column = 0;
  const placed = [];
  const visit = (node, depth) => {
    const kids = node.children || [];
    kids.forEach((kid) => visit(kid, depth + 1));
    const x = kids.length ? (kids[0]._x + kids[kids.length - 1]._x) / 2 : column++;
    node._x = x;
    node._y = depth;
    placed.push(node);
  };
  visit(root, 0);
  return { placed, columns: Math.max(column, 1), rows: Math.max(...placed.map((n) => n._y)) + 1 };
}

export function lineageSvg(lineage, nameOf, onPick) {
  const { placed, columns, rows } = layout(lineage.root);
  const width = PAD * 2 + columns * W + (columns - 1) * GAP_X;
  const height = PAD * 2 + rows * H + (rows - 1) * GAP_Y;
  const svg = el("svg", {
    class: "lineage", width, height, viewBox: `0 0 ${width} ${height}`, role: "img",
    "data-testid": "lineage-svg", "aria-label": t("lineage.title", { id: lineage.credit.credit_id }),
  });
  const left = (n) => PAD + n._x * (W + GAP_X);
  const top = (n) => PAD + n._y * (H + GAP_Y);
  for (const node of placed) {
    for (const kid of node.children || []) {
      const x1 = left(node) + W / 2, y1 = top(node) + H, x2 = left(kid) + W / 2, y2 = top(kid);
      const mid = (y1 + y2) / 2;
      svg.append(el("path", { class: "edge", d: `M${x1},${y1} V${mid} H${x2} V${y2}` }));
    }
  }
  for (const node of placed) {
    const states = nodeStates(node, lineage.credit);
    const colour = COLOURS[states[0]];
    const group = el("g", {
      class: `node-group state-${states[0]}`, transform: `translate(${left(node)},${top(node)})`,
      "data-testid": `lineage-node-${node.token_id}`, "data-states": states.join(" "), tabindex: 0,
      style: onPick ? "cursor:pointer" : "",
    });
    group.append(el("rect", { class: "node", width: W, height: H, stroke: colour, rx: 6 }));
    group.append(el("rect", { width: 6, height: H, fill: colour, rx: 3 }));
    group.append(el("text", { x: 14, y: 18, "font-weight": 600 }, `#${node.token_id} ${nameOf(node.holder)}`));
    group.append(el("text", { x: 14, y: 36 }, `${money(node.redeemed ? node.redeemed_value_units ?? node.value_units : node.value_units)} · ${t("tier", { n: node.depth + 1 })}`));
    group.append(el("text", { x: 14, y: 54, fill: colour, "font-weight": 600 }, states.map((s) => t(`state.${s}`)).join(" · ")));
    // A frozen node says why on its last line (the detail panel says who and when).
    const why = node.frozen && node.freeze
      ? node.freeze.reason ?? `${node.freeze.reason_hash.slice(0, 10)}…`
      : null;
    const extra = why !== null ? t("lineage.why", { reason: clip(why, 24) })
      : node.discount
        ? t("bought", { price: money(node.discount.price_units), rate: node.discount.rate_bps == null ? "–" : rate(node.discount.rate_bps) })
        : node.invoice_id ? `${t("col.invoice")} #${node.invoice_id}` : "";
    group.append(el("text", {
      x: 14, y: 72, fill: why !== null ? COLOURS.frozen : "#5e6b78",
      "data-testid": `lineage-node-line-${node.token_id}`,
    }, extra));
    const holder = `${nameOf(node.holder)} (${node.holder})`;
    const title = el("title", {}, why !== null ? `${holder}\n${t("lineage.why", { reason: why })}` : holder);
    group.append(title);
    if (onPick) {
      group.addEventListener("click", () => onPick(node));
      group.addEventListener("keydown", (e) => { if (e.key === "Enter") onPick(node); });
    }
    svg.append(group);
  }
  return svg;
}
