// The audit log: who changed what, from where, and the values before and after; newest first, paged on the
// server.
'use strict';

// What changed, in one line per field: "caller_address: +1555 → +1556"; a create or delete shows its value.
function auditChange(e) {
  const show = (v) => (v === null || v === undefined ? '∅' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  if (e.old && e.new && typeof e.old === 'object' && typeof e.new === 'object') {
    const keys = [...new Set([...Object.keys(e.old), ...Object.keys(e.new)])]
      .filter((k) => JSON.stringify(e.old[k]) !== JSON.stringify(e.new[k]));
    if (!keys.length) return h('span', {class: 'note'}, 'no field changed');
    return h('ul', {class: 'changes'}, keys.map((k) => h('li', {}, h('b', {}, k), `: ${show(e.old[k])} → ${show(e.new[k])}`)));
  }
  return h('code', {}, show(e.new ?? e.old));
}

cbd.pages.audit = (root) => {
  const pageSize = 50;
  let offset = 0;
  const filters = h('form', {class: 'toolbar', id: 'audit-filters', novalidate: true},
    h('label', {}, 'Entity ', h('select', {name: 'entity'}, ['', 'authorized-phone', 'authorized-phones', 'extension',
      'callback-job', 'prompt'].map((o) => h('option', {value: o}, o || 'any')))),
    h('label', {}, 'Who ', h('input', {name: 'actor', type: 'search', placeholder: 'admin name or api-token'})),
    h('button', {type: 'submit', class: 'primary'}, 'Apply'));
  const holder = h('div');
  const pager = h('div', {class: 'pager'});
  const columns = [
    {field: 'at', label: 'When (UTC)'}, {field: 'actor', label: 'Who'}, {field: 'source', label: 'From'},
    {field: 'action', label: 'Action'}, {field: 'entity', label: 'Entity'}, {field: 'entity_id', label: 'Id'},
    {field: 'change', label: 'Change', render: auditChange},
  ];
  const load = async () => {
    const p = new URLSearchParams({offset, limit: pageSize});
    for (const k of ['entity', 'actor']) if (filters.elements[k].value) p.set(k, filters.elements[k].value);
    const r = await api('GET', '/api/v1/audit?' + p);
    if (!r.ok) return;
    const total = Number(r.headers.get('X-Total-Count') || 0);
    holder.replaceChildren(table('audit', columns, r.data));
    pager.replaceChildren(
      h('button', {type: 'button', disabled: offset === 0, onclick: () => { offset = Math.max(0, offset - pageSize); load(); }}, 'Newer'),
      h('span', {}, total ? `${offset + 1}–${offset + r.data.length} of ${total}` : 'No changes yet'),
      h('button', {type: 'button', disabled: offset + pageSize >= total, onclick: () => { offset += pageSize; load(); }}, 'Older'));
  };
  filters.addEventListener('submit', (ev) => { ev.preventDefault(); offset = 0; load(); });
  root.append(h('h1', {}, 'Audit log'), h('p', {class: 'note'},
    'Every change made here or through the REST API: who, from where, and the value before and after.'), filters, holder, pager);
  load();
};
