#!/usr/bin/env node
// Create an RFC 8555 account at the CA directly (not through the bridge),
// the way a host's ACME v2 client did it before: newAccount signed with the
// key's JWK, terms agreed. test_accounts.sh uses it to give an account key
// an existing upstream account, then imports that key into the bridge.
//
//   node v2_register.js DIRECTORY_URL CA_PEM KEY_PEM
//
// KEY_PEM: RSA (RS256) or EC P-256 (ES256). Prints the account URL
// (Location) on stdout; exit 1 with the CA's answer on stderr otherwise.
// badNonce answers (Pebble rejects some good nonces) are retried.
'use strict';
const crypto = require('crypto');
const { b64u, cli } = require('./v2_http.js');

const { args, key, request } = cli('v2_register.js', []);
const dirUrl = args[0];

function jwkAndAlg() {
	const full = key.export({ format: 'jwk' });
	if (full.kty === 'RSA')
		return [{ e: full.e, kty: 'RSA', n: full.n }, 'RS256', { key }];
	if (full.kty === 'EC' && full.crv === 'P-256')
		return [{ crv: 'P-256', kty: 'EC', x: full.x, y: full.y }, 'ES256', { key, dsaEncoding: 'ieee-p1363' }];
	throw new Error(`unsupported key ${full.kty} ${full.crv || ''}`);
}

async function main() {
	const dir = JSON.parse((await request('GET', dirUrl)).body);
	const [jwk, alg, signOpts] = jwkAndAlg();
	let nonce = (await request('HEAD', dir.newNonce)).headers['replay-nonce'];
	for (let attempt = 0; attempt < 10; attempt++) {
		const prot = b64u(JSON.stringify({ alg, jwk, nonce, url: dir.newAccount }));
		const payload = b64u(JSON.stringify({ termsOfServiceAgreed: true }));
		const sig = crypto.sign('sha256', Buffer.from(`${prot}.${payload}`), signOpts);
		const body = JSON.stringify({ protected: prot, payload, signature: b64u(sig) });
		const r = await request('POST', dir.newAccount, body);
		if ((r.status === 201 || r.status === 200) && r.headers.location) {
			process.stdout.write(`${r.headers.location}\n`);
			return;
		}
		if (r.status === 400 && r.body.includes('badNonce') && r.headers['replay-nonce']) {
			nonce = r.headers['replay-nonce'];
			continue;
		}
		throw new Error(`newAccount: HTTP ${r.status}: ${r.body}`);
	}
	throw new Error('newAccount: badNonce 10 times');
}

main().catch((e) => {
	process.stderr.write(`v2_register.js: ${e.message}\n`);
	process.exit(1);
});
