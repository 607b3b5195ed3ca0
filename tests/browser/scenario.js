// SPDX-License-Identifier: ISC
// tests/browser/scenario.js: the page in web/ driven in Debian's Chromium
// through playwright-core, against two lighttpd instances started by
// tests/suite-browser.sh from deploy/lighttpd.conf (a short
// ACCESS_TOKEN_TTL; one of them with AUTH_COOKIES=1).  Prints one
// "ok - …" or "not ok - …" line per step (details indented below a
// failure) and "# …" comments; the shell suite counts them.
//
// Environment (all set by the suite):
//	BROWSER_BEARER_URL	the instance in the default (bearer) mode
//	BROWSER_COOKIE_URL	the instance with AUTH_COOKIES=1
//	BROWSER_ACCESS_TTL	their ACCESS_TOKEN_TTL in seconds
//	BROWSER_PROFILE_ROOT	an empty folder for fresh user-data-dirs
//	BROWSER_OUT_DIR		where the screenshots go
//	BROWSER_CHROMIUM	the browser (default /usr/bin/chromium)
//	BROWSER_APP_PORT	a free port for a page on another origin, which
//				both instances list in CORS_ORIGINS
//				(http://127.0.0.1:PORT)
//	BROWSER_OTHER_PORT	a free port for the same page on an origin
//				they do not list
'use strict';

const fs = require('fs');
const http = require('http');
const path = require('path');
const { chromium } = require('playwright-core');

const env = process.env;
const BEARER_URL = env.BROWSER_BEARER_URL;
const COOKIE_URL = env.BROWSER_COOKIE_URL;
const TTL = Number(env.BROWSER_ACCESS_TTL || '3');
const PROFILE_ROOT = env.BROWSER_PROFILE_ROOT;
const OUT_DIR = env.BROWSER_OUT_DIR;
const CHROMIUM = env.BROWSER_CHROMIUM || '/usr/bin/chromium';
const APP_PORT = Number(env.BROWSER_APP_PORT);
const OTHER_PORT = Number(env.BROWSER_OTHER_PORT);
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
	'--disable-background-networking', '--disable-component-update', '--disable-sync'];
const PASSWORD = 'correct horse battery';
const WAIT = 10000;	// ms for any one thing to appear

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// A user name per run: the databases are fresh anyway, but a rerun
// against a kept server must not collide.
const stamp = Date.now().toString(36);

let failures = 0;
function report(ok, name, details) {
	if (ok) {
		console.log('ok - ' + name);
		return;
	}
	failures++;
	console.log('not ok - ' + name);
	for (const d of details || []) console.log('    ' + String(d).replace(/\n/g, '\n    '));
}
// step NAME FN: one ok/not ok line; FN may return a note for the line.
async function step(name, fn) {
	try {
		const note = await fn();
		report(true, typeof note === 'string' && note ? name + ' (' + note + ')' : name);
		return true;
	} catch (e) {
		report(false, name, [e && e.message ? e.message : String(e)]);
		return false;
	}
}
function assert(cond, message) {
	if (!cond) throw new Error(message);
}
// until: poll FN until it returns something truthy.
async function until(what, fn, timeout = WAIT) {
	const t0 = Date.now();
	let last = null;
	for (;;) {
		try {
			const v = await fn();
			if (v) return v;
			last = null;
		} catch (e) {
			last = e;
		}
		if (Date.now() - t0 > timeout) {
			throw new Error('timed out after ' + timeout + ' ms waiting for ' + what +
				(last ? ': ' + last.message : ''));
		}
		await sleep(100);
	}
}

// ----------------------------------------------------------------------
// What the browser does, recorded
// ----------------------------------------------------------------------
function monitor(context, page, base) {
	const m = {
		base,
		requests: [],	// {method, path, url, post, authorization}
		responses: [],	// {method, path, status, error, message}
		tokens: new Set(),	// every token the server handed out to the page
		lastRefresh: null,	// the newest refresh token handed out
		console: [],	// {type, text}
		failed: [],	// requests that got no answer: "METHOD url: error"
		pageErrors: [],
		external: [],
		pending: [],
	};
	context.on('request', (req) => {
		const url = req.url();
		if (!url.startsWith(base + '/') && !url.startsWith('data:')) m.external.push(url);
		const headers = req.headers();
		m.requests.push({
			method: req.method(),
			path: url.startsWith(base) ? new URL(url).pathname : url,
			url,
			post: req.postData(),
			authorization: headers.authorization || null,
		});
	});
	context.on('response', (res) => {
		const url = res.url();
		if (!url.startsWith(base + '/api/')) return;
		const rec = { method: res.request().method(), path: new URL(url).pathname, search: new URL(url).search, status: res.status(),
			retryAfter: res.headers()['retry-after'] };
		m.responses.push(rec);
		if (rec.status === 204) return;
		// A body nobody reads may never arrive: wait 3 s at most.
		m.pending.push(Promise.race([res.text(), sleep(3000).then(() => '')]).then((t) => {
			let b = null;
			try { b = JSON.parse(t); } catch (e) { return; }
			if (!b || typeof b !== 'object') return;
			rec.error = b.error;
			rec.message = b.message;
			rec.next = b.next;
			if (Array.isArray(b.orders)) rec.orders = b.orders.length;
			if (typeof b.access_token === 'string') m.tokens.add(b.access_token);
			if (typeof b.refresh_token === 'string') {
				m.tokens.add(b.refresh_token);
				m.lastRefresh = b.refresh_token;
			}
		}).catch(() => {}));
	});
	page.on('console', (msg) => m.console.push({ type: msg.type(), text: msg.text() }));
	context.on('requestfailed', (req) => m.failed.push(req.method() + ' ' + req.url() + ': ' +
		(req.failure() ? req.failure().errorText : '?')));
	page.on('pageerror', (e) => m.pageErrors.push(String(e && e.message)));
	m.settle = async () => {
		await Promise.all(m.pending);
	};
	m.since = (n) => m.responses.slice(n);
	return m;
}

async function launch(name) {
	const dir = path.join(PROFILE_ROOT, name);
	fs.mkdirSync(dir, { recursive: true });
	const context = await chromium.launchPersistentContext(dir, {
		executablePath: CHROMIUM,
		headless: true,
		args: ARGS,
		viewport: { width: 1100, height: 720 },
		timeout: 30000,
	});
	context.setDefaultTimeout(WAIT);
	const page = context.pages()[0] || await context.newPage();
	return { context, page };
}

// ----------------------------------------------------------------------
// The page, as a person uses it (by role and label)
// ----------------------------------------------------------------------
const form = (page, name) => page.getByRole('form', { name, exact: true });

