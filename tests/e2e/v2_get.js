#!/usr/bin/env node
// POST-as-GET an RFC 8555 resource at the upstream CA as one of the bridge's
// v2 accounts, to see what the CA itself says (test_manage.sh).
//
//   node v2_get.js DIRECTORY_URL CA_PEM KEY_PEM KID URL
//
// KEY_PEM is the account's P-256 key (PKCS#8, as in the state file), KID its
// account URL. Prints the HTTP status on the first line, then the body.
// badNonce answers (Pebble rejects some good nonces) are retried.
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const https = require('https');

const [dirUrl, caFile, keyFile, kid, url] = process.argv.slice(2);
if (!url) {
	process.stderr.write('usage: node v2_get.js DIRECTORY_URL CA_PEM KEY_PEM KID URL\n');
	process.exit(2);
}
const ca = fs.readFileSync(caFile);
const key = crypto.createPrivateKey(fs.readFileSync(keyFile));
const b64u = (buf) => Buffer.from(buf).toString('base64')
	.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

function request(method, u, body) {
	return new Promise((resolve, reject) => {
		const headers = body ? { 'Content-Type': 'application/jose+json', 'Content-Length': Buffer.byteLength(body) } : {};
		const r = https.request(u, { method, ca, headers, timeout: 20000 }, (resp) => {
			let data = '';
			resp.on('data', (c) => { data += c; });
			resp.on('end', () => resolve({ status: resp.statusCode, headers: resp.headers, body: data }));
		});
		r.on('error', reject);
		r.on('timeout', () => r.destroy(new Error('timeout')));
		if (body) r.write(body);
		r.end();
	});
}

async function main() {
	const dir = JSON.parse((await request('GET', dirUrl)).body);
	for (let i = 0; i < 10; i++) {
		const nonce = (await request('HEAD', dir.newNonce)).headers['replay-nonce'];
		const prot = b64u(JSON.stringify({ alg: 'ES256', kid, nonce, url }));
		const sig = crypto.sign('sha256', Buffer.from(`${prot}.`), { key, dsaEncoding: 'ieee-p1363' });
		const r = await request('POST', url, JSON.stringify({ protected: prot, payload: '', signature: b64u(sig) }));
		if (r.status === 400 && /badNonce/.test(r.body)) continue;
		process.stdout.write(`${r.status}\n${r.body}\n`);
		return;
	}
	throw new Error('badNonce 10 times');
}

main().catch((e) => { process.stderr.write(`v2_get.js: ${e.message}\n`); process.exit(1); });
