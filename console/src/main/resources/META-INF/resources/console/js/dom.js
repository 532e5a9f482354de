// A small DOM builder: every text goes in as a text node, so nothing a service returns is ever parsed as HTML.

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

const SVG = 'http://www.w3.org/2000/svg';

export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.setAttribute('class', v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** A table in a horizontally scrolling wrapper; narrow screens stack its cells (class stack, data-label). */
export function table(caption, headers, rows, attrs = {}) {
  return h('div', { class: 'table-wrap' },
    h('table', { class: 'stack', ...attrs },
      caption ? h('caption', {}, caption) : null,
      h('thead', {}, h('tr', {}, headers.map(t => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, rows.map(r => h('tr', r.attrs || {},
        (r.cells || r).map((c, i) => h('td', { 'data-label': headers[i] }, c)))))));
}

export function json(value) {
  return h('pre', { class: 'mono' }, JSON.stringify(value, null, 2));
}

export function when(instant) {
  if (!instant) return h('span', { class: 'muted' }, 'never');
  const d = new Date(instant);
  return h('time', { datetime: instant, title: instant }, isNaN(d) ? String(instant) : d.toLocaleString());
}

export function short(id) {
  return id ? String(id).slice(0, 10) : '';
}
