/**
 * What a person sees: the sandbox Outlook page hosting the real task pane bundle (built by webpack) with the simulated
 * Office host and Nested App Authentication, against the real relay and the C4C / Exchange / Entra emulators.
 * Screenshots of the main states go to test-artifacts/browser/ (not committed).
 */
import type { Browser } from 'playwright-core';
import { DEMO_TENANT_ID, DEMO_USERS } from '../emulators/demo-identities';
import { ensureAddinBuilt } from '../helpers/addin-build';
import { startSandboxRelay, type SandboxRelay } from '../helpers/sandbox-relay';
import { forgetOpenPages, launchChromium, openSandbox, screenshot, screenshotOpenPages, selectItem, switchUser } from './helpers';

jest.setTimeout(120_000);

const [ANNA, MARCO] = DEMO_USERS;
let env: SandboxRelay;
let browser: Browser;

type Row = Record<string, unknown>;
const emails = (): Row[] => env.sandbox.c4c.control.list('EMailCollection');
const emailsWithKey = (key: string) => emails().filter((row) => row.GroupwareItemID === key);

/** The Internet Message-ID of the first message in Anna's (or another user's) mailbox whose subject contains `text`. */
function messageIdOf(text: string, mailbox = ANNA.email): string {
  const store = env.sandbox.exchange.store;
  const inbox = store.wellKnownFolder(mailbox, 'inbox');
  const message = store.listItems(mailbox, inbox.id).find((item) => item.kind === 'message' && (item.subject.includes(text) || item.from?.name?.includes(text)));
  if (!message || message.kind !== 'message') throw new Error(`no message matching ${text}`);
  return message.internetMessageId;
}

beforeAll(async () => {
  ensureAddinBuilt();
  env = await startSandboxRelay();
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await env?.close();
});

afterEach(async () => {
  // A passing test closes its pages; pages still open belong to a failing test: keep what the user would have seen.
  await screenshotOpenPages(expect.getState().currentTestName ?? 'test');
  forgetOpenPages();
  env.sandbox.c4c.control.clearFaults();
  env.sandbox.c4c.control.setLatency(0);
});

it('shows who is who, saves the email, and C4C holds exactly one E-Mail with the right fields', async () => {
  const { page, pane, errors } = await openSandbox(browser, env.url);
  await selectItem(page, 'Jonas Vogel');
  const card = pane.getByTestId('record').filter({ hasText: 'Jonas Vogel' });
  await card.first().waitFor();
  await expect(card.first().getAttribute('data-kind')).resolves.toBe('contact');
  await expect(pane.getByTestId('signed-in-as').textContent()).resolves.toContain('Anna Berger');
  await screenshot(page, '01-records');

  await pane.getByTestId('save-button').click();
  const status = pane.locator('[data-testid="save-status"][data-status="saved"]');
  await status.waitFor();
  await screenshot(page, '02-saved');

  const key = messageIdOf('Jonas Vogel');
  const rows = emailsWithKey(key) as Array<Row & { EMailNotes: Row[]; EMailToRecipients: Row[] }>;
  expect(rows).toHaveLength(1);
  const row = rows[0];
  expect(row).toMatchObject({ Direction: '2', MessageFromEmailURI: 'jonas.vogel@nordwind-maschinenbau.example', OwnerPartyID: ANNA.c4cEmployeeId });
  expect(row.MainContactPartyID).toBe(row.MessageFromPartyID);
  expect(row.MainAccountPartyID).toEqual(expect.any(String));
  expect(row.EMailToRecipients).toEqual([expect.objectContaining({ MessageToEmailID: ANNA.email, PartyID: ANNA.c4cEmployeeId })]);
  expect(row.EMailNotes[0]).toMatchObject({ TypeCode: '10002', Text: expect.stringContaining('Jonas Vogel') });
  const link = await pane.getByTestId('saved-link').getAttribute('href');
  expect(link).toContain(String(row.ObjectID));

  // Coming back to the email later shows it as already saved.
  await selectItem(page, 'Katrin Hoffmann');
  await selectItem(page, 'Jonas Vogel');
  await pane.locator('[data-testid="save-status"][data-status="already-saved"]').waitFor();
  expect(errors).toEqual([]);
  await page.close();
});

