'use strict';
/*
 * The dashboard's charts, drawn in SVG by the page itself (no library): bars or lines over the
 * 10-second buckets of GET /admin/stats, oldest on the left. Only SVG attributes and classes are
 * set (no style attributes), so the page's Content-Security-Policy needs no 'unsafe-inline'.
 */
window.TollgateCharts = (function () {
  const NS = 'http://www.w3.org/2000/svg';
  const HEIGHT = 170, LEFT = 52, RIGHT = 8, TOP = 10, BOTTOM = 20;
  /** Buckets the x axis always has room for (the contract's 60 × 10 s), so bars keep their width. */
  const SLOTS = 60;

  function el(name, attrs, parent, text) {
    const e = document.createElementNS(NS, name);
    for (const k in attrs) e.setAttribute(k, String(attrs[k]));
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }

  /** The smallest "round" number ≥ v (1, 2, 2.5, 5 × 10^n); even whole numbers for counts. */
  function niceMax(v, integer) {
    if (!(v > 0)) return integer ? 2 : 1;
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    const steps = integer ? [1, 2, 4, 6, 8, 10] : [1, 2, 2.5, 5, 10];
    for (const m of steps) {
      const top = m * p;
      if (top >= v && (!integer || (top >= 2 && top % 2 === 0))) return top;
    }
    return 10 * p;
  }

  function clock(ms) {
    const d = new Date(ms);
    return String(d.getHours()).padStart(2, '0') + ':' + String(d.getMinutes()).padStart(2, '0');
  }

  /**
   * Draws into svg. opts: {times: [epoch ms], series: [{name, values, kind: 'bar'|'line', cls}],
   * format: value → label, integer: whether values are counts}.
   */
  function draw(svg, opts) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    const width = Math.max(240, Math.round(svg.getBoundingClientRect().width || 480));
    svg.setAttribute('viewBox', '0 0 ' + width + ' ' + HEIGHT);
    const n = opts.times.length;
    if (n === 0) {
      el('text', { x: width / 2, y: HEIGHT / 2, 'text-anchor': 'middle', class: 'empty' }, svg, opts.empty || 'No data yet');
      return;
    }
    const plotW = width - LEFT - RIGHT, plotH = HEIGHT - TOP - BOTTOM;
    let max = 0;
    for (const s of opts.series) for (const v of s.values) if (v > max) max = v;
    const top = niceMax(max, opts.integer);
    const slots = Math.max(n, SLOTS);
    const bw = plotW / slots;
    const x0 = LEFT + (slots - n) * bw; // the newest bucket is always at the right edge
    const y = v => TOP + plotH - (Math.max(0, v) / top) * plotH;

    for (const f of [0, 0.5, 1]) {
      const gy = y(top * f);
      el('line', { x1: LEFT, x2: width - RIGHT, y1: gy, y2: gy, class: f === 0 ? 'axis' : 'grid' }, svg);
      el('text', { x: LEFT - 6, y: gy + 3.5, 'text-anchor': 'end' }, svg, opts.format(top * f));
    }
    for (const s of opts.series) {
      if (s.kind === 'bar') {
        const g = el('g', { class: s.cls }, svg);
        s.values.forEach((v, i) => {
          if (!(v > 0)) return;
          const h = Math.max(1, (v / top) * plotH);
          el('rect', { x: x0 + i * bw + bw * 0.15, y: TOP + plotH - h, width: Math.max(1, bw * 0.7), height: h, rx: 1 }, g);
        });
      } else {
        const pts = s.values.map((v, i) => [x0 + (i + 0.5) * bw, y(v)]);
        const path = pts.map((p, i) => (i ? 'L' : 'M') + p[0].toFixed(1) + ' ' + p[1].toFixed(1)).join(' ');
        const base = y(0).toFixed(1);
        el('path', { d: path + ' L' + pts[pts.length - 1][0].toFixed(1) + ' ' + base + ' L' + pts[0][0].toFixed(1) + ' ' + base + ' Z',
                     class: s.area }, svg);
        el('path', { d: path, class: 'line ' + s.cls }, svg);
      }
    }
    const labels = [0, Math.floor((n - 1) / 2), n - 1].filter((v, i, a) => a.indexOf(v) === i);
    for (const i of labels) {
      const anchor = i === 0 && n > 1 ? 'start' : i === n - 1 ? 'end' : 'middle';
      const lx = anchor === 'start' ? x0 + i * bw : anchor === 'end' ? x0 + (i + 1) * bw : x0 + (i + 0.5) * bw;
      el('text', { x: lx, y: HEIGHT - 5, 'text-anchor': anchor }, svg, clock(opts.times[i]));
    }
    // One transparent column per bucket: hovering shows its values (the browser's own tooltip).
    opts.times.forEach((t, i) => {
      const r = el('rect', { x: x0 + i * bw, y: TOP, width: bw, height: plotH, class: 'hover' }, svg);
      const lines = opts.series.map(s => s.name + ': ' + opts.format(s.values[i] || 0, true));
      el('title', {}, r, clock(t) + ' (10 s)\n' + lines.join('\n'));
    });
  }

  return { draw: draw, niceMax: niceMax };
})();
