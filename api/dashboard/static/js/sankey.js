// A Sankey diagram of flows (origin -> destination, coloured by cadre) in hand-written SVG.
// Origins are on the left, destinations on the right; band widths are proportional to workers.

import { fmt, h, s } from "./dom.js";

const PALETTE = ["#0f766e", "#2563eb", "#d97706", "#7c3aed", "#db2777", "#0891b2", "#65a30d",
  "#dc2626", "#4f46e5", "#a16207", "#0d9488", "#9333ea"];

/** A stable colour per cadre code, in the order the codes are first given. */
export function cadrePalette(codes) {
  const colours = new Map();
  [...new Set(codes)].sort().forEach((code, i) => colours.set(code, PALETTE[i % PALETTE.length]));
  return (code) => colours.get(code) || "#64748b";
}

function totals(flows, key) {
  const map = new Map();
  for (const f of flows) map.set(f[key], (map.get(f[key]) || 0) + f.workers);
  return [...map.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

function layoutColumn(entries, x, top, scale, gap, minSlot) {
  // Each node gets a slot at least `minSlot` high so that its two label lines never overlap
  // the next node's; the bar itself stays proportional to its workers.
  const nodes = new Map();
  let y = top;
  for (const [code, value] of entries) {
    const height = Math.max(2, value * scale);
    const slot = Math.max(height, minSlot);
    const barY = y + (slot - height) / 2;
    nodes.set(code, { code, value, x, y: barY, height, outY: barY, inY: barY });
    y += slot + gap;
  }
  return { nodes, bottom: y - gap };
}

function band(x0, y0, x1, y1, width) {
  const xm = (x0 + x1) / 2;
  return [
    `M${x0},${y0}`,
    `C${xm},${y0} ${xm},${y1} ${x1},${y1}`,
    `L${x1},${y1 + width}`,
    `C${xm},${y1 + width} ${xm},${y0 + width} ${x0},${y0 + width}`,
    "Z",
  ].join(" ");
}

/**
 * Draw `flows` ([{origin, destination, cadre, workers, benefit_usd}]) into `container`.
 * `countryName(code)` and `cadreName(code)` label the nodes and bands.
 */
export function drawSankey(container, flows, { colour, countryName, cadreName }) {
  const data = flows.filter((f) => f.workers > 0);
  if (!data.length) {
    container.replaceChildren(
      h("p", { class: "empty-chart" }, "No flows yet: no proposals or confirmed matches in this view."),
    );
    return;
  }
  const origins = totals(data, "origin");
  const destinations = totals(data, "destination");
  const total = data.reduce((sum, f) => sum + f.workers, 0);
  const rows = Math.max(origins.length, destinations.length);
  const width = 960;
  const nodeWidth = 14;
  const gap = 14;
  const top = 30;
  const labelSpace = 170;
  const minSlot = 34;
  const scale = Math.max(180, Math.min(520, rows * 48)) / total;
  const leftColumn = layoutColumn(origins, labelSpace, top, scale, gap, minSlot);
  const rightColumn = layoutColumn(destinations, width - labelSpace - nodeWidth, top, scale, gap, minSlot);
  const left = leftColumn.nodes;
  const right = rightColumn.nodes;
  const height = Math.ceil(Math.max(leftColumn.bottom, rightColumn.bottom) + 10);
  const order = (nodes) => new Map([...nodes.keys()].map((k, i) => [k, i]));
  const leftOrder = order(left);
  const rightOrder = order(right);

  // Bands leave each origin in the order of destinations, and enter each destination in the
  // order of origins, so that they cross as little as possible.
  const links = data.map((f) => ({ ...f, width: Math.max(1, f.workers * scale) }));
  const byOrigin = [...links].sort(
    (a, b) => leftOrder.get(a.origin) - leftOrder.get(b.origin)
      || rightOrder.get(a.destination) - rightOrder.get(b.destination)
      || a.cadre.localeCompare(b.cadre),
  );
  for (const link of byOrigin) {
    const node = left.get(link.origin);
    link.y0 = node.outY;
    node.outY += link.width;
  }
  const byDestination = [...links].sort(
    (a, b) => rightOrder.get(a.destination) - rightOrder.get(b.destination)
      || leftOrder.get(a.origin) - leftOrder.get(b.origin)
      || a.cadre.localeCompare(b.cadre),
  );
  for (const link of byDestination) {
    const node = right.get(link.destination);
    link.y1 = node.inY;
    node.inY += link.width;
  }

  const svg = s("svg", {
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
    "aria-labelledby": "sankey-title sankey-desc",
    "data-testid": "sankey",
  });
  svg.append(
    s("title", { id: "sankey-title" }, "Flows of health workers from origin to destination countries"),
    s("desc", { id: "sankey-desc" },
      `${fmt.int(total)} workers in ${data.length} flows from ${origins.length} origin to `
      + `${destinations.length} destination countries; the table below lists every flow.`),
    s("text", { x: labelSpace + nodeWidth, y: 14, class: "column-title", "text-anchor": "end" }, "Origin"),
    s("text", { x: width - labelSpace - nodeWidth, y: 14, class: "column-title" }, "Destination"),
  );
  const linkGroup = s("g", { class: "links" });
  for (const link of byOrigin) {
    const x0 = labelSpace + nodeWidth;
    const x1 = width - labelSpace - nodeWidth;
    linkGroup.append(
      s("path", { class: "link", d: band(x0, link.y0, x1, link.y1, link.width), fill: colour(link.cadre),
        "data-origin": link.origin, "data-destination": link.destination, "data-cadre": link.cadre },
      s("title", {}, `${link.origin} → ${link.destination}, ${cadreName(link.cadre)}: `
        + `${fmt.int(link.workers)} workers, ${fmt.usd(link.benefit_usd)} benefit`)),
    );
  }
  svg.append(linkGroup);

  const nodeGroup = s("g", { class: "nodes" });
  const label = (node, side) => {
    const isLeft = side === "left";
    const x = isLeft ? node.x - 8 : node.x + nodeWidth + 8;
    const y = node.y + node.height / 2;
    const anchor = isLeft ? "end" : "start";
    const name = countryName(node.code);
    const short = name.length > 20 ? `${name.slice(0, 19)}…` : name;
    return [
      s("text", { x, y: y - 1, "text-anchor": anchor },
        s("tspan", { "font-weight": "700" }, node.code), ` ${short}`),
      s("text", { x, y: y + 13, "text-anchor": anchor, class: "sub" }, `${fmt.int(node.value)} workers`),
    ];
  };
  for (const node of left.values()) {
    nodeGroup.append(
      s("g", { class: "node" },
        s("rect", { x: node.x, y: node.y, width: nodeWidth, height: node.height, rx: 3, fill: "#334155" },
          s("title", {}, `${countryName(node.code)}: ${fmt.int(node.value)} workers out`)),
        label(node, "left")),
    );
  }
  for (const node of right.values()) {
    nodeGroup.append(
      s("g", { class: "node" },
        s("rect", { x: node.x, y: node.y, width: nodeWidth, height: node.height, rx: 3, fill: "#334155" },
          s("title", {}, `${countryName(node.code)}: ${fmt.int(node.value)} workers in`)),
        label(node, "right")),
    );
  }
  svg.append(nodeGroup);
  container.replaceChildren(svg);
}
