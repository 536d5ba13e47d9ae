/** Secrets at rest: the AES-256-GCM box and where its key comes from. */
export { createSecretBox, SecretTamperedError, SECRET_KEY_BYTES, type SecretBox } from './secret-box';
export { loadSecretKey, SecretKeyError, SANDBOX_KEY_FILE, type LoadSecretKeyOptions, type WarnLogger } from './key';