it('a double click on Save creates one record', async () => {
  const { page, pane } = await openSandbox(browser, env.url);
  await selectItem(page, 'Charlotte Hughes');
  await pane.getByTestId('record').first().waitFor();
  env.sandbox.c4c.control.setLatency(300);
  await pane.getByTestId('save-button').dblclick();
  await pane.locator('[data-testid="save-status"][data-status="saved"]').waitFor();
  expect(emailsWithKey(messageIdOf('Charlotte Hughes'))).toHaveLength(1);
  await page.close();
});

it('two users saving the same email at once create one record', async () => {
  const key = '<shared-rfq-2026-11@nordwind-maschinenbau.example>';
  const anna = await openSandbox(browser, env.url);
  const marco = await openSandbox(browser, env.url);
  await switchUser(marco.page, MARCO.displayName);
  for (const { page, pane } of [anna, marco]) {
    await selectItem(page, 'RFQ: 40 circulation pumps');
    await pane.getByTestId('record').first().waitFor();
  }
  env.sandbox.c4c.control.setLatency(200);
  await Promise.all([anna.pane.getByTestId('save-button').click(), marco.pane.getByTestId('save-button').click()]);
  const states = await Promise.all(
    [anna, marco].map(async ({ pane }) => {
      const status = pane.locator('[data-testid="save-status"][data-status="saved"], [data-testid="save-status"][data-status="already-saved"]');
      await status.waitFor();
      return status.getAttribute('data-status');
    }),
  );
  expect([...states].sort()).toEqual(['already-saved', 'saved']);
  expect(emailsWithKey(key)).toHaveLength(1);
  // The one who lost the race reads who saved it a moment ago, not "earlier".
  const loser = states[0] === 'already-saved' ? anna : marco;
  const winner = loser === anna ? MARCO.displayName : ANNA.displayName;
  await expect(loser.pane.getByTestId('save-status').textContent()).resolves.toContain(`by ${winner}`);
  await anna.page.close();
  await marco.page.close();
});

it('saves exactly once when C4C answers 503 to the first try', async () => {
  const { page, pane } = await openSandbox(browser, env.url);
  await selectItem(page, 'Oliver Bennett');
  await pane.getByTestId('record').first().waitFor();
  env.sandbox.c4c.control.addFault({ method: 'POST', pathIncludes: 'EMailCollection', kind: 'status', status: 503, times: 1 });
  await pane.getByTestId('save-button').click();
  await pane.locator('[data-testid="save-status"][data-status="saved"]').waitFor();
  expect(emailsWithKey(messageIdOf('Oliver Bennett'))).toHaveLength(1);
  await page.close();
});

it('saves exactly once when the connection drops after C4C applied the create', async () => {
  const { page, pane } = await openSandbox(browser, env.url);
  await selectItem(page, 'Harry Walsh');
  await pane.getByTestId('record').first().waitFor();
  env.sandbox.c4c.control.addFault({ method: 'POST', pathIncludes: 'EMailCollection', kind: 'drop', applyBeforeDrop: true, times: 1 });
  await pane.getByTestId('save-button').click();
  await pane.locator('[data-testid="save-status"][data-status="saved"]').waitFor();
  expect(emailsWithKey(messageIdOf('Harry Walsh'))).toHaveLength(1);
  await page.close();
});

