// The CommonJS build replaces `import.meta.url` with an equivalent derived from `__filename`
// (see scripts/build.mjs), so this is the one place that needs to know where the SDK is installed.
/** URL of the installed SDK's compiled module that contains this line. */
export const sdkModuleUrl: string = import.meta.url;
