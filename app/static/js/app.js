// Yinjian's small client script: show htmx failures to the user instead of swallowing them.
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

  document.addEventListener("htmx:responseError", function (evt) {
    var xhr = evt.detail.xhr;
    if (xhr && xhr.getResponseHeader("HX-Redirect")) { return; }
    showToast(messageFrom(xhr));
  });
  document.addEventListener("htmx:sendError", function () {
    showToast(document.body.dataset.errorNetwork);
  });
})();
