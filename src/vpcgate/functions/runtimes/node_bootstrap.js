// vpcgate's built-in Node.js runtime: runs a Lambda handler in a warm worker process.
//
// Started as `node node_bootstrap.js RFD WFD AGENT` where RFD/WFD are inherited pipes carrying
// length-prefixed frames (uint32 meta length, uint32 body length, meta JSON, body), and AGENT is
// "legacy-agent" for the nodejs4.3 ... nodejs18.x runtime ids: those generations' http.globalAgent did
// not keep connections alive, and code written for them (the seed's proxy writes a body into GETs)
// breaks on a kept-alive socket (see ../shared/seed/README.md).
//
// What the handler sees follows AWS's Node.js runtime:
// - handler styles (async, callback, context.succeed/fail/done, callbackWaitsForEmptyEventLoop):
//   https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html
// - the context object: https://docs.aws.amazon.com/lambda/latest/dg/nodejs-context.html
// - errors {errorType, errorMessage, trace}; a non-Error value v gives errorType `typeof v` and
//   errorMessage String(v): https://docs.aws.amazon.com/lambda/latest/dg/nodejs-exceptions.html
// - console lines `<ISO time>\t<request id>\t<LEVEL>\t<message>` with newlines turned into \r:
//   https://docs.aws.amazon.com/lambda/latest/dg/nodejs-logging.html
//
// Guard mode (vpcgate.network.running; only when VPCGATE_GUARD is in the environment, so the usual
// worker pays nothing): net.Socket.prototype.connect (net.connect, http, https, fetch all go through
// it) is checked against the function's allow table before the handler is loaded: an allowed VPC
// address is dialled at its instance's loopback alias, anything else in a VPC (or an alias itself)
// fails as `connect ECONNREFUSED host:port`. Literal addresses only; dgram and native sockets are
// not checked.
'use strict';

const fs = require('fs');
const net = require('net');
const path = require('path');
const util = require('util');
const { pathToFileURL } = require('url');

const RFD = Number(process.argv[2]);
const WFD = Number(process.argv[3]);
const LEGACY_AGENT = process.argv[4] === 'legacy-agent';
process.argv.splice(2, 3);

if (LEGACY_AGENT) {
  const http = require('http');
  const https = require('https');
  http.globalAgent = new http.Agent({ keepAlive: false });
  https.globalAgent = new https.Agent({ keepAlive: false });
}

let currentRequestId = '';
let current = null; // the invocation in progress: { postError, exitAfter }

// ---- frames
function send(kind, body, extra) {
  // rss: peak resident memory in KB, reported here because it is cheaper than /proc from vpcgate's side.
  const meta = Buffer.from(JSON.stringify(Object.assign({ k: kind, rss: process.resourceUsage().maxRSS }, extra || {})));
  const payload = body === undefined ? Buffer.alloc(0) : Buffer.from(body);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(meta.length, 0);
  head.writeUInt32BE(payload.length, 4);
  let data = Buffer.concat([head, meta, payload]);
  while (data.length) {
    try {
      const n = fs.writeSync(WFD, data);
      data = data.subarray(n);
    } catch (e) {
      if (e.code !== 'EAGAIN') throw e;
    }
  }
}

// ---- logging
function patchConsole() {
  const write = (level) => (...args) => {
    const line = util.format(...args).replace(/\n/g, '\r');
    process.stdout.write(`${new Date().toISOString()}\t${currentRequestId || 'undefined'}\t${level}\t${line}\n`);
  };
  console.log = write('INFO');
  console.info = write('INFO');
  console.warn = write('WARN');
  console.error = write('ERROR');
  console.debug = write('DEBUG');
  console.trace = write('TRACE');
}

// ---- errors
function isErrorLike(e) {
  return e && typeof e.name === 'string' && typeof e.message === 'string' && typeof e.stack === 'string';
}

function errorDocument(err) {
  try {
    if (util.types.isNativeError(err) || isErrorLike(err)) {
      return { errorType: err.name, errorMessage: err.message, trace: err.stack.split('\n') };
    }
    return { errorType: typeof err, errorMessage: String(err), trace: [] };
  } catch (_e) {
    return {
      errorType: 'handled',
      errorMessage:
        'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
    };
  }
}

function runtimeError(type, message, cause) {
  const err = new Error(message);
  err.name = `Runtime.${type}`;
  if (cause && cause.stack) err.stack = `${err.name}: ${message}\n${String(cause.stack).split('\n').slice(1).join('\n')}`;
  return err;
}

