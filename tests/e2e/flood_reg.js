#!/usr/bin/env node
// A new-reg flood from one source address: COUNT v1 new-regs, each with a
// fresh P-256 key (so that none is a 409 for a known key), one after the
// other on a keep-alive connection, each with the Replay-Nonce of the
// previous answer (Node's crypto and http only).
//
//   node flood_reg.js BRIDGE_URL SOURCE_ADDRESS COUNT [AGREEMENT]
//
// Output, one line of JSON: {"sent":N,"status":{"201":N,"429":N,...},
//   "rateLimited":N (429s whose body type is urn:acme:error:rateLimited),
//   "retryAfter":N (429s with a Retry-After of whole seconds >= 1),
//   "details":{"detail text up to its number":N}, "ms":elapsed}
'use strict';
const crypto = require('crypto');
const http = require('http');

const [base, source, countArg, agreement] = process.argv.slice(2);
const count = Number(countArg);
if (!base || !source || !(count > 0)) {
	process.stderr.write('usage: node flood_reg.js BRIDGE_URL SOURCE_ADDRESS COUNT [AGREEMENT]\n');
	process.exit(2);
}
const agent = new http.Agent({ keepAlive: true, maxSockets: 1, localAddress: source });
const b64u = (buf) => Buffer.from(buf).toString('base64')
	.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

function request(method, path, body) {
	return new Promise((resolve, reject) => {
		const req = http.request(base + path, {
			method, agent,
			headers: body ? { 'Content-Type': 'application/jose+json', 'Content-Length': Buffer.byteLength(body) } : {},
		}, (res) => {
			let data = '';
			res.setEncoding('utf8');
			res.on('data', (d) => { data += d; });
			res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: data }));
		});
		// a hard limit whatever state the request is in (queued for the
		// socket, sent, half answered): the flood must end, not hang
		let phase = 'waiting for a socket';
		const timer = setTimeout(() => {
			req.destroy();
			reject(new Error(`${method} ${path}: no answer in 20 s (${phase})`));
		}, 20000);
		req.on('socket', () => { phase = 'sent'; });
		req.on('response', (res) => {
			phase = 'reading the answer';
			res.on('aborted', () => reject(new Error(`${method} ${path}: answer cut`)));
			res.on('error', reject);
		});
		req.on('close', () => clearTimeout(timer));
		req.on('error', reject);
		req.end(body);
	});
}

// A fresh P-256 key from ECDH: generateKeyPairSync followed by a JWK export
// deadlocks Node 20 now and then (the garbage collector frees a key
// generation job inside the export, which holds the mutex the job's
// destructor takes: seen as a flood that stops for good after ~150 keys).
function newKey() {
	const ecdh = crypto.createECDH('prime256v1');
	ecdh.generateKeys();
	const pub = ecdh.getPublicKey();
	const d = Buffer.alloc(32);
	const priv = ecdh.getPrivateKey();
	priv.copy(d, 32 - priv.length);
	const jwk = { crv: 'P-256', kty: 'EC', x: b64u(pub.subarray(1, 33)), y: b64u(pub.subarray(33)) };
	const privateKey = crypto.createPrivateKey({ key: { ...jwk, d: b64u(d) }, format: 'jwk' });
	return { jwk, privateKey };
}

function newReg(nonce) {
	const { jwk, privateKey } = newKey();
	const payload = { resource: 'new-reg' };
	if (agreement) payload.agreement = agreement;
	const prot = b64u(JSON.stringify({ alg: 'ES256', jwk, nonce }));
	const pay = b64u(JSON.stringify(payload));
	const sig = crypto.sign('sha256', Buffer.from(`${prot}.${pay}`), { key: privateKey, dsaEncoding: 'ieee-p1363' });
	return JSON.stringify({ header: { alg: 'ES256', jwk }, protected: prot, payload: pay, signature: b64u(sig) });
}

(async () => {
	const t0 = Date.now();
	const out = { sent: 0, status: {}, rateLimited: 0, retryAfter: 0, details: {}, ms: 0 };
	process.on('exit', (code) => { if (code !== 0) process.stdout.write(JSON.stringify(out) + '\n'); });
	let nonce = (await request('HEAD', '/directory')).headers['replay-nonce'];
	for (let i = 0; i < count; i++) {
		const r = await request('POST', '/acme/new-reg', newReg(nonce));
		out.sent++;
		out.status[r.status] = (out.status[r.status] || 0) + 1;
		nonce = r.headers['replay-nonce'] || (await request('HEAD', '/directory')).headers['replay-nonce'];
		if (r.status !== 429) continue;
		let doc = {};
		try { doc = JSON.parse(r.body); } catch (e) { /* counted as not rateLimited */ }
		if (doc.type === 'urn:acme:error:rateLimited') out.rateLimited++;
		if (/^[1-9][0-9]*$/.test(r.headers['retry-after'] || '')) out.retryAfter++;
		const d = String(doc.detail || '').replace(/[0-9]+ s$/, 'N s');
		out.details[d] = (out.details[d] || 0) + 1;
	}
	out.ms = Date.now() - t0;
	process.stdout.write(JSON.stringify(out) + '\n');
	agent.destroy();
})().catch((e) => {
	process.stderr.write(`flood_reg.js: ${e.message}\n`);
	process.exit(1);
});
