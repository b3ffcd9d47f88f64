// Browser tests of the web management UI: a real callbackd on free ports, Debian's chromium driven by
// playwright-core. Exits non-zero on the first failed step; saves a screenshot of each page in --out.
//   node tests/browser/run.mjs --callbackd build/callbackd --prompts build/prompts --out build/screenshots
import {spawn, spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {chromium} from 'playwright-core';
import {freePort, waitHealthy, sleep} from './harness.mjs';

const args = Object.fromEntries(process.argv.slice(2).reduce((a, v, i, all) => (i % 2 ? a : [...a, [v.replace(/^--/, ''), all[i + 1]]]), []));
const TOKEN = 'browser-test-token-0123456789';
const ADMIN = 'admin';
const PASSWORD = 'browser-test-password';
const out = path.resolve(args.out || 'screenshots');
fs.mkdirSync(out, {recursive: true});

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'callbackd-browser-'));
const sipPort = await freePort(), webPort = await freePort();
const db = path.join(dir, 'callbackd.db');
const config = path.join(dir, 'callbackd.toml');
fs.writeFileSync(config, `[sip]\nlisten = "127.0.0.1:${sipPort}"\n[media]\naddress = "127.0.0.1"\nrtp_ports = "30000-30099"\n` +
  `prompts_dir = "${path.resolve(args.prompts)}"\n[store]\nsqlite = "${db}"\n[web]\nlisten = "127.0.0.1:${webPort}"\n` +
  `admin_token = "${TOKEN}"\n[[line]]\nname = "fxo1"\ngateway = "127.0.0.1:${sipPort + 10}"\nnumber = "+15550100"\n`);
const base = `http://127.0.0.1:${webPort}`;

const created = spawnSync(args.callbackd, ['--config', config, '--create-admin', ADMIN], {input: PASSWORD + '\n'});
if (created.status !== 0) throw new Error('--create-admin failed: ' + created.stderr);
const server = spawn(args.callbackd, ['--config', config], {stdio: ['ignore', 'inherit', 'pipe']});
let serverLog = '';
server.stderr.on('data', (d) => { serverLog += d; });
const exited = new Promise((resolve) => server.on('exit', (code, signal) => resolve(signal || code)));
let browser;
let step = 'start';

async function rest(method, p, body) {
  const r = await fetch(base + p, {method, headers: {Authorization: 'Bearer ' + TOKEN, 'Content-Type': 'application/json'},
    body: body ? JSON.stringify(body) : undefined});
  const text = await r.text();
  return {status: r.status, data: text ? JSON.parse(text) : null};
}

function expect(cond, what) {
  if (!cond) throw new Error(what);
}

async function shot(page, name) {
  await page.screenshot({path: path.join(out, name + '.png'), fullPage: true});
}

async function run(name, f) {
  step = name;
  const t = Date.now();
  await f();
  console.log(`ok   ${name} (${Date.now() - t} ms)`);
}

try {
  await waitHealthy(base + '/healthz', 15000);
  expect((await rest('POST', '/api/v1/extensions', {number: '201', name: 'Reception', password: 'reception-4711x-secret', pin: '480215'})).status === 201, 'seed extension');
  const now = Math.floor(Date.now() / 1000);
  spawnSync('sqlite3', [db, `INSERT INTO callback_jobs (caller, destination, line, state, attempts, created_at, due_at, last_result)
    VALUES ('+15559999', '+15559999', 'fxo1', 'pending', 0, ${now}, ${now + 86400}, '')`]);
  spawnSync('sqlite3', [db, `INSERT INTO callback_jobs (caller, destination, line, state, attempts, created_at, due_at, last_result)
    VALUES ('+15558888', '+15558888', 'fxo1', 'failed', 1, ${now - 60}, ${now - 60}, 'failed: 503 Service Unavailable')`]);
  spawnSync('sqlite3', [db, `INSERT INTO call_records (job_id, direction, line, caller, callee, started_at, result)
    VALUES (NULL, 'inbound', 'fxo1', '+15559999', '+15550100', ${now}, 'triggered')`]);

  browser = await chromium.launch({executablePath: '/usr/bin/chromium', headless: true, args: [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    // playwright gives a non-persistent context a fresh, empty user-data-dir of its own.
    '--disable-component-update', '--disable-sync']});
  const context = await browser.newContext({viewport: {width: 1280, height: 800}});
  const page = await context.newPage();
  page.setDefaultTimeout(10000);
  page.on('dialog', (d) => d.accept());
  page.on('pageerror', (e) => console.error('page error: ' + e.message));
  const {steps} = await import('./steps.mjs');
  await steps({page, context, base, rest, expect, shot, run, ADMIN, PASSWORD});
  console.log(`browser tests passed; screenshots in ${out}`);
} catch (e) {
  console.error(`FAIL ${step}: ${e.message}`);
  console.error('--- server log (tail) ---\n' + serverLog.split('\n').slice(-30).join('\n'));
  process.exitCode = 1;
} finally {
  if (browser) await browser.close();
  server.kill('SIGTERM');
  // A clean stop is part of the test: under ASan a leak or a crash at shutdown makes the exit code non-zero.
  const status = await Promise.race([exited, new Promise((r) => setTimeout(r, 15000, 'timeout').unref())]);
  if (status !== 0) {
    console.error(`FAIL callbackd did not stop cleanly after SIGTERM: ${status}`);
    console.error('--- server log (tail) ---\n' + serverLog.split('\n').slice(-30).join('\n'));
    if (status === 'timeout') server.kill('SIGKILL');
    process.exitCode = 1;
  }
  fs.rmSync(dir, {recursive: true, force: true});
}
