// Upload page: each image is sent on its own with a progress bar, then its provenance
// verdict is shown before publishing. The draft (fields and uploaded images) is kept in
// localStorage so it survives a reload. Without this script the form still works.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form) return;
  var list = document.getElementById("uploads");
  var input = document.getElementById("files");
  var drop = document.getElementById("dropzone");
  var publish = document.getElementById("publish");
  var token = form.querySelector("[name=csrf_token]").value;
  var draftKey = "impasto-draft:" + location.pathname;
  var pending = 0;
  input.removeAttribute("name");  // files go up one by one, not with the form

  // The page's words, in its language (rendered by the server: instance/web/upload_text.py).
  var TEXT = JSON.parse(form.dataset.text || "{}");
  function t(key, vars) {
    var words = TEXT[key] || key;
    Object.keys(vars || {}).forEach(function (k) { words = words.split("{" + k + "}").join(String(vars[k])); });
    return words;
  }
  var VERDICTS = { "none": t("verdict_none"), "needs-review": t("verdict_needs_review"),
                   "ai": t("verdict_ai"), "pending": t("verdict_pending") };

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) node.textContent = text;
    return node;
  }

  var why = document.getElementById("publish-why");

  function refreshPublish() {
    publish.disabled = pending > 0;
    var refused = list.querySelectorAll(".upload-item.refused").length;
    var words = "";
    if (pending > 0) {
      words = t(pending === 1 ? "waits_one" : "waits_other", { n: pending });
    } else if (refused > 0) {
      words = t(refused === 1 ? "refused_one" : "refused_other", { n: refused });
    }
    why.textContent = words;
    why.hidden = !words;
  }

  function removeItem(item) {
    if (item.dataset.watching === "1") { item.dataset.watching = "0"; pending -= 1; }
    item.remove();
    refreshPublish();
    saveDraft();
  }

  function reviewForm(item, id) {
    var box = el("div", { "class": "review-ask stack" });
    var label = el("label", {}, t("review_why") + " ");
    var note = el("textarea", { rows: "2", maxlength: "1000", "class": "review-note" });
    label.appendChild(note);
    var button = el("button", { type: "button", "class": "ask-review" }, t("review_ask"));
    button.addEventListener("click", function () {
      var data = new FormData();
      data.append("csrf_token", token);
      data.append("note", note.value);
      button.disabled = true;
      fetch("/settings/media/" + id + "/review", { method: "POST", body: data, credentials: "same-origin" })
        .then(function (r) {
          if (!r.ok) throw new Error("refused");
          box.replaceWith(el("p", { "class": "ok", role: "status" }, t("review_asked")));
        })
        .catch(function () {
          button.disabled = false;
          box.appendChild(el("p", { "class": "error" }, t("review_failed")));
        });
    });
    box.appendChild(label);
    box.appendChild(button);
    return box;
  }

  function showState(item, data) {
    var status = item.querySelector(".status");
    status.innerHTML = "";
    if (data.state === "processing") {
      var p = data.progress;
      if (!p) {
        status.textContent = t("waiting");
        return false;
      }
      var words = p.stage.charAt(0).toUpperCase() + p.stage.slice(1) + ": " + Math.round(p.fraction * 100) + " %";
      if (p.eta_seconds !== null && p.eta_seconds !== undefined) {
        words += ", " + (p.eta_seconds < 60 ? t("seconds_left", { s: Math.max(1, p.eta_seconds) })
                                            : t("minutes_left", { min: Math.round(p.eta_seconds / 60) }));
      }
      status.appendChild(el("span", { "class": "stage" }, words));
      status.appendChild(el("progress", { max: "100", value: String(Math.round(p.fraction * 100)), "aria-label": words }));
      return false;
    }
    var verdict = el("strong", { "class": "verdict verdict-" + data.verdict }, VERDICTS[data.verdict] || data.verdict);
    status.appendChild(verdict);
    if (data.state === "rejected" || data.state === "failed") {
      status.appendChild(el("p", { "class": "error" }, data.reason || t("cannot_publish")));
      var hidden = item.querySelector("input[name=media]");
      if (hidden) hidden.remove();
      item.classList.add("refused");
    } else if (data.state === "held") {
      status.appendChild(el("p", {}, data.reason || t("will_review")));
    } else if (data.review_state === "reviewed") {
      status.appendChild(el("p", { "class": "ok" }, t(data.ai_label ? "approved_labelled" : "approved")));
    }
    if (data.reviewable) status.appendChild(reviewForm(item, data.id));
    else if (data.review_state === "queued") status.appendChild(el("p", {}, t("queued")));
    if (data.signals && data.signals.length) {
      var why = el("ul", { "class": "signals" });
      data.signals.forEach(function (s) { why.appendChild(el("li", {}, s.signal + " (" + s.confidence + "): " + s.detail)); });
      status.appendChild(why);
    }
    var more = el("a", { href: "/settings/media/" + data.id, target: "_blank" }, t("evidence"));
    status.appendChild(more);
    if (data.thumb) {
      var img = el("img", { src: data.thumb, alt: "", width: "120" });
      item.insertBefore(img, item.firstChild);
    }
    return true;
  }

  function watch(item, id) {
    pending += 1; item.dataset.watching = "1"; refreshPublish();
    function poll() {
      if (item.dataset.watching !== "1") return;  // removed from the batch
      fetch(form.dataset.statusUrl + id, { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          if (item.dataset.watching !== "1") return;
          if (showState(item, data)) { item.dataset.watching = "0"; pending -= 1; refreshPublish(); saveDraft(); }
          else setTimeout(poll, 1000);
        })
        .catch(function () { setTimeout(poll, 2000); });
    }
    poll();
  }

  function addItem(name, id, alt) {
    var item = el("li", { "class": "upload-item" });
    item.appendChild(el("span", { "class": "name" }, name));
    var progress = el("progress", { max: "100", value: "0", "aria-label": t("upload_of", { name: name }) });
    item.appendChild(progress);
    var label = el("label", {}, t("alt_for", { name: name }) + " ");
    var altInput = el("input", { "class": "alt", maxlength: "1500" });
    altInput.value = alt || "";
    label.appendChild(altInput);
    item.appendChild(label);
    item.appendChild(el("div", { "class": "status", role: "status" }));
    var remove = el("button", { type: "button", "class": "remove quiet" }, t("remove", { name: name }));
    remove.addEventListener("click", function () { removeItem(item); });
    item.appendChild(remove);
    list.appendChild(item);
    if (id) attach(item, id, name);
    return item;
  }

  function attach(item, id, name) {
    item.dataset.mediaId = id;
    item.dataset.name = name;
    item.querySelector("progress").value = 100;
    var hidden = el("input", { type: "hidden", name: "media", value: id });
    item.appendChild(hidden);
    item.querySelector("input.alt").setAttribute("name", "alt-" + id);
    watch(item, id);
  }

  function send(file) {
    var item = addItem(file.name);
    var data = new FormData();
    data.append("file", file);
    data.append("description", item.querySelector("input.alt").value);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.dataset.uploadUrl);
    xhr.setRequestHeader("X-CSRF-Token", token);
    xhr.upload.onprogress = function (e) {
      if (!e.lengthComputable) return;
      var bar = item.querySelector("progress");
      bar.value = Math.round(100 * e.loaded / e.total);
      bar.dataset.steps = String(Number(bar.dataset.steps || 0) + 1);  // how often it moved
    };
    pending += 1; refreshPublish();
    xhr.onload = function () {
      pending -= 1; refreshPublish();
      var body = {};
      try { body = JSON.parse(xhr.responseText); } catch (e) { body = { error: t("failed") }; }
      if (!item.isConnected) return;  // removed from the batch while it was uploading
      if (xhr.status === 202) { attach(item, body.id, file.name); saveDraft(); }
      else item.querySelector(".status").appendChild(el("p", { "class": "error" }, body.error || t("failed")));
    };
    xhr.onerror = function () { pending -= 1; refreshPublish(); item.querySelector(".status").textContent = t("failed"); };
    xhr.send(data);
  }

  function take(files) { Array.prototype.slice.call(files, 0, 10).forEach(send); input.value = ""; }
  input.addEventListener("change", function () { take(input.files); });
  ["dragenter", "dragover"].forEach(function (t) { drop.addEventListener(t, function (e) { e.preventDefault(); drop.classList.add("over"); }); });
  ["dragleave", "drop"].forEach(function (t) { drop.addEventListener(t, function (e) { e.preventDefault(); drop.classList.remove("over"); }); });
  drop.addEventListener("drop", function (e) { take(e.dataTransfer.files); });

  function saveDraft() {
    var fields = {};
    Array.prototype.forEach.call(form.elements, function (f) {
      if (f.name && f.name !== "csrf_token" && f.name !== "media" && f.type !== "file") fields[f.name] = f.value;
    });
    var media = Array.prototype.map.call(list.querySelectorAll("[data-media-id]"), function (item) {
      return { id: item.dataset.mediaId, name: item.dataset.name, alt: item.querySelector("input.alt").value };
    });
    localStorage.setItem(draftKey, JSON.stringify({ fields: fields, media: media }));
  }

  function restoreDraft() {
    var raw = localStorage.getItem(draftKey);
    if (!raw) return;
    var draft;
    try { draft = JSON.parse(raw); } catch (e) { return; }
    Object.keys(draft.fields || {}).forEach(function (name) {
      var field = form.elements.namedItem(name);
      if (field && !field.length && field.type !== "file") field.value = draft.fields[name];
    });
    (draft.media || []).forEach(function (m) { addItem(m.name, m.id, m.alt); });
    document.getElementById("draft-note").hidden = false;
  }

  form.addEventListener("input", saveDraft);
  form.addEventListener("submit", function () { localStorage.removeItem(draftKey); });
  restoreDraft();
  // Uploads named in the address (?media=…, an approved image from its notification)
  JSON.parse(form.dataset.startMedia || "[]").forEach(function (m) {
    if (list.querySelector('[data-media-id="' + m.id + '"]')) return;
    addItem(m.name, m.id, m.alt);
    saveDraft();
  });
  refreshPublish();
})();
