// The browser test steps, in order; each leaves the UI where the next one starts.
const text = async (page, sel) => (await page.locator(sel).textContent()) || '';

async function waitText(page, sel, want) {
  await page.locator(sel).filter({hasText: want}).first().waitFor();
}

async function rowCheckbox(page, address) {
  return page.locator('#records tbody tr', {hasText: address}).locator('input.row-select');
}

// A 16 kHz stereo PCM WAV tone: not the prompts' own format, so the server must convert it.
function toneWav(ms) {
  const rate = 16000, channels = 2, frames = rate * ms / 1000, data = frames * channels * 2;
  const b = Buffer.alloc(44 + data);
  b.write('RIFF', 0); b.writeUInt32LE(36 + data, 4); b.write('WAVEfmt ', 8); b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20); b.writeUInt16LE(channels, 22); b.writeUInt32LE(rate, 24); b.writeUInt32LE(rate * channels * 2, 28);
  b.writeUInt16LE(channels * 2, 32); b.writeUInt16LE(16, 34); b.write('data', 36); b.writeUInt32LE(data, 40);
  for (let i = 0; i < frames * channels; i++) b.writeInt16LE(Math.round(6000 * Math.sin(i / 7)), 44 + 2 * i);
  return b;
}

async function addPhone(page, address, description) {
  await page.click('#add');
  await page.fill('#field-caller_address', address);
  await page.fill('#field-description', description);
  await page.click('#save');
}

