/**
 * The c4codataapi entities this project reads and writes, with the exact property names of the EDMX
 * (the project's copy `test/emulators/c4c/c4codataapi.edmx`; see c4c-odata.md §3 and the spelling pitfalls of §16).
 * Only the properties we use are declared; the server sends many more and they pass through untyped.
 *
 * Value conventions after `normalizeEntity` (odata-json.ts):
 * - Edm.DateTime / Edm.DateTimeOffset: ISO 8601 string (`IsoDate`) or null;
 * - Edm.Guid: dashed upper-case string or null; Edm.Decimal: string; empty strings stay `""`;
 * - deferred navigations are absent; expanded to-many navigations are arrays.
 */
import type { C4cEntityBase } from './odata-json';

/** ISO 8601 instant produced from C4C's `/Date(ms)/`. */
export type IsoDate = string;

interface Tracked {
  ETag?: IsoDate | null;
  EntityLastChangedOn?: IsoDate | null;
}

// ---------------------------------------------------------------------------------------------- business partners

export interface CorporateAccount extends C4cEntityBase, Tracked {
  AccountID: string;
  UUID?: string | null;
  ExternalID?: string;
  RoleCode?: string;
  LifeCycleStatusCode?: string;
  Name: string;
  AdditionalName?: string;
  BusinessPartnerFormattedName?: string;
  CountryCode?: string;
  City?: string;
  Street?: string;
  Phone?: string;
  Mobile?: string;
  Email?: string;
  WebSite?: string;
  OwnerID?: string;
  OwnerUUID?: string | null;
  CreationOn?: IsoDate | null;
  ChangedOn?: IsoDate | null;
  CorporateAccountHasContactPerson?: CorporateAccountHasContactPerson[];
}

export interface CorporateAccountHasContactPerson extends C4cEntityBase, Tracked {
  ParentObjectID?: string;
  AccountID?: string;
  ContactID: string;
  ContactFormattedName?: string;
  MainIndicator?: boolean;
  JobTitle?: string;
  Email?: string;
  Phone?: string;
}

export interface Contact extends C4cEntityBase, Tracked {
  ContactID: string;
  ContactUUID?: string | null;
  ExternalID?: string;
  StatusCode?: string;
  TitleCode?: string;
  FirstName?: string;
  LastName: string;
  MiddleName?: string;
  /** Formatted name (read-only). */
  Name?: string;
  /** Main account (CorporateAccount.AccountID). */
  AccountID?: string;
  AccountUUID?: string | null;
  AccountFormattedName?: string;
  JobTitle?: string;
  Department?: string;
  Phone?: string;
  Mobile?: string;
  Email?: string;
  EmailInvalidIndicator?: boolean;
  ContactOwnerID?: string;
  CreationOn?: IsoDate | null;
  ChangedOn?: IsoDate | null;
  ContactIsContactPersonFor?: ContactIsContactPersonFor[];
  CorporateAccount?: CorporateAccount;
}

/** Contact ↔ account relationship; carries the per-account work e-mail. */
export interface ContactIsContactPersonFor extends C4cEntityBase, Tracked {
  ParentObjectID?: string;
  ContactID?: string;
  AccountID?: string;
  AccountFormattedName?: string;
  ReverseMainIndicator?: boolean;
  JobTitle?: string;
  Department?: string;
  Email?: string;
  EmailInvalidIndicator?: boolean;
  Phone?: string;
  Mobile?: string;
  CorporateAccount?: CorporateAccount;
}

/** B2C person account. */
export interface IndividualCustomer extends C4cEntityBase, Tracked {
  CustomerID: string;
  UUID?: string | null;
  ExternalID?: string;
  RoleCode?: string;
  LifeCycleStatusCode?: string;
  FirstName?: string;
  LastName: string;
  FormattedName?: string;
  Phone?: string;
  Mobile?: string;
  Email?: string;
  EmailInvalidIndicator?: boolean;
  OwnerID?: string;
  CreationOn?: IsoDate | null;
  ChangedOn?: IsoDate | null;
}

