// The dashboard: callback jobs by state, callbacks per hour over the last 24 hours as a bar chart (SVG drawn
// here: no chart library to ship), the latest failures, and the live figures of the call core (active call
// legs, channels in use per line). Refreshed every 5 s.
'use strict';

const SVG = 'http://www.w3.org/2000/svg';
function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

// Stacked bars per hour: answered, failed, the rest (pending, dialing, cancelled).
function hourChart(hours) {
  const w = 720, hgt = 180, pad = 28, bw = (w - pad) / hours.length;
  const max = Math.max(1, ...hours.map((x) => x.total));
  const y = (n) => (hgt - 20) * n / max;
  const svg = s('svg', {viewBox: `0 0 ${w} ${hgt + 4}`, id: 'per-hour', role: 'img',
    'aria-label': `Callbacks per hour, last 24 hours: ${hours.reduce((a, x) => a + x.total, 0)} in all`});
  svg.append(s('text', {x: 0, y: 12, class: 'axis'}, max), s('text', {x: 0, y: hgt - 20, class: 'axis'}, 0));
  hours.forEach((x, i) => {
    const x0 = pad + i * bw + 1;
    let top = hgt - 20;
    for (const [n, cls] of [[x.answered, 'bar-answered'], [x.failed, 'bar-failed'], [x.total - x.answered - x.failed, 'bar-other']]) {
      if (n <= 0) continue;
      top -= y(n);
      svg.append(s('rect', {x: x0, y: top, width: bw - 2, height: y(n), class: cls},
        s('title', {}, `${x.hour.slice(11, 16)} UTC: ${n} ${cls.slice(4)}`)));
    }
    if (i % 3 === 0) svg.append(s('text', {x: x0, y: hgt, class: 'axis'}, x.hour.slice(11, 13) + 'h'));
  });
  return svg;
}

cbd.pages.dashboard = (root) => {
  const body = h('div', {id: 'dashboard'});
  const load = async () => {
    const r = await api('GET', '/api/v1/dashboard');
    if (!r.ok) return;
    const d = r.data;
    const live = d.live;
    body.replaceChildren(
      h('h2', {}, 'Now'),
      live ? h('dl', {class: 'tiles', id: 'live'},
        h('div', {class: 'tile', 'data-live': 'active-legs'}, h('dt', {}, 'active calls (SIP legs)'), h('dd', {}, live.active_legs)),
        h('div', {class: 'tile', 'data-live': 'pending'}, h('dt', {}, 'pending callbacks'), h('dd', {}, d.jobs.pending)),
        live.lines.map((l) => h('div', {class: 'tile', 'data-line': l.name}, h('dt', {}, `line ${l.name} busy`),
          h('dd', {}, `${l.busy} / ${l.channels}`))))
        : h('p', {class: 'note', id: 'live'}, 'The call core did not answer: live figures unavailable'),
      h('h2', {}, 'Callback jobs by state'),
      h('dl', {class: 'tiles', id: 'job-counts'}, Object.entries(d.jobs).map(([k, v]) =>
        h('div', {class: 'tile', 'data-state': k}, h('dt', {}, k), h('dd', {}, v)))),
      h('h2', {}, 'Callbacks per hour (UTC, last 24 h)'),
      h('div', {class: 'chart'}, hourChart(d.per_hour),
        h('p', {class: 'legend'}, h('span', {class: 'key bar-answered'}), 'answered ', h('span', {class: 'key bar-failed'}), 'failed ',
          h('span', {class: 'key bar-other'}), 'pending, dialing or cancelled')),
      h('h2', {}, 'Web login lockouts'),
      d.web_lockouts.length ? table('web-lockouts', [{field: 'kind', label: 'Locked'}, {field: 'who', label: 'Address or admin'},
        {field: 'retry_after_s', label: 'Free again in (s)'}], d.web_lockouts) : h('p', {class: 'note', id: 'web-lockouts'}, 'None'),
      h('h2', {}, 'Recent failures'),
      table('recent-failures', ['id', 'created_at', 'caller', 'destination', 'line', 'attempts', 'last_result']
        .map((f) => ({field: f, label: f.replace('_', ' ')})), d.recent_failures));
  };
  root.append(h('h1', {}, 'Dashboard'), h('p', {class: 'note'},
    'Live calls and channels from the call core, jobs from the database; refreshed every 5 seconds.'), body);
  load();
  cbd.timer = setInterval(load, 5000);
};
