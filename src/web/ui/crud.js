// A table of records with search, sort, paging, checkbox selection, and an add/edit form whose errors come
// from the REST API. Used by the Authorized Phones and Extensions pages.
'use strict';

function crudPage(cfg) {
  return (root) => {
    const st = {q: '', offset: 0, limit: 50, sort: '', rows: [], total: 0, selected: new Set(), editing: null};
    const msg = h('div', {class: 'message', role: 'status', 'aria-live': 'polite', id: 'message'});
    const search = h('input', {type: 'search', id: 'search', placeholder: 'Search', 'aria-label': 'Search'});
    const tbody = h('tbody');
    const headRow = h('tr');
    const pagerText = h('span', {id: 'pager-text'});
    const prev = h('button', {type: 'button', onclick: () => page(-1)}, 'Previous');
    const next = h('button', {type: 'button', onclick: () => page(1)}, 'Next');
    const {dialog, form} = buildDialog();

    const load = async () => {
      const r = cfg.serverPaging ? await loadPage() : await loadAll();
      if (!r) return;
      const valid = new Set(st.rows.map((row) => String(row[cfg.key])));
      st.selected = new Set([...st.selected].filter((k) => valid.has(k)));
      renderRows();
    };
    const loadPage = async () => {
      const p = new URLSearchParams({q: st.q, offset: st.offset, limit: st.limit});
      if (st.sort) p.set('sort', st.sort);
      const r = await api('GET', cfg.listPath + '?' + p);
      if (!r.ok) { setMessage(msg, r.data && r.data.error, 'error'); return null; }
      st.rows = r.data;
      st.total = Number(r.headers.get('X-Total-Count') || r.data.length);
      return r;
    };
    const loadAll = async () => {
      const r = await api('GET', cfg.listPath);
      if (!r.ok) { setMessage(msg, r.data && r.data.error, 'error'); return null; }
      const q = st.q.toLowerCase();
      let rows = r.data.filter((row) => !q || cfg.columns.some((c) => String(row[c.field] ?? '').toLowerCase().includes(q)));
      if (st.sort) {
        const desc = st.sort.startsWith('-');
        const f = desc ? st.sort.slice(1) : st.sort;
        rows.sort((a, b) => (String(a[f]) < String(b[f]) ? -1 : String(a[f]) > String(b[f]) ? 1 : 0) * (desc ? -1 : 1));
      }
      st.total = rows.length;
      st.rows = rows.slice(st.offset, st.offset + st.limit);
      return r;
    };
    const page = (dir) => {
      const o = st.offset + dir * st.limit;
      if (o < 0 || o >= st.total) return;
      st.offset = o;
      load();
    };

    function renderHead() {
      headRow.replaceChildren(h('th', {scope: 'col'}, h('span', {class: 'visually-hidden'}, 'Select')));
      for (const c of cfg.columns) {
        const asc = st.sort === c.field, desc = st.sort === '-' + c.field;
        const th = h('th', {scope: 'col', 'aria-sort': asc ? 'ascending' : desc ? 'descending' : 'none'},
          h('button', {type: 'button', 'data-sort': c.field, onclick: () => {
            st.sort = asc ? '-' + c.field : c.field; st.offset = 0; renderHead(); load();
          }}, c.label + (asc ? ' ▲' : desc ? ' ▼' : '')));
        headRow.append(th);
      }
    }

    function renderRows() {
      tbody.replaceChildren();
      st.rows.forEach((row, i) => {
        const key = String(row[cfg.key]);
        const box = h('input', {type: 'checkbox', class: 'row-select', 'aria-label': 'Select ' + key,
          checked: st.selected.has(key), onchange: () => toggle(key, box.checked, tr),
          onkeydown: (ev) => rowKey(ev, i, key)});
        const tr = h('tr', {class: st.selected.has(key) ? 'selected' : null, 'data-key': key},
          h('td', {}, box), cfg.columns.map((c) => h('td', {'data-field': c.field}, c.render ? c.render(row) : fmt(row[c.field]))));
        tbody.append(tr);
      });
      if (!st.rows.length) tbody.append(h('tr', {}, h('td', {colspan: cfg.columns.length + 1, class: 'note'}, 'No entries')));
      const last = Math.min(st.offset + st.rows.length, st.total);
      pagerText.textContent = st.total ? `${st.offset + 1}–${last} of ${st.total}` : '0 entries';
      prev.disabled = st.offset === 0;
      next.disabled = last >= st.total;
    }

    function toggle(key, on, tr) {
      if (on) st.selected.add(key); else st.selected.delete(key);
      tr.classList.toggle('selected', on);
    }

    // Keyboard use of the table: arrows move between rows, Space selects (the checkbox's own), Enter edits.
    function rowKey(ev, i, key) {
      const boxes = [...tbody.querySelectorAll('.row-select')];
      if (ev.key === 'ArrowDown' && boxes[i + 1]) { ev.preventDefault(); boxes[i + 1].focus(); }
      if (ev.key === 'ArrowUp' && boxes[i - 1]) { ev.preventDefault(); boxes[i - 1].focus(); }
      if (ev.key === 'Enter') {
        ev.preventDefault();
        openForm(st.rows.find((r) => String(r[cfg.key]) === key));
      }
    }

    function selectedRows() {
      return st.rows.filter((r) => st.selected.has(String(r[cfg.key])));
    }

    function edit() {
      const rows = selectedRows();
      if (rows.length === 0) return setMessage(msg, 'No records selected', 'error');
      if (rows.length > 1) return setMessage(msg, 'One record should be selected', 'error');
      openForm(rows[0]);
    }

    async function remove() {
      const rows = selectedRows();
      if (rows.length === 0) return setMessage(msg, 'No records selected', 'error');
      if (!confirm(`Delete ${rows.length} record(s)?`)) return;
      const failed = [];
      for (const row of rows) {
        const r = await api('DELETE', cfg.itemPath(row));
        if (!r.ok) failed.push(`${row[cfg.key]}: ${r.data && r.data.error}`);
        else st.selected.delete(String(row[cfg.key]));
      }
      setMessage(msg, failed.length ? 'Not deleted: ' + failed.join('; ') : `Deleted ${rows.length} record(s)`,
        failed.length ? 'error' : 'ok');
      load();
    }

    function buildDialog() {
      const f = h('form', {class: 'grid', novalidate: true, id: 'record-form'});
      const groups = {};
      for (const fd of cfg.fields) {
        const g = fd.group || '';
        if (!groups[g]) { groups[g] = h('fieldset', {}, g ? h('legend', {}, g) : null); f.append(groups[g]); }
        groups[g].append(fieldInput(fd), h('span', {class: 'field-error', 'data-error-for': fd.name, id: 'error-' + fd.name}));
        if (fd.hint) groups[g].append(h('span', {class: 'field-warning', id: 'warning-' + fd.name, role: 'status', 'aria-live': 'polite'}));
      }
      f.append(h('span', {class: 'field-error', 'data-error-for': ''}));
      const d = h('dialog', {'aria-labelledby': 'form-title'}, h('h2', {id: 'form-title'}), f,
        h('div', {class: 'actions'},
          h('button', {type: 'button', onclick: () => d.close()}, 'Cancel'),
          h('button', {type: 'button', class: 'primary', id: 'save', onclick: save}, 'Save')));
      f.addEventListener('submit', (ev) => { ev.preventDefault(); save(); });
      for (const fd of cfg.fields.filter((x) => x.hint)) {
        let t = null;
        f.elements[fd.name].addEventListener('input', () => { clearTimeout(t); t = setTimeout(() => showHint(f, fd), 250); });
      }
      return {dialog: d, form: f};
    }

    function openForm(row) {
      st.editing = row || null;
      clearErrors(form);
      dialog.querySelector('#form-title').textContent = (row ? 'Edit ' : 'Add ') + cfg.title;
      for (const fd of cfg.fields) {
        const el = form.elements[fd.name];
        const v = row ? row[fd.name] : fd.default;
        if (fd.type === 'checkbox') el.checked = !!v;
        else if (fd.type === 'list') el.value = (v || []).join(', ');
        else el.value = v === null || v === undefined ? '' : v;
        if (fd.fixedOnEdit) el.disabled = !!row;
      }
      for (const fd of cfg.fields.filter((x) => x.hint)) showHint(form, fd);
      dialog.showModal();
      form.querySelector('input:not([disabled]), select:not([disabled])').focus();
    }

    async function save() {
      const body = {};
      for (const fd of cfg.fields) {
        const el = form.elements[fd.name];
        if (fd.type === 'checkbox') body[fd.name] = el.checked;
        else if (fd.type === 'integer') body[fd.name] = el.value === '' ? null : (/^-?\d+$/.test(el.value) ? Number(el.value) : el.value);
        else if (fd.type === 'list') body[fd.name] = splitList(el.value, ',');
        else if (fd.type === 'password' && el.value === '') continue;  // a secret left empty is not sent
        else body[fd.name] = el.value;
      }
      const r = st.editing ? await api('PUT', cfg.itemPath(st.editing), body) : await api('POST', cfg.listPath, body);
      if (!r.ok) { showFieldError(form, r.data); return; }
      dialog.close();
      st.selected.clear();  // the edit is done; a later Delete must not act on a stale selection
      setMessage(msg, 'Saved' + (r.data && r.data.warning ? ' — warning: ' + r.data.warning : ''), r.data && r.data.warning ? 'error' : 'ok');
      load();
    }

    let debounce = null;
    search.addEventListener('input', () => {
      clearTimeout(debounce);
      debounce = setTimeout(() => { st.q = search.value; st.offset = 0; load(); }, 250);
    });
    const toolbar = h('div', {class: 'toolbar'}, search,
      h('button', {type: 'button', id: 'add', onclick: () => openForm(null)}, 'Add'),
      h('button', {type: 'button', id: 'edit', onclick: edit}, 'Edit'),
      h('button', {type: 'button', id: 'delete', onclick: remove}, 'Delete'));
    root.append(h('h1', {}, cfg.heading), toolbar);
    if (cfg.extraTools) cfg.extraTools(root, toolbar, msg, () => { st.selected.clear(); load(); });
    root.append(msg, h('div', {class: 'table-wrap'}, h('table', {id: 'records'}, h('thead', {}, headRow), tbody)),
      h('div', {class: 'pager'}, prev, next, pagerText), dialog);
    renderHead();
    load();
  };
}

