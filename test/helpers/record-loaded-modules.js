/**
 * Preload (`node --require`) for process tests: when the process exits, writes the path of every module it loaded
 * (`require.cache`, which tsx's CommonJS loading fills too) to the file named by RECORD_LOADED_MODULES.
 */
const fs = require('node:fs');

process.on('exit', () => {
  fs.writeFileSync(process.env.RECORD_LOADED_MODULES, Object.keys(require.cache).join('\n'));
});
