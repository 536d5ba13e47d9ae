/**
 * The OAuth redirect page of the Office 365 consent, shown inside the Office dialog. It does nothing on the server:
 * its script reads the code (or Entra's error) and the state from the query, removes them from the address bar and
 * hands them to the task pane, which finishes the consent with its own bearer token (so the code is bound to the
 * signed-in user). In Outlook the dialog page has Office.js and uses `Office.context.ui.messageParent`; the task pane
 * then closes the dialog. Where the dialog is a plain popup (the sandbox's simulated host, a browser without the
 * dialog API) the message goes to the opener with postMessage, restricted to this origin.
 *
 * A separate script file, not an inline one: the relay's CSP allows scripts from its own origin and Office's CDN only.
 */
import { ACTIVATION_ROUTES, DIALOG_CHANNEL, DIALOG_POST_MESSAGE_KEY } from '../../shared/api/activation';

export const OFFICE_JS_URL = 'https://appsforoffice.microsoft.com/lib/1/hosted/office.js';


const escapeHtml = (value: string): string => value.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function redirectPageHtml(options: { loadOfficeJs: boolean }): string {
  const office = options.loadOfficeJs ? `<script src="${escapeHtml(OFFICE_JS_URL)}"></script>` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Signing in – SAP Cloud for Customer</title>
<style>
  body { font-family: "Segoe UI", system-ui, sans-serif; margin: 24px; color: #242424; background: #ffffff; }
  @media (prefers-color-scheme: dark) { body { color: #ffffff; background: #292929; } }
</style>
${office}
<script src="${ACTIVATION_ROUTES.redirectScript}" defer></script>
</head>
<body>
<main>
<h1 style="font-size: 20px; font-weight: 600;">SAP Cloud for Customer</h1>
<p id="activation-dialog-status" role="status" aria-live="polite">Finishing sign-in…</p>
</main>
</body>
</html>`;
}

/** Plain ES5-compatible script (no bundler): the page runs in whatever browser engine the Office host uses. */
export function redirectPageScript(): string {
  return `(function () {
  'use strict';
  var params = new URLSearchParams(window.location.search);
  var code = params.get('code');
  var state = params.get('state') || undefined;
  var message = code
    ? { type: 'office365-consent', code: code, state: state || '' }
    : { type: 'office365-consent-error', error: params.get('error') || 'no_code', description: params.get('error_description') || undefined, state: state };
  var text = JSON.stringify(message);
  try { window.history.replaceState(null, '', window.location.pathname); } catch (e) { /* keeps working without it */ }
  var status = document.getElementById('activation-dialog-status');
  function show(sent) {
    if (status) status.textContent = sent ? 'Done. This window closes by itself; you can also close it.' : 'Return to Outlook and start the activation again.';
  }
  function viaOpener() {
    var payload = {};
    payload[${JSON.stringify(DIALOG_POST_MESSAGE_KEY)}] = text;
    var sent = false;
    // The opener link is lost when the window went through another origin under a strict opener policy; a channel
    // of this origin reaches the task pane all the same.
    if (typeof BroadcastChannel === 'function') {
      var channel = new BroadcastChannel(${JSON.stringify(DIALOG_CHANNEL)});
      channel.postMessage(payload);
      channel.close();
      sent = true;
    }
    if (window.opener && !window.opener.closed) {
      window.opener.postMessage(payload, window.location.origin);
      sent = true;
    }
    if (sent) setTimeout(function () { window.close(); }, 300);
    return sent;
  }
  var office = window.Office;
  if (office && typeof office.onReady === 'function') {
    office.onReady(function () {
      try {
        office.context.ui.messageParent(text);
        show(true);
      } catch (e) {
        show(viaOpener());
      }
    });
  } else {
    show(viaOpener());
  }
})();
`;
}
