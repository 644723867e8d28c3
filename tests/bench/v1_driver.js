#!/usr/bin/env node
// A fast ACME v1 client for the benchmark (make bench): node's http module
// with a keep-alive agent, ES256 account keys, CSRs built here in DER.
//
//   node v1_driver.js --url http://127.0.0.1:PORT [--accounts N] [--concurrency C]
//        [--names K] [--runs R] [--warmup W] [--tag T] [--deadline-s S] [--stdin 1]
//
// Untimed: N account keys and new-regs, every CSR (one P-256 certificate key,
// K fresh names per issuance), and W warm-up issuances per account (the
// bridge creates an account's upstream account on its first new-authz).
// Timed: R issuances (new-authz per name, the challenge when the answer is
// pending, new-cert) over C workers; issuance i is done by account i % N, so
// with N >= C no two running issuances share an account.
// Output: one JSON line per issuance {"i","ms","ok","error"}, then one line
// {"summary":true,"runs","ok","failed","median_ms","p90_ms","max_ms" (of the
// successful ones),"wall_ms","all_median_ms","all_max_ms" (of all that ended),
// "errors" (failures grouped by their message, names and numbers as NAME, N)}.
// Exit 0 only if every issuance succeeded. After --deadline-s (default 600)
// the unfinished issuances are reported failed ("deadline") and it exits 1.
// --stdin 1 (for interleaved runs driven from a shell): after the set-up it
// prints {"ready":true}, then runs one issuance (by the first account) per
// line read, of as many fresh names as the line says, and prints its result
// line; at the end of its input the summary. --runs is then not used.
'use strict';
const crypto = require('crypto');
const http = require('http');

const opt = { url: '', accounts: 1, concurrency: 1, names: 1, runs: 1, warmup: 0, tag: 'b', 'deadline-s': 600, stdin: 0 };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
	const k = (argv[i] || '').replace(/^--/, '');
	if (!(k in opt) || i + 1 >= argv.length) {
		process.stderr.write(`v1_driver: bad option ${argv[i]}\n`);
		process.exit(2);
	}
	opt[k] = typeof opt[k] === 'number' ? Number(argv[i + 1]) : argv[i + 1];
}
if (!opt.url) { process.stderr.write('v1_driver: --url is required\n'); process.exit(2); }
const base = new URL(opt.url);
const agent = new http.Agent({ keepAlive: true, maxSockets: Math.max(opt.concurrency, 4) * 2 });
const b64u = (b) => Buffer.from(b).toString('base64url');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let deadlineHit = false;

// ------------------------------------------------------------------ HTTP
function request(method, url, body) {
	const u = new URL(url, base);
	return new Promise((resolve, reject) => {
		const req = http.request({
			agent, method, hostname: u.hostname, port: u.port, path: u.pathname + u.search,
			headers: body ? { 'Content-Type': 'application/jose+json', 'Content-Length': Buffer.byteLength(body) } : {},
			timeout: 120000,
		}, (res) => {
			const chunks = [];
			res.on('data', (c) => chunks.push(c));
			res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
			res.on('error', reject);
		});
		req.on('timeout', () => req.destroy(new Error(`${method} ${u.pathname}: no answer in 120 s`)));
		req.on('error', reject);
		if (body) req.write(body);
		req.end();
	});
}

// ---------------------------------------------------------------- accounts
function newAccount() {
	const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
	const j = privateKey.export({ format: 'jwk' });
	const jwk = { crv: 'P-256', kty: 'EC', x: j.x, y: j.y };
	const thumb = b64u(crypto.createHash('sha256').update(JSON.stringify(jwk)).digest());
	return { key: privateKey, jwk, thumb };
}

// A worker's nonce: the last answer's Replay-Nonce, else HEAD /directory.
class Session {
	constructor() { this.nonce = null; }
	async getNonce() {
		if (this.nonce) { const n = this.nonce; this.nonce = null; return n; }
		const r = await request('HEAD', '/directory');
		if (!r.headers['replay-nonce']) throw new Error(`HEAD /directory ${r.status}: no Replay-Nonce`);
		return r.headers['replay-nonce'];
	}
	async post(acct, url, payload) {
		for (let attempt = 0; ; attempt++) {
			const prot = b64u(JSON.stringify({ alg: 'ES256', jwk: acct.jwk, nonce: await this.getNonce() }));
			const pay = b64u(JSON.stringify(payload));
			const sig = crypto.sign('sha256', Buffer.from(`${prot}.${pay}`), { key: acct.key, dsaEncoding: 'ieee-p1363' });
			const body = JSON.stringify({ header: { alg: 'ES256', jwk: acct.jwk }, protected: prot, payload: pay, signature: b64u(sig) });
			const r = await request('POST', url, body);
			if (r.headers['replay-nonce']) this.nonce = r.headers['replay-nonce'];
			if (r.status === 400 && attempt < 3 && /badNonce/.test(r.body.toString())) continue;
			return r;
		}
	}
}

