#!/usr/bin/env node
// The migration page in headless Chromium (Debian's /usr/bin/chromium driven
// by playwright-core; no browser download).
//
//   node page_check.js URL EXPECT.json SCREENSHOT.png
//
// EXPECT.json: { "accounts": [{ "id": 1, "family": "dehydrated",
//   "version": "0.7.0", "names": ["a.example"] }, ...],
//   "hostile": "<script>alert(1)</script>/9.9", "hostile_account": 3,
//   "failure": { "account": 3, "type": "malformed" } }
// Prints one "RESULT ok NAME" or "RESULT fail NAME: WHY" line per check;
// exit status 0 when the script itself ran to the end.
'use strict';
const fs = require('fs');
const { chromium } = require('playwright-core');

const [url, expectFile, shotFile] = process.argv.slice(2);
if (!url || !expectFile || !shotFile) {
	process.stderr.write('usage: node page_check.js URL EXPECT.json SCREENSHOT.png\n');
	process.exit(2);
}
const want = JSON.parse(fs.readFileSync(expectFile, 'utf8'));
const origin = new URL(url).origin;

function result(ok, name, why) {
	process.stdout.write(ok ? `RESULT ok ${name}\n` : `RESULT fail ${name}: ${why}\n`);
}
function check(name, cond, why) {
	result(Boolean(cond), name, why === undefined ? 'condition false' : why);
}

// Flags for this machine's closed network (no background connections) and
// a root user (no sandbox). playwright gives each launch a fresh, empty
// user data directory of its own (it refuses --user-data-dir with launch()).
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
	'--no-first-run', '--disable-background-networking', '--disable-component-update',
	'--disable-sync'];

// Watch a page: console errors, page errors, dialogs, requests elsewhere.
function watch(page) {
	const w = { console: [], errors: [], dialogs: [], foreign: [], failed: [] };
	page.on('console', (m) => {
		if (m.type() === 'error') w.console.push(`${m.text()} (${(m.location() || {}).url || '?'})`);
	});
	page.on('pageerror', (e) => w.errors.push(String(e)));
	page.on('dialog', (d) => { w.dialogs.push(`${d.type()}: ${d.message()}`); d.dismiss().catch(() => {}); });
	page.on('request', (r) => {
		const u = r.url();
		if (!u.startsWith(origin + '/') && !u.startsWith('data:')) w.foreign.push(u);
	});
	page.on('requestfailed', (r) => w.failed.push(r.url()));
	page.on('response', (r) => { if (r.status() >= 400) w.failed.push(`${r.status()} ${r.url()}`); });
	return w;
}

// Inventory rows as the page shows them.
function tableRows(page) {
	return page.$$eval('#inventory tbody tr[data-account]', (trs) => trs.map((tr) => ({
		account: tr.cells[0].textContent.trim(),
		lastSeen: Number(tr.cells[1].getAttribute('data-sort')),
		family: tr.cells[4].querySelector('.family').textContent,
		ua: tr.cells[4].querySelector('.ua').textContent,
		version: tr.cells[5].textContent,
		names: tr.cells[6].textContent.split(',').map((s) => s.trim()).filter(Boolean),
		certs: Number(tr.cells[7].textContent),
	})));
}

async function accountColumn(page) {
	return page.$$eval('#inventory tbody tr[data-account]', (trs) => trs.map((tr) => Number(tr.cells[0].textContent)));
}

const sortedAsc = (a) => a.every((v, i) => i === 0 || a[i - 1] <= v);
const sortedDesc = (a) => a.every((v, i) => i === 0 || a[i - 1] >= v);

