/**
 * The one shape of the product's prose: every sentence a page, an email, the digest or a CSV
 * header says, per surface. Each locale (i18n/zh-CN.ts, i18n/en.ts) is a `Catalog`, so a string
 * missing from one fails to compile. Terms (stages, roles, outcomes…) are not written here: each
 * locale takes them from domain/vocabulary.ts. Dates, numbers and yuan are written by
 * i18n/format.ts.
 */
import type { ActivitySummaryForEmail } from '../domain/activity';
import type { ActivityEmailPurpose, CycleEmailMessage, CycleEmailPurpose, EmailMessage } from '../domain/emails';
import type { Locale, Party, Stage } from '../domain/vocabulary';

export type StepName = 'approval' | 'venueRequest' | 'supervisionFeedback';
export type ActionName = 'approve' | 'reject' | 'requestChanges' | 'accept' | 'decline' | 'submit';

/** The action-link pages (approval, venue request, supervision feedback) and the shared page chrome. */
export interface LinkPagesProse {
  lang: string;
  siteName: string;
  otherLanguage: { label: string; lang: Locale };
  labels: {
    activity: string;
    theme: string;
    compound: string;
    time: string;
    venue: string;
    capacity: string;
    budget: string;
    volunteersNeeded: string;
    description: string;
    venueNeed: string;
    candidateMerchants: string;
    pointsRules: string;
    plan: string;
    round: string;
    stage: string;
    dueAt: string;
    comment: string;
  };
  venueNeed: { community: (name: string, hours: number) => string; merchant: (hours: number) => string };
  pointsRules: (attendance: number, perHour: number, familyLearning: number) => string;
  people: (n: number) => string;
  money: (yuan: number) => string;
  stages: Record<Stage, string>;
  steps: Record<StepName, { heading: string; ask: (venueName: string, hours: number) => string }>;
  actions: Record<ActionName, string>;
  outcomes: Record<string, string>;
  form: {
    noticeGetIsSafe: string;
    approvalComment: string;
    venueNote: string;
    feedbackComment: string;
    ratings: { organisation: string; participation: string; effect: string };
    ratingHint: string;
    /**
     * The legend over the choice an approval or a venue request asks for: radio buttons with none
     * chosen beforehand, so a mail scanner that presses the first button decides nothing.
     */
    choose: { approval: string; venueRequest: string };
    /** The one submit button under that choice. */
    send: string;
  };
  state: { heading: string; open: string; waitingFor: (who: string) => string };
  recorded: (outcome: string, by: string, at: string) => string;
  pages: {
    success: { title: string; body: string };
    already: { title: string; body: string };
    closed: { title: string; body: (stage: string) => string };
    invalid: { title: string; body: string };
    expired: { title: string; body: string; button: string };
    refreshSent: { title: string; body: string };
    notFound: { title: string; body: string };
    forbidden: { title: string; body: string };
    notAllowed: { title: string; body: string };
    /** A grid worker since moved to another compound opens a link of the former one. */
    notYours: { title: string; body: string };
    badForm: { title: string };
    rateLimited: { title: string; body: string };
    tooLarge: { title: string; body: string };
    error: { title: string; body: string };
    unavailable: { title: string; body: string };
  };
  validation: {
    commentRequired: string;
    ratingsRequired: string;
    unknownAction: string;
    /** A POST with no choice: names the choices the form offers (their labels). */
    choiceRequired: (choices: readonly string[]) => string;
    tooLong: string;
  };
  when: (iso: string) => string;
  range: (startIso: string, endIso: string) => string;
}


/** The families' and volunteers' self-service pages (/s/, /q/). */
export interface SelfServiceProse {
  hello: (name: string) => string;
  labels: { activity: string; compound: string; time: string; state: string; placesLeft: string; members: string };
  register: {
    heading: string;
    intro: string;
    membersLabel: string;
    button: string;
    cancelButton: string;
    notRegistered: string;
    registered: (members: number) => string;
    waitlisted: (members: number, position: number) => string;
    cancelled: string;
    doneRegistered: string;
    doneWaitlisted: string;
    already: string;
    cancelDone: string;
    nothingToCancel: string;
    closed: string;
    /** Why registration is closed when the activity's stage says so (the domain's reasons; 'over' is `closed`). */
    notApprovedYet: string;
    planRejected: string;
    activityCancelled: string;
    /** The state of a registration the activity's rejection or cancellation gave up. */
    released: string;
    membersInvalid: string;
    tooMany: (capacity: number) => string;
  };
  checkIn: {
    heading: string;
    intro: string;
    button: string;
    checkOutButton: string;
    notYet: (opensAt: string) => string;
    closedNow: string;
    done: (at: string) => string;
    already: (at: string) => string;
    checkedOut: (at: string) => string;
    notCheckedIn: string;
  };
  card: { title: string; body: string };
  ask: {
    heading: string;
    intro: string;
    email: string;
    button: string;
    sentTitle: string;
    sentBody: string;
  };
  notice: string;
  pages: {
    invalid: { title: string; body: string };
    expiredRegister: { title: string; body: string };
    expiredCheckIn: { title: string; body: string };
    notFound: { title: string; body: string };
    forbidden: { title: string; body: string };
    badAction: string;
  };
  /** Issue 11: one-step registration from the family's own link. */
  oneStep: {
    venue: string;
    description: string;
    /** Places left beside the queue's length, from one count. */
    placesLeft: (left: number, waiting: number) => string;
    /** A family in the queue: its place in it, under this label. */
    queueLabel: string;
    queuePlace: (position: number) => string;
    /** Just waitlisted because no place is left at all. */
    waitlistedFull: (position: number) => string;
    /** Just waitlisted because the places left are fewer than the family's members. */
    waitlistedTooFew: (left: number, members: number, position: number) => string;
    /** Registered: the confirmation email is on its way. */
    registeredMailed: string;
    /** Registered, but the mail server did not take the confirmation yet: it is sent later. */
    registeredMailLater: string;
    /** Cancel stands beside a short reminder of what it does. */
    cancelHint: string;
    /** The member count is a choice with no default (a mail scanner submitting the form as it is registers nobody). */
    membersChoice: (n: number) => string;
    chooseMembers: string;
    /** Cancelling needs its own tick first (so a scanner pressing the button cancels nothing). */
    cancelConfirm: string;
    cancelConfirmMissing: string;
  };
}


