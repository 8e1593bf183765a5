// Lint and the layer rules of docs/architecture.md, checked by `npm test` (npm run lint).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Imports a layer may not make: [glob of files, forbidden patterns, why]. */
const LAYERS = [
  ['src/core/**', ['**/http/**', '**/storage/**', '**/fetch/**', '**/admin/**', '**/portal/**', '**/cli/**', '**/import/**', '**/config/**', 'fastify', 'kysely', 'pg', 'better-sqlite3', 'jose', 'node:crypto'],
    'core is the protocol: no HTTP, no SQL, no services; crypto only through src/crypto'],
  ['src/storage/**', ['**/http/**', '**/admin/**', '**/portal/**', '**/cli/**', '**/import/**', '**/config/**', 'fastify', 'jose'],
    'storage implements the core ports and uses crypto only'],
  ['src/crypto/**', ['../*'], 'crypto is a leaf: it imports nothing else of Pixie'],
  ['src/config/**', ['../*'], 'config imports nothing else of Pixie'],
  ['src/fetch/**', ['../*'], 'fetch (SSRF-safe outbound requests) is a leaf: core reaches it through a port'],
  ['src/admin/**', ['**/http/**', '**/portal/**', '**/cli/**', 'fastify'], 'the admin service is called by HTTP and the CLI, not the other way'],
  ['src/credentials/**', ['**/http/**', '**/admin/**', '**/portal/**', '**/cli/**', 'fastify'], 'the credential service is called by the portal, the admin API and the CLI'],
  ['src/portal/**', ['**/http/**', '**/admin/**', '**/cli/**', 'fastify'], 'the portal service is called by HTTP, not the other way'],
  ['src/http/**', ['**/cli/**', '**/storage/**', '**/fetch/**'], 'routes reach storage through core and the services'],
  ['packages/verify/src/**', ['**/src/*/**', '../../*', 'fastify', 'express', 'pg', 'better-sqlite3'], '@pixie-auth/verify imports nothing of the server and depends on jose only'],
];

export default tseslint.config(
  { ignores: ['dist/**', 'packages/*/dist/**', 'node_modules/**', 'src/vendor/*.bundle.mjs', 'test/interop/spa/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked.map((c) => ({ ...c, files: ['src/**/*.ts', 'packages/verify/src/**/*.ts'] })),
  ...tseslint.configs.recommended.map((c) => ({ ...c, files: ['test/**/*.ts', 'bench/**/*.ts', 'examples/**/*.ts', 'scripts/**/*.mjs', 'scripts/**/*.ts', 'bin/**/*.mjs'] })),
  {
    files: ['src/**/*.ts', 'packages/verify/src/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
  },
  {
    files: ['**/*.ts', '**/*.mjs', '**/*.js'],
    plugins: { '@typescript-eslint': tseslint.plugin },
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', fetch: 'readonly', Buffer: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Fastify handlers and storage ports are async by contract, with or without an await inside.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Runs in the browser (bundled by the SPA interop test).
    files: ['test/interop/spa/**/*.js'],
    languageOptions: { globals: { window: 'readonly', document: 'readonly', location: 'readonly', sessionStorage: 'readonly' } },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', process: 'readonly', __dirname: 'readonly' } },
  },
  {
    // Tests read JSON answers of every shape; `any` there is a cast, not a design.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  ...LAYERS.map(([files, group, message]) => ({
    files: [files],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group, message }] }] },
  })),
  {
    // Routes and plugins reach storage through core, the admin and portal services: never a store.
    files: ['src/http/**/*.ts'],
    rules: {
      'no-restricted-syntax': ['error',
        { selector: "MemberExpression[property.name='stores']", message: 'src/http reads no stores: call a function of core/, admin/ or portal/' },
        { selector: "ObjectPattern > Property[key.name='stores']", message: 'src/http reads no stores: call a function of core/, admin/ or portal/' },
      ],
    },
  },
  {
    // Configuration comes from one place: flags and environment are read by src/config (and the CLI hands them over).
    files: ['src/**/*.ts', 'packages/verify/src/**/*.ts'],
    ignores: ['src/config/**', 'src/cli/**'],
    rules: { 'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'read configuration in src/config' }] },
  },
);
