/**
 * The people of the sandbox, shared by every emulator's demo data so that the C4C tenant, the Exchange mailboxes
 * and the Entra directory tell one consistent story: the sales team of "Contoso Sandbox" (employees in C4C, users
 * in Entra, mailboxes in Exchange) and their customers (contacts / leads / accounts in C4C, senders of demo mail).
 */
export const DEMO_TENANT_ID = '7d3a8f2e-4b1c-4e9a-9f0d-2c5b6a8e1f34';
export const DEMO_ORG_NAME = 'Contoso Sandbox';
export const DEMO_MAIL_DOMAIN = 'contoso.example';
/** The Entra app registration of the add-in / relay in the sandbox. */
export const DEMO_ADDIN_CLIENT_ID = 'b4f6c1d2-9e8a-4f3b-8c7d-1a2b3c4d5e6f';
/** The Entra app registration used for Graph application access in the sandbox. */
export const DEMO_GRAPH_APP = { clientId: 'c5a7d2e3-0f9b-4a4c-9d8e-2b3c4d5e6f70', clientSecret: 'sandbox-graph-secret' };
/** The EWS service account holding the impersonation role for every demo mailbox. */
export const DEMO_EWS_SERVICE_ACCOUNT = { username: 'svc-c4c-sync@contoso.example', password: 'sandbox-ews-secret' };

export interface DemoUser {
  /** Entra object id (oid claim). */
  oid: string;
  displayName: string;
  email: string;
  /** C4C EmployeeID of the same person. */
  c4cEmployeeId: string;
  role: 'user' | 'admin';
}

export const DEMO_USERS: readonly DemoUser[] = [
  { oid: '0a1b2c3d-0000-4000-8000-000000000001', displayName: 'Anna Berger', email: 'anna.berger@contoso.example', c4cEmployeeId: '8000000011', role: 'admin' },
  { oid: '0a1b2c3d-0000-4000-8000-000000000002', displayName: 'Marco Rossi', email: 'marco.rossi@contoso.example', c4cEmployeeId: '8000000012', role: 'user' },
  { oid: '0a1b2c3d-0000-4000-8000-000000000003', displayName: 'Priya Natarajan', email: 'priya.natarajan@contoso.example', c4cEmployeeId: '8000000013', role: 'user' },
];