/** The staff pages: sign-in, the dashboard, the cycle report. */
export interface DashboardProse {
  title: string;
  nav: {
    home: string;
    leaderboard: string;
    /** Property managers and coordinators: their activities by stage (api/activities/pages.ts). */
    myActivities: string;
    /** Coordinators only: the API tokens page. */
    tokens: string;
    signOut: string;
    signedInAs: (name: string, role: string) => string;
  };
  roles: Record<Party, string>;
  pendingActions: Record<string, string>;
  decisionKinds: Record<string, string>;
  outcomes: Record<string, string>;
  emailPurposes: Record<string, string>;
  home: {
    heading: string;
    waiting: string;
    waitingNone: string;
    cycle: (id: string) => string;
    activities: (n: number) => string;
    noActivities: string;
    report: string;
    scopeCompound: (compound: string) => string;
    columns: { activity: string; compound: string; startsAt: string; stage: string; progress: string; who: string; what: string; since: string; due: string };
    overdue: string;
    truncated: string;
    /** The overview's page links: every activity is on some page, none left out. */
    pager: { previous: string; next: string; page: (page: number, pages: number, total: number) => string };
  };
  activity: {
    cycle: string;
    executionStatus: string;
    temporal: string;
    openInTemporal: string;
    /** Beside the Temporal UI link (coordinators only): that UI asks no one to sign in. */
    temporalNoSignIn: string;
    /** A step failed for good and waits (status.attention): what, why, when it is tried again. */
    needsAttention: (step: string, error: string, retryAt: string) => string;
    retryNow: string;
    /** The overview's badge for a stuck activity. */
    needsAttentionBadge: string;
    retryAsked: string;
    /** The workflow's steps, as staff read them. */
    steps: Record<string, string>;
    waiting: string;
    timeline: string;
    stageStarted: (stage: string) => string;
    until: string;
    ongoing: string;
    by: string;
    emailsTo: (purpose: string, n: number) => string;
    pendingEmail: string;
    /** The relay turned it away for now; the retrier tries again at `next`. */
    retryingEmail: (reason: string, next: string) => string;
    /** Refused for good, or out of retries. */
    refusedEmail: (reason: string) => string;
    attendance: string;
    window: string;
    tally: (participants: number, families: number, volunteers: number, hours: number) => string;
    noCheckIns: string;
    checkInColumns: { who: string; kind: string; members: string; method: string; at: string };
    personKinds: { family: string; volunteer: string };
    methods: Record<string, string>;
    points: string;
    pointsColumns: { holder: string; rule: string; amount: string; at: string };
    pointsRules: Record<string, string>;
    noPoints: string;
    pointsTotal: (n: number) => string;
    feedback: string;
    feedbackMissing: string;
    feedbackNotYet: string;
    ratings: string;
  };
  leaderboard: {
    heading: string;
    intro: string;
    all: string;
    columns: { rank: string; family: string; compound: string; balance: string; earned: string };
    empty: string;
  };
  report: {
    heading: (name: string) => string;
    final: string;
    provisional: (asOf: string) => string;
    period: string;
    compounds: string;
    keyFigures: string;
    figures: {
      held: string;
      participants: string;
      average: string;
      families: string;
      familiesEarned: string;
      pointsAwarded: string;
      sponsorship: string;
      venueHours: string;
      merchants: string;
      volunteerHours: string;
      feedback: string;
      milestones: string;
      pointsOutsideActivities: string;
      couponsUsed: string;
    };
    tables: Record<'summary' | 'activities' | 'families' | 'volunteers' | 'merchants' | 'sponsorships' | 'milestones' | 'coupons', string>;
    values: Record<string, string>;
    csv: string;
    printHint: string;
    empty: string;
  };
  cycles: {
    period: string;
    compounds: string;
    milestones: string;
    milestonesDone: (done: number, all: number) => string;
    states: Record<'done' | 'late' | 'overdue' | 'pending', string>;
    closed: string;
  };
  signIn: {
    heading: string;
    intro: string;
    email: string;
    send: string;
    sentTitle: string;
    sentBody: string;
    again: string;
    linkTitle: string;
    linkBody: (name: string) => string;
    linkButton: string;
    usedTitle: string;
    usedBody: string;
    expiredTitle: string;
    expiredBody: string;
    invalidTitle: string;
    invalidBody: string;
    signedOut: string;
    unknownStaffTitle: string;
    unknownStaffBody: string;
  };
  errors: {
    forbiddenTitle: string;
    forbidden: { otherCompound: string; report: string; points: string; noCompound: string; coordinatorOnly: string };
    notFoundTitle: string;
    notFoundBody: string;
    unauthorisedTitle: string;
    unauthorisedBody: string;
  };
  count: (n: number) => string;
  // ---- API tokens page (/dashboard/tokens) --------------------------------------------------
  tokens: TokenPagesProse;
  // ---- end of API tokens page ---------------------------------------------------------------
}

