/* datasette-vega, set up for this site's explorer charts (plugins/vega_charts.py puts this file,
   after window.siteVegaColours from metadata.yml, in front of datasette-vega's own script).

   siteVega.config: a chart as wide as the page allows (never wider, so a phone does not scroll
   sideways), text of 12 px, labels and the legend never cut short, the legend below the chart.
   siteVega.colour(field): the colour encoding of a field, each value in its declared colour;
   the values are those in the page's own table of the query's rows.
   A chart wider than the page (long axis labels, uncut, on a phone) scrolls sideways inside
   datasette-vega's box: that box is given a place in the tab order and a name, so a keyboard
   can scroll it too (axe-core: scrollable-region-focusable). */
(function () {
  var declared = window.siteVegaColours || {};
  var width = Math.max(240, Math.min(720, document.documentElement.clientWidth - 160));
  var text = { labelFontSize: 12, titleFontSize: 12, labelLimit: 0 };
  function cssClass(name) { return String(name).replace(/[^a-zA-Z0-9_-]/g, '-'); }
  window.siteVega = {
    config: {
      view: { width: width, height: 260 },
      scale: { rangeStep: null },
      axis: text,
      legend: { orient: 'bottom', direction: 'vertical', labelFontSize: 12, titleFontSize: 12, labelLimit: 0 }
    },
    colour: function (field) {
      var encoding = { field: field, type: 'nominal' };
      var known = declared[field] || {};
      var spare = (declared.others || []).filter(function (c) {
        return Object.keys(known).map(function (k) { return known[k]; }).indexOf(c) < 0;
      });
      var values = [];
      document.querySelectorAll('table.rows-and-columns td.col-' + cssClass(field)).forEach(function (td) {
        var value = td.textContent.trim();
        if (values.indexOf(value) < 0) values.push(value);
      });
      if (values.length && spare.length) {
        var next = 0;
        encoding.scale = {
          domain: values,
          range: values.map(function (v) { return known[v] || spare[next++ % spare.length]; })
        };
      }
      return encoding;
    }
  };
  new MutationObserver(function () {
    document.querySelectorAll('form.datasette-vega + div[style*="overflow"]:not([tabindex])').forEach(function (box) {
      box.setAttribute('tabindex', '0');
      box.setAttribute('role', 'region');
      box.setAttribute('aria-label', 'Chart');
    });
  }).observe(document.documentElement, { childList: true, subtree: true });
})();