export interface Lead extends C4cEntityBase, Tracked {
  ID: string;
  /** The lead's title. */
  Name: string;
  AccountPartyID?: string;
  AccountPartyUUID?: string | null;
  AccountPartyName?: string;
  ContactID?: string;
  ContactUUID?: string | null;
  ContactName?: string;
  Company?: string;
  ContactFirstName?: string;
  ContactLastName?: string;
  /** The only filterable e-mail property of Lead. */
  ContactEMail?: string;
  /** Not filterable. */
  AccountEMail?: string;
  /** Not filterable. */
  IndividualCustomerEMail?: string;
  ContactPhone?: string;
  ContactMobile?: string;
  QualificationLevelCode?: string;
  UserStatusCode?: string;
  LifeCycleStatusCode?: string;
  OwnerPartyID?: string;
  CreationDateTime?: IsoDate | null;
  LastChangeDateTime?: IsoDate | null;
}

export interface Employee extends C4cEntityBase, Tracked {
  EmployeeID: string;
  UUID?: string | null;
  UserID?: string;
  BusinessPartnerID?: string;
  BusinessPartnerFormattedName?: string;
  FirstName: string;
  LastName: string;
  Email?: string;
  OfficePhoneNumber?: string;
  MobilePhoneNumber?: string;
  TimeZoneCode?: string;
}

/** Read-only, every property filterable (Email included). */
export interface EmployeeBasicData extends C4cEntityBase, Tracked {
  EmployeeID: string;
  EmployeeUUID?: string | null;
  UserID?: string;
  BusinessPartnerID?: string;
  CurrentInternalEmployeeIndicator?: boolean;
  FormattedName?: string;
  FirstName?: string;
  LastName?: string;
  Email?: string;
  Phone?: string;
  Mobile?: string;
  TimeZoneCode?: string;
}

// ---------------------------------------------------------------------------------------------- activities

export interface Appointment extends C4cEntityBase, Tracked {
  ID: string;
  DocumentType?: string;
  Subject?: string;
  LifeCycleStatusCode?: string;
  StartDate?: IsoDate | null;
  StartDatetimeZoneCode?: string;
  EndDate?: IsoDate | null;
  /** Spelled with a lower-case "d" in "datetime" (§16). */
  EnddatetimeZoneCode?: string;
  FullDayIndicator?: boolean;
  Location?: string;
  Priority?: string;
  Category?: string;
  InformationSensitivityCode?: string;
  OrganizerUUID?: string | null;
  OrganizerPartyID?: string;
  OrganizerEmailURI?: string;
  OrganizerPartyName?: string;
  Owner?: string | null;
  OwnerPartyID?: string;
  /** Guid of the main account. */
  Account?: string | null;
  MainAccountPartyID?: string;
  /** Guid of the main contact. */
  PrimaryContact?: string | null;
  MainContactPartyID?: string;
  GroupwareItemID?: string;
  RecurrenceActGroupwareID?: string;
  OccurrenceDate?: IsoDate | null;
  DataOriginTypeCode?: string;
  CreatedOn?: IsoDate | null;
  LastChangeDateTime?: IsoDate | null;
  AppointmentInvolvedParties?: AppointmentInvolvedParties[];
}

export interface AppointmentInvolvedParties extends C4cEntityBase {
  ETag?: IsoDate | null;
  ParentObjectID?: string;
  /** The appointment's human ID, not the party's (§16). */
  ID?: string;
  PartyID?: string;
  RoleCode: string;
  RoleCategoryCode?: string;
  PartyTypeCode?: string;
  MainIndicator?: boolean;
  PartyUUID?: string | null;
  PartyEmailURI?: string;
  PartyName?: string;
  /** Read-only, derived from the resolved party. */
  EMail?: string;
  Name?: string;
}

export interface Tasks extends C4cEntityBase, Tracked {
  ID: string;
  DocumentType?: string;
  Subject?: string;
  Status?: string;
  StartDateTime?: IsoDate | null;
  StartDatetimeZoneCode?: string;
  DueDateTime?: IsoDate | null;
  DueDatetimeZoneCode?: string;
  CompletionDateTime?: IsoDate | null;
  CompletionPercent?: string;
  PriorityCode?: string;
  Category?: string;
  MainEmployeeResponsiblePartyID?: string;
  MainAccountPartyID?: string;
  MainContactPartyID?: string;
  ProcessorPartyID?: string;
  /** Read-only name strings on Tasks (Guids are AccountUUID / PrimaryContactUUID). */
  Account?: string;
  PrimaryContact?: string;
  AccountUUID?: string | null;
  PrimaryContactUUID?: string | null;
  OwnerUUID?: string | null;
  DataOriginTypeCode?: string;
  LastChangeDateTime?: IsoDate | null;
  TasksInvolvedParties?: TasksInvolvedParties[];
}

