'use strict';
// Plain ES5 so that it fails clearly on any Node. The pinned Node 24 comes from the node-<platform>
// optional dependency (node_modules/.bin/node), which `npm run` puts first on PATH.
var WANTED_MAJOR = 24;
var major = Number(process.versions.node.split('.')[0]);
if (major !== WANTED_MAJOR) {
  process.stderr.write(
    'Running on Node ' +
      process.version +
      ' (' +
      process.execPath +
      '), but this project targets Node ' +
      WANTED_MAJOR +
      ' LTS.\n' +
      '  On Linux and Windows x64 `npm ci` installs it (node-<platform> optional dependency); run the tools through npm run / npx.\n' +
      '  Elsewhere install Node ' +
      WANTED_MAJOR +
      ' (see .nvmrc), for example with `nvm use`.\n',
  );
  process.exit(1);
}