export async function steps({page, context, base, rest, expect, shot, run, ADMIN, PASSWORD}) {
  await run('a wrong password is refused beside the field', async () => {
    await page.goto(base + '/');
    await shot(page, 'login');
    await page.fill('#login-form [name=name]', ADMIN);
    await page.fill('#login-form [name=password]', 'not-the-password');
    await page.click('#login-form button[type=submit]');
    await waitText(page, '[data-error-for=password]', 'wrong admin name or password');
    expect(await page.locator('#nav').isHidden(), 'nav must stay hidden');
  });

  await run('log in', async () => {
    await page.fill('#login-form [name=password]', PASSWORD);
    await page.click('#login-form button[type=submit]');
    await page.locator('#nav').waitFor();
    await page.locator('#records').waitFor();
    const cookies = await context.cookies();
    const c = cookies.find((k) => k.name === 'callbackd_session');
    expect(c && c.httpOnly && c.sameSite === 'Strict', 'session cookie must be HttpOnly and SameSite=Strict');
  });

  await run('add a trusted caller', async () => {
    await addPhone(page, '+12015551001', 'Alice mobile');
    await waitText(page, '#records tbody', '+12015551001');
    await addPhone(page, '+12015551002', 'Bob desk');
    await waitText(page, '#records tbody', '+12015551002');
  });

  await run('a duplicate shows the API error beside the field', async () => {
    await addPhone(page, '+12015551001', 'again');
    await waitText(page, '#error-caller_address', 'The record already exists');
    await shot(page, 'phone-form-error');
    await page.keyboard.press('Escape');
  });

  await run('edit needs exactly one selected record', async () => {
    await page.click('#edit');
    await waitText(page, '#message', 'No records selected');
    await (await rowCheckbox(page, '+12015551001')).check();
    await (await rowCheckbox(page, '+12015551002')).check();
    await page.click('#edit');
    await waitText(page, '#message', 'One record should be selected');
    await (await rowCheckbox(page, '+12015551002')).uncheck();
    await page.click('#edit');
    await page.fill('#field-description', 'Alice new mobile');
    await page.click('#save');
    await waitText(page, '#records tbody', 'Alice new mobile');
  });

  await run('a broad wildcard is flagged in the form and the table', async () => {
    await page.click('#add');
    await page.fill('#field-caller_address', '+1809*');
    await waitText(page, '#warning-caller_address', 'matches every number of area code +1 809');
    await shot(page, 'phone-form-warning');
    await page.fill('#field-caller_address', '+1809555*');
    await page.waitForFunction(() => document.querySelector('#warning-caller_address').textContent === '');
    await page.fill('#field-caller_address', '*');
    await waitText(page, '#warning-caller_address', 'matches nearly every caller');
    await page.fill('#field-caller_address', '+180*');
    await waitText(page, '#warning-caller_address', 'matches several +1 area codes');
    await page.fill('#field-description', 'too broad');
    await page.click('#save');
    await waitText(page, '#message', 'matches several +1 area codes');
    await waitText(page, '#records tbody tr:has-text("+180*")', '⚠ matches several +1 area codes');
    await addPhone(page, '+44*', 'all of the UK');
    await waitText(page, '#records tbody tr:has-text("+44*")', '⚠ matches a whole country code (+44) or more');
    await shot(page, 'phones');
  });

  await run('a CSV with a bad row imports nothing and names the row', async () => {
    const before = (await rest('GET', '/api/v1/authorized-phones')).data.length;
    const csv = 'caller_type,caller_address,description,callback_enabled\npstn,+12015552001,good,true\nbogus,+12015552002,bad,true\n';
    await page.setInputFiles('#import-file', {name: 'phones.csv', mimeType: 'text/csv', buffer: Buffer.from(csv)});
    await waitText(page, '#import-report', 'Row 3, caller_type');
    await waitText(page, '#message', 'nothing was imported');
    const after = (await rest('GET', '/api/v1/authorized-phones')).data.length;
    expect(after === before, `nothing may be imported (had ${before}, now ${after})`);
    await shot(page, 'phones-import-error');
  });

  await run('a good CSV imports every row', async () => {
    const csv = 'caller_type,caller_address,description,callback_enabled\npstn,+12015552001,good,true\nsip,carol@example.com,"Carol, SIP",false\n';
    await page.setInputFiles('#import-file', {name: 'phones.csv', mimeType: 'text/csv', buffer: Buffer.from(csv)});
    await waitText(page, '#message', 'Imported 2 entries');
    await waitText(page, '#records tbody', 'carol@example.com');
  });

  await run('delete with checkboxes', async () => {
    await page.click('#delete');
    await waitText(page, '#message', 'No records selected');
    await (await rowCheckbox(page, '+12015551002')).check();
    await page.click('#delete');
    await waitText(page, '#message', 'Deleted 1 record(s)');
    await page.waitForFunction(() => !document.querySelector('#records tbody').textContent.includes('+12015551002'));
    const left = (await rest('GET', '/api/v1/authorized-phones')).data.map((p) => p.caller_address);
    expect(!left.includes('+12015551002'), 'entry must be deleted on the server');
  });

  await run('search and sort on the server', async () => {
    await page.fill('#search', 'carol');
    await page.locator('#records tbody tr').filter({hasText: 'carol@example.com'}).waitFor();
    await page.waitForFunction(() => document.querySelectorAll('#records tbody tr').length === 1);
    await page.fill('#search', '');
    await page.waitForFunction(() => document.querySelectorAll('#records tbody tr').length === 5);
    await page.click('th button[data-sort=caller_address]');
    await page.click('th button[data-sort=caller_address]');
    await page.waitForFunction(() => document.querySelector('#records tbody tr td[data-field=caller_address]').textContent.startsWith('carol'));
  });

  await run('the main table works from the keyboard alone', async () => {
    await page.reload();
    await page.locator('#records tbody tr').first().waitFor();
    let onRow = false;
    for (let i = 0; i < 40 && !onRow; i++) {
      await page.keyboard.press('Tab');
      onRow = await page.evaluate(() => document.activeElement.classList.contains('row-select'));
    }
    expect(onRow, 'Tab must reach the first row checkbox');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Space');
    const checked = await page.evaluate(() => document.activeElement.checked &&
      document.activeElement.closest('tr') === document.querySelectorAll('#records tbody tr')[1]);
    expect(checked, 'ArrowDown then Space must select the second row');
    await page.keyboard.press('Enter');
    await page.locator('dialog[open] #form-title').filter({hasText: 'Edit'}).waitFor();
    await page.keyboard.press('Escape');
    await page.keyboard.press('Tab');
  });

  await run('a change without the CSRF token is refused', async () => {
    const status = await page.evaluate(async () => (await fetch('/api/v1/authorized-phones/1', {method: 'DELETE'})).status);
    expect(status === 403, 'DELETE without X-CSRF-Token must be 403, got ' + status);
  });

  await run('extensions page', async () => {
    await page.click('nav a[href="#extensions"]');
    await waitText(page, '#records tbody', 'Reception');
    await waitText(page, '#records tbody', 'set (never shown)');
    await waitText(page, '#records thead', 'Registered');  // live from the registrar: no phone has registered
    expect(!(await text(page, '#records')).includes('4711x'), 'the password must never be shown');
    await shot(page, 'extensions');
  });

  await run('a new extension: a short SIP password and a weak PIN are refused beside their fields', async () => {
    await page.click('#add');
    await page.fill('#field-number', '202');
    await page.fill('#field-password', 'desk4711');
    await page.click('#save');
    await waitText(page, '#error-password', 'password must be 16 to 128 characters');
    await page.fill('#field-password', 'desk phone 202 secret');
    await page.fill('#field-pin', '123456');
    await page.click('#save');
    await waitText(page, '#error-pin', 'pin must not be a simple sequence like 123456');
    expect(await text(page, '#error-password') === '', 'only the field at fault shows the error');
    await page.fill('#field-pin', '480216');
    await page.click('#save');
    await waitText(page, '#records tbody tr:has-text("202")', 'set (never shown)');
    const row = await text(page, '#records tbody tr:has-text("202")');
    expect(!row.includes('480216') && !row.includes('desk phone'), 'neither secret may be shown: ' + row);
    const saved = (await rest('GET', '/api/v1/extensions/202')).data;
    expect(saved.has_pin === true && saved.needs_new_password === false, 'both secrets stored: ' + JSON.stringify(saved));
  });

  await run('edit a line: a bad channel count is shown beside the field, the fixed one is saved', async () => {
    await page.click('nav a[href="#lines"]');
    await waitText(page, '#records tbody', '127.0.0.1:');
    await (await rowCheckbox(page, 'fxo1')).check();
    await page.click('#edit');
    await page.fill('#field-channels', '0');
    await page.click('#save');
    await waitText(page, '#error-channels', 'must be between 1 and 1000');
    await shot(page, 'line-form-error');
    expect((await rest('GET', '/api/v1/lines/fxo1')).data.channels === 1, 'the refused change must not be saved');
    await page.fill('#field-channels', '3');
    await page.fill('#field-strip_prefixes', '9, 9x');
    await page.click('#save');
    await waitText(page, '#error-strip_prefixes', 'must be 1 to 4 digits (an outside-line prefix such as "9"), got "9x"');
    expect(await text(page, '#error-channels') === '', 'only the field at fault shows the error');
    await page.fill('#field-strip_prefixes', '9');
    await page.click('#save');
    await waitText(page, '#message', 'Saved');
    await waitText(page, '#records tbody tr[data-key=fxo1]', '0 / 3');
    const line = (await rest('GET', '/api/v1/lines/fxo1')).data;
    expect(line.channels === 3, 'the server must have 3 channels');
    expect(JSON.stringify(line.strip_prefixes) === '["9"]' && line.dial_format === 'e164' && line.country === '' &&
      line.allow_carrier_codes === false && line.max_relay_calls === 0, 'the dialing keys as saved: ' + JSON.stringify(line));
    await (await rowCheckbox(page, 'fxo1')).check();
    await page.click('#edit');
    expect(await page.inputValue('#field-strip_prefixes') === '9', 'the form shows the saved list');
    await page.keyboard.press('Escape');
    await shot(page, 'lines');
  });

  await run('change a Call Back setting', async () => {
    await page.click('nav a[href="#settings"]');
    await page.waitForFunction(() => document.querySelector('#field-max_attempts')?.value === '1');
    await page.fill('#field-max_attempts', '11');
    await page.click('#save-settings');
    await waitText(page, '#error-max_attempts', 'must be between 1 and 10');
    await page.fill('#field-max_attempts', '2');
    await page.click('#save-settings');
    await waitText(page, '#message', 'Saved');
    expect((await rest('GET', '/api/v1/settings/callback')).data.max_attempts === 2, 'the server must have 2 attempts');
    await shot(page, 'settings');
  });

  await run('edit the denied prefixes: a bad one is refused beside the field, a good list is applied and kept', async () => {
    // The file has no [policy] deny_prefixes: the shipped list (callback::default_deny_prefixes()), NANP 976 among it.
    const shipped = (await rest('GET', '/api/v1/settings/callback')).data.deny_prefixes.join('\n');
    expect(shipped.includes('+1???976'), 'the shipped list is shown until an admin saves one: ' + shipped);
    await page.waitForFunction((want) => document.querySelector('#field-deny_prefixes')?.value === want, shipped);
    const phone = (destination) => rest('POST', '/api/v1/authorized-phones', {caller_type: 'pstn',
      caller_address: '+12125550101', callback_type: 'pstn', callback_destination: destination});
    const allowed = await phone('+12015550123');
    expect(allowed.status === 201, 'a New Jersey number passes the shipped list: ' + JSON.stringify(allowed));
    await rest('DELETE', '/api/v1/authorized-phones/' + allowed.data.id);
    await page.fill('#field-deny_prefixes', shipped + '\n+1201x55');
    await page.click('#save-settings');
    await waitText(page, '#error-deny_prefixes', 'must be \'+\' then up to 15 digits or \'?\'');
    await waitText(page, '#error-deny_prefixes', 'got "+1201x55"');
    await shot(page, 'settings-deny-prefix-error');
    const before = (await rest('GET', '/api/v1/settings/callback')).data.deny_prefixes;
    expect(before.join('\n') === shipped, 'the refused list must not be saved: ' + before);
    await page.fill('#field-deny_prefixes', shipped + '\n\n  +1201555  \n');  // blank lines and spaces are dropped
    await page.click('#save-settings');
    await waitText(page, '#message', 'Saved');
    expect(await text(page, '#error-deny_prefixes') === '', 'the error is gone once saved');
    const saved = (await rest('GET', '/api/v1/settings/callback')).data.deny_prefixes;
    expect(saved.join('\n') === shipped + '\n+1201555', 'the server must have the new list: ' + saved);
    // Applied at once: the REST API's policy refuses a destination under the new prefix.
    const denied = await phone('+12015550123');
    expect(denied.status === 400 && denied.data.field === 'callback_destination' && denied.data.error.includes('denied-prefix'),
      'the new prefix must be denied at once: ' + JSON.stringify(denied));
    await page.reload();
    await page.waitForFunction((want) => document.querySelector('#field-deny_prefixes')?.value === want, shipped + '\n+1201555');
    await page.waitForFunction(() => document.querySelector('#field-max_attempts')?.value === '2');
  });

  await run('call records page filters on the server', async () => {
    await page.click('nav a[href="#records"]');
    await waitText(page, '#call-records', '+15559999');
    await page.selectOption('#record-filters [name=result]', 'answered');
    await page.click('#record-filters button[type=submit]');
    await waitText(page, '#call-records', 'None');
    await page.selectOption('#record-filters [name=result]', 'triggered');
    await page.click('#record-filters button[type=submit]');
    await waitText(page, '#call-records', '+15559999');
    await shot(page, 'records');
  });

  await run('cancel a pending callback', async () => {
    await page.click('nav a[href="#callbacks"]');
    await page.locator('#jobs button.cancel-job').first().waitFor();
    await shot(page, 'callbacks');
    await page.locator('#jobs button.cancel-job').first().click();
    await waitText(page, '#message', 'Cancelled callback');
    await waitText(page, '#jobs', 'cancelled');
    const jobs = (await rest('GET', '/api/v1/callbacks')).data;
    expect(jobs.find((j) => j.caller === '+15559999').state === 'cancelled', 'the job must be cancelled on the server');
  });

  await run('prompts page plays a prompt', async () => {
    await page.click('nav a[href="#prompts"]');
    await waitText(page, '#prompts', 'welcome');
    const ok = await page.evaluate(async () => {
      const src = document.querySelector('#prompts audio[aria-label="Play welcome"]').src;
      const r = await fetch(src);
      const b = new Uint8Array(await r.arrayBuffer());
      return r.ok && r.headers.get('Content-Type') === 'audio/wav' && String.fromCharCode(...b.slice(0, 4)) === 'RIFF';
    });
    expect(ok, 'the welcome prompt must be served as a WAV file');
  });

  await run('upload a recording to replace a prompt', async () => {
    await page.setInputFiles('#upload-en-welcome', {name: 'welcome-16k.wav', mimeType: 'audio/wav', buffer: toneWav(1500)});
    await waitText(page, '#message', 'Replaced welcome with welcome-16k.wav (1.5 s)');
    await waitText(page, '#prompts tr[data-prompt=welcome]', 'recording');
    const format = await page.evaluate(async () => {
      const b = new DataView(await (await fetch('/api/v1/prompts/en/welcome')).arrayBuffer());
      return {channels: b.getUint16(22, true), rate: b.getUint32(24, true), bits: b.getUint16(34, true), bytes: b.byteLength};
    });
    expect(format.channels === 1 && format.rate === 8000 && format.bits === 16, 'served as 8 kHz mono 16-bit: ' + JSON.stringify(format));
    expect(Math.abs(format.bytes - 44 - 24000) < 400, 'the new recording is served, 1.5 s long: ' + format.bytes);
    const listed = (await rest('GET', '/api/v1/prompts')).data.find((p) => p.name === 'welcome');
    expect(listed.custom === true, 'the API must list welcome as a recording');
    await shot(page, 'prompts');
  });

  await run('a file that is not audio is refused with the reason', async () => {
    await page.setInputFiles('#upload-en-goodbye', {name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a recording')});
    await waitText(page, '#message', 'notes.txt was refused: not a supported audio file; upload WAV');
    await waitText(page, '#prompts tr[data-prompt=goodbye]', 'default');
    await shot(page, 'prompts-refused');
  });

  await run('restore the default prompt', async () => {
    await page.click('#prompts tr[data-prompt=welcome] button.restore-prompt');
    await waitText(page, '#message', 'Restored the default welcome');
    await waitText(page, '#prompts tr[data-prompt=welcome]', 'default');
    const listed = (await rest('GET', '/api/v1/prompts')).data.find((p) => p.name === 'welcome');
    expect(listed.custom === false, 'the API must list welcome as the default again');
  });

  await run('the dashboard charts callbacks per hour and lists failures', async () => {
    await page.click('nav a[href="#dashboard"]');
    await page.locator('#per-hour rect').first().waitFor();
    await waitText(page, '#job-counts .tile[data-state=cancelled]', '1');
    await waitText(page, '#recent-failures', 'failed: 503 Service Unavailable');
    await waitText(page, '#web-lockouts', 'None');  // one wrong password is no lockout
    await waitText(page, '#live .tile[data-line=fxo1]', '0 / 3');  // the edited line, live from the call core
    const label = await page.getAttribute('#per-hour', 'aria-label');
    expect(label.includes('2 in all'), 'two jobs in the last 24 hours: ' + label);
    await shot(page, 'dashboard');
  });

  await run('the audit log shows who changed what', async () => {
    await page.click('nav a[href="#audit"]');
    await waitText(page, '#audit tbody', 'restore');
    const rows = await page.locator('#audit tbody tr').allTextContents();
    const has = (...parts) => rows.some((r) => parts.every((p) => r.includes(p)));
    expect(has('admin', 'upload', 'prompt', 'en/welcome', 'custom: false → true'), 'the prompt upload must be logged: ' + rows.join('\n'));
    expect(has('admin', 'replace', 'authorized-phone', 'description: Alice mobile → Alice new mobile'), 'the phone edit must be logged');
    expect(has('admin', 'cancel', 'callback-job', 'state: pending → cancelled'), 'the cancelled job must be logged');
    expect(has('api-token', 'create', 'extension', '201'), 'the REST API\'s change must name the token');
    expect(has('admin', 'replace', 'line', 'fxo1', 'channels: 1 → 3'), 'the line edit must be logged: ' + rows.join('\n'));
    expect(has('admin', 'replace', 'callback-settings', 'max_attempts: 1 → 2'), 'the settings change must be logged');
    expect(has('admin', 'replace', 'callback-settings', 'deny_prefixes', '+1201555'), 'the deny_prefixes change must be logged: ' + rows.join('\n'));
    await page.selectOption('#audit-filters [name=entity]', 'prompt');
    await page.click('#audit-filters button[type=submit]');
    await page.waitForFunction(() => [...document.querySelectorAll('#audit tbody tr')].every((r) => r.textContent.includes('prompt')));
    await shot(page, 'audit');
  });

  await run('phone-sized screen', async () => {
    await page.setViewportSize({width: 390, height: 844});
    await page.click('nav a[href="#phones"]');
    await page.locator('#records tbody tr').first().waitFor();
    await shot(page, 'phones-mobile');
    await page.setViewportSize({width: 1280, height: 800});
  });

  await run('log out', async () => {
    await page.click('#logout');
    await page.locator('#login-page').waitFor();
    const status = await page.evaluate(async () => (await fetch('/api/v1/authorized-phones')).status);
    expect(status === 401, 'the old session must be gone, got ' + status);
  });
}
