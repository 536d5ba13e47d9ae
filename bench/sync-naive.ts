/**
 * The naive baseline of the sync bench: what a simple integration does every session instead of following change
 * feeds: list every item of the synced folders (EWS FindItem over inbox, sent items and the save folder, pages of
 * 1,000 — Exchange's EWSFindCountLimit) with ews-javascript-api and its default HTTP transport, reading ids,
 * change keys and categories to compare against what it saw last time.
 */
import * as ews from 'ews-javascript-api';

export interface NaiveSessionResult {
  items: number;
  /** FindItem calls made (one per page). */
  pages: number;
  ms: number;
}

const PAGE = 1000;

export async function naiveIdleSession(input: { ewsUrl: string; username: string; password: string; address: string; saveFolderId: string }): Promise<NaiveSessionResult> {
  const started = performance.now();
  const service = new ews.ExchangeService(ews.ExchangeVersion.Exchange2013_SP1);
  service.Url = new ews.Uri(input.ewsUrl);
  service.Credentials = new ews.WebCredentials(input.username, input.password);
  service.ImpersonatedUserId = new ews.ImpersonatedUserId(ews.ConnectingIdType.SmtpAddress, input.address);
  service.HttpHeaders.Add('X-AnchorMailbox', input.address);
  const folders = [new ews.FolderId(ews.WellKnownFolderName.Inbox), new ews.FolderId(ews.WellKnownFolderName.SentItems), new ews.FolderId(input.saveFolderId)];
  const propertySet = new ews.PropertySet(ews.BasePropertySet.IdOnly, [ews.ItemSchema.Categories, ews.ItemSchema.DateTimeReceived]);
  let items = 0;
  let pages = 0;
  for (const folder of folders) {
    let offset = 0;
    for (;;) {
      const view = new ews.ItemView(PAGE, offset);
      view.PropertySet = propertySet;
      const page = await service.FindItems(folder, view);
      pages += 1;
      items += page.Items.length;
      if (!page.MoreAvailable || page.Items.length === 0) break;
      offset = page.NextPageOffset ?? offset + page.Items.length;
    }
  }
  return { items, pages, ms: performance.now() - started };
}
