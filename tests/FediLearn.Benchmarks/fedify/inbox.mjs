// Fedify inbox for FediLearn's inbox benchmark (tests/FediLearn.Benchmarks/InboxBenchmark.cs): an independent
// ActivityPub implementation receiving the same signed Create{Note} load as FediLearn, on the same machine.
//
//   node_modules/.bin/node inbox.mjs [--port 0]      (prints "LISTENING <port>" once ready)
//
// Everything that matters is Fedify's own: the shared inbox /inbox (and /users/bench/inbox) verifies the HTTP
// signature (draft-cavage: digest, date window, key fetched from the actor document once and kept in its key cache),
// checks that the key belongs to the activity's actor, parses the activity (JSON-LD) and runs the Create listener,
// then answers 202. Signature verification is never skipped; allowPrivateAddress is on because the actor documents
// are served on 127.0.0.1 by the benchmark. No queue is configured, so 202 means the listener ran (processed).
// GET /control/count answers {"created": n}: Create activities the listener saw (a check, not a timer).
import http from "node:http";
import { parseArgs } from "node:util";

const major = Number(process.versions.node.split(".")[0]);
if (major < 22) {
  console.error(`inbox.mjs needs Node >= 22 (Fedify 2.x); this is ${process.version}: run node_modules/.bin/node`);
  process.exit(2);
}
const { createFederation, MemoryKvStore } = await import("@fedify/fedify");
const { Create, Person } = await import("@fedify/vocab");

const { values: args } = parseArgs({ options: { port: { type: "string", default: "0" } } });
let federation = null;
let created = 0;

const server = http.createServer((req, res) => {
  handle(req, res).catch((error) => {
    if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
    res.end(String(error?.stack ?? error));
  });
});
server.keepAliveTimeout = 60_000;
await new Promise((resolve, reject) => { server.once("error", reject); server.listen(Number(args.port), "127.0.0.1", resolve); });
const port = server.address().port;
const origin = `http://127.0.0.1:${port}`;

federation = createFederation({ kv: new MemoryKvStore(), origin, allowPrivateAddress: true });
federation.setActorDispatcher("/users/{identifier}", (ctx, identifier) => identifier !== "bench" ? null : new Person({
  id: ctx.getActorUri(identifier), preferredUsername: identifier, inbox: ctx.getInboxUri(identifier),
}));
federation.setInboxListeners("/users/{identifier}/inbox", "/inbox")
  .on(Create, (_ctx, create) => {
    if (create.id === null || create.actorId === null) throw new Error("Create without id or actor");
    created++;
  });

async function handle(req, res) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const url = new URL(req.url, origin);
  if (url.pathname === "/control/count") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ created }));
    return;
  }
  const headers = new Headers();
  for (const [key, value] of Object.entries(req.headers)) {
    for (const v of Array.isArray(value) ? value : [value]) if (v !== undefined) headers.append(key, v);
  }
  const request = new Request(url, {
    method: req.method, headers,
    body: req.method === "GET" || req.method === "HEAD" ? undefined : Buffer.concat(chunks),
  });
  const response = await federation.fetch(request, {
    contextData: undefined,
    onNotFound: () => new Response("Not found", { status: 404 }),
    onNotAcceptable: () => new Response("Not acceptable", { status: 406 }),
  });
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(Buffer.from(await response.arrayBuffer()));
}

for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => { server.close(); process.exit(0); });
console.log(`LISTENING ${port}`);