async function fillCredentials(page, formName, username, password) {
	const f = form(page, formName);
	await f.getByLabel('User name', { exact: true }).fill(username);
	await f.getByLabel('Password', { exact: true }).fill(password);
	await f.getByRole('button').click();
}

async function signedInAs(page, username) {
	return until('"Signed in as ' + username + '"', async () => {
		if (!(await page.locator('#whoami').isVisible())) return false;
		const who = await page.locator('#whoami').innerText();
		return who.includes('Signed in as ' + username) && !(await page.locator('#signed-out').isVisible());
	});
}
async function signedOut(page) {
	return until('the signed-out forms', async () =>
		(await form(page, 'Log in').isVisible()) &&
		(await form(page, 'Create an account').isVisible()) &&
		!(await page.locator('#whoami').isVisible()) &&
		!(await page.locator('#signed-in').isVisible()));
}
async function alertMatching(page, re) {
	const alert = page.getByRole('alert');
	return until('an alert matching ' + re, async () =>
		(await alert.isVisible()) && re.test(await alert.innerText()))
		.catch(async (e) => {
			const shown = (await alert.isVisible().catch(() => false)) ? await alert.innerText() : '(no alert shown)';
			throw new Error(e.message + '; shown: ' + JSON.stringify(shown));
		});
}
// alertIs / noticeIs: the error banner (role alert) or the notice (role
// status) shows exactly TEXT.
async function shownIs(page, role, text) {
	const box = page.getByRole(role);
	return until(role + ' ' + JSON.stringify(text), async () =>
		(await box.isVisible()) && (await box.innerText()).trim() === text)
		.catch(async (e) => {
			const shown = (await box.isVisible().catch(() => false)) ? await box.innerText() : '(none shown)';
			throw new Error(e.message + '; shown: ' + JSON.stringify(shown));
		});
}
const alertIs = (page, text) => shownIs(page, 'alert', text);
const noticeIs = (page, text) => shownIs(page, 'status', text);
async function noAlert(page, when) {
	const alert = page.locator('#message');
	return until('no error banner ' + when, async () => !(await alert.isVisible()))
		.catch(async (e) => {
			throw new Error(e.message + '; shown: ' + JSON.stringify(await alert.innerText()));
		});
}
async function orderRows(page) {
	return page.locator('#orders-body tr').evaluateAll((rows) =>
		rows.map((r) => Array.from(r.cells).map((c) => c.textContent.trim())));
}
async function hasOrder(page, item, quantity) {
	return until('the order "' + item + '" × ' + quantity + ' in the table', async () => {
		const rows = await orderRows(page);
		return rows.find((c) => c.length === 4 && /^\d+$/.test(c[0]) && c[1] === item &&
			c[2] === String(quantity) && /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(c[3]));
	});
}
async function addOrder(page, item, quantity) {
	const f = page.getByRole('form', { name: 'Add an order' });
	await f.getByLabel('Item').fill(item);
	await f.getByLabel('Quantity').fill(String(quantity));
	await f.getByRole('button', { name: 'Add order' }).click();
	return hasOrder(page, item, quantity);
}
async function clickReload(page) {
	await page.getByRole('button', { name: 'Reload list' }).click();
	await until('"List updated." after Reload list', async () =>
		(await page.getByRole('status').isVisible()) &&
		/List updated/.test(await page.getByRole('status').innerText()));
}

// What scripts can see: localStorage and document.cookie.
async function visibleState(page) {
	return page.evaluate(() => {
		const ls = {};
		for (let i = 0; i < localStorage.length; i++) {
			const k = localStorage.key(i);
			ls[k] = localStorage.getItem(k);
		}
		return { ls, cookie: document.cookie };
	});
}
// No token visible to scripts: no key or cookie named like one, no value
// that is one of the tokens handed out or looks like a JWT.
async function assertNoTokenVisible(page, m, where) {
	await m.settle();
	const s = await visibleState(page);
	const bad = [];
	for (const [k, v] of Object.entries(s.ls)) {
		if (/token/i.test(k) || /eyJ/.test(v) || m.tokens.has(v) ||
		    [...m.tokens].some((t) => v.includes(t))) {
			bad.push('localStorage key ' + JSON.stringify(k) + ' holds a token');
		}
	}
	if (/(^|;\s*)(access_token|refresh_token)=/.test(s.cookie) || /eyJ/.test(s.cookie) ||
	    [...m.tokens].some((t) => s.cookie.includes(t))) {
		bad.push('document.cookie shows a token cookie (not HttpOnly?)');
	}
	assert(bad.length === 0, where + ': ' + bad.join('; '));
	return Object.keys(s.ls).length ? 'localStorage keys: ' + Object.keys(s.ls).join(', ') : 'localStorage empty';
}

// mark: where the monitor's records stand now.  assertQuiet: since MARK,
// no console error or warning, no request without an answer and no answer
// of 400 or more (each would be a red line in the console).
const mark = (m) => ({ console: m.console.length, failed: m.failed.length,
	responses: m.responses.length, requests: m.requests.length });
function assertQuiet(m, since, where) {
	const bad = m.console.slice(since.console).filter((l) => l.type === 'error' || l.type === 'warning')
		.map((l) => 'console ' + l.type + ': ' + l.text)
		.concat(m.failed.slice(since.failed).map((f) => 'failed request: ' + f))
		.concat(m.since(since.responses).filter((x) => x.status >= 400)
			.map((x) => 'answered ' + x.status + ': ' + x.method + ' ' + x.path));
	assert(bad.length === 0, where + ': ' + bad.join('; '));
	const api = m.requests.slice(since.requests).filter((q) => q.path.startsWith('/api/')).length;
	return api + ' API requests, ' + (m.console.length - since.console) + ' console lines';
}

