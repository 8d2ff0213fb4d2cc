// <partnerkit-center>: the Partner Center and, for admins, the console.
// A web component with no dependencies: it renders into its shadow root
// with DOM calls (never HTML strings built from data), calls the JSON API
// of the deployment it was loaded from with the caller's JWT, and keeps
// that token in memory only.

const HERE = new URL(import.meta.url);
const API = new URL('..', HERE); // PUBLIC_BASE_URL/: the app lives at /center/
const VERSION = HERE.searchParams.get('v') || '';
const CSS = new URL(`center.css${VERSION ? `?v=${VERSION}` : ''}`, HERE).href;
const ADMIN_SCOPE = 'partners:admin';

// ISO 4217 minor units that differ from 2 (the ledger's table).
const EXPONENTS = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0,
  UYI: 0, VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3, CLF: 4, UYW: 4,
};

const INVITE_STATUS = {
  sent: 'Invite sent',
  already_referred: 'Already referred by a partner',
  suppressed: 'Unsubscribed from invites',
  invalid: 'Not a valid email address',
  duplicate: 'Listed twice',
  quota_exceeded: 'Daily invite limit reached',
  self: 'That is your own address',
  failed: 'Could not be sent; try again later',
};

const STATEMENT_STATUS = {
  payable: 'Payable', paid: 'Paid', carried_forward: 'Carried forward', on_hold: 'On hold',
};

// Ledger line kinds, for people.
const LINE_KIND = { commission: 'Commission', reversal: 'Refund reversal', override: 'Second tier' };

// The kinds of partner email, as GET/PUT /partners/{id}/notifications
// name them, with what each checkbox says.
const NOTIFICATIONS = [
  ['welcome', 'Welcome', 'When you join, with your referral link.'],
  ['first_signup', 'First referred signup', 'Once, when the first person signs up through you.'],
  ['statement_payable', 'Payable statements', 'Each month a statement becomes payable, with its amount.'],
  ['milestones', 'Milestones', 'Your 1st, 10th and 100th paying customer.'],
];

// The event types an endpoint can take, as the README lists them.
const EVENT_TYPES = [
  ['partner.enrolled', 'a user enrolled as a partner'],
  ['partner.suspended', 'an admin suspended a partner'],
  ['customer.attributed', 'a signup was credited to a partner'],
  ['commission.created', 'a payment earned a commission'],
  ['commission.reversed', 'a refund reversed a commission'],
  ['statement.closed', 'the monthly run closed a statement'],
  ['payout.paid', 'an admin marked a statement paid'],
];

const DELIVERY_STATUS = { pending: 'Pending', delivered: 'Delivered', failed: 'Failed' };

const SOURCE = { click: 'Link click', invite: 'Invite', code: 'Referral code', manual: 'Set by an admin' };

const OUTCOME = {
  won: 'Won', later: 'Later touch', out_of_window: 'Outside the window', self_referral: 'Self-referral',
  suspended: 'Partner suspended', overridden: 'Overridden',
};

const REASON = {
  no_touch: 'no partner referred this customer',
  out_of_window: 'every referral was outside the attribution window',
  self_referral: 'the only referrals were the customer’s own',
  partner_suspended: 'the referring partners are suspended',
};

// ---------------------------------------------------------------- helpers

// h builds an element: h('p', {class: 'x', onclick: f}, 'text', child).
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

function money(minor, currency) {
  const exp = EXPONENTS[currency] ?? 2;
  try {
    return new Intl.NumberFormat(undefined, {
      style: 'currency', currency, minimumFractionDigits: exp, maximumFractionDigits: exp,
    }).format(minor / 10 ** exp);
  } catch {
    return `${(minor / 10 ** exp).toFixed(exp)} ${currency}`;
  }
}

// moneyList shows {"USD": 2475, "EUR": 100} as one line per currency.
function moneyList(map) {
  const entries = Object.entries(map || {}).filter(([, v]) => v !== 0);
  if (entries.length === 0) return [h('span', { class: 'zero' }, '0')];
  return entries.sort(([a], [b]) => a.localeCompare(b)).map(([c, v]) => h('span', { class: 'amount' }, money(v, c)));
}

const count = (n) => new Intl.NumberFormat().format(n ?? 0);

// counted says "1 click" or "3 clicks".
const counted = (n, one, many) => `${count(n)} ${n === 1 ? one : many}`;

function dateTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

function date(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' }).format(d);
}

// day formats a UTC calendar day (YYYY-MM-DD) without shifting it.
function day(ymd, style = { month: 'short', day: 'numeric' }) {
  return new Intl.DateTimeFormat(undefined, { ...style, timeZone: 'UTC' }).format(new Date(`${ymd}T00:00:00Z`));
}

function monthLabel(period) {
  return new Intl.DateTimeFormat(undefined, { month: 'long', year: 'numeric', timeZone: 'UTC' })
    .format(new Date(`${period}-01T00:00:00Z`));
}

function previousMonth() {
  const d = new Date();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() - 1);
  return d.toISOString().slice(0, 7);
}

// claims reads the JWT's payload for display only; the API checks it.
function claims(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(part + '='.repeat((4 - (part.length % 4)) % 4)));
  } catch {
    return {};
  }
}

function isAdmin(c) {
  const scope = Array.isArray(c.scope) ? c.scope : String(c.scope || '').split(/\s+/);
  const scp = Array.isArray(c.scp) ? c.scp : [];
  return scope.includes(ADMIN_SCOPE) || scp.includes(ADMIN_SCOPE);
}

class APIError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// table renders rows under a caption; wide tables scroll on their own,
// reachable by keyboard.
function table(caption, headers, rows, { numeric = [] } = {}) {
  return h('div', { class: 'scroll', role: 'region', 'aria-label': caption, tabindex: 0 },
    h('table', {},
      h('caption', { class: 'sr-only' }, caption),
      h('thead', {}, h('tr', {}, headers.map((t, i) => h('th', { scope: 'col', class: numeric.includes(i) ? 'num' : null }, t)))),
      h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((c, i) => h('td', { class: numeric.includes(i) ? 'num' : null }, c)))))));
}

function empty(text, hint) {
  return h('div', { class: 'empty' }, h('p', {}, text), hint ? h('p', { class: 'muted' }, hint) : null);
}

function badge(status) {
  return h('span', { class: `badge badge-${status}` }, STATEMENT_STATUS[status] || status.replace(/_/g, ' '));
}

// ---------------------------------------------------------------- element

class PartnerkitCenter extends HTMLElement {
  static observedAttributes = ['token'];

  #token = '';
  #claims = {};
  #root;
  #nav;
  #view;
  #live;
  #route = { name: 'partner', id: 'me' };
  #seq = 0;

