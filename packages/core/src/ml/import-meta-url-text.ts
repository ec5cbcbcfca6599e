/**
 * The text `import.meta.url`, for messages and generated modules that name it (a trainer's
 * `module: import.meta.url`, a candidate's `chain.mjs`). Spelt apart because the bundler rewrites
 * every `import.meta.url` in the packages' code to their own module's URL, strings included.
 */
export const IMPORT_META_URL_TEXT: string = ["import", "meta", "url"].join(".");