export interface TasksInvolvedParties extends C4cEntityBase {
  ETag?: IsoDate | null;
  ParentObjectID?: string;
  TaskID?: string;
  PartyID?: string;
  PartyName?: string;
  RoleCode?: string;
  PartyTypeCode?: string;
  MainIndicator?: boolean;
  PartyEmailURI?: string;
  PartyUUID?: string | null;
  EMail?: string;
}

export interface EMail extends C4cEntityBase, Tracked {
  ID: string;
  Subject?: string;
  Status?: string;
  Category?: string;
  PriorityCode?: string;
  DateTime?: IsoDate | null;
  /** Spelled as in the EDMX (§16). */
  DateTimetimeZoneCode?: string;
  TransmissionStatusCode?: string;
  /** `2` inbound, `3` outbound. */
  Direction?: string;
  DocumentType?: string;
  DataOriginTypeCode?: string;
  TicketID?: string;
  OwnerPartyID?: string;
  OwnerUUID?: string | null;
  Account?: string | null;
  MainAccountPartyID?: string;
  AccountName?: string;
  PrimaryContact?: string | null;
  MainContactPartyID?: string;
  PrimaryContactName?: string;
  MessageFromEmailURI?: string;
  MessageFromName?: string;
  MessageFromPartyID?: string;
  MessageFromPartyUUID?: string | null;
  MessageFromPartyName?: string;
  /** Dedup / link key (the Exchange item's identity). */
  GroupwareItemID?: string;
  UUID?: string | null;
  LastChangeDateTime?: IsoDate | null;
  EMailToRecipients?: EMailToRecipients[];
  EMailCcRecipients?: EMailCcRecipients[];
  EMailNotes?: EMailNotes[];
  EMailAttachments?: EMailAttachments[];
  EMailBTDReference?: EMailBTDReference[];
}

export interface EMailToRecipients extends C4cEntityBase {
  ETag?: IsoDate | null;
  ParentObjectID?: string;
  /** The e-mail activity's human ID. */
  EMailParentID?: string;
  PartyID?: string;
  PartyUUID?: string | null;
  Name?: string;
  /** Here: the recipient's address (§16). */
  EMailID?: string;
  MessageToEmailID?: string;
  MessageToName?: string;
}

export interface EMailCcRecipients extends C4cEntityBase {
  ETag?: IsoDate | null;
  ParentObjectID?: string;
  EMailParentID?: string;
  PartyID?: string;
  PartyUUID?: string | null;
  Name?: string;
  EMailID?: string;
  MessageCCEMailID?: string;
  MessageCCName?: string;
}

export interface EMailNotes extends C4cEntityBase, Tracked {
  ParentObjectID?: string;
  /** Here: the parent e-mail activity's human ID (§16). */
  EMailID?: string;
  /** `10002` = body text. */
  TypeCode?: string;
  Text?: string;
  LanguageCode?: string;
  AuthorName?: string;
  CreatedOn?: IsoDate | null;
  UpdatedOn?: IsoDate | null;
}

export interface EMailAttachments extends C4cEntityBase {
  ETag?: IsoDate | null;
  ParentObjectID?: string;
  EMailID?: string;
  Name?: string;
  MimeType?: string;
  /** `2` = document. Mandatory on create. */
  CategoryCode: string;
  TypeCode?: string;
  /** Base64; creatable only, usually not returned on reads. */
  Binary?: string;
  DocumentLink?: string;
  LinkWebURI?: string;
  UUID?: string | null;
  CreatedOn?: IsoDate | null;
}

export interface EMailBTDReference extends C4cEntityBase {
  ETag?: IsoDate | null;
  ParentObjectID?: string;
  EMailID?: string;
  /** The referenced document's ID (opportunity, ticket, lead …). */
  ID?: string;
  TypeCode?: string;
  RoleCode?: string;
}

