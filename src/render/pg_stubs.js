// Installed in every rendered document before the page's own scripts run. Payment gateway SDK
// entry points become recorders: a call is reported to siteready and goes nowhere, so a click on
// the pay button can never start a real payment. Popups and dialogs are recorded and refused.
(() => {
  'use strict';
  if (window.__sitereadyStubs) return;
  try {
    Object.defineProperty(window, '__sitereadyStubs', { value: true });
  } catch (e) {
    return;
  }
  const BINDING = '__sitereadyRecord';
  const bound = window[BINDING];
  const send = (kind, name, detail) => {
    try {
      const f = typeof bound === 'function' ? bound : window[BINDING];
      if (typeof f === 'function') {
        f(JSON.stringify({ kind, name, detail: String(detail).slice(0, 400) }));
      }
    } catch (e) {
      /* recording must never break the page */
    }
  };
  const fmt1 = (a) => {
    if (typeof a === 'function') return 'ƒ';
    if (typeof a === 'string') return "'" + a.slice(0, 80) + "'";
    try {
      const s = JSON.stringify(a, (k, v) => (typeof v === 'function' ? 'ƒ' : v));
      return s === undefined ? String(a) : s;
    } catch (e) {
      return '{…}';
    }
  };
  const fmt = (args) => {
    try {
      return Array.prototype.map.call(args, fmt1).join(', ').slice(0, 300);
    } catch (e) {
      return '…';
    }
  };
  // Methods whose call starts a payment: they answer with a promise that never settles, so
  // neither a success nor a failure handler runs.
  const TERMINAL = /^(request|pay$|open$|submit|confirm|checkout|redirect|execute|start)/i;
  const FACTORY_PROMISE = /^load/i;
  const TERMINAL_FUNCTIONS = new Set(['KCP_Pay_Execute', 'KCP_Pay_Execute_Web', 'nicepayStart', 'goPay']);
  const result = (path) => {
    const last = path.split('.').pop();
    if (!path.includes('.') && FACTORY_PROMISE.test(last)) {
      return Promise.resolve(deep(last.replace(FACTORY_PROMISE, '') + '(…)'));
    }
    if (TERMINAL_FUNCTIONS.has(path) || (path.includes('.') && TERMINAL.test(last))) {
      return new Promise(() => {});
    }
    return deep(path + '(…)');
  };
  // Any shape of SDK: every property is another recorder, every call is reported.
  const deep = (path) =>
    new Proxy(function () {}, {
      get(t, prop) {
        if (prop === 'then') return undefined;
        if (prop === Symbol.toPrimitive || prop === 'toString' || prop === 'valueOf') {
          return () => '[payment stub]';
        }
        if (typeof prop === 'symbol') return undefined;
        return deep(path + '.' + String(prop));
      },
      apply(t, self, args) {
        send('call', path, fmt(args));
        return result(path);
      },
      construct(t, args) {
        send('call', 'new ' + path, fmt(args));
        return deep(path + '(…)');
      },
      set() {
        return true;
      },
      has() {
        return true;
      },
    });
  const ROOTS = [
    'IMP', 'PortOne', 'TossPayments', 'loadTossPayments', 'PaymentWidget', 'loadPaymentWidget',
    'AUTHNICE', 'NICEPAY', 'nicepayStart', 'goPay', 'INIStdPay', 'KCP_Pay_Execute',
    'KCP_Pay_Execute_Web', 'Stripe', 'paypal', 'snap', 'OmiseCard', 'Naver', 'Xendit',
    'Razorpay', 'EXIMBAY', 'PaypleCpayAuthCheck',
  ];
  for (const name of ROOTS) {
    let stub = deep(name);
    try {
      Object.defineProperty(window, name, {
        configurable: true,
        enumerable: false,
        get() {
          return stub;
        },
        // A self-hosted SDK assigning the global gets the recorder instead.
        set(v) {
          stub = deep(name);
        },
      });
    } catch (e) {
      /* already defined by the page: leave it */
    }
  }
  window.open = function (url) {
    send('popup', 'window.open', url == null ? '' : String(url));
    return null;
  };
  window.alert = function (m) {
    send('dialog', 'alert', m);
  };
  window.confirm = function (m) {
    send('dialog', 'confirm', m);
    return true;
  };
  window.prompt = function (m) {
    send('dialog', 'prompt', m);
    return '';
  };
})();
