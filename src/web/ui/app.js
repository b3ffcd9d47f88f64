// The shell of the UI: the REST client (session cookie + CSRF token), login and logout, hash routing.
'use strict';

const cbd = {csrf: '', pages: {}, timer: null};

// Builds an element: h('td', {class: 'x', onclick: f}, 'text', child...)
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c !== null && c !== undefined) el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

// Every call goes through here: JSON in and out, the CSRF token on every change, 401 back to the login form.
async function api(method, path, body, contentType) {
  const headers = {};
  if (method !== 'GET') headers['X-CSRF-Token'] = cbd.csrf;
  let payload;
  if (body !== undefined) {
    headers['Content-Type'] = contentType || 'application/json';
    payload = contentType ? body : JSON.stringify(body);
  }
  const res = await fetch(path, {method, headers, body: payload, credentials: 'same-origin'});
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (e) { data = {error: text}; }
  if (res.status === 401 && path !== '/api/v1/session') showLogin();
  return {status: res.status, ok: res.ok, data, headers: res.headers};
}

// Shows the API's {"error", "field"} beside the field it names (or in the form's general slot).
function showFieldError(form, data) {
  clearErrors(form);
  const field = (data && data.field) || '';
  let slot = form.querySelector(`[data-error-for="${CSS.escape(field)}"]`);
  if (!slot) slot = form.querySelector('[data-error-for=""]');
  if (slot) slot.textContent = (data && data.error) || 'The request failed';
  const input = field && form.elements[field];
  if (input && input.focus) { input.setAttribute('aria-invalid', 'true'); input.focus(); }
}

function clearErrors(form) {
  form.querySelectorAll('.field-error').forEach((s) => { s.textContent = ''; });
  form.querySelectorAll('[aria-invalid]').forEach((i) => i.removeAttribute('aria-invalid'));
}

function setMessage(el, text, kind) {
  el.textContent = text || '';
  el.className = 'message' + (kind ? ' ' + kind : '');
}

function showLogin() {
  cbd.csrf = '';
  clearInterval(cbd.timer);
  document.getElementById('page').replaceChildren();
  for (const id of ['nav', 'who', 'logout']) document.getElementById(id).hidden = true;
  document.getElementById('login-page').hidden = false;
  document.querySelector('#login-form [name=name]').focus();
}

function loggedIn(session) {
  cbd.csrf = session.csrf_token;
  document.getElementById('login-page').hidden = true;
  for (const id of ['nav', 'who', 'logout']) document.getElementById(id).hidden = false;
  document.getElementById('who').textContent = session.name;
  route();
}

async function login(ev) {
  ev.preventDefault();
  const form = ev.target;
  clearErrors(form);
  const r = await api('POST', '/api/v1/session', {name: form.name.value, password: form.password.value});
  if (!r.ok) { showFieldError(form, r.data); return; }
  form.password.value = '';
  loggedIn(r.data);
}

async function logout() {
  await api('DELETE', '/api/v1/session');
  location.hash = '';
  showLogin();
}

function route() {
  if (!cbd.csrf) return;
  clearInterval(cbd.timer);
  const name = (location.hash || '#phones').slice(1);
  const page = cbd.pages[name] || cbd.pages.phones;
  document.querySelectorAll('nav a').forEach((a) => {
    a.classList.toggle('active', a.getAttribute('href') === '#' + name);
    if (a.getAttribute('href') === '#' + name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  });
  const root = document.getElementById('page');
  root.replaceChildren();
  page(root);
}

async function start() {
  document.getElementById('login-form').addEventListener('submit', login);
  document.getElementById('logout').addEventListener('click', logout);
  window.addEventListener('hashchange', route);
  const r = await api('GET', '/api/v1/session');
  if (r.ok) loggedIn(r.data); else showLogin();
}

document.addEventListener('DOMContentLoaded', start);