/** The coordinator's API tokens page: issue a token to a member of staff, list and revoke them. */
export interface TokenPagesProse {
  heading: string;
  intro: string;
  issueHeading: string;
  staff: string;
  chooseStaff: string;
  label: string;
  labelHint: string;
  issue: string;
  listHeading: string;
  none: string;
  columns: { staff: string; label: string; created: string; lastUsed: string; state: string };
  /** "created at, by whom". */
  createdBy: (at: string, by: string) => string;
  neverUsed: string;
  active: string;
  revokedBy: (at: string, by: string) => string;
  revoke: string;
  errors: { heading: string; staffRequired: string; staffUnknown: string; labelRequired: string; labelTooLong: (max: number) => string; labelUnsafe: string };
  issued: {
    title: string;
    body: (staff: string, label: string) => string;
    warning: string;
    usage: string;
    back: string;
  };
  confirm: {
    title: string;
    body: (label: string, staff: string) => string;
    button: string;
    cancel: string;
    already: (at: string) => string;
  };
  revokedNotice: (label: string, staff: string) => string;
}

/** The landing page at `/`: what the product is and where each person goes. */
export interface HomePageProse {
  title: string;
  intro: string;
  staffHeading: string;
  staffBody: string;
  signIn: string;
  familiesHeading: string;
  familiesBody: string;
  merchantsHeading: string;
  merchantsBody: string;
  scriptsNote: string;
  apiDocs: string;
}


// ---- the property manager's activity pages (issue 10: my activities, the plan forms, the activity's actions) ----

/** A field of the activity forms (api/activities/pages.ts): its label, and a hint when it needs one. */
export type ActivityFormField =
  | 'cycleId'
  | 'compound'
  | 'theme'
  | 'title'
  | 'description'
  | 'startsAt'
  | 'endsAt'
  | 'capacity'
  | 'venueKind'
  | 'venueName'
  | 'venueHours'
  | 'candidateMerchants'
  | 'volunteersNeeded'
  | 'attendancePoints'
  | 'perHourPoints'
  | 'familyLearningPoints'
  | 'budget'
  | 'reason';

/** My activities, the forms that start, revise, move and cancel an activity, and the activity page's actions. */
export interface ActivityPagesProse {
  mine: {
    heading: string;
    intro: string;
    empty: string;
    newActivity: string;
    waitsOn: (who: string, what: string) => string;
    due: (when: string) => string;
    nobodyWaits: string;
    ended: string;
  };
  form: {
    newHeading: string;
    reviseHeading: (title: string) => string;
    rescheduleHeading: (title: string) => string;
    cancelHeading: (title: string) => string;
    newIntro: string;
    reviseIntro: string;
    rescheduleIntro: string;
    cancelIntro: string;
    labels: Record<ActivityFormField, string>;
    date: string;
    time: string;
    beijingTime: string;
    venueKinds: { community: string; merchant: string };
    candidate: (n: number) => string;
    noCandidate: string;
    candidatesHint: string;
    pointsHint: string;
    noOpenCycle: string;
    errorsHeading: string;
    submit: { start: string; revise: string; reschedule: string; cancel: string };
    back: string;
  };
  actions: {
    heading: string;
    revise: string;
    reschedule: string;
    cancel: string;
    volunteerHeading: string;
    volunteer: string;
    noVolunteers: string;
    signUp: string;
    signedUp: (names: string) => string;
    linksHeading: string;
    sendRegistration: (families: number) => string;
    issueCheckIn: (families: number, volunteers: number) => string;
    linksIssuedTitle: string;
    linksEmailed: (n: number) => string;
    linksListed: string;
    linkColumns: { who: string; link: string; expires: string };
    noOne: string;
  };
  done: { started: string; existing: string; revised: string; rescheduled: string; cancelled: string; volunteerSignedUp: string; volunteerAlready: string };
  refusedTitle: string;
  /** A refusal that names no field (a closed step, a rule, the directory): the API's code and message, in words. */
  refused: (code: string, message: string) => string;
  /** One field's error in this language: the API's message, as a person reads it beside the field. */
  fieldError: (message: string) => string;
}

/** What one email says, before it becomes text and HTML. */
export interface EmailContent {
  subject: string;
  heading: string;
  paragraphs: string[];
  details: [label: string, value: string][];
  /** A multi-line value shown as a quote: a plan's description, a comment, a reason. */
  quote?: { label: string; body: string };
  action?: { label: string; url: string; notes: string[] };
  /** A family's card: the QR code is the inline image; `code` is printed under it. */
  card?: { label: string; code: string; note: string };
  /** Further links, shown as plain links under the action (e.g. "view or cancel"). */
  links?: { label: string; url: string }[];
  closing: string[];
}

export type MessageOf<P extends ActivityEmailPurpose> = Extract<EmailMessage, { purpose: P }>;
export type EmailBuilders = { [P in ActivityEmailPurpose]: (m: MessageOf<P>, k: EmailKit) => EmailContent };

/** Formatting helpers bound to a locale, handed to each builder. */
export interface EmailKit {
  /** A date and time, e.g. 2026年5月1日 09:00 / 1 May 2026, 09:00. */
  when(iso: string): string;
  /** A start-end range, the date written once when both fall on the same day. */
  range(startIso: string, endIso: string): string;
  lead(ms: number): string;
  num(n: number): string;
  money(yuan: number): string;
  /** The activity's title in the locale's quotation marks. */
  q(title: string): string;
  activity(a: ActivitySummaryForEmail): [string, string][];
  /** The notes under an action button: what the page does, expiry, do not forward. */
  actionNotes(choices: string, expiresIso: string | undefined, untilRoundCloses?: boolean): string[];
}

/** The activity emails: the shared frame and one builder per purpose. */
export interface EmailProse {
  colon: string;
  greeting(name: string): string;
  quote(title: string): string;
  lead(n: number, unit: 'day' | 'hour' | 'minute'): string;
  labels: { activity: string; theme: string; compound: string; time: string; venue: string };
  confirm(choices: string): string;
  expires(when: string): string;
  expiresWithRound: string;
  personal: string;
  rawLink: string;
  signature: string;
  footer: string;
  purposes: EmailBuilders;
}


/** What one cycle email says, before it becomes text and HTML. */
export interface CycleEmailContent {
  subject: string;
  heading: string;
  paragraphs: string[];
  details: [string, string][];
  link: { label: string; url: string };
}

