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
const { b64u, cli } = require('./v2_http.js');

const { args, key, request } = cli('v2_get.js', ['KID', 'URL']);
const [dirUrl, , , kid, url] = args;

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
