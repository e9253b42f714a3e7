/* SQL in the browser, for the static site (static_site.py puts this on the database page,
   cautions/index.html, with sql.js-httpvfs from static/vendor/ before it).

   The page is Datasette's own database page. Its form sends ?sql=... (and :name parameters)
   to this page, as a link from the Datasette server does; this script runs that SQL here, in a
   worker, against the published database read over HTTP range requests (4 KB pages, only
   those the query needs), read-only, and shows the answer as a table, with CSV and JSON of it
   and a link that carries the query. The two SQL functions the server adds
   (plugins/forgiving_search.py's escape_fts, plugins/sql_functions.py's
   normalise_offence_code) are defined in the worker too, the same rules in JavaScript, so
   the canned queries run unchanged. Nothing is fetched from any other host.

   Brakes, since a link can carry any SQL to every reader who opens it (a full scan at 1M rows
   downloaded 226 MB; an endless recursive CTE took chromium to 8 GB): each query has a time
   limit, a cap on the bytes of the database it may fetch, and a cap on the rows it may return
   (the section's data-time-limit-ms, data-max-bytes and data-max-rows, which static_site.py
   writes; `_timelimit=` in the link may lower the time limit, as on the server). The worker
   checks the time and the rows between rows; a single step that runs past the time limit (a
   count over a huge join) is ended by stopping the worker. Each limit ends with a message
   that says which was met and how to run the query on the downloaded database instead. */
