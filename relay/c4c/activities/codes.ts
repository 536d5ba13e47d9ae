/**
 * C4C code values the sidebar writes. Values seen in real tenants are marked [C]; the rest are SAP's standard
 * business-transaction-document type codes as far as known [U] (tenants can reconfigure code lists).
 */
export const EMAIL_CODES = {
  documentType: '0004', // [C] E-Mail
  category: '0004', // [C] Business E-Mail
  statusCompleted: '3', // [C]
  directionInbound: '2', // [C]
  directionOutbound: '3', // [C]
  transmissionSent: '2', // [C]
  transmissionReceived: '3', // [C]
  dataOriginGroupware: '2', // [C]
  noteTypeBody: '10002', // [C] EMailNotes body text
  attachmentCategoryDocument: '2', // [C]
  attachmentType: '10001', // [C]
} as const;

export const APPOINTMENT_CODES = {
  documentType: '0001', // [C]
  lifeCycleOpen: '1', // [C]
  priorityNormal: '3', // [C]
  sensitivityNormal: '1', // [C]
  dataOriginGroupware: '2', // [C]
  roleAccount: '34', // [C]
  roleOrganizer: '35', // [C]
  roleAttendee: '36', // [C]
  partyTypeBusinessPartner: '147', // [C] contacts, individual customers
  partyTypeAccount: '159', // [C]
  partyTypeEmployee: '167', // [C]
} as const;

/** EMailBTDReference.TypeCode of the related documents the user can pick [U]; RoleCode 1 = predecessor. */
export const RELATED_ITEM_TYPE_CODES = {
  opportunity: '72',
  ticket: '118',
  lead: '2',
} as const;
export const RELATED_ITEM_ROLE_PREDECESSOR = '1';
