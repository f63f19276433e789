// Prepares the checkout probe on a rendered order page: fills the order form with a test
// buyer's dummy data, finds the pay button, scrolls it into view and returns where to click.
// Card numbers are never filled; nothing here submits anything.
(function (ko) {
  'use strict';
  const norm = (s) => String(s || '').replace(/\s+/g, ' ').trim();
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none';
  };
  const labelOf = (el) => {
    let t = '';
    try {
      if (el.labels) for (const l of el.labels) t += ' ' + l.innerText;
      const wrap = el.closest('label, tr, li, dl, .form-group, .field, p');
      if (wrap && wrap !== el) t += ' ' + norm(wrap.innerText).slice(0, 60);
    } catch (e) {
      /* ignore */
    }
    return t;
  };
  const D = ko
    ? { name: '홍길동', addr: '서울특별시 중구 세종대로 110', addr2: '101호', city: '서울', memo: '테스트 주문' }
    : { name: 'Test Buyer', addr: '1 Test Street', addr2: 'Apt 1', city: 'Test City', memo: 'test order' };
  const setValue = (el, v) => {
    const proto = el instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
    const d = Object.getOwnPropertyDescriptor(proto, 'value');
    if (d && d.set) d.set.call(el, v);
    else el.value = v;
    el.dispatchEvent(new Event('input', { bubbles: true }));
    el.dispatchEvent(new Event('change', { bubbles: true }));
  };

  // ---- the pay button
  const SKIP = /(장바구니|cart|basket|취소|cancel|back|이전|뒤로|쿠폰|coupon|적립금|주소\s*(찾기|검색)|우편\s*번호|zip|search|검색|log ?in|로그인|회원\s*가입|sign ?up|continue shopping|쇼핑\s*계속|삭제|remove|delete|apply|적용|선택\s*상품)/i;
  const SCORES = [
    [/결제\s*하기/, 100],
    [/(place (your )?order|pay now|complete (order|purchase)|confirm (order|and pay|& pay)|submit order|pay securely|buy now)/i, 95],
    [/(주문\s*하기|구매\s*하기|주문\s*완료|결제\s*진행|결제\s*요청|바로\s*결제)/, 90],
    [/(注文を確定|購入する|ご注文を確定|提交订单|立即支付|去支付|送出訂單|確認付款|đặt hàng|thanh toán ngay|bayar sekarang|buat pesanan|สั่งซื้อ|ชำระเงิน)/i, 85],
    [/결제/, 70],
    [/^\s*pay\b/i, 65],
    [/\bpay\b/i, 55],
    [/(checkout|check out|주문)/i, 40],
  ];
  const textOf = (el) =>
    norm(el.innerText || el.value || el.getAttribute('aria-label') || el.getAttribute('alt') || el.title || '');
  let best = null;
  let bestScore = 0;
  const cands = document.querySelectorAll(
    'button, input[type=submit], input[type=button], input[type=image], a, [role=button], [onclick]'
  );
  for (const el of cands) {
    if (!visible(el) || el.disabled) continue;
    const t = textOf(el);
    if (!t || t.length > 40 || SKIP.test(t)) continue;
    let s = 0;
    for (const [re, v] of SCORES) {
      if (re.test(t)) {
        s = v;
        break;
      }
    }
    if (!s) continue;
    if (el.tagName === 'BUTTON' || el.tagName === 'INPUT') s += 3;
    if (el.closest('form')) s += 2;
    if (s > bestScore) {
      best = el;
      bestScore = s;
    }
  }
  if (!best) {
    for (const f of document.forms) {
      const sub = f.querySelector('button[type=submit], input[type=submit], button:not([type])');
      if (sub && visible(sub) && !SKIP.test(textOf(sub))) {
        best = sub;
        break;
      }
    }
  }

  // ---- the order form: a test buyer's dummy data, never a card number
  const scope = (best && best.closest('form')) || document;
  let filled = 0;
  const groups = new Set();
  const phoneParts = ['010', '0000', '0000'];
  let phoneIdx = 0;
  for (const el of scope.querySelectorAll('input, select, textarea')) {
    if (el.disabled || el.readOnly || !visible(el)) continue;
    const type = (el.type || '').toLowerCase();
    if (['hidden', 'submit', 'button', 'image', 'file', 'reset', 'search'].includes(type)) continue;
    const hint = [el.name, el.id, el.placeholder, el.getAttribute('autocomplete'), el.getAttribute('aria-label'), labelOf(el)]
      .join(' ')
      .toLowerCase();
    if (/(card|cvc|cvv|카드\s*번호|유효\s*기간|expir|coupon|쿠폰|적립금|point|포인트|gift)/.test(hint)) continue;
    if (type === 'checkbox') {
      if (!el.checked && (el.required || /(agree|동의|약관|terms|consent|privacy|개인정보|confirm)/.test(hint))) {
        el.click();
        filled++;
      }
      continue;
    }
    if (type === 'radio') {
      if (!el.name || groups.has(el.name)) continue;
      groups.add(el.name);
      const all = scope.querySelectorAll('input[type=radio][name="' + CSS.escape(el.name) + '"]');
      if (![...all].some((r) => r.checked)) {
        el.click();
        filled++;
      }
      continue;
    }
    if (el.tagName === 'SELECT') {
      if (!el.value) {
        const opt = [...el.options].find((o) => o.value && !o.disabled);
        if (opt) {
          el.value = opt.value;
          el.dispatchEvent(new Event('change', { bubbles: true }));
          filled++;
        }
      } else if (/(phone|tel|mobile|hp|휴대|연락처)/.test(hint)) {
        phoneIdx = 1;
      }
      continue;
    }
    if (el.value) continue;
    let v = null;
    if (type === 'email' || /(e-?mail|이메일)/.test(hint)) v = 'test@example.com';
    else if (type === 'tel' || /(phone|tel|mobile|\bhp|휴대|연락처|전화|cell)/.test(hint)) {
      if (el.maxLength > 0 && el.maxLength <= 4) {
        v = phoneParts[Math.min(phoneIdx, 2)];
        phoneIdx++;
      } else v = '010-0000-0000';
    } else if (/(zip|post|우편)/.test(hint)) v = '04524';
    else if (/(addr2|address2|line2|detail|상세)/.test(hint)) v = D.addr2;
    else if (/(addr|address|주소|street)/.test(hint)) v = D.addr;
    else if (/(city|도시)/.test(hint)) v = D.city;
    else if (type === 'password' || /(password|passwd|비밀\s*번호)/.test(hint)) v = 'Test1234!';
    else if (/(name|이름|성명|받는|주문자|수령|buyer|recipient|receiver|customer|orderer)/.test(hint)) v = D.name;
    else if (el.required) v = el.tagName === 'TEXTAREA' ? D.memo : 'test';
    if (v !== null) {
      setValue(el, v);
      filled++;
    }
  }

  if (!best) return { found: false, filled };
  window.__sitereadyPayButton = best;
  best.scrollIntoView({ block: 'center', inline: 'center' });
  const r = best.getBoundingClientRect();
  return {
    found: true,
    label: textOf(best).slice(0, 40),
    x: r.left + r.width / 2,
    y: r.top + r.height / 2,
    filled,
  };
})
