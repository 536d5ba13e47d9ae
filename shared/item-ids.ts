/**
 * Office.js hands out item ids in the EWS form; Graph (REST) uses the same id in the base64url alphabet. This is what
 * Office.js's `mailbox.convertToRestId` does, needed by the relay (reading a meeting over Graph) and the sandbox host.
 */
export function ewsIdToRestId(itemId: string): string {
  return itemId.replace(/\//g, '-').replace(/\+/g, '_');
}