/** Formatting bound to the locale, handed to each cycle-email builder. */
export interface CycleEmailKit {
  when(iso: string): string;
  money(yuan: number): string;
}

/** The incubation cycle's emails: milestone due, milestone overdue, report ready. */
export interface CycleEmailProse {
  colon: string;
  greeting(name: string): string;
  signature: string;
  footer: string;
  build: { [P in CycleEmailPurpose]: (m: Extract<CycleEmailMessage, { purpose: P }>, k: CycleEmailKit) => CycleEmailContent };
}

/** The coordinators' daily digest; `day` is already written, counts are [approvals, overdue, upcoming]. */
export interface DigestProse {
  colon: string;
  greeting(name: string): string;
  subject(day: string, counts: [number, number, number], upcomingDays: number): string;
  heading(day: string): string;
  intro(asOf: string): string;
  sections: { pendingApprovals: string; overdue: string; upcoming(days: number): string; needsAttention: string; undelivered: string };
  /** A stuck activity's line: which step, and the error. */
  stuckStep: (step: string, error: string) => string;
  /** An activity's emails that did not go out. */
  undeliveredCounts: (retrying: number, refused: number) => string;
  none: string;
  due: string;
  starts: string;
  stageLabel: string;
  dashboard: string;
  truncated: string;
  signature: string;
  footer: string;
}

/** The staff sign-in email. */
export interface SignInEmailProse {
  subject: string;
  greeting: (name: string) => string;
  body: (minutes: number, until: string) => string;
  button: string;
  rawLink: string;
  ignore: string;
  signature: string;
}

/** The cycle report's tables (CSV and the dashboard), their column keys in column order. */
export const CSV_COLUMNS = {
  summary: ['figure', 'key', 'value', 'sources'],
  activities: [
    'activityId', 'title', 'theme', 'compound', 'startsAt', 'endsAt', 'outcome', 'participants', 'families', 'volunteers',
    'volunteerHours', 'pointsAwarded', 'venueName', 'venueSource', 'merchantId', 'venueHours', 'approvalRounds',
    'approvalTurnaroundHours', 'approvalEscalated', 'feedback', 'organisation', 'participation', 'effect',
  ],
  families: ['familyId', 'name', 'compound', 'activities', 'pointsEarned', 'pointsRedeemed', 'pointsExpired', 'balance'],
  volunteers: ['volunteerId', 'name', 'activities', 'hours', 'pointsEarned'],
  merchants: ['merchantId', 'name', 'venues', 'venueHours', 'venueActivities', 'sponsorshipCny', 'sponsorships'],
  sponsorships: ['sponsorshipId', 'merchantId', 'merchantName', 'amountCny', 'note', 'recordedAt', 'recordedBy'],
  milestones: ['milestoneId', 'name', 'dueAt', 'doneAt', 'doneBy', 'status', 'notes'],
  // Coupons used per merchant (education rewards: no merchant).
  coupons: ['merchantId', 'name', 'used', 'coupons'],
} as const;

export type CsvTableName = keyof typeof CSV_COLUMNS;

/** The summary table's figures, one line each, in line order. */
export const CSV_SUMMARY_FIGURES = [
  'activities.held', 'activities.cancelled', 'activities.rejected', 'activities.unfinished', 'participants.total',
  'participants.average', 'families.distinct', 'families.earnedPoints', 'points.awarded.total', 'points.awarded.toFamilies',
  'points.awarded.toVolunteers', 'points.redeemed', 'points.expired', 'points.outstanding', 'volunteers.distinct',
  'volunteers.hours', 'merchants.engaged', 'merchants.venuesLent', 'merchants.venueHours', 'sponsorship.totalCny',
  'approvals.medianTurnaroundMs', 'approvals.slowest', 'feedback.averages.organisation', 'feedback.averages.participation',
  'feedback.averages.effect', 'feedback.missing', 'milestones.onTime', 'milestones.late', 'milestones.missed',
  'points.outsideActivities.total', 'points.outsideActivities.familyLearning', 'points.outsideActivities.volunteering',
] as const;

export type CsvSummaryFigure = (typeof CSV_SUMMARY_FIGURES)[number];

/** The words of the report's status cells that are not vocabulary terms (an unfinished activity, a milestone's timeliness…). */
export type ReportValueKey =
  | 'unfinished' | 'onTime' | 'late' | 'missed' | 'pending' | 'received' | 'missing' | 'notApplicable'
  | 'community' | 'merchant' | 'coordinator' | 'true' | 'false'
  | 'education';

/** The cycle report as a file: column headers, the summary's figure names and the status cells' words. */
export interface CsvProse {
  headers: { [T in CsvTableName]: Record<(typeof CSV_COLUMNS)[T][number], string> };
  figures: Record<CsvSummaryFigure, string>;
  values: Record<ReportValueKey, string>;
}

// ---- registrations on the activity page (staff) -----------------------------------------------

export const REGISTRATION_CSV_COLUMNS = ['list', 'position', 'family', 'compound', 'members', 'status', 'registeredAt', 'checkedInAt', 'checkedOutAt', 'hours'] as const;
export type RegistrationCsvColumn = (typeof REGISTRATION_CSV_COLUMNS)[number];

