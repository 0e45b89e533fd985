// gateway.mjs — requests to the gateway as a browser on some domain would
// make them: to the gateway's own address, with the domain in Host (and,
// over TLS, in SNI), so no name needs to resolve.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BASE } from './client.mjs';

export const HTTP_PORT = Number(new URL(BASE).port || 80);
export const HTTPS_PORT = Number(process.env.OP_TEST_HTTPS_PORT ?? 18443);

// GET path on host through the gateway: {status, headers, body, cert}.
// opts: https (TLS with SNI host), ca (PEM to trust; else none checked).
export function viaGateway(host, path = '/', opts = {}) {
	return new Promise((resolve, reject) => {
		const tls = !!opts.https;
		const req = (tls ? httpsRequest : httpRequest)({
			host: '127.0.0.1', port: tls ? HTTPS_PORT : HTTP_PORT,
			method: 'GET', path, headers: { host },
			agent: false,
			...(tls ? { servername: host, ca: opts.ca,
				rejectUnauthorized: !!opts.ca } : {}),
		}, (res) => {
			const chunks = [];
			const cert = tls ? res.socket.getPeerCertificate() : null;
			res.on('data', (c) => chunks.push(c));
			res.on('end', () => resolve({ status: res.statusCode,
				headers: res.headers, cert,
				body: Buffer.concat(chunks).toString('utf8') }));
			res.on('error', reject);
		});
		req.on('error', reject);
		req.setTimeout(10000, () => req.destroy(new Error(
		    `GET ${host}${path}: timed out`)));
		req.end();
	});
}

// What the gateway answers for host, or null while it cannot connect.
export async function tryGateway(host, path, opts) {
	try {
		return await viaGateway(host, path, opts);
	} catch {
		return null;
	}
}
