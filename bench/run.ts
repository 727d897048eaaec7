/**
 * `npm run bench`: the entry point. binaryen binds console.log/console.error when it loads and prints
 * validation noise through them (feature detection tries feature sets that fail on purpose), so console is
 * captured before anything loads binaryen; the bench writes its own output through process.stdout/stderr.
 */
const discarded = (): void => {};
console.log = discarded;
console.error = discarded;
console.warn = discarded;
console.info = discarded;

const { main } = await import('./main.js');
process.exitCode = await main(process.argv.slice(2));
