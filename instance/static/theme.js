// Light or dark: the system's choice (prefers-color-scheme) unless the person chose one
// with the switch (kept in localStorage). Loaded without defer in <head>, so the chosen
// theme is set before the first paint: no flash of the other theme.
(function () {
  "use strict";
  var KEY = "impasto-theme", root = document.documentElement;
  var system = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  var memory = null; // when storage is refused (private modes), the choice lasts for the page
  function stored() { try { return localStorage.getItem(KEY); } catch (e) { return memory; } }
  function store(value) {
    memory = value;
    try { if (value) { localStorage.setItem(KEY, value); } else { localStorage.removeItem(KEY); } } catch (e) { /* kept in memory */ }
  }
  function effective() {
    var chosen = stored();
    if (chosen === "dark" || chosen === "light") { return chosen; }
    return system && system.matches ? "dark" : "light";
  }
  function apply() {
    var chosen = stored();
    if (chosen === "dark" || chosen === "light") { root.setAttribute("data-theme", chosen); }
    else { root.removeAttribute("data-theme"); }
  }
  apply();
  function wire() {
    var button = document.querySelector(".theme-switch");
    if (!button) { return; }
    function label() {
      var dark = effective() === "dark";
      button.setAttribute("aria-pressed", dark ? "true" : "false");
      button.title = dark ? "Dark theme (switch to light)" : "Light theme (switch to dark)";
    }
    button.hidden = false;
    label();
    button.addEventListener("click", function () {
      var next = effective() === "dark" ? "light" : "dark";
      var follows = (system && system.matches ? "dark" : "light") === next;
      store(follows ? null : next); // choosing what the system says = follow the system again
      apply();
      label();
    });
    if (system && system.addEventListener) { system.addEventListener("change", label); }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", wire); }
  else { wire(); }
})();