it('when C4C stays down, says so and saves once on "Try again"', async () => {
  const { page, pane } = await openSandbox(browser, env.url);
  await selectItem(page, 'Megan Price');
  await pane.getByTestId('record').first().waitFor();
  env.sandbox.c4c.control.addFault({ method: 'POST', pathIncludes: 'EMailCollection', kind: 'status', status: 503, times: 20 });
  await pane.getByTestId('save-button').click();
  const error = pane.getByTestId('save-error');
  await error.waitFor({ timeout: 60_000 });
  await expect(error.textContent()).resolves.toMatch(/not saved/i);
  await screenshot(page, '07-save-failed');
  expect(emailsWithKey(messageIdOf('Megan Price'))).toHaveLength(0);
  env.sandbox.c4c.control.clearFaults();
  await pane.getByTestId('save-error-retry').click();
  await pane.locator('[data-testid="save-status"][data-status="saved"]').waitFor();
  expect(emailsWithKey(messageIdOf('Megan Price'))).toHaveLength(1);
  await page.close();
});

it('quick-creates a contact for an unknown sender, which then shows as a card', async () => {
  const { page, pane } = await openSandbox(browser, env.url);
  await selectItem(page, 'Daniel Okafor');
  const unknown = pane.getByTestId('person-card').filter({ hasText: 'daniel.okafor@greenfield-agri.example' });
  await unknown.getByTestId('create-contact').click();
  const form = pane.getByTestId('quick-create-form');
  await form.waitFor();
  await screenshot(page, '03-quick-create');
  // Submitting with an empty first name shows the error at the field.
  const firstName = form.getByTestId('field-firstName').locator('input');
  await firstName.fill('');
  await form.getByTestId('quick-create-submit').click();
  await expect(form.getByTestId('field-firstName').textContent()).resolves.toMatch(/required|enter/i);
  await firstName.fill('Daniel');
  await form.getByTestId('field-lastName').locator('input').fill('Okafor');
  await form.getByTestId('quick-create-submit').click();
  await pane.getByTestId('record').filter({ hasText: 'Daniel Okafor' }).first().waitFor();
  const contacts = env.sandbox.c4c.control.list('ContactCollection').filter((c) => c.Email === 'daniel.okafor@greenfield-agri.example');
  expect(contacts).toHaveLength(1);
  // The new contact is the Save panel's main contact at once, without reopening the item.
  await expect(pane.getByTestId('save-contact').textContent()).resolves.toContain('Daniel Okafor');
  await screenshot(page, '04-created-contact');
  await page.close();
});

it('renders the dark theme', async () => {
  const { page, pane } = await openSandbox(browser, env.url);
  await selectItem(page, 'Katrin Hoffmann');
  await pane.getByTestId('record').first().waitFor();
  await page.getByTestId('theme-toggle').click();
  await pane.locator('[data-testid="taskpane"][data-theme="dark"]').waitFor();
  const background = await pane.getByTestId('taskpane').evaluate((el) => getComputedStyle(el).backgroundColor);
  const [r, g, b] = background.match(/\d+/g)!.map(Number);
  expect(r + g + b).toBeLessThan(200);
  await screenshot(page, '05-dark');
  await page.close();
});

