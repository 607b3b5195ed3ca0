// SPDX-License-Identifier: ISC
'use strict';
// tests/peer/server.js: the server of the Express.js tutorial "JSON Web
// Tokens in Express.js", written small for this project's tests and
// benchmark (see README.md beside it).  It is what tokens must travel to
// and from: HS256 tokens of {username} that expire after '1800s', signed
// with TOKEN_SECRET and checked with ACCESS_TOKEN_SECRET (the same value).
// Users and orders live in memory; a password is kept as given.  This is a
// test double, not a model of how to store passwords.

const crypto = require('crypto');
const path = require('path');
const dotenv = require('dotenv');
const express = require('express');
const jwt = require('jsonwebtoken');

// Settings: the environment first, then DOTENV_PATH or the .env file
// here for whatever it left unset (dotenv never overrides).
dotenv.config({ path: process.env.DOTENV_PATH || path.join(__dirname, '.env'), quiet: true });

const env = process.env;
// Either secret stands in for the other when only one is given.
const signSecret = env.TOKEN_SECRET || env.ACCESS_TOKEN_SECRET;
const checkSecret = env.ACCESS_TOKEN_SECRET || env.TOKEN_SECRET;
if (!signSecret) {
  console.error('peer: set TOKEN_SECRET (and ACCESS_TOKEN_SECRET) in the environment or in .env');
  process.exit(2);
}

// SECRET_KEYOBJECT=1: verify with a KeyObject made once from the secret's
// bytes, the way jsonwebtoken itself turns a string secret into a key.  A
// faster peer for the benchmark; the tutorial passes the string.
const tuned = env.SECRET_KEYOBJECT === '1';
const checkKey = tuned ? crypto.createSecretKey(Buffer.from(checkSecret, 'utf8')) : checkSecret;

let port = 3000;
if (env.PORT !== undefined && env.PORT !== '') {
  port = Number(env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`peer: PORT=${env.PORT} is not a port number (0 picks a free one)`);
    process.exit(2);
  }
}

// ---- in-memory users, each with a few orders to start with -------------
const users = new Map();	// name -> { password, orders }
let orderCount = 0;

function welcomeOrders() {
  const made = '2026-01-01T00:00:00Z';
  return [
    { id: ++orderCount, item: 'notebook', quantity: 3, created_at: made },
    { id: ++orderCount, item: 'pencil', quantity: 12, created_at: made },
  ];
}

// ---- the tutorial's two functions ---------------------------------------
function generateAccessToken(claims) {
  return jwt.sign(claims, signSecret, { expiresIn: '1800s' });
}

function authenticateToken(req, res, next) {
  const header = req.headers.authorization;
  const token = header && header.split(' ')[1];
  if (token == null) return res.sendStatus(401);
  jwt.verify(token, checkKey, (err, claims) => {
    if (err) return res.sendStatus(403);
    req.user = claims;
    next();
  });
}

// ---- routes -------------------------------------------------------------
const app = express();
app.use(express.json());

// As in the tutorial, anybody gets a token, answered as a JSON string;
// a user name that is a string is also remembered, with its password.
app.post('/api/createNewUser', (req, res) => {
  const { username, password } = req.body || {};
  if (typeof username === 'string' && !users.has(username)) {
    users.set(username, { password, orders: welcomeOrders() });
  }
  res.json(generateAccessToken({ username }));
});

app.post('/api/login', (req, res) => {
  const { username, password } = req.body || {};
  if (typeof username !== 'string' || typeof password !== 'string') return res.sendStatus(400);
  const user = users.get(username);
  if (!user || user.password !== password) return res.sendStatus(401);
  res.json(generateAccessToken({ username }));
});

// A valid token for a name never signed up here lists no orders.
app.get('/api/userOrders', authenticateToken, (req, res) => {
  const { username } = req.user;
  const user = typeof username === 'string' ? users.get(username) : undefined;
  res.json({ username, orders: user ? user.orders : [] });
});

// ---- serving, on loopback only, until SIGTERM or SIGINT ------------------
const server = app.listen(port, '127.0.0.1', (err) => {
  if (err) {
    console.error(`peer: cannot listen on 127.0.0.1:${port}: ${err.message}`);
    process.exit(1);
  }
  const where = server.address();
  console.log(`peer listening on http://${where.address}:${where.port}` +
    ` (pid ${process.pid}, node ${process.version}${tuned ? ', SECRET_KEYOBJECT=1' : ''})`);
});

function stop() {
  server.close(() => process.exit(0));
  // A load generator's keep-alive connections would hold close() open.
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