/** The registrations section of the dashboard's activity page, its confirm page and its CSV. */
export interface RegistrationPagesProse {
  heading: string;
  /** "已报名 23 / 30 人，剩余 7 个名额" */
  headcount: (registered: number, capacity: number, placesLeft: number) => string;
  counts: (families: number, waitlisted: number, cancelled: number, checkedIn: number, noShows: number) => string;
  noShowsLater: string;
  lists: { registered: string; waitlisted: string; cancelled: string; noShows: string; volunteers: string };
  statuses: { registered: string; waitlisted: string; cancelled: string; checkedIn: string; noShow: string; signedUp: string; checkedOut: string };
  columns: { position: string; family: string; compound: string; members: string; status: string; registeredAt: string; checkedInAt: string; volunteer: string; checkedOutAt: string; hours: string };
  none: string;
  noVolunteers: string;
  notRecorded: string;
  promote: string;
  promoteHint: string;
  cancel: string;
  confirm: { title: string; body: (family: string, activity: string) => string; yes: string; back: string };
  done: { promoted: (n: number) => string; nonePromoted: string; cancelled: (family: string, promoted: number) => string; notCancelled: (family: string) => string };
  csv: { download: string; lists: { registered: string; waitlisted: string; cancelled: string; volunteers: string }; headers: Record<RegistrationCsvColumn, string> };
}
// ---- staff work pages (issue 10: approvals page, actionable waiting list, venue form) ----------
/** The grid worker's approvals page, the waiting list's buttons and the coordinator's venue form. */
export interface StaffWorkProse {
  nav: string;
  heading: string;
  intro: string;
  waitingNone: string;
  open: string;
  round: (n: number) => string;
  due: string;
  escalated: string;
  past: string;
  pastNone: string;
  columns: { activity: string; round: string; outcome: string; at: string; comment: string };
  notYoursTitle: string;
  notYoursBody: string;
  onlyCoordinatorTitle: string;
  onlyCoordinatorBody: string;
  /** The buttons on the home page's waiting list. */
  buttons: { decide: string; assignVenue: string };
  venue: {
    heading: (title: string) => string;
    intro: string;
    merchant: string;
    merchantNone: string;
    venueName: string;
    venueNameHint: string;
    hours: string;
    send: string;
    fixFields: string;
    closed: string;
    refused: (why: string) => string;
    fields: { venueName: string; hours: string; merchantId: string; other: string };
    errors: { required: string; number: string; tooLong: string; range: string; notOffered: string };
  };
  /** The cycle pages: start a cycle with its milestones, record a milestone done, record a sponsorship. */
  cycle: {
    newLink: string;
    manageLink: string;
    newHeading: string;
    newIntro: string;
    id: string;
    idHint: string;
    name: string;
    periodStart: string;
    periodEnd: string;
    compounds: string;
    milestones: string;
    milestonesHint: string;
    milestoneName: (n: number) => string;
    milestoneDue: (n: number) => string;
    start: string;
    existing: string;
    heading: (name: string) => string;
    milestoneColumns: { name: string; due: string; state: string; by: string };
    markDone: string;
    notes: string;
    noMilestones: string;
    sponsorship: string;
    merchant: string;
    merchantChoose: string;
    amount: string;
    note: string;
    record: string;
    recorded: string;
    milestoneRecorded: (name: string) => string;
    noWorkflow: string;
    onlyCoordinatorTitle: string;
    onlyCoordinatorBody: string;
    fixFields: string;
    errors: { required: string; date: string; endBeforeStart: string; idFormat: string; unique: string; amount: string; tooLong: string };
  };
}
// ---- end of staff work pages ------------------------------------------------------------------
// ---- directory pages (issue 10: api/people/pages.ts) -------------------------------------------

export type DirectoryPageEntity = 'compounds' | 'staff' | 'families' | 'volunteers' | 'merchants' | 'venues';
export type DirectoryPageField = 'id' | 'name' | 'email' | 'role' | 'compoundId' | 'merchantId' | 'locale' | 'members' | 'capacity' | 'active' | 'profession';

/** The directory pages under /dashboard/directory: lists, forms, CSV import and download. */
export interface DirectoryProse {
  nav: string;
  heading: string;
  intro: string;
  entities: Record<DirectoryPageEntity, { title: string; one: string }>;
  /** Form labels, list columns and the downloaded CSV's headers. */
  fields: Record<DirectoryPageField, string>;
  idHint: string;
  locales: Record<Locale, string>;
  none: string;
  search: string;
  searchButton: string;
  results: (shown: number, total: number) => string;
  empty: string;
  add: (one: string) => string;
  edit: string;
  save: string;
  actions: string;
  deactivate: string;
  reactivate: string;
  active: string;
  inactive: string;
  saved: (name: string) => string;
  deactivated: (name: string) => string;
  reactivated: (name: string) => string;
  fixErrors: string;
  venues: string;
  noVenues: string;
  forbiddenTitle: string;
  forbiddenBody: string;
  importCsv: string;
  downloadCsv: string;
  importHeading: (title: string) => string;
  importHint: (headers: string) => string;
  csvText: string;
  previewButton: string;
  previewHeading: string;
  previewNothingWritten: string;
  previewGood: (rows: number, created: number, updated: number) => string;
  previewBad: (rows: number) => string;
  line: (n: number) => string;
  willCreate: string;
  willUpdate: string;
  importButton: string;
  back: string;
  imported: (rows: number, created: number, updated: number) => string;
  errors: {
    required: string;
    tooLong: (max: number) => string;
    outOfRange: string;
    email: string;
    number: string;
    choice: string;
    idFormat: string;
    invalid: string;
    duplicate: string;
    unknownCompound: string;
    unknownMerchant: string;
    otherCompound: string;
  };
}

