// Idle timeout warning (office and administrator pages; data-idle-seconds on <body>).
// A minute before the server ends an idle session, ask whether to stay; if nobody answers, keep
// the text typed into the page's forms in sessionStorage and reload: the server then asks for a
// sign-in and returns here, where the text is put back. Without JavaScript the server's timeout
// still applies; only the warning and the kept text are lost.
"use strict";

(() => {
  const body = document.body;
  const limit = Number(body.dataset.idleSeconds || 0);
  const statusUrl = body.dataset.sessionUrl;
  if (!limit || !statusUrl) {
    return;
  }
  const warnBefore = Math.min(60, Math.floor(limit / 2));
  const key = `baobao.unsaved:${location.pathname}${location.search}`;
  let deadline = Date.now() + limit * 1000;
  let timer = null;
  let dialog = null;

  const fields = () =>
    Array.from(document.querySelectorAll("form[method=post] [name]")).filter(
      (el) =>
        !["hidden", "password", "file", "submit", "button"].includes(el.type) &&
        el.name !== "csrfmiddlewaretoken",
    );

  function save() {
    const values = fields().map((el) => ({
      name: el.name,
      value: el.type === "checkbox" || el.type === "radio" ? el.checked : el.value,
    }));
    if (values.some((v) => v.value !== "" && v.value !== false)) {
      sessionStorage.setItem(key, JSON.stringify(values));
    }
  }

  function restore() {
    const saved = sessionStorage.getItem(key);
    if (!saved) {
      return;
    }
    sessionStorage.removeItem(key);
    const els = fields();
    JSON.parse(saved).forEach((item, i) => {
      const el = els[i];
      if (!el || el.name !== item.name) {
        return;
      }
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = item.value;
      } else {
        el.value = item.value;
      }
    });
    const note = document.createElement("p");
    note.className = "msg info";
    note.setAttribute("role", "status");
    note.textContent = body.dataset.restoredText || "已恢复您未提交的内容。";
    document.querySelector("main")?.prepend(note);
  }

  function schedule(remaining) {
    clearTimeout(timer);
    deadline = Date.now() + remaining * 1000;
    timer = setTimeout(check, Math.max(remaining - warnBefore, 0) * 1000);
  }

  function status(stay) {
    const url = stay ? `${statusUrl}?stay=1` : statusUrl;
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((r) => (r.ok ? r.json() : { remaining: 0 }))
      .catch(() => ({ remaining: warnBefore }));
  }

  function check() {
    status(false).then((d) => {
      if (d.remaining === null) {
        return;
      }
      if (d.remaining > warnBefore) {
        schedule(d.remaining);
      } else {
        warn(d.remaining);
      }
    });
  }

  function warn(remaining) {
    if (!dialog) {
      dialog = document.createElement("div");
      dialog.className = "idle-dialog";
      dialog.setAttribute("role", "alertdialog");
      dialog.setAttribute("aria-live", "assertive");
      dialog.setAttribute("aria-labelledby", "idle-dialog-text");
      const text = document.createElement("p");
      text.id = "idle-dialog-text";
      text.textContent = "您已较长时间未操作，1 分钟后将自动退出登录。未提交的内容会保留。";
      const button = document.createElement("button");
      button.type = "button";
      button.className = "primary";
      button.textContent = "继续使用";
      button.addEventListener("click", () => {
        status(true).then((d) => {
          dialog.hidden = true;
          schedule(d.remaining || limit);
        });
      });
      dialog.append(text, button);
      document.body.append(dialog);
    }
    dialog.hidden = false;
    dialog.querySelector("button").focus();
    clearTimeout(timer);
    timer = setTimeout(end, remaining * 1000 + 500);
  }

  function end() {
    status(false).then((d) => {
      if (d.remaining) {
        if (dialog) {
          dialog.hidden = true;
        }
        schedule(d.remaining);
        return;
      }
      save();
      location.reload();
    });
  }

  // A form sent after the deadline goes to the sign-in page: keep its text for the way back.
  document.addEventListener("submit", () => {
    if (Date.now() >= deadline) {
      save();
    }
  });

  restore();
  schedule(limit);
})();
