// SPDX-License-Identifier: ISC
// The browser client of the JWT authentication service (docs/api.md, "The
// browser client"): sign up, log in, list and add orders, refresh, log out.
//
// Two session modes, detected, never configured:
//  - bearer: the server sets no cookies; the access and refresh tokens are
//    kept in localStorage and the access token is sent as
//    "Authorization: Bearer …";
//  - cookie: the server (AUTH_COOKIES=1) sets HttpOnly cookies with the
//    token response.  Scripts cannot see them, so that response also says
//    "Auth-Mode: cookie"; the page then keeps no token at all (only the
//    non-secret mark "cookie" in localStorage, so that a page load knows
//    there may be a session to ask the server about, and asks nothing
//    otherwise).
// A request refused as invalid_token (or, in cookie mode, missing_token:
// the browser drops the access cookie when it expires) is retried once
// after POST /api/token; when that refresh is refused the page returns to
// the signed-out state and says why.  No token ever goes into a URL or the
// console.
'use strict';

(function () {
	const KEY_ACCESS = 'jwtauth.access_token';
	const KEY_REFRESH = 'jwtauth.refresh_token';
	const KEY_MODE = 'jwtauth.mode';		// "bearer" | "cookie": not secret
	const KEY_GENERATION = 'jwtauth.generation';	// bumped on every new session or refresh

	const $ = (id) => document.getElementById(id);
	const el = {
		loading: $('loading'),
		message: $('message'),
		notice: $('notice'),
		signedOut: $('signed-out'),
		signedIn: $('signed-in'),
		whoami: $('whoami'),
		currentUser: $('current-user'),
		logout: $('logout'),
		reload: $('reload'),
		loginForm: $('login-form'),
		signupForm: $('signup-form'),
		orderForm: $('order-form'),
		ordersBody: $('orders-body'),
		ordersCount: $('orders-count'),
		more: $('more'),
		sessionMode: $('session-mode'),
		protectedLink: $('protected-link'),
	};

	// ------------------------------------------------------------------
	// Storage (localStorage may be unavailable: private modes, policies)
	// ------------------------------------------------------------------
	const store = {
		get(k) {
			try { return window.localStorage.getItem(k); } catch (e) { return null; }
		},
		set(k, v) {
			try { window.localStorage.setItem(k, v); } catch (e) { /* kept in memory only */ }
		},
		remove(k) {
			try { window.localStorage.removeItem(k); } catch (e) { /* nothing to remove */ }
		},
	};
	// In-memory copies: the page still works for this tab when storage fails.
	let memAccess = null;
	let memRefresh = null;

	function saveTokens(body) {
		memAccess = body.access_token;
		memRefresh = body.refresh_token;
		store.set(KEY_ACCESS, memAccess);
		store.set(KEY_REFRESH, memRefresh);
	}
	function accessToken() { return store.get(KEY_ACCESS) || memAccess; }
	function refreshToken() { return store.get(KEY_REFRESH) || memRefresh; }
	function forgetSession() {
		memAccess = memRefresh = null;
		store.remove(KEY_ACCESS);
		store.remove(KEY_REFRESH);
		store.remove(KEY_MODE);
		bumpGeneration();
	}
	function generation() { return store.get(KEY_GENERATION) || '0'; }
	function bumpGeneration() {
		store.set(KEY_GENERATION, String((parseInt(generation(), 10) || 0) + 1));
	}

	let mode = null;	// null (signed out), 'bearer' or 'cookie'
	let user = null;

	// ------------------------------------------------------------------
	// Errors: one sentence a person can act on, for every code of the contract
	// ------------------------------------------------------------------
	class ApiError extends Error {
		constructor(code, status, serverMessage, retryAfter) {
			super(code);
			this.code = code;
			this.status = status;
			this.serverMessage = serverMessage || '';
			this.retryAfter = retryAfter;
		}
	}
	// The session ended (refresh refused): already shown, nothing more to say.
	class SessionEnded extends Error {}

	// retryHint: Retry-After (seconds, or an HTTP date) in words a person
	// reads, rounded up: "in 45 seconds", "in 1 minute", "in 14 minutes".
	function retryHint(retryAfter) {
		const v = String(retryAfter || '').trim();
		const s = /^\d+$/.test(v) ? Number(v) : Math.ceil((Date.parse(v) - Date.now()) / 1000);
		if (!(s > 0)) return 'Please try again in a moment.';
		const count = (n, unit) => n + ' ' + unit + (n === 1 ? '' : 's');
		const minutes = Math.ceil(s / 60);
		const hours = Math.ceil(s / 3600);
		const when = s < 60 ? count(s, 'second')
			: minutes < 120 ? count(minutes, 'minute')
				: hours < 48 ? count(hours, 'hour')
					: count(Math.ceil(s / 86400), 'day');
		return 'Please try again in ' + when + '.';
	}

	function describe(err) {
		if (err instanceof ApiError) {
			switch (err.code) {
			case 'network':
				return 'Could not reach the server. Check your connection and try again.';
			case 'user_exists':
				return 'That user name is already taken. Choose another one, or log in.';
			case 'invalid_credentials':
				return 'Wrong user name or password.';
			case 'invalid_request':
				return 'The server refused the request: ' +
					(err.serverMessage || 'a field is missing or out of range.');
			case 'payload_too_large':
				return 'That is too much text: the server takes at most 16 KiB per request.';
			case 'too_many_requests':
				return 'Too many attempts. ' + retryHint(err.retryAfter);
			case 'service_unavailable':
				return 'The service is temporarily unavailable. ' + retryHint(err.retryAfter);
			case 'server_error':
				return 'The server ran into an error. Please try again later.';
			case 'missing_token':
			case 'invalid_token':
				return 'Your session has expired. Please log in again.';
			case 'unsupported_media_type':
			case 'method_not_allowed':
			case 'not_found':
				return 'This page and the server disagree (' + err.code + '): ' +
					(err.serverMessage || 'please reload the page.');
			case 'bad_response':
				return 'The server sent an unexpected answer (HTTP ' + err.status + '). Please try again later.';
			default:
				return 'The server answered ' + err.status + ' (' + err.code + ')' +
					(err.serverMessage ? ': ' + err.serverMessage : '.');
			}
		}
		return 'Something went wrong in this page. Please reload it.';
	}

	// ------------------------------------------------------------------
	// HTTP
	// ------------------------------------------------------------------
	// send: one request; resolves to {status, data}, or rejects with an
	// ApiError('network') when no answer came.
	async function send(method, path, body, bearer) {
		const headers = { Accept: 'application/json' };
		const init = {
			method,
			headers,
			credentials: 'same-origin',
			cache: 'no-store',
			redirect: 'error',
			referrerPolicy: 'no-referrer',
		};
		if (body !== undefined) {
			headers['Content-Type'] = 'application/json';
			init.body = JSON.stringify(body);
		}
		if (bearer) headers.Authorization = 'Bearer ' + bearer;
		let res;
		try {
			res = await fetch(path, init);
		} catch (e) {
			throw new ApiError('network', 0);
		}
		let data = null;
		const text = await res.text().catch(() => '');
		if (text) {
			try { data = JSON.parse(text); } catch (e) { data = null; }
		}
		return {
			status: res.status,
			data,
			retryAfter: res.headers.get('Retry-After'),
			authMode: res.headers.get('Auth-Mode'),
		};
	}

	function errorOf(res) {
		const d = res.data;
		if (d && typeof d === 'object' && typeof d.error === 'string') {
			return new ApiError(d.error, res.status,
				typeof d.message === 'string' ? d.message : '', res.retryAfter);
		}
		if (res.status === 413) return new ApiError('payload_too_large', 413, '', res.retryAfter);
		if (res.status === 429) return new ApiError('too_many_requests', 429, '', res.retryAfter);
		if (res.status === 503) return new ApiError('service_unavailable', 503, '', res.retryAfter);
		return new ApiError('bad_response', res.status);
	}
	function expect(res, ...ok) {
		if (ok.includes(res.status)) return res.data;
		throw errorOf(res);
	}
	function errorCode(res) {
		return res.data && typeof res.data === 'object' ? res.data.error : undefined;
	}

	// Does this answer mean "the access token is no good, try a refresh"?
	function wantsRefresh(res) {
		if (res.status !== 401 && res.status !== 403) return false;
		const code = errorCode(res);
		if (code === 'invalid_token') return true;
		// In cookie mode the browser drops an expired access cookie,
		// so the server sees no credentials at all.
		return mode === 'cookie' && code === 'missing_token';
	}

	// One refresh at a time: in this tab (a shared promise) and across tabs
	// (a Web Lock where there is one).  A refresh token is single-use, and
	// presenting a spent one revokes the whole session, so a request that
	// started before another refresh finished just retries with what that
	// refresh stored.
	let refreshing = null;
	function refreshOnce(startedAt) {
		if (!refreshing) {
			const run = () => doRefresh(startedAt);
			const locked = navigator.locks && navigator.locks.request
				? navigator.locks.request('jwtauth-refresh', run)
				: run();
			refreshing = Promise.resolve(locked).finally(() => { refreshing = null; });
		}
		return refreshing;
	}
	// Resolves true (refreshed, or someone else did), false (refused: the
	// session is over); rejects with an ApiError on a network failure or a
	// 5xx, which ends nothing.
	async function doRefresh(startedAt) {
		if (generation() !== startedAt) return true;
		let body;
		if (mode === 'cookie') {
			body = {};
		} else {
			const rt = refreshToken();
			if (!rt) return false;
			body = { refresh_token: rt };
		}
		const res = await send('POST', '/api/token', body);
		if (res.status === 200 && res.data && typeof res.data.access_token === 'string') {
			if (mode === 'bearer') saveTokens(res.data);
			bumpGeneration();
			return true;
		}
		if (res.status >= 500 || res.status === 429) throw errorOf(res);
		return false;
	}

	// authed: a request with the session's credentials, refreshing once.
	async function authed(method, path, body) {
		const startedAt = generation();
		const bearer = () => (mode === 'bearer' ? accessToken() : null);
		let res = await send(method, path, body, bearer());
		if (mode !== 'cookie' && res.status === 401 && errorCode(res) === 'missing_token') {
			// Bearer mode with no token left (signed out in another tab).
			endSession('Your session has ended. Please log in again.');
			throw new SessionEnded();
		}
		if (!wantsRefresh(res)) return res;
		if (!(await refreshOnce(startedAt))) {
			endSession('Your session has expired. Please log in again.');
			throw new SessionEnded();
		}
		res = await send(method, path, body, bearer());
		if (wantsRefresh(res)) {
			endSession('Your session is no longer valid. Please log in again.');
			throw new SessionEnded();
		}
		return res;
	}

	// ------------------------------------------------------------------
	// The view
	// ------------------------------------------------------------------
	// The error banner belongs to the form whose action failed (null: to
	// no form).  Typing in any form, entering another form, or a later
	// action that succeeds takes it away.
	let messageForm = null;
	function showMessage(text, form) {
		el.notice.hidden = true;
		el.message.textContent = text;
		el.message.hidden = !text;
		messageForm = form || null;
	}
	function clearMessage() {
		el.message.hidden = true;
		el.message.textContent = '';
	}
	function showNotice(text) {
		el.message.hidden = true;
		el.notice.textContent = text;
		el.notice.hidden = !text;
	}
	function clearMessages() {
		clearMessage();
		el.notice.hidden = true;
		el.notice.textContent = '';
	}

	function render() {
		el.loading.hidden = true;
		const inside = mode !== null;
		el.signedOut.hidden = inside;
		el.signedIn.hidden = !inside;
		el.whoami.hidden = !inside;
		el.currentUser.textContent = inside ? (user || '') : '';
		document.body.dataset.session = inside ? mode : 'none';
		// The authorizer's demo page: a link carries only the cookie.
		el.protectedLink.hidden = mode !== 'cookie';
		el.sessionMode.textContent = mode === 'cookie'
			? 'Session kept in HttpOnly cookies set by the server; this page stores no token.'
			: mode === 'bearer'
				? 'Session kept in this browser’s local storage; requests carry an Authorization: Bearer header.'
				: '';
	}

	function formatTime(iso) {
		if (typeof iso !== 'string') return '';
		const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})/.exec(iso);
		return m ? m[1] + ' ' + m[2] : iso;
	}

	// The orders of this user as listed, oldest first: a row's number is
	// its place in this list (1, 2, 3 …), never the server's global id.
	// The server gives at most PAGE at a time; `next`, when more remain, is
	// its cursor for the rest, and the More button asks for it.
	const PAGE = 100;
	let orders = [];
	let next = null;

	// renderOrders: the rows from index FROM on (0: the whole table).
	function renderOrders(from) {
		const rows = document.createDocumentFragment();
		for (let i = from; i < orders.length; i++) {
			const o = orders[i];
			const tr = document.createElement('tr');
			const cell = (text, cls) => {
				const td = document.createElement('td');
				if (cls) td.className = cls;
				td.textContent = text;
				tr.appendChild(td);
				return td;
			};
			cell(String(i + 1), 'num');
			cell(String(o.item));
			cell(String(o.quantity), 'num');
			const td = cell('');
			const time = document.createElement('time');
			time.dateTime = String(o.created_at);
			time.textContent = formatTime(o.created_at);
			td.appendChild(time);
			rows.appendChild(tr);
		}
		if (orders.length === 0) {
			const tr = document.createElement('tr');
			const td = document.createElement('td');
			td.colSpan = 4;
			td.className = 'empty';
			td.textContent = 'No orders yet. Add one above.';
			tr.appendChild(td);
			rows.appendChild(tr);
		}
		if (from === 0) el.ordersBody.replaceChildren(rows);
		else el.ordersBody.appendChild(rows);
		el.ordersCount.textContent = next ? 'Showing the first ' + orders.length + ' orders.'
			: orders.length === 1 ? '1 order' : orders.length + ' orders';
		el.more.hidden = !next;
	}

	// A page of the list as the server answered it, checked.
	function pageOf(data) {
		if (!data || !Array.isArray(data.orders)) throw new ApiError('bad_response', 200);
		if (typeof data.username === 'string') user = data.username;
		return { orders: data.orders, next: typeof data.next === 'string' ? data.next : null };
	}
	function ordersPath(after) {
		return '/api/userOrders?limit=' + PAGE + (after ? '&after=' + encodeURIComponent(after) : '');
	}
	async function fetchPage(after) {
		return pageOf(expect(await authed('GET', ordersPath(after)), 200));
	}

	function showOrders(list, cursor) {
		orders = list;
		next = cursor;
		render();
		renderOrders(0);
	}

	function endSession(why) {
		forgetSession();
		mode = null;
		user = null;
		orders = [];
		next = null;
		el.more.hidden = true;
		el.ordersBody.replaceChildren();
		el.ordersCount.textContent = '';
		render();
		if (why) showMessage(why);
	}

	// ------------------------------------------------------------------
	// Actions
	// ------------------------------------------------------------------
	// loadOrders: the list from its start, page by page until it holds
	// AT_LEAST orders or there are no more (a reload keeps what More had
	// shown).
	async function loadOrders(atLeast) {
		let p = await fetchPage(null);
		const list = p.orders;
		while (p.next && list.length < (atLeast || 0)) {
			p = await fetchPage(p.next);
			list.push(...p.orders);
		}
		showOrders(list, p.next);
	}
	async function loadMore() {
		const p = await fetchPage(next);
		const from = orders.length;
		orders = orders.concat(p.orders);
		next = p.next;
		renderOrders(from);
	}

	// After a token response: which mode is the server in?  Its
	// Set-Cookie is invisible to scripts; in cookie mode the server says
	// "Auth-Mode: cookie" beside it, and the page then keeps no token.
	async function startSession(res, username) {
		const tokenBody = res.data;
		if (!tokenBody || typeof tokenBody.access_token !== 'string') {
			throw new ApiError('bad_response', 200);
		}
		forgetSession();
		user = username;
		if (res.authMode === 'cookie') {
			mode = 'cookie';
			store.set(KEY_MODE, 'cookie');
		} else {
			mode = 'bearer';
			saveTokens(tokenBody);
			store.set(KEY_MODE, 'bearer');
		}
		bumpGeneration();
		render();
		await loadOrders();
	}

	// On page load: a stored bearer session, a cookie session, or none.
	// The HttpOnly cookies cannot be seen, so the server is asked only when
	// the non-secret mark "cookie" (set at login, removed at logout) says
	// there may be one: a page with no session makes no request, and so
	// logs no refused one.  A missing or expired access cookie is then
	// refreshed from the refresh cookie, as for any request.
	async function restore() {
		if (accessToken() || refreshToken()) {
			mode = 'bearer';
			await loadOrders();
			return;
		}
		if (store.get(KEY_MODE) !== 'cookie') {
			endSession('');
			return;
		}
		mode = 'cookie';
		try {
			await loadOrders();
		} catch (e) {
			if (!(e instanceof SessionEnded)) throw e;
			showMessage('Your session has ended. Please log in again.');
		}
	}

	async function logout() {
		const wasCookie = mode === 'cookie';
		const rt = refreshToken();
		if (!wasCookie && !rt) {
			endSession('');
			showNotice('You are signed out.');
			return;
		}
		let res;
		try {
			res = await send('POST', '/api/logout', wasCookie ? {} : { refresh_token: rt });
		} catch (e) {
			// The HttpOnly cookies are only cleared by the server: stay
			// signed in and let the person try again.
			if (wasCookie) throw e;
			endSession('');
			showMessage('Signed out on this device, but the server could not be reached to end the session.');
			return;
		}
		if (res.status !== 204 && res.status !== 200) {
			if (wasCookie) throw errorOf(res);
			endSession('');
			showMessage('Signed out on this device. ' + describe(errorOf(res)));
			return;
		}
		endSession('');
		showNotice('You are signed out.');
	}

	// busy: run an action with its controls disabled, and report its
	// error; FORM, when the action is a form's, owns that error banner.
	// What was shown before goes when the action starts.
	async function busy(controls, action, form) {
		const list = Array.from(controls);
		list.forEach((c) => { c.disabled = true; });
		document.body.setAttribute('aria-busy', 'true');
		clearMessages();
		try {
			await action();
		} catch (e) {
			if (!(e instanceof SessionEnded)) showMessage(describe(e), form);
		} finally {
			list.forEach((c) => { c.disabled = false; });
			document.body.removeAttribute('aria-busy');
		}
	}
	const controlsOf = (form) => form.querySelectorAll('button, input');

	function credentials(form) {
		return {
			username: form.elements.namedItem('username').value.trim(),
			password: form.elements.namedItem('password').value,
		};
	}

	el.loginForm.addEventListener('submit', (ev) => {
		ev.preventDefault();
		const form = ev.currentTarget;
		busy(controlsOf(form), async () => {
			const c = credentials(form);
			const res = await send('POST', '/api/login', c);
			if (res.status === 401) {
				form.elements.namedItem('password').value = '';
				form.elements.namedItem('password').focus();
			}
			expect(res, 200);
			form.reset();
			await startSession(res, c.username);
			showNotice('Welcome back, ' + c.username + '.');
		}, form);
	});

	// The server counts a password in bytes of UTF-8 (8 to 1024), not in
	// characters as minlength and maxlength would.
	const signupPassword = el.signupForm.elements.namedItem('password');
	signupPassword.addEventListener('input', () => {
		const n = new TextEncoder().encode(signupPassword.value).length;
		signupPassword.setCustomValidity(n === 0 || (n >= 8 && n <= 1024) ? ''
			: n < 8 ? 'The password needs at least 8 bytes; this one has ' + n + '.'
				: 'The password can have at most 1024 bytes; this one has ' + n + '.');
	});

	el.signupForm.addEventListener('submit', (ev) => {
		ev.preventDefault();
		const form = ev.currentTarget;
		busy(controlsOf(form), async () => {
			const c = credentials(form);
			const res = await send('POST', '/api/createNewUser', c);
			expect(res, 201);
			form.reset();
			await startSession(res, c.username);
			showNotice('Account created. Welcome, ' + c.username + '.');
		}, form);
	});

	el.orderForm.addEventListener('submit', (ev) => {
		ev.preventDefault();
		const form = ev.currentTarget;
		busy(controlsOf(form), async () => {
			// (form.elements.item is the collection's item() method)
			const itemInput = form.elements.namedItem('item');
			const quantityInput = form.elements.namedItem('quantity');
			const item = itemInput.value;
			const quantity = Number(quantityInput.value);
			const res = await authed('POST', '/api/userOrders', { item, quantity });
			const order = expect(res, 201);
			itemInput.value = '';
			quantityInput.value = '1';
			// The new order is the last one: shown only when all are.
			await loadOrders(next ? orders.length : orders.length + 1);
			const n = orders.findIndex((o) => order && o.id === order.id) + 1;
			showNotice('Order ' + (n > 0 ? n + ' ' : '') + 'added: ' + item + ', quantity ' + quantity + '.');
			itemInput.focus();
		}, form);
	});

	el.reload.addEventListener('click', () => {
		busy([el.reload, el.more], async () => {
			await loadOrders(orders.length);
			showNotice('List updated.');
		});
	});

	el.more.addEventListener('click', () => {
		busy([el.more, el.reload], loadMore);
	});

	el.logout.addEventListener('click', () => {
		busy([el.logout, el.reload, el.more], logout);
	});

	document.addEventListener('input', (ev) => {
		if (ev.target.form) clearMessage();
	});
	document.addEventListener('focusin', (ev) => {
		const f = ev.target.form;
		if (f && f !== messageForm) clearMessage();
	});

	// Another tab signed in or out: follow it.
	window.addEventListener('storage', (ev) => {
		if (ev.key !== KEY_MODE && ev.key !== null) return;
		if (ev.newValue === null && mode !== null) {
			mode = null;
			endSession('');
			showNotice('You signed out in another tab.');
		} else if (ev.newValue !== null && mode === null) {
			busy([], restore);
		}
	});

	busy([], async () => {
		try {
			await restore();
		} finally {
			// A network failure or a 5xx on load ends nothing: show the
			// state we are in, with the message busy() adds.
			render();
		}
	});
})();
