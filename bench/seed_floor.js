// The floor under row (d) of bench/gateway_compare.py: the seed's function doing its own work with no
// gateway, no runtime and no pipe in front of it. Each of PROCESSES child processes loads the seed's
// handler (../shared/seed/lambda-proxy/index.js, unchanged) on its generation's HTTP agent (nodejs4.3:
// no keep-alive) and calls it with the event the seed's request template renders for `GET /`, one call
// at a time, as one warm Lambda worker per concurrent invocation would. Whatever vpcgate adds comes on
// top of these numbers.
//
//   node seed_floor.js HANDLER_JS BACKEND_PORT PROCESSES
// prints {"ready": true} once every child has loaded the handler, then answers one command at a time,
// a line on stdin each, with a JSON line on stdout (the children stay warm in between):
//   rate SECONDS   → {"rate": calls/s, all children calling at once}
//   latency COUNT  → {"p50_ms": median of COUNT sequential calls in one child}
'use strict';

const http = require('http');
const readline = require('readline');
const { fork } = require('child_process');

const [handlerFile, backendPort, processes] = process.argv.slice(2);

// What the seed's template renders for the load generator's GET / (Host and Accept headers; an
// empty payload reads as {}, so the function writes "{}" into the GET as it does behind vpcgate).
const event = {
  requestParams: { hostname: '127.0.0.1', port: backendPort, path: '/', method: 'GET' },
  bodyJson: {},
  params: { path: {}, querystring: {}, header: { Host: '127.0.0.1', Accept: 'application/json' } },
  'stage-variables': {},
  context: { 'http-method': 'GET', stage: 'prod', 'source-ip': '127.0.0.1', 'user-agent': '', 'resource-path': '/' },
};

function child() {
  http.globalAgent = new http.Agent({ keepAlive: false });
  const { myHandler } = require(handlerFile);

  const call = (done) => {
    let answered = false;
    const finish = (err, value) => {
      if (answered) return;
      answered = true;
      JSON.stringify(err === null ? value : err); // the runtime serialises the answer
      if (err) throw new Error(`the seed's function failed: ${err}`);
      done();
    };
    const context = { succeed: (v) => finish(null, v), fail: (e) => finish(e, null), done: finish };
    myHandler(JSON.parse(JSON.stringify(event)), context, finish);
  };

  const rate = (until) => {
    let calls = 0;
    const next = () => {
      if (Date.now() >= until) return process.send({ calls });
      call(() => {
        calls += 1;
        setImmediate(next);
      });
    };
    next();
  };

  const latency = (count) => {
    const samples = [];
    const next = () => {
      const start = process.hrtime.bigint();
      call(() => {
        samples.push(Number(process.hrtime.bigint() - start) / 1e6);
        if (samples.length < count) return setImmediate(next);
        samples.sort((a, b) => a - b);
        process.send({ p50_ms: samples[samples.length >> 1] });
      });
    };
    next();
  };

  process.on('message', (m) => (m.until ? rate(m.until) : latency(m.count)));
  process.on('disconnect', () => process.exit(0));
  process.send({ ready: true });
}

function parent() {
  const children = [];
  for (let i = 0; i < Number(processes); i += 1) children.push(fork(__filename, [handlerFile, backendPort, 0]));
  let waiting = children.length;
  let onAnswer = null;
  for (const c of children) {
    c.on('message', (m) => {
      if (!m.ready) onAnswer(m);
      else if ((waiting -= 1) === 0) serve(children, (handler) => (onAnswer = handler));
    });
  }
}

// Commands are read once every child is ready; at the end of input, the children are let go after the
// command in progress has answered.
function serve(children, setOnAnswer) {
  let busy = false;
  let closed = false;
  const answer = (value) => {
    console.log(JSON.stringify(value));
    busy = false;
    if (closed) for (const c of children) c.disconnect();
  };
  const lines = readline.createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    const [command, value] = line.trim().split(/\s+/);
    if (command === 'rate') {
      busy = true;
      const seconds = Number(value);
      let calls = 0;
      let left = children.length;
      setOnAnswer((m) => {
        calls += m.calls;
        if ((left -= 1) === 0) answer({ rate: calls / seconds });
      });
      const until = Date.now() + seconds * 1000;
      for (const c of children) c.send({ until });
    } else if (command === 'latency') {
      busy = true;
      setOnAnswer(answer);
      children[0].send({ count: Number(value) });
    }
  });
  lines.on('close', () => {
    closed = true;
    if (!busy) for (const c of children) c.disconnect();
  });
  console.log(JSON.stringify({ ready: true }));
}

if (Number(processes) > 0) parent();
else child();