/** The check-in desk (api/check-in/desk-page.ts) and its client script's sentences. */
export interface CheckInDeskProse {
  /** The link on the activity's staff page. */
  link: string;
  heading: string;
  title: (activity: string) => string;
  window: {
    open: (closesAt: string) => string;
    notOpen: (opensAt: string, startsAt: string) => string;
    closed: (closedAt: string | null) => string;
  };
  counts: { checkedIn: string; registered: string; capacity: string; families: (families: number, people: number) => string; people: (n: number) => string };
  scan: { heading: string; start: string; stop: string; noCamera: string; codeLabel: string; codeHint: string; find: string; noScript: string };
  result: {
    registered: (members: number) => string;
    waitlisted: (members: number) => string;
    notRegistered: string;
    volunteer: string;
    membersPresent: string;
    confirm: string;
    checkOut: string;
    close: string;
    checkedIn: (name: string, members: number) => string;
    already: (at: string, by: string | null) => string;
    checkedOut: (name: string) => string;
    alreadyOut: (at: string) => string;
    familyCreated: (name: string) => string;
  };
  list: { heading: string; search: string; checkIn: string; checkedIn: (at: string) => string; waitlisted: string; empty: string; walkInsHeading: string };
  walkIn: { heading: string; intro: string; searchLabel: string; search: string; noMatch: string; newHeading: string; name: string; email: string; members: string; add: string };
  volunteers: { heading: string; checkIn: string; checkOut: string; in: (at: string) => string; out: (at: string) => string; signedUp: string; none: string };
  queue: { pendingLabel: string; uploaded: string; offline: string; queued: string; signedOut: string };
  errors: {
    notFound: string;
    ambiguous: string;
    otherCompound: string;
    notCheckedIn: string;
    nonceReused: string;
    familyCard: string;
    invalid: string;
    forbidden: string;
    generic: string;
  };
  chooser: { heading: string; intro: string; none: string; back: string };
}

// ---- spending points: the family's page, its card, the counter, the merchant's page, their emails ----

/** The family's own page (/f/), the card behind a QR code (/q/), the rewards counter, the merchants' coupon page and the coupon emails. */
export interface SpendingProse {
  family: {
    title: string;
    hello: (name: string) => string;
    intro: string;
    /** The link line on the /s/ pages. */
    openFromLink: string;
    registrations: {
      heading: string;
      none: string;
      columns: { activity: string; time: string; state: string };
      states: { registered: (members: number) => string; waitlisted: string; cancelled: string; checkedIn: (at: string) => string };
    };
    card: { heading: string; hint: string; code: string; print: string };
    points: {
      heading: string;
      balance: string;
      unit: (n: string) => string;
      history: string;
      none: string;
      columns: { when: string; what: string; points: string };
      /** An award, by rule, for an activity (its title) or none. */
      award: (rule: string, activity: string | undefined) => string;
      /** Staff took an award back. */
      awardReversed: (rule: string, activity: string | undefined) => string;
      redemption: (reward: string) => string;
      refund: (reward: string) => string;
      expiry: string;
      rules: Record<string, string>;
      otherRule: string;
      expiring: { heading: string; none: string; line: (points: string, at: string) => string };
    };
    rewards: {
      heading: string;
      none: string;
      columns: { reward: string; where: string; price: string; stock: string };
      education: string;
      outOfStock: string;
      howTo: string;
    };
    coupons: {
      heading: string;
      none: string;
      columns: { reward: string; code: string; status: string; when: string };
      validUntil: (at: string) => string;
      usedAt: (at: string) => string;
      refundedAt: (at: string) => string;
      expiredAt: (at: string) => string;
    };
    pages: {
      invalid: { title: string; body: string };
      expired: { title: string; body: string };
      notFound: { title: string; body: string };
    };
  };
  /** The page behind a QR card (shown to anyone: the name, the code, the QR; nothing else). */
  qrCard: { title: string; hint: string; notFound: { title: string; body: string } };
  couponStatuses: Record<'issued' | 'used' | 'expired' | 'refunded', string>;
  counter: {
    nav: string;
    heading: string;
    intro: string;
    codeLabel: string;
    codeHint: string;
    find: string;
    notFound: string;
    volunteerCard: string;
    balance: (points: string) => string;
    chooseReward: string;
    rewardLine: (name: string, price: string, stock: number) => string;
    tooExpensive: string;
    outOfStock: string;
    noRewards: string;
    redeem: string;
    issued: (reward: string, code: string, balance: string) => string;
    existing: (reward: string, code: string) => string;
    emailed: (name: string) => string;
    emailPending: string;
    refused: { insufficient: string; outOfStock: string; keyReused: string; unknownReward: string };
    couponsHeading: string;
    noCoupons: string;
    markUsed: string;
    markedUsed: (reward: string, at: string) => string;
    refund: string;
    refundReason: string;
    refunded: (reward: string, balance: string) => string;
    useRefused: Record<'notFound' | 'otherMerchant' | 'notForStaff' | 'alreadyUsed' | 'refunded' | 'expired', string>;
    alreadyUsedAt: (at: string) => string;
    refundRefused: Record<'notFound' | 'alreadyUsed' | 'alreadyRefunded' | 'insufficientPoints', string>;
    reasonRequired: string;
    another: string;
    merchantsLink: string;
  };
  merchants: {
    heading: string;
    intro: string;
    none: string;
    columns: { merchant: string; email: string; action: string };
    send: string;
    sent: (name: string) => string;
    inactive: string;
  };
  merchant: {
    title: string;
    hello: (name: string) => string;
    intro: string;
    codeLabel: string;
    check: string;
    labels: { reward: string; status: string; issuedAt: string; validUntil: string; usedAt: string };
    valid: string;
    notValid: string;
    confirm: string;
    confirmChoice: string;
    /** The form was sent without the confirming choice: nothing was taken. */
    chooseFirst: string;
    use: string;
    used: (reward: string, at: string) => string;
    refused: Record<'notFound' | 'otherMerchant' | 'alreadyUsed' | 'refunded' | 'expired', string>;
    alreadyUsedAt: (at: string) => string;
    pages: { invalid: { title: string; body: string }; expired: { title: string; body: string } };
  };
  couponMail: {
    subject: (reward: string) => string;
    heading: string;
    body: (reward: string, points: string) => string;
    atMerchant: (merchant: string) => string;
    atCounter: string;
    labels: { reward: string; code: string; validUntil: string; balance: string };
    show: string;
    button: string;
    pageExpires: (at: string) => string;
  };
  merchantMail: {
    subject: string;
    heading: string;
    body: string;
    button: string;
    expires: (at: string) => string;
    personal: string;
  };
  /** Shared by both emails. */
  mailChrome: { greeting: (name: string) => string; signature: string; rawLink: string; colon: string };
}

