/* The site's one script of its own (templates/base.html loads it, deferred). */
(function () {
  /* Datasette's SQL editor (CodeMirror 5) types into a textarea of its own, with no label:
     name it, so a screen reader says what the box is for. */
  function labelEditor() {
    document.querySelectorAll('.CodeMirror textarea').forEach(function (input) {
      if (!input.hasAttribute('aria-label')) input.setAttribute('aria-label', 'SQL query');
    });
  }
  window.addEventListener('load', function () { setTimeout(labelEditor, 0); });
})();
