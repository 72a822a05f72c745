// Assignment forms (holdings, a cadre leaving): show the escalation reason only when a chosen
// cadre is above the level the business needs, and on the leave page only the part of the form
// the chosen hand-over uses. Without this script every field simply shows.
"use strict";

function chosenEscalates(form) {
  return Array.from(form.querySelectorAll("select[data-cadre-picker]")).some((select) => {
    if (select.closest("[hidden]")) {
      return false;
    }
    const option = select.selectedOptions[0];
    return option !== undefined && option.hasAttribute("data-escalates");
  });
}

function syncEscalation(form) {
  const box = form.querySelector("[data-escalation-reason]");
  if (!box) {
    return;
  }
  const input = box.querySelector("input, textarea");
  const keep = (input && input.value.trim() !== "") || box.querySelector(".errorlist");
  box.hidden = !(chosenEscalates(form) || keep);
}

function syncLeaveMode(form) {
  const checked = form.querySelector('input[name="mode"]:checked');
  if (!checked) {
    return;
  }
  form.querySelectorAll("[data-leave-mode]").forEach((part) => {
    part.hidden = part.dataset.leaveMode !== checked.value;
  });
}

function sync(form) {
  syncLeaveMode(form);
  syncEscalation(form);
}

document.addEventListener("change", (event) => {
  const field = event.target;
  if (field.form && field.matches("select[data-cadre-picker], input[name='mode']")) {
    sync(field.form);
  }
});

document.querySelectorAll("form").forEach(sync);
