// acme-client 1.0.0 (npm) against acme-bridge; driven by test_acme_client.sh.
//   node test_acme_client.js DIRECTORY_URL OUTDIR DOMAIN
// Prints "RESULT ok NAME" / "RESULT fail NAME: WHY" lines and writes
// OUTDIR/cert.pem, OUTDIR/intermediate.pem, OUTDIR/chain.pem.
// acme-client 1.0.0 is callback based: Client({directoryUri, accountKey,
// acceptTermsOfService}), registerAccount, easy({csr, challengeCreateFn, ...}),
// revokeCertificate, changeAccountKey; keys and CSRs through its `openssl`
// CLI wrapper. Also writes OUTDIR/old-account.pem, new-account.pem,
// account-uri (the key change) and cert-newkey.pem.
'use strict';
const fs = require('fs');
const path = require('path');
const util = require('util');
const acme = require('acme-client');

const [directoryUri, outDir, domain] = process.argv.slice(2);
if (!directoryUri || !outDir || !domain) {
	console.error('usage: node test_acme_client.js DIRECTORY_URL OUTDIR DOMAIN');
	process.exit(2);
}

let failed = 0;
const ok = (name) => console.log(`RESULT ok ${name}`);
const bad = (name, why) => { failed++; console.log(`RESULT fail ${name}: ${why}`); };
const errText = (e) => (typeof e === 'string' ? e : util.inspect(e, { depth: 3 })).replace(/\s+/g, ' ');

const createPrivateKey = util.promisify(acme.openssl.createPrivateKey);
const createCsr = util.promisify(acme.openssl.createCsr);

async function main() {
	const accountKey = await createPrivateKey();
	const client = new acme.Client({
		directoryUri,
		accountKey,
		acceptTermsOfService: true,
		// acme-client's defaults (5 polls, 5 s apart): the bridge must cope.
		waitForChallengeSettings: { times: 5, interval: 5000 },
	});

	// 1. new-reg (201 + Link terms-of-service) then reg {agreement} (202).
	let account;
	try {
		account = await util.promisify(client.registerAccount.bind(client))({ contact: ['mailto:e2e@example.com'] });
		ok('registerAccount');
	} catch (e) {
		bad('registerAccount', errText(e));
		return;
	}
	if (client.accountUri && /\/acme\/reg\/\d+$/.test(client.accountUri)) ok('account URI from Location');
	else bad('account URI from Location', String(client.accountUri));
	if (account && typeof account.agreement === 'string' && account.agreement.length > 0) {
		ok('terms of service agreed through the Link header');
	} else {
		bad('terms of service agreed through the Link header', `account: ${errText(account)}`);
	}

	// 2. easy(): registers again (409 -> POST reg to Location), new-authz per
	// CSR name (the CN twice, as acme-client does), then new-cert and the
	// Location / Link up downloads. The authz comes back valid, so the
	// challenge must be skipped: challengeCreateFn must not run.
	const { key, csr } = await createCsr({ commonName: domain, altNames: [domain] });
	fs.writeFileSync(path.join(outDir, 'key.pem'), key);
	let created = 0;
	let result;
	const t0 = Date.now();
	try {
		result = await util.promisify(client.easy.bind(client))({
			csr,
			email: 'e2e@example.com',
			challengeType: 'http-01',
			challengeCreateFn: (keyAuthorization, challenge, name, cb) => { created++; cb(null); },
			challengeRemoveFn: (challenge, name, cb) => cb(null),
		});
		ok(`easy() issued a certificate (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
	} catch (e) {
		bad('easy() issued a certificate', errText(e));
		return;
	}
	if (created === 0) ok('challenge skipped: authz already valid');
	else bad('challenge skipped: authz already valid', `challengeCreateFn ran ${created} times`);

	for (const part of ['certificate', 'intermediate', 'chain']) {
		if (result && result[part] && /-----BEGIN CERTIFICATE-----/.test(result[part].toString())) {
			ok(`result has ${part}`);
		} else {
			bad(`result has ${part}`, errText(result && result[part] && result[part].toString().slice(0, 80)));
		}
	}
	if (result && result.certificate) fs.writeFileSync(path.join(outDir, 'cert.pem'), result.certificate);
	if (result && result.intermediate) fs.writeFileSync(path.join(outDir, 'intermediate.pem'), result.intermediate);
	if (result && result.chain) fs.writeFileSync(path.join(outDir, 'chain.pem'), result.chain);

	// 3. revoke-cert (acme-client requires exactly 200).
	if (result && result.certificate) {
		try {
			await util.promisify(client.revokeCertificate.bind(client))(result.certificate);
			ok('revokeCertificate');
		} catch (e) {
			bad('revokeCertificate', errText(e));
		}
	}

	// 4. key-change (Boulder's v1 wrapping: inner JWS by the new key plus
	// "resource"; acme-client requires exactly 200), then a certificate
	// with the new key. test_acme_client.sh checks the old key is refused.
	const newKey = await createPrivateKey();
	fs.writeFileSync(path.join(outDir, 'old-account.pem'), accountKey);
	fs.writeFileSync(path.join(outDir, 'new-account.pem'), newKey);
	fs.writeFileSync(path.join(outDir, 'account-uri'), String(client.accountUri));
	let changed;
	try {
		changed = await util.promisify(client.changeAccountKey.bind(client))(newKey);
		ok('changeAccountKey');
	} catch (e) {
		bad('changeAccountKey', errText(e));
		return;
	}
	const newJwk = await util.promisify(client.http.getJwk.bind(client.http))();
	if (changed && changed.key && changed.key.n === newJwk.n && changed.status === 'valid') {
		ok('changeAccountKey: the registration shows the new key');
	} else {
		bad('changeAccountKey: the registration shows the new key', errText(changed));
	}
	const second = await createCsr({ commonName: domain, altNames: [domain] });
	try {
		const again = await util.promisify(client.easy.bind(client))({
			csr: second.csr,
			challengeType: 'http-01',
			challengeCreateFn: (keyAuthorization, challenge, name, cb) => cb(null),
			challengeRemoveFn: (challenge, name, cb) => cb(null),
		});
		if (again && /-----BEGIN CERTIFICATE-----/.test(again.certificate.toString())) {
			ok('easy() with the new account key issued a certificate');
			fs.writeFileSync(path.join(outDir, 'cert-newkey.pem'), again.certificate);
		} else {
			bad('easy() with the new account key issued a certificate', errText(again));
		}
	} catch (e) {
		bad('easy() with the new account key issued a certificate', errText(e));
	}
}

main().then(() => process.exit(failed ? 1 : 0), (e) => {
	bad('unexpected exception', errText(e && e.stack ? e.stack : e));
	process.exit(1);
});
