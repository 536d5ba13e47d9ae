/**
 * Code values and their descriptions (the `...Text` companions and the value-help sets), taken from the codes
 * seen in real/sandbox responses (docs/c4c-odata.md §4 and fixtures/c4c/samples). Codes not listed get an empty
 * description, as a tenant would for an unknown code.
 */

type CodeTable = Record<string, string>;

const PRIORITY: CodeTable = { '1': 'Immediate', '2': 'Urgent', '3': 'Normal', '7': 'Low' };
const DATA_ORIGIN: CodeTable = { '1': 'Manual Data Entry', '2': 'Groupware' };
const ACTIVITY_LIFECYCLE: CodeTable = { '1': 'Open', '2': 'In Process', '3': 'Completed', '4': 'Canceled' };
const BP_LIFECYCLE: CodeTable = { '1': 'In Preparation', '2': 'Active', '3': 'Blocked', '4': 'Obsolete' };
const PARTY_ROLE: CodeTable = {
  '34': 'Account', '35': 'Organizer', '36': 'Attendee', '39': 'Owner', '50': 'Organizational Unit',
  '1': 'Customer', '14': 'Contact Person', '31': 'Prospect', '142': 'Employee Responsible',
};
const PARTY_ROLE_CATEGORY: CodeTable = {
  '34': 'Activity Party', '35': 'Organizer Party', '36': 'Attendee Party', '39': 'Employee Responsible Party',
  '50': 'Activity Unit Party', '100': 'Other Party',
};
const PARTY_TYPE: CodeTable = { '147': 'Business Partner', '159': 'Account', '167': 'Employee', '410': 'Functional Unit' };
const BTD_TYPE: CodeTable = {
  '12': 'Appointment', '39': 'E-Mail', '72': 'Opportunity', '86': 'Phone Call', '118': 'Ticket', '542': 'Activity Task',
  '2574': 'Memo Activity',
};
const BTD_ROLE: CodeTable = { '1': 'Predecessor', '2': 'Successor', '13': 'Parent' };
const TIME_ZONE: CodeTable = {
  UTC: 'Coordinated Universal Time', CET: '(UTC+01:00) Central Europe', GMTUK: '(UTC+00:00) United Kingdom',
  EST: '(UTC-05:00) Eastern Time (New York, Quebec)', CST: '(UTC-06:00) Central Time (Dallas, Manitoba)',
  PST: '(UTC-08:00) Pacific Time (Los Angeles, Tijuana, Yukon)', AUSACT: 'Australia Capital Territories',
};
const COUNTRY: CodeTable = { DE: 'Germany', US: 'United States', GB: 'United Kingdom', FR: 'France', AT: 'Austria', CH: 'Switzerland' };
const LANGUAGE: CodeTable = { EN: 'English', DE: 'German', FR: 'French', IT: 'Italian' };
const ATTACHMENT_CATEGORY: CodeTable = { '2': 'Document', '3': 'Link' };
const ATTACHMENT_TYPE: CodeTable = { '10001': 'Standard Attachment' };

/** `<EntityType>.<Property>` first, then `<Property>` for codes that mean the same everywhere. */
const BY_TYPE_PROP: Record<string, CodeTable> = {
  'EMail.Status': { '1': 'Open', '2': 'In Process', '3': 'Completed' },
  'Tasks.Status': { '1': 'Open', '2': 'In Process', '3': 'Completed', '4': 'Canceled' },
  'PhoneCall.Status': { '1': 'Open', '2': 'In Process', '3': 'Completed' },
  'EMail.Category': { '0004': 'Business E-Mail' },
  'Appointment.Category': { '0001': 'Customer Visit', '0002': 'Internal Meeting' },
  'Tasks.Category': { '0005': 'Preparation' },
  'PhoneCall.Category': { '0003': 'Customer Call' },
  'Appointment.LifeCycleStatusCode': ACTIVITY_LIFECYCLE,
  'Lead.LifeCycleStatusCode': { '1': 'Open', '2': 'In Process', '3': 'Qualified', '4': 'Accepted', '5': 'Declined' },
  'Opportunity.LifeCycleStatusCode': { '1': 'Open', '2': 'In Process', '3': 'Won', '4': 'Lost', '5': 'Stopped' },
  'CorporateAccount.LifeCycleStatusCode': BP_LIFECYCLE,
  'IndividualCustomer.LifeCycleStatusCode': BP_LIFECYCLE,
  'Contact.StatusCode': BP_LIFECYCLE,
  'CorporateAccount.RoleCode': { CRM000: 'Customer', BUP002: 'Prospect' },
  'IndividualCustomer.RoleCode': { CRM000: 'Customer', BUP002: 'Prospect' },
  'EMailNotes.TypeCode': { '10002': 'Body Text', '10011': 'Internal Comment' },
  'PhoneCallNotes.TypeCode': { '10002': 'Body Text' },
  'AppointmentTextCollection.TypeCode': { '10002': 'Body Text' },
  'TasksTextCollection.TypeCode': { '10002': 'Body Text' },
  'EMailBTDReference.TypeCode': BTD_TYPE,
  'AppointmentBTDReference.TypeCode': BTD_TYPE,
  'TasksBTDReference.TypeCode': BTD_TYPE,
  'PhoneCallBTDReference.TypeCode': BTD_TYPE,
  'EMailBTDReference.RoleCode': BTD_ROLE,
  'AppointmentBTDReference.BTDRoleCode': BTD_ROLE,
  'EMailAttachments.TypeCode': ATTACHMENT_TYPE,
  'ServiceRequest.ServiceRequestLifeCycleStatusCode': { '1': 'Open', '2': 'In Process', '3': 'Completed', '4': 'Closed' },
};

const BY_PROP: Record<string, CodeTable> = {
  Direction: { '2': 'Inbound', '3': 'Outbound' },
  TransmissionStatusCode: { '1': 'Draft', '2': 'Sent', '3': 'Received' },
  DocumentType: { '0001': 'Appointment', '0004': 'E-Mail', '0006': 'Activity Task', '0003': 'Phone Call' },
  PriorityCode: PRIORITY,
  Priority: PRIORITY,
  DataOriginTypeCode: DATA_ORIGIN,
  RoleCode: PARTY_ROLE,
  RoleCategoryCode: PARTY_ROLE_CATEGORY,
  PartyTypeCode: PARTY_TYPE,
  InformationSensitivityCode: { '1': 'Normal', '2': 'Personal', '3': 'Private', '4': 'Confidential' },
  CategoryCode: ATTACHMENT_CATEGORY,
  CountryCode: COUNTRY,
  BusinessAddressCountryCode: COUNTRY,
  LanguageCode: LANGUAGE,
  InitiatorCode: { '1': 'Inbound', '2': 'Outbound' },
};

function tableFor(typeName: string, prop: string): CodeTable | undefined {
  if (BY_TYPE_PROP[`${typeName}.${prop}`]) return BY_TYPE_PROP[`${typeName}.${prop}`];
  if (/TimeZoneCode$|timeZoneCode$/i.test(prop)) return TIME_ZONE;
  return BY_PROP[prop];
}

export function codeText(typeName: string, prop: string, code: unknown): string {
  if (typeof code !== 'string' || code === '') return '';
  return tableFor(typeName, prop)?.[code] ?? '';
}

/** Rows of a value-help set (CodeList: Code, Description). */
export function codeListRows(typeName: string, prop: string): { Code: string; Description: string }[] {
  const t = tableFor(typeName, prop) ?? {};
  return Object.entries(t).map(([Code, Description]) => ({ Code, Description }));
}