// morePages: signed in as a user with TOTAL orders (more than two pages of
// 100) named ITEM(1), ITEM(2) …: the first page, "More" until all are
// shown (each asking ?after= the "next" of the page before), then one
// order added and numbered after them.  N: the monitor's responses before
// the login.
async function morePages(page, m, n, total, item) {
	const more = page.getByRole('button', { name: 'More', exact: true });
	const count = page.locator('#orders-count');
	const rowsAre = (k) => until(k + ' rows numbered 1 to ' + k, async () => {
		const rows = await orderRows(page);
		return rows.length === k && rows.every((c, i) => c[0] === String(i + 1) && c[1] === item(i + 1));
	});
	await rowsAre(100);
	assert((await count.innerText()) === 'Showing the first 100 orders.', 'count: ' + await count.innerText());
	await more.scrollIntoViewIfNeeded();
	await shoot(page, 'orders-more-button', false);
	const asked = [];
	for (let shown = 200; ; shown += 100) {
		await m.settle();
		const last = m.since(n).filter((r) => r.path === '/api/userOrders' && r.status === 200).pop();
		assert(last && typeof last.next === 'string' && last.orders === 100, 'the last page answered: ' + JSON.stringify(last));
		const k = m.responses.length;
		await more.click();
		await rowsAre(Math.min(shown, total));
		await m.settle();
		const got = m.since(k).filter((r) => r.path === '/api/userOrders');
		assert(got.length === 1 && new URLSearchParams(got[0].search).get('after') === last.next,
			'More asked ' + got.map((r) => r.search).join(', ') + ' (next was ' + last.next + ')');
		asked.push(got[0].search);
		assert((await more.isVisible()) === (shown < total), 'More ' + (shown < total ? 'gone' : 'still shown') + ' at ' + shown);
		if (shown >= total) break;
	}
	assert((await count.innerText()) === total + ' orders', 'count: ' + await count.innerText());
	await addOrder(page, 'Yellow folder', 2);
	await noticeIs(page, 'Order ' + (total + 1) + ' added: Yellow folder, quantity 2.');
	const rows = await orderRows(page);
	assert(rows.length === total + 1 && rows[total][0] === String(total + 1), rows.length + ' rows after adding');
	return asked.join(' then ');
}

// shoot: a screenshot of one state of the page, as OUT_DIR/NAME.png (the
// whole page unless FULL is false).  tests/suite-browser.sh lists them.
async function shoot(page, name, full = true) {
	await page.screenshot({ path: path.join(OUT_DIR, name + '.png'), fullPage: full });
	return name + '.png';
}

// overflowing: the visible elements that reach outside the viewport's
// width (a table scrolled inside its box counts: its columns are cut off).
async function overflowing(page) {
	return page.evaluate(() => {
		const w = document.documentElement.clientWidth;
		const out = [];
		for (const e of document.body.querySelectorAll('*')) {
			const r = e.getBoundingClientRect();
			if (r.width < 2 || r.height < 2 || getComputedStyle(e).visibility === 'hidden') continue;
			if (r.left < -0.5 || r.right > w + 0.5) {
				out.push(e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + ' ' + Math.round(r.left) + '…' + Math.round(r.right));
			}
		}
		return { scrollWidth: document.documentElement.scrollWidth, width: w, out };
	});
}

// Waiting for the access token to expire.  Bearer mode: until the clock
// is a second past the exp of the token stored in the page.  Cookie mode:
// until the browser has dropped the access cookie (Max-Age = the TTL).
async function untilBearerExpired(page) {
	const token = await page.evaluate(() => localStorage.getItem('jwtauth.access_token'));
	const exp = JSON.parse(Buffer.from(String(token).split('.')[1], 'base64url').toString()).exp;
	return until('the clock past the access token\'s exp ' + exp, async () => Date.now() / 1000 >= exp + 1, (TTL + 5) * 1000);
}
async function untilAccessCookieGone(context, base) {
	return until('the browser to drop the access cookie', async () =>
		!(await context.cookies(base + '/api/userOrders')).some((c) => c.name === 'access_token'), (TTL + 5) * 1000);
}

// The API, called directly (not through the page).
async function apiPost(base, p, body, access) {
	const headers = { 'Content-Type': 'application/json' };
	if (access) headers.Authorization = 'Bearer ' + access;
	const res = await fetch(base + p, { method: 'POST', headers, body: JSON.stringify(body) });
	const text = await res.text();
	let data = null;
	try { data = JSON.parse(text); } catch (e) { data = null; }
	return { status: res.status, data, retryAfter: res.headers.get('Retry-After') };
}
// apiUserWithOrders: sign USER up through the API and add N orders to it,
// "<prefix> 001", "<prefix> 002" … with quantity 1, oldest first.  The
// access TTL is seconds long here, so an expired token is refreshed (on
// a busy machine N orders may take longer than one TTL).
async function apiUserWithOrders(base, user, n, prefix) {
	const r = await apiPost(base, '/api/createNewUser', { username: user, password: PASSWORD });
	assert(r.status === 201, 'sign-up of ' + user + ' through the API: ' + r.status);
	let { access_token: access, refresh_token: refresh } = r.data;
	for (let i = 1; i <= n; i++) {
		const item = prefix + ' ' + String(i).padStart(3, '0');
		let o = await apiPost(base, '/api/userOrders', { item, quantity: 1 }, access);
		if ((o.status === 401 || o.status === 403) && o.data && o.data.error === 'invalid_token') {
			const t = await apiPost(base, '/api/token', { refresh_token: refresh });
			assert(t.status === 200, 'refresh of ' + user + ' through the API: ' + t.status);
			({ access_token: access, refresh_token: refresh } = t.data);
			o = await apiPost(base, '/api/userOrders', { item, quantity: 1 }, access);
		}
		assert(o.status === 201, 'order ' + item + ' through the API: ' + o.status);
	}
}

function summary(rs) {
	return rs.map((r) => r.method + ' ' + r.path + ' ' + r.status).join(', ');
}

// The token-refresh sequence since response index N: the order list
// refused as expired (status/error), one POST /api/token answered 200,
// the list asked again and answered 200.
function assertRefreshed(m, n, refusedCodes) {
	const rs = m.since(n);
	const tokens = rs.filter((r) => r.path === '/api/token');
	assert(tokens.length === 1, 'expected exactly one POST /api/token, got ' + tokens.length + ': ' + summary(rs));
	assert(tokens[0].method === 'POST' && tokens[0].status === 200,
		'POST /api/token answered ' + tokens[0].status + ' ' + (tokens[0].error || ''));
	const i = rs.indexOf(tokens[0]);
	const before = rs.slice(0, i).filter((r) => r.path === '/api/userOrders');
	const after = rs.slice(i + 1).filter((r) => r.path === '/api/userOrders');
	assert(before.length >= 1 && (before[before.length - 1].status === 401 || before[before.length - 1].status === 403) &&
		refusedCodes.includes(before[before.length - 1].error),
		'expected GET /api/userOrders refused with ' + refusedCodes.join(' or ') + ' before the refresh: ' + summary(rs));
	assert(after.length >= 1 && after[0].status === 200, 'expected the retried GET /api/userOrders to answer 200: ' + summary(rs));
	return summary(rs);
}

