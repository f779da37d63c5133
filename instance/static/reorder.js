// Reordering a list inside a form (a work's images, the works of a collection) by drag
// and drop and by keyboard. Without this script each item has a number field ("Order")
// and the server sorts by those numbers; with it the number fields are hidden, each item
// gets "Move up" / "Move down" buttons (Alt+↑/↓ on a focused item does the same) and a
// drag handle, and every move rewrites the numbers in the new order and is announced in
// an aria-live region. Markup: a list with data-reorder="noun", items with
// data-reorder-item and data-reorder-label, a number input with data-reorder-position
// inside a wrapper with data-reorder-field; the list's data-reorder-text holds the words
// in the page's language (templates/_reorder.html), English when it is missing.
(function () {
  "use strict";
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text) { node.textContent = text; }
    return node;
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-reorder]"), function (list) {
    var noun = list.getAttribute("data-reorder") || "item";
    var words = { up: "Move up", down: "Move down", drag: "Drag to reorder", place: "{n} of {total}",
                  moved: "{label} moved to position {n} of {total}." };
    try { Object.assign(words, JSON.parse(list.getAttribute("data-reorder-text") || "{}")); }
    catch (error) { /* keep English */ }
    function say(text, values) {
      return text.replace(/\{(\w+)\}/g, function (whole, key) { return key in values ? String(values[key]) : whole; });
    }
    var live = el("p", { "class": "visually-hidden reorder-live", "aria-live": "assertive", role: "status" });
    list.parentNode.insertBefore(live, list.nextSibling);
    var dragging = null;

    function items() {
      return Array.prototype.slice.call(list.children).filter(function (node) {
        return node.hasAttribute("data-reorder-item");
      });
    }
    function label(item) { return item.getAttribute("data-reorder-label") || noun; }
    function renumber() {
      var all = items();
      all.forEach(function (item, index) {
        var field = item.querySelector("[data-reorder-position]");
        if (field) { field.value = String(index + 1); }
        var place = item.querySelector(".reorder-place");
        if (place) { place.textContent = say(words.place, { n: index + 1, total: all.length }); }
        item.querySelector(".reorder-up").disabled = index === 0;
        item.querySelector(".reorder-down").disabled = index === all.length - 1;
      });
    }
    function announce(item) {
      var all = items();
      live.textContent = say(words.moved, { label: label(item), n: all.indexOf(item) + 1, total: all.length });
    }
    function move(item, step) {
      var all = items(), index = all.indexOf(item), target = index + step;
      if (target < 0 || target >= all.length) { return false; }
      if (step < 0) { list.insertBefore(item, all[target]); }
      else { list.insertBefore(item, all[target].nextSibling); }
      renumber();
      announce(item);
      return true;
    }

    items().forEach(function (item) {
      var field = item.querySelector("[data-reorder-field]");
      if (field) { field.hidden = true; }
      var bar = el("div", { "class": "reorder-bar" });
      var handle = el("span", { "class": "reorder-handle", "aria-hidden": "true", title: words.drag }, "⠿");
      var place = el("span", { "class": "reorder-place small muted" });
      // The visible words start the accessible name ("Move up" + which item), as WCAG's
      // label-in-name asks, so speech input users can say what they see.
      function button(cls, arrow, words) {
        var node = el("button", { type: "button", "class": "quiet " + cls });
        node.append(el("span", { "aria-hidden": "true" }, arrow + " "), words,
                    el("span", { "class": "visually-hidden" }, ": " + label(item)));
        return node;
      }
      var up = button("reorder-up", "↑", words.up);
      var down = button("reorder-down", "↓", words.down);
      bar.append(handle, place, up, down);
      item.insertBefore(bar, item.firstChild);
      up.addEventListener("click", function () { move(item, -1); (up.disabled ? down : up).focus(); });
      down.addEventListener("click", function () { move(item, 1); (down.disabled ? up : down).focus(); });
      item.addEventListener("keydown", function (event) {
        if (!event.altKey || (event.key !== "ArrowUp" && event.key !== "ArrowDown")) { return; }
        if (event.target.matches("textarea, select")) { return; }
        event.preventDefault();
        var focused = document.activeElement;
        move(item, event.key === "ArrowUp" ? -1 : 1);
        if (focused && !focused.disabled) { focused.focus(); }
      });
      // Only the handle is draggable, so text in the item's fields stays selectable; the
      // whole item is what the pointer carries.
      handle.draggable = true;
      handle.addEventListener("dragstart", function (event) {
        dragging = item;
        item.classList.add("reorder-dragging");
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", label(item));
        if (event.dataTransfer.setDragImage) { event.dataTransfer.setDragImage(item, 16, 16); }
      });
      handle.addEventListener("dragend", function () {
        item.classList.remove("reorder-dragging");
        if (dragging) { renumber(); announce(dragging); }
        dragging = null;
      });
      item.addEventListener("dragover", function (event) {
        if (!dragging || dragging === item) { return; }
        event.preventDefault();
        var box = item.getBoundingClientRect();
        var after = event.clientY > box.top + box.height / 2;
        list.insertBefore(dragging, after ? item.nextSibling : item);
      });
      item.addEventListener("drop", function (event) { if (dragging) { event.preventDefault(); } });
    });
    list.classList.add("reorder-ready");
    renumber();
  });
}());