// ---- loading the handler
async function loadHandler(taskRoot, spec) {
  const slash = spec.lastIndexOf('/');
  const dir = spec.slice(0, slash + 1);
  const rest = spec.slice(slash + 1);
  const dot = rest.indexOf('.');
  if (dot < 1 || dot === rest.length - 1) throw runtimeError('MalformedHandlerName', `Bad handler ${spec}`);
  const moduleName = dir + rest.slice(0, dot);
  const attrPath = rest.slice(dot + 1).split('.');
  const module = await loadModule(path.resolve(taskRoot, moduleName), moduleName);
  let handler = module;
  for (const part of attrPath) handler = handler == null ? undefined : handler[part];
  if (handler === undefined) {
    throw runtimeError('HandlerNotFound', `${moduleName}.${attrPath.join('.')} is undefined or not exported`);
  }
  if (typeof handler !== 'function') {
    throw runtimeError('HandlerNotFound', `${moduleName}.${attrPath.join('.')} is not a function`);
  }
  return handler;
}

function resolveFile(base) {
  for (const ext of ['.js', '.mjs', '.cjs']) {
    if (fs.existsSync(base + ext)) return base + ext;
  }
  return null;
}

async function loadModule(base, moduleName) {
  const file = resolveFile(base);
  if (file === null) {
    throw runtimeError('ImportModuleError', `Error: Cannot find module '${moduleName}'\nRequire stack:\n- ${__filename}`);
  }
  try {
    if (file.endsWith('.mjs')) return await import(pathToFileURL(file).href);
    try {
      return require(file);
    } catch (e) {
      if (e && e.code === 'ERR_REQUIRE_ESM') return await import(pathToFileURL(file).href);
      throw e;
    }
  } catch (e) {
    if (e instanceof SyntaxError) throw runtimeError('UserCodeSyntaxError', `${e.name}: ${e.message}`, e);
    if (e && e.code === 'MODULE_NOT_FOUND') throw runtimeError('ImportModuleError', `${e.name}: ${e.message}`, e);
    throw e;
  }
}

// ---- waiting for an empty event loop (callbackWaitsForEmptyEventLoop)
let onEmpty = null;
process.on('beforeExit', () => {
  const fn = onEmpty;
  onEmpty = null;
  if (fn) setImmediate(fn);
});

// ---- one invocation
function makeContext(meta, finish) {
  let waits = true;
  const env = process.env;
  const context = {
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: meta.arn,
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: meta.id,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    identity: meta.ci ? JSON.parse(meta.ci) : undefined,
    clientContext: meta.cc ? JSON.parse(meta.cc) : undefined,
    getRemainingTimeInMillis: () => Math.max(0, meta.deadline - Date.now()),
    get callbackWaitsForEmptyEventLoop() {
      return waits;
    },
    set callbackWaitsForEmptyEventLoop(value) {
      waits = value;
    },
  };
  const done = (err, result) => {
    onEmpty = null;
    if (err !== undefined && err !== null) finish.error(err);
    else finish.result(result);
  };
  const callback = (err, result) => {
    onEmpty = null;
    if (err !== undefined && err !== null) finish.error(err);
    else if (!waits) finish.result(result);
    else {
      input.unref();
      onEmpty = () => finish.result(result);
    }
  };
  context.done = done;
  context.succeed = (result) => done(null, result);
  context.fail = (err) => done(err === undefined || err === null ? 'handled' : err, null);
  return [context, callback];
}

function invoke(handler, meta, body) {
  currentRequestId = meta.id;
  process.env._X_AMZN_TRACE_ID = meta.trace || '';
  let finished = false;
  const complete = (kind, payload, extra) => {
    if (finished) return;
    finished = true;
    current = null;
    onEmpty = null;
    input.ref();
    send(kind, payload, extra);
  };
  const finish = {
    error(err, extra) {
      console.error(`Invoke Error \t${JSON.stringify(errorDocument(err))}`);
      complete('err', JSON.stringify(errorDocument(err)), extra);
    },
    result(value) {
      let text;
      try {
        text = JSON.stringify(value === undefined ? null : value);
      } catch (e) {
        finish.error(runtimeError('MarshalError', `Unable to stringify response body as json: ${e.message}`, e));
        return;
      }
      complete('ok', text === undefined ? 'null' : text);
    },
  };
  current = finish;
  let event;
  try {
    event = JSON.parse(body.length ? body.toString('utf8') : 'null');
  } catch (e) {
    finish.error(runtimeError('UnmarshalError', `Unable to parse input as json: ${e.message}`, e));
    return;
  }
  const [context, callback] = makeContext(meta, finish);
  try {
    const returned = handler(event, context, callback);
    if (returned && typeof returned.then === 'function') {
      returned.then(
        (value) => context.done(null, value),
        (err) => context.done(err === undefined || err === null ? runtimeError('UnhandledPromiseRejection', String(err)) : err),
      );
    } else if (!finished && onEmpty === null) {
      // A callback handler that never calls back: like AWS's runtime, answer null once the loop is empty.
      input.unref();
      onEmpty = () => finish.result(null);
    }
  } catch (e) {
    finish.error(e);
  }
}

