/**
 * Access to the `Office` namespace of this window. Every other module of the add-in reaches Office.js through
 * addin/office/, and this file is the one place that reads the global, so tests (office-addin-mock) and the sandbox
 * (simulated host) can swap it.
 */

type OfficeNamespace = typeof Office;

export function hasOffice(): boolean {
  return typeof (globalThis as { Office?: OfficeNamespace }).Office !== 'undefined';
}

/** The Office namespace; throws when Office.js (or the sandbox host) has not provided it yet. */
export function office(): OfficeNamespace {
  const candidate = (globalThis as { Office?: OfficeNamespace }).Office;
  if (candidate === undefined) throw new Error('Office.js is not loaded');
  return candidate;
}

/** The mailbox, or null outside Outlook (office.js loaded in a plain browser tab leaves it undefined). */
export function mailbox(): Office.Mailbox | null {
  if (!hasOffice()) return null;
  return office().context?.mailbox ?? null;
}

/** Turns an Office callback API into a promise; rejects with the host's error (name + message kept). */
export function fromAsyncResult<T>(start: (callback: (result: Office.AsyncResult<T>) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    start((result) => {
      // Compare with the string value: office-addin-mock does not provide the AsyncResultStatus enum.
      if (String(result.status) === 'failed') {
        const error = new Error(result.error?.message ?? 'Office request failed');
        error.name = result.error?.name ?? 'OfficeError';
        reject(error);
      } else {
        resolve(result.value);
      }
    });
  });
}
