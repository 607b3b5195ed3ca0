// SPDX-License-Identifier: ISC
'use strict';
// bench/peer-jose/server.js: an Express resource server that verifies our
// asymmetric tokens the way another service would, with `jose` and only
// our JWKS file (createLocalJWKSet: no key fetched per request), and
// answers GET /api/userOrders as the tutorial's app does (tests/peer), from
// users held in memory, each with as many orders as the bench's users.  `make bench`
// puts our EdDSA and ES256 many-user GET beside it (bench/asym.sh).
//
//   JWKS_FILE=var/jwks.json TOKEN_ALG=EdDSA USERS_FILE=names ORDERS=3 PORT=0 node server.js
//
// The modules are tests/node's (express and jose, pinned by its lock file
// and installed by tests/node/ensure-modules.sh): nothing of its own.
const fs = require('fs');
const path = require('path');
const { createRequire } = require('module');

const need = createRequire(path.join(__dirname, '..', '..', 'tests', 'node', 'package.json'));
const express = need('express');
const jose = need('jose');

const env = process.env;
for (const v of ['JWKS_FILE', 'TOKEN_ALG']) {
  if (!env[v]) {
    console.error(`peer-jose: set ${v}`);
    process.exit(2);
  }
}
const jwks = jose.createLocalJWKSet(JSON.parse(fs.readFileSync(env.JWKS_FILE, 'utf8')));
// The algorithm is ours to choose, never the token's (as our verifier).
const options = { algorithms: [env.TOKEN_ALG] };

// Each user with ORDERS orders as bench/seed makes them for the service,
// so both answer lists of the same length.
const users = new Map();	// name -> orders
const perUser = Number(env.ORDERS || 3);
let nextId = 0;
if (env.USERS_FILE) {
  for (const name of fs.readFileSync(env.USERS_FILE, 'utf8').split('\n')) {
    if (name === '') continue;
    const orders = [];
    for (let i = 0; i < perUser; i++) {
      orders.push({ id: ++nextId, item: `item ${i + 1}`, quantity: (i % 9) + 1,
        created_at: '2026-01-01T00:00:00Z' });
    }
    users.set(name, orders);
  }
}

async function authenticateToken(req, res, next) {
  const header = req.headers.authorization;
  const token = header && header.split(' ')[1];
  if (token == null) return res.sendStatus(401);
  try {
    const { payload } = await jose.jwtVerify(token, jwks, options);
    req.user = payload;
  } catch (e) {
    return res.sendStatus(403);
  }
  return next();
}

const app = express();
app.get('/api/userOrders', authenticateToken, (req, res) => {
  const { username } = req.user;
  const orders = typeof username === 'string' ? users.get(username) : undefined;
  res.json({ username, orders: orders || [] });
});

// SIGTERM (bench/lib.sh's stop_peer) ends it: nothing here to save.
const server = app.listen(Number(env.PORT || 0), '127.0.0.1', (err) => {
  if (err) {
    console.error(`peer-jose: cannot listen: ${err.message}`);
    process.exit(1);
  }
  const { address, port } = server.address();
  console.log(`peer listening on http://${address}:${port} (jose ${env.TOKEN_ALG}, node ${process.version})`);
});
