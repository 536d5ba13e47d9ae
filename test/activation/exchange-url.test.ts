/** Outside the sandbox a user's password only goes to an https:// EWS URL; nothing is tested or stored otherwise. */
import { activateExchange, MailboxTestFailedError, type ActivationDeps } from '../../relay/activation';
import { createLogger } from '../../relay/log';

it('refuses an http:// EWS URL from the extended form before sending the password anywhere', async () => {
  const opened: string[] = [];
  const stored: string[] = [];
  const deps = {
    store: {
      users: { get: async () => ({ id: 'u', organizationId: 'o', email: 'anna@contoso.example', mailboxLogin: null, entraObjectId: null }) },
      organizations: { get: async () => ({ id: 'o', entraTenantId: null }) },
      mailboxAccess: {
        get: async () => ({ organizationId: 'o', kind: 'ews-direct', settings: { ewsUrl: 'https://mail.contoso.example/EWS/Exchange.asmx' }, hasSecret: false, updatedAt: new Date() }),
        setUserCredential: async (_o: string, _u: string, _k: string, secret: string) => {
          stored.push(secret);
        },
      },
    },
    mailboxes: {
      open: (address: string) => {
        opened.push(address);
        throw new Error('must not be opened');
      },
    },
    logger: createLogger({ level: 'silent' }),
  } as unknown as ActivationDeps; // only what activateExchange reaches before the check
  const attempt = activateExchange(deps, { organizationId: 'o', userId: 'u' }, { password: 'secret', ewsUrl: 'http://mail.contoso.example/EWS/Exchange.asmx' });
  await expect(attempt).rejects.toBeInstanceOf(MailboxTestFailedError);
  await expect(attempt).rejects.toThrow(/must start with https/);
  expect(opened).toEqual([]);
  expect(stored).toEqual([]);
});
