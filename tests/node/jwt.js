// SPDX-License-Identifier: ISC
'use strict';
// Node side of tests/suite-interop.sh: make and check tokens with the
// jsonwebtoken the Express tutorial uses (pinned in package.json).
//
//   node jwt.js sign KIND...
//       One token per line, in order.  The secret is $JWT_SECRET, used as
//       the tutorial uses process.env.TOKEN_SECRET: the string itself.
//       $JWT_OTHER_SECRET is the "wrong" secret, $JWT_ISSUER/$JWT_AUDIENCE
//       feed the iss-aud kind.
//   node jwt.js verify TOKEN [OPTIONS_JSON] [KEY]
//       jwt.verify(TOKEN, secret, {...OPTIONS, complete: true}); prints
//       {"header":...,"payload":...} and exits 0, or prints
//       "<ErrorName>: <message>" on stderr and exits 1.  KEY is "text"
//       (default: the string, as the tutorial), "hex" (the secret
//       hex-decoded) or "other" ($JWT_OTHER_SECRET).
//
// Secrets come from the environment, never from argv (ps shows argv).

const crypto = require('crypto');
const jwt = require('jsonwebtoken');

function die(msg) {
  process.stderr.write(`jwt.js: ${msg}\n`);
  process.exit(2);
}

const secret = process.env.JWT_SECRET;
if (!secret) die('JWT_SECRET is not set');
const other = process.env.JWT_OTHER_SECRET || '';

const b64url = (buf) => Buffer.from(buf).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

// Each kind returns one token.  "tutorial" is byte for byte what the
// tutorial's generateAccessToken does.
const kinds = {
  tutorial: () => jwt.sign({ username: 'alice' }, secret, { expiresIn: '1800s' }),
  '1h': () => jwt.sign({ username: 'alice' }, secret, { expiresIn: '1h' }),
  extra: () => jwt.sign({
    username: 'alice',
    role: 'admin',
    scopes: ['orders:read', 'orders:write'],
    profile: { email: 'alice@example.com', age: 30, verified: true },
    ratio: 0.5,
    nothing: null,
  }, secret, { expiresIn: '1800s', subject: 'alice', jwtid: crypto.randomUUID() }),
  kid: () => jwt.sign({ username: 'alice' }, secret, { expiresIn: '1800s', keyid: 'k1' }),
  email: () => jwt.sign({ username: 'alice.smith@example.com' }, secret, { expiresIn: '1800s' }),
  'iss-aud': () => jwt.sign({ username: 'alice' }, secret, {
    expiresIn: '1800s',
    issuer: process.env.JWT_ISSUER,
    audience: process.env.JWT_AUDIENCE,
  }),
  'other-secret': () => {
    if (!other) die('JWT_OTHER_SECRET is not set');
    return jwt.sign({ username: 'alice' }, other, { expiresIn: '1800s' });
  },
  hs384: () => jwt.sign({ username: 'alice' }, secret, { expiresIn: '1800s', algorithm: 'HS384' }),
  hs512: () => jwt.sign({ username: 'alice' }, secret, { expiresIn: '1800s', algorithm: 'HS512' }),
  // jsonwebtoken 9 signs alg "none" when the secret is empty (null) and
  // the algorithm is named: "<header>.<payload>." with no signature.
  none: () => jwt.sign({ username: 'alice' }, null, { expiresIn: '1800s', algorithm: 'none' }),
  // By hand: header alg "none" but a real HS256 signature with the secret,
  // so only the header check can refuse it.
  'none-signed': () => {
    const input = `${b64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.` +
      b64url(JSON.stringify({ username: 'alice', iat: now(), exp: now() + 1800 }));
    return `${input}.${b64url(crypto.createHmac('sha256', secret).update(input).digest())}`;
  },
  expired: () => jwt.sign({ username: 'alice' }, secret, { expiresIn: -10 }),
  'expired-iat': () => jwt.sign({ username: 'alice', iat: now() - 3600 }, secret, { expiresIn: '1800s' }),
  nbf: () => jwt.sign({ username: 'alice' }, secret, { expiresIn: '1800s', notBefore: 60 }),
  'no-timestamp': () => jwt.sign({ username: 'alice' }, secret, { expiresIn: '1800s', noTimestamp: true }),
  // The boundaries, compared as jsonwebtoken compares them: expired when
  // now >= exp, not yet valid when nbf > now.  Both hold whenever the
  // other side checks (at this second or a later one).
  'exp-now': () => jwt.sign({ username: 'alice', exp: now() }, secret),
  'nbf-now': () => jwt.sign({ username: 'alice', nbf: now() }, secret, { expiresIn: '1800s' }),
  'no-exp': () => jwt.sign({ username: 'alice' }, secret),
  // The secret as its text bytes, spelled out (what a string secret means).
  'hex-as-text': () => jwt.sign({ username: 'alice' }, Buffer.from(secret, 'utf8'), { expiresIn: '1800s' }),
  // The secret hex-decoded: 64 bytes that are not the service's key.
  'hex-decoded': () => jwt.sign({ username: 'alice' }, Buffer.from(secret, 'hex'), { expiresIn: '1800s' }),
};

function keyFor(name) {
  switch (name || 'text') {
    case 'text': return secret;
    case 'hex': return Buffer.from(secret, 'hex');
    case 'other':
      if (!other) die('JWT_OTHER_SECRET is not set');
      return other;
    default: return die(`unknown key ${name}`);
  }
}

const [cmd, ...args] = process.argv.slice(2);
if (cmd === 'sign') {
  if (args.length === 0) die('sign: no kind');
  const out = args.map((k) => {
    if (!kinds[k]) die(`sign: unknown kind ${k}`);
    return kinds[k]();
  });
  process.stdout.write(`${out.join('\n')}\n`);
} else if (cmd === 'verify') {
  const [token, optsJson, key] = args;
  if (!token) die('verify: no token');
  let opts;
  try {
    opts = JSON.parse(optsJson || '{}');
  } catch (e) {
    die(`verify: bad options: ${e.message}`);
  }
  try {
    const r = jwt.verify(token, keyFor(key), { ...opts, complete: true });
    process.stdout.write(`${JSON.stringify({ header: r.header, payload: r.payload })}\n`);
  } catch (e) {
    process.stderr.write(`${e.name}: ${e.message}\n`);
    process.exit(1);
  }
} else {
  die('usage: node jwt.js sign KIND... | verify TOKEN [OPTIONS_JSON] [text|hex|other]');
}
