/**
 * Standalone C4C emulator for the sandbox / bench: `npx tsx test/emulators/c4c/main.ts`.
 * Env: C4C_EMULATOR_PORT (default 4004), C4C_EMULATOR_HOST (127.0.0.1), C4C_EMULATOR_DEMO ("0" disables demo data),
 * C4C_EMULATOR_CSRF ("0" = technical user, no CSRF enforcement).
 */
import { startC4cEmulator } from './index';

async function main(): Promise<void> {
  const emu = await startC4cEmulator({
    host: process.env.C4C_EMULATOR_HOST ?? '127.0.0.1',
    port: Number(process.env.C4C_EMULATOR_PORT ?? 4004),
    seedDemo: process.env.C4C_EMULATOR_DEMO !== '0',
    csrf: process.env.C4C_EMULATOR_CSRF !== '0',
  });
  process.stdout.write(`C4C emulator listening: ${emu.serviceRoot} (control: ${emu.origin}/__control/)\n`);
  const stop = (): void => { void emu.close().then(() => process.exit(0)); };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main();
