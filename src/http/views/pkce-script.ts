/**
 * /static/pkce.js: the browser half of the /pkce page (CSP forbids inline script).
 * Kept in code like the stylesheet, so the build needs no copy step.
 */
export const PKCE_SCRIPT = `'use strict';
(function () {
  var UNRESERVED = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~';
  var $ = function (id) { return document.getElementById(id); };
  function base64url(bytes) {
    var s = '';
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
  }
  // RFC 7636 §4.1: 64 unreserved characters; rejection sampling keeps every symbol equally likely.
  function verifier() {
    var out = '';
    while (out.length < 64) {
      var bytes = crypto.getRandomValues(new Uint8Array(96));
      for (var i = 0; i < bytes.length && out.length < 64; i++) if (bytes[i] < 198) out += UNRESERVED[bytes[i] % 66];
    }
    return out;
  }
  function challenge(v) {
    return crypto.subtle.digest('SHA-256', new TextEncoder().encode(v)).then(function (d) { return base64url(new Uint8Array(d)); });
  }
  function state() { return base64url(crypto.getRandomValues(new Uint8Array(16))); }
  function buildUrl() {
    var base = $('pkce').getAttribute('data-base');
    var se = $('endpoint').value === 'stackexchange';
    if (!$('client_id').value || !$('redirect_uri').value) { $('authorize_url').value = ''; return; }
    var url = new URL(se ? base + '/oauth' : base + '/' + $('tenant').value + '/' + $('server').value + '/oauth2/authorize');
    var p = url.searchParams;
    p.set('response_type', 'code');
    p.set('client_id', $('client_id').value);
    p.set('redirect_uri', $('redirect_uri').value);
    var scope = $('scope').value.trim();
    if (scope) p.set('scope', se ? scope : scope.split(/[\\s,]+/).join(' '));
    p.set('state', $('state').value);
    p.set('code_challenge', $('code_challenge').value);
    p.set('code_challenge_method', 'S256');
    $('authorize_url').value = url.toString();
  }
  function regenerate() {
    var v = verifier();
    return challenge(v).then(function (c) {
      $('code_verifier').value = v;
      $('code_challenge').value = c;
      $('state').value = state();
      $('pkce-origin').textContent = 'Generated in your browser with Web Crypto; it never left this page.';
      buildUrl();
    });
  }
  document.addEventListener('DOMContentLoaded', function () {
    if (!window.crypto || !crypto.subtle) return; // keep the server-generated pair
    document.querySelectorAll('[data-copy]').forEach(function (button) {
      button.hidden = false;
      button.addEventListener('click', function () {
        var field = $(button.getAttribute('data-copy'));
        navigator.clipboard.writeText(field.value).then(function () { button.textContent = 'Copied'; },
          function () { field.select(); document.execCommand('copy'); button.textContent = 'Copied'; });
        setTimeout(function () { button.textContent = 'Copy'; }, 1500);
      });
    });
    $('regenerate').hidden = false;
    $('regenerate').addEventListener('click', regenerate);
    ['endpoint', 'tenant', 'server', 'client_id', 'redirect_uri', 'scope'].forEach(function (id) { $(id).addEventListener('input', buildUrl); });
    $('authorize-form').addEventListener('submit', function (e) { e.preventDefault(); buildUrl(); });
    regenerate().then(function () { document.body.setAttribute('data-pkce-ready', 'true'); });
  });
})();
`;
