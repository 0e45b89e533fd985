// sinks.mjs — receivers for what the panel sends out, on loopback: an
// HTTP receiver that records every request (webhooks, Slack/Discord-style
// incoming webhooks) and a small SMTP server that records every message.
import { createServer as httpServer } from 'node:http';
import { createServer as tcpServer } from 'node:net';

// An HTTP receiver answering `status` to everything. .requests holds
// {method, path, headers, body (text)} in arrival order.
export function httpReceiver(port, status = 204) {
	const rx = { requests: [], status };
	rx.server = httpServer((req, res) => {
		const chunks = [];
		req.on('data', (c) => chunks.push(c));
		req.on('end', () => {
			rx.requests.push({ method: req.method, path: req.url,
				headers: req.headers,
				body: Buffer.concat(chunks).toString('utf8') });
			res.writeHead(rx.status);
			res.end();
		});
	});
	return new Promise((resolve, reject) => {
		rx.server.once('error', reject);
		rx.server.listen(port, '127.0.0.1', () => resolve(rx));
	});
}

// An SMTP server (RFC 5321, the commands a client like libcurl sends).
// .messages holds {from, to: [...], data} for each accepted message.
export function smtpSink(port) {
	const sink = { messages: [] };
	sink.server = tcpServer((sock) => {
		let buf = '', inData = false, msg = { to: [] }, data = [];
		const say = (line) => sock.write(`${line}\r\n`);
		say('220 sink ESMTP');
		sock.on('data', (d) => {
			buf += d.toString('utf8');
			let i;
			while ((i = buf.indexOf('\r\n')) >= 0) {
				const line = buf.slice(0, i);
				buf = buf.slice(i + 2);
				if (inData) {
					if (line === '.') {
						inData = false;
						sink.messages.push({ ...msg,
							data: data.join('\r\n') });
						msg = { to: [] };
						data = [];
						say('250 queued');
					} else
						data.push(line.startsWith('..') ?
						    line.slice(1) : line);
					continue;
				}
				const cmd = line.slice(0, 4).toUpperCase();
				if (cmd === 'EHLO' || cmd === 'HELO') say('250 sink');
				else if (cmd === 'MAIL') {
					msg.from = /<([^>]*)>/.exec(line)?.[1];
					say('250 ok');
				} else if (cmd === 'RCPT') {
					msg.to.push(/<([^>]*)>/.exec(line)?.[1]);
					say('250 ok');
				} else if (cmd === 'DATA') {
					inData = true;
					say('354 go on');
				} else if (cmd === 'QUIT') {
					say('221 bye');
					sock.end();
				} else if (cmd === 'RSET' || cmd === 'NOOP') say('250 ok');
				else say('502 not here');
			}
		});
		sock.on('error', () => {});
	});
	return new Promise((resolve, reject) => {
		sink.server.once('error', reject);
		sink.server.listen(port, '127.0.0.1', () => resolve(sink));
	});
}
