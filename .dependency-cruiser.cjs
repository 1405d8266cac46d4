/**
 * The layer arrows, checked by `npm run lint` (dependency-cruiser).
 *
 *   domain  <-  workflows  <-  activities / api / worker / scripts
 *   domain  <-  db <- reports ; mail (db, mail, reports never reach up into workflows or api)
 *   domain  <-  i18n <- mail / reports / api (the prose of every surface)
 *
 * No violation is tolerated: there is no known-violations list. ARCHITECTURE.md explains the
 * layers.
 */

// Every path below is relative to the repository root (depcruise runs from there).
const SOURCE = '^(workflows|activities|api|worker|config|domain|db|links|mail|reports|scripts|bench|i18n|lib)/';
// Any file of ours (as opposed to npm packages under node_modules/ and Node built-ins).
const PROJECT = '^(workflows|activities|api|worker|config|domain|db|links|mail|reports|scripts|bench|i18n|lib|test)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle makes load order matter and the layers meaningless; break it by moving the shared part down a layer.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment: 'domain/ is the vocabulary every layer shares: it may import domain/ and npm packages (zod), nothing else of ours.',
      from: { path: '^domain/' },
      to: { path: PROJECT, pathNot: '^domain/' },
    },
    {
      name: 'workflows-only-domain',
      severity: 'error',
      comment:
        'Workflow code is bundled into the deterministic Temporal sandbox: it may import values only from workflows/ and ' +
        'domain/ (and npm). `import type` of other layers (e.g. activities, for proxyActivities<typeof ...>) is erased and allowed.',
      from: { path: '^workflows/' },
      to: { path: PROJECT, pathNot: '^(workflows|domain)/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'i18n-only-domain',
      severity: 'error',
      comment:
        'i18n/ is the prose of every surface: it may import domain/ (the terms, the shapes its builders read) and lib/, ' +
        'nothing that renders or stores; mail/, api/ and reports/ pick from it.',
      from: { path: '^i18n/' },
      to: { path: PROJECT, pathNot: '^(i18n|domain|lib)/' },
    },
    {
      name: 'lower-layers-not-up',
      severity: 'error',
      comment: 'db/, mail/ and reports/ serve workflows and the API; they must not know them (types included: move shared types to domain/).',
      from: { path: '^(db|mail|reports)/' },
      to: { path: '^(workflows|api)/' },
    },
    {
      name: 'db-mail-not-reports',
      severity: 'error',
      comment: 'reports/ is built on db/ and mail/ output, not the other way round.',
      from: { path: '^(db|mail)/' },
      to: { path: '^reports/' },
    },
    {
      name: 'db-not-mail',
      severity: 'error',
      comment: 'db/ stores; sending mail is mail/\'s job, composed by activities or the API.',
      from: { path: '^db/' },
      to: { path: '^mail/' },
    },
    {
      name: 'mail-not-activities',
      severity: 'error',
      comment: 'mail/ is below activities/: the outbox names the store it needs (OutboxStore) and activities implement it.',
      from: { path: '^mail/' },
      to: { path: '^activities/' },
    },
    {
      name: 'api-not-worker-or-activities',
      severity: 'error',
      comment: 'The API talks to workflows through the Temporal client; entry points (scripts/, worker/main) compose their own deps.',
      from: { path: '^api/' },
      to: { path: '^(worker|activities)/' },
    },
    {
      name: 'source-not-test',
      severity: 'error',
      comment: 'Production code must not depend on test helpers.',
      from: { path: SOURCE },
      to: { path: '^test/' },
    },
    {
      name: 'api-no-kysely',
      severity: 'error',
      comment: 'SQL belongs in db/ repositories; api/ calls them instead of building queries (types included).',
      from: { path: '^api/' },
      to: { path: '(^|/)node_modules/kysely/' },
    },
  ],
  options: {
    // Record imports of npm packages (kysely) but don't cruise inside them.
    doNotFollow: { path: '(^|/)node_modules/' },
    exclude: { path: '^(dist|coverage|data|test-artifacts|\\.temporal)/' },
    // Resolve like tsc does; also see imports that are erased on compilation (`import type`),
    // so the type-only exceptions above are explicit rather than accidental.
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