(function () {
  'use strict';
  /* On a table page of the static site (loaded first in its head, with data-table): an address
     with filters, a search or a sort (a shared link to cautions/cautions/?offence_group=...) goes
     to the SQL page, which asks the same question below; the file here holds the unfiltered rows. */
  var me = document.currentScript;
  if (me && me.dataset.table) {
    var asked = new URLSearchParams(window.location.search);
    var keep = (me.dataset.keep || '').split(',');
    var filtered = false;
    asked.forEach(function (value, key) { if (keep.indexOf(key) < 0) filtered = true; });
    if (filtered) {
      asked.set('_table', me.dataset.table);
      window.location.replace(new URL(me.dataset.sqlPage, document.baseURI).href + '?' + asked.toString());
    }
    return;
  }
  var MAX_ROWS_SHOWN = 1000; /* as the server's max_returned_rows */
  var section = document.getElementById('sql-in-browser');
  if (!section) return;
  var form = document.querySelector('form.sql');
  var textarea = document.getElementById('sql-editor');

  /* Datasette's SQL editor (CodeMirror, 95 KB gzipped) is loaded when the reader starts editing:
     a reader who opens a shared query needs its answer, not the editor. static_site.py took its
     files out of the page's head into data-editor-scripts and data-editor-styles; Datasette's own
     set-up of the editor, its inline window.onload, runs once they are loaded. */
  var setUpEditor = window.onload;
  window.onload = null;
  var editorLoading = false;
  function loadEditor() {
    if (editorLoading) return;
    editorLoading = true;
    JSON.parse(section.getAttribute('data-editor-styles') || '[]').forEach(function (href) {
      document.head.appendChild(element('link', { rel: 'stylesheet', href: new URL(href, document.baseURI).href }));
    });
    var scripts = JSON.parse(section.getAttribute('data-editor-scripts') || '[]');
    (function next(i) {  /* one after another: the SQL mode needs CodeMirror */
      if (i < scripts.length) {
        var script = element('script', { src: new URL(scripts[i], document.baseURI).href });
        script.onload = function () { next(i + 1); };
        document.head.appendChild(script);
        return;
      }
      var typing = document.activeElement === textarea;
      if (setUpEditor) setUpEditor();
      var editor = document.querySelector('.CodeMirror');
      if (typing && editor && editor.CodeMirror) {
        editor.CodeMirror.focus();
        editor.CodeMirror.execCommand('goDocEnd');
      }
    })(0);
  }
  if (textarea) {
    textarea.addEventListener('focus', loadEditor);
    textarea.addEventListener('pointerdown', loadEditor);
  }
  var params = new URLSearchParams(window.location.search);
  var sql = params.get('sql') || tableSql(params);

  /* The same rules as the server's Python functions; run inside the worker. */
  var WORKER_FUNCTIONS = function (db) {
    var MAX_SEARCH = 1000;
    function ftsQuery(text) {
      if (text === null || text === undefined) return null;
      text = String(text);
      if (text.length > MAX_SEARCH) throw new Error('search text longer than 1,000 characters');
      var word = /[\p{L}\p{N}\p{M}_]+/gu;
      var phrases = [];
      var re = /"([^"]*)"|(\S+)/g, m;
      var folded = text.replace(/\u201c/g, '"').replace(/\u201d/g, '"');
      while ((m = re.exec(folded)) !== null) {
        var tokens = (m[1] || m[2] || '').match(word) || [];
        if (tokens.length) phrases.push('"' + tokens.join(' ') + '"*');
      }
      if ((text.split('"').length - 1) % 2) {
        phrases = (text.match(word) || []).map(function (t) { return '"' + t + '"*'; });
      }
      return phrases.join(' ') || '""';
    }
    var CODE = /^(?:0*(\d{1,3})\s*[/.\-]\s*0*(\d{1,3})|0*(\d{1,3})\s*([A-Za-z]?))$/;
    function offenceCode(text) {
      if (typeof text === 'number' && Number.isInteger(text)) text = String(text);
      if (!text || typeof text !== 'string' || text.length > 64) return null;
      text = text.trim();
      if (text.length > 12) return null;
      var m = CODE.exec(text);
      if (!m) return null;
      if (m[1] !== undefined) return parseInt(m[1], 10) + '/' + parseInt(m[2], 10);
      return parseInt(m[3], 10) + m[4].toUpperCase();
    }
    db.create_function('escape_fts', ftsQuery);
    db.create_function('normalise_offence_code', offenceCode);
    db.exec('pragma query_only = 1');
  };

  /* The query, run in the worker one row at a time: stops at the row cap or the time limit. */
  var RUN = function (db, args) {
    var started = Date.now();
    var stmt = db.prepare(args.sql);
    try {
      if (Object.keys(args.values).length) stmt.bind(args.values);
      var values = [];
      var stopped = null;
      while (stmt.step()) {
        if (values.length >= args.maxRows) { stopped = 'rows'; break; }
        values.push(stmt.get());
        if (Date.now() - started > args.timeMs) { stopped = 'time'; break; }
      }
      return { columns: stmt.getColumnNames(), values: values, stopped: stopped };
    } finally {
      stmt.free();
    }
  };

  function limit(name, fallback) {
    var value = Number(section.dataset[name]);
    return value > 0 ? value : fallback;
  }
  var TIME_LIMIT_MS = limit('timeLimitMs', 20000);
  var lowered = Number(params.get('_timelimit'));
  if (lowered > 0 && lowered < TIME_LIMIT_MS) TIME_LIMIT_MS = lowered;
  var MAX_BYTES = limit('maxBytes', 50 * 1024 * 1024);
  var MAX_ROWS = limit('maxRows', 200000);
  var LOCALLY = ' To run it in full, download the database (cautions.db, linked on the home page) and run ' +
    'the query on your own computer, for example with the sqlite3 command or Datasette.';

  function limitMessage(which) {
    if (which === 'time') {
      return 'The query was stopped after ' + (TIME_LIMIT_MS / 1000).toLocaleString('en-GB') +
        ' seconds, the time limit for a query in your browser.' + LOCALLY;
    }
    if (which === 'bytes') {
      var size = MAX_BYTES >= 1048576 ? Math.round(MAX_BYTES / 1048576) + ' MB' : Math.round(MAX_BYTES / 1024) + ' KB';
      return 'The query was stopped: it needed more than ' + size + ' of the database, the most one query ' +
        'may download to your browser.' + LOCALLY;
    }
    return 'The query was stopped at ' + MAX_ROWS.toLocaleString('en-GB') + ' rows, the most one query may ' +
      'return in your browser; the rows so far are shown.' + LOCALLY;
  }

  /* A table page's address (?column__op=value, _search, _sort; or its form's _filter_column=...) as
     SQL, by Datasette's own table of filters (static_site.py writes datasette.filters.Filters into
     data-filters): the same rows the server's table page shows, by the same SQL (ordered by the
     sort column, else the primary key), so in the same order. An operator Datasette does not know is skipped, as the
     server skips it. */
  function tableSql(query) {
    var table = query.get('_table');
    if (!table) return null;
    function name(n) { return '"' + String(n).replace(/"/g, '""') + '"'; }
    function text(v) { return "'" + String(v).replace(/'/g, "''") + "'"; }
    var filters = JSON.parse(section.getAttribute('data-filters') || '{}');
    var orderKeys = (JSON.parse(section.getAttribute('data-order-keys') || '{}')[table] || []).map(name);
    var where = [], order = '';
    function literal(op, value) {
      var formatted = op.format.replace('{}', value);
      return op.numeric && /^[0-9]+$/.test(formatted) ? formatted : text(formatted);
    }
    function filter(column, key, value) {
      var op = filters[(key || 'exact').replace(/__1$/, '')];
      if (!column || !op) return;
      var p = '';
      if (op.list) {
        var values = value.charAt(0) === '[' ? JSON.parse(value) : value.split(',').map(function (v) { return v.trim(); });
        p = values.map(function (v) { return text(v); }).join(', ');
      } else if (!op.no_argument) {
        p = literal(op, value);
      }
      where.push(op.sql.split('{c}').join(name(column)).split('{t}').join(name(table)).split(':{p}').join(p)
        .split('{p}').join(p));
    }
    var searchable = JSON.parse(section.getAttribute('data-searchable') || '{}');
    query.forEach(function (value, key) {
      var m = /^_filter_column(_\d+)?$/.exec(key);
      if (key === '_search' && value && searchable[table]) {
        where.push(name(searchable[table][1]) + ' in (select rowid from ' + name(searchable[table][0]) + ' where ' +
          name(searchable[table][0]) + ' match escape_fts(' + text(value) + '))');
      } else if (key === '_sort' || key === '_sort_desc') {
        if (value) order = name(value) + (key === '_sort_desc' ? ' desc' : '');
      } else if (m) {
        var suffix = m[1] || '';
        filter(value, query.get('_filter_op' + suffix), query.get('_filter_value' + suffix) || '');
      } else if (key.charAt(0) !== '_') {
        var cut = key.lastIndexOf('__');
        if (cut > 0) filter(key.slice(0, cut), key.slice(cut + 2), value);
        else filter(key, 'exact', value);
      }
    });
    var by = order ? [order] : orderKeys;  /* as Datasette's first page: the sort column alone, else the key */
    return 'select * from ' + name(table) + (where.length ? ' where ' + where.join(' and ') : '') +
      (by.length ? ' order by ' + by.join(', ') : '') + ' limit 1001';
  }

  function parameterNames(text) {
    var stripped = text.replace(/'(?:[^']|'')*'/g, "''").replace(/"(?:[^"]|"")*"/g, '""')
      .replace(/--[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '');
    var names = [], re = /(^|[^:\w]):([A-Za-z_][A-Za-z0-9_]*)/g, m;
    while ((m = re.exec(stripped)) !== null) {
      if (names.indexOf(m[2]) < 0) names.push(m[2]);
    }
    return names;
  }

  function element(tag, attributes, text) {
    var el = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (k) { el.setAttribute(k, attributes[k]); });
    if (text !== undefined) el.textContent = text;
    return el;
  }

  function status(message, kind) {
    var p = section.querySelector('.sql-status');
    p.textContent = message;
    p.className = 'sql-status' + (kind ? ' message-' + kind : '');
  }

  function csv(columns, rows) {
    function cell(v) {
      if (v === null || v === undefined) return '';
      var s = v instanceof Uint8Array ? '<Binary: ' + v.length + ' bytes>' : String(v);
      return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
    }
    return [columns].concat(rows).map(function (r) { return r.map(cell).join(','); }).join('\r\n') + '\r\n';
  }

  function download(label, type, body, name) {
    var a = element('a', { href: URL.createObjectURL(new Blob([body], { type: type })), download: name }, label);
    return a;
  }

  function render(result, names, values, stats, ms) {
    var columns = result ? result.columns : [];
    var rows = result ? result.values : [];
    var objects = rows.map(function (r) {
      var o = {};
      columns.forEach(function (c, i) { o[c] = r[i] instanceof Uint8Array ? null : r[i]; });
      return o;
    });
    status(rows.length.toLocaleString('en-GB') + ' row' + (rows.length === 1 ? '' : 's') + ' in ' + ms + ' ms; ' +
      'read ' + (stats ? Math.round(stats.totalFetchedBytes / 1024).toLocaleString('en-GB') + ' KB of the ' +
      (stats.totalBytes / 1e6).toFixed(1) + ' MB database in ' + stats.totalRequests + ' requests' : '') + '.');
    section.querySelectorAll('.sql-result, .sql-links').forEach(function (el) { el.remove(); });
    var links = element('p', { 'class': 'sql-links export-links' });
    links.appendChild(document.createTextNode('This result as '));
    links.appendChild(download('CSV', 'text/csv', csv(columns, rows), 'query.csv'));
    links.appendChild(document.createTextNode(', '));
    links.appendChild(download('JSON', 'application/json', JSON.stringify(objects, null, 2) + '\n', 'query.json'));
    links.appendChild(document.createTextNode(' · '));
    links.appendChild(element('a', { href: '?' + params.toString(), 'class': 'sql-permalink' }, 'Link to this query'));
    section.appendChild(links);
    var wrapper = element('div', { 'class': 'sql-result table-wrapper' });
    var table = element('table', { 'class': 'rows-and-columns' });
    var head = table.createTHead().insertRow();
    columns.forEach(function (c) { head.appendChild(element('th', { scope: 'col', 'class': 'col-' + c }, c)); });
    var body = table.createTBody();
    rows.slice(0, MAX_ROWS_SHOWN).forEach(function (r) {
      var tr = body.insertRow();
      r.forEach(function (v, i) {
        var td = element('td', { 'class': 'col-' + columns[i], 'data-column': columns[i] }); /* its label on a phone */
        if (v === null) td.appendChild(element('span', { 'class': 'null' }, '\u00a0'));
        else td.textContent = v instanceof Uint8Array ? '<Binary: ' + v.length + ' bytes>' : String(v);
        tr.appendChild(td);
      });
    });
    wrapper.appendChild(table);
    section.appendChild(wrapper);
    if (rows.length > MAX_ROWS_SHOWN) {
      section.appendChild(element('p', { 'class': 'sql-result' }, 'The first ' + MAX_ROWS_SHOWN +
        ' rows are shown; the CSV and JSON hold all ' + rows.length.toLocaleString('en-GB') + '.'));
    }
  }

  if (!sql) return;
  if (textarea) textarea.value = sql; /* before CodeMirror reads it, when the reader starts editing */
  var names = parameterNames(sql);
  var values = {};
  if (form && names.length) {
    var fieldset = element('p', { 'class': 'sql-parameters' });
    names.forEach(function (name) {
      var id = 'sql-parameter-' + name;
      fieldset.appendChild(element('label', { 'for': id }, name + ' '));
      var input = element('input', { type: 'text', id: id, name: name });
      input.value = params.get(name) || '';
      fieldset.appendChild(input);
      fieldset.appendChild(document.createTextNode(' '));
    });
    form.insertBefore(fieldset, form.querySelector('input[type=submit]').parentNode);
  }
  names.forEach(function (name) { values[':' + name] = params.get(name) || ''; });

  status('Running the query in your browser…');
  var here = document.baseURI;
  var started = performance.now();
  var worker;
  var thread; /* the Worker itself, to stop it: createDbWorker makes it, and gives only a proxy */
  var RealWorker = window.Worker;
  window.Worker = function (url, options) { thread = new RealWorker(url, options); return thread; };
  var creating;
  try {
    creating = createDbWorker(
      [{ from: 'inline', config: { serverMode: 'full', url: new URL(section.dataset.database, here).href,
                                   requestChunkSize: Number(section.dataset.pageSize) } }],
      new URL(section.dataset.worker, here).href,
      new URL(section.dataset.wasm, here).href,
      MAX_BYTES
    );
  } finally {
    window.Worker = RealWorker; /* createDbWorker calls new Worker() before its first await */
  }
  var finished = false;
  var runaway = setTimeout(function () { /* one step past the time limit: the worker is busy, stop it */
    if (finished) return;
    finished = true;
    if (thread) thread.terminate();
    status(limitMessage('time'), 'error');
    section.dataset.state = 'error';
    section.dataset.limit = 'time';
  }, TIME_LIMIT_MS + 2000);
  creating.then(function (w) {
    worker = w;
    return worker.worker.evalCode('(' + WORKER_FUNCTIONS.toString() + ')(db);');
  }).then(function () {
    var args = { sql: sql, values: values, timeMs: TIME_LIMIT_MS, maxRows: MAX_ROWS };
    return worker.worker.evalCode('return (' + RUN.toString() + ')(db, ' + JSON.stringify(args) + ');');
  }).then(function (result) {
    if (finished) return;
    var ms = Math.round(performance.now() - started);
    return worker.worker.getStats().then(function (stats) {
      if (finished) return;
      finished = true;
      clearTimeout(runaway);
      render(result, names, values, stats, ms);
      if (result.stopped) {
        status(limitMessage(result.stopped), 'error');
        section.dataset.limit = result.stopped;
      }
      section.dataset.state = result.stopped ? 'stopped' : 'done';
    });
  }).catch(function (error) {
    if (finished) return;
    finished = true;
    clearTimeout(runaway);
    var message = error && error.message ? error.message : String(error);
    if (/disk I\/O error/i.test(message)) {
      status(limitMessage('bytes'), 'error');
      section.dataset.limit = 'bytes';
    } else {
      status('The query failed: ' + message, 'error');
    }
    section.dataset.state = 'error';
  });
})();
