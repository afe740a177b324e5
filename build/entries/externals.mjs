// npm packages the bundles leave out (build/bundle.mjs `external`) and require at run time:
// native modules, which must be built for the runtime that loads them (Node for `vmdesk`,
// Electron's ABI in the packaged app: build/package/stage-app.mjs copies them into the app,
// build/package/rebuild-native.mjs rebuilds them there). `electron` itself is Electron's.
export const runtimeExternals = ['better-sqlite3'];
