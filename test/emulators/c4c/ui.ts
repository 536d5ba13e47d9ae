/**
 * A stand-in for the C4C user interface: the record links the sidebar shows (C4C's generic `OnExtInspect` deep link,
 * `/sap/public/byd/runtime?...&param.ObjectID=<id>`) open a plain page listing the record's fields, so the sandbox's
 * "Open in C4C" links lead somewhere a newcomer can check what was saved.
 */
import type { ServerResponse } from 'node:http';
import type { C4cControl } from './control';

export const UI_PATH = '/sap/public/byd/runtime';

const SEARCHED_SETS = [
  'EMailCollection',
  'AppointmentCollection',
  'ContactCollection',
  'CorporateAccountCollection',
  'IndividualCustomerCollection',
  'LeadCollection',
  'EmployeeCollection',
  'OpportunityCollection',
  'ServiceRequestCollection',
];

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

function formatValue(key: string, value: unknown): string {
  if (value === null || value === undefined || value === '') return '';
  if (typeof value === 'number' && /Date|On$|Time/.test(key)) return new Date(value).toISOString();
  if (Array.isArray(value)) {
    return `<table>${value
      .map((row) => `<tr><td>${escapeHtml(Object.entries(row as Record<string, unknown>).filter(([k, v]) => v !== '' && v !== null && !k.startsWith('ETag') && k !== 'Binary').map(([k, v]) => `${k}: ${String(v)}`).join(' · '))}</td></tr>`)
      .join('')}</table>`;
  }
  return escapeHtml(String(value));
}

export function renderRecordPage(control: C4cControl, url: URL, res: ServerResponse): void {
  const objectId = url.searchParams.get('param.ObjectID') ?? '';
  let found: { set: string; row: Record<string, unknown> } | undefined;
  for (const set of SEARCHED_SETS) {
    const row = objectId ? control.get(set, objectId) : undefined;
    if (row) {
      found = { set, row };
      break;
    }
  }
  const title = found ? `${found.set.replace(/Collection$/, '')} ${String(found.row.ID ?? found.row.ContactID ?? found.row.AccountID ?? found.row.CustomerID ?? found.row.EmployeeID ?? '')}` : 'Record not found';
  const rows = found
    ? Object.entries(found.row)
        .filter(([key, value]) => value !== '' && value !== null && value !== undefined && key !== 'ETag')
        .map(([key, value]) => `<tr><th>${escapeHtml(key)}</th><td>${formatValue(key, value)}</td></tr>`)
        .join('')
    : `<tr><td>No record with ObjectID ${escapeHtml(objectId)} in this emulated tenant.</td></tr>`;
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} – C4C emulator</title>
<style>body{font:14px system-ui,sans-serif;margin:24px;color:#242424}h1{font-size:20px}table{border-collapse:collapse}th,td{text-align:left;vertical-align:top;padding:4px 12px 4px 0;border-bottom:1px solid #e0e0e0}th{color:#616161;font-weight:600}</style>
</head><body><p>SAP Cloud for Customer (emulator)</p><h1>${escapeHtml(title)}</h1><table>${rows}</table></body></html>`;
  res.writeHead(found ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' });
  res.end(html);
}
