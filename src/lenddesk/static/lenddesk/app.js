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
  // Tabs: <div data-ld-tabs> with links [data-ld-tab=KEY] and panes #KEY. The
  // address keeps the tab (#KEY), so a redirect after an action lands on it.
  function showTab(container, key) {
    var link = container.querySelector('[data-ld-tab="' + key + '"]');
    if (!link) { return false; }
    container.querySelectorAll("[data-ld-tab]").forEach(function (other) {
      var on = other === link;
      other.classList.toggle("active", on);
      other.setAttribute("aria-selected", on ? "true" : "false");
      var pane = document.getElementById(other.getAttribute("data-ld-tab"));
      if (pane) { pane.hidden = !on; }
    });
    return true;
  }
  function openTab(key) {
    var container = document.querySelector("[data-ld-tabs]");
    if (container && showTab(container, key)) {
      if (window.history.replaceState) { window.history.replaceState(null, "", "#" + key); }
      return container;
    }
    return null;
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-ld-tab], [data-ld-tab-open]");
    if (!link) { return; }
    var key = link.getAttribute("data-ld-tab") || link.getAttribute("data-ld-tab-open");
    var container = openTab(key);
    if (!container) { return; }
    event.preventDefault();
    if (link.hasAttribute("data-ld-tab-open")) {
      container.scrollIntoView({ behavior: "smooth", block: "start" });
      var field = document.getElementById(key) && document.getElementById(key).querySelector("textarea, input:not([type=hidden]), select");
      if (field) { field.focus({ preventScroll: true }); }
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    if (window.location.hash.length > 1) { openTab(window.location.hash.slice(1)); }
  });
  // Ask before destructive actions: <form data-confirm="...">.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  }, true);
  // A submit button may ask too: <button data-confirm="..."> (the list's bulk actions).
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var question = button && button.getAttribute && button.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  }, true);
  // Row selection: <input type=checkbox data-check-all="NAME"> ticks every
  // checkbox named NAME in its form; [data-check-count="NAME"] shows how many are.
  function countChecked(form, name) {
    var shown = form.querySelector('[data-check-count="' + name + '"]');
    if (shown) {
      shown.textContent = String(form.querySelectorAll('input[name="' + name + '"]:checked').length);
    }
  }
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.form || box.type !== "checkbox") { return; }
    var all = box.getAttribute("data-check-all");
    if (all) {
      box.form.querySelectorAll('input[name="' + all + '"]').forEach(function (row) {
        row.checked = box.checked;
      });
    }
    countChecked(box.form, all || box.name);
  });
  // Submit a select's form when it changes: <select data-autosubmit>.
  document.addEventListener("change", function (event) {
    if (event.target.hasAttribute && event.target.hasAttribute("data-autosubmit")) {
      event.target.form.submit();
    }
  });
})();