// Common end-of-mode checks: no token in any URL or console line, no
// request leaving the server, no script error.
function assertHygiene(m) {
	const bad = [];
	for (const r of m.requests) {
		if (/eyJ/.test(r.url) || [...m.tokens].some((t) => r.url.includes(t)) ||
		    /[?&](access_token|refresh_token|password)=/i.test(r.url)) {
			bad.push('a token or password in the URL of ' + r.method + ' ' + r.path);
		}
	}
	for (const { text } of m.console) {
		if (/eyJ/.test(text) || [...m.tokens].some((t) => text.includes(t))) bad.push('a token in a console message');
	}
	if (m.external.length) bad.push('requests to other hosts: ' + m.external.slice(0, 3).join(' '));
	if (m.pageErrors.length) bad.push('script errors: ' + m.pageErrors.slice(0, 3).join(' | '));
	assert(bad.length === 0, bad.join('; '));
	return m.requests.length + ' requests, ' + m.console.length + ' console lines, ' + m.tokens.size + ' tokens handed out';
}

// ----------------------------------------------------------------------
// Bearer mode (the default): tokens in localStorage
// ----------------------------------------------------------------------
async function bearerScenario() {
	console.log('# bearer mode (tokens in localStorage): ' + BEARER_URL);
	const base = BEARER_URL;
	const user = 'alice-' + stamp;
	const { context, page } = await launch('bearer');
	const m = monitor(context, page, base);
	try {
		const bob = 'bob-' + stamp;
		const BOB_ORDERS = 205;	// more than two pages of 100
		await step('bearer: another user\'s ' + BOB_ORDERS + ' orders made through the API first (the global ids are not alice\'s numbers)', async () => {
			const t0 = Date.now();
			await apiUserWithOrders(base, bob, BOB_ORDERS, 'Bob\'s order');
			return (Date.now() - t0) + ' ms';
		});

		await step('bearer: the page loads signed out, with its own CSS and script only, no console error, no failed request', async () => {
			const since = mark(m);
			await page.goto(base + '/', { waitUntil: 'load' });
			await signedOut(page);
			await m.settle();
			const quiet = assertQuiet(m, since, 'a fresh page load');
			await shoot(page, 'signed-out');
			const title = await page.title();
			assert(/Orders/.test(title), 'title: ' + title);
			const css = await page.evaluate(() => getComputedStyle(document.querySelector('.card')).borderRadius);
			assert(css && css !== '0px', 'app.css not applied (border-radius ' + css + ')');
			return title + '; ' + quiet;
		});

		await step('bearer: sign up → signed in as the new user, empty list, tokens in localStorage, no refused request', async () => {
			const since = mark(m);
			await fillCredentials(page, 'Create an account', user, PASSWORD);
			await signedInAs(page, user);
			await until('the empty-list row', async () => /No orders yet/.test(await page.locator('#orders-body').innerText()));
			await noticeIs(page, 'Account created. Welcome, ' + user + '.');
			await shoot(page, 'signed-up');
			await m.settle();
			const s = await visibleState(page);
			assert(s.ls['jwtauth.access_token'] && m.tokens.has(s.ls['jwtauth.access_token']), 'no access token in localStorage');
			assert(s.ls['jwtauth.refresh_token'] && m.tokens.has(s.ls['jwtauth.refresh_token']), 'no refresh token in localStorage');
			assert(s.cookie === '', 'cookies in bearer mode: ' + s.cookie.replace(/=[^;]*/g, '=…'));
			const authed = m.requests.filter((r) => r.path === '/api/userOrders' && r.authorization);
			assert(authed.length >= 1 && /^Bearer /.test(authed[authed.length - 1].authorization),
				'GET /api/userOrders was not sent with Authorization: Bearer');
			// The mode comes from the token response (no Auth-Mode header
			// here), never from a probe that bearer mode refuses.
			const quiet = assertQuiet(m, since, 'sign-up in bearer mode');
			return 'mode ' + (await page.evaluate(() => document.body.dataset.session)) + '; ' + quiet;
		});

		await step('bearer: log out → signed out, no token left in localStorage', async () => {
			await page.getByRole('button', { name: 'Log out' }).click();
			await signedOut(page);
			const rs = m.responses.filter((r) => r.path === '/api/logout');
			assert(rs.length === 1 && rs[0].status === 204, 'POST /api/logout: ' + summary(rs));
			return assertNoTokenVisible(page, m, 'after logout');
		});

		await step('bearer: sign up again with the same name → the user_exists message', async () => {
			await fillCredentials(page, 'Create an account', user, PASSWORD);
			await alertMatching(page, /already taken/);
			await signedOut(page);
		});

		await step('bearer: log in with a wrong password → the invalid_credentials message, still signed out', async () => {
			await fillCredentials(page, 'Log in', user, 'not the password');
			await alertMatching(page, /Wrong user name or password/);
			await signedOut(page);
			await assertNoTokenVisible(page, m, 'after the failed login');
			await shoot(page, 'error-banner');
		});

		await step('bearer: the error banner goes when the person types in a form or moves to the other form', async () => {
			const wrong = 'Wrong user name or password.';
			const login = form(page, 'Log in');
			await alertIs(page, wrong);
			await login.getByLabel('Password', { exact: true }).pressSequentially('x');
			await noAlert(page, 'after typing in the login form');
			// Another failed login (an unknown name: alice's failures count
			// towards her throttling limit), then a click into the same
			// form keeps the banner and one into the other form clears it.
			await fillCredentials(page, 'Log in', 'nobody-' + stamp, 'not the password');
			await alertIs(page, wrong);
			await login.getByLabel('User name', { exact: true }).click();
			assert(await page.getByRole('alert').isVisible(), 'the banner went when the same form was clicked');
			await form(page, 'Create an account').getByLabel('User name', { exact: true }).click();
			await noAlert(page, 'after moving to the sign-up form');
		});

		await step('bearer: a 2000-byte password → invalid_request with the server\'s own message', async () => {
			const n = m.responses.length;
			await fillCredentials(page, 'Log in', user, 'x'.repeat(2000));
			const r = await until('the 400 answer', async () => { await m.settle(); return m.since(n).find((x) => x.path === '/api/login' && x.message); });
			assert(r.status === 400 && r.error === 'invalid_request', 'got ' + r.status + ' ' + r.error);
			await alertMatching(page, new RegExp('refused the request: ' + r.message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
			return r.message;
		});

		await step('bearer: a 17 KiB password → the payload_too_large message', async () => {
			const n = m.responses.length;
			await fillCredentials(page, 'Log in', user, 'y'.repeat(17 * 1024));
			await alertMatching(page, /too much text/);
			const r = m.since(n).find((x) => x.path === '/api/login');
			assert(r && r.status === 413, 'POST /api/login answered ' + (r && r.status));
		});

		await step('bearer: log in with the right password → signed in, no refused request', async () => {
			const since = mark(m);
			await fillCredentials(page, 'Log in', user, PASSWORD);
			await signedInAs(page, user);
			await until('the welcome notice', async () => /Welcome back/.test(await page.getByRole('status').innerText()));
			await m.settle();
			return assertQuiet(m, since, 'login in bearer mode');
		});

		await step('bearer: add two orders → numbered 1 and 2 in alice\'s list and in the notice, never by the global id', async () => {
			const row = await addOrder(page, 'Blue notebook', 3);
			await noticeIs(page, 'Order 1 added: Blue notebook, quantity 3.');
			await addOrder(page, 'Green pencil', 1);
			await noticeIs(page, 'Order 2 added: Green pencil, quantity 1.');
			const rows = await orderRows(page);
			assert(JSON.stringify(rows.map((c) => c.slice(0, 3))) ===
				JSON.stringify([['1', 'Blue notebook', '3'], ['2', 'Green pencil', '1']]),
				'the table: ' + JSON.stringify(rows));
			const head = await page.locator('#orders thead th').allTextContents();
			assert(head[0].trim() === 'No.', 'the first column is headed ' + JSON.stringify(head[0]));
			return row.join(' | ');
		});

		await step('bearer: a failed order\'s banner goes on typing in the order form, and when a later action succeeds', async () => {
			const failed = 'The server ran into an error. Please try again later.';
			const f = page.getByRole('form', { name: 'Add an order' });
			await page.route('**/api/userOrders', (route) => (route.request().method() === 'POST'
				? route.fulfill({ status: 500, contentType: 'application/json', body: '{"error":"server_error","message":"Internal error"}' })
				: route.fallback()));
			try {
				await f.getByLabel('Item').fill('Red pen');
				await f.getByRole('button', { name: 'Add order' }).click();
				await alertIs(page, failed);
				await f.getByLabel('Quantity').pressSequentially('2');
				await noAlert(page, 'after typing in the order form');
				await f.getByRole('button', { name: 'Add order' }).click();
				await alertIs(page, failed);
			} finally {
				await page.unroute('**/api/userOrders');
			}
			await page.getByRole('button', { name: 'Reload list' }).click();
			await noticeIs(page, 'List updated.');
			await noAlert(page, 'after Reload list succeeded');
			await f.getByLabel('Item').fill('');
			await f.getByLabel('Quantity').fill('1');
		});

		await step('bearer: at 390×844 the page with orders fits the width (scrollWidth ≤ 390, nothing reaches outside)', async () => {
			await addOrder(page, 'A rather long item name that goes on: ' + 'x'.repeat(60), 1000);
			await page.setViewportSize({ width: 390, height: 844 });
			try {
				const o = await until('the narrow layout', async () =>
					(await page.evaluate(() => document.documentElement.clientWidth)) === 390 && overflowing(page));
				assert(o.scrollWidth <= 390 && o.out.length === 0,
					'scrollWidth ' + o.scrollWidth + '; outside the width: ' + o.out.slice(0, 6).join(', '));
				await shoot(page, 'narrow-390px');
				return 'scrollWidth ' + o.scrollWidth;
			} finally {
				await page.setViewportSize({ width: 1100, height: 720 });
			}
		});

		await step('bearer: screenshot of the signed-in page with orders', async () => shoot(page, 'logged-in-orders'));

		await step('bearer: after the access TTL, Reload list succeeds through one automatic POST /api/token', async () => {
			const before = await page.evaluate(() => localStorage.getItem('jwtauth.refresh_token'));
			await untilBearerExpired(page);
			const n = m.responses.length;
			await clickReload(page);
			await m.settle();
			const seq = assertRefreshed(m, n, ['invalid_token']);
			await hasOrder(page, 'Blue notebook', 3);
			const after = await page.evaluate(() => localStorage.getItem('jwtauth.refresh_token'));
			assert(after && after !== before && after === m.lastRefresh, 'localStorage does not hold the rotated refresh token');
			const post = m.requests.filter((r) => r.path === '/api/token').pop();
			assert(post && JSON.parse(post.post).refresh_token === before, 'POST /api/token did not carry the stored refresh token');
			return seq;
		});

		await step('bearer: a page reload keeps the session', async () => {
			await page.reload({ waitUntil: 'load' });
			await signedInAs(page, user);
			await hasOrder(page, 'Blue notebook', 3);
		});

		await step('bearer: log out → signed out, no token in localStorage, the API refuses the old refresh token', async () => {
			const rt = await page.evaluate(() => localStorage.getItem('jwtauth.refresh_token'));
			assert(rt, 'no refresh token stored before logout');
			await page.getByRole('button', { name: 'Log out' }).click();
			await signedOut(page);
			const note = await assertNoTokenVisible(page, m, 'after logout');
			const r = await apiPost(base, '/api/token', { refresh_token: rt });
			assert((r.status === 403 || r.status === 401) && r.data && r.data.error === 'invalid_token',
				'POST /api/token with the logged-out refresh token: expected 403 invalid_token, got ' +
				r.status + ' ' + (r.data && r.data.error));
			return note + '; old refresh token → ' + r.status + ' ' + r.data.error;
		});

		await step('bearer: ' + BOB_ORDERS + ' orders come in pages of 100: "More" fetches ?after=<next> and appends until all are shown', async () => {
			const n = m.responses.length;
			await fillCredentials(page, 'Log in', bob, PASSWORD);
			await signedInAs(page, bob);
			try {
				return await morePages(page, m, n, BOB_ORDERS, (i) => 'Bob\'s order ' + String(i).padStart(3, '0'));
			} finally {
				await page.getByRole('button', { name: 'Log out' }).click();
				await signedOut(page);
			}
		});

		await step('bearer: a refused refresh returns to the signed-out state with a clear message', async () => {
			await fillCredentials(page, 'Log in', user, PASSWORD);
			await signedInAs(page, user);
			// The session revoked elsewhere, and the access token no good.
			const rt = await page.evaluate(() => localStorage.getItem('jwtauth.refresh_token'));
			const out = await apiPost(base, '/api/logout', { refresh_token: rt });
			assert(out.status === 204, 'logout through the API: ' + out.status);
			await page.evaluate(() => localStorage.setItem('jwtauth.access_token', 'x.y.z'));
			const n = m.responses.length;
			await page.getByRole('button', { name: 'Reload list' }).click();
			await alertMatching(page, /session has expired.*log in again/i);
			await signedOut(page);
			await m.settle();
			const rs = m.since(n);
			const t = rs.filter((r) => r.path === '/api/token');
			assert(t.length === 1 && t[0].status === 403, 'expected one refused POST /api/token: ' + summary(rs));
			await assertNoTokenVisible(page, m, 'after the refused refresh');
			return summary(rs);
		});

		await step('bearer: the real throttle: a 6th failed login for one name → a 429 said in minutes, rounded up', async () => {
			const name = 'mallory-' + stamp;
			for (let i = 1; i <= 5; i++) {
				const r = await apiPost(base, '/api/login', { username: name, password: 'guess ' + i });
				assert(r.status === 401, 'failed login ' + i + ' through the API: ' + r.status);
			}
			const n = m.responses.length;
			await fillCredentials(page, 'Log in', name, 'guess 6');
			const r = await until('the 429 answer', async () => { await m.settle(); return m.since(n).find((x) => x.path === '/api/login' && x.error); });
			assert(r.status === 429 && r.error === 'too_many_requests', 'got ' + r.status + ' ' + r.error);
			const ra = Number(r.retryAfter);
			assert(ra > 840 && ra <= 900, 'Retry-After ' + r.retryAfter + ' (LOGIN_WINDOW is 15 minutes)');
			await alertIs(page, 'Too many attempts. Please try again in 15 minutes.');
			await signedOut(page);
			await shoot(page, 'rate-limited-429');
			return 'Retry-After: ' + r.retryAfter;
		});

		// Messages for answers this server does not give on demand:
		// the login request answered by the test instead.
		const soon = new Date(Date.now() + 90 * 1000).toUTCString();
		const tooMany = { error: 'too_many_requests', message: 'Too many requests' };
		const mocked = [
			['429 too_many_requests (Retry-After: 7)', 429, tooMany, 'Too many attempts. Please try again in 7 seconds.', { 'Retry-After': '7' }],
			['429 (Retry-After: 825)', 429, tooMany, 'Too many attempts. Please try again in 14 minutes.', { 'Retry-After': '825' }],
			['429 (Retry-After: 45)', 429, tooMany, 'Too many attempts. Please try again in 45 seconds.', { 'Retry-After': '45' }],
			['429 (Retry-After: 60)', 429, tooMany, 'Too many attempts. Please try again in 1 minute.', { 'Retry-After': '60' }],
			['429 (Retry-After: 61)', 429, tooMany, 'Too many attempts. Please try again in 2 minutes.', { 'Retry-After': '61' }],
			['429 (Retry-After: 7200)', 429, tooMany, 'Too many attempts. Please try again in 2 hours.', { 'Retry-After': '7200' }],
			['429 (Retry-After: 90 s ahead as an HTTP date)', 429, tooMany, 'Too many attempts. Please try again in 2 minutes.', { 'Retry-After': soon }],
			['429 without Retry-After', 429, tooMany, 'Too many attempts. Please try again in a moment.', {}],
			['503 service_unavailable (Retry-After: 1)', 503, { error: 'service_unavailable', message: 'The database is busy' }, 'The service is temporarily unavailable. Please try again in 1 second.', { 'Retry-After': '1' }],
			['500 server_error', 500, { error: 'server_error', message: 'Internal error' }, 'The server ran into an error. Please try again later.', {}],
			['400 invalid_request (the server\'s message)', 400, { error: 'invalid_request', message: 'username must be 1 to 64 bytes of A-Z a-z 0-9 . _ @ -' }, 'The server refused the request: username must be 1 to 64 bytes of A-Z a-z 0-9 . _ @ -', {}],
			['502 with an HTML body (a proxy error)', 502, '<html>Bad Gateway</html>', 'The server sent an unexpected answer (HTTP 502). Please try again later.', {}],
			['network failure', 0, null, 'Could not reach the server. Check your connection and try again.', {}],
		];
		for (const [name, status, body, text, headers] of mocked) {
			await step('bearer: message for ' + name, async () => {
				await page.route('**/api/login', (route) => (status === 0
					? route.abort('connectionrefused')
					: route.fulfill({
						status,
						headers: { 'Content-Type': typeof body === 'string' ? 'text/html' : 'application/json', ...headers },
						body: typeof body === 'string' ? body : JSON.stringify(body),
					})));
				try {
					await fillCredentials(page, 'Log in', user, PASSWORD);
					await alertIs(page, text);
					await signedOut(page);
				} finally {
					await page.unroute('**/api/login');
				}
				return text;
			});
		}

		await step('bearer: sign-up counts the password in UTF-8 bytes as the server does; é×4 (8 bytes) signs up and logs in', async () => {
			const name = 'dave-' + stamp;
			const signup = form(page, 'Create an account');
			const hints = await signup.locator('.hint').allTextContents();
			assert(JSON.stringify(hints) === JSON.stringify([
				'1 to 64 bytes: letters A-Z a-z, digits and ._@-',
				'8 to 1024 bytes of UTF-8: a letter such as é counts as 2.']), 'the hints: ' + JSON.stringify(hints));
			const pw = signup.getByLabel('Password', { exact: true });
			const n = m.requests.length;
			for (const [password, message] of [
				['ééé', 'The password needs at least 8 bytes; this one has 6.'],
				['é'.repeat(513), 'The password can have at most 1024 bytes; this one has 1026.'],
			]) {
				await fillCredentials(page, 'Create an account', name, password);
				const v = await pw.evaluate((i) => ({ valid: i.form.checkValidity(), message: i.validationMessage }));
				assert(!v.valid && v.message === message,
					password.length + ' characters: valid ' + v.valid + ', ' + JSON.stringify(v.message));
			}
			await fillCredentials(page, 'Create an account', name, 'éééé');
			await signedInAs(page, name);
			await m.settle();
			const sent = m.requests.slice(n).filter((r) => r.path === '/api/createNewUser');
			assert(sent.length === 1 && JSON.parse(sent[0].post).password === 'éééé',
				'POST /api/createNewUser sent ' + sent.length + ' times: ' + sent.map((r) => r.post.length + ' bytes').join(', '));
			await page.getByRole('button', { name: 'Log out' }).click();
			await signedOut(page);
			await fillCredentials(page, 'Log in', name, 'éééé');
			await signedInAs(page, name);
			await page.getByRole('button', { name: 'Log out' }).click();
			await signedOut(page);
		});

		await step('bearer: no token in any URL or console line, no other host, no script error', async () => {
			await m.settle();
			return assertHygiene(m);
		});
	} finally {
		await context.close().catch(() => {});
	}
}

// ----------------------------------------------------------------------
// Cookie mode (AUTH_COOKIES=1): HttpOnly cookies, nothing secret stored
// ----------------------------------------------------------------------
async function cookieScenario() {
	console.log('# cookie mode (AUTH_COOKIES=1, HttpOnly cookies): ' + COOKIE_URL);
	const base = COOKIE_URL;
	const user = 'carol-' + stamp;
	const { context, page } = await launch('cookie');
	const m = monitor(context, page, base);
	const apiCookies = async () => (await context.cookies(base + '/api/userOrders'))
		.filter((c) => c.name === 'access_token' || c.name === 'refresh_token');
	try {
		await step('cookie: the page loads signed out, no console error, no failed request', async () => {
			const since = mark(m);
			await page.goto(base + '/', { waitUntil: 'load' });
			await signedOut(page);
			await m.settle();
			return assertQuiet(m, since, 'a fresh page load') + '; ' + await assertNoTokenVisible(page, m, 'on load');
		});

		await step('cookie: sign up → signed in, cookie mode detected, nothing secret stored, no refused request', async () => {
			const since = mark(m);
			await fillCredentials(page, 'Create an account', user, PASSWORD);
			await signedInAs(page, user);
			await until('the empty-list row', async () => /No orders yet/.test(await page.locator('#orders-body').innerText()));
			const mode = await page.evaluate(() => document.body.dataset.session);
			assert(mode === 'cookie', 'the page says its session mode is ' + mode);
			await m.settle();
			const quiet = assertQuiet(m, since, 'sign-up in cookie mode');
			return quiet + '; ' + await assertNoTokenVisible(page, m, 'after sign-up');
		});

		await step('cookie: the browser holds the two cookies HttpOnly, SameSite=Strict, on their narrow paths', async () => {
			const cs = await apiCookies();
			const a = cs.find((c) => c.name === 'access_token');
			const r = cs.find((c) => c.name === 'refresh_token');
			assert(a && r, 'cookies in the browser: ' + cs.map((c) => c.name).join(', '));
			for (const c of [a, r]) {
				assert(c.httpOnly && c.sameSite === 'Strict' && !c.secure,
					c.name + ': httpOnly ' + c.httpOnly + ', sameSite ' + c.sameSite + ', secure ' + c.secure);
			}
			assert(a.path === '/api/userOrders' && r.path === '/api', 'paths ' + a.path + ', ' + r.path);
			assert(m.tokens.has(a.value) && m.tokens.has(r.value), 'the cookies do not hold the tokens of the response');
			return 'access_token Path=' + a.path + ', refresh_token Path=' + r.path;
		});

		await step('cookie: add an order → listed; no request carries Authorization', async () => {
			const row = await addOrder(page, 'Green teapot', 2);
			const withAuth = m.requests.filter((r) => r.authorization);
			assert(withAuth.length === 0, withAuth.length + ' requests carried Authorization');
			await assertNoTokenVisible(page, m, 'after adding an order');
			return row.join(' | ');
		});

		await step('cookie: screenshot of the signed-in page with the order', async () => shoot(page, 'cookie-mode-logged-in'));

		await step('cookie: after the access TTL, Reload list succeeds through one automatic POST /api/token with {}', async () => {
			await untilAccessCookieGone(context, base);
			const n = m.responses.length;
			const nreq = m.requests.length;
			await clickReload(page);
			await m.settle();
			// The browser drops the expired access cookie (Max-Age = TTL):
			// the server then sees no credentials at all (missing_token);
			// a cookie outliving its token would be invalid_token.
			const seq = assertRefreshed(m, n, ['missing_token', 'invalid_token']);
			const post = m.requests.slice(nreq).find((r) => r.path === '/api/token');
			assert(post.post === '{}', 'POST /api/token body: ' + (post.post && post.post.length > 40 ? post.post.slice(0, 20) + '…' : post.post));
			await hasOrder(page, 'Green teapot', 2);
			await assertNoTokenVisible(page, m, 'after the refresh');
			return seq;
		});

		await step('cookie: a page reload keeps the session (from the cookies alone)', async () => {
			await page.reload({ waitUntil: 'load' });
			await signedInAs(page, user);
			await hasOrder(page, 'Green teapot', 2);
			return assertNoTokenVisible(page, m, 'after the reload');
		});

		await step('cookie: after the access TTL, a page reload restores the session through one POST /api/token with {}', async () => {
			await untilAccessCookieGone(context, base);
			const n = m.responses.length;
			await page.reload({ waitUntil: 'load' });
			await signedInAs(page, user);
			await hasOrder(page, 'Green teapot', 2);
			await m.settle();
			return assertRefreshed(m, n, ['missing_token', 'invalid_token']);
		});

		await step('cookie: log out → signed out, both cookies cleared, the API refuses the old refresh token', async () => {
			await m.settle();
			const rt = m.lastRefresh;
			const inJar = (await apiCookies()).find((c) => c.name === 'refresh_token');
			assert(rt && inJar && inJar.value === rt, 'the browser\'s refresh cookie is not the newest refresh token');
			const n = m.responses.length;
			await page.getByRole('button', { name: 'Log out' }).click();
			await signedOut(page);
			await m.settle();
			const lo = m.since(n).filter((r) => r.path === '/api/logout');
			assert(lo.length === 1 && lo[0].status === 204, 'POST /api/logout: ' + summary(m.since(n)));
			const left = await apiCookies();
			assert(left.length === 0, 'cookies left after logout: ' + left.map((c) => c.name).join(', '));
			const status = await page.evaluate(() => fetch('/api/userOrders').then((r) => r.text().then(() => r.status)));
			assert(status === 401, 'GET /api/userOrders from the page after logout: ' + status);
			const r = await apiPost(base, '/api/token', { refresh_token: rt });
			assert((r.status === 403 || r.status === 401) && r.data && r.data.error === 'invalid_token',
				'POST /api/token with the logged-out refresh token: expected 403 invalid_token, got ' +
				r.status + ' ' + (r.data && r.data.error));
			await assertNoTokenVisible(page, m, 'after logout');
			return 'old refresh token → ' + r.status + ' ' + r.data.error;
		});

		await step('cookie: a reload after logout loads signed out, no console error, no failed request', async () => {
			const since = mark(m);
			await page.reload({ waitUntil: 'load' });
			await signedOut(page);
			await m.settle();
			return assertQuiet(m, since, 'a reload after logout');
		});

		await step('cookie: no token in localStorage or document.cookie at any point, none in URLs or the console', async () => {
			await m.settle();
			await assertNoTokenVisible(page, m, 'at the end');
			return assertHygiene(m);
		});
	} finally {
		await context.close().catch(() => {});
	}
}

// ----------------------------------------------------------------------
// A page on another origin (CORS_ORIGINS): cross-origin.html, served by a
// server of its own on another port, calls the API of both instances
// ----------------------------------------------------------------------
// servePage PORT: an HTTP server on 127.0.0.1:PORT answering / with
// cross-origin.html (and 404 for anything else).  Resolves to the server.
function servePage(port) {
	const html = fs.readFileSync(path.join(__dirname, 'cross-origin.html'));
	return new Promise((resolve, reject) => {
		const server = http.createServer((req, res) => {
			if (req.method !== 'GET' || new URL(req.url, 'http://x').pathname !== '/') {
				res.writeHead(404).end();
				return;
			}
			res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
			res.end(html);
		});
		server.once('error', reject);
		server.listen(port, '127.0.0.1', () => resolve(server));
	});
}

async function crossOriginScenario() {
	const listed = 'http://127.0.0.1:' + APP_PORT;
	let other = 'http://127.0.0.1:' + OTHER_PORT;
	console.log('# a page on another origin: ' + listed + ' (in CORS_ORIGINS), ' + other + ' (not)');
	const servers = [];
	const { context, page } = await launch('cross-origin');
	const consoleErrors = [];
	page.on('console', (msg) => { if (msg.type() === 'error') consoleErrors.push(msg.text()); });
	const app = (fn, ...args) => page.evaluate(([f, a]) => window.app[f](...a), [fn, args]);
	try {
		await step('cross-origin: a second server serves the page on ' + listed + ' and ' + other, async () => {
			servers.push(await servePage(APP_PORT));
			// The unlisted origin may be any port: if another program took
			// this one meanwhile, the kernel picks one.
			const s = await servePage(OTHER_PORT).catch((e) => {
				if (e.code !== 'EADDRINUSE')
					throw e;
				return servePage(0);
			});
			servers.push(s);
			other = 'http://127.0.0.1:' + s.address().port;
		});

		await step('cross-origin (bearer): the page on a listed origin signs up, adds and lists orders through the API', async () => {
			const user = 'erin-' + stamp;
			await page.goto(listed + '/?api=' + encodeURIComponent(BEARER_URL), { waitUntil: 'load' });
			const s = await app('signUp', user, PASSWORD);
			assert(s.status === 201, 'sign-up: ' + JSON.stringify(s));
			const a = await app('add', 'Blue kettle', 2);
			assert(a.status === 201 && a.body.item === 'Blue kettle', 'add: ' + JSON.stringify(a));
			const l = await app('list');
			assert(l.status === 200 && l.body.username === user && l.body.orders.length === 1 &&
				l.body.orders[0].item === 'Blue kettle', 'list: ' + JSON.stringify(l));
			await until('the order on the page', async () => /Blue kettle × 2/.test(await page.locator('#orders').innerText()));
			await shoot(page, 'cross-origin-orders');
			assert(consoleErrors.length === 0, 'console errors: ' + consoleErrors.join('; '));
			return 'sign-up 201, add 201, list 200 with the order';
		});

		await step('cross-origin (bearer): the page reads a 401 and its WWW-Authenticate (an exposed header)', async () => {
			await app('forget');
			const l = await app('list');
			assert(l.status === 401 && l.body.error === 'missing_token' && l.wwwAuthenticate === 'Bearer realm="api"',
				'list without a token: ' + JSON.stringify(l));
			return l.status + ' ' + l.wwwAuthenticate;
		});

		await step('cross-origin (bearer): the same page on an unlisted origin is refused by the browser; nothing reached the API', async () => {
			const user = 'frank-' + stamp;
			const errors = consoleErrors.length;
			await page.goto(other + '/?api=' + encodeURIComponent(BEARER_URL), { waitUntil: 'load' });
			const s = await app('signUp', user, PASSWORD);
			assert(s.refused === 'TypeError', 'sign-up from ' + other + ': ' + JSON.stringify(s));
			await until('the browser\'s CORS error in the console', async () =>
				consoleErrors.slice(errors).some((t) => /CORS/.test(t)));
			// The preflight was refused, so the sign-up was never sent.
			const r = await apiPost(BEARER_URL, '/api/login', { username: user, password: PASSWORD });
			assert(r.status === 401, 'a login as ' + user + ' through the API: ' + r.status);
			return 'fetch: ' + s.refused + '; the user does not exist (login 401)';
		});

		await step('cross-origin (cookies): the page on a listed origin signs up, adds and lists with credentials, holding no token', async () => {
			const user = 'grace-' + stamp;
			await page.goto(listed + '/?api=' + encodeURIComponent(COOKIE_URL) + '&mode=cookie', { waitUntil: 'load' });
			const s = await app('signUp', user, PASSWORD);
			assert(s.status === 201, 'sign-up: ' + JSON.stringify(s));
			const cs = (await context.cookies(COOKIE_URL + '/api/userOrders')).filter((c) => c.name === 'access_token');
			assert(cs.length === 1 && cs[0].httpOnly && cs[0].sameSite === 'Strict',
				'the access cookie in the browser: ' + JSON.stringify(cs.map((c) => [c.name, c.httpOnly, c.sameSite])));
			const a = await app('add', 'Red mug', 3);
			assert(a.status === 201, 'add (the cookie the only credential): ' + JSON.stringify(a));
			const l = await app('list');
			assert(l.status === 200 && l.body.username === user && l.body.orders.length === 1,
				'list: ' + JSON.stringify(l));
			return 'SameSite=Strict cookies travel from ' + listed + ' (same site)';
		});
	} finally {
		await context.close().catch(() => {});
		for (const srv of servers) srv.close();
	}
}

(async () => {
	for (const [k, v] of Object.entries({ BEARER_URL, COOKIE_URL, PROFILE_ROOT, OUT_DIR, APP_PORT, OTHER_PORT })) {
		if (!v) {
			report(false, 'environment', ['BROWSER_' + k + ' is not set']);
			process.exit(1);
		}
	}
	fs.mkdirSync(OUT_DIR, { recursive: true });
	const t0 = Date.now();
	await bearerScenario();
	await cookieScenario();
	await crossOriginScenario();
	console.log('# browser scenario took ' + ((Date.now() - t0) / 1000).toFixed(1) + ' s');
	process.exit(failures ? 1 : 0);
})().catch((e) => {
	report(false, 'the browser scenario ran to its end', [e && e.stack ? e.stack.split('\n').slice(0, 4).join('\n') : String(e)]);
	process.exit(1);
});
