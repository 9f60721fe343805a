// Live character counter for fields with data-counter: counts characters as a person sees
// them (an emoji or «æ» is one), the same way the server does.
(function () {
  "use strict";
  var segmenter = typeof Intl !== "undefined" && Intl.Segmenter ? new Intl.Segmenter() : null;
  function count(text) {
    if (segmenter) {
      var n = 0;
      for (var _ of segmenter.segment(text)) { n += 1; }
      return n;
    }
    return Array.from(text).length;
  }
  document.querySelectorAll("[data-counter]").forEach(function (field) {
    var output = document.getElementById(field.getAttribute("data-counter"));
    if (!output) { return; }
    var template = output.getAttribute("data-template") || "{count}";
    function update() {
      output.textContent = template.replace("{count}", String(count(field.value.trim())));
    }
    field.addEventListener("input", update);
    update();
  });
})();