it('creates a meeting in C4C exactly once, with organizer and attendee parties', async () => {
  const { page, pane } = await openSandbox(browser, env.url);
  await selectItem(page, 'Quarterly review');
  await pane.getByTestId('meeting-panel').waitFor();
  await pane.getByTestId('record').first().waitFor();
  await pane.getByTestId('create-appointment-button').dblclick();
  await pane.locator('[data-testid="appointment-status"][data-status="created"]').waitFor();
  await screenshot(page, '06-meeting-created');
  const appointments = env.sandbox.c4c.control.list('AppointmentCollection') as Array<Row & { AppointmentInvolvedParties: Row[] }>;
  expect(appointments).toHaveLength(1);
  const roles = appointments[0].AppointmentInvolvedParties.map((p) => [p.RoleCode, p.PartyEmailURI]);
  expect(roles).toEqual(expect.arrayContaining([['35', ANNA.email], ['36', expect.stringContaining('@')]]));
  // Outlook's Read mode gives only the item id; the relay read the meeting's iCalendar UID from the mailbox.
  const annaCopy = env.sandbox.exchange.store
    .listItems(ANNA.email, env.sandbox.exchange.store.wellKnownFolder(ANNA.email, 'calendar').id)
    .find((item) => item.kind === 'event' && item.subject.includes('Quarterly review'));
  if (!annaCopy || annaCopy.kind !== 'event') throw new Error('demo meeting missing');
  expect(appointments[0].GroupwareItemID).toBe(annaCopy.iCalUid);
  // The C4C appointment carries what the meeting says, and the attendee is linked to the C4C contact the pane showed.
  const meeting = env.sandbox.exchange.store
    .listItems(ANNA.email, env.sandbox.exchange.store.wellKnownFolder(ANNA.email, 'calendar').id)
    .find((item) => item.kind === 'event' && item.subject.includes('Quarterly review'));
  if (!meeting || meeting.kind !== 'event') throw new Error('demo meeting missing');
  expect(appointments[0]).toMatchObject({ Subject: meeting.subject, OwnerPartyID: ANNA.c4cEmployeeId });
  // The emulator stores dates as epoch milliseconds (the wire's /Date(ms)/ is accepted too).
  const odataMs = (value: unknown): number => {
    if (typeof value === 'number') return value;
    const wire = /\/Date\((\d+)/.exec(String(value));
    return wire ? Number(wire[1]) : Date.parse(String(value));
  };
  expect(odataMs(appointments[0].StartDate)).toBe(Date.parse(meeting.start));
  expect(odataMs(appointments[0].EndDate)).toBe(Date.parse(meeting.end));
  const attendee = appointments[0].AppointmentInvolvedParties.find((p) => p.RoleCode === '36' && p.PartyID);
  expect(attendee?.PartyID).toEqual(expect.any(String));
  const contactLink = await pane.getByTestId('record').first().locator('a').first().getAttribute('href');
  expect(contactLink).toMatch(/^https?:\/\//);
  await page.close();
});

it('an attendee opening their own copy of that meeting sees it already in C4C', async () => {
  const { page, pane } = await openSandbox(browser, env.url);
  await switchUser(page, MARCO.displayName);
  await selectItem(page, 'Quarterly review');
  await pane.getByTestId('meeting-panel').waitFor();
  await pane.locator('[data-testid="appointment-status"][data-status="already-created"]').waitFor();
  await screenshot(page, '09-meeting-already-created');
  expect(env.sandbox.c4c.control.list('AppointmentCollection')).toHaveLength(1);
  await page.close();
});

it('an Outlook without Nested App Authentication gets a plain "update Outlook" message', async () => {
  const page = await browser.newPage();
  await page.goto(`${env.url}/sandbox.html?naa=0`);
  const startup = page.frameLocator('[data-testid="taskpane-frame"]').getByTestId('startup-error');
  await startup.waitFor();
  await expect(startup.textContent()).resolves.toMatch(/Update Outlook/);
  await page.close();
});

it('tells a signed-in user nobody provisioned to ask the administrator', async () => {
  const priya = DEMO_USERS[2];
  const organization = (await env.store.organizations.getByTenant(DEMO_TENANT_ID))!;
  const provisioned = (await env.store.users.findByEntra(DEMO_TENANT_ID, priya.oid))!;
  await env.store.users.delete(organization.id, provisioned.id);
  try {
    const { page, pane } = await openSandbox(browser, env.url);
    await switchUser(page, priya.displayName);
    await page.getByTestId('sandbox-item').first().click();
    const error = pane.getByTestId('load-error');
    await error.waitFor();
    await expect(error.textContent()).resolves.toMatch(/not set up.*ask your administrator/i);
    await expect(error.getAttribute('data-reason')).resolves.toBe('not-set-up');
    await screenshot(page, '08-not-provisioned');
    await page.close();
  } finally {
    await env.store.users.create(organization.id, { displayName: priya.displayName, email: priya.email, mailboxLogin: priya.email, c4cUserId: priya.c4cEmployeeId, entraObjectId: priya.oid, role: priya.role });
  }
});