/** Every surface's prose in one locale. */
/** The growth points' own emails (mail/points-templates.ts): the month-ahead expiry notice. */
export interface PointsEmailProse {
  /** `points` and `lastDay` come written (i18n/format.ts). */
  expiringSubject: (points: string, lastDay: string) => string;
  greeting: (name: string) => string;
  expiringBody: (points: string, lastDay: string) => string;
  balance: (balance: string) => string;
  howToUse: string;
  /** The family's own page: balance, history, rewards. */
  familyPage: (url: string) => string;
  signature: string;
}

/** The staff page that awards points outside an activity (api/points/award-page.ts). */
export interface PointsAwardPageProse {
  nav: string;
  heading: string;
  intro: string;
  searchLabel: string;
  searchButton: string;
  results: (n: number) => string;
  noResults: string;
  choose: string;
  compound: string;
  balance: (points: string) => string;
  chosenHeading: (name: string) => string;
  path: string;
  /** The earning paths' words are the vocabulary's (STAFF_AWARD_PATH_TERMS); this is the hint under each. */
  pathHints: { familyLearning: string; volunteering: string };
  points: string;
  pointsHint: (max: number) => string;
  capHint: (cap: string, period: string) => string;
  reason: string;
  reasonHint: string;
  submit: string;
  another: string;
  awarded: (points: string, name: string, path: string, balance: string) => string;
  history: string;
  historyEmpty: string;
  historyColumns: { at: string; what: string; amount: string; note: string };
  entryKinds: { award: string; redemption: string; expiry: string; reversal: string };
  periods: { month: string; year: string };
  errors: {
    heading: string;
    path: string;
    points: (max: number) => string;
    reason: string;
    reasonTooLong: (max: number) => string;
    cap: (cap: string, period: string, earned: string, left: string) => string;
    keyReused: string;
  };
}

export interface Catalog {
  locale: Locale;
  links: LinkPagesProse;
  family: SelfServiceProse;
  dashboard: DashboardProse;
  activityPages: ActivityPagesProse;
  /** The landing page at `/`. */
  home: HomePageProse;
  mail: EmailProse;
  cycleMail: CycleEmailProse;
  digest: DigestProse;
  signIn: SignInEmailProse;
  csv: CsvProse;
  registrations: RegistrationPagesProse;
  staffWork: StaffWorkProse;
  directory: DirectoryProse;
  checkInDesk: CheckInDeskProse;
  pointsMail: PointsEmailProse;
  pointsAward: PointsAwardPageProse;
  /** Spending points: the family's page, the counter, the merchants' coupon page, their emails. */
  spending: SpendingProse;
  /** Outcome evaluation (issue 12): the survey emails, the family's answer page, the coordinator's questionnaire pages. */
  surveys: SurveyProse;
  /** Outcome evaluation's figures: survey rounds, pre/post, their CSV (api/dashboard/evaluation.ts, reports/outcomes-table.ts). */
  evaluation: EvaluationProse;
}

/** Outcome evaluation's words: the invitation and reminder emails, the family's page, the staff pages. */
export interface SurveyProse {
  mail: {
    /** `title` is the questionnaire's, `about` the activity's title or the cycle's name. */
    subject: (purpose: 'surveyInvitation' | 'surveyReminder', title: string) => string;
    greeting: (name: string) => string;
    body: (kind: 'activity' | 'baseline' | 'end', about: string) => string;
    reminderBody: string;
    /** `closesAt` written by i18n/format.ts. */
    closes: (closesAt: string) => string;
    button: string;
    linkExpires: (at: string) => string;
    privacy: string;
    personal: string;
    rawLink: string;
    signature: string;
  };
  family: {
    consentHeading: string;
    agree: string;
    disagree: string;
    submit: string;
    required: string;
    optional: string;
    yes: string;
    no: string;
    /** The scale's ends as the page shows them beside the labels. */
    likertPoint: (n: number, label: string) => string;
    submittedAt: (at: string) => string;
    thanks: string;
    withdrawHeading: string;
    withdrawBody: string;
    withdraw: string;
    withdrawnAt: (at: string) => string;
    nothingToWithdraw: string;
    closedAt: (at: string) => string;
    notYetOpen: string;
    consentRequired: string;
    missingItems: (items: string) => string;
    invalidItems: (items: string) => string;
    pages: {
      invalid: { title: string; body: string };
      expired: { title: string; body: string };
      notFound: { title: string; body: string };
      badForm: { title: string; body: string };
      rateLimited: { title: string; body: string };
      error: { title: string; body: string };
    };
  };
  staff: {
    nav: string;
    heading: string;
    intro: string;
    none: string;
    columns: { name: string; version: string; items: string; rounds: string; created: string };
    versionLabel: (n: number) => string;
    view: string;
    newVersion: string;
    define: string;
    defineIntro: string;
    importHeading: string;
    importIntro: string;
    importLabel: string;
    importButton: string;
    created: (name: string, version: number) => string;
    fields: {
      name: string;
      titleZh: string;
      titleEn: string;
      consentZh: string;
      consentEn: string;
      item: (n: number) => string;
      kind: string;
      kinds: { none: string; likert: string; yesNo: string; choice: string; text: string };
      textZh: string;
      textEn: string;
      required: string;
      labelsZh: string;
      labelsEn: string;
      labelsHint: string;
      optionsZh: string;
      optionsEn: string;
      optionsHint: string;
    };
    addRow: string;
    save: string;
    fixFields: string;
    /** Beside a field the definition refused. */
    checkField: string;
    /** The import's refusal: each field by its path, and what is wrong. */
    importRefused: string;
    onlyCoordinator: { title: string; body: string };
    notFound: { title: string; body: string };
    preview: (version: number) => string;
    previewNote: string;
    cycleHeading: string;
    cycleIntro: string;
    surveyQuestionnaire: string;
    baselineQuestionnaire: string;
    noQuestionnaire: string;
    setQuestionnaires: string;
    questionnairesSet: string;
    roundsHeading: string;
    roundKinds: { activity: string; baseline: string; end: string };
    roundLine: (kind: string, about: string, opens: string, closes: string, invited: string, answered: string) => string;
    noRounds: string;
  };
}