function problem(what, r) {
	let text = r.body.toString().slice(0, 200).replace(/\s+/g, ' ');
	try {
		const p = JSON.parse(r.body.toString());
		if (p.type || p.detail) text = `${String(p.type || '').replace('urn:acme:error:', '')}: ${p.detail || ''}`;
	} catch (e) { /* not JSON: the text as it came */ }
	return `${what}: HTTP ${r.status} ${text}`;
}

// -------------------------------------------------------------------- CSR
// Minimal DER: a PKCS#10 request, CN = first name, SAN = all names, ES256.
function der(tag, ...parts) {
	const body = Buffer.concat(parts);
	const n = body.length;
	const len = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
	return Buffer.concat([Buffer.from([tag]), len, body]);
}
const oid = (hex) => der(0x06, Buffer.from(hex, 'hex'));
const OID_CN = oid('550403'), OID_EXTREQ = oid('2a864886f70d01090e'), OID_SAN = oid('551d11');
const OID_ECDSA_SHA256 = oid('2a8648ce3d040302');
const certKey = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const spki = crypto.createPublicKey(certKey).export({ type: 'spki', format: 'der' });
function makeCsr(names) {
	const subject = der(0x30, der(0x31, der(0x30, OID_CN, der(0x0c, Buffer.from(names[0])))));
	const san = der(0x30, ...names.map((n) => der(0x82, Buffer.from(n))));
	const exts = der(0x30, der(0x30, OID_SAN, der(0x04, san)));
	const attrs = der(0xa0, der(0x30, OID_EXTREQ, der(0x31, exts)));
	const info = der(0x30, der(0x02, Buffer.from([0])), subject, spki, attrs);
	const sig = crypto.sign('sha256', info, certKey); // DER ECDSA signature
	return b64u(der(0x30, info, der(0x30, OID_ECDSA_SHA256), der(0x03, Buffer.from([0]), sig)));
}

// --------------------------------------------------------------- issuance
async function authorize(s, acct, name) {
	const r = await s.post(acct, '/acme/new-authz', { resource: 'new-authz', identifier: { type: 'dns', value: name } });
	if (r.status !== 201) throw new Error(problem(`new-authz ${name}`, r));
	let az = JSON.parse(r.body.toString());
	if (az.status === 'valid') return;
	const azUrl = r.headers.location;
	if (az.status !== 'pending' || !azUrl) throw new Error(`new-authz ${name}: status ${az.status}`);
	const ch = (az.challenges || []).find((c) => c.type === 'http-01');
	if (!ch) throw new Error(`new-authz ${name}: pending without an http-01 challenge`);
	const cr = await s.post(acct, ch.uri || ch.url, { resource: 'challenge', type: 'http-01', keyAuthorization: `${ch.token}.${acct.thumb}` });
	if (cr.status >= 300) throw new Error(problem(`challenge ${name}`, cr));
	for (let wait = 10; ; wait = Math.min(wait * 2, 1000)) {
		await sleep(wait);
		if (deadlineHit) throw new Error('deadline');
		const g = await request('GET', azUrl);
		if (g.status !== 200) throw new Error(problem(`authz ${name}`, g));
		az = JSON.parse(g.body.toString());
		if (az.status === 'valid') return;
		if (az.status !== 'pending') throw new Error(`authz ${name}: ${az.status} ${g.body.toString().slice(0, 200)}`);
	}
}

async function issue(s, acct, job) {
	for (const n of job.names) await authorize(s, acct, n);
	const r = await s.post(acct, '/acme/new-cert', { resource: 'new-cert', csr: job.csr });
	if (r.status !== 201) throw new Error(problem('new-cert', r));
	if (r.body.length < 100 || r.body[0] !== 0x30) throw new Error('new-cert: 201 without a DER certificate');
}

