// Offline-first for the cadre's pages (progressive: without it every page works as a plain page).
// Registers the service worker, asks it to save the task page and every held business's form,
// sends the queued visits by themselves (page load, the `online` event, a timer, Background Sync),
// shows how many wait and which were sent, and keeps one user's pages and queue from the next:
// logging out clears them once nothing waits, and another login on this phone drops the saved
// pages of the one before (queue.js sends a record only under the session of its own user).
"use strict";

(() => {
  const PAGES = "baobao-pages-";
  const LAST_USER = "baobao-user";
  const SYNC_TAG = "baobao-send";
  const TIMER_MS = 15000;
  const STALE_MS = 10 * 60 * 1000;
  const NOTICE_KEY = "baobao-notice";

  const body = document.body;
  const user = body.dataset.user || "";
  const cadre = body.hasAttribute("data-cadre");
  const Q = window.BaobaoQueue;

  async function forgetPages() {
    if (!window.caches) {
      return;
    }
    for (const key of await caches.keys()) {
      if (key.startsWith(PAGES)) {
        await caches.delete(key);
      }
    }
  }

  // Another user on this phone: what the one before saved is dropped before anything is shown.
  async function hygiene() {
    let last = null;
    try {
      last = localStorage.getItem(LAST_USER);
      localStorage.setItem(LAST_USER, user);
    } catch (error) {
      last = null;
    }
    if (last !== user) {
      await forgetPages().catch(() => null);
    }
  }

  // --- notices and the badge -----------------------------------------------------------------

  const notice = (text) => {
    const box = document.querySelector("[data-queue-notice]");
    if (box) {
      box.textContent = text;
      box.hidden = false;
    }
  };

  // A notice for the next page (visit.js leaves one when it moves to the task page).
  const noticeLater = (text) => {
    try {
      sessionStorage.setItem(NOTICE_KEY, text);
    } catch (error) {
      notice(text);
    }
  };

  const format = (template, values) =>
    template.replace(/%\((\w+)\)s/g, (match, name) => (name in values ? values[name] : match));

  async function showWaiting() {
    if (!Q) {
      return;
    }
    const records = await Q.waiting(user).catch(() => []);
    const badge = document.querySelector("[data-queue-badge]");
    if (badge) {
      badge.textContent = String(records.length);
      badge.hidden = records.length === 0;
    }
    const section = document.getElementById("pending-sends");
    if (!section) {
      return;
    }
    section.querySelector("[data-pending-count]").textContent = String(records.length);
    const list = section.querySelector("[data-pending-list]");
    list.replaceChildren();
    for (const r of records) {
      const item = document.createElement("li");
      item.dataset.key = r.key;
      const link = document.createElement("a");
      link.href = r.action || `${section.dataset.formUrl}?entity=${encodeURIComponent(r.entity)}`;
      link.textContent = r.entityName;
      const when = document.createElement("span");
      when.className = "muted";
      const state = r.state === "refused" ? section.dataset.refused : section.dataset.waiting;
      when.textContent = ` ${new Date(r.queuedAt || r.savedAt).toLocaleString()} · ${state}`;
      item.append(link, when);
      list.append(item);
    }
    section.hidden = records.length === 0;
  }

  function showAge() {
    const stamp = document.querySelector("[data-fetched-at]");
    if (!stamp) {
      return;
    }
    const fetched = new Date(stamp.dataset.fetchedAt);
    const stale = Date.now() - fetched.getTime() > STALE_MS;
    stamp.textContent = `${stamp.dataset.label} ${fetched.toLocaleString()}`;
    stamp.hidden = !(navigator.onLine === false || stale);
  }

  // --- sending -------------------------------------------------------------------------------

  let flushing = null;

  async function somethingToSend() {
    const records = await Q.waiting(user).catch(() => []);
    return records.some((r) => r.state === "unsent");
  }

  async function flush() {
    if (!Q || !user || navigator.onLine === false) {
      return "offline";
    }
    if (!flushing && !(await somethingToSend())) {
      return "done"; // nothing waits: no request at all
    }
    if (!flushing) {
      const labels = document.querySelector("[data-queue-notice]") || body;
      flushing = Q.flush({
        onSent: async (record) => {
          const sent = record.sentNotice || labels.dataset.sent || "%(name)s ✓";
          notice(format(sent, { name: record.entityName }));
          await showWaiting();
        },
        onRefused: showWaiting,
      })
        .then((outcome) => {
          if (outcome === "login") {
            notice(labels.dataset.login || "");
          }
          return outcome;
        })
        .catch(() => "failed")
        .finally(() => {
          flushing = null;
          showWaiting();
        });
    }
    return flushing;
  }

  // Queued by visit.js: Background Sync sends it even if this page is closed, where the browser has it.
  async function queued(record) {
    await showWaiting();
    if ("serviceWorker" in navigator) {
      const registration = await navigator.serviceWorker.getRegistration(); // none for the office
      if (registration && registration.sync) {
        await registration.sync.register(SYNC_TAG).catch(() => null);
      }
    }
  }

  // --- the service worker ----------------------------------------------------------------------

  // Whether ``url`` opens with no signal: the worker is running and keeps a copy of it.
  async function opensOffline(url) {
    if (!("serviceWorker" in navigator) || !window.caches) {
      return false;
    }
    const registration = await navigator.serviceWorker.getRegistration(url);
    if (!registration || !registration.active) {
      return false;
    }
    for (const key of await caches.keys()) {
      if (key.startsWith(PAGES) && (await (await caches.open(key)).match(url, { ignoreVary: true }))) {
        return true;
      }
    }
    return false;
  }

  async function tellWorker(message) {
    if (!("serviceWorker" in navigator)) {
      return;
    }
    const registration = await navigator.serviceWorker.ready;
    await new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = resolve;
      registration.active.postMessage(message, [channel.port2]);
    });
  }

  // On the task page with a signal: save it and the form of every business on it.
  function precache() {
    const list = document.querySelectorAll("a.task-link[data-entity], a[data-precache]");
    if (!list.length && !document.getElementById("pending-sends")) {
      return;
    }
    const urls = [window.location.pathname, ...[...list].map((a) => a.getAttribute("href"))];
    body.dataset.precached = "";
    tellWorker({ type: "precache", urls })
      .then(() => {
        body.dataset.precached = String(urls.length);
      })
      .catch(() => null);
  }

  async function startWorker() {
    if (!("serviceWorker" in navigator) || !body.dataset.sw) {
      return;
    }
    await navigator.serviceWorker.register(body.dataset.sw); // scope: the folder it is served from
    if (navigator.storage && navigator.storage.persist) {
      navigator.storage.persist().catch(() => null);
    }
    navigator.serviceWorker.addEventListener("message", (event) => {
      if (event.data && event.data.type === "sent") {
        showWaiting();
      }
    });
    if (navigator.onLine !== false) {
      precache();
    }
  }

  // --- logging out -----------------------------------------------------------------------------

  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!form.matches("form[data-logout]") || form.dataset.cleared) {
      return;
    }
    event.preventDefault();
    let left = [];
    if (Q) {
      await flush();
      left = await Q.waiting(user).catch(() => []);
      if (left.length && !window.confirm(format(form.dataset.unsent, { count: left.length }))) {
        return;
      }
      await Q.forget(user, { keepWaiting: true }).catch(() => null);
    }
    await forgetPages().catch(() => null);
    try {
      localStorage.removeItem(LAST_USER);
    } catch (error) {
      // nothing kept to forget
    }
    form.dataset.cleared = "1";
    form.submit();
  });

  window.BaobaoOffline = { flush, queued, noticeLater, showWaiting, opensOffline };

  document.addEventListener("DOMContentLoaded", async () => {
    await hygiene();
    let later = null;
    try {
      later = sessionStorage.getItem(NOTICE_KEY);
      sessionStorage.removeItem(NOTICE_KEY);
    } catch (error) {
      later = null;
    }
    if (later) {
      notice(later);
    }
    showAge();
    if (!cadre) {
      if (body.dataset.sw) {
        startWorker().catch(() => null); // the business's pages: saved, their sends are visit.js's
      }
      return;
    }
    await showWaiting();
    startWorker().catch(() => null);
    flush();
    window.addEventListener("online", () => {
      showAge();
      flush();
    });
    window.addEventListener("offline", showAge);
    window.setInterval(flush, TIMER_MS);
  });
})();
