// The cadre's visit form on a weak signal, and the pending sends on the task page.
// The form works without this file (a plain POST); with it, nothing typed is lost to a dropped
// connection: the form autosaves to IndexedDB (photos included, keyed by the form's idempotency
// key), is sent with fetch, and when sending fails it stays on the phone to be sent again. The
// server's idempotency key makes a resend or a double tap safe. No inline script (CSP).
"use strict";

(() => {
  const DB_NAME = "baobao-visits";
  const STORE = "forms";
  const SEND_TIMEOUT_MS = 60000;
  const AUTOSAVE_MS = 800;
  const MAX_SIDE = 1600;
  const JPEG_QUALITY = 0.8;
  const SKIPPED = new Set(["csrfmiddlewaretoken"]);

  // --- storage: one record per form, keyed by its idempotency key ---------------------------

  function openDb() {
    return new Promise((resolve, reject) => {
      if (!window.indexedDB) {
        reject(new Error("IndexedDB unavailable"));
        return;
      }
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => {
        request.result.createObjectStore(STORE, { keyPath: "key" });
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  async function withStore(mode, action) {
    const db = await openDb();
    return new Promise((resolve, reject) => {
      const transaction = db.transaction(STORE, mode);
      const request = action(transaction.objectStore(STORE));
      transaction.oncomplete = () => {
        db.close();
        resolve(request.result);
      };
      transaction.onerror = transaction.onabort = () => {
        db.close();
        reject(transaction.error);
      };
    });
  }

  const store = {
    put: (record) => withStore("readwrite", (s) => s.put(record)),
    remove: (key) => withStore("readwrite", (s) => s.delete(key)),
    all: () => withStore("readonly", (s) => s.getAll()),
  };

  // --- photos: downscaled in the browser before upload, when it can ---------------------------

  async function compress(file) {
    if (!file.type.startsWith("image/") || !window.createImageBitmap) {
      return file;
    }
    try {
      // "from-image" applies the EXIF orientation, so the pixels come out upright.
      const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
      const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
      const canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      if (bitmap.close) {
        bitmap.close();
      }
      const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", JPEG_QUALITY));
      if (!blob || (scale === 1 && blob.size >= file.size)) {
        return file;
      }
      const name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
      return new File([blob], name, { type: "image/jpeg", lastModified: file.lastModified });
    } catch (error) {
      return file;
    }
  }

  // --- the visit form --------------------------------------------------------------------------

  function visitForm(form) {
    const keyField = form.elements.namedItem("idempotency_key");
    const submit = form.querySelector("[data-submit]");
    const offline = document.getElementById("offline-banner");
    const restoreBanner = document.getElementById("restore-banner");
    const errorBox = document.getElementById("form-errors");
    const deadlineDays = JSON.parse(form.dataset.deadlineDays || "{}");
    const compressed = new Map(); // file input name → Promise of its compressed files
    let state = "draft"; // "unsent" once a send has failed
    let sending = false;
    let timer = null;

    const record = async () => {
      const fields = [];
      for (const [name, value] of new FormData(form)) {
        if (typeof value === "string" && !SKIPPED.has(name)) {
          fields.push([name, value]);
        }
      }
      const files = [];
      for (const input of form.querySelectorAll("input[type=file]")) {
        if (!compressed.has(input.name)) {
          compressed.set(input.name, Promise.all([...input.files].map(compress)));
        }
        for (const file of await compressed.get(input.name)) {
          files.push({ field: input.name, name: file.name, type: file.type, blob: file });
        }
      }
      return {
        key: keyField.value,
        entity: form.dataset.entity,
        entityName: form.dataset.entityName,
        state,
        savedAt: new Date().toISOString(),
        fields,
        files,
      };
    };

    const save = async () => {
      try {
        await store.put(await record());
        return true;
      } catch (error) {
        return false;
      }
    };

    const autosave = () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(save, AUTOSAVE_MS);
    };

    const body = (saved) => {
      const data = new FormData();
      data.append("csrfmiddlewaretoken", form.elements.namedItem("csrfmiddlewaretoken").value);
      for (const [name, value] of saved.fields) {
        data.append(name, value);
      }
      for (const file of saved.files) {
        data.append(file.field, file.blob, file.name);
      }
      return data;
    };

    const busy = (on) => {
      sending = on;
      submit.disabled = on;
      if (on) {
        submit.dataset.label = submit.textContent;
        submit.textContent = form.dataset.sendingLabel;
      } else if (submit.dataset.label) {
        submit.textContent = submit.dataset.label;
      }
    };

    const showErrors = (errors) => {
      errorBox.replaceChildren();
      const list = document.createElement("ul");
      list.className = "errorlist";
      for (const error of errors) {
        const item = document.createElement("li");
        item.textContent = error.label ? `${error.label}: ${error.message}` : error.message;
        list.append(item);
        const field = error.field && form.elements.namedItem(error.field);
        const element = field && (field.length !== undefined && !field.tagName ? field[0] : field);
        const holder = element && element.closest("fieldset.check, .form-field, details");
        if (holder) {
          holder.classList.add("invalid");
          if (holder.tagName === "DETAILS") {
            holder.open = true;
          }
        }
      }
      errorBox.append(list);
      errorBox.hidden = false;
      errorBox.scrollIntoView({ block: "start" });
    };

    const failed = async (reason) => {
      state = "unsent";
      const stored = await save();
      offline.querySelector("[data-reason]").textContent = stored ? reason : form.dataset.notStored;
      offline.hidden = false;
      offline.scrollIntoView({ block: "start" });
      busy(false);
    };

    const send = async () => {
      if (sending) {
        return;
      }
      window.clearTimeout(timer);
      busy(true);
      form.querySelectorAll(".invalid").forEach((el) => el.classList.remove("invalid"));
      const saved = await record();
      await store.put(saved).catch(() => null); // a crash mid-send loses nothing either
      if (navigator.onLine === false) {
        await failed("");
        return;
      }
      const controller = new AbortController();
      const timeout = window.setTimeout(() => controller.abort(), SEND_TIMEOUT_MS);
      let response;
      try {
        response = await fetch(form.action, {
          method: "POST",
          body: body(saved),
          headers: { "X-Requested-With": "fetch" },
          credentials: "same-origin",
          signal: controller.signal,
        });
      } catch (error) {
        await failed("");
        return;
      } finally {
        window.clearTimeout(timeout);
      }
      let answer = null;
      if ((response.headers.get("Content-Type") || "").includes("application/json")) {
        answer = await response.json().catch(() => null);
      }
      if (answer && answer.ok) {
        await store.remove(saved.key).catch(() => null);
        window.location.assign(answer.redirect);
        return;
      }
      if (answer && answer.errors) {
        // Refused by the server: the cadre corrects the form; it stays saved as a draft.
        state = "draft";
        offline.hidden = true;
        await save();
        busy(false);
        showErrors(answer.errors);
        return;
      }
      // A login page after an expired session, a proxy's error page: keep it to send again.
      await failed(`(${response.status})`);
    };

    const fill = (saved) => {
      const values = new Map();
      for (const [name, value] of saved.fields) {
        values.set(name, [...(values.get(name) || []), value]);
      }
      for (const element of form.elements) {
        if (!element.name || SKIPPED.has(element.name) || element.type === "file") {
          continue;
        }
        const given = values.get(element.name) || [];
        if (element.type === "radio" || element.type === "checkbox") {
          element.checked = given.includes(element.value);
        } else if (element.tagName !== "BUTTON") {
          element.value = given.length ? given[0] : "";
        }
      }
      const byField = new Map();
      for (const file of saved.files) {
        byField.set(file.field, [...(byField.get(file.field) || []), file]);
      }
      for (const input of form.querySelectorAll("input[type=file]")) {
        const files = (byField.get(input.name) || []).map(
          (f) => new File([f.blob], f.name, { type: f.type }),
        );
        compressed.set(input.name, Promise.resolve(files));
        try {
          const transfer = new DataTransfer();
          files.forEach((file) => transfer.items.add(file));
          input.files = transfer.files;
        } catch (error) {
          // The photos are still sent from the stored copy.
        }
      }
      state = saved.state;
      form.querySelectorAll("fieldset.check").forEach(updateCheck);
    };

    // A "problem" opens the item's issue part; JS hides the parts no problem needs.
    function updateCheck(fieldset) {
      const chosen = fieldset.querySelector("input[type=radio]:checked");
      const details = fieldset.querySelector("details.raise");
      if (!details) {
        return;
      }
      const problem = chosen && chosen.value === "problem";
      const raised = details.querySelector("input[name$=raise_issue]").checked;
      details.hidden = !(problem || raised);
      if (problem && !details.dataset.shown) {
        details.open = true;
        details.dataset.shown = "1";
      }
    }

    const setDefaultDeadline = (details) => {
      const deadline = details.querySelector("input[name$=-deadline]");
      const severity = details.querySelector("select[name$=-severity]");
      const days = deadlineDays[severity && severity.value];
      if (!deadline || deadline.dataset.touched || !days) {
        return;
      }
      const day = new Date();
      day.setDate(day.getDate() + days);
      const pad = (n) => String(n).padStart(2, "0");
      deadline.value = `${day.getFullYear()}-${pad(day.getMonth() + 1)}-${pad(day.getDate())}`;
    };

    form.querySelectorAll("fieldset.check").forEach(updateCheck);
    form.addEventListener("change", (event) => {
      const target = event.target;
      const fieldset = target.closest("fieldset.check");
      if (fieldset) {
        updateCheck(fieldset);
      }
      const details = target.closest("details.raise");
      if (details && (target.name.endsWith("-severity") || target.name.endsWith("-raise_issue"))) {
        setDefaultDeadline(details);
      }
      if (target.type === "file") {
        compressed.delete(target.name);
      }
      autosave();
    });
    form.addEventListener("input", (event) => {
      if (event.target.name && event.target.name.endsWith("-deadline")) {
        event.target.dataset.touched = "1";
      }
      autosave();
    });

    const allPass = form.querySelector("[data-all-pass]");
    allPass.hidden = false;
    allPass.addEventListener("click", () => {
      for (const fieldset of form.querySelectorAll("fieldset.check")) {
        const pass = fieldset.querySelector("input[type=radio][value=pass]");
        if (pass && !fieldset.querySelector("input[type=radio]:checked")) {
          pass.checked = true;
          updateCheck(fieldset);
        }
      }
      autosave();
    });

    form.addEventListener("submit", (event) => {
      event.preventDefault();
      send();
    });
    offline.querySelector("[data-resend]").addEventListener("click", send);

    // A copy kept from an earlier visit to this page: restore it (and resend it if it was sent).
    store
      .all()
      .then((records) => {
        const fresh = keyField.value;
        const earlier = records
          .filter((r) => r.entity === form.dataset.entity && r.key !== fresh)
          .sort((a, b) => (a.savedAt < b.savedAt ? 1 : -1))[0];
        if (!earlier) {
          return;
        }
        restoreBanner.querySelector("[data-saved-at]").textContent = new Date(
          earlier.savedAt,
        ).toLocaleString();
        restoreBanner.hidden = false;
        restoreBanner.querySelector("[data-restore]").addEventListener("click", () => {
          window.clearTimeout(timer);
          store.remove(fresh).catch(() => null);
          fill(earlier);
          restoreBanner.hidden = true;
          offline.hidden = earlier.state !== "unsent";
        });
        restoreBanner.querySelector("[data-discard]").addEventListener("click", () => {
          store.remove(earlier.key).catch(() => null);
          restoreBanner.hidden = true;
        });
      })
      .catch(() => null);

    // The phone's location, when it gives it, with its accuracy.
    const latitude = form.elements.namedItem("latitude");
    if (navigator.geolocation && latitude && !latitude.value) {
      const status = form.querySelector("[data-geo-status]");
      navigator.geolocation.getCurrentPosition(
        (position) => {
          const { latitude: lat, longitude: lon, accuracy } = position.coords;
          latitude.value = lat.toFixed(6);
          form.elements.namedItem("longitude").value = lon.toFixed(6);
          form.elements.namedItem("accuracy_m").value = Math.round(accuracy);
          status.textContent = `📍 ${lat.toFixed(5)}, ${lon.toFixed(5)} (±${Math.round(accuracy)} m)`;
        },
        () => null,
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
      );
    }
  }

  // --- the task page: forms kept on this phone, waiting to be sent -----------------------------

  function pendingSends(section) {
    store
      .all()
      .then((records) => {
        const unsent = records.filter((r) => r.state === "unsent");
        if (!unsent.length) {
          return;
        }
        section.querySelector("[data-pending-count]").textContent = String(unsent.length);
        const list = section.querySelector("[data-pending-list]");
        for (const r of unsent) {
          const item = document.createElement("li");
          const link = document.createElement("a");
          link.href = `${section.dataset.formUrl}?entity=${encodeURIComponent(r.entity)}`;
          link.textContent = r.entityName;
          const when = document.createElement("span");
          when.className = "muted";
          when.textContent = ` ${new Date(r.savedAt).toLocaleString()}`;
          item.append(link, when);
          list.append(item);
        }
        section.hidden = false;
      })
      .catch(() => null);
  }

  document.addEventListener("DOMContentLoaded", () => {
    const form = document.getElementById("visit-form");
    if (form) {
      visitForm(form);
    }
    const pending = document.getElementById("pending-sends");
    if (pending) {
      pendingSends(pending);
    }
  });
})();
