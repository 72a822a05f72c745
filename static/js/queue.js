// The phone's queue of visit records (IndexedDB), shared by the pages and the service worker.
// A record is one visit form as typed (fields and photo blobs), keyed by the form's idempotency
// key; "draft" while typed, "unsent" once submitted and waiting for a signal, "refused" when the
// server answered with errors the cadre must correct. flush() sends the waiting ones of the
// logged-in user, oldest first, one at a time, each with a fresh CSRF token; the idempotency key
// makes a resend after a lost answer harmless.
"use strict";

(function (global) {
  const DB_NAME = "baobao-visits";
  const FORMS = "forms";
  const SENT = "sent"; // keys already sent: a cached form that carries one gets a new key
  const SENT_KEPT = 200;
  const SEND_TIMEOUT_MS = 60000;
  const TOKEN_URL = "/inspections/offline/token/";
  const LOCK = "baobao-send";

  function openDb() {
    return new Promise((resolve, reject) => {
      if (!global.indexedDB) {
        reject(new Error("IndexedDB unavailable"));
        return;
      }
      const request = indexedDB.open(DB_NAME, 2);
      request.onupgradeneeded = () => {
        const db = request.result;
        if (!db.objectStoreNames.contains(FORMS)) {
          db.createObjectStore(FORMS, { keyPath: "key" });
        }
        if (!db.objectStoreNames.contains(SENT)) {
          db.createObjectStore(SENT, { keyPath: "key" });
        }
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  async function withStore(name, mode, action) {
    const db = await openDb();
    return new Promise((resolve, reject) => {
      const transaction = db.transaction(name, mode);
      const request = action(transaction.objectStore(name));
      transaction.oncomplete = () => {
        db.close();
        resolve(request && request.result);
      };
      transaction.onerror = transaction.onabort = () => {
        db.close();
        reject(transaction.error);
      };
    });
  }

  const put = (record) => withStore(FORMS, "readwrite", (s) => s.put(record));
  const remove = (key) => withStore(FORMS, "readwrite", (s) => s.delete(key));
  const all = () => withStore(FORMS, "readonly", (s) => s.getAll());
  const wasSent = (key) => withStore(SENT, "readonly", (s) => s.count(key)).then((n) => n > 0);

  async function markSent(key) {
    await withStore(SENT, "readwrite", (s) => s.put({ key, at: new Date().toISOString() }));
    const sent = await withStore(SENT, "readonly", (s) => s.getAll());
    sent.sort((a, b) => (a.at < b.at ? 1 : -1));
    for (const old of sent.slice(SENT_KEPT)) {
      await withStore(SENT, "readwrite", (s) => s.delete(old.key));
    }
  }

  const mine = (record, user) => String(record.user || "") === String(user || "");
  const oldestFirst = (a, b) => ((a.queuedAt || a.savedAt) < (b.queuedAt || b.savedAt) ? -1 : 1);

  // Records of ``user`` the badge counts: waiting for a signal, or refused and to be corrected.
  async function waiting(user) {
    const records = await all();
    return records
      .filter((r) => mine(r, user) && (r.state === "unsent" || r.state === "refused"))
      .sort(oldestFirst);
  }

  // What ``user`` left on this phone (logout); with keepWaiting, the records still to send stay.
  async function forget(user, { keepWaiting = false } = {}) {
    for (const r of await all()) {
      if (mine(r, user) && !(keepWaiting && (r.state === "unsent" || r.state === "refused"))) {
        await remove(r.key);
      }
    }
  }

  // The logged-in user and a CSRF token valid now; null when the session is gone.
  async function session() {
    const response = await fetch(TOKEN_URL, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { "X-Requested-With": "fetch" },
    });
    if (!response.ok || !(response.headers.get("Content-Type") || "").includes("json")) {
      return null;
    }
    const answer = await response.json();
    return answer.user ? answer : null;
  }

  function body(record, token) {
    const data = new FormData();
    data.append("csrfmiddlewaretoken", token);
    for (const [name, value] of record.fields) {
      data.append(name, value);
    }
    for (const file of record.files) {
      data.append(file.field, file.blob, file.name);
    }
    return data;
  }

  // One send: "sent" (with the server's answer), "refused" (errors), "offline", "login", "failed".
  async function send(record, token) {
    const controller = new AbortController();
    const timeout = setTimeout(() => controller.abort(), SEND_TIMEOUT_MS);
    let response;
    try {
      response = await fetch(record.action, {
        method: "POST",
        body: body(record, token),
        headers: { "X-Requested-With": "fetch", "X-CSRFToken": token },
        credentials: "same-origin",
        signal: controller.signal,
      });
    } catch (error) {
      return { outcome: "offline" };
    } finally {
      clearTimeout(timeout);
    }
    let answer = null;
    if ((response.headers.get("Content-Type") || "").includes("application/json")) {
      answer = await response.json().catch(() => null);
    }
    if (answer && answer.ok) {
      return { outcome: "sent", answer };
    }
    if (answer && answer.errors) {
      return { outcome: "refused", errors: answer.errors };
    }
    if (response.status === 404 || response.status === 403) {
      // The business is no longer held, or the form is no longer allowed: only a person can say.
      return { outcome: "refused", errors: [{ field: "", label: "", message: `(${response.status})` }] };
    }
    if (response.redirected && response.url.includes("/accounts/login/")) {
      return { outcome: "login" };
    }
    return { outcome: "failed", status: response.status };
  }

  // Send the waiting records, oldest first, one at a time; ``only`` restricts it to one key.
  // Calls onSent(record, answer) / onRefused(record, errors) as it goes; returns why it stopped.
  async function flush({ onSent, onRefused, only } = {}) {
    const run = async () => {
      let current;
      try {
        current = await session();
      } catch (error) {
        return "offline";
      }
      if (!current) {
        return "login";
      }
      const queue = (await waiting(current.user)).filter(
        (r) => r.state === "unsent" && (!only || r.key === only),
      );
      for (const record of queue) {
        const result = await send(record, current.token);
        if (result.outcome === "sent") {
          await markSent(record.key);
          await remove(record.key);
          if (onSent) {
            await onSent(record, result.answer);
          }
        } else if (result.outcome === "refused") {
          record.state = "refused";
          record.errors = result.errors;
          await put(record);
          if (onRefused) {
            await onRefused(record, result.errors);
          }
        } else {
          return result.outcome;
        }
      }
      return "done";
    };
    if (global.navigator && global.navigator.locks) {
      return global.navigator.locks.request(LOCK, run);
    }
    return run();
  }

  // Send one record that could not be stored (the phone's storage is full): straight from the page.
  async function sendUnstored(record) {
    let current;
    try {
      current = await session();
    } catch (error) {
      return { outcome: "offline" };
    }
    return current ? send(record, current.token) : { outcome: "login" };
  }

  global.BaobaoQueue = { put, remove, all, wasSent, waiting, forget, flush, mine, sendUnstored };
})(self);