// ---- outcome evaluation's figures (issue 12) ---------------------------------------------------

/** The cycle report's `outcomes` table (CSV), its column keys in column order: aggregates only. */
export const OUTCOME_CSV_COLUMNS = [
  'section', 'round', 'item', 'itemKind', 'invited', 'answered', 'responseRate', 'distribution', 'mean',
  'pairs', 'shareBefore', 'shareAfter', 'meanChange', 'pValue', 'test', 'sources',
] as const;
export type OutcomeCsvColumn = (typeof OUTCOME_CSV_COLUMNS)[number];

/** Survey rounds' response rates and distributions, and a cycle's pre/post comparison, as staff read them. */
export interface EvaluationProse {
  /** The cycle report's section. */
  heading: string;
  /** The activity page's section. */
  surveyHeading: string;
  noRounds: string;
  roundKinds: { activity: string; baseline: string; end: string };
  activityRound: (title: string) => string;
  /** "answered of invited (rate)". */
  responses: (answered: string, invited: string, rate: string) => string;
  responsesLink: string;
  roundColumns: { round: string; questionnaire: string; invited: string; answered: string; rate: string };
  itemKinds: { likert: string; yesNo: string; choice: string; text: string };
  likertMean: (mean: string) => string;
  shareYes: (share: string, yes: string, no: string) => string;
  /** Short-text items: how many answered, and that what they wrote is not shown. */
  textAnswered: (n: string) => string;
  answeredItem: (n: string) => string;
  prePost: string;
  /** How the pairs and the shares are taken (the Likert share is of answers 4 or 5). */
  prePostIntro: (families: string) => string;
  noPrePost: string;
  prePostColumns: { share: string; pairs: string; meanChange: string; pValue: string; test: string };
  /** Fewer than 5 pairs. */
  tooFewPairs: string;
  /** "每周至少一次深度对话：31% → 54%". */
  shareChange: (item: string, before: string, after: string) => string;
  /** Yes/no items' mean change, in percentage points. */
  points: (signed: string) => string;
  tests: { mcnemarExact: string; signExact: string; wilcoxonExact: string; wilcoxonNormal: string };
  noChange: string;
  roundPage: {
    heading: (round: string) => string;
    intro: string;
    columns: { family: string; compound: string; invitedAt: string; answered: string };
    answered: string;
    notAnswered: string;
    none: string;
  };
  csv: {
    link: string;
    headers: Record<OutcomeCsvColumn, string>;
    sections: { round: string; item: string; prePost: string };
  };
}

/**
 * The year report (issue 12): its page, its records pages, its CSV and its charts (the cycle
 * report's charts use `charts` too). Laid out as the source report's chapter 7.
 */
export interface YearReportProse {
  /** The dashboard's link to it. */
  link: string;
  /** Title for a calendar year, or for any other period (its days written by i18n/format.ts). */
  headingYear: (year: number) => string;
  headingPeriod: (from: string, to: string) => string;
  form: { legend: string; from: string; to: string; show: string; thisYear: string; lastYear: string; badPeriod: (field: string) => string };
  computedAt: (asOf: string) => string;
  printHint: string;
  downloads: { pdf: string; csv: string };
  pdfUnavailable: { title: string; body: (path: string) => string };
  sections: { activities: string; families: string; resources: string; outcomes: string; cycles: string };
  figures: {
    held: string;
    averageParticipants: string;
    participants: string;
    familiesRewarded: string;
    familiesAttended: string;
    consultations: string;
    pointsAwarded: string;
    pointsRedeemed: string;
    merchants: string;
    venues: string;
    venueHours: string;
    sponsorship: string;
    volunteerPersonTimes: string;
    volunteerHours: string;
    professionalPersonTimes: string;
    professionalVolunteers: string;
  };
  /** Said where the product keeps no record (family consultations). */
  notRecorded: string;
  /** Said where outcome evaluation has no figures for the period. */
  noOutcomes: string;
  cyclesNone: string;
  cycleReportLink: string;
  charts: {
    participants: { title: string; desc: (activities: number) => string };
    points: { title: string; desc: string; awarded: string; redeemed: string };
    prePost: { title: string; desc: string; before: string; after: string; tooFew: string };
    responseRates: { title: string; desc: string };
  };
  /** A month of the points chart, from YYYY-MM. */
  month: (yearMonth: string) => string;
  records: {
    heading: (figure: string) => string;
    back: string;
    none: string;
    columns: {
      activity: string;
      date: string;
      cycle: string;
      participants: string;
      family: string;
      holder: string;
      kind: string;
      points: string;
      merchant: string;
      venue: string;
      hours: string;
      amount: string;
      volunteer: string;
      profession: string;
      personTimes: string;
    };
    kinds: Record<'award' | 'reversal' | 'redemption', string>;
  };
  csv: {
    tables: Record<'summary' | 'activities' | 'months' | 'merchants' | 'outcomes', string>;
    headers: {
      summary: { figure: string; key: string; value: string };
      activities: { title: string; date: string; cycle: string; participants: string; volunteerPersonTimes: string; volunteerHours: string; venueHours: string };
      months: { month: string; awarded: string; redeemed: string };
      merchants: { name: string; venues: string; venueHours: string; sponsorshipCny: string };
      outcomes: { figure: string; item: string; invited: string; answered: string; pairs: string; shareBefore: string; shareAfter: string; meanChange: string; pValue: string };
    };
  };
}

// Declaration merging: the year report's prose joins the catalog.
export interface Catalog {
  yearReport: YearReportProse;
}
