// server.mjs — the peer of the side-by-side bench: the seed's original
// stack (Hono on Node.js, JWT bearer auth, node-postgres) serving the same
// authenticated read as the panel's GET /api/projects, over the same
// PostgreSQL data and the same tokens.
//
// It does the work the panel does for that request: verify the HS256
// access token (issuer, audience, expiry), check that its session is open
// and its user enabled, then list the caller's teams' projects, keyset
// paged, with the same SQL. Nothing is cached.
//
//   PEER_PORT         port on 127.0.0.1 (default 18600)
//   PEER_PG           libpq-style "host=/dir port=5432 user=postgres" (one
//                     role that reads both schemas, as a single app would)
//   PEER_JWT_KEY_FILE the panel's jwt.key (32 raw bytes or 64 hex digits)
//   PEER_WORKERS      processes (default 1, as the seed ran it)
import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import { Hono } from 'hono';
import { jwt } from 'hono/jwt';
import { serve } from '@hono/node-server';
import pg from 'pg';

const workers = Number(process.env.PEER_WORKERS ?? 1);
if (cluster.isPrimary && workers > 1) {
	for (let i = 0; i < workers; i++)
		cluster.fork();
} else {
	await start();
}

function jwtKey(path) {
	const raw = readFileSync(path);
	const text = raw.toString('latin1').trim();
	return raw.length === 32 ? raw : Buffer.from(text, 'hex');
}

function pgConfig(conninfo) {
	const kv = Object.fromEntries(conninfo.trim().split(/\s+/)
	    .map((p) => p.split('=')));
	return { host: kv.host, port: Number(kv.port), database:
	    kv.dbname ?? 'openpanel', user: kv.user, max: 10 };
}

const LIST = `SELECT p.id, p.team_id, p.name, p.description, p.created_at,
    p.updated_at, (SELECT count(*) FROM projects.containers c
    WHERE c.project_id = p.id) AS container_count
  FROM projects.projects p
  WHERE ($2 OR p.team_id IN (SELECT team_id FROM auth.team_members_v
    WHERE user_id = $1))
  AND ($3::uuid IS NULL OR p.team_id = $3::uuid)
  ORDER BY p.created_at, p.id LIMIT $4`;

const SESSION = `SELECT u.is_admin FROM auth.sessions s JOIN auth.users u
  ON u.id = s.user_id WHERE s.id = $1 AND s.user_id = $2
  AND s.revoked_at IS NULL AND s.expires_at > now() AND NOT u.disabled`;

async function start() {
	const key = await crypto.subtle.importKey('raw',
	    jwtKey(process.env.PEER_JWT_KEY_FILE),
	    { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
	const pool = new pg.Pool(pgConfig(process.env.PEER_PG));
	const app = new Hono();

	app.use('/api/*', jwt({ secret: key, alg: 'HS256', verification:
	    { iss: 'openpanel', aud: 'openpanel-api' } }));
	app.use('/api/*', async (c, next) => {
		const claims = c.get('jwtPayload');
		const s = await pool.query(SESSION, [claims.sid, claims.sub]);
		if (s.rowCount !== 1)
			return c.json({ error: 'unauthorized' }, 401);
		c.set('user', { id: claims.sub, admin: s.rows[0].is_admin });
		await next();
	});
	app.get('/api/projects', async (c) => {
		const user = c.get('user');
		const limit = Math.min(Number(c.req.query('limit') ?? 50), 200);
		const r = await pool.query(LIST, [user.id, user.admin,
		    c.req.query('team_id') ?? null, limit + 1]);
		const data = r.rows.slice(0, limit);
		return c.json({ items: data, next: r.rows.length > limit ?
		    data[data.length - 1].id : null });
	});
	serve({ fetch: app.fetch, hostname: '127.0.0.1',
	    port: Number(process.env.PEER_PORT ?? 18600) });
}
