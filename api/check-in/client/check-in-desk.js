/*
 * check-in-desk.js — the check-in desk's script (api/check-in/desk-page.ts renders the markup;
 * api/check-in/desk-routes.ts answers). Served as /static/check-in-desk.js after jsqr.js and
 * qr-scan.js.
 *
 * - A scanned card or typed code is looked up (POST …/desk/lookup) and shown: name, members
 *   registered, members present, one confirm button (volunteers: check in or check out).
 * - Every write (check-in, walk-in, check-out) goes into a queue kept in localStorage with its own
 *   nonce, then the queue is sent in order. An item leaves the queue only on a definite answer
 *   (2xx, or a 4xx refusal); without a connection, on 5xx or when signed out it stays, shown as
 *   "待上传 N", and is sent again on the `online` event and every few seconds. The server treats a
 *   repeated nonce as the same check-in, so a check-in is recorded exactly once however often it is
 *   sent.
 * - The window, the live count and the lists are refreshed from …/desk/state every few seconds.
 */
(function () {
  'use strict';

  var root = document.getElementById('desk');
  if (!root) return;
  var base = root.getAttribute('data-base');
  var csrf = root.getAttribute('data-csrf');
  var queueKey = 'cogov-desk-queue:' + root.getAttribute('data-activity');
  var say = function (key) { return root.getAttribute('data-s-' + key) || ''; };
  var $ = function (id) { return document.getElementById(id); };

  var POLL_MS = 4000;
  var RETRY_MS = 5000;

  // ---- messages ------------------------------------------------------------------------------
  function message(text, bad) {
    var list = $('desk-messages');
    var li = document.createElement('li');
    if (bad) li.className = 'bad';
    li.textContent = text;
    list.insertBefore(li, list.firstChild);
    while (list.children.length > 8) list.removeChild(list.lastChild);
  }

  // ---- the queue -----------------------------------------------------------------------------
  function load() {
    try {
      var q = JSON.parse(localStorage.getItem(queueKey) || '[]');
      return Array.isArray(q) ? q : [];
    } catch (e) {
      return [];
    }
  }
  function save(q) {
    localStorage.setItem(queueKey, JSON.stringify(q));
  }
  function nonce() {
    if (window.crypto && typeof window.crypto.randomUUID === 'function') return 'desk-' + window.crypto.randomUUID();
    var a = new Uint8Array(16);
    window.crypto.getRandomValues(a);
    return 'desk-' + Array.prototype.map.call(a, function (b) { return (b + 256).toString(16).slice(1); }).join('');
  }

  var uploadedSince = false;
  var problem = '';
  function showQueue() {
    var n = load().length;
    var el = $('desk-queue');
    el.classList.remove('ok', 'error');
    if (n > 0) {
      el.hidden = false;
      el.textContent = say('pending') + ' ' + n + (problem ? ' · ' + problem : '');
      el.classList.add('error');
    } else if (uploadedSince) {
      el.hidden = false;
      el.textContent = say('uploaded');
      el.classList.add('ok');
    } else {
      el.hidden = true;
    }
  }

  function enqueue(type, body, label) {
    var q = load();
    q.push({ nonce: nonce(), type: type, body: body, label: label });
    save(q);
    if (!navigator.onLine) message(label + '：' + say('queued'));
    showQueue();
    flush();
  }

  function post(path, body) {
    var payload = Object.assign({}, body, { csrf: csrf });
    return fetch(base + path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(payload),
    });
  }

  var flushing = false;
  function flush() {
    if (flushing) return;
    var q = load();
    if (q.length === 0) { showQueue(); return; }
    flushing = true;
    var item = q[0];
    post('/' + item.type, Object.assign({}, item.body, { nonce: item.nonce }))
      .then(function (res) {
        if (res.status >= 500 || res.status === 401) {
          problem = res.status === 401 ? say('signed-out') : '';
          throw new Error('retry');
        }
        return res.json().then(function (data) {
          save(load().filter(function (x) { return x.nonce !== item.nonce; }));
          uploadedSince = true;
          problem = '';
          if (data && data.error) message(item.label + '：' + data.error.message, true);
          else message(data.message || item.label);
        });
      })
      .then(function () {
        flushing = false;
        showQueue();
        refresh();
        if (load().length > 0) flush();
      })
      .catch(function () {
        flushing = false;
        if (!navigator.onLine) problem = say('offline');
        showQueue();
      });
  }

  window.addEventListener('online', function () { problem = ''; flush(); refresh(); });
  window.addEventListener('offline', function () { problem = say('offline'); showQueue(); });
  setInterval(flush, RETRY_MS);

  // ---- the live count and lists ---------------------------------------------------------------
  function applyFilter() {
    var needle = ($('desk-filter').value || '').trim().toLowerCase();
    Array.prototype.forEach.call(document.querySelectorAll('#desk-families li, #desk-walk-ins li'), function (li) {
      li.hidden = needle !== '' && (li.getAttribute('data-name') || '').toLowerCase().indexOf(needle) < 0;
    });
  }
  function refresh() {
    if (!navigator.onLine) return;
    fetch(base + '/state', { credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (data) {
        if (!data || !data.fragments) return;
        Object.keys(data.fragments).forEach(function (id) {
          var el = $(id);
          if (el && el.innerHTML !== data.fragments[id]) el.innerHTML = data.fragments[id];
        });
        root.setAttribute('data-window', data.attendanceState);
        applyFilter();
      })
      .catch(function () { /* offline: the next poll tries again */ });
  }
  setInterval(refresh, POLL_MS);
  $('desk-filter').addEventListener('input', applyFilter);

  // ---- the result panel ----------------------------------------------------------------------
  var current = null;
  function closePanel() {
    current = null;
    $('desk-result').hidden = true;
  }
  function showPerson(p, code) {
    current = { kind: p.kind, id: p.id, name: p.name, code: code };
    $('desk-result-name').textContent = p.name;
    $('desk-result-detail').textContent = p.detail || '';
    var already = $('desk-result-already');
    var lines = [p.checkedIn, p.checkedOut].filter(Boolean);
    already.hidden = lines.length === 0;
    already.textContent = lines.join(' · ');
    var family = p.kind === 'family';
    $('desk-members-field').hidden = !family || !!p.checkedIn;
    if (family) $('desk-members').value = String(p.members || 1);
    $('desk-confirm').hidden = !!p.checkedIn;
    $('desk-check-out').hidden = !(p.kind === 'volunteer' && p.checkedIn && !p.checkedOut);
    $('desk-result').hidden = false;
    $('desk-result').scrollIntoView({ block: 'nearest' });
    if (!p.checkedIn) $('desk-confirm').focus();
  }

  function lookup(code) {
    if (!navigator.onLine) {
      // No connection: the code itself is queued; the server finds the card when it arrives.
      enqueue('check-in', { code: code }, code);
      return;
    }
    post('/lookup', { code: code })
      .then(function (res) { return res.json().then(function (data) { return { ok: res.ok, data: data }; }); })
      .then(function (r) {
        if (!r.ok) { closePanel(); message(code + '：' + ((r.data && r.data.error && r.data.error.message) || say('generic')), true); return; }
        showPerson(r.data, code);
      })
      .catch(function () { enqueue('check-in', { code: code }, code); });
  }

  $('desk-code-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var input = $('desk-code');
    var code = (input.value || '').trim();
    if (!code) return;
    input.value = '';
    lookup(code);
  });

  $('desk-confirm-form').addEventListener('submit', function (e) {
    e.preventDefault();
    if (!current) return;
    var body = current.code ? { code: current.code } : current.kind === 'family' ? { familyId: current.id } : { volunteerId: current.id };
    if (current.kind === 'family') {
      var m = parseInt($('desk-members').value, 10);
      if (m >= 1 && m <= 50) body.members = m;
    }
    enqueue('check-in', body, current.name);
    closePanel();
  });
  $('desk-check-out').addEventListener('click', function () {
    if (!current) return;
    enqueue('check-out', { volunteerId: current.id }, current.name);
    closePanel();
  });
  $('desk-result-close').addEventListener('click', closePanel);

  // One tap in a list: check in (registered members) or check a volunteer out.
  root.addEventListener('click', function (e) {
    var b = e.target.closest ? e.target.closest('button[data-act]') : null;
    if (!b) return;
    var kind = b.getAttribute('data-kind');
    var id = b.getAttribute('data-id');
    var name = b.getAttribute('data-name') || '';
    b.disabled = true;
    if (b.getAttribute('data-act') === 'check-out') enqueue('check-out', { volunteerId: id }, name);
    else enqueue('check-in', kind === 'family' ? { familyId: id } : { volunteerId: id }, name);
  });

  // ---- walk-ins ------------------------------------------------------------------------------
  $('desk-directory-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var q = ($('desk-directory-q').value || '').trim();
    fetch(base + '/directory?q=' + encodeURIComponent(q), { credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(function (res) { return res.json(); })
      .then(function (data) {
        if (data && data.html !== undefined) $('desk-directory-results').innerHTML = data.html;
        else if (data && data.error) message(data.error.message, true);
      })
      .catch(function () { message(say('offline'), true); });
  });

  $('desk-walk-in-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var form = e.target;
    var name = form.elements.name.value.trim();
    var members = parseInt(form.elements.members.value, 10);
    enqueue('walk-in', { name: name, email: form.elements.email.value.trim(), members: members }, name);
    form.reset();
  });

  // ---- start ---------------------------------------------------------------------------------
  showQueue();
  flush();
  var initial = root.getAttribute('data-code');
  if (initial) lookup(initial);
})();
