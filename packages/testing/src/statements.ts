/**
 * `@ordo/testing/statements`: {@link interceptStatements}, the storage wrapper
 * that sees (or refuses) every SQL statement, on its own — without the test
 * runner, contract suites and fakes the package's main entry loads, for a
 * benchmark or script that counts statements outside of a test run.
 *
 * @module
 */
export { interceptStatements, type StatementInterceptor } from './intercept-statements.js'
