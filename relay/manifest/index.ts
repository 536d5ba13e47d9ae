/** Feature D1: the Outlook add-in manifest, rendered per deployment, served, and validated offline. */
export { manifestRouter, MANIFEST_DOWNLOAD_NAME, type ManifestRouterOptions } from './router';
export { renderManifest, parsePublicOrigin, ManifestOriginError, TEMPLATE_ORIGIN, type PublicOrigin, type RenderManifestOptions } from './render';
export { validateManifest, DEFAULT_REQUIRED_EXTENSION_POINTS, type ManifestValidationResult, type ValidateManifestOptions } from './validate';
export { manifestPaths, type ManifestPaths } from './paths';
export { ICON_SIZES, iconFileName } from './make-icons';
