// Live charts of lag and events/s over the last minutes, drawn with uPlot (a WebJar). Each series
// keeps its points in the page; nothing is stored on the server.

import uPlot from './webjars/uplot/1.6.30/dist/uPlot.esm.js';

const WINDOW_S = 5 * 60;

export class LiveChart {
  /**
   * @param {HTMLElement} el where to draw
   * @param {string} what the first series' name (e.g. "lag (events)")
   */
  constructor(el, what) {
    this.el = el;
    this.data = [[], [], []];
    this.plot = new uPlot({
      width: Math.max(200, el.clientWidth || 300),
      height: 140,
      legend: { live: false },
      cursor: { show: false },
      // The last minutes, even while only one point is there.
      scales: { x: { time: true, range: (u, min, max) => [max - WINDOW_S, max] } },
      axes: [
        { stroke: '#5b6475', grid: { stroke: '#eceef2' }, size: 30 },
        { stroke: '#c4271b', grid: { stroke: '#eceef2' }, size: 48, label: what, labelSize: 14 },
        { side: 1, stroke: '#1f5fbf', grid: { show: false }, size: 48, scale: 'rate', label: 'events/s', labelSize: 14 },
      ],
      series: [
        {},
        { label: what, stroke: '#c4271b', width: 2, fill: 'rgba(196,39,27,.08)' },
        { label: 'events/s', stroke: '#1f5fbf', width: 2, scale: 'rate' },
      ],
    }, this.data, el);
    this.resize = new ResizeObserver(() => {
      const w = this.el.clientWidth;
      if (w > 0 && Math.abs(w - this.plot.width) > 2) this.plot.setSize({ width: w, height: 140 });
    });
    this.resize.observe(el);
  }

  /** Adds a point now (seconds since the epoch) and drops those older than the window. */
  add(lag, rate) {
    const now = Date.now() / 1000;
    this.data[0].push(now);
    this.data[1].push(lag);
    this.data[2].push(rate);
    while (this.data[0].length && this.data[0][0] < now - WINDOW_S) this.data.forEach(s => s.shift());
    this.plot.setData(this.data);
  }

  destroy() {
    this.resize.disconnect();
    this.plot.destroy();
  }
}