async function withJavaScript(browser) {
	const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
	const page = await context.newPage();
	const w = watch(page);
	const resp = await page.goto(url, { waitUntil: 'load' });
	check('GET / answers 200 in Chromium', resp && resp.status() === 200, `status ${resp && resp.status()}`);
	const h = resp ? resp.headers() : {};
	check('CSP default-src \'self\'', /(^|;)\s*default-src 'self'/.test(h['content-security-policy'] || ''),
		h['content-security-policy']);
	check('X-Content-Type-Options nosniff', h['x-content-type-options'] === 'nosniff', h['x-content-type-options']);
	// the script ran (headers made sortable) and the stylesheet applied
	await page.waitForSelector('#inventory th.sortable-th', { timeout: 10000 }).catch(() => {});
	const scriptRan = await page.$eval('#inventory thead th', (th) => th.classList.contains('sortable-th'));
	check('app.js ran (headers made sortable)', scriptRan);
	const okFill = await page.$eval('#traffic .bar-ok', (r) => getComputedStyle(r).fill);
	check('app.css applied (bar colour)', okFill === 'rgb(58, 120, 201)', okFill);

	// summary line
	const summary = (await page.textContent('#summary')).replace(/\s+/g, ' ').trim();
	const m = summary.match(/^(\d+) v1 hosts?, (\d+) client versions?, (\d+) certificates? expiring within 30 days$/);
	check('summary line: N v1 hosts, M client versions, K certificates expiring', m, summary);
	if (m) {
		check('summary counts the accounts the test created', Number(m[1]) >= want.accounts.length + 1,
			`${m[1]} hosts for ${want.accounts.length + 1} accounts`);
		check('summary: at least 2 client versions (dehydrated and the hostile one)', Number(m[2]) >= 2, m[2]);
	}

	// the rows the test created
	const rows = await tableRows(page);
	for (const a of want.accounts) {
		const r = rows.find((x) => x.account === String(a.id));
		check(`row for account ${a.id}`, r, `accounts shown: ${rows.map((x) => x.account).join(' ')}`);
		if (!r) continue;
		check(`account ${a.id}: client ${a.family} ${a.version}`, r.family === a.family && r.version === a.version,
			`family '${r.family}' version '${r.version}' (ua '${r.ua}')`);
		for (const n of a.names)
			check(`account ${a.id}: name ${n}`, r.names.includes(n), `names: ${r.names.join(', ')}`);
		if (a.certs !== undefined)
			check(`account ${a.id}: at least ${a.certs} certificates`, r.certs >= a.certs, `${r.certs}`);
	}
	check('rows sorted by last seen, newest first', sortedDesc(rows.map((r) => r.lastSeen)),
		rows.map((r) => r.lastSeen).join(' '));

	// the hostile User-Agent: text, never markup; no dialog
	const hr = rows.find((x) => x.account === String(want.hostile_account));
	check('hostile User-Agent shown as text in its row', hr && hr.ua === want.hostile, hr ? hr.ua : 'no row');
	const bodyText = await page.evaluate(() => document.body.innerText);
	check('hostile string appears as page text', bodyText.includes(want.hostile));
	const scripts = await page.$$eval('script', (s) => s.map((e) => e.src));
	check('only script element: /static/app.js', scripts.length === 1 && scripts[0] === origin + '/static/app.js',
		JSON.stringify(scripts));
	const imgs = await page.$$eval('img', (s) => s.length);
	check('no injected img element', imgs === 0, `${imgs}`);

	// the page as first shown (sorted by last seen), for the record
	await page.screenshot({ path: shotFile, fullPage: true });
	const st = fs.statSync(shotFile);
	check('screenshot saved', st.size > 10000, `${st.size} bytes`);

	// sorting: Account ascending, then descending
	const before = await accountColumn(page);
	const th = page.locator('#inventory thead th', { hasText: 'Account' });
	await th.click();
	const asc = await accountColumn(page);
	check('click on Account sorts ascending', sortedAsc(asc) && asc.length === before.length, asc.join(' '));
	check('the order changed (last seen -> account)', asc.join(' ') !== before.join(' '),
		`${before.join(' ')} -> ${asc.join(' ')}`);
	check('Account header aria-sort=ascending', (await th.getAttribute('aria-sort')) === 'ascending');
	await th.click();
	const desc = await accountColumn(page);
	check('second click sorts descending', sortedDesc(desc) && desc.length === before.length, desc.join(' '));
	const thLast = page.locator('#inventory thead th', { hasText: 'Last seen' });
	check('Last seen header no longer marked sorted', (await thLast.getAttribute('aria-sort')) === null);

	// the traffic chart: 168 hourly bars, the current hour non-zero
	const hours = await page.$$eval('#traffic g.hour', (gs) => gs.map((g) => ({
		t: Number(g.getAttribute('data-t')), n: Number(g.getAttribute('data-n')), f: Number(g.getAttribute('data-f')),
		h: Array.from(g.querySelectorAll('rect')).reduce((s, r) => s + r.getBBox().height, 0),
		fh: g.querySelector('.bar-fail').getBBox().height,
	})));
	check('traffic chart has 168 hourly bars', hours.length === 168, `${hours.length}`);
	const nowHour = Math.floor(Date.now() / 1000 / 3600) * 3600;
	const last = hours[hours.length - 1] || {};
	check('last bar is the current hour', last.t === nowHour || last.t === nowHour - 3600, `${last.t} vs ${nowHour}`);
	const cur = hours.find((x) => x.t === nowHour) || last;
	check('current hour bar non-zero (count and drawn height)', cur.n > 0 && cur.h > 0, JSON.stringify(cur));
	const totalN = hours.reduce((s, x) => s + x.n, 0), totalF = hours.reduce((s, x) => s + x.f, 0);
	check('traffic counts the requests the test drove', totalN >= want.min_requests, `${totalN} < ${want.min_requests}`);
	check('failures stacked in the chart', totalF >= 1 && hours.some((x) => x.f > 0 && x.fh > 0), `${totalF} failed`);
	const ylabels = await page.$$eval('#traffic text.ylabel', (t) => t.map((e) => e.textContent));
	check('traffic chart has y axis labels (0 .. max)', ylabels.includes('0') && ylabels.length === 3, ylabels.join(','));

	// the client version chart
	const vers = await page.$$eval('#versions g.version', (gs) => gs.map((g) => ({
		family: g.getAttribute('data-family'), version: g.getAttribute('data-version'),
		n: Number(g.getAttribute('data-n')), w: g.querySelector('rect').getBBox().width,
		label: g.querySelector('text').textContent,
	})));
	const dv = vers.find((v) => v.family === 'dehydrated' && v.version === '0.7.0');
	const ndh = want.accounts.filter((a) => a.family === 'dehydrated').length;
	check('version chart: dehydrated 0.7.0 bar', dv && dv.n >= ndh && dv.w > 0 && dv.label === 'dehydrated 0.7.0',
		JSON.stringify(vers));

	// recent failures
	const fails = await page.$$eval('#failures tbody tr', (trs) => trs.filter((tr) => !tr.classList.contains('empty'))
		.map((tr) => Array.from(tr.cells).map((c) => c.textContent)));
	const f = fails.find((c) => c[1] === String(want.failure.account) && c[3] === want.failure.type);
	check(`failure listed: account ${want.failure.account}, ${want.failure.type}`, f, JSON.stringify(fails.slice(0, 5)));
	if (f && want.failure.detail_contains)
		check('failure detail shown as text', f[4].includes(want.failure.detail_contains), f[4]);

	check('no console error', w.console.length === 0, w.console.join(' | '));
	check('no page error', w.errors.length === 0, w.errors.join(' | '));
	check('no dialog (alert) fired', w.dialogs.length === 0, w.dialogs.join(' | '));
	check('no request leaves the admin origin', w.foreign.length === 0, w.foreign.join(' '));
	check('no failed request', w.failed.length === 0, w.failed.join(' '));

	await context.close();
}

