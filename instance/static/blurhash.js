// Paint blurhash placeholders behind images until they load (https://blurha.sh).
(function () {
  "use strict";
  var CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~";
  function decode83(s) { var v = 0; for (var i = 0; i < s.length; i++) { v = v * 83 + CHARS.indexOf(s[i]); } return v; }
  function srgbToLinear(v) { v = v / 255; return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }
  function linearToSrgb(v) { v = Math.max(0, Math.min(1, v)); return Math.round((v <= 0.0031308 ? v * 12.92 : 1.055 * Math.pow(v, 1 / 2.4) - 0.055) * 255); }
  function signPow(v, e) { return (v < 0 ? -1 : 1) * Math.pow(Math.abs(v), e); }
  function decode(hash, w, h) {
    var size = decode83(hash[0]), ny = Math.floor(size / 9) + 1, nx = (size % 9) + 1;
    var maxAc = (decode83(hash[1]) + 1) / 166, colors = [];
    var dc = decode83(hash.substring(2, 6));
    colors.push([srgbToLinear(dc >> 16), srgbToLinear((dc >> 8) & 255), srgbToLinear(dc & 255)]);
    for (var i = 1; i < nx * ny; i++) {
      var v = decode83(hash.substring(4 + i * 2, 6 + i * 2));
      colors.push([signPow((Math.floor(v / 361) - 9) / 9, 2) * maxAc,
                   signPow((Math.floor(v / 19) % 19 - 9) / 9, 2) * maxAc,
                   signPow((v % 19 - 9) / 9, 2) * maxAc]);
    }
    var px = new Uint8ClampedArray(w * h * 4);
    for (var y = 0; y < h; y++) for (var x = 0; x < w; x++) {
      var r = 0, g = 0, b = 0;
      for (var j = 0; j < ny; j++) for (var k = 0; k < nx; k++) {
        var basis = Math.cos(Math.PI * x * k / w) * Math.cos(Math.PI * y * j / h), c = colors[k + j * nx];
        r += c[0] * basis; g += c[1] * basis; b += c[2] * basis;
      }
      var p = 4 * (x + y * w);
      px[p] = linearToSrgb(r); px[p + 1] = linearToSrgb(g); px[p + 2] = linearToSrgb(b); px[p + 3] = 255;
    }
    return px;
  }
  document.querySelectorAll("[data-blurhash]").forEach(function (frame) {
    try {
      var canvas = document.createElement("canvas"); canvas.width = 32; canvas.height = 32;
      var ctx = canvas.getContext("2d"), img = ctx.createImageData(32, 32);
      img.data.set(decode(frame.getAttribute("data-blurhash"), 32, 32));
      ctx.putImageData(img, 0, 0);
      frame.style.backgroundImage = "url(" + canvas.toDataURL() + ")";
    } catch (e) { /* a bad hash leaves the plain background */ }
  });
})();
