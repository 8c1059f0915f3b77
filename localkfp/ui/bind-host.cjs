// Preloaded into the KFP UI server (`node --require bind-host.cjs dist/server.js ...`) by
// localkfp/ui/serve.sh: upstream's UIServer calls `app.listen(port)`, which binds every
// interface, and its configs (frontend/server/configs.ts) have no host setting. Every
// listen(port[, cb]) without a host gets UI_HOST (default 127.0.0.1) as its host; a listen
// that names a host, a path or an options object is left as it is. Upstream files stay as
// they are.
'use strict';
const net = require('net');

const host = process.env.UI_HOST || '127.0.0.1';
const listen = net.Server.prototype.listen;

net.Server.prototype.listen = function (...args) {
  const port = args[0];
  const isPort =
    typeof port === 'number' || (typeof port === 'string' && /^\d+$/.test(port));
  if (isPort && (args.length === 1 || typeof args[1] === 'function')) {
    args.splice(1, 0, host);
  }
  return listen.apply(this, args);
};
