// Preloaded into the KFP UI server (`node --require bind-host.cjs dist/server.js ...`) by
// localkfp/ui/serve.sh; upstream files stay as they are.
//
// - Listening: upstream's UIServer calls `app.listen(port)`, which binds every interface, and
//   its configs (frontend/server/configs.ts) have no host setting. Every listen(port[, cb])
//   without a host gets UI_HOST (default 127.0.0.1) as its host; a listen that names a host, a
//   path or an options object is left as it is.
// - Names: UI_HOST_ALIASES="ip=name,name,...": those names resolve to ip, as Argo's
//   hostAliases make them resolve in the node's pods (there is no cluster DNS on the host). The
//   artifact preview needs it: an artifact's store_session_info names the store's endpoint as
//   a Service (frontend/server/minio-helper.ts ~287-299), e.g. digitstudy's
//   digitstudy-minio.kubeflow.svc.cluster.local. net and http look names up through
//   dns.lookup at connect time, so replacing it is enough.
'use strict';
const dns = require('dns');
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

const aliases = new Map();
const spec = process.env.UI_HOST_ALIASES || '';
if (spec) {
  const [ip, names] = spec.split('=');
  if (!names || net.isIP(ip) !== 4) {
    throw new Error(`UI_HOST_ALIASES must be "ip=name,name,...", not ${JSON.stringify(spec)}`);
  }
  for (const name of names.split(',')) aliases.set(name.trim().toLowerCase(), ip);
}
const lookup = dns.lookup;
dns.lookup = function (hostname, options, callback) {
  const ip = typeof hostname === 'string' && aliases.get(hostname.toLowerCase());
  if (!ip) return lookup.apply(this, arguments);
  const cb = typeof options === 'function' ? options : callback;
  const all = typeof options === 'object' && options !== null && options.all;
  process.nextTick(() => (all ? cb(null, [{ address: ip, family: 4 }]) : cb(null, ip, 4)));
  return {};
};
