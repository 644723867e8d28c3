#!/usr/bin/env node
// A fault-injecting HTTPS relay in front of a real Pebble (not a fake CA):
// every request is forwarded to Pebble unchanged (the Host header too, so
// Pebble builds its URLs, and checks the JWS "url", with the relay's own
// address); any Pebble origin left in a Location/Link header or a body is
// rewritten to the relay's. acme-bridge is pointed at the relay and only
// ever talks to it. Faults are set at start (--fault JSON, repeatable) or at
// run time through the control endpoint on the same port:
//
//   POST   /__fault  {"match":..., "action":..., ...}  add a fault (or an array)
//   DELETE /__fault                                    clear every fault
//   GET    /__fault                                    {"faults":[...],"seen":{...},"pebbleBadNonce":{...}}
//
// match: a request class, an array of them, "post" (every POST) or "*":
//   directory new-nonce new-account new-order authz challenge finalize order
//   cert account revoke key-change other   (from Pebble 2.x's URL paths)
// count: how many matching requests the fault hits (default: all of them);
//   a used-up fault is dropped. The first fault that matches wins.
// action (and its options):
//   500          HTTP 500, text/plain, no problem document (not forwarded)
//   status       HTTP `status` with `contentType` and `body` (not forwarded)
//   500-problem  HTTP 500 serverInternal problem+json, `detail` (not forwarded)
//   problem      HTTP `status` (400) problem+json of `type` ("rateLimited" or
//                a full URN) with `detail`, `extra` members merged in, and
//                Retry-After `retryAfter` when given (not forwarded)
//   badNonce     HTTP 400 badNonce problem with a fresh Replay-Nonce from
//                Pebble, none with "nonce":false (not forwarded: Pebble
//                never sees the request)
//   rateLimited  HTTP 429 rateLimited problem, Retry-After `retryAfter` (60)
//   delay        wait `ms` then forward (dropped if the client has gone)
//   reset        close the connection without any answer (not forwarded)
//   close        forward, then send the head and half the body and close
//   garbage      forward, then replace the body with non-JSON bytes (same
//                status, same Content-Type)
//   merge        forward, then shallow-merge `merge` into the JSON body
//                (a null value deletes the member); `challengeStatus` also
//                sets the status of every challenge of an authorization
//
//   node relay.js --upstream https://127.0.0.1:PORT/dir --ca PEBBLE-TLS-CA.pem
//                 --cert TLS-CERT.pem --key TLS-KEY.pem [--port N] [--port-file F]
//                 [--fault JSON]...
// Logs one line per request to stderr. Listens on 127.0.0.1 only.
'use strict';
const fs = require('fs');
const https = require('https');

function usage(msg) {
	if (msg) process.stderr.write(`relay.js: ${msg}\n`);
	process.stderr.write('usage: node relay.js --upstream URL --ca FILE --cert FILE --key FILE ' +
		'[--port N] [--port-file FILE] [--fault JSON]...\n');
	process.exit(2);
}

const opts = { port: 0, faults: [] };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
	const name = argv[i].replace(/^--/, '');
	if (!['upstream', 'ca', 'cert', 'key', 'port', 'port-file', 'fault'].includes(name) || !argv[i].startsWith('--'))
		usage(`unknown option ${argv[i]}`);
	if (i + 1 >= argv.length) usage(`${argv[i]} needs a value`);
	const v = argv[++i];
	if (name === 'fault') {
		try { opts.faults.push(JSON.parse(v)); } catch (e) { usage(`--fault: ${e.message}`); }
	} else opts[name] = v;
}
for (const k of ['upstream', 'ca', 'cert', 'key']) if (!opts[k]) usage(`--${k} is required`);

const up = new URL(opts.upstream);
const upOrigin = up.origin;
const upCA = fs.readFileSync(opts.ca);
const agent = new https.Agent({ keepAlive: true, ca: upCA });
let myOrigin = '';		// https://127.0.0.1:PORT once listening

const ACTIONS = new Set(['500', 'status', '500-problem', 'problem', 'badNonce', 'rateLimited',
	'delay', 'reset', 'close', 'garbage', 'merge']);
let faults = [];		// {match:[...], action, count, fired, ...}
const seen = {};		// request class -> count
const pebbleBadNonce = {};	// request class -> Pebble's own badNonce answers
				// (it rejects 5% of good nonces; the client retries)

function addFault(f) {
	if (!f || typeof f !== 'object' || !ACTIONS.has(f.action))
		throw new Error(`bad fault ${JSON.stringify(f)}: action must be one of ${[...ACTIONS].join(' ')}`);
	const match = Array.isArray(f.match) ? f.match : [f.match || '*'];
	faults.push(Object.assign({}, f, { match, count: f.count === undefined ? -1 : Number(f.count), fired: 0 }));
}
for (const f of opts.faults) addFault(f);

