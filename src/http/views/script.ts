/**
 * Pixie's one script, served at /static/pixie.js (the CSP allows no inline script). Pages work
 * without it; it only adds copy buttons and shows an implicit-grant token from the URL fragment,
 * which never reaches the server.
 */
export const SCRIPT = `'use strict';
(function () {
  function textOf(el) {
    return (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' ? el.value : el.textContent).trim();
  }
  function selectText(el) {
    var range = document.createRange();
    range.selectNodeContents(el);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }
  function done(button, label) {
    var original = button.getAttribute('data-label') || button.textContent;
    button.setAttribute('data-label', original);
    button.textContent = label;
    setTimeout(function () { button.textContent = original; }, 1600);
  }
  function copy(button) {
    var el = document.getElementById(button.getAttribute('data-copy'));
    if (!el) return;
    var text = textOf(el);
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { done(button, 'Copied'); }, function () { selectText(el); done(button, 'Press Ctrl+C'); });
    } else {
      selectText(el);
      done(button, document.execCommand && document.execCommand('copy') ? 'Copied' : 'Press Ctrl+C');
    }
  }
  function showFragment() {
    var box = document.getElementById('fragment-result');
    if (!box || location.hash.length < 2) return;
    var p = new URLSearchParams(location.hash.slice(1));
    var token = p.get('access_token');
    if (!token) return;
    document.getElementById('fragment-token').textContent = token;
    var expires = p.get('expires');
    document.getElementById('fragment-expires').textContent = expires ? 'Expires in ' + expires + ' seconds.' : 'This token does not expire.';
    box.hidden = false;
    var empty = document.getElementById('no-result');
    if (empty) empty.hidden = true;
  }
  function init() {
    showFragment();
    var buttons = document.querySelectorAll('[data-copy]');
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].hidden = false;
      buttons[i].addEventListener('click', function (e) { copy(e.currentTarget); });
    }
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init); else init();
})();
`;