function pct(sorted, p) {
	if (!sorted.length) return null;
	return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function pool(items, width, fn) {
	let next = 0;
	await Promise.all(Array.from({ length: Math.min(width, items.length) }, async (_, w) => {
		const s = new Session();
		while (next < items.length) await fn(s, items[next++], w);
	}));
}

// The deadline counts from the start, set-up included.
let jobs = null;
let t0 = process.hrtime.bigint();
const results = [];
const timer = setTimeout(() => {
	deadlineHit = true;
	const why = jobs ? 'deadline' : 'deadline (set-up not finished)';
	for (const j of jobs || []) if (!j.done) { j.done = true; results.push({ i: j.i, ms: null, ok: false, error: why }); }
	if (!jobs) process.stderr.write(`v1_driver: ${why}\n`);
	finishRun(results, t0);
}, opt['deadline-s'] * 1000);

async function main() {
	const tos = JSON.parse((await request('GET', '/directory')).body.toString()).meta['terms-of-service'];
	const accts = Array.from({ length: opt.accounts }, newAccount);
	await pool(accts, Math.min(opt.accounts, 16), async (s, a) => {
		const r = await s.post(a, '/acme/new-reg', { resource: 'new-reg', agreement: tos });
		if (r.status !== 201) throw new Error(problem('new-reg', r));
	});
	const jobName = (kind, i, k) => `${kind}${i}-n${k}.${opt.tag}.bench.example`;
	const mkJobs = (kind, count) => Array.from({ length: count }, (_, i) => {
		const names = Array.from({ length: opt.names }, (_, k) => jobName(kind, i, k));
		return { i, names, csr: makeCsr(names) };
	});
	if (opt.warmup > 0) {
		const warm = mkJobs('w', opt.warmup * opt.accounts);
		await pool(warm, opt.concurrency, (s, job) => issue(s, accts[job.i % opt.accounts], job));
	}
	if (opt.stdin) return stdinRuns(accts[0], jobName);
	jobs = mkJobs('r', opt.runs);
	t0 = process.hrtime.bigint();
	await pool(jobs, opt.concurrency, async (s, job) => {
		const a = accts[job.i % opt.accounts];
		const t = process.hrtime.bigint();
		let error = null;
		try { await issue(s, a, job); } catch (e) { error = e.message; s.nonce = null; }
		if (job.done) return;
		job.done = true;
		const res = { i: job.i, ms: Number(process.hrtime.bigint() - t) / 1e6, ok: !error, error };
		results.push(res);
		process.stdout.write(JSON.stringify(res) + '\n');
	});
	clearTimeout(timer);
	finishRun(results, t0);
}

async function stdinRuns(acct, jobName) {
	const s = new Session();
	clearTimeout(timer);
	t0 = process.hrtime.bigint();
	process.stdout.write('{"ready":true}\n');
	const rl = require('readline').createInterface({ input: process.stdin });
	for await (const line of rl) {
		const i = results.length;
		const names = Array.from({ length: Number(line) || 1 }, (_, k) => jobName('s', i, k));
		const job = { i, names, csr: makeCsr(names) };
		const t = process.hrtime.bigint();
		let error = null;
		try { await issue(s, acct, job); } catch (e) { error = e.message; s.nonce = null; }
		const res = { i, names: names.length, ms: Number(process.hrtime.bigint() - t) / 1e6, ok: !error, error };
		results.push(res);
		process.stdout.write(JSON.stringify(res) + '\n');
	}
	opt.runs = results.length;
	finishRun(results, t0);
}

let finished = false;
function finishRun(results, t0) {
	if (finished) return;
	finished = true;
	const ok = results.filter((r) => r.ok);
	const ms = ok.map((r) => r.ms).sort((a, b) => a - b);
	const r3 = (x) => (x === null ? null : Math.round(x * 10) / 10);
	const summary = {
		summary: true, runs: opt.runs, ok: ok.length, failed: opt.runs - ok.length,
		median_ms: r3(ms.length ? (ms.length % 2 ? ms[(ms.length - 1) / 2] : (ms[ms.length / 2 - 1] + ms[ms.length / 2]) / 2) : null),
		p90_ms: r3(pct(ms, 90)), max_ms: r3(ms.length ? ms[ms.length - 1] : null),
		wall_ms: r3(Number(process.hrtime.bigint() - t0) / 1e6),
	};
	// over every issuance that ended (failed ones too): how long they took to fail
	const all = results.filter((r) => r.ms !== null).map((r) => r.ms).sort((a, b) => a - b);
	summary.all_median_ms = r3(all.length ? all[(all.length - 1) >> 1] : null);
	summary.all_max_ms = r3(all.length ? all[all.length - 1] : null);
	// errors grouped: names and numbers left out, most frequent first
	const errs = {};
	for (const r of results) {
		if (r.ok) continue;
		const k = r.error.replace(/[\w.-]+\.bench\.example/g, 'NAME').replace(/\d+/g, 'N')
			.slice(0, 160);
		errs[k] = (errs[k] || 0) + 1;
	}
	const top = Object.entries(errs).sort((a, b) => b[1] - a[1]);
	if (top.length) summary.errors = Object.fromEntries(top);
	process.stdout.write(JSON.stringify(summary) + '\n');
	process.exit(ok.length === opt.runs ? 0 : 1);
}

main().catch((e) => { process.stderr.write(`v1_driver: ${e.stack || e}\n`); process.exit(2); });