// The request's class, from Pebble's URL paths.
function classify(method, path) {
	const p = path.split('?')[0];
	const table = [
		[/^\/dir$/, 'directory'], [/^\/nonce-plz$/, 'new-nonce'], [/^\/sign-me-up$/, 'new-account'],
		[/^\/order-plz$/, 'new-order'], [/^\/authZ\//, 'authz'], [/^\/chalZ\//, 'challenge'],
		[/^\/finalize-order\//, 'finalize'], [/^\/my-order\//, 'order'], [/^\/certZ\//, 'cert'],
		[/^\/my-account\//, 'account'], [/^\/revoke-cert$/, 'revoke'],
		[/^\/rollover-account-key$/, 'key-change'],
	];
	for (const [re, name] of table) if (re.test(p)) return name;
	return 'other';
}

// The first live fault for this request (and count it), or null.
function pickFault(cls, method) {
	for (const f of faults) {
		const hit = f.match.includes('*') || f.match.includes(cls) ||
			(method === 'POST' && f.match.includes('post'));
		if (!hit) continue;
		f.fired++;
		if (f.count > 0 && f.fired >= f.count) faults = faults.filter(x => x !== f);
		return f;
	}
	return null;
}

function rewrite(s) {
	return myOrigin ? s.split(upOrigin).join(myOrigin) : s;
}

function problemBody(type, detail, status, extra) {
	const t = type.startsWith('urn:') ? type : `urn:ietf:params:acme:error:${type}`;
	return JSON.stringify(Object.assign({ type: t, detail, status }, extra || {}));
}

// Forward req (with its body) to Pebble; cb(err, {status, headers, body}).
function forward(req, body, cb) {
	const headers = Object.assign({}, req.headers);
	delete headers.connection;
	const r = https.request({
		agent, hostname: up.hostname, port: up.port, method: req.method,
		path: req.url, headers,
	}, res => {
		const chunks = [];
		res.on('data', c => chunks.push(c));
		res.on('end', () => cb(null, { status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
		res.on('error', cb);
	});
	r.on('error', cb);
	r.end(body);
}

// A fresh nonce from Pebble (null on failure).
function pebbleNonce(cb) {
	const r = https.request({ agent, hostname: up.hostname, port: up.port, method: 'HEAD', path: '/nonce-plz' },
		res => { res.resume(); cb(res.headers['replay-nonce'] || null); });
	r.on('error', () => cb(null));
	r.end();
}

// Response headers to pass on: rewritten URLs, no hop-by-hop headers.
function passHeaders(h, bodyLen) {
	const out = {};
	for (const [k, v] of Object.entries(h)) {
		if (['connection', 'keep-alive', 'transfer-encoding', 'content-length'].includes(k)) continue;
		out[k] = Array.isArray(v) ? v.map(rewrite) : rewrite(String(v));
	}
	if (bodyLen !== null) out['content-length'] = bodyLen;
	return out;
}

function send(res, status, headers, body) {
	const b = Buffer.isBuffer(body) ? body : Buffer.from(body || '');
	headers['content-length'] = b.length;
	res.writeHead(status, headers);
	res.end(b);
}

function control(req, res, body) {
	const reply = (status, obj) => send(res, status, { 'content-type': 'application/json' }, JSON.stringify(obj) + '\n');
	if (req.method === 'GET') return reply(200, { faults, seen, pebbleBadNonce });
	if (req.method === 'DELETE') {
		const n = faults.length;
		faults = [];
		return reply(200, { cleared: n });
	}
	if (req.method === 'POST') {
		try {
			const v = JSON.parse(body.toString('utf8'));
			for (const f of Array.isArray(v) ? v : [v]) addFault(f);
		} catch (e) {
			return reply(400, { error: e.message });
		}
		return reply(200, { faults });
	}
	return reply(405, { error: 'GET, POST or DELETE' });
}

function log(req, cls, what) {
	process.stderr.write(`relay: ${new Date().toISOString()} ${req.method} ${req.url} [${cls}] ${what}\n`);
}

function handle(req, res, body) {
	if (req.url.split('?')[0] === '/__fault') return control(req, res, body);
	const cls = classify(req.method, req.url);
	seen[cls] = (seen[cls] || 0) + 1;
	const f = pickFault(cls, req.method);
	const a = f ? f.action : 'pass';
	const pj = { 'content-type': 'application/problem+json' };

	switch (a) {
	case '500':
		log(req, cls, 'fault 500');
		return send(res, 500, { 'content-type': 'text/plain' }, 'relay: injected HTTP 500\n');
	case 'status':
		log(req, cls, `fault status ${f.status}`);
		return send(res, Number(f.status) || 502, { 'content-type': f.contentType || 'text/html' },
			f.body !== undefined ? String(f.body) : '<html><body>502 Bad Gateway</body></html>\n');
	case '500-problem':
		log(req, cls, 'fault 500-problem');
		return send(res, 500, pj, problemBody('serverInternal',
			f.detail || 'relay: injected serverInternal', 500));
	case 'problem': {
		const st = Number(f.status) || 400;
		const h = Object.assign({}, pj);
		if (f.retryAfter !== undefined) h['retry-after'] = String(f.retryAfter);
		log(req, cls, `fault problem ${f.type} ${st}`);
		return send(res, st, h, problemBody(f.type || 'malformed', f.detail || 'relay: injected problem', st, f.extra));
	}
	case 'rateLimited': {
		const ra = f.retryAfter !== undefined ? f.retryAfter : 60;
		log(req, cls, `fault rateLimited retry-after ${ra}`);
		return send(res, 429, Object.assign({ 'retry-after': String(ra) }, pj), problemBody('rateLimited',
			f.detail || 'relay: too many new orders recently', 429));
	}
	case 'badNonce':
		if (f.nonce === false) {
			log(req, cls, 'fault badNonce (no fresh nonce)');
			return send(res, 400, pj, problemBody('badNonce', 'relay: JWS has an invalid anti-replay nonce', 400));
		}
		return pebbleNonce(n => {
			const h = Object.assign({}, pj);
			if (n) h['replay-nonce'] = n;
			log(req, cls, `fault badNonce (fresh nonce ${n ? 'given' : 'unavailable'})`);
			send(res, 400, h, problemBody('badNonce', 'relay: JWS has an invalid anti-replay nonce', 400));
		});
	case 'reset':
		log(req, cls, 'fault reset');
		return req.socket.destroy();
	case 'delay':
		log(req, cls, `fault delay ${f.ms} ms`);
		return setTimeout(() => {
			if (req.socket.destroyed) return log(req, cls, 'client gone after the delay: not forwarded');
			pass(req, res, body, cls, null);
		}, Number(f.ms) || 0);
	default:
		return pass(req, res, body, cls, f);
	}
}

// Forward, then apply a post-answer fault (close, garbage, merge) if any.
function pass(req, res, body, cls, f) {
	forward(req, body, (err, r) => {
		if (err) {
			log(req, cls, `upstream error ${err.message}`);
			return send(res, 502, { 'content-type': 'text/plain' }, `relay: upstream error ${err.message}\n`);
		}
		if (r.status === 400 && /badNonce/.test(r.body.toString('latin1')))
			pebbleBadNonce[cls] = (pebbleBadNonce[cls] || 0) + 1;
		let out = req.method === 'HEAD' ? r.body : Buffer.from(rewrite(r.body.toString('latin1')), 'latin1');
		const a = f ? f.action : 'pass';
		if (a === 'garbage') {
			out = Buffer.from('<html>not JSON at all {{{ \x00\x01 ]]\n', 'latin1');
		} else if (a === 'merge') {
			try {
				const j = JSON.parse(out.toString('utf8'));
				for (const [k, v] of Object.entries(f.merge || {})) {
					if (v === null) delete j[k]; else j[k] = v;
				}
				if (f.challengeStatus && Array.isArray(j.challenges))
					for (const c of j.challenges) {
						c.status = f.challengeStatus;
						delete c.validated;
					}
				out = Buffer.from(JSON.stringify(j));
			} catch (e) {
				log(req, cls, `merge: upstream body is not JSON (${e.message}), passed as is`);
			}
		}
		const headers = passHeaders(r.headers, req.method === 'HEAD' ? null : out.length);
		if (a === 'close') {
			log(req, cls, `${r.status} fault close after ${Math.floor(out.length / 2)} of ${out.length} bytes`);
			res.writeHead(r.status, headers);
			res.write(out.subarray(0, Math.floor(out.length / 2)), () => req.socket.destroy());
			return;
		}
		log(req, cls, `${r.status}${f ? ` fault ${a}` : ''}`);
		res.writeHead(r.status, headers);
		res.end(req.method === 'HEAD' ? undefined : out);
	});
}

const server = https.createServer({ cert: fs.readFileSync(opts.cert), key: fs.readFileSync(opts.key) }, (req, res) => {
	const chunks = [];
	req.on('data', c => chunks.push(c));
	req.on('end', () => handle(req, res, Buffer.concat(chunks)));
	req.on('error', () => {});
});
server.on('clientError', (err, sock) => sock.destroy());
server.keepAliveTimeout = 5000;
server.listen(Number(opts.port), '127.0.0.1', () => {
	const port = server.address().port;
	myOrigin = `https://127.0.0.1:${port}`;
	if (opts['port-file']) fs.writeFileSync(opts['port-file'], `${port}\n`);
	process.stderr.write(`relay: listening on ${myOrigin}, upstream ${upOrigin}\n`);
});
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => { server.close(); agent.destroy(); process.exit(0); });