export interface PhoneCall extends C4cEntityBase, Tracked {
  ID: string;
  Subject?: string;
  Status?: string;
  StartDateTime?: IsoDate | null;
  StartDateTimeZoneCode?: string;
  EndDateTime?: IsoDate | null;
  EndDatetimeZoneCode?: string;
  InitiatorCode?: string;
  Category?: string;
  Priority?: string;
  DocumentType?: string;
  OrganizerPartyID?: string;
  OwnerPartyID?: string;
  Account?: string | null;
  MainAccountPartyID?: string;
  PrimaryContact?: string | null;
  MainContactPartyID?: string;
  GroupwareItemID?: string;
  UUID?: string | null;
  DataOriginTypeCode?: string;
  LastChangeDateTime?: IsoDate | null;
}

// ---------------------------------------------------------------------------------------------- related items

export interface Opportunity extends C4cEntityBase, Tracked {
  ID: string;
  Name: string;
  ProspectPartyID?: string;
  ProspectPartyName?: string;
  PrimaryContactPartyID?: string;
  PrimaryContactPartyName?: string;
  LifeCycleStatusCode?: string;
  SalesCyclePhaseCode?: string;
  ProbabilityPercent?: string;
  ExpectedRevenueAmount?: string;
  ExpectedRevenueAmountCurrencyCode?: string;
  MainEmployeeResponsiblePartyID?: string;
  MainEmployeeResponsiblePartyName?: string;
  CreationDateTime?: IsoDate | null;
  LastChangeDateTime?: IsoDate | null;
}

/** A ticket. */
export interface ServiceRequest extends C4cEntityBase, Tracked {
  ID: string;
  Name?: string;
  ProcessingTypeCode?: string;
  ServicePriorityCode?: string;
  ServiceRequestLifeCycleStatusCode?: string;
  ServiceRequestUserLifeCycleStatusCode?: string;
  BuyerPartyID?: string;
  BuyerPartyName?: string;
  BuyerMainContactPartyID?: string;
  BuyerMainContactPartyName?: string;
  ProcessorPartyID?: string;
  ProcessorPartyName?: string;
  CreationDateTime?: IsoDate | null;
  LastChangeDateTime?: IsoDate | null;
}

/** Entity set → entity type, so `client.read('EMailCollection', id)` is typed. */
export interface C4cEntitySets {
  CorporateAccountCollection: CorporateAccount;
  CorporateAccountHasContactPersonCollection: CorporateAccountHasContactPerson;
  ContactCollection: Contact;
  ContactIsContactPersonForCollection: ContactIsContactPersonFor;
  IndividualCustomerCollection: IndividualCustomer;
  LeadCollection: Lead;
  EmployeeCollection: Employee;
  EmployeeBasicDataCollection: EmployeeBasicData;
  AppointmentCollection: Appointment;
  AppointmentInvolvedPartiesCollection: AppointmentInvolvedParties;
  TasksCollection: Tasks;
  TasksInvolvedPartiesCollection: TasksInvolvedParties;
  EMailCollection: EMail;
  EMailToRecipientsCollection: EMailToRecipients;
  EMailCcRecipientsCollection: EMailCcRecipients;
  EMailNotesCollection: EMailNotes;
  EMailAttachmentsCollection: EMailAttachments;
  EMailBTDReferenceCollection: EMailBTDReference;
  PhoneCallCollection: PhoneCall;
  OpportunityCollection: Opportunity;
  ServiceRequestCollection: ServiceRequest;
}

export type KnownEntitySet = keyof C4cEntitySets;

/** The entity type of a set; unknown sets give the bare base (ObjectID + metadata) plus open properties. */
export type EntityOf<S extends string> = S extends KnownEntitySet ? C4cEntitySets[S] : C4cEntityBase & Record<string, unknown>;

// ---------------------------------------------------------------------------------------------- create payloads

/** Properties the server fills in; never sent on create. */
type ServerManaged = '__metadata' | 'ObjectID' | 'ETag' | 'EntityLastChangedOn';

/** A writable payload: the entity's own properties (all optional), children replaced by their payloads. */
export type CreatePayload<T, Children extends keyof T = never> = Partial<Omit<T, ServerManaged | Children>>;

