// A replica's log as a graph of blocks: each block below its parents, origins filled, anchors with a thick ring. The
// SVG is an image with a text summary; the table next to it (logTable) carries the same facts for every reader.
import { h, s, short, table } from './dom.js';

/** Depth of each block: the longest path from an origin (blocks whose parents are unknown count as origins). */
function depths(entries) {
  const byId = new Map(entries.map(e => [e.block, e]));
  const depth = new Map();
  const visit = (id, seen) => {
    if (depth.has(id)) return depth.get(id);
    const e = byId.get(id);
    if (!e || seen.has(id)) return -1;
    seen.add(id);
    let d = 0;
    for (const p of e.parents || []) d = Math.max(d, visit(p, seen) + 1);
    depth.set(id, d);
    return d;
  };
  entries.forEach(e => visit(e.block, new Set()));
  return depth;
}

export function logGraph(entries, labelId) {
  const depth = depths(entries);
  const rows = new Map();
  for (const e of entries) {
    const d = depth.get(e.block) ?? 0;
    if (!rows.has(d)) rows.set(d, []);
    rows.get(d).push(e);
  }
  const pos = new Map();
  const dx = 150, dy = 56, pad = 24;
  let width = 0;
  for (const [d, list] of rows) {
    list.sort((a, b) => a.block.localeCompare(b.block));
    list.forEach((e, i) => pos.set(e.block, { x: pad + 8 + i * dx, y: pad + d * dy }));
    width = Math.max(width, list.length);
  }
  const w = pad * 2 + Math.max(1, width) * dx;
  const hgt = pad * 2 + Math.max(1, rows.size) * dy;
  const edges = [], nodes = [];
  for (const e of entries) {
    const to = pos.get(e.block);
    for (const p of e.parents || []) {
      const from = pos.get(p);
      if (from) edges.push(s('line', { class: 'edge', x1: from.x, y1: from.y, x2: to.x, y2: to.y }));
    }
    const kind = [e.origin ? 'origin' : '', e.anchor ? 'anchor' : ''].join(' ').trim();
    nodes.push(s('g', { 'data-block': e.block },
      s('circle', { class: `node ${kind}`, cx: to.x, cy: to.y, r: 8 },
        s('title', {}, `${e.block}${e.origin ? ' (origin)' : ''}${e.anchor ? ' (anchor)' : ''}`)),
      s('text', { x: to.x + 13, y: to.y + 4 }, short(e.block) + (e.anchor ? ' ⚓' : ''))));
  }
  const origins = entries.filter(e => e.origin).length;
  const anchors = entries.filter(e => e.anchor).length;
  const summary = `Graph of ${entries.length} block(s) in ${rows.size} generation(s): ${origins} origin(s), ${anchors} anchor(s). `
    + 'Each block is drawn below its parents; the table that follows lists every block with its parents.';
  return h('figure', { class: 'graph' },
    s('svg', { viewBox: `0 0 ${w} ${hgt}`, width: w, height: hgt, role: 'img', 'aria-labelledby': labelId },
      s('title', { id: labelId }, summary), ...edges, ...nodes),
    h('figcaption', { class: 'muted' }, summary));
}

export function logTable(entries) {
  return table('Blocks of the log (text alternative of the graph)', ['Block', 'Kind', 'Parents', 'Information'],
    entries.map(e => ({
      attrs: { 'data-block': e.block },
      cells: [h('code', { title: e.block }, short(e.block)),
        [e.origin ? 'origin' : null, e.anchor ? 'anchor' : null, !e.origin && !e.anchor ? 'delta' : null].filter(Boolean).join(', '),
        (e.parents || []).length ? (e.parents || []).map(p => h('code', { title: p }, short(p) + ' ')) : h('span', { class: 'muted' }, 'none'),
        e.information ? JSON.stringify(e.information) : ''],
    })));
}
