#!/usr/bin/env node
// A tiny static file server for the client-proof e2e test: serves the regular
// files under DIR on 127.0.0.1:PORT (GET and HEAD only, no directory
// listings, nothing outside DIR), one access-log line per request.
//
//   node static_server.js --dir DIR --port PORT --log ACCESS.LOG
//
// Access log lines: "<ISO time> <method> <path> <status> <bytes> host=<Host>"
// Prints "ready" on stdout once it listens.
'use strict';
const fs = require('fs');
const http = require('http');
const path = require('path');

const opts = {};
const argv = process.argv.slice(2);
for (let i = 0; i + 1 < argv.length; i += 2) {
	if (!['--dir', '--port', '--log'].includes(argv[i])) {
		process.stderr.write(`static_server.js: unknown option ${argv[i]}\n`);
		process.exit(2);
	}
	opts[argv[i].slice(2)] = argv[i + 1];
}
if (!opts.dir || !opts.port || !opts.log) {
	process.stderr.write('usage: node static_server.js --dir DIR --port PORT --log ACCESS.LOG\n');
	process.exit(2);
}
const root = fs.realpathSync(opts.dir);

function log(req, status, bytes) {
	const line = `${new Date().toISOString()} ${req.method} ${req.url} ${status} ${bytes} host=${req.headers.host || ''}\n`;
	fs.appendFileSync(opts.log, line);
}

function answer(req, res, status, body) {
	res.writeHead(status, { 'Content-Type': 'text/plain', 'Content-Length': body.length });
	res.end(req.method === 'HEAD' ? undefined : body);
	log(req, status, body.length);
}

const server = http.createServer((req, res) => {
	if (req.method !== 'GET' && req.method !== 'HEAD')
		return answer(req, res, 405, Buffer.from('method not allowed\n'));
	let rel;
	try {
		rel = decodeURIComponent(new URL(req.url, 'http://x').pathname);
	} catch (e) {
		return answer(req, res, 400, Buffer.from('bad path\n'));
	}
	const file = path.resolve(root, '.' + rel);
	if (file !== root && !file.startsWith(root + path.sep))
		return answer(req, res, 403, Buffer.from('outside the served directory\n'));
	fs.readFile(file, (err, data) => {
		if (err)
			return answer(req, res, 404, Buffer.from('not found\n'));
		answer(req, res, 200, data);
	});
});
server.listen(Number(opts.port), '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