// At a 1280 px wide window the inventory fits: neither the table nor the
// page scrolls sideways (long User-Agents and names wrap).
async function at1280(browser) {
	const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
	const page = await context.newPage();
	await page.goto(url, { waitUntil: 'load' });
	const m = await page.evaluate(() => {
		const t = document.getElementById('inventory');
		const box = t.parentElement;
		const cols = Array.from(t.querySelectorAll('thead th')).map((th) => `${th.textContent}:${Math.round(th.getBoundingClientRect().width)}`).join(' ');
		return { table: t.scrollWidth, box: box.clientWidth, doc: document.documentElement.scrollWidth, cols };
	});
	process.stdout.write(`MEASURE inventory width at 1280: table ${m.table} px, box ${m.box} px, page ${m.doc} px; columns ${m.cols}\n`);
	check('1280 px: the inventory table fits its box (no sideways scroll)', m.table <= m.box, JSON.stringify(m));
	check('1280 px: the page does not scroll sideways', m.doc <= 1280, JSON.stringify(m));
	await context.close();
}

async function withoutJavaScript(browser) {
	const context = await browser.newContext({ javaScriptEnabled: false });
	const page = await context.newPage();
	const w = watch(page);
	await page.goto(url, { waitUntil: 'load' });
	const ran = await page.$eval('#inventory thead th', (th) => th.classList.contains('sortable-th'));
	check('JavaScript disabled: script did not run', !ran);
	const rows = await tableRows(page);
	check('JavaScript disabled: inventory table present with the rows',
		want.accounts.every((a) => rows.some((r) => r.account === String(a.id))), rows.map((r) => r.account).join(' '));
	const bars = await page.$$eval('#traffic g.hour', (g) => g.length);
	check('JavaScript disabled: traffic chart present', bars === 168, `${bars}`);
	check('JavaScript disabled: no dialog', w.dialogs.length === 0, w.dialogs.join(' | '));
	await context.close();
}

(async () => {
	const browser = await chromium.launch({
		executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
		args: CHROMIUM_ARGS,
		timeout: 60000,
	});
	try {
		await withJavaScript(browser);
		await at1280(browser);
		await withoutJavaScript(browser);
	} finally {
		await browser.close();
	}
})().catch((e) => {
	result(false, 'page_check ran to the end', String(e && e.stack || e).split('\n').slice(0, 4).join(' '));
	process.exit(1);
});
