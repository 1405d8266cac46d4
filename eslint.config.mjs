// ESLint flat config. Deliberately small: tsc checks types, dependency-cruiser
// (.dependency-cruiser.cjs) checks which folder may import which. ESLint adds only
// the rules those two can't express.
import tseslint from 'typescript-eslint';

// Node built-ins a workflow must never touch: workflow code runs in Temporal's
// deterministic sandbox, where I/O, clocks and randomness from Node are either
// missing or break replay. `node:*` catches the prefixed form; the list catches bare names.
const NODE_BUILTINS = [
  'assert', 'async_hooks', 'buffer', 'child_process', 'cluster', 'console', 'crypto', 'dgram',
  'dns', 'events', 'fs', 'fs/promises', 'http', 'http2', 'https', 'inspector', 'module', 'net',
  'os', 'path', 'perf_hooks', 'process', 'querystring', 'readline', 'repl', 'stream', 'string_decoder',
  'timers', 'tls', 'tty', 'url', 'util', 'v8', 'vm', 'worker_threads', 'zlib',
];

// Layers a workflow may know only by their types: a value import would pull activity,
// database, mail, HTTP or worker code (and their Node dependencies) into the workflow bundle.
// Activities are reached through proxyActivities<typeof activities>(), which needs only a type.
const NOT_IN_WORKFLOWS = ['activities', 'db', 'mail', 'api', 'reports', 'config', 'worker', 'links'];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'coverage/', 'data/', 'test-artifacts/', '.temporal/'] },

  // Source carries eslint-disable comments for rules this config doesn't turn on (e.g. no-var
  // in `declare global`); they are harmless, so don't warn about them.
  { linterOptions: { reportUnusedDisableDirectives: 'off' } },

  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      // Type-aware: each file is checked with the tsconfig.json that owns it.
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      // A promise nobody awaits loses its error (an unhandled rejection kills the process)
      // and, in a workflow, its ordering. Fire-and-forget must be spelled `void`.
      '@typescript-eslint/no-floating-promises': 'error',
      // `import type` / `{ type X }` is erased at compile time, so a type-only import can't drag
      // a module (and its side effects) into the workflow bundle. Inline `type` markers match the
      // style the tree already uses; `eslint --fix` writes them.
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { prefer: 'type-imports', fixStyle: 'inline-type-imports' },
      ],
    },
  },

  // dependency-cruiser already keeps kysely and worker/ imports out of api/; a query can still be
  // built on a database handle reached some other way, which only the syntax shows.
  {
    files: ['api/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'CallExpression[callee.property.name=/^(selectFrom|insertInto|updateTable|deleteFrom|replaceInto)$/]',
          message: 'SQL belongs in db/ repositories: call one from the route instead of building a query.',
        },
        {
          selector: 'TaggedTemplateExpression[tag.name="sql"]',
          message: 'SQL belongs in db/ repositories: call one from the route instead of writing SQL.',
        },
      ],
    },
  },

  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: NODE_BUILTINS.map((name) => ({
            name,
            message: 'Workflows run in the deterministic Temporal sandbox: no Node built-ins (do it in an activity).',
          })),
          patterns: [
            {
              group: ['node:*'],
              message: 'Workflows run in the deterministic Temporal sandbox: no Node built-ins (do it in an activity).',
            },
            {
              group: NOT_IN_WORKFLOWS.flatMap((dir) => [`../${dir}`, `../${dir}/**`]),
              // `import type { ... }` stays allowed: it is erased before bundling.
              allowTypeImports: true,
              message: 'Workflows may import only domain/ and workflows/ values; use `import type` for other layers.',
            },
          ],
        },
      ],
    },
  },
);