  constructor() {
    super();
    this.#root = this.attachShadow({ mode: 'open' });
    this.#nav = h('nav', { class: 'nav', 'aria-label': 'Partner Center sections', hidden: true });
    this.#view = h('div', { class: 'view' });
    this.#live = h('p', { class: 'sr-only', role: 'status', 'aria-live': 'polite' });
    this.#root.append(
      h('link', { rel: 'stylesheet', href: CSS }),
      h('div', { class: 'pk' },
        h('header', { class: 'bar' }, h('p', { class: 'brand' }, 'Partner Center'), this.#nav),
        this.#view, this.#live),
    );
  }

  get token() { return this.#token; }

  set token(value) {
    this.#token = String(value || '');
    this.#claims = this.#token ? claims(this.#token) : {};
    this.#route = { name: 'partner', id: 'me' };
    if (this.isConnected) this.#render();
  }

  attributeChangedCallback(name, _old, value) {
    if (name === 'token' && value !== this.#token) this.token = value;
  }

  connectedCallback() { this.#render(); }

  // ------------------------------------------------------------ plumbing

  async #api(method, path, { body, accept = 'application/json', raw = false } = {}) {
    let res;
    try {
      res = await fetch(new URL(path.replace(/^\//, ''), API), {
        method,
        headers: {
          Accept: accept,
          Authorization: `Bearer ${this.#token}`,
          ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'omit',
        cache: 'no-store',
      });
    } catch {
      throw new APIError(0, 'network', 'The Partner Center could not reach the server. Check your connection and try again.');
    }
    if (res.status === 401) throw new APIError(401, 'unauthorized', 'Your sign-in has expired.');
    if (!res.ok) {
      let code = 'error';
      let message = `The server answered ${res.status}.`;
      try {
        const j = await res.json();
        code = j.error?.code || code;
        message = j.error?.message || j.message || message;
      } catch { /* not JSON: keep the generic message */ }
      throw new APIError(res.status, code, message);
    }
    return raw ? res : res.json();
  }

  #announce(text) {
    this.#live.textContent = '';
    // A fresh text node makes screen readers repeat equal messages.
    setTimeout(() => { this.#live.textContent = text; }, 50);
  }

  #go(route) {
    this.#route = route;
    this.#render();
  }

  #show(...nodes) {
    this.#view.replaceChildren(...nodes);
  }

  // #guard runs a view's loader; a newer navigation wins over a late answer.
  async #guard(load) {
    const seq = ++this.#seq;
    try {
      const nodes = await load();
      if (seq === this.#seq) this.#show(...nodes);
    } catch (err) {
      if (seq === this.#seq) this.#show(this.#failure(err));
    }
    if (seq === this.#seq) this.#view.querySelector('h1')?.focus({ preventScroll: true });
  }

  #failure(err) {
    if (err.status === 401) return this.#signedOut('Your sign-in has expired. Open the Partner Center again from your account to continue.');
    const title = err.status === 403 ? 'Not available to you' : err.status === 404 ? 'Not found' : 'Something went wrong';
    return h('section', { class: 'card', 'aria-labelledby': 'err-title' },
      h('h1', { id: 'err-title', tabindex: -1 }, title),
      h('p', { class: 'error', role: 'alert' }, err.message),
      h('button', { type: 'button', class: 'secondary', onclick: () => this.#render() }, 'Try again'));
  }

  #signedOut(text) {
    this.#nav.hidden = true;
    return h('section', { class: 'card signin', 'aria-labelledby': 'signin-title' },
      h('h1', { id: 'signin-title', tabindex: -1 }, 'Sign in to see your Partner Center'),
      h('p', {}, text));
  }

  #loading(label) {
    return h('div', { class: 'loading', 'aria-busy': 'true' },
      h('h1', { class: 'sr-only', tabindex: -1 }, label),
      h('div', { class: 'skeleton tall' }), h('div', { class: 'skeleton' }), h('div', { class: 'skeleton' }));
  }

  #renderNav() {
    const admin = isAdmin(this.#claims);
    this.#nav.hidden = !admin;
    if (!admin) return;
    const items = [
      ['partner', 'My dashboard', { name: 'partner', id: 'me' }],
      ['partners', 'Partners', { name: 'partners' }],
      ['payouts', 'Payouts', { name: 'payouts' }],
      ['attribution', 'Attribution', { name: 'attribution' }],
      ['numbers', 'Numbers', { name: 'numbers' }],
      ['settings', 'Program', { name: 'settings' }],
      ['webhooks', 'Webhooks', { name: 'webhooks' }],
    ];
    const current = this.#route.name === 'partner' && this.#route.id !== 'me' ? 'partners' : this.#route.name;
    this.#nav.replaceChildren(h('ul', {}, items.map(([name, label, route]) => h('li', {},
      h('button', { type: 'button', 'aria-current': name === current ? 'page' : null, onclick: () => this.#go(route) }, label)))));
  }

  #render() {
    if (!this.#token) {
      this.#show(this.#signedOut('Open the Partner Center from your account in the app: it signs you in for you.'));
      return;
    }
    if (typeof this.#claims.exp === 'number' && this.#claims.exp * 1000 < Date.now()) {
      this.#show(this.#signedOut('Your sign-in has expired. Open the Partner Center again from your account to continue.'));
      return;
    }
    this.#renderNav();
    const r = this.#route;
    switch (r.name) {
      case 'partners': this.#show(this.#loading('Partners')); this.#guard(() => this.#partnersView(r)); break;
      case 'payouts': this.#show(this.#loading('Payouts')); this.#guard(() => this.#payoutsView(r)); break;
      case 'attribution': this.#guard(() => this.#attributionView(r)); break;
      case 'numbers': this.#show(this.#loading('Program numbers')); this.#guard(() => this.#programView(r)); break;
      case 'settings': this.#show(this.#loading('Program settings')); this.#guard(() => this.#settingsView()); break;
      case 'webhooks': this.#show(this.#loading('Webhooks')); this.#guard(() => this.#webhooksView()); break;
      default: this.#show(this.#loading('Loading your Partner Center')); this.#guard(() => this.#partnerView(r.id));
    }
  }

  // ------------------------------------------------------------ partner

  async #partnerView(id) {
    let p;
    try {
      p = await this.#api('GET', `/partners/${encodeURIComponent(id)}`);
    } catch (err) {
      if (err.status === 404 && id === 'me') return [this.#enrollView()];
      throw err;
    }
    const own = id === 'me';
    const [activity, customers, links, notifications] = await Promise.all([
      this.#api('GET', `/partners/${encodeURIComponent(p.partner_id)}/activity`).catch((err) => err),
      this.#api('GET', `/partners/${encodeURIComponent(p.partner_id)}/customers?limit=25`).catch((err) => err),
      this.#api('GET', `/partners/${encodeURIComponent(p.partner_id)}/links?limit=50`).catch((err) => err),
      this.#api('GET', `/partners/${encodeURIComponent(p.partner_id)}/notifications`).catch((err) => err),
    ]);
    return [
      this.#linkSection(p, own),
      this.#statsSection(p, own),
      this.#chartSection(activity),
      own ? this.#inviteSection() : null,
      this.#promoLinksSection(p, links, own),
      this.#earningsSection(p),
      this.#customersSection(p, customers),
      this.#notificationsSection(p, notifications, own),
    ].filter(Boolean);
  }

  #enrollView() {
    const status = h('p', { class: 'error', role: 'alert', hidden: true });
    const button = h('button', {
      type: 'button',
      onclick: async () => {
        button.disabled = true;
        button.textContent = 'Joining…';
        try {
          await this.#api('POST', '/partners', { body: {} });
          this.#announce('You are now a partner.');
          this.#render();
        } catch (err) {
          status.hidden = false;
          status.textContent = err.message;
          button.disabled = false;
          button.textContent = 'Become a partner';
        }
      },
    }, 'Become a partner');
    return h('section', { class: 'card hero', 'aria-labelledby': 'enroll-title' },
      h('h1', { id: 'enroll-title', tabindex: -1 }, 'Earn by sharing what you use'),
      h('p', {}, 'Get your own referral link. When people you refer become paying customers, you earn a share of what they pay, every month they stay.'),
      button, status);
  }

  #linkSection(p, own) {
    const copied = h('span', { class: 'copied', 'aria-hidden': 'true' });
    const copy = h('button', {
      type: 'button',
      onclick: async () => {
        try {
          await navigator.clipboard.writeText(p.link);
          copied.textContent = 'Copied';
          this.#announce('Link copied to the clipboard.');
        } catch {
          copied.textContent = 'Select the link and copy it';
          this.#announce('Copying is blocked here: select the link and copy it.');
        }
        setTimeout(() => { copied.textContent = ''; }, 4000);
      },
    }, 'Copy link');
    const title = own ? 'Your referral link' : `Partner ${p.code}`;
    const admin = !own && isAdmin(this.#claims) ? this.#statusControl(p) : null;
    return h('section', { class: 'card', 'aria-labelledby': 'link-title' },
      h('div', { class: 'titlebar' },
        h('h1', { id: 'link-title', tabindex: -1 }, title),
        p.status === 'suspended' ? h('span', { class: 'badge badge-on_hold' }, 'Suspended') : null),
      !own ? h('p', { class: 'muted' }, [p.name, p.email].filter(Boolean).join(' · ') || p.partner_id) : null,
      h('div', { class: 'linkbox' }, h('code', { class: 'link' }, p.link), h('div', { class: 'copyrow' }, copy, copied)),
      h('p', { class: 'muted' }, own
        ? 'Share it anywhere. People who sign up after following it are credited to you.'
        : 'The partner’s referral link.'),
      admin);
  }

  #statusControl(p) {
    const suspended = p.status === 'suspended';
    const msg = h('p', { class: 'error', role: 'alert', hidden: true });
    const button = h('button', {
      type: 'button',
      class: suspended ? null : 'danger',
      onclick: async () => {
        button.disabled = true;
        try {
          await this.#api('PATCH', `/partners/${encodeURIComponent(p.partner_id)}`, { body: { status: suspended ? 'active' : 'suspended' } });
          this.#announce(suspended ? `Partner ${p.code} reactivated.` : `Partner ${p.code} suspended.`);
          this.#render();
        } catch (err) {
          msg.hidden = false;
          msg.textContent = err.message;
          button.disabled = false;
        }
      },
    }, suspended ? 'Reactivate partner' : 'Suspend partner');
    return h('div', { class: 'admin-actions' },
      h('p', { class: 'muted' }, suspended
        ? 'Suspended: the link still sends visitors on, but nothing new is credited and statements are on hold.'
        : 'Suspending stops new credit and holds statements until reactivated.'),
      button, msg);
  }

  #statsSection(p, own) {
    const s = p.stats || {};
    const item = (label, value) => h('div', { class: 'stat' }, h('dt', {}, label), h('dd', {}, value));
    return h('section', { class: 'card', 'aria-labelledby': 'stats-title' },
      h('h2', { id: 'stats-title' }, own ? 'Your numbers' : 'Numbers'),
      h('dl', { class: 'stats' },
        item('Clicks', count(s.clicks)),
        item('Signups', count(s.signups)),
        item('Paying customers', count(s.customers)),
        item('Pending', moneyList(s.pending)),
        ...(s.on_hold && Object.keys(s.on_hold).length > 0 ? [item('Of which on hold', moneyList(s.on_hold))] : []),
        item('Payable', moneyList(s.payable)),
        item('Paid', moneyList(s.paid))),
      h('p', { class: 'muted small' }, s.on_hold && Object.keys(s.on_hold).length > 0
        ? 'Pending commissions become payable when the month closes, on the 1st; those on hold wait for the refund window to pass first.'
        : 'Pending commissions become payable when the month closes, on the 1st.'));
  }

  #chartSection(activity) {
    const section = h('section', { class: 'card', 'aria-labelledby': 'chart-title' }, h('h2', { id: 'chart-title' }, 'Last 30 days'));
    if (activity instanceof Error) {
      section.append(h('p', { class: 'error' }, `The chart could not be loaded: ${activity.message}`));
      return section;
    }
    const days = activity.days || [];
    const clicks = days.reduce((n, d) => n + d.clicks, 0);
    const signups = days.reduce((n, d) => n + d.signups, 0);
    if (clicks === 0 && signups === 0) {
      section.append(h('div', { class: 'chart-empty' }, empty('No clicks yet.', 'Share your link to get your first click.')));
      return section;
    }
    section.append(
      h('ul', { class: 'legend' },
        h('li', { class: 'lg-clicks' }, `Clicks: ${count(clicks)}`),
        h('li', { class: 'lg-signups' }, `Signups: ${count(signups)}`)),
      chart(days, `Daily clicks and signups over the last 30 days: ${counted(clicks, 'click', 'clicks')} and ${counted(signups, 'signup', 'signups')} in all.`),
      h('details', {}, h('summary', {}, 'Show the numbers by day'),
        table('Clicks and signups by day', ['Day', 'Clicks', 'Signups'],
          days.map((d) => [day(d.date), count(d.clicks), count(d.signups)]), { numeric: [1, 2] })));
    return section;
  }

  #inviteSection() {
    const emails = h('textarea', { id: 'inv-emails', name: 'emails', rows: 3, required: true, autocomplete: 'off', 'aria-describedby': 'inv-emails-hint' });
    const message = h('textarea', { id: 'inv-message', name: 'message', rows: 3, maxlength: 500, 'aria-describedby': 'inv-message-hint' });
    const results = h('ul', { class: 'results', 'aria-label': 'Invite results' });
    const error = h('p', { class: 'error', role: 'alert', hidden: true });
    const send = h('button', { type: 'submit' }, 'Send invites');
    const form = h('form', {
      novalidate: true,
      onsubmit: async (e) => {
        e.preventDefault();
        error.hidden = true;
        const list = emails.value.split(/[\s,;]+/).map((x) => x.trim()).filter(Boolean);
        if (list.length === 0 || list.length > 25) {
          error.hidden = false;
          error.textContent = 'Enter between 1 and 25 email addresses.';
          emails.focus();
          return;
        }
        send.disabled = true;
        send.textContent = 'Sending…';
        try {
          const body = { emails: list };
          if (message.value.trim()) body.message = message.value;
          const res = await this.#api('POST', '/partners/me/invites', { body });
          results.replaceChildren(...res.results.map((r) => h('li', { class: `result result-${r.status}` },
            h('span', { class: 'addr' }, r.email), ' ', h('span', { class: 'status' }, INVITE_STATUS[r.status] || r.status))));
          const sent = res.results.filter((r) => r.status === 'sent').length;
          this.#announce(`${sent} of ${res.results.length} invites sent.`);
          if (sent > 0) emails.value = '';
        } catch (err) {
          error.hidden = false;
          error.textContent = err.message;
        } finally {
          send.disabled = false;
          send.textContent = 'Send invites';
        }
      },
    },
    h('div', { class: 'field' },
      h('label', { for: 'inv-emails' }, 'Email addresses'),
      h('p', { id: 'inv-emails-hint', class: 'hint' }, 'Up to 25, separated by commas or new lines.'),
      emails),
    h('div', { class: 'field' },
      h('label', { for: 'inv-message' }, 'Message (optional)'),
      h('p', { id: 'inv-message-hint', class: 'hint' }, 'Up to 500 characters, without links: the email carries your link.'),
      message),
    send, error);
    return h('section', { class: 'card', 'aria-labelledby': 'invite-title' },
      h('h2', { id: 'invite-title' }, 'Invite friends'),
      h('p', { class: 'muted' }, 'We email each friend your link. The first partner to invite someone gets the credit.'),
      form, results);
  }

  #earningsSection(p) {
    const month = h('input', { type: 'month', id: 'earn-month', name: 'period', value: previousMonth(), required: true });
    const out = h('div', { class: 'earnings', 'aria-live': 'polite' });
    const load = async () => {
      const period = month.value;
      if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(period)) {
        out.replaceChildren(h('p', { class: 'error' }, 'Choose a month.'));
        return;
      }
      out.replaceChildren(h('div', { class: 'skeleton' }));
      try {
        const c = await this.#api('GET', `/partners/${encodeURIComponent(p.partner_id)}/commissions?period=${period}`);
        out.replaceChildren(...this.#statement(c));
      } catch (err) {
        out.replaceChildren(h('p', { class: 'error' }, err.message));
      }
    };
    const form = h('form', { class: 'inline', onsubmit: (e) => { e.preventDefault(); load(); } },
      h('div', { class: 'field' }, h('label', { for: 'earn-month' }, 'Month'), month),
      h('button', { type: 'submit', class: 'secondary' }, 'Show'));
    load();
    return h('section', { class: 'card', 'aria-labelledby': 'earn-title' },
      h('h2', { id: 'earn-title' }, 'Commissions and statements'), form, out);
  }

  #statement(c) {
    const label = monthLabel(c.period);
    if (c.statements.length === 0 && c.lines.length === 0) {
      return [empty(`No statement for ${label}.`, 'Statements are made on the 1st of each month for the month before.')];
    }
    const nodes = [];
    if (c.statements.length > 0) {
      nodes.push(table(`Statements for ${label}`, ['Currency', 'Earned', 'Reversed', 'Carried in', 'Total', 'Status'],
        c.statements.map((s) => [s.currency, money(s.earned, s.currency), money(s.reversed, s.currency),
          money(s.carried_in, s.currency), h('strong', {}, money(s.total, s.currency)), badge(s.status)]),
        { numeric: [1, 2, 3, 4] }));
    }
    if (c.lines.length > 0) {
      nodes.push(h('h3', {}, 'Lines'), table(`Commission lines for ${label}`, ['Date', 'Kind', 'Customer', 'Payment', 'Why', 'Amount'],
        c.lines.map((l) => [date(l.at), LINE_KIND[l.kind] || l.kind, l.customer_id, l.payment_id,
          l.description || '—', money(l.amount, l.currency)]), { numeric: [5] }));
    }
    return nodes;
  }