// A warning beside a field while the admin types (the server decides: it knows the rule).
async function showHint(form, fd) {
  const value = form.elements[fd.name].value;
  const text = value ? await fd.hint(value) : '';
  if (form.elements[fd.name].value === value) form.querySelector('#warning-' + fd.name).textContent = text ? '⚠ ' + text : '';
}

function fieldInput(fd) {
  if (fd.type === 'checkbox') {
    return h('label', {}, h('input', {type: 'checkbox', name: fd.name, id: 'field-' + fd.name}), ' ' + fd.label);
  }
  let input;
  if (fd.type === 'select') {
    input = h('select', {name: fd.name, id: 'field-' + fd.name}, fd.options.map((o) => h('option', {value: o}, o)));
  } else {
    input = h('input', {name: fd.name, id: 'field-' + fd.name, type: fd.type === 'password' ? 'password' : 'text',
      inputmode: fd.type === 'integer' ? 'numeric' : null, placeholder: fd.placeholder, autocomplete: 'off'});
  }
  return h('label', {}, fd.label, input);
}

// "9, 8" (or one entry per line) -> ["9", "8"]: a list field's text as the API's array; the server judges each.
function splitList(text, separator) {
  return text.split(separator).map((s) => s.trim()).filter((s) => s !== '');
}

function fmt(v) {
  if (v === true) return 'yes';
  if (v === false) return 'no';
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.join(', ');
  return String(v);
}
