// The work page's lightbox: open an image over the page, fit to the screen or at 100 %
// (one image pixel per CSS pixel, panned by dragging or scrolling), step through the
// work's images with ←/→, buttons or a swipe, close with Esc. Focus stays inside while
// it is open and goes back to the image it came from. Without this script every image
// is a plain link to its full-size file.
(function () {
  "use strict";
  var links = Array.prototype.slice.call(document.querySelectorAll("[data-lightbox-group] a.zoom"));
  if (!links.length) { return; }
  var index = 0, opener = null, zoomed = false, outside = [];

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text) { node.textContent = text; }
    return node;
  }
  var box = el("div", { "class": "lightbox", role: "dialog", "aria-modal": "true", "aria-label": "Image viewer", hidden: "" });
  var bar = el("div", { "class": "lb-bar" });
  var count = el("p", { "class": "lb-count", "aria-live": "polite" });
  var zoomButton = el("button", { type: "button", "class": "lb-zoom", "aria-pressed": "false" }, "100 %");
  var closeButton = el("button", { type: "button", "class": "lb-close", "aria-label": "Close (Esc)" }, "✕");
  var view = el("div", { "class": "lb-view" });
  var img = el("img", { alt: "", draggable: "false" });
  var prev = el("button", { type: "button", "class": "lb-prev", "aria-label": "Previous image (←)" }, "←");
  var next = el("button", { type: "button", "class": "lb-next", "aria-label": "Next image (→)" }, "→");
  var caption = el("p", { "class": "lb-caption" });
  bar.append(count, zoomButton, closeButton);
  view.append(img);
  box.append(bar, view, caption, prev, next);
  document.body.append(box);
  if (links.length < 2) { box.classList.add("single"); }

  function show(i) {
    index = (i + links.length) % links.length;
    var link = links[index];
    setZoom(false);
    img.src = link.href;
    img.alt = link.getAttribute("data-alt") || "";
    img.width = +link.getAttribute("data-width") || 0;
    img.height = +link.getAttribute("data-height") || 0;
    count.textContent = "Image " + (index + 1) + " of " + links.length;
    caption.textContent = link.getAttribute("data-alt") || "";
    [index - 1, index + 1].forEach(function (n) { // warm the neighbours
      if (links.length > 1) { new Image().src = links[(n + links.length) % links.length].href; }
    });
  }

  function setZoom(on, clientX, clientY) {
    var rect = img.getBoundingClientRect();
    zoomed = on;
    box.classList.toggle("zoomed", on);
    zoomButton.setAttribute("aria-pressed", on ? "true" : "false");
    zoomButton.textContent = on ? "Fit" : "100 %";
    zoomButton.setAttribute("aria-label", on ? "Fit to screen" : "Zoom to 100 %");
    if (on && rect.width) { // keep the point under the pointer (or the centre) in view
      var fx = clientX === undefined ? 0.5 : (clientX - rect.left) / rect.width;
      var fy = clientY === undefined ? 0.5 : (clientY - rect.top) / rect.height;
      view.scrollLeft = fx * img.width - view.clientWidth / 2;
      view.scrollTop = fy * img.height - view.clientHeight / 2;
    }
  }

  function focusables() {
    return Array.prototype.filter.call(box.querySelectorAll("button"), function (b) {
      return b.offsetParent !== null && !b.disabled;
    });
  }

  function open(i) {
    opener = document.activeElement;
    outside = Array.prototype.filter.call(document.body.children, function (n) { return n !== box && !n.inert; });
    outside.forEach(function (n) { n.inert = true; });
    box.hidden = false;
    document.body.classList.add("lb-open");
    show(i);
    closeButton.focus();
  }

  function close() {
    box.hidden = true;
    setZoom(false);
    document.body.classList.remove("lb-open");
    outside.forEach(function (n) { n.inert = false; });
    outside = [];
    img.removeAttribute("src");
    (opener && document.contains(opener) ? opener : links[index]).focus();
  }

  links.forEach(function (link, i) {
    link.addEventListener("click", function (event) {
      if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) { return; }
      event.preventDefault();
      open(i);
    });
  });
  closeButton.addEventListener("click", close);
  prev.addEventListener("click", function () { show(index - 1); });
  next.addEventListener("click", function () { show(index + 1); });
  zoomButton.addEventListener("click", function () { setZoom(!zoomed); });

  box.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { event.preventDefault(); close(); }
    else if (event.key === "ArrowRight" && !zoomed) { event.preventDefault(); show(index + 1); }
    else if (event.key === "ArrowLeft" && !zoomed) { event.preventDefault(); show(index - 1); }
    else if (event.key === "Tab") { // keep focus inside the dialog
      var items = focusables(), first = items[0], last = items[items.length - 1];
      if (event.shiftKey && document.activeElement === first) { event.preventDefault(); last.focus(); }
      else if (!event.shiftKey && document.activeElement === last) { event.preventDefault(); first.focus(); }
      else if (items.indexOf(document.activeElement) < 0) { event.preventDefault(); first.focus(); }
    }
  });

  // Pointer: click the image to zoom at that point; drag to pan when zoomed; swipe to
  // step between images (touch) when fitted.
  var start = null, moved = false;
  view.addEventListener("pointerdown", function (event) {
    start = { x: event.clientX, y: event.clientY, left: view.scrollLeft, top: view.scrollTop, type: event.pointerType };
    moved = false;
  });
  view.addEventListener("pointermove", function (event) {
    if (!start) { return; }
    var dx = event.clientX - start.x, dy = event.clientY - start.y;
    if (Math.abs(dx) + Math.abs(dy) > 6) { moved = true; }
    if (zoomed && start.type === "mouse") { view.scrollLeft = start.left - dx; view.scrollTop = start.top - dy; }
  });
  view.addEventListener("pointerup", function (event) {
    if (!start) { return; }
    var dx = event.clientX - start.x, dy = event.clientY - start.y;
    if (!zoomed && links.length > 1 && Math.abs(dx) > 50 && Math.abs(dx) > 1.5 * Math.abs(dy)) {
      show(index + (dx < 0 ? 1 : -1));
    } else if (!moved && event.target === img) {
      setZoom(!zoomed, event.clientX, event.clientY);
    } else if (!moved && event.target === view && !zoomed) {
      close(); // a click on the dark backdrop
    }
    start = null;
  });
  view.addEventListener("pointercancel", function () { start = null; });
})();
