// Shared by the test tools that talk RFC 8555 to the CA directly
// (v2_get.js, v2_register.js): base64url, an HTTPS request that trusts
// the given CA and resolves with {status, headers, body}, and their common
// command line (DIRECTORY_URL CA_PEM KEY_PEM ...).
'use strict';
const https = require('https');

const b64u = (buf) => Buffer.from(buf).toString('base64')
	.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

function requester(ca) {
	return function request(method, u, body) {
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
	};
}

const fs = require('fs');
const crypto = require('crypto');

// command line DIRECTORY_URL CA_PEM KEY_PEM MORE...: exit 2 with the usage
// when an argument is missing; else {args, key, request}
function cli(tool, more) {
	const args = process.argv.slice(2);
	if (args.length < 3 + more.length) {
		process.stderr.write(`usage: node ${tool} DIRECTORY_URL CA_PEM KEY_PEM${more.map((m) => ` ${m}`).join('')}\n`);
		process.exit(2);
	}
	const key = crypto.createPrivateKey(fs.readFileSync(args[2]));
	return { args, key, request: requester(fs.readFileSync(args[1])) };
}

module.exports = { b64u, requester, cli };
