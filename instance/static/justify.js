// Justified rows for work grids (ul.grid.layout-grid): each row is filled edge to edge at
// one height, every work at its own aspect ratio (no crop, no holes). CSS alone (flex-grow
// by aspect ratio, in impasto.css) does this without JavaScript, but it breaks rows
// greedily, which can leave one tall portrait alone on a row of a narrow screen. Here a
// row ends where its height comes closest to the target height (as Flickr's layout does),
// and widths are set as fractions of the row, so only a resize that changes the row
// breaks needs a new layout.
(function () {
  "use strict";
  function toPixels(length) { // "15rem" or "240px" → 240
    var value = parseFloat(length);
    if (/rem\s*$/.test(length)) { return value * parseFloat(getComputedStyle(document.documentElement).fontSize); }
    return value;
  }
  function layout(grid) {
    var items = Array.prototype.filter.call(grid.children, function (li) { return li.style.getPropertyValue("--ar"); });
    if (!items.length) { return; }
    var style = getComputedStyle(grid), width = grid.clientWidth;
    var gap = parseFloat(style.columnGap) || 0;
    var target = toPixels(style.getPropertyValue("--row")) || 240;
    var rows = [], row = [], sum = 0;
    items.forEach(function (li) {
      var ar = parseFloat(li.style.getPropertyValue("--ar")) || 1;
      var before = row.length ? (width - gap * (row.length - 1)) / sum : Infinity;
      var after = (width - gap * row.length) / (sum + ar);
      if (row.length && after < target && Math.abs(before - target) <= Math.abs(after - target)) {
        rows.push({ items: row, sum: sum, full: true });
        row = []; sum = 0;
      }
      row.push({ li: li, ar: ar }); sum += ar;
    });
    if (row.length) {
      var height = (width - gap * (row.length - 1)) / sum;
      rows.push({ items: row, sum: sum, full: height <= target * 1.15 });
    }
    rows.forEach(function (r) {
      var gaps = gap * (r.items.length - 1);
      r.items.forEach(function (item) {
        item.li.style.flex = r.full
          ? "0 0 calc((100% - " + (gaps + 0.5) + "px) * " + (item.ar / r.sum).toFixed(6) + ")"
          : "0 0 " + (item.ar * target).toFixed(2) + "px";
      });
    });
    grid.classList.add("justified");
  }
  var grids = Array.prototype.slice.call(document.querySelectorAll("ul.grid.layout-grid"));
  if (!grids.length) { return; }
  var widths = new WeakMap();
  function run(grid) {
    var width = grid.clientWidth;
    if (widths.get(grid) === width) { return; }
    widths.set(grid, width);
    layout(grid);
  }
  grids.forEach(run);
  if (window.ResizeObserver) {
    var observer = new ResizeObserver(function (entries) {
      entries.forEach(function (entry) { run(entry.target); });
    });
    grids.forEach(function (grid) { observer.observe(grid); });
  }
})();
