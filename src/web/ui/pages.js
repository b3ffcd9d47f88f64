// The pages: each is a function that fills the page element.
'use strict';

cbd.pages.phones = crudPage({
  heading: 'Authorized Phones Database', title: 'trusted caller', key: 'id', serverPaging: true,
  listPath: '/api/v1/authorized-phones', itemPath: (r) => '/api/v1/authorized-phones/' + r.id,
  columns: [
    {field: 'id', label: 'ID'},
    {field: 'caller_type', label: 'Caller type'},
    {field: 'caller_address', label: 'Caller address', render: (r) => [r.caller_address,
      r.warning ? h('span', {class: 'warning', title: r.warning}, ' ⚠ ' + r.warning.replace(/^caller_address "[^"]*" /, '')) : null]},
    {field: 'login_extension', label: 'Login ext.'},
    {field: 'auto_call_relay', label: 'Auto relay'},
    {field: 'description', label: 'Description'},
    {field: 'callback_enabled', label: 'Call back'},
    {field: 'callback_type', label: 'Callback type'},
    {field: 'callback_destination', label: 'Destination', render: (r) => [r.callback_destination || h('span', {class: 'note'}, 'own number'),
      r.destination_warning ? h('span', {class: 'warning destination-warning', title: r.destination_warning}, ' ⚠ ' + r.destination_warning.replace(/^callback_destination "[^"]*" /, '')) : null]},
    {field: 'callback_delay_s', label: 'Delay (s)', render: (r) => r.callback_delay_s ?? h('span', {class: 'note'}, `${r.effective_callback_delay_s} (default)`)},
  ],
  fields: [
    {name: 'caller_type', label: 'Caller type', type: 'select', options: ['pstn', 'sip', 'auto'], default: 'pstn', group: 'Caller Settings'},
    {name: 'caller_address', label: 'Caller address (* and ? wildcards)', group: 'Caller Settings', placeholder: '+12015551234',
      hint: async (v) => ((await api('GET', '/api/v1/authorized-phones/check?caller_address=' + encodeURIComponent(v))).data || {}).warning || ''},
    {name: 'login_extension', label: 'Login extension', group: 'Caller Settings'},
    {name: 'auto_call_relay', label: 'Auto call relay', type: 'checkbox', group: 'Caller Settings'},
    {name: 'description', label: 'Description', group: 'Caller Settings'},
    {name: 'callback_enabled', label: 'Call back enabled', type: 'checkbox', default: true, group: 'Callback Settings'},
    {name: 'callback_type', label: 'Callback type', type: 'select', options: ['auto', 'pbx', 'pstn', 'sip'], default: 'auto', group: 'Callback Settings'},
    {name: 'callback_destination', label: 'Callback destination (empty: the caller)', group: 'Callback Settings'},
    {name: 'callback_delay_s', label: 'Callback delay, s (empty: default)', type: 'integer', group: 'Callback Settings'},
  ],
  extraTools: phoneTools,
});

// CSV import (all or nothing: the server answers every bad row) and export.
function phoneTools(root, toolbar, msg, reload) {
  const file = h('input', {type: 'file', accept: '.csv,text/csv', id: 'import-file', class: 'visually-hidden'});
  const report = h('div', {id: 'import-report'});
  file.addEventListener('change', async () => {
    if (!file.files.length) return;
    const r = await api('POST', '/api/v1/authorized-phones/import', await file.files[0].text(), 'text/csv');
    file.value = '';
    report.replaceChildren();
    if (!r.ok) {
      setMessage(msg, r.data && r.data.error, 'error');
      const rows = (r.data && r.data.rows) || [];
      report.append(h('ul', {class: 'row-errors'}, rows.map((e) => h('li', {}, `Row ${e.row}, ${e.field}: ${e.error}`))));
      return;
    }
    setMessage(msg, `Imported ${r.data.imported} entries`, 'ok');
    reload();
  });
  toolbar.append(h('button', {type: 'button', id: 'import', onclick: () => file.click()}, 'Import CSV'), file,
    h('a', {class: 'button', id: 'export', href: '/api/v1/authorized-phones/export', download: 'authorized-phones.csv'}, 'Export CSV'));
  root.append(report);
}

cbd.pages.extensions = crudPage({
  heading: 'Extensions', title: 'extension', key: 'number', serverPaging: false,
  listPath: '/api/v1/extensions', itemPath: (r) => '/api/v1/extensions/' + encodeURIComponent(r.number),
  columns: [
    {field: 'number', label: 'Number'},
    {field: 'name', label: 'Name'},
    {field: 'allow_call_relay', label: 'Call relay'},
    {field: 'remote_callback', label: 'Call back by phone'},
    {field: 'registered', label: 'Registered', render: (r) => r.registered
      ? h('span', {title: (r.contacts || []).map((c) => c.uri + ' (' + c.expires_s + ' s)').join('\n')},
        'yes, ' + (r.contacts || []).length + ' phone(s)')
      : h('span', {class: 'note'}, 'no')},
    {field: 'password', label: 'SIP password', render: (r) => h('span', {class: 'note'},
      r.needs_new_password ? 'none: cannot register until one is set' : 'set (never shown)')},
    {field: 'pin', label: 'Keypad PIN', render: (r) => r.needs_pin
      ? h('span', {class: 'warning needs-pin', title: 'Its SIP password still logs in at the keypad: give it a PIN'},
        ' ⚠ none: the SIP password logs in, set a PIN')
      : h('span', {class: 'note'}, r.has_pin ? 'set (never shown)' : 'none: no login by phone')},
  ],
  fields: [
    {name: 'number', label: 'Number (2 to 8 digits)', fixedOnEdit: true},
    {name: 'name', label: 'Name'},
    {name: 'password', label: 'SIP password for the phone, 16+ characters (empty on edit: unchanged)', type: 'password'},
    {name: 'pin', label: 'Keypad PIN for the phone login, 6 to 12 digits (empty on edit: unchanged)', type: 'password'},
    {name: 'allow_call_relay', label: 'Allow call relay', type: 'checkbox'},
    {name: 'remote_callback', label: 'May configure call back by phone (*5, *6) for any trusted caller', type: 'checkbox'},
  ],
});

function table(id, columns, rows, rowAttrs) {
  return h('div', {class: 'table-wrap'}, h('table', {id},
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', {scope: 'col'}, c.label)))),
    h('tbody', {}, rows.length ? rows.map((r, i) => h('tr', rowAttrs ? rowAttrs(r, i) : {},
      columns.map((c) => h('td', {'data-field': c.field}, c.render ? c.render(r) : fmt(r[c.field])))))
      : h('tr', {}, h('td', {colspan: columns.length, class: 'note'}, 'None')))));
}

// The live job list, refreshed every 3 s; a pending job can be cancelled.
cbd.pages.callbacks = (root) => {
  const msg = h('div', {class: 'message', role: 'status', 'aria-live': 'polite', id: 'message'});
  const holder = h('div');
  const cancel = async (job) => {
    const r = await api('DELETE', '/api/v1/callbacks/' + job.id);
    setMessage(msg, r.ok ? `Cancelled callback ${job.id}` : r.data && r.data.error, r.ok ? 'ok' : 'error');
    refresh();
  };
  const columns = [
    {field: 'id', label: 'ID'}, {field: 'caller', label: 'Caller'}, {field: 'destination', label: 'Destination'},
    {field: 'line', label: 'Line'}, {field: 'state', label: 'State'}, {field: 'attempts', label: 'Attempts'},
    {field: 'created_at', label: 'Created (UTC)'}, {field: 'due_at', label: 'Due (UTC)'},
    {field: 'last_result', label: 'Last result'}, {field: 'one_time', label: 'One-time (*5)'},
    {field: '', label: 'Action', render: (j) => j.state === 'pending'
      ? h('button', {type: 'button', class: 'cancel-job', 'data-id': j.id, onclick: () => cancel(j)}, 'Cancel') : ''},
  ];
  const refresh = async () => {
    const r = await api('GET', '/api/v1/callbacks?limit=200');
    if (r.ok) holder.replaceChildren(table('jobs', columns, r.data));
  };
  root.append(h('h1', {}, 'Callbacks'), h('p', {class: 'note'}, 'Newest first; refreshed every 3 seconds.'), msg, holder);
  refresh();
  cbd.timer = setInterval(refresh, 3000);
};

// Call records with the filters the server applies; the legs of one callback share a band of colour.
cbd.pages.records = (root) => {
  const form = h('form', {class: 'toolbar', id: 'record-filters', novalidate: true},
    h('label', {}, 'From ', h('input', {type: 'date', name: 'from'})),
    h('label', {}, 'To ', h('input', {type: 'date', name: 'to'})),
    h('label', {}, 'Number ', h('input', {name: 'number', type: 'search'})),
    h('label', {}, 'Outcome ', h('select', {name: 'result'}, ['', 'triggered', 'answered', 'rejected', 'busy', 'no-answer', 'failed']
      .map((o) => h('option', {value: o}, o || 'any')))),
    h('button', {type: 'submit', class: 'primary'}, 'Apply'),
    h('a', {class: 'button', id: 'export-records', href: '/api/v1/call-records/export'}, 'Export CSV'),
    h('span', {class: 'field-error', 'data-error-for': ''}));
  ['from', 'to'].forEach((f) => form.append(h('span', {class: 'field-error', 'data-error-for': f})));
  const holder = h('div');
  const columns = ['job_id', 'id', 'direction', 'line', 'caller', 'callee', 'started_at', 'answered_at', 'duration_s', 'result', 'end_cause']
    .map((f) => ({field: f, label: f.replace('_', ' ')}));
  const load = async () => {
    const p = new URLSearchParams();
    for (const k of ['from', 'to', 'number', 'result']) if (form.elements[k].value) p.set(k, form.elements[k].value);
    form.querySelector('#export-records').href = '/api/v1/call-records/export?' + p;
    p.set('limit', 500);
    const r = await api('GET', '/api/v1/call-records?' + p);
    if (!r.ok) { showFieldError(form, r.data); return; }
    clearErrors(form);
    const rows = [...r.data].sort((a, b) => (b.job_id ?? -b.id) - (a.job_id ?? -a.id) || a.id - b.id);
    let band = 0, last;
    holder.replaceChildren(table('call-records', columns, rows, (row) => {
      const group = row.job_id ?? 'r' + row.id;
      if (group !== last) { band ^= 1; last = group; }
      return {class: band ? 'group-alt' : null};
    }));
  };
  form.addEventListener('submit', (ev) => { ev.preventDefault(); load(); });
  root.append(h('h1', {}, 'Call records'), form, holder);
  load();
};

// The lines (the seed's "FXO Settings"): what the server uses now, changed without a restart. The server checks
// a change with the configuration file's rules and shows its message beside the field.
cbd.pages.lines = crudPage({
  heading: 'Lines', title: 'line', key: 'name', serverPaging: false,
  listPath: '/api/v1/lines', itemPath: (r) => '/api/v1/lines/' + encodeURIComponent(r.name),
  columns: [
    {field: 'name', label: 'Name'},
    {field: 'gateway', label: 'Gateway'},
    {field: 'up', label: 'Gateway answers', render: (r) => (r.up === true ? 'up' : r.up === false ? 'down' : '?')},
    {field: 'transport', label: 'Transport'},
    {field: 'number', label: 'Number'},
    {field: 'channels', label: 'Channels busy / total', render: (r) => `${r.channels_busy ?? '?'} / ${r.channels}`},
    {field: 'inbound', label: 'Inbound route'},
    {field: 'answer_delay_s', label: 'Answer delay (s)'},
    {field: 'country', label: 'Country', render: (r) => r.country || h('span', {class: 'note'}, '[policy]')},
    {field: 'dial_format', label: 'Dials as'},
    {field: 'strip_prefixes', label: 'Strips'},
  ],
  fields: [
    {name: 'name', label: 'Name', fixedOnEdit: true, group: 'Line'},
    {name: 'gateway', label: 'Gateway (IP:port)', placeholder: '192.0.2.10:5060', group: 'Line'},
    {name: 'transport', label: 'Transport', type: 'select', options: ['udp', 'tcp'], default: 'udp', group: 'Line'},
    {name: 'number', label: 'Number', group: 'Line'},
    {name: 'channels', label: 'Channels', type: 'integer', default: 1, group: 'Line'},
    {name: 'inbound', label: 'Inbound route (auto-attendant, reject or extension:<number>)', default: 'auto-attendant', group: 'Line'},
    {name: 'answer_delay_s', label: 'Answer delay, s', type: 'integer', default: 8, group: 'Line'},
    // How the toll-fraud policy reads the numbers this line dials, and the form its gateway is sent.
    {name: 'country', label: 'Country (ISO code such as US; empty: [policy] country)', placeholder: 'US', group: 'Dialing'},
    {name: 'strip_prefixes', label: 'Outside-line prefixes to strip (comma-separated, e.g. 9)', type: 'list', default: [], group: 'Dialing'},
    {name: 'allow_carrier_codes', label: 'Allow carrier access codes (101XXXX)', type: 'checkbox', default: false, group: 'Dialing'},
    {name: 'allow_international', label: 'Allow international calls on this line', type: 'checkbox', default: false, group: 'Dialing'},
    {name: 'dial_format', label: 'Number sent to the gateway', type: 'select', options: ['e164', 'national'], default: 'e164', group: 'Dialing'},
    {name: 'max_relay_calls', label: 'Relayed calls at once (0: all channels)', type: 'integer', default: 0, group: 'Dialing'},
  ],
});

// The callback settings the server uses now; saved at once, for calls and jobs from then on.
const CALLBACK_FIELDS = [
  ['default_delay_s', 'Default callback delay, s (0-3600)'],
  ['trigger_window_s', 'Trigger window, s (1-120)'],
  ['ring_timeout_s', 'Ring timeout, s (5-300)'],
  ['max_attempts', 'Max attempts (1-10)'],
  ['retry_delay_s', 'Retry delay, s (1-86400)'],
  ['retry_backoff_max_s', 'Backoff max, s (1-86400)'],
  ['min_interval_s', 'Min interval between triggers, s (0-86400)'],
  ['max_call_duration_s', 'Max call duration, s (10-86400)'],
  ['line_wait_s', 'Wait for a free line, s (0-3600)'],
  ['max_per_hour', 'Callbacks per caller per hour (0: no cap)'],
  ['max_per_day', 'Callbacks per caller per day (0: no cap)'],
  ['max_concurrent', 'Callbacks dialing at once (1-100000)'],
];

// [policy] deny_prefixes, saved with the callback settings: one E.164 prefix per line, '?' one digit.
function denyPrefixesField() {
  return [h('label', {class: 'wide'}, 'Denied number prefixes, one per line (E.164, ? is one digit, e.g. +1???976)',
    h('textarea', {name: 'deny_prefixes', id: 'field-deny_prefixes', rows: 6, spellcheck: 'false', autocomplete: 'off'})),
  h('span', {class: 'field-error wide', 'data-error-for': 'deny_prefixes', id: 'error-deny_prefixes'})];
}

cbd.pages.settings = async (root) => {
  const msg = h('div', {class: 'message', role: 'status', 'aria-live': 'polite', id: 'message'});
  const form = h('form', {class: 'grid', novalidate: true, id: 'callback-settings'},
    CALLBACK_FIELDS.flatMap(([name, label]) => [h('label', {}, label,
      h('input', {name, id: 'field-' + name, type: 'text', inputmode: 'numeric', autocomplete: 'off'})),
    h('span', {class: 'field-error', 'data-error-for': name, id: 'error-' + name})]),
    denyPrefixesField(),
    h('span', {class: 'field-error', 'data-error-for': ''}),
    h('div', {class: 'actions'}, h('button', {type: 'submit', class: 'primary', id: 'save-settings'}, 'Save')));
  const fill = (cb) => {
    for (const [name] of CALLBACK_FIELDS) form.elements[name].value = cb[name];
    form.elements.deny_prefixes.value = (cb.deny_prefixes || []).join('\n');
  };
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = {deny_prefixes: splitList(form.elements.deny_prefixes.value, '\n')};
    for (const [name] of CALLBACK_FIELDS) {
      const v = form.elements[name].value;
      body[name] = /^-?\d+$/.test(v) ? Number(v) : v;
    }
    const r = await api('PUT', '/api/v1/settings/callback', body);
    if (!r.ok) { setMessage(msg, ''); showFieldError(form, r.data); return; }
    clearErrors(form);
    fill(r.data);
    setMessage(msg, 'Saved: used for calls and callbacks from now on', 'ok');
  });
  root.append(h('h1', {}, 'Call Back settings'),
    h('p', {class: 'note', id: 'settings-note'}, 'What the server uses now. Until saved here, these are the ' +
      'configuration file\'s [callback] table and [policy] deny_prefixes; once saved, the server keeps these (also ' +
      'across restarts and reloads of the file). A number starting with a denied prefix is never called back or ' +
      'relayed. The login extension and destination patterns are set per entry and by [policy].'),
    msg, form);
  const r = await api('GET', '/api/v1/settings/callback');
  if (r.ok) fill(r.data);
};

// Every voice prompt: play it, replace it with a recording (the server converts it to 8 kHz mono), restore it.
cbd.pages.prompts = (root) => {
  const msg = h('div', {class: 'message', role: 'status', 'aria-live': 'polite', id: 'message'});
  const holder = h('div');
  const path = (p) => `/api/v1/prompts/${encodeURIComponent(p.language)}/${encodeURIComponent(p.name)}`;
  const upload = async (p, file) => {
    setMessage(msg, `Converting ${file.name}…`);
    const r = await api('PUT', path(p), file, 'application/octet-stream');
    setMessage(msg, r.ok ? `Replaced ${p.name} with ${file.name} (${(r.data.duration_ms / 1000).toFixed(1)} s)`
      : `${file.name} was refused: ${r.data && r.data.error}`, r.ok ? 'ok' : 'error');
    if (r.ok) load();
  };
  const restore = async (p) => {
    const r = await api('DELETE', path(p));
    setMessage(msg, r.ok ? `Restored the default ${p.name}` : r.data && r.data.error, r.ok ? 'ok' : 'error');
    if (r.ok) load();
  };
  const replaceCell = (p) => {
    const file = h('input', {type: 'file', accept: 'audio/*', class: 'visually-hidden', id: `upload-${p.language}-${p.name}`});
    file.addEventListener('change', () => { if (file.files.length) upload(p, file.files[0]); file.value = ''; });
    return [h('button', {type: 'button', class: 'replace-prompt', 'data-name': p.name, onclick: () => file.click()}, 'Replace…'), file,
      p.custom ? h('button', {type: 'button', class: 'restore-prompt', 'data-name': p.name, onclick: () => restore(p)}, 'Restore default') : null];
  };
  const load = async () => {
    const r = await api('GET', '/api/v1/prompts');
    if (!r.ok) return;
    const stamp = Date.now();  // a replaced prompt keeps its URL: make the player fetch it again
    holder.replaceChildren(table('prompts', [
      {field: 'language', label: 'Language'}, {field: 'name', label: 'Prompt'},
      {field: 'custom', label: 'Source', render: (p) => p.custom ? h('span', {class: 'custom'}, 'recording') : h('span', {class: 'note'}, 'default')},
      {field: '', label: 'Play', render: (p) => h('audio', {controls: true, preload: 'none', src: `${path(p)}?v=${stamp}`, 'aria-label': 'Play ' + p.name})},
      {field: '', label: 'Change', render: replaceCell},
    ], r.data, (p) => ({'data-prompt': p.name})));
  };
  root.append(h('h1', {}, 'Prompts'), h('p', {class: 'note'},
    'A recording replaces the prompt for the next call that plays it. WAV, FLAC, Ogg Vorbis, MP3, AIFF or AU, ' +
    'at most 8 MiB and 120 s; the server converts it to 8 kHz mono.'), msg, holder);
  load();
};