export type EMailToRecipientCreate = CreatePayload<EMailToRecipients, 'EMailParentID' | 'ParentObjectID'>;
export type EMailCcRecipientCreate = CreatePayload<EMailCcRecipients, 'EMailParentID' | 'ParentObjectID'>;
export type EMailNoteCreate = CreatePayload<EMailNotes, 'EMailID' | 'ParentObjectID' | 'CreatedOn' | 'UpdatedOn'>;
export type EMailAttachmentCreate = CreatePayload<EMailAttachments, 'EMailID' | 'ParentObjectID' | 'UUID' | 'CreatedOn'> & {
  CategoryCode: string;
};
export type EMailBTDReferenceCreate = CreatePayload<EMailBTDReference, 'EMailID' | 'ParentObjectID'>;

/** Deep insert of an E-Mail activity (c4c-odata.md §14 step 4). */
export type EMailCreate = CreatePayload<
  EMail,
  'ID' | 'TicketID' | 'EMailToRecipients' | 'EMailCcRecipients' | 'EMailNotes' | 'EMailAttachments' | 'EMailBTDReference'
> & {
  EMailToRecipients?: EMailToRecipientCreate[];
  EMailCcRecipients?: EMailCcRecipientCreate[];
  EMailNotes?: EMailNoteCreate[];
  EMailAttachments?: EMailAttachmentCreate[];
  EMailBTDReference?: EMailBTDReferenceCreate[];
};

export type AppointmentInvolvedPartyCreate = CreatePayload<AppointmentInvolvedParties, 'ParentObjectID' | 'ID' | 'EMail' | 'Name' | 'RoleCategoryCode'> & {
  RoleCode: string;
};

export type AppointmentCreate = CreatePayload<Appointment, 'ID' | 'CreatedOn' | 'AppointmentInvolvedParties'> & {
  AppointmentInvolvedParties?: AppointmentInvolvedPartyCreate[];
};

export type TasksCreate = CreatePayload<Tasks, 'ID' | 'Account' | 'PrimaryContact' | 'TasksInvolvedParties'> & {
  TasksInvolvedParties?: Array<CreatePayload<TasksInvolvedParties, 'ParentObjectID' | 'TaskID' | 'EMail'>>;
};

export type PhoneCallCreate = CreatePayload<PhoneCall, 'ID'>;
export type ContactCreate = CreatePayload<Contact, 'Name' | 'AccountFormattedName' | 'ContactIsContactPersonFor' | 'CorporateAccount' | 'ContactUUID' | 'ExternalID' | 'CreationOn' | 'ChangedOn'> & {
  LastName: string;
};
export type LeadCreate = CreatePayload<Lead, 'ID' | 'LifeCycleStatusCode' | 'CreationDateTime' | 'LastChangeDateTime' | 'AccountPartyName' | 'ContactName'> & {
  Name: string;
};

/** Create payload per entity set; unknown sets take any JSON object. */
export interface C4cCreatePayloads {
  EMailCollection: EMailCreate;
  EMailToRecipientsCollection: EMailToRecipientCreate & { ParentObjectID: string };
  EMailCcRecipientsCollection: EMailCcRecipientCreate & { ParentObjectID: string };
  EMailNotesCollection: EMailNoteCreate & { ParentObjectID: string };
  EMailAttachmentsCollection: EMailAttachmentCreate & { ParentObjectID: string };
  EMailBTDReferenceCollection: EMailBTDReferenceCreate & { ParentObjectID: string };
  AppointmentCollection: AppointmentCreate;
  AppointmentInvolvedPartiesCollection: AppointmentInvolvedPartyCreate & { ParentObjectID: string };
  TasksCollection: TasksCreate;
  PhoneCallCollection: PhoneCallCreate;
  ContactCollection: ContactCreate;
  LeadCollection: LeadCreate;
}

export type CreateBodyOf<S extends string> = S extends keyof C4cCreatePayloads ? C4cCreatePayloads[S] : Record<string, unknown>;

/** PATCH payload: any subset of the entity's properties. */
export type UpdateBodyOf<S extends string> = S extends KnownEntitySet
  ? Partial<Omit<C4cEntitySets[S], ServerManaged>>
  : Record<string, unknown>;
