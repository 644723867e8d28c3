#!/usr/bin/env node
// Build an ACME v1 request body (flattened JWS, as dehydrated and acme-client
// send it) with Node's crypto only.
//
//   node jws.js --key KEY.pem [--nonce N] [--url-resource RES] [--payload JSON]
//               [--jwk-unprotected-only] [--nonce-unprotected]
//               [--mangle protected|signature] [--pad-jwk]
//   node jws.js --key KEY.pem --print-jwk        the public JWK (JSON)
//   node jws.js --key KEY.pem --thumbprint       its RFC 7638 thumbprint
//
// Output: {"header":{alg,jwk},"protected":b64u({alg,jwk,nonce}),
//          "payload":b64u(JSON),"signature":b64u(sig)}
// --url-resource RES sets the payload's "resource" member (the v1 resource of
// the endpoint the request is meant for). RSA keys sign RS256, P-256 keys ES256.
// --jwk-unprotected-only: protected header is just {"nonce"} (legal in v1).
// --nonce-unprotected: the nonce goes to the unprotected header only (invalid).
// --mangle protected: "protected" is not valid base64url.
// --mangle signature: one signature byte flipped.
// --pad-jwk: the JWK (header and --print-jwk) spells the same key with a
// leading zero octet: RSA n and e (still the key, RFC 7518 6.3.1 wants them
// minimal), EC x (malformed, RFC 7518 6.2.1.2 wants the full field size).
// --thumbprint stays the canonical one.
'use strict';
const crypto = require('crypto');
const fs = require('fs');

function usage(msg) {
	if (msg) process.stderr.write(`jws.js: ${msg}\n`);
	process.stderr.write('usage: node jws.js --key KEY.pem [--nonce N] [--url-resource RES] [--payload JSON]\n' +
		'       [--jwk-unprotected-only] [--nonce-unprotected] [--mangle protected|signature] [--pad-jwk]\n' +
		'       node jws.js --key KEY.pem (--print-jwk | --thumbprint)\n');
	process.exit(2);
}

const opts = { payload: '{}' };
const flags = new Set(['jwk-unprotected-only', 'nonce-unprotected', 'print-jwk', 'thumbprint', 'pad-jwk']);
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
	const a = argv[i];
	if (!a.startsWith('--')) usage(`unexpected argument ${a}`);
	const name = a.slice(2);
	if (flags.has(name)) { opts[name] = true; continue; }
	if (!['key', 'nonce', 'url-resource', 'payload', 'mangle'].includes(name)) usage(`unknown option ${a}`);
	if (i + 1 >= argv.length) usage(`${a} needs a value`);
	opts[name] = argv[++i];
}
if (!opts.key) usage('--key is required');

const b64u = (buf) => Buffer.from(buf).toString('base64')
	.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

const key = crypto.createPrivateKey(fs.readFileSync(opts.key));
const full = key.export({ format: 'jwk' });
let jwk, alg, signOpts;
if (full.kty === 'RSA') {
	jwk = { e: full.e, kty: 'RSA', n: full.n }; // member order as the v1 clients send it
	alg = 'RS256';
	signOpts = { key };
} else if (full.kty === 'EC' && full.crv === 'P-256') {
	jwk = { crv: 'P-256', kty: 'EC', x: full.x, y: full.y };
	alg = 'ES256';
	signOpts = { key, dsaEncoding: 'ieee-p1363' };
} else {
	usage(`unsupported key type ${full.kty} ${full.crv || ''}`);
}

// base64url member b64 with one zero octet in front
const pad0 = (b64) => b64u(Buffer.concat([Buffer.alloc(1), Buffer.from(b64, 'base64url')]));
const sent = { ...jwk };
if (opts['pad-jwk']) {
	for (const m of jwk.kty === 'RSA' ? ['n', 'e'] : ['x']) sent[m] = pad0(jwk[m]);
}

if (opts['print-jwk']) {
	process.stdout.write(JSON.stringify(sent) + '\n');
	process.exit(0);
}
if (opts.thumbprint) {
	// RFC 7638: required members, lexicographic order, no whitespace.
	const canon = jwk.kty === 'RSA'
		? JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n })
		: JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
	process.stdout.write(b64u(crypto.createHash('sha256').update(canon).digest()) + '\n');
	process.exit(0);
}

let payload;
try {
	payload = JSON.parse(opts.payload);
} catch (e) {
	usage(`--payload is not JSON: ${e.message}`);
}
if (opts['url-resource'] !== undefined) payload.resource = opts['url-resource'];

const header = { alg, jwk: sent };
const prot = opts['jwk-unprotected-only'] ? {} : { alg, jwk: sent };
if (opts.nonce !== undefined) {
	if (opts['nonce-unprotected']) header.nonce = opts.nonce;
	else prot.nonce = opts.nonce;
}

const protected64 = b64u(JSON.stringify(prot));
const payload64 = b64u(JSON.stringify(payload));
const sig = crypto.sign('sha256', Buffer.from(`${protected64}.${payload64}`), signOpts);
if (opts.mangle === 'signature') sig[sig.length >> 1] ^= 0x01;

const out = {
	header,
	protected: opts.mangle === 'protected' ? `${protected64.slice(0, 8)}!*%${protected64.slice(8)}` : protected64,
	payload: payload64,
	signature: b64u(sig),
};
if (opts.mangle && !['protected', 'signature'].includes(opts.mangle)) usage(`unknown --mangle ${opts.mangle}`);
process.stdout.write(JSON.stringify(out) + '\n');
