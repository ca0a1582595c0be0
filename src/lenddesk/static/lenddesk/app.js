/* LendDesk shell behaviour. Loaded with `defer`; no inline scripts (CSP). */
(function () {
  "use strict";
  // htmx: send the CSRF token on every request it makes.
  document.addEventListener("htmx:configRequest", function (event) {
    var token = document.querySelector('meta[name="csrf-token"]');
    if (token) { event.detail.headers["X-CSRFToken"] = token.content; }
  });
  // htmx leaves 4xx/5xx answers unswapped, so a refused action would look like
  // nothing happened. An HTML fragment (a form with its errors) is swapped like a
  // success; anything else (empty, JSON, a whole page, a server error) becomes a toast
  // whose text says why, in the page's language.
  function toast(text) {
    var box = document.getElementById("ld-toasts");
    if (!box || !text) { return; }
    var item = document.createElement("div");
    item.className = "alert alert-danger alert-dismissible ld-toast";
    item.setAttribute("role", "alert");
    item.setAttribute("data-testid", "toast");
    var body = document.createElement("div");
    body.textContent = text;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close";
    close.setAttribute("aria-label", box.getAttribute("data-msg-close") || "");
    close.addEventListener("click", function () { item.remove(); });
    item.appendChild(body);
    item.appendChild(close);
    box.appendChild(item);
    window.setTimeout(function () { item.remove(); }, 8000);
  }
  function messageFor(status) {
    var box = document.getElementById("ld-toasts");
    if (!box) { return ""; }
    var key = status >= 500 ? "5xx" : String(status);
    return box.getAttribute("data-msg-" + key) || box.getAttribute("data-msg-400");
  }
  function jsonDetail(xhr) {
    try {
      var data = JSON.parse(xhr.responseText);
      return data && typeof data.detail === "string" ? data.detail : "";
    } catch (ignored) { return ""; }
  }
  function isFragment(xhr) {
    var type = xhr.getResponseHeader("Content-Type") || "";
    var text = xhr.responseText || "";
    return type.indexOf("text/html") === 0 && text.trim() !== "" &&
      !/<html[\s>]/i.test(text.slice(0, 500));
  }
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr.status < 400) { return; }
    if (xhr.status < 500 && isFragment(xhr)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
      return;
    }
    event.detail.shouldSwap = false;
    toast(jsonDetail(xhr) || messageFor(xhr.status));
  });
  document.addEventListener("htmx:sendError", function () {
    var box = document.getElementById("ld-toasts");
    toast(box && box.getAttribute("data-msg-network"));
  });
  // Ask before destructive actions: <form data-confirm="...">.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  }, true);
  // Submit a select's form when it changes: <select data-autosubmit>.
  document.addEventListener("change", function (event) {
    if (event.target.hasAttribute && event.target.hasAttribute("data-autosubmit")) {
      event.target.form.submit();
    }
  });
})();
