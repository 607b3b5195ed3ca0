// SPDX-License-Identifier: ISC
'use strict';
// Node side of tests/suite-jose.sh: third-party verifiers and signers of
// asymmetric tokens, pinned in package.json.
//
//   node jose.js remote JWKS_URL TOKEN
//       jose's jwtVerify with createRemoteJWKSet(JWKS_URL): prints
//       "<alg> <kid> <username>" and exits 0, or prints the error's code
//       on stderr and exits 1.
//   node jose.js sign ALG PEM_FILE [KID]
//       A token jose signs with the PKCS#8 key in PEM_FILE: sub and
//       username "alice", iat now, exp in 10 minutes, kid KID when given.
//   node jose.js express JWKS_URL ALG TOKEN...
//       An Express app guarded by express-jwt with jwks-rsa's
//       expressJwtSecret (the way their READMEs put it), asked once per
//       TOKEN: prints "<status> <username or error code>" per line.

const fs = require('fs');
const jose = require('jose');

function die(msg) {
  process.stderr.write(`jose.js: ${msg}\n`);
  process.exit(2);
}

async function remote(url, token) {
  const set = jose.createRemoteJWKSet(new URL(url));
  try {
    const { payload, protectedHeader } = await jose.jwtVerify(token, set);
    process.stdout.write(`${protectedHeader.alg} ${protectedHeader.kid} ${payload.username}\n`);
  } catch (e) {
    process.stderr.write(`${e.code || e.name}\n`);
    process.exit(1);
  }
}

async function sign(alg, pemFile, kid) {
  const key = await jose.importPKCS8(fs.readFileSync(pemFile, 'utf8'), alg);
  const header = { alg, typ: 'JWT' };
  if (kid) header.kid = kid;
  const token = await new jose.SignJWT({ sub: 'alice', username: 'alice' })
    .setProtectedHeader(header)
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(key);
  process.stdout.write(`${token}\n`);
}

async function express(jwksUri, alg, tokens) {
  const app = require('express')();
  const { expressjwt } = require('express-jwt');
  const jwksRsa = require('jwks-rsa');
  app.get('/orders', expressjwt({
    secret: jwksRsa.expressJwtSecret({ jwksUri, cache: true, rateLimit: true }),
    algorithms: [alg],
  }), (req, res) => res.json({ username: req.auth.username }));
  app.use((err, req, res, next) => {
    res.status(err.status || 500).json({ error: err.code || err.name });
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${server.address().port}/orders`;
  for (const t of tokens) {
    const r = await fetch(base, { headers: { Authorization: `Bearer ${t}` } });
    const body = await r.json();
    process.stdout.write(`${r.status} ${body.username || body.error}\n`);
  }
  server.close();
}

const [cmd, ...args] = process.argv.slice(2);
let run;
if (cmd === 'remote' && args.length === 2) run = remote(...args);
else if (cmd === 'sign' && (args.length === 2 || args.length === 3)) run = sign(...args);
else if (cmd === 'express' && args.length >= 3) run = express(args[0], args[1], args.slice(2));
else die('usage: remote URL TOKEN | sign ALG PEM [KID] | express URL ALG TOKEN...');
run.catch((e) => die(e.stack || String(e)));
