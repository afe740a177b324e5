// electron-builder's beforeBuild hook (build/electron-builder.yml): rebuilds the staged app's
// native modules (dist-app/node_modules, build/package/stage-app.mjs) for the Electron version
// and arch being packaged, with @electron/rebuild as electron-builder itself would, but with
// the search for modules confined to the app folder: electron-builder's own rebuild walks up
// to the project root and would rebuild the checkout's node_modules for Electron too, which
// Node (the tests, `vmdesk`) could then no longer load. @electron/rebuild fetches Electron's
// prebuilt better-sqlite3 where one is published, else builds it from source against
// Electron's headers (python3, make and a C++ compiler then; both need the network).
import { rebuild } from '@electron/rebuild';

/** The @electron/rebuild options for one packaging run (exported for the config test). */
export function rebuildOptions({ appDir, electronVersion, arch }) {
  if (!electronVersion) throw new Error('rebuild-native: electron-builder passed no Electron version');
  return { buildPath: appDir, projectRootPath: appDir, electronVersion, arch, types: ['prod', 'optional'], force: true, mode: 'sequential' };
}

export async function beforeBuild(context) {
  const options = rebuildOptions(context);
  console.log(`rebuild-native: rebuilding ${options.buildPath}/node_modules for Electron ${options.electronVersion} (${options.arch})`);
  await rebuild(options);
  return false; // node_modules are done: electron-builder must not install or rebuild them again
}

export default beforeBuild;
