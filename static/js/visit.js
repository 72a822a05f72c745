// The cadre's visit form (and the rectification report) on a weak signal. The form works without this file (a plain POST); with
// it, nothing typed is lost to a dropped connection: the form autosaves to the phone's queue
// (queue.js: IndexedDB, photos included, keyed by the form's idempotency key); a submitted form is
// queued and sent, and when there is no signal it waits on the phone and goes by itself later
// (offline.js). The idempotency key makes a resend or a double tap safe. No inline script (CSP).
"use strict";

(() => {
  const AUTOSAVE_MS = 800;
  const MAX_SIDE = 1600;
  const JPEG_QUALITY = 0.8;
  const SKIPPED = new Set(["csrfmiddlewaretoken"]);
  const store = window.BaobaoQueue;
  const user = document.body.dataset.user || "";

  // A fresh idempotency key, for a saved form whose key was already used.
  function newKey() {
    if (window.crypto && crypto.randomUUID) {
      return crypto.randomUUID();
    }
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

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
    let state = "draft"; // "unsent" once submitted, "refused" when the server said what to correct
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
        user,
        action: form.action,
        entity: form.dataset.entity,
        entityName: form.dataset.entityName,
        sentNotice: form.dataset.sentNotice, // what the page says once sent (none: a visit's)
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

    const failed = (reason) => {
      offline.querySelector("[data-reason]").textContent = reason;
      offline.hidden = false;
      offline.scrollIntoView({ block: "start" });
      busy(false);
    };

    const format = (template, values) =>
      template.replace(/%\((\w+)\)s/g, (match, name) => (name in values ? values[name] : match));

    // Kept on the phone: it goes by itself when the signal returns (offline.js, the worker).
    const queued = async (saved, outcome) => {
      const helper = window.BaobaoOffline;
      if (helper) {
        await helper.queued(saved).catch(() => null);
      }
      const done = form.dataset.doneUrl;
      if (outcome === "offline" && helper && done && (await helper.opensOffline(done))) {
        // The task page opens from the phone's copy: on to the next business.
        helper.noticeLater(format(form.dataset.queuedNotice, { name: saved.entityName }));
        window.location.assign(done);
        return;
      }
      failed(outcome === "login" ? form.dataset.loginAgain : "");
    };

    // Every send goes through the queue: stored first, then sent with a fresh CSRF token (a form
    // saved on the phone hours ago still works), oldest first, one at a time.
    const send = async () => {
      if (sending) {
        return;
      }
      window.clearTimeout(timer);
      busy(true);
      form.querySelectorAll(".invalid").forEach((el) => el.classList.remove("invalid"));
      errorBox.hidden = true;
      state = "unsent";
      const saved = await record();
      saved.queuedAt = new Date().toISOString();
      try {
        await store.put(saved);
      } catch (error) {
        // Not kept on the phone (its storage is full): sent straight from this page, if it can.
        state = "draft";
        const result = await store.sendUnstored(saved);
        if (result.outcome === "sent") {
          window.location.assign(result.answer.redirect);
        } else if (result.outcome === "refused") {
          busy(false);
          showErrors(result.errors);
        } else {
          const full = error && error.name === "QuotaExceededError";
          failed(full ? form.dataset.storageFull : form.dataset.notStored);
        }
        return;
      }
      let answer = null;
      const outcome = await store
        .flush({
          onSent: async (r, a) => {
            if (r.key === saved.key) {
              answer = a;
            }
          },
        })
        .catch(() => "failed");
      const now = (await store.all().catch(() => [])).find((r) => r.key === saved.key);
      if (!now) {
        // Sent, by this flush or by the page's own sender a moment before.
        window.location.assign(answer ? answer.redirect : form.dataset.doneUrl || window.location.href);
        return;
      }
      if (now.state === "refused") {
        // Refused by the server: the cadre corrects the form; it stays on the phone meanwhile.
        state = "refused";
        offline.hidden = true;
        busy(false);
        showErrors(now.errors || []);
        return;
      }
      await queued(saved, outcome);
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
      form.querySelectorAll("details.raise").forEach((details) => {
        details.dataset.shown = "1"; // as the cadre left it: nothing ticked by itself
      });
      form.querySelectorAll("fieldset.check").forEach(updateCheck);
    };

    // A "problem" opens the item's issue part with 提出问题 ticked (the cadre may untick it), its
    // category, description and deadline proposed; JS hides the parts no problem needs.
    function updateCheck(fieldset) {
      const chosen = fieldset.querySelector("input[type=radio]:checked");
      const details = fieldset.querySelector("details.raise");
      if (!details) {
        return;
      }
      const problem = chosen && chosen.value === "problem";
      const tick = details.querySelector("input[name$=raise_issue]");
      if (problem && !details.dataset.shown) {
        details.open = true;
        details.dataset.shown = "1";
        if (!tick.checked) {
          tick.checked = true;
          details.dataset.auto = "1";
          propose(fieldset, details);
        }
      } else if (!problem && details.dataset.auto) {
        // A problem taken back takes back the issue it ticked by itself.
        tick.checked = false;
        delete details.dataset.auto;
        delete details.dataset.shown;
      }
      details.hidden = !(problem || tick.checked);
    }

    function propose(fieldset, details) {
      const category = details.querySelector("select[name$=-category]");
      if (category && !category.value && fieldset.dataset.category) {
        category.value = fieldset.dataset.category;
      }
      const description = details.querySelector("textarea[name$=-description]");
      if (description && !description.value && fieldset.dataset.text) {
        description.value = fieldset.dataset.text;
      }
      setDefaultDeadline(details);
    }

    function setDefaultDeadline(details) {
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
    }

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
    allPass?.removeAttribute("hidden");
    allPass?.addEventListener("click", () => {
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

    // A form saved on the phone (the service worker's copy) may carry a key already used: a new
    // visit needs a new key. Then a copy kept from earlier (a draft, or one the server refused):
    // offer to restore it.
    Promise.all([store.wasSent(keyField.value), store.all()])
      .then(([sent, records]) => {
        const mine = records.filter((r) => store.mine(r, user) && r.entity === form.dataset.entity);
        if (sent || mine.some((r) => r.key === keyField.value && r.state === "unsent")) {
          keyField.value = newKey();
        }
        // On the cadre's pages a waiting record goes by itself; elsewhere it is resent from here.
        const sentByItself = document.body.hasAttribute("data-cadre");
        const earlier = mine
          .filter((r) => r.state !== "unsent" || !sentByItself)
          .sort((a, b) => (a.savedAt < b.savedAt ? 1 : -1))[0];
        if (!earlier) {
          return;
        }
        restoreBanner.querySelector("[data-saved-at]").textContent = new Date(
          earlier.savedAt,
        ).toLocaleString();
        restoreBanner.hidden = false;
        restoreBanner.querySelector("[data-restore]").addEventListener("click", async () => {
          window.clearTimeout(timer);
          if (keyField.value !== earlier.key) {
            await store.remove(keyField.value).catch(() => null);
          }
          fill(earlier);
          restoreBanner.hidden = true;
          if (earlier.state === "refused" && earlier.errors) {
            showErrors(earlier.errors);
          }
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

  document.addEventListener("DOMContentLoaded", () => {
    // The visit form, or another form sent the same way (the rectification report).
    const form = document.querySelector("#visit-form, form[data-queued-form]");
    if (form && store) {
      visitForm(form);
    }
  });
})();