function fatal(err) {
  if (current) current.error(err, { exit: true });
  else console.error(`Uncaught Exception \t${JSON.stringify(errorDocument(err))}`);
  process.exit(129);
}

// ---- the frame reader
const input = new net.Socket({ fd: RFD, readable: true, writable: false });
let pending = Buffer.alloc(0);

function startLoop(handler) {
  input.on('data', (chunk) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= 8) {
      const metaLen = pending.readUInt32BE(0);
      const bodyLen = pending.readUInt32BE(4);
      if (pending.length < 8 + metaLen + bodyLen) break;
      const meta = JSON.parse(pending.subarray(8, 8 + metaLen).toString('utf8'));
      const body = pending.subarray(8 + metaLen, 8 + metaLen + bodyLen);
      pending = pending.subarray(8 + metaLen + bodyLen);
      invoke(handler, meta, body);
    }
  });
  input.on('end', () => process.exit(0));
}

// ---- guard mode
function ipv4Number(text) {
  const parts = String(text).split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return null;
    n = n * 256 + Number(p);
  }
  return n;
}

function refuseConnect(socket, host, port) {
  const err = new Error(`connect ECONNREFUSED ${host}:${port}`);
  Object.assign(err, { errno: -111, code: 'ECONNREFUSED', syscall: 'connect', address: host, port });
  process.nextTick(() => socket.destroy(err));
  return socket;
}

function connectOptions(args) {
  if (Array.isArray(args[0])) return args[0][0]; // net.connect's normalized arguments
  if (args[0] !== null && typeof args[0] === 'object') return args[0];
  if (typeof args[0] === 'number' || (typeof args[0] === 'string' && /^\d+$/.test(args[0]))) {
    return { port: args[0], host: typeof args[1] === 'string' ? args[1] : undefined };
  }
  return null;
}

function installConnectGuard(text) {
  const table = JSON.parse(text);
  const vpcs = table.vpc_cidrs.map((cidr) => {
    const [base, bits] = cidr.split('/');
    const size = 2 ** (32 - Number(bits));
    return [ipv4Number(base), size];
  });
  const aliases = new Set(table.aliases || []);
  const connect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function guardedConnect(...args) {
    const opts = connectOptions(args);
    if (!opts || opts.path) return connect.apply(this, args); // a unix socket path: not ours
    const host = String(opts.host || 'localhost').replace(/^::ffff:/i, '');
    const n = ipv4Number(host);
    if (n === null) return connect.apply(this, args);
    const port = Number(opts.port);
    if (aliases.has(host)) return refuseConnect(this, host, port);
    if (!vpcs.some(([base, size]) => n >= base && n < base + size)) return connect.apply(this, args);
    const entry = table.allow[host];
    const ok = entry && entry.ranges.some(([p, lo, hi]) => (p === null || p === 6) && port >= lo && port <= hi);
    if (!ok) return refuseConnect(this, host, port);
    const dialled = Object.assign({}, opts, { host: entry.dial });
    if (Array.isArray(args[0])) {
      args[0][0] = dialled; // keep the array: it carries net's normalized-arguments mark
      return connect.apply(this, args);
    }
    const callback = args.find((a) => typeof a === 'function');
    return callback ? connect.call(this, dialled, callback) : connect.call(this, dialled);
  };
}

async function main() {
  if (process.env.VPCGATE_GUARD !== undefined) {
    installConnectGuard(process.env.VPCGATE_GUARD);
    delete process.env.VPCGATE_GUARD;
  }
  patchConsole();
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', (reason) =>
    fatal(util.types.isNativeError(reason) ? reason : runtimeError('UnhandledPromiseRejection', String(reason))),
  );
  input.pause();
  let handler;
  try {
    handler = await loadHandler(process.env.LAMBDA_TASK_ROOT || process.cwd(), process.env._HANDLER || '');
  } catch (e) {
    console.error(`Init Error \t${JSON.stringify(errorDocument(e))}`);
    send('init_err', JSON.stringify(errorDocument(e)));
    process.exit(0);
  }
  startLoop(handler);
  input.resume();
  send('ready');
}

main();
