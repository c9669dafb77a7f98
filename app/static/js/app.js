// Yinjian's small client script: show htmx failures to the user instead of swallowing them, keep the
// keyboard focus in a sensible place after a swap, and show a form's sections for the chosen kind.
// Everything is driven by data attributes on the server's HTML: no inline script (the CSP forbids it).
(function () {
  "use strict";

  function showToast(message) {
    var container = document.getElementById("toasts");
    if (!container) { return; }
    var toast = document.createElement("div");
    toast.className = "toast align-items-center text-bg-danger border-0 show";
    toast.setAttribute("role", "alert");
    var inner = document.createElement("div");
    inner.className = "d-flex";
    var body = document.createElement("div");
    body.className = "toast-body";
    body.textContent = message;  // text only: never inject server HTML here
    var close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close btn-close-white me-2 m-auto";
    close.addEventListener("click", function () { toast.remove(); });
    inner.appendChild(body);
    inner.appendChild(close);
    toast.appendChild(inner);
    container.appendChild(toast);
    setTimeout(function () { toast.remove(); }, 8000);
  }

  function messageFrom(xhr) {
    var fallback = document.body.dataset.errorGeneric;
    if (!xhr || !xhr.responseText) { return fallback; }
    var holder = document.createElement("template");
    holder.innerHTML = xhr.responseText;  // parsed inert in a <template>, only its text is used
    var alert = holder.content.querySelector("[role=alert]");
    return alert ? alert.textContent.trim().replace(/\s+/g, " ") : fallback;
  }

  // A fragment that asks for it ([data-swap-errors]) is replaced by a refusal too (409 changed meanwhile,
  // 422 bad input): the answer is the fragment again, with its message where the user is looking.
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var status = evt.detail.xhr && evt.detail.xhr.status;
    var elt = evt.detail.requestConfig && evt.detail.requestConfig.elt;
    if ((status === 409 || status === 422) && elt && elt.closest && elt.closest("[data-swap-errors]")) {
      evt.detail.shouldSwap = true;
      evt.detail.isError = false;
    }
  });

  document.addEventListener("htmx:responseError", function (evt) {
    var xhr = evt.detail.xhr;
    if (xhr && xhr.getResponseHeader("HX-Redirect")) { return; }
    showToast(messageFrom(xhr));
  });
  document.addEventListener("htmx:sendError", function () {
    showToast(document.body.dataset.errorNetwork);
  });

  // --- focus -------------------------------------------------------------------------------------

  function focusOn(element) {
    if (!element.matches("a[href], button, input, select, textarea, summary, [tabindex]")) {
      element.setAttribute("tabindex", "-1");
    }
    element.focus();
  }

  function focusLost() {
    var active = document.activeElement;
    return !active || active === document.body || !document.contains(active);
  }

  // An inline check replaced a field's errors ([data-errors-for]): the field's own state follows them.
  function syncInvalid(errors) {
    var field = document.getElementById(errors.dataset.errorsFor);
    if (!field) { return; }
    var invalid = errors.textContent.trim() !== "";
    field.classList.toggle("is-invalid", invalid);
    if (invalid) { field.setAttribute("aria-invalid", "true"); } else { field.removeAttribute("aria-invalid"); }
  }

  // After a swap: the first field in error, else what the fragment marks [data-swap-focus] (the new
  // entry, the revealed number), else, when the swap took the focus away, the fragment itself; never the body.
  document.addEventListener("htmx:afterSwap", function (evt) {
    var root = evt.target;
    if (!root || !root.matches) { return; }
    if (root.matches("[data-errors-for]")) { syncInvalid(root); return; }
    syncShown(root);
    var target = root.querySelector("[aria-invalid=true]") ||
      (root.matches("[data-swap-focus]") ? root : root.querySelector("[data-swap-focus]"));
    // A fragment that loads or polls by itself (no user event asked for it: a badge, a lazy panel) never
    // takes the focus; nor does one marked [data-keep-focus].
    var config = evt.detail && evt.detail.requestConfig;
    var quiet = !(config && config.triggeringEvent) || root.matches("[hx-swap-oob], #flash, [data-keep-focus]");
    if (!target && focusLost() && !quiet) { target = root; }
    if (target) { focusOn(target); }
  });

  // --- sections for one choice: data-shown-by="<select id>" data-shown-for="value ..." ------------
  // Without JavaScript every section stays visible. A label with data-label-by="<select id>" takes its
  // text from data-label-<value> (a person's 姓名, a company's 名称).

  function syncShown(root) {
    root.querySelectorAll("[data-shown-by]").forEach(function (section) {
      var control = document.getElementById(section.dataset.shownBy);
      if (control) { section.hidden = section.dataset.shownFor.split(" ").indexOf(control.value) === -1; }
    });
    root.querySelectorAll("[data-label-by]").forEach(function (label) {
      var control = document.getElementById(label.dataset.labelBy);
      var text = control && label.getAttribute("data-label-" + control.value);
      if (text) { label.textContent = text; }
    });
  }

  document.addEventListener("change", function (evt) {
    var id = evt.target.id;
    if (id && document.querySelector('[data-shown-by="' + id + '"], [data-label-by="' + id + '"]')) {
      syncShown(document);
    }
  });

  // A copy button puts its message (appointment texts for SMS / WeChat) on the clipboard.
  document.addEventListener("click", function (evt) {
    var button = evt.target.closest && evt.target.closest("[data-copy]");
    var source = button && document.querySelector(button.getAttribute("data-copy"));
    if (!source) { return; }
    source.select();
    if (navigator.clipboard) { navigator.clipboard.writeText(source.value); }
  });

  function ready() {
    syncShown(document);
    // A page re-shown with errors starts at the first field in error (unless a field asks for focus).
    var invalid = document.querySelector("main [aria-invalid=true]");
    if (invalid && !document.querySelector("[autofocus]")) { invalid.focus(); }
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", ready); } else { ready(); }
})();