  // #notificationsSection lets the partner (or an admin, for it) choose
  // which emails it gets: one checkbox per kind in a fieldset, saved
  // together, with the outcome announced.
  #notificationsSection(p, prefs, own) {
    const section = h('section', { class: 'card', 'aria-labelledby': 'notify-title' },
      h('h2', { id: 'notify-title' }, 'Notifications'));
    if (prefs instanceof Error) {
      section.append(h('p', { class: 'error' }, `Email settings could not be loaded: ${prefs.message}`));
      return section;
    }
    const boxes = NOTIFICATIONS.map(([kind, label, hint]) => {
      const id = `notify-${kind}`;
      const box = h('input', { type: 'checkbox', id, name: kind, 'aria-describedby': `${id}-hint` });
      box.checked = prefs[kind] !== false;
      return [kind, box, h('div', { class: 'check' }, box,
        h('div', {}, h('label', { for: id }, label), h('p', { id: `${id}-hint`, class: 'hint' }, hint)))];
    });
    const status = h('p', { class: 'saved', role: 'status' });
    const error = h('p', { class: 'error', role: 'alert', hidden: true });
    const save = h('button', { type: 'submit' }, 'Save email settings');
    const form = h('form', {
      onsubmit: async (e) => {
        e.preventDefault();
        error.hidden = true;
        status.textContent = '';
        save.disabled = true;
        try {
          const body = Object.fromEntries(boxes.map(([kind, box]) => [kind, box.checked]));
          const saved = await this.#api('PUT', `/partners/${encodeURIComponent(p.partner_id)}/notifications`, { body });
          for (const [kind, box] of boxes) box.checked = saved[kind] !== false;
          status.textContent = 'Email settings saved.';
        } catch (err) {
          error.hidden = false;
          error.textContent = err.message;
        } finally {
          save.disabled = false;
        }
      },
    },
    h('fieldset', {},
      h('legend', {}, own ? 'Email me about' : 'Email this partner about'),
      boxes.map(([, , row]) => row)),
    save, status, error);
    section.append(
      h('p', { class: 'muted' }, 'Every email also has a link to stop that kind of email, or all of them.'),
      form);
    return section;
  }

  #customersSection(p, first) {
    const section = h('section', { class: 'card', 'aria-labelledby': 'cust-title' }, h('h2', { id: 'cust-title' }, 'Referred customers'));
    if (first instanceof Error) {
      section.append(h('p', { class: 'error' }, `Customers could not be loaded: ${first.message}`));
      return section;
    }
    if (first.customers.length === 0) {
      section.append(empty('No referred customers yet.', 'When someone signs up through your link or invite, they appear here.'));
      return section;
    }
    const rows = (list) => list.map((c) => [c.email_hint || c.customer_id, SOURCE[c.source] || c.source, date(c.attributed_at), date(c.last_paid_at)]);
    const t = table('Referred customers', ['Customer', 'Source', 'Signed up', 'Last payment'], rows(first.customers));
    const tbody = t.querySelector('tbody');
    section.append(t);
    let cursor = first.next_cursor;
    if (cursor) {
      const more = h('button', {
        type: 'button', class: 'secondary',
        onclick: async () => {
          more.disabled = true;
          try {
            const next = await this.#api('GET', `/partners/${encodeURIComponent(p.partner_id)}/customers?limit=25&cursor=${encodeURIComponent(cursor)}`);
            for (const r of rows(next.customers)) tbody.append(h('tr', {}, r.map((c) => h('td', {}, c))));
            cursor = next.next_cursor;
            this.#announce(`${next.customers.length} more customers shown.`);
            if (!cursor) more.remove();
          } catch (err) {
            this.#announce(err.message);
          } finally {
            more.disabled = false;
          }
        },
      }, 'Show more customers');
      section.append(more);
    }
    return section;
  }

  // ------------------------------------------------------------ admin

  async #partnersView(r) {
    const q = h('input', { id: 'pq', name: 'q', type: 'search', value: r.q || '', autocomplete: 'off', 'aria-describedby': 'pq-hint' });
    const status = h('select', { id: 'pstatus', name: 'status' },
      h('option', { value: '' }, 'Any status'),
      h('option', { value: 'active', selected: r.status === 'active' }, 'Active'),
      h('option', { value: 'suspended', selected: r.status === 'suspended' }, 'Suspended'));
    const form = h('form', {
      class: 'inline', role: 'search',
      onsubmit: (e) => { e.preventDefault(); this.#go({ name: 'partners', q: q.value.trim(), status: status.value }); },
    },
    h('div', { class: 'field grow' }, h('label', { for: 'pq' }, 'Search partners'),
      h('p', { id: 'pq-hint', class: 'hint' }, 'A referral code prefix or an email address.'), q),
    h('div', { class: 'field' }, h('label', { for: 'pstatus' }, 'Status'), status),
    h('button', { type: 'submit' }, 'Search'));
    const params = new URLSearchParams({ limit: '50' });
    if (r.q) params.set('q', r.q);
    if (r.status) params.set('status', r.status);
    const section = h('section', { class: 'card', 'aria-labelledby': 'partners-title' },
      h('h1', { id: 'partners-title', tabindex: -1 }, 'Partners'), form);
    let res;
    try {
      res = await this.#api('GET', `/partners?${params}`);
    } catch (err) {
      if (err.status !== 400) throw err;
      section.append(h('p', { class: 'error', role: 'alert' }, err.message));
      return [section];
    }
    if (res.partners.length === 0) {
      section.append(empty(r.q ? `No partner matches “${r.q}”.` : 'No partners yet.', r.q ? 'Try a shorter code prefix or the full email address.' : 'Partners appear here once they join.'));
      return [section];
    }
    const rows = (list) => list.map((p) => [
      h('button', { type: 'button', class: 'linklike', 'aria-label': `Open partner ${p.code}`, onclick: () => this.#go({ name: 'partner', id: p.partner_id }) }, p.code),
      p.name || '—', p.email || '—', p.status === 'suspended' ? badge('on_hold').replaceChildren('Suspended') ?? 'Suspended' : 'Active',
      date(p.created_at), count(p.stats?.clicks), count(p.stats?.signups), count(p.stats?.customers)]);
    const t = table('Partners', ['Code', 'Name', 'Email', 'Status', 'Joined', 'Clicks', 'Signups', 'Customers'], rows(res.partners), { numeric: [5, 6, 7] });
    section.append(t);
    this.#moreButton(section, t, res.next_cursor, (cursor) => `/partners?${params}&cursor=${encodeURIComponent(cursor)}`, (j) => rows(j.partners), 'partners');
    return [section];
  }

  // #moreButton appends "Show more" that follows next_cursor into tbody.
  #moreButton(section, t, cursor, pathOf, rowsOf, noun) {
    if (!cursor) return;
    const tbody = t.querySelector('tbody');
    const more = h('button', {
      type: 'button', class: 'secondary',
      onclick: async () => {
        more.disabled = true;
        try {
          const j = await this.#api('GET', pathOf(cursor));
          const rows = rowsOf(j);
          for (const r of rows) tbody.append(h('tr', {}, r.map((c) => h('td', {}, c))));
          cursor = j.next_cursor;
          this.#announce(`${rows.length} more ${noun} shown.`);
          if (!cursor) more.remove();
        } catch (err) {
          this.#announce(err.message);
        } finally {
          more.disabled = false;
        }
      },
    }, `Show more ${noun}`);
    section.append(more);
  }

  async #payoutsView(r) {
    const period = r.period || previousMonth();
    const month = h('input', { type: 'month', id: 'pay-month', name: 'period', value: period, required: true });
    const form = h('form', { class: 'inline', onsubmit: (e) => { e.preventDefault(); if (month.value) this.#go({ name: 'payouts', period: month.value }); } },
      h('div', { class: 'field' }, h('label', { for: 'pay-month' }, 'Month'), month),
      h('button', { type: 'submit', class: 'secondary' }, 'Show'));
    const note = h('p', { class: 'muted', role: 'status' });
    const csv = h('button', { type: 'button', onclick: () => this.#downloadCSV(`/payouts?period=${period}&limit=1000`, `payouts-${period}.csv`, 1000, csv, note) }, 'Download CSV');
    const section = h('section', { class: 'card', 'aria-labelledby': 'payouts-title' },
      h('h1', { id: 'payouts-title', tabindex: -1 }, 'Payouts'),
      h('p', { class: 'muted' }, 'Statements of a closed month. The CSV lists the payable ones, ready for a mass payment.'),
      form);
    const res = await this.#api('GET', `/payouts?period=${period}&limit=200`);
    if (res.statements.length === 0) {
      section.append(empty(`No statements for ${monthLabel(period)}.`, 'The monthly run closes each month on the 1st of the next.'));
      return [section];
    }
    section.append(h('div', { class: 'toolbar' }, csv, note));
    const rows = (list) => list.map((s) => [s.email || s.partner_id, money(s.total, s.currency), badge(s.status), s.reference || '—', this.#paidControl(s, period)]);
    const t = table(`Statements for ${monthLabel(period)}`, ['Partner', 'Total', 'Status', 'Reference', 'Action'], rows(res.statements), { numeric: [1] });
    section.append(t);
    this.#moreButton(section, t, res.next_cursor, (c) => `/payouts?period=${period}&limit=200&cursor=${encodeURIComponent(c)}`, (j) => rows(j.statements), 'statements');
    return [section];
  }

  #paidControl(s, period) {
    if (s.status !== 'payable') return '—';
    const wrap = h('div', { class: 'paid' });
    const open = h('button', {
      type: 'button', class: 'secondary small', 'aria-label': `Mark paid: ${s.email || s.partner_id}, ${money(s.total, s.currency)}`,
      onclick: () => {
        const id = `ref-${s.statement_id.replace(/[^a-zA-Z0-9_-]/g, '_')}`;
        const input = h('input', { id, name: 'reference', required: true, maxlength: 200, autocomplete: 'off' });
        const msg = h('p', { class: 'error', role: 'alert', hidden: true });
        const form = h('form', {
          class: 'inline tight',
          onsubmit: async (e) => {
            e.preventDefault();
            if (!input.value.trim()) {
              msg.hidden = false;
              msg.textContent = 'Enter the payment reference.';
              input.focus();
              return;
            }
            try {
              await this.#api('POST', `/payouts/${encodeURIComponent(s.statement_id)}/paid`, { body: { reference: input.value.trim() } });
              this.#announce(`Statement of ${s.email || s.partner_id} marked paid.`);
              this.#go({ name: 'payouts', period });
            } catch (err) {
              msg.hidden = false;
              msg.textContent = err.message;
            }
          },
        },
        h('label', { for: id }, 'Payment reference'), input,
        h('button', { type: 'submit', class: 'small' }, 'Confirm'),
        h('button', { type: 'button', class: 'secondary small', onclick: () => { wrap.replaceChildren(open); open.focus(); } }, 'Cancel'),
        msg);
        wrap.replaceChildren(form);
        input.focus();
      },
    }, 'Mark paid');
    wrap.append(open);
    return wrap;
  }

  // #downloadCSV fetches a CSV route, following its Link: rel="next" pages
  // (at most maxPages), and saves the rows as one file named name.
  async #downloadCSV(path, name, maxPages, button, note) {
    button.disabled = true;
    note.textContent = 'Preparing the CSV…';
    try {
      let text = '';
      for (let page = 0; path && page < maxPages; page++) {
        const res = await this.#api('GET', path, { accept: 'text/csv', raw: true });
        const body = await res.text();
        text += page === 0 ? body : body.slice(body.indexOf('\n') + 1);
        const next = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('Link') || '');
        path = next ? new URL(next[1], API).pathname.replace(new URL(API).pathname, '/') + new URL(next[1], API).search : '';
      }
      const url = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
      const a = h('a', { href: url, download: name, hidden: true });
      this.#root.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      note.textContent = `Downloaded ${name}.`;
    } catch (err) {
      note.textContent = err.message;
    } finally {
      button.disabled = false;
    }
  }

  async #attributionView(r) {
    const input = h('input', { id: 'cust-id', name: 'customer_id', value: r.customer || '', required: true, autocomplete: 'off', spellcheck: 'false' });
    const form = h('form', { class: 'inline', role: 'search', onsubmit: (e) => { e.preventDefault(); if (input.value.trim()) this.#go({ name: 'attribution', customer: input.value.trim() }); } },
      h('div', { class: 'field grow' }, h('label', { for: 'cust-id' }, 'Customer id'), input),
      h('button', { type: 'submit' }, 'Look up'));
    const section = h('section', { class: 'card', 'aria-labelledby': 'attr-title' },
      h('h1', { id: 'attr-title', tabindex: -1 }, 'Customer attribution'),
      h('p', { class: 'muted' }, 'Why a customer is credited to a partner, and how to credit them to another.'),
      form);
    if (!r.customer) return [section];
    let a;
    try {
      a = await this.#api('GET', `/customers/${encodeURIComponent(r.customer)}/attribution`);
    } catch (err) {
      if (err.status !== 404 && err.status !== 400) throw err;
      section.append(h('p', { class: 'error', role: 'alert' }, err.message));
      return [section];
    }
    return [section, this.#evidence(a), this.#overrideForm(a)];
  }

  #evidence(a) {
    const how = { click: 'through a link click', invite: 'through an invite', code: 'through a referral code', manual: 'by an admin' };
    const summary = a.attributed
      ? ['Credited to partner ', h('strong', {}, a.partner_id), ` ${how[a.source] || a.source}, ${dateTime(a.touched_at)}.`]
      : [`Not credited to any partner: ${REASON[a.reason] || a.reason}.`];
    const section = h('section', { class: 'card', 'aria-labelledby': 'evidence-title' },
      h('h2', { id: 'evidence-title' }, `Customer ${a.customer_id}`), h('p', {}, ...summary));
    const cands = a.candidates || [];
    if (cands.length === 0) section.append(empty('No referral touched this customer.'));
    else {
      section.append(table('Evidence', ['Source', 'Partner', 'When', 'Outcome', 'Note'], cands.map((c) => [
        [SOURCE[c.source] || c.source, c.link_id ? `link ${c.link_id}` : null, c.sid ? `sid ${c.sid}` : null].filter(Boolean).join(' · '), c.partner_id, dateTime(c.touched_at), OUTCOME[c.outcome] || c.outcome,
        c.note ? `${c.note}${c.by ? ` (by ${c.by})` : ''}` : '—'])));
    }
    return section;
  }

  #overrideForm(a) {
    const partner = h('input', { id: 'ov-partner', name: 'partner_id', required: true, autocomplete: 'off', spellcheck: 'false' });
    const note = h('textarea', { id: 'ov-note', name: 'note', rows: 2, required: true, maxlength: 500 });
    const msg = h('p', { class: 'error', role: 'alert', hidden: true });
    const form = h('form', {
      novalidate: true,
      onsubmit: async (e) => {
        e.preventDefault();
        msg.hidden = true;
        if (!partner.value.trim() || !note.value.trim()) {
          msg.hidden = false;
          msg.textContent = 'Enter the partner id and a note that says why.';
          return;
        }
        try {
          await this.#api('PUT', `/customers/${encodeURIComponent(a.customer_id)}/attribution`, { body: { partner_id: partner.value.trim(), note: note.value.trim() } });
          this.#announce(`Customer ${a.customer_id} credited to ${partner.value.trim()}.`);
          this.#go({ name: 'attribution', customer: a.customer_id });
        } catch (err) {
          msg.hidden = false;
          msg.textContent = err.message;
        }
      },
    },
    h('div', { class: 'field' }, h('label', { for: 'ov-partner' }, 'Partner id'), partner),
    h('div', { class: 'field' }, h('label', { for: 'ov-note' }, 'Note'), note),
    h('button', { type: 'submit' }, 'Credit this customer'), msg);
    return h('section', { class: 'card', 'aria-labelledby': 'override-title' },
      h('h2', { id: 'override-title' }, 'Credit to another partner'),
      h('p', { class: 'muted' }, 'Payments from now on earn for the partner you choose. Lines already written stay as they are.'),
      form);
  }

  // ------------------------------------------------------------ promo links

  // #promoLinksSection lists a partner's promo links with their numbers
  // over the last 30 days, a form to create one, and per link a copy
  // button, its 30-day chart and archive or restore.
  #promoLinksSection(p, res, own) {
    const section = h('section', { class: 'card', 'aria-labelledby': 'links-title' },
      h('h2', { id: 'links-title' }, own ? 'Your promo links' : 'Promo links'),
      h('p', { class: 'muted' }, 'Named links to any page, each with its own numbers. A sub-id (sid) tells your placements apart; ?sid= works on any link too.'));
    section.append(this.#linkForm(p));
    if (res instanceof Error) {
      section.append(h('p', { class: 'error' }, `Links could not be loaded: ${res.message}`));
      return section;
    }
    const chartBox = h('div', { class: 'linkchart', 'aria-live': 'polite' });
    const pct = (r) => (r === null || r === undefined ? '—' : new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 }).format(r));
    const row = (l) => {
      const st = l.stats || {};
      const copied = h('span', { class: 'copied', 'aria-hidden': 'true' });
      const copy = h('button', {
        type: 'button', class: 'secondary small', 'aria-label': `Copy link: ${l.name}`,
        onclick: async () => {
          try {
            await navigator.clipboard.writeText(l.url);
            copied.textContent = 'Copied';
            this.#announce(`${l.name}: link copied to the clipboard.`);
          } catch {
            this.#announce('Copying is blocked here: select the link and copy it.');
          }
          setTimeout(() => { copied.textContent = ''; }, 4000);
        },
      }, 'Copy');
      const chartButton = h('button', {
        type: 'button', class: 'secondary small', 'aria-label': `30-day chart: ${l.name}`,
        onclick: () => this.#linkChart(p, l, chartBox),
      }, 'Chart');
      // The code itself has its copy button at the top of the page.
      const actions = l.link_id === 'default' ? [chartButton] : [copy, copied, chartButton, this.#archiveButton(p, l)];
      return [
        h('div', { class: 'linkcell' },
          h('span', { class: 'linkname' }, l.name, l.archived ? h('span', { class: 'badge badge-carried_forward' }, 'Archived') : null),
          // The code itself is shown, with its copy button, at the top.
          l.link_id === 'default' ? h('span', { class: 'muted small' }, 'Your referral link, shown above') : h('code', { class: 'link small' }, l.url),
          l.sid || l.to ? h('span', { class: 'muted small' }, [l.to ? `to ${l.to}` : null, l.sid ? `sid ${l.sid}` : null].filter(Boolean).join(' · ')) : null),
        count(st.clicks), count(st.unique_clicks), count(st.signups), pct(st.signup_rate), count(st.customers), moneyList(st.earned),
        h('div', { class: 'rowactions' }, actions)];
    };
    const rows = [res.default, ...res.links].map(row);
    section.append(
      h('h3', {}, 'Last 30 days'),
      table('Promo links and their numbers over the last 30 days',
        ['Link', 'Clicks', 'Unique clicks', 'Signups', 'Signups per unique click', 'Paying customers', 'Earned', 'Actions'], rows,
        { numeric: [1, 2, 3, 4, 5] }),
      h('p', { class: 'muted small' }, 'A visitor’s repeat clicks on one link within an hour count once as a unique click. Visitors who block cookies count as new each time.'),
      chartBox);
    if (res.links.length === 0) section.append(empty('No promo links yet.', 'Create one above for each place you share: a newsletter, a video, a profile.'));
    if (res.sub_ids.length > 0) {
      section.append(h('h3', {}, 'Top sub-ids'), table('Top sub-ids over the last 30 days', ['Sub-id', 'Signups', 'Paying customers', 'Earned'],
        res.sub_ids.map((x) => [x.sid, count(x.signups), count(x.customers), moneyList(x.earned)]), { numeric: [1, 2] }));
    }
    const note = h('p', { class: 'muted', role: 'status' });
    const csv = h('button', { type: 'button', class: 'secondary', onclick: () => this.#downloadCSV(`/partners/${encodeURIComponent(p.partner_id)}/links?limit=100`, `links-${p.code}.csv`, 100, csv, note) }, 'Download CSV (last 30 days)');
    section.append(h('div', { class: 'toolbar' }, csv, note));
    return section;
  }

  #linkForm(p) {
    const field = (id, label, hint, attrs) => h('div', { class: 'field' },
      h('label', { for: id }, label), hint ? h('p', { id: `${id}-hint`, class: 'hint' }, hint) : null,
      h('input', { id, name: id.slice(3), autocomplete: 'off', 'aria-describedby': hint ? `${id}-hint` : null, ...attrs }));
    const msg = h('p', { class: 'error', role: 'alert', hidden: true });
    const create = h('button', { type: 'submit' }, 'Create link');
    const form = h('form', {
      class: 'linkform', novalidate: true,
      onsubmit: async (e) => {
        e.preventDefault();
        msg.hidden = true;
        const v = (name) => form.querySelector(`#ln-${name}`).value.trim();
        if (!v('name')) {
          msg.hidden = false;
          msg.textContent = 'Give the link a name, such as “Newsletter”.';
          form.querySelector('#ln-name').focus();
          return;
        }
        const body = { name: v('name') };
        for (const k of ['to', 'sid', 'slug']) if (v(k)) body[k] = v(k);
        create.disabled = true;
        try {
          const l = await this.#api('POST', `/partners/${encodeURIComponent(p.partner_id)}/links`, { body });
          this.#announce(`Link ${l.name} created: ${l.url}`);
          this.#render();
        } catch (err) {
          msg.hidden = false;
          msg.textContent = err.message;
          create.disabled = false;
        }
      },
    },
    h('div', { class: 'formgrid' },
      field('ln-name', 'Name', null, { required: true, maxlength: 100 }),
      field('ln-to', 'Target page (optional)', 'A path like /pricing, or a full https address on the site.', { inputmode: 'url', maxlength: 2048, spellcheck: 'false' }),
      field('ln-sid', 'Sub-id (optional)', 'Letters, digits, . _ and -.', { maxlength: 64, spellcheck: 'false' }),
      field('ln-slug', 'Slug (optional)', 'The end of the link; made from the name when empty.', { maxlength: 48, spellcheck: 'false' })),
    create, msg);
    return h('details', { class: 'newlink' }, h('summary', {}, 'Create a promo link'), form);
  }

  #archiveButton(p, l) {
    const b = h('button', {
      type: 'button', class: 'secondary small', 'aria-label': `${l.archived ? 'Restore' : 'Archive'} link: ${l.name}`,
      onclick: async () => {
        b.disabled = true;
        try {
          await this.#api('PATCH', `/partners/${encodeURIComponent(p.partner_id)}/links/${encodeURIComponent(l.link_id)}`, { body: { archived: !l.archived } });
          this.#announce(l.archived ? `Link ${l.name} restored.` : `Link ${l.name} archived: it still works, and its clicks now count for your referral link.`);
          this.#render();
        } catch (err) {
          b.disabled = false;
          this.#announce(err.message);
        }
      },
    }, l.archived ? 'Restore' : 'Archive');
    return b;
  }

  async #linkChart(p, l, box) {
    box.replaceChildren(h('div', { class: 'skeleton' }));
    try {
      const res = await this.#api('GET', `/partners/${encodeURIComponent(p.partner_id)}/links/${encodeURIComponent(l.link_id)}/activity`);
      const clicks = res.days.reduce((n, d) => n + d.clicks, 0);
      const signups = res.days.reduce((n, d) => n + d.signups, 0);
      box.replaceChildren(h('h3', { tabindex: -1 }, `${l.name}: last 30 days`),
        ...(clicks === 0 && signups === 0
          ? [empty('No clicks on this link in the last 30 days.')]
          : [h('ul', { class: 'legend' }, h('li', { class: 'lg-clicks' }, `Clicks: ${count(clicks)}`), h('li', { class: 'lg-signups' }, `Signups: ${count(signups)}`)),
            chart(res.days, `${l.name}: daily clicks and signups over the last 30 days: ${counted(clicks, 'click', 'clicks')} and ${counted(signups, 'signup', 'signups')} in all.`),
            h('details', {}, h('summary', {}, 'Show the numbers by day'),
              table(`${l.name} by day`, ['Day', 'Clicks', 'Unique clicks', 'Signups', 'Paying customers', 'Earned'],
                res.days.map((d) => [day(d.date), count(d.clicks), count(d.unique_clicks), count(d.signups), count(d.customers), moneyList(d.earned)]),
                { numeric: [1, 2, 3, 4] }))]));
      box.querySelector('h3').focus();
    } catch (err) {
      box.replaceChildren(h('p', { class: 'error', role: 'alert' }, `The chart could not be loaded: ${err.message}`));
    }
  }

  // ------------------------------------------------------------ program numbers

  async #programView() {
    const res = await this.#api('GET', '/program/numbers');
    const section = h('section', { class: 'card', 'aria-labelledby': 'program-title' },
      h('h1', { id: 'program-title', tabindex: -1 }, 'Program numbers'),
      h('p', { class: 'muted' }, `The whole program over the last 30 days, ${day(res.from)} to ${day(res.to)}.`));
    const item = (label, value) => h('div', { class: 'stat' }, h('dt', {}, label), h('dd', {}, value));
    section.append(h('dl', { class: 'stats' },
      item('Clicks', count(res.clicks)), item('Unique clicks', count(res.unique_clicks)),
      item('Signups', count(res.signups)), item('New paying customers', count(res.customers)), item('Earned by partners', moneyList(res.earned))));
    if (res.clicks === 0 && res.signups === 0 && res.customers === 0) section.append(h('div', { class: 'chart-empty' }, empty('No clicks or signups in the last 30 days.')));
    else {
      section.append(
        h('ul', { class: 'legend' }, h('li', { class: 'lg-clicks' }, `Clicks: ${count(res.clicks)}`), h('li', { class: 'lg-signups' }, `Signups: ${count(res.signups)}`)),
        chart(res.days, `Daily clicks and signups over the last 30 days: ${counted(res.clicks, 'click', 'clicks')} and ${counted(res.signups, 'signup', 'signups')} in all.`),
        h('details', {}, h('summary', {}, 'Show the numbers by day'),
          table('Program numbers by day', ['Day', 'Clicks', 'Unique clicks', 'Signups', 'New paying customers', 'Earned'],
            res.days.map((d) => [day(d.date), count(d.clicks), count(d.unique_clicks), count(d.signups), count(d.customers), moneyList(d.earned)]), { numeric: [1, 2, 3, 4] })));
    }
    const top = h('section', { class: 'card', 'aria-labelledby': 'top-title' }, h('h2', { id: 'top-title' }, 'Top partners'));
    if (res.top_partners.length === 0) top.append(empty('No partner brought a signup in the last 30 days.'));
    else {
      const pct = (r) => (r === null || r === undefined ? '—' : new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 }).format(r));
      top.append(table('Top partners by signups over the last 30 days', ['Partner', 'Clicks', 'Signups', 'Signups per click', 'Paying customers', 'Earned'],
        res.top_partners.map((t) => [
          h('button', { type: 'button', class: 'linklike', 'aria-label': `Open partner ${t.code}`, onclick: () => this.#go({ name: 'partner', id: t.partner_id }) }, t.code),
          count(t.clicks), count(t.signups), pct(t.signup_rate), count(t.customers), moneyList(t.earned)]), { numeric: [1, 2, 3, 4] }));
    }
    return [section, top];
  }

  // ------------------------------------------------------------ webhooks

  // #webhooksView lists the endpoints events are sent to, each with its
  // actions and delivery log, beside a form that adds one. The API answers
  // a signing secret only when it makes one (add, rotate): it is shown
  // then, once.
  async #webhooksView() {
    const first = await this.#api('GET', '/webhook-endpoints?limit=100');
    const list = h('div', { class: 'endpoints' });
    const fill = async (eps) => {
      list.replaceChildren(...(eps.length === 0
        ? [empty('No endpoints yet.', 'Add one: events are sent only to the endpoints listed here.')]
        : await Promise.all(eps.map((ep) => this.#endpointCard(ep, reload)))));
    };
    const reload = async () => fill((await this.#api('GET', '/webhook-endpoints?limit=100')).endpoints);
    await fill(first.endpoints);
    const head = h('section', { class: 'card', 'aria-labelledby': 'webhooks-title' },
      h('h1', { id: 'webhooks-title', tabindex: -1 }, 'Webhooks'),
      h('p', { class: 'muted' }, 'Your SaaS hears what happens in the program: each event is POSTed to every enabled endpoint that takes its type, signed per Standard Webhooks with the endpoint’s secret, and retried for 3 days until it gets a 2xx answer.'),
      this.#endpointForm(reload, first.endpoints.length === 0));
    return [head, h('section', { class: 'card', 'aria-labelledby': 'eps-title' }, h('h2', { id: 'eps-title', tabindex: -1 }, 'Endpoints'), list)];
  }

  // #endpointForm adds an endpoint; the server checks the URL and its
  // message for a refused field is shown next to that field.
  #endpointForm(reload, open) {
    const formError = h('div', { class: 'formerror', role: 'alert', tabindex: -1, hidden: true });
    const reveal = h('div');
    const errors = {};
    const field = (name, input, label, hint) => {
      errors[name] = h('p', { id: `wh-${name}-err`, class: 'error fielderror', hidden: true });
      return h('div', { class: 'field' }, h('label', { for: input.id }, label), hint ? h('p', { id: `wh-${name}-hint`, class: 'hint' }, hint) : null, input, errors[name]);
    };
    const url = h('input', { id: 'wh-url', name: 'url', type: 'url', required: true, autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'wh-url-hint wh-url-err' });
    const desc = h('input', { id: 'wh-description', name: 'description', maxlength: 200, autocomplete: 'off', 'aria-describedby': 'wh-description-hint wh-description-err' });
    const boxes = EVENT_TYPES.map(([type, what], i) => h('input', { type: 'checkbox', id: `wh-ev-${i}`, name: 'events', value: type, 'aria-describedby': `wh-ev-${i}-what` }));
    errors.events = h('p', { id: 'wh-events-err', class: 'error fielderror', hidden: true });
    const events = h('fieldset', { class: 'nested', 'aria-describedby': 'wh-events-err' }, h('legend', {}, 'Events to send'),
      EVENT_TYPES.map(([type, what], i) => h('div', { class: 'check' }, boxes[i],
        h('label', { for: `wh-ev-${i}` }, h('code', { class: 'ev' }, type), ' ', h('span', { id: `wh-ev-${i}-what`, class: 'muted' }, what)))),
      errors.events);
    const inputs = { url, description: desc, events: boxes[0] };
    const submit = h('button', { type: 'submit' }, 'Add endpoint');
    const form = h('form', {
      class: 'linkform', novalidate: true,
      onsubmit: async (e) => {
        e.preventDefault();
        formError.hidden = true;
        for (const [name, p] of Object.entries(errors)) { p.hidden = true; inputs[name].removeAttribute('aria-invalid'); }
        submit.disabled = true;
        try {
          const ep = await this.#api('POST', '/webhook-endpoints', {
            body: { url: url.value.trim(), events: boxes.filter((b) => b.checked).map((b) => b.value), description: desc.value.trim() },
          });
          form.reset();
          reveal.replaceChildren(this.#secretBox(ep.secret, `Signing secret of ${ep.url}`, 'h3', '', url));
          reveal.querySelector('h3').focus();
          await reload();
        } catch (err) {
          const name = err.status === 400 ? webhookField(err.message) : '';
          if (name) {
            errors[name].hidden = false;
            errors[name].textContent = err.message;
            inputs[name].setAttribute('aria-invalid', 'true');
            inputs[name].focus();
          } else {
            formError.hidden = false;
            formError.replaceChildren(h('p', {}, err.status === 409 ? err.message : `Not added: ${err.message}`));
            formError.focus();
          }
        } finally {
          submit.disabled = false;
        }
      },
    },
    formError,
    field('url', url, 'Endpoint URL', 'Where the events are POSTed: an https URL of your SaaS.'),
    events,
    field('description', desc, 'Description (optional)', 'What receives them, for example “CRM sync”.'),
    h('div', {}, submit));
    return h('details', { class: 'newlink', open }, h('summary', {}, 'Add an endpoint'), form, reveal);
  }

  // #secretBox shows a just-made signing secret, the one time the API
  // answers it, in a read-only field to copy; "Done" removes it and moves
  // focus to after.
  #secretBox(secret, title, level, note, after) {
    const id = `secret-${++uidSeq}`;
    const input = h('input', { id, class: 'secret', readonly: true, value: secret, spellcheck: 'false', autocomplete: 'off', 'aria-describedby': `${id}-note` });
    const copied = h('span', { class: 'copied', role: 'status' });
    const box = h('div', { class: 'secretbox' },
      h(level, { tabindex: -1 }, title),
      h('p', { id: `${id}-note` }, h('strong', {}, 'Shown once. '),
        'Copy it now into your SaaS’s configuration: it verifies the webhook-signature of every event. It is not shown again; if it is lost, rotate the secret.'),
      note ? h('p', { class: 'muted small' }, note) : null,
      h('label', { for: id }, 'Signing secret'),
      h('div', { class: 'copyrow' }, input,
        h('button', {
          type: 'button', class: 'small',
          onclick: async () => {
            input.select();
            try {
              await navigator.clipboard.writeText(secret);
              copied.textContent = 'Copied';
            } catch {
              copied.textContent = 'Selected: press Ctrl+C or ⌘C to copy';
            }
          },
        }, 'Copy secret'),
        copied),
      h('button', { type: 'button', class: 'secondary small', onclick: () => { box.remove(); after?.focus(); } }, 'Done: I have saved it'));
    return box;
  }

  // #endpointCard is one endpoint: what it takes, its state, its actions
  // and its delivery log (newest first).
  async #endpointCard(ep, reload) {
    const id = `ep-${ep.endpoint_id.replace(/[^a-zA-Z0-9_-]/g, '_')}`;
    const path = `/webhook-endpoints/${encodeURIComponent(ep.endpoint_id)}`;
    const out = h('div', { class: 'epout' });
    const log = h('div');
    const card = h('article', { class: 'endpoint', 'aria-labelledby': `${id}-title` });
    const fail = (err) => out.replaceChildren(h('p', { class: 'error', role: 'alert' }, err.message));
    // act is an action button; it is described by the endpoint's URL so
    // "Disable" says which one, and an error shows under the buttons.
    const act = (label, attrs, fn) => h('button', {
      type: 'button', class: 'secondary small', 'aria-describedby': `${id}-title`, ...attrs,
      onclick: async (e) => {
        const b = e.currentTarget;
        b.disabled = true;
        try { await fn(b); } catch (err) { fail(err); } finally { b.disabled = false; }
      },
    }, label);
    const enabled = ep.status === 'enabled';
    const state = ep.disabled_reason === 'failing' ? 'Disabled: every delivery failed for a day' : 'Disabled by an admin';

    const loadLog = async () => {
      let r;
      try {
        r = await this.#api('GET', `${path}/deliveries?limit=20`);
      } catch (err) {
        log.replaceChildren(h('p', { class: 'error' }, `The delivery log could not be loaded: ${err.message}`));
        return;
      }
      if (r.deliveries.length === 0) {
        log.replaceChildren(h('p', { class: 'muted' }, 'No deliveries yet. Send a test event to try the endpoint.'));
        return;
      }
      const rows = (list) => list.map((d) => [
        h('span', { class: 'evcell' }, h('code', { class: 'ev' }, d.event_type), h('span', { class: 'muted small' }, d.event_id)),
        h('span', { class: `badge badge-${d.status}` }, DELIVERY_STATUS[d.status] || d.status),
        count(d.attempts),
        h('span', { class: 'evcell' }, d.last_response_code ? String(d.last_response_code) : d.attempts ? 'No answer' : '—',
          d.last_error ? h('span', { class: 'muted small wrap' }, d.last_error) : null),
        d.last_latency_ms == null ? '—' : `${count(d.last_latency_ms)} ms`,
        d.last_attempt_at ? dateTime(d.last_attempt_at) : '—',
        d.status === 'pending' ? dateTime(d.next_attempt_at) : '—',
        d.event_type === 'webhook.test' ? h('span', { class: 'muted small' }, 'Test event') : h('button', {
          type: 'button', class: 'secondary small', 'aria-label': `Redeliver ${d.event_type} ${d.event_id}`,
          onclick: async (e) => {
            const b = e.currentTarget;
            b.disabled = true;
            try {
              await this.#api('POST', `${path}/deliveries/${encodeURIComponent(d.event_id)}/redeliver`, { body: {} });
              out.replaceChildren(h('p', { class: 'okmsg', role: 'status' }, `${d.event_type} ${d.event_id} is queued to be sent again.`));
              await loadLog();
            } catch (err) {
              fail(err);
              b.disabled = false;
            }
          },
        }, 'Redeliver')]);
      const t = table(`Delivery log of ${ep.url}`, ['Event', 'Status', 'Attempts', 'Response', 'Latency', 'Last attempt', 'Next attempt', 'Action'], rows(r.deliveries), { numeric: [2, 4] });
      log.replaceChildren(t);
      this.#moreButton(log, t, r.next_cursor, (c) => `${path}/deliveries?limit=20&cursor=${encodeURIComponent(c)}`, (j) => rows(j.deliveries), 'deliveries');
    };

    const remove = act('Delete', { class: 'danger small', 'aria-describedby': `${id}-title` }, () => {
      const cancel = h('button', { type: 'button', class: 'secondary small', onclick: () => { out.replaceChildren(); remove.focus(); } }, 'Cancel');
      const yes = h('button', {
        type: 'button', class: 'danger small',
        onclick: async () => {
          yes.disabled = true;
          try {
            await this.#api('DELETE', path, { raw: true });
            this.#announce(`Endpoint ${ep.url} deleted.`);
            await reload();
            this.#root.getElementById('eps-title')?.focus();
          } catch (err) {
            fail(err);
          }
        },
      }, 'Delete endpoint');
      out.replaceChildren(h('div', { class: 'confirm', role: 'group', 'aria-labelledby': `${id}-confirm` },
        h('p', { id: `${id}-confirm` }, h('strong', {}, 'Delete this endpoint? '), 'Events stop going to it and its delivery log can no longer be read. This cannot be undone.'),
        h('div', { class: 'toolbar' }, yes, cancel)));
      cancel.focus();
    });

    card.append(
      h('div', { class: 'titlebar' }, h('h3', { id: `${id}-title` }, ep.url), h('span', { class: `badge badge-${ep.status}` }, enabled ? 'Enabled' : 'Disabled')),
      h('dl', { class: 'facts' },
        h('dt', {}, 'Events'), h('dd', {}, h('ul', { class: 'evlist' }, ep.events.map((t) => h('li', {}, h('code', { class: 'ev' }, t))))),
        ep.description ? [h('dt', {}, 'Description'), h('dd', {}, ep.description)] : null,
        enabled ? null : [h('dt', {}, 'Status'), h('dd', {}, state)],
        ep.failing_since ? [h('dt', {}, 'Failing since'), h('dd', {}, dateTime(ep.failing_since))] : null,
        h('dt', {}, 'Added'), h('dd', {}, dateTime(ep.created_at))),
      h('div', { class: 'toolbar' },
        act(enabled ? 'Disable' : 'Enable', { 'data-act': 'toggle' }, async () => {
          const next = await this.#api('PATCH', path, { body: { status: enabled ? 'disabled' : 'enabled' } });
          const fresh = await this.#endpointCard(next, reload);
          card.replaceWith(fresh);
          fresh.querySelector('[data-act="toggle"]').focus();
          this.#announce(`Endpoint ${ep.url} ${enabled ? 'disabled' : 'enabled'}.`);
        }),
        act('Send test event', {}, async () => {
          out.replaceChildren(h('p', { class: 'muted', role: 'status' }, 'Sending a test event…'));
          const d = await this.#api('POST', `${path}/test`, { body: {} });
          const answer = d.last_response_code ? `HTTP ${d.last_response_code} in ${count(d.last_latency_ms)} ms` : `no answer (${d.last_error || 'no response'})`;
          out.replaceChildren(d.status === 'delivered'
            ? h('p', { class: 'okmsg', role: 'status' }, `Test event delivered: ${answer}.`)
            : h('p', { class: 'error', role: 'status' }, `Test event not delivered: ${answer}.`));
          await loadLog();
        }),
        act('Rotate secret', {}, async (b) => {
          const r = await this.#api('POST', `${path}/rotate`, { body: {} });
          out.replaceChildren(this.#secretBox(r.secret, `New signing secret of ${ep.url}`, 'h4',
            r.previous_secret_valid_until ? `The previous secret keeps signing beside it until ${dateTime(r.previous_secret_valid_until)}, so both verify while you switch.` : '', b));
          out.querySelector('h4').focus();
        }),
        remove),
      out,
      h('h4', {}, 'Delivery log'),
      log);
    await loadLog();
    return card;
  }

  // ------------------------------------------------------------ program settings

  // #settingsView shows the settings in force and a form to change every
  // one of them. Rates are edited as percentages and sent in basis
  // points; amounts in the currency's major unit and sent in minor units.
  // A save names the version it edited: a 409 means another admin saved
  // first, a 400 names the field at fault, shown next to it.
  async #settingsView() {
    const s = await this.#api('GET', '/program');
    const head = h('section', { class: 'card', 'aria-labelledby': 'settings-title' },
      h('h1', { id: 'settings-title', tabindex: -1 }, 'Program settings'),
      h('p', {}, s.version === 1 && s.updated_by === 'environment'
        ? 'Version 1: the defaults from the deployment’s configuration. Nobody has changed them yet.'
        : ['Version ', h('strong', {}, String(s.version)), `, saved by ${s.updated_by || 'an admin'} on ${dateTime(s.updated_at)}.`]),
      h('p', { class: 'muted' }, 'A change applies to payments recorded after it is saved. Lines already written keep the version that made them.'));
    const history = await this.#api('GET', '/program/versions?limit=20').catch((err) => err);
    return [head, this.#settingsForm(s), this.#historySection(history)];
  }

  #historySection(res) {
    const section = h('section', { class: 'card', 'aria-labelledby': 'history-title' }, h('h2', { id: 'history-title' }, 'Version history'));
    if (res instanceof Error) {
      section.append(h('p', { class: 'error' }, `The history could not be loaded: ${res.message}`));
      return section;
    }
    const rule = (r) => `${percentText(r.bps)}%, ${r.duration.kind === 'every_payment' ? 'every payment'
      : r.duration.kind === 'first_payments' ? `first ${counted(r.duration.count, 'payment', 'payments')}` : `${counted(r.duration.count, 'month', 'months')} after signup`}`;
    const rows = (list) => list.map((v) => [`Version ${v.version}`, v.updated_by === 'environment' ? 'Configuration' : v.updated_by,
      v.version === 1 && v.updated_by === 'environment' ? '—' : dateTime(v.updated_at), rule(v.default),
      Object.keys(v.plans || {}).sort().map((k) => `${k}: ${rule(v.plans[k])}`).join('; ') || '—']);
    const t = table('Versions of the program settings, newest first', ['Version', 'Saved by', 'Saved on', 'Default rule', 'Plan rules'], rows(res.versions));
    section.append(t);
    this.#moreButton(section, t, res.next_cursor, (c) => `/program/versions?limit=20&cursor=${encodeURIComponent(c)}`, (j) => rows(j.versions), 'versions');
    return section;
  }

  #settingsForm(s) {
    let seq = 0;
    const uid = (name) => `set-${name}-${++seq}`;
    const fields = new Map(); // "default.bps" → { input, error }, filled as the document is built
    const formError = h('div', { class: 'formerror', role: 'alert', hidden: true });

    // field is a labelled input with an optional hint and its own error line.
    const field = (label, attrs, hint, cls) => {
      const id = attrs.id || uid('f');
      const error = h('p', { id: `${id}-err`, class: 'error fielderror', hidden: true });
      const input = attrs.tag === 'select'
        ? h('select', { id, name: attrs.name }, attrs.options)
        : h('input', { autocomplete: 'off', spellcheck: 'false', ...attrs, id, tag: null, options: null });
      input.setAttribute('aria-describedby', [hint ? `${id}-hint` : null, `${id}-err`].filter(Boolean).join(' '));
      const wrap = h('div', { class: `field ${cls || ''}`.trim() },
        h('label', { for: id }, label), hint ? h('p', { id: `${id}-hint`, class: 'hint' }, hint) : null, input, error);
      return { wrap, input, error };
    };
    const rate = (label, bps, hint, name, id) => field(label, { id, name, value: bps === undefined ? '' : percentText(bps), inputmode: 'decimal', class: 'short' }, hint, 'narrow');

    // A rule's duration: the kind, and its count when it has one.
    const duration = (d, name) => {
      const kind = field('Duration', {
        tag: 'select', name: `${name}-kind`,
        options: [h('option', { value: 'every_payment' }, 'Every payment'),
          h('option', { value: 'first_payments' }, 'The first N payments'),
          h('option', { value: 'months' }, 'N months after signup')],
      }, null, 'wide');
      kind.input.value = d?.kind || 'every_payment';
      const count = field('N', { name: `${name}-count`, value: d?.count || '', inputmode: 'numeric', class: 'short' }, null, 'narrow');
      const sync = () => {
        const k = kind.input.value;
        count.wrap.hidden = k === 'every_payment';
        count.wrap.querySelector('label').textContent = k === 'months' ? 'Months' : 'Payments';
      };
      kind.input.addEventListener('change', sync);
      sync();
      return { kind, count, nodes: [kind.wrap, count.wrap] };
    };

    // Default rule.
    const defRate = rate('Rate (%)', s.default?.bps, null, 'default-rate');
    const defDur = duration(s.default?.duration, 'default');
    const defaults = h('fieldset', {}, h('legend', {}, 'Default commission'),
      h('p', { class: 'hint' }, 'Applies to every payment whose plan has no rule of its own. Rates are a percentage of each payment, such as 25 or 12.5.'),
      h('div', { class: 'rowfields' }, defRate.wrap, ...defDur.nodes));

    // Rows: per-plan rules, and amounts per currency.
    const rowList = (legend, hint, addLabel, makeRow, initial) => {
      const list = h('ul', { class: 'rows', role: 'list' });
      const rows = [];
      const add = (value, focus) => {
        const row = makeRow(value);
        const li = h('li', { class: 'row' });
        const remove = h('button', {
          type: 'button', class: 'secondary small', 'aria-label': `Remove ${row.name()}`,
          onclick: () => {
            rows.splice(rows.indexOf(row), 1);
            li.remove();
            this.#announce(`${row.name()} removed.`);
            addButton.focus();
          },
        }, 'Remove');
        // Keep the button's name in step with what the row says.
        row.onrename = () => remove.setAttribute('aria-label', `Remove ${row.name()}`);
        li.append(h('div', { class: 'rowfields' }, ...row.nodes, h('div', { class: 'rowremove' }, remove)));
        list.append(li);
        rows.push(row);
        if (focus) row.first.focus();
      };
      const addButton = h('button', { type: 'button', class: 'secondary', onclick: () => add(undefined, true) }, addLabel);
      for (const v of initial) add(v, false);
      const set = h('fieldset', {}, h('legend', {}, legend), h('p', { class: 'hint' }, hint), list, addButton);
      return { set, rows };
    };

    const plans = rowList('Rates per plan', 'A billing event’s plan (data.plan) earns its own rule; other plans earn the default.', 'Add a plan rule',
      (v) => {
        const key = field('Plan', { name: 'plan', value: v?.[0] || '', class: 'short' }, null, 'narrow');
        const r = rate('Rate (%)', v?.[1].bps, null, 'plan-rate');
        const d = duration(v?.[1].duration, 'plan');
        const row = {
          nodes: [key.wrap, r.wrap, ...d.nodes], first: key.input,
          name: () => (key.input.value.trim() ? `plan ${key.input.value.trim()}` : 'this plan rule'),
          build: (doc, fail) => {
            const k = key.input.value.trim().toLowerCase();
            if (!k) fail(key, 'Enter the plan key, as your billing events name it.');
            if (doc.plans[k]) fail(key, `The plan ${k} is listed twice.`);
            fields.set(`plans.${k}`, key);
            fields.set(`plans.${k}.bps`, r);
            fields.set(`plans.${k}.duration.kind`, d.kind);
            fields.set(`plans.${k}.duration.count`, d.count);
            doc.plans[k] = { bps: bpsOf(r, fail), duration: durationOf(d, fail) };
          },
        };
        key.input.addEventListener('input', () => row.onrename?.());
        return row;
      }, Object.entries(s.plans || {}).sort(([a], [b]) => a.localeCompare(b)));

    const amounts = (name, legend, hint, addLabel, map) => rowList(legend, hint, addLabel, (v) => {
      const cur = field('Currency', { name: `${name}-currency`, value: v?.[0] || '', class: 'short', maxlength: 3, autocapitalize: 'characters' }, null, 'narrow');
      const amt = field('Amount', { name: `${name}-amount`, value: v ? majorText(v[1], v[0]) : '', inputmode: 'decimal', class: 'short' }, null, 'narrow');
      const row = {
        nodes: [cur.wrap, amt.wrap], first: cur.input,
        name: () => `${legend.toLowerCase()} ${cur.input.value.trim().toUpperCase() || 'row'}`,
        build: (doc, fail) => {
          const c = cur.input.value.trim().toUpperCase();
          if (!/^[A-Z]{3}$/.test(c)) fail(cur, 'Enter a three-letter currency code, like USD.');
          if (c in doc[name]) fail(cur, `${c} is listed twice.`);
          fields.set(`${name}.${c}`, amt);
          doc[name][c] = minorOf(amt, c, fail);
        },
      };
      cur.input.addEventListener('change', () => {
        cur.input.value = cur.input.value.trim().toUpperCase();
        row.onrename?.();
      });
      return row;
    }, Object.entries(map || {}).sort(([a], [b]) => a.localeCompare(b)));

    const bounty = amounts('bounty', 'Bounty', 'A flat amount added to the commission of a customer’s first payment, per currency.', 'Add a bounty', s.bounty);
    const cap = amounts('cap', 'Cap', 'The most one customer can earn their partner in all, per currency.', 'Add a cap', s.cap);

    // Second tier.
    const tierOn = h('input', { type: 'checkbox', id: 'set-tier-on', name: 'second_tier_on', checked: !!s.second_tier, 'aria-controls': 'set-tier-rate' });
    const tierRate = rate('Override rate (%)', s.second_tier?.bps, 'A percentage of the recruited partner’s commission.', 'second_tier', 'set-tier-rate');
    tierRate.wrap.classList.replace('narrow', 'wide');
    const syncTier = () => { tierRate.wrap.hidden = !tierOn.checked; };
    tierOn.addEventListener('change', syncTier);
    syncTier();
    const tier = h('fieldset', {}, h('legend', {}, 'Second tier'),
      h('p', { class: 'hint' }, 'A partner who recruited another partner earns a share of that partner’s commissions: one level only, never on their own customers.'),
      h('div', { class: 'check' }, tierOn, h('label', { for: 'set-tier-on' }, 'Pay a second tier')),
      h('div', { class: 'rowfields' }, tierRate.wrap));

    // Hold and payouts.
    const hold = field('Hold (days)', { name: 'hold_days', value: String(s.hold_days ?? 0), inputmode: 'numeric', class: 'short' },
      'A commission becomes payable only once its hold has passed, so refunds inside it net out first. 0 to 365.', 'wide');
    const minDefault = field('Payout minimum, other currencies (smallest unit)', { name: 'min_payout_default', value: String(s.min_payout_default ?? 0), inputmode: 'numeric', class: 'short' },
      'In each currency’s smallest unit: 2000 is 20.00 USD, or 2000 JPY.', 'wide');
    const minimums = amounts('min_payout', 'Payout minimum', 'A statement below its currency’s minimum carries forward to the next month.', 'Add a payout minimum', s.min_payout);
    const payouts = h('fieldset', {}, h('legend', {}, 'Hold and payouts'),
      h('div', { class: 'rowfields' }, hold.wrap, minDefault.wrap), minimums.set);
    minimums.set.classList.add('nested');

    // build turns the form into a settings document, or throws the first
    // field at fault with its message.
    const build = () => {
      fields.clear();
      const fail = (f, message) => { throw Object.assign(new Error(message), { field: f }); };
      const doc = { version: s.version, plans: {}, bounty: {}, cap: {}, min_payout: {} };
      fields.set('default.bps', defRate);
      fields.set('default.duration.kind', defDur.kind);
      fields.set('default.duration.count', defDur.count);
      doc.default = { bps: bpsOf(defRate, fail), duration: durationOf(defDur, fail) };
      for (const r of plans.rows) r.build(doc, fail);
      for (const r of bounty.rows) r.build(doc, fail);
      for (const r of cap.rows) r.build(doc, fail);
      if (tierOn.checked) {
        fields.set('second_tier.bps', tierRate);
        doc.second_tier = { bps: bpsOf(tierRate, fail) };
      }
      fields.set('hold_days', hold);
      doc.hold_days = wholeOf(hold, fail);
      for (const r of minimums.rows) r.build(doc, fail);
      fields.set('min_payout_default', minDefault);
      doc.min_payout_default = wholeOf(minDefault, fail);
      return doc;
    };

    const clearErrors = () => {
      formError.hidden = true;
      formError.replaceChildren();
      for (const el of form.querySelectorAll('.fielderror')) { el.hidden = true; el.textContent = ''; }
      for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
    };
    // showError puts a message next to its field (found by the field the
    // server names, or its nearest named parent) and in the alert above.
    const showError = (message, f, fieldName, prefix = 'Not saved: ') => {
      if (!f && fieldName) {
        for (let k = fieldName; k && !f; k = k.includes('.') ? k.slice(0, k.lastIndexOf('.')) : '') f = fields.get(k);
      }
      formError.hidden = false;
      formError.replaceChildren(h('p', {}, `${prefix}${message}`));
      if (f) {
        // Next to the field, its name goes without saying.
        f.error.hidden = false;
        f.error.textContent = fieldName && message.startsWith(`${fieldName}: `) ? message.slice(fieldName.length + 2) : message;
        f.input.setAttribute('aria-invalid', 'true');
        f.input.focus();
      } else {
        formError.focus();
      }
    };

    const save = h('button', { type: 'submit' }, 'Save settings');
    const previewButton = h('button', { type: 'button', class: 'secondary', onclick: () => this.#runPreview(build, clearErrors, showError, previewButton, previewOut) }, 'Preview on last month');
    const previewOut = h('div', { class: 'preview', 'aria-live': 'polite' });
    const form = h('form', {
      class: 'settings', novalidate: true, 'aria-labelledby': 'settings-form-title',
      onsubmit: async (e) => {
        e.preventDefault();
        clearErrors();
        let doc;
        try {
          doc = build();
        } catch (err) {
          showError(err.message, err.field);
          return;
        }
        save.disabled = true;
        save.textContent = 'Saving…';
        try {
          const saved = await this.#api('PUT', '/program', { body: doc });
          this.#announce(`Settings saved as version ${saved.version}.`);
          this.#render();
        } catch (err) {
          save.disabled = false;
          save.textContent = 'Save settings';
          if (err.status === 409) {
            formError.hidden = false;
            formError.replaceChildren(
              h('p', {}, h('strong', {}, 'Someone else changed the settings while you were editing them. '), 'Your changes are not saved. Reload to see the new version, then make your change again.'),
              h('p', { class: 'muted small' }, err.message),
              h('button', { type: 'button', class: 'secondary', onclick: () => this.#render() }, 'Reload the settings'));
            formError.querySelector('button').focus();
            return;
          }
          showError(err.message, null, err.status === 400 ? fieldOf(err.message) : '');
        }
      },
    },
    h('h2', { id: 'settings-form-title' }, 'Change the settings'),
    formError, defaults, plans.set, bounty.set, cap.set, tier, payouts,
    h('div', { class: 'toolbar' }, save, previewButton));
    formError.tabIndex = -1;
    return h('section', { class: 'card' }, form, previewOut);
  }

  // #runPreview sends the form's document to POST /program/preview and
  // shows what it would have paid on last month's payments.
  async #runPreview(build, clearErrors, showError, button, out) {
    clearErrors();
    let doc;
    try {
      doc = build();
    } catch (err) {
      showError(err.message, err.field, '', 'Not previewed: ');
      return;
    }
    button.disabled = true;
    out.replaceChildren(h('div', { class: 'skeleton' }));
    try {
      const r = await this.#api('POST', '/program/preview', { body: doc });
      const label = monthLabel(r.period);
      const signed = (v, c) => (v > 0 ? `+${money(v, c)}` : money(v, c));
      const nodes = [h('h2', { tabindex: -1 }, `Preview on ${label}`)];
      if (r.payments === 0) {
        nodes.push(empty(`No payment earned a commission in ${label}.`, 'There is nothing to compare the proposal with.'));
      } else {
        nodes.push(h('p', { class: 'muted' }, `${counted(r.payments, 'payment', 'payments')} that earned a commission in ${label}: what was recorded under version ${r.current_version} against what these settings would have paid, both after refunds recorded so far. Nothing was saved.`),
          table(`Preview by currency, ${label}`, ['Currency', 'Payments', 'Paid by customers', 'Recorded', 'Proposed', 'Difference'],
            r.currencies.map((c) => [c.currency, count(c.payments), money(c.amount, c.currency), money(c.recorded, c.currency),
              money(c.proposed, c.currency), h('strong', {}, signed(c.difference, c.currency))]), { numeric: [1, 2, 3, 4, 5] }));
        if (r.partners.length > 0) {
          nodes.push(h('h3', {}, 'Partners it changes most'),
            table(`Preview by partner, ${label}`, ['Partner', 'Currency', 'Recorded', 'Proposed', 'Difference'],
              r.partners.map((p) => [p.code || p.partner_id, p.currency, money(p.recorded, p.currency), money(p.proposed, p.currency),
                signed(p.difference, p.currency)]), { numeric: [2, 3, 4] }));
        }
      }
      nodes.push(h('h3', {}, 'How it was estimated'), h('ul', { class: 'notes' },
        [...r.approximations, 'Hold days and payout minimums change when money is paid, not how much: they are not compared.'].map((a) => h('li', {}, a))));
      out.replaceChildren(...nodes);
      out.querySelector('h2').focus();
      this.#announce(`Preview on ${label} ready.`);
    } catch (err) {
      out.replaceChildren();
      if (err.status === 400 && fieldOf(err.message)) showError(err.message, null, fieldOf(err.message), 'Not previewed: ');
      else out.replaceChildren(h('p', { class: 'error', role: 'alert' }, `The preview failed: ${err.message}`));
    } finally {
      button.disabled = false;
    }
  }
}

// webhookField is the form field an endpoint error names ("url must use
// https."), or "".
function webhookField(message) {
  if (/^(the )?url\b/.test(message)) return 'url';
  if (/^events\b|is not an event type/.test(message)) return 'events';
  if (/^description\b/.test(message)) return 'description';
  return '';
}

let uidSeq = 0;

// ---------------------------------------------------------------- settings form values

// fieldOf is the field a settings error names ("plans.pro.bps: ..."), or "".
function fieldOf(message) {
  const m = /^([^:\s][^:]*):\s/.exec(message || '');
  return m ? m[1] : '';
}

// percentText shows basis points as a percentage: 2500 → "25", 1250 → "12.5".
function percentText(bps) {
  const whole = Math.trunc(bps / 100);
  const frac = bps % 100;
  return frac ? `${whole}.${String(frac).padStart(2, '0').replace(/0$/, '')}` : String(whole);
}

// bpsOf reads a percentage field as basis points, exactly (no floats).
function bpsOf(f, fail) {
  const m = /^(\d{1,6})(?:[.,](\d{1,2}))?$/.exec(f.input.value.trim());
  if (!m) fail(f, 'Enter a percentage, such as 25 or 12.5, with at most two decimals.');
  return Number(m[1]) * 100 + Number((m[2] || '').padEnd(2, '0'));
}

function wholeOf(f, fail) {
  const v = f.input.value.trim();
  if (!/^\d{1,9}$/.test(v)) fail(f, 'Enter a whole number.');
  return Number(v);
}

function durationOf(d, fail) {
  const kind = d.kind.input.value;
  if (kind === 'every_payment') return { kind };
  if (!d.count.input.value.trim()) fail(d.count, kind === 'months' ? 'Enter how many months.' : 'Enter how many payments.');
  return { kind, count: wholeOf(d.count, fail) };
}

// majorText shows minor units in the currency's major unit: 2000 USD → "20.00".
function majorText(minor, currency) {
  const exp = EXPONENTS[currency] ?? 2;
  if (exp === 0) return String(minor);
  const s = String(minor).padStart(exp + 1, '0');
  return `${s.slice(0, -exp)}.${s.slice(-exp)}`;
}

// minorOf reads an amount in the currency's major unit as minor units.
function minorOf(f, currency, fail) {
  const exp = EXPONENTS[currency] ?? 2;
  const m = /^(\d{1,13})(?:[.,](\d+))?$/.exec(f.input.value.trim());
  if (!m) fail(f, `Enter an amount in ${currency}, such as ${majorText(5000, currency)}.`);
  if ((m[2] || '').length > exp) fail(f, exp === 0 ? `${currency} amounts have no decimals.` : `${currency} amounts have at most ${exp} decimals.`);
  return Number(m[1]) * 10 ** exp + Number((m[2] || '').padEnd(exp, '0') || 0);
}

// chart draws daily clicks and signups as paired bars in an SVG that
// stretches to its box; the labels are HTML, so text never stretches with
// it. The numbers are also in a table below the chart.
function chart(days, label) {
  const NS = 'http://www.w3.org/2000/svg';
  const s = (tag, attrs = {}) => {
    const el = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    return el;
  };
  const W = 600; const H = 200;
  const max = Math.max(1, ...days.map((d) => Math.max(d.clicks, d.signups)));
  const step = W / Math.max(days.length, 1);
  const bar = Math.max(1, step / 2 - 1);
  const y = (v) => H * (1 - v / max);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', 'aria-hidden': 'true', class: 'chart' });
  svg.append(s('line', { x1: 0, x2: W, y1: H, y2: H, class: 'axis' }), s('line', { x1: 0, x2: W, y1: 0, y2: 0, class: 'grid' }));
  days.forEach((d, i) => {
    const x = i * step + 1;
    if (d.clicks > 0) svg.append(s('rect', { x, y: y(d.clicks), width: bar, height: H - y(d.clicks), class: 'bar-clicks' }));
    if (d.signups > 0) svg.append(s('rect', { x: x + bar, y: y(d.signups), width: bar, height: H - y(d.signups), class: 'bar-signups' }));
  });
  // A label every week, placed under its day with CSSOM (no inline style
  // attribute, which the CSP refuses).
  const ticks = h('div', { class: 'ticks', 'aria-hidden': 'true' });
  days.forEach((d, i) => {
    if (i % 7 !== 0 && i !== days.length - 1) return;
    if (i !== days.length - 1 && days.length - 1 - i < 4) return; // keep the last label clear
    const t = h('span', { class: 'tick' }, day(d.date));
    t.style.left = `${((i + 0.5) / days.length) * 100}%`;
    ticks.append(t);
  });
  return h('figure', { class: 'chartbox', role: 'img', 'aria-label': label },
    h('span', { class: 'ymax', 'aria-hidden': 'true' }, count(max)),
    h('div', { class: 'plot' }, svg),
    ticks);
}

if (!customElements.get('partnerkit-center')) customElements.define('partnerkit-center', PartnerkitCenter);
