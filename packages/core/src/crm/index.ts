/**
 * CRM: customers (`shop.customers`) and what managers do with them
 * (`shop.crm`): calls, notes, tasks, manager assignment of new orders, saved
 * segments and RFM scores.
 *
 * @module
 */
export type { CrmApi } from './crm-module.js'
export { MANAGER_ASSIGNMENT_STRATEGIES } from './crm-config.js'
export type { CrmConfig, CrmManager, ManagerAssignmentStrategy } from './crm-config.js'
export { CALL_DIRECTIONS, CRM_CALL_SOURCES } from './crm-types.js'
export type {
  AddCrmNoteInput,
  CallDirection,
  CreateCrmTaskInput,
  CrmCall,
  CrmCallSource,
  CrmNote,
  CrmRange,
  CrmTask,
  CrmTasksFilter,
  LogCrmCallInput,
  MovedInteractions,
  RfmScore,
  SaveSegmentInput,
  Segment,
  SegmentFilter,
  SegmentMember,
  SegmentMembersPage,
  TimelineInteraction,
} from './crm-types.js'
export type {} from './crm-events.js'
export type { CustomerApi } from './customer-module.js'
export { CUSTOMER_CONTACT_KINDS, CUSTOMER_TIMELINE_KINDS } from './customer-types.js'
export type {
  AddContactOptions,
  ContactConsent,
  CreateCustomerInput,
  Customer,
  CustomersConfig,
  CustomerConsentInput,
  CustomerContact,
  CustomerContactKind,
  CustomerContactRef,
  CustomerMerge,
  CustomerMergeCounts,
  CustomerMergeResult,
  CustomerPage,
  CustomerTimeline,
  CustomerTimelineItem,
  ListCustomersInput,
  TimelineOrder,
  UpdateCustomerInput,
} from './customer-types.js'
export type {} from './customer-events.js'
